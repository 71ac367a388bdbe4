"""FAQ files a city already has: a CSV (UTF-8 with or without BOM, or Shift_JIS/CP932) or an .xlsx.

The header row names the columns `id,question,answer` or `番号,質問,回答` (other columns are ignored).
Rows with nothing in them are skipped with a note; a row missing its id, question or answer is an error
naming the file, the line and what to do. Duplicate ids are found by the same check as for YAML.

Encoding: a BOM means UTF-8; otherwise strict UTF-8, then strict CP932. A general charset detector
(charset-normalizer) was tried and is worse here: on a short Japanese CSV it often names cp1252, Big5 or
UTF-16, while Japanese CP932 text is almost never valid UTF-8, so the cascade is right for what a city
hall has (Excel's 「CSV（コンマ区切り）」 is CP932, 「CSV UTF-8」 has a BOM).
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

from knowledge.kb import FaqEntry, KnowledgeBase, Origin, Problem, duplicate_ids, read_failure
from knowledge.messages import msg

FAQ_FILE_SUFFIXES = (".csv", ".xlsx")

# Each column and the header names it may have.
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "番号"),
    "question": ("question", "質問"),
    "answer": ("answer", "回答"),
}
COLUMN_LABELS = {"id": "番号（id）", "question": "質問（question）", "answer": "回答（answer）"}


class FaqFileError(Exception):
    """The file as a whole cannot be read (encoding, syntax, header)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def decode_csv_bytes(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict")
    for encoding in ("utf-8", "cp932"):
        try:
            return data.decode(encoding, errors="strict")
        except UnicodeDecodeError:
            continue
    raise FaqFileError(1, msg("csv_encoding"))


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(first line of the record, cells) for every record; a quoted cell may span lines."""
    text = decode_csv_bytes(path.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error:
        raise FaqFileError(start, msg("csv_syntax")) from None


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an id typed as 12 in Excel comes back as 12.0 from some writers
    return str(value)


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises zipfile, KeyError or XML errors for anything not an xlsx
        raise FaqFileError(1, msg("xlsx_unreadable")) from None
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell_text(v) for v in row]
    finally:
        workbook.close()


def _header_columns(cells: list[str]) -> dict[str, int]:
    names = [unicodedata.normalize("NFKC", c).strip().casefold() for c in cells]
    found: dict[str, int] = {}
    for column, aliases in COLUMNS.items():
        for index, name in enumerate(names):
            if name in aliases:
                found.setdefault(column, index)
    return found


def _entries(path: Path, rows: Iterable[tuple[int, list[str]]], problems: list[Problem]) -> list[FaqEntry]:
    name = str(path)
    columns: dict[str, int] | None = None
    empty_lines: list[int] = []
    entries: list[FaqEntry] = []
    for line, cells in rows:
        if not any(c.strip() for c in cells):
            if columns is not None:
                empty_lines.append(line)
            continue
        if columns is None:
            columns = _header_columns(cells)
            missing = [c for c in COLUMNS if c not in columns]
            if missing:
                labels = "、".join(COLUMN_LABELS[c] for c in missing)
                raise FaqFileError(line, msg("faq_header", missing=labels))
            continue
        values = {c: (cells[i].strip() if i < len(cells) else "") for c, i in columns.items()}
        empty = [COLUMN_LABELS[c] for c in COLUMNS if not values[c]]
        if empty:
            problems.append(Problem(name, line, msg("faq_cell_empty", column="、".join(empty))))
            continue
        entries.append(
            FaqEntry(
                id=values["id"],
                question=values["question"],
                answer=values["answer"],
                origin=Origin(name, line),
            )
        )
    if columns is None:
        raise FaqFileError(1, msg("xlsx_empty") if path.suffix.lower() == ".xlsx" else msg("faq_header", missing="、".join(COLUMN_LABELS.values())))
    if empty_lines:
        shown = "、".join(str(n) for n in empty_lines[:10]) + ("…" if len(empty_lines) > 10 else "")
        problems.append(Problem(name, empty_lines[0], msg("faq_empty_rows", count=len(empty_lines), lines=shown), note=True))
    return entries


def read_faq_file(path: Path) -> tuple[KnowledgeBase, list[Problem]]:
    """A FAQ CSV or xlsx as a knowledge base (no plan, no contact), with its problems and notes."""
    problems: list[Problem] = []
    rows = _xlsx_rows(path) if path.suffix.lower() == ".xlsx" else _csv_rows(path)
    try:
        entries = _entries(path, rows, problems)
    except FaqFileError as error:
        return KnowledgeBase(entries=()), [Problem(str(path), error.line, error.message)]
    except (OSError, UnicodeDecodeError) as error:
        return KnowledgeBase(entries=()), [Problem(str(path), 1, read_failure(error))]
    if not entries and not [p for p in problems if not p.note]:
        problems.append(Problem(str(path), 1, msg("no_entries")))
    problems += duplicate_ids(entries)
    return KnowledgeBase(entries=tuple(entries)), problems
