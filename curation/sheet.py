"""The review sheet: written by `dxbot kb review`, filled in by a curator in Excel, read by `dxbot kb apply`.

Sheet 1 「要対応の質問」: one row per question group, the engine's top 3 candidates, and the curator's
columns 対応 (`言い換え:<id>`, `新規`, `対象外`, with data validation), 回答 and 出典. Sheet 2
「知識ベースの項目」 lists every entry (the value to type for it, id, question, source); the validation
list is its first column. Sheet 3 「使い方」 says how. Columns are found by their header when the sheet
is read back, so a curator may reorder or add columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from curation.review import ReviewGroup
from knowledge.kb import KnowledgeBase

REVIEW_SHEET = "要対応の質問"
ENTRIES_SHEET = "知識ベースの項目"
HOWTO_SHEET = "使い方"
TOP_CANDIDATES = 3

QUESTION, COUNT, LAST, STATE = "質問", "件数", "最終日", "状態"
ACTION, ANSWER, SOURCE, VARIANTS = "対応", "回答", "出典", "同じ質問の別の書き方"
NEW, OUT_OF_SCOPE, PHRASING_PREFIX = "新規", "対象外", "言い換え:"


def candidate_headers(n: int) -> tuple[str, str, str]:
    return f"候補{n}", f"候補{n}の質問", f"候補{n}のスコア"


HEADERS: tuple[str, ...] = (
    QUESTION,
    COUNT,
    LAST,
    STATE,
    *(h for n in range(1, TOP_CANDIDATES + 1) for h in candidate_headers(n)),
    ACTION,
    ANSWER,
    SOURCE,
    VARIANTS,
)
WIDTHS = {QUESTION: 44, COUNT: 6, LAST: 11, STATE: 26, ACTION: 26, ANSWER: 50, SOURCE: 22, VARIANTS: 40}
CURATOR_FILL = PatternFill("solid", fgColor="FFF2CC")
HEADER_FONT = Font(bold=True)

HOWTO = (
    "「要対応の質問」は、職員が尋ねて知識ベースでうまく答えられなかった質問です（同じような質問はまとめ、件数の多い順）。",
    "対応の列に、次のどれかを選んで書いてください（空のままの行は何もしません）。",
    "・言い換え:<id> … その項目の言い換えとして質問を加えます（id は候補の列か「知識ベースの項目」シートで探せます）。",
    "・新規 … 新しい項目を作ります。回答と出典（計画の章・節）を書いてください。",
    "・対象外 … 計画の範囲外の質問として記録し、ボットが答えないように学ばせます。",
    "書き終えたら保存し、dxbot kb apply このファイル で反映します。問題のある行が1つでもあれば何も変えず、行番号と理由を表示します。",
    "同じシートをもう一度反映しても、2回目は何も変わりません。反映後はボットを再起動するか、SIGHUP で読み直させてください。",
)


def write_review_sheet(
    groups: Sequence[ReviewGroup], kb: KnowledgeBase, path: Path, tz: ZoneInfo
) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = REVIEW_SHEET
    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font = HEADER_FONT
    for group in groups:
        row: list[object] = [group.question, group.count, group.last_asked.astimezone(tz).date(), group.state]
        for i in range(TOP_CANDIDATES):
            if i < len(group.candidates):
                c = group.candidates[i]
                row += [c.entry_id, c.question, round(c.score, 2)]
            else:
                row += [None, None, None]
        row += [None, None, None, "\n".join(group.variants) or None]
        sheet.append(row)
    column = {name: get_column_letter(i) for i, name in enumerate(HEADERS, start=1)}
    for name in HEADERS:
        letter = column[name]
        sheet.column_dimensions[letter].width = WIDTHS.get(name, 14 if "スコア" not in name else 8)
    last_row = max(sheet.max_row, 2)
    for row_cells in sheet.iter_rows(min_row=2, max_row=last_row):
        for cell in row_cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for name in (ACTION, ANSWER, SOURCE):
        for (cell,) in sheet.iter_rows(min_row=1, max_row=last_row, min_col=HEADERS.index(name) + 1, max_col=HEADERS.index(name) + 1):
            cell.fill = CURATOR_FILL
    for row_cells in sheet.iter_rows(min_row=2, max_row=last_row, min_col=3, max_col=3):
        for cell in row_cells:
            cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(HEADERS))}{last_row}"

    entries = workbook.create_sheet(ENTRIES_SHEET)
    entries.append(["対応に書く値", "id", "質問", "出典"])
    for cell in entries[1]:
        cell.font = HEADER_FONT
    entries.append([NEW, None, "新しい項目を作る（回答と出典を書く）", None])
    entries.append([OUT_OF_SCOPE, None, "計画の範囲外の質問として記録する", None])
    for entry in kb.entries:
        entries.append([f"{PHRASING_PREFIX}{entry.id}", entry.id, entry.question, kb.source_label(entry)])
    for letter, width in zip("ABCD", (34, 28, 60, 50), strict=True):
        entries.column_dimensions[letter].width = width
    entries.freeze_panes = "A2"

    # A list validation's source must be one range; the values are sheet 2's first column.
    validation = DataValidation(
        type="list",
        formula1=f"'{ENTRIES_SHEET}'!$A$2:$A${entries.max_row}",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="対応の値",
        error="「言い換え:<id>」「新規」「対象外」のどれかを選んでください。",
        showInputMessage=True,
        promptTitle="対応",
        prompt="言い換え:<id>、新規、対象外 から選ぶ（空 = 何もしない）",
    )
    action_letter = column[ACTION]
    validation.add(f"{action_letter}2:{action_letter}{max(last_row, 1000)}")
    sheet.add_data_validation(validation)

    howto = workbook.create_sheet(HOWTO_SHEET)
    for line in HOWTO:
        howto.append([line])
    howto.column_dimensions["A"].width = 120
    workbook.save(path)


@dataclass(frozen=True)
class SheetRow:
    """One row of the review sheet as the curator left it; `row` is its Excel row number."""

    row: int
    question: str
    action: str
    answer: str
    source: str
    variants: tuple[str, ...]


class SheetError(Exception):
    def __init__(self, row: int, message: str) -> None:
        super().__init__(message)
        self.row = row
        self.message = message


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def read_review_sheet(path: Path) -> list[SheetRow]:
    """Every row of 「要対応の質問」 with a question; SheetError when the file or its header is not a review sheet."""
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises zipfile, KeyError or XML errors for anything not an xlsx
        raise SheetError(1, "Excel ファイル（.xlsx）として読み込めません。dxbot kb review で作ったファイルを指定してください") from None
    try:
        if REVIEW_SHEET not in workbook.sheetnames:
            raise SheetError(1, f"シート「{REVIEW_SHEET}」がありません。dxbot kb review で作ったファイルを指定してください")
        rows = list(workbook[REVIEW_SHEET].iter_rows(values_only=True))
    finally:
        workbook.close()
    if not rows:
        raise SheetError(1, f"シート「{REVIEW_SHEET}」が空です")
    header = [_text(v) for v in rows[0]]
    missing = [name for name in (QUESTION, ACTION, ANSWER, SOURCE) if name not in header]
    if missing:
        raise SheetError(1, f"見出し「{'」「'.join(missing)}」の列がありません。dxbot kb review で作ったシートの見出しは消さないでください")
    index = {name: header.index(name) for name in (QUESTION, ACTION, ANSWER, SOURCE, VARIANTS) if name in header}

    def cell(values: tuple[object, ...], name: str) -> str:
        i = index.get(name)
        return _text(values[i]) if i is not None and i < len(values) else ""

    out: list[SheetRow] = []
    for number, values in enumerate(rows[1:], start=2):
        question = cell(values, QUESTION)
        action, answer, source = cell(values, ACTION), cell(values, ANSWER), cell(values, SOURCE)
        if not question and not (action or answer or source):
            continue
        variants = tuple(v.strip() for v in cell(values, VARIANTS).splitlines() if v.strip())
        out.append(SheetRow(number, question, action, answer, source, variants))
    return out
