"""`dxbot export`: initiatives with their latest status, and the full report history, for 推進本部 meetings.

xlsx: one workbook, sheet 「状況一覧」 (one row per initiative) and sheet 「報告履歴」 (every report, withdrawn
ones included and marked), readable column widths, header frozen and filterable.

csv: two files, because the two tables have different columns: FILE is the overview and FILE with
`-history` before the extension the history (`progress.csv` → `progress-history.csv`). UTF-8 with a BOM so
that Excel opens the Japanese correctly.

Dates are local time in DXBOT_TZ (default Asia/Tokyo), written as `YYYY-MM-DD HH:MM`.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.progress.service import ProgressService
from storage.progress import InitiativeRecord, ReportRecord, as_utc, format_number

FORMATS = ("xlsx", "csv")
OVERVIEW_SHEET = "状況一覧"
HISTORY_SHEET = "報告履歴"
DATE_FORMAT = "%Y-%m-%d %H:%M"
MAX_COLUMN_WIDTH = 60

OVERVIEW_HEADER = (
    "ID",
    "改革",
    "テーマ",
    "取組み",
    "所管課",
    "最新の状況",
    "進捗率(%)",
    "KPI",
    "最終報告日時",
    "報告課",
    "報告者",
    "メモ",
    "報告件数",
    "備考",
)
HISTORY_HEADER = (
    "報告ID",
    "報告日時",
    "取組みID",
    "取組み",
    "改革",
    "課",
    "報告者ID",
    "報告者",
    "状況",
    "進捗率(%)",
    "KPI",
    "KPI値",
    "単位",
    "メモ",
    "経路",
    "取消日時",
    "取消者ID",
)

Row = tuple[Any, ...]


@dataclass(frozen=True)
class ExportTables:
    overview: tuple[Row, ...]
    history: tuple[Row, ...]


def _kpi_summary(initiative: InitiativeRecord, reports: Sequence[ReportRecord]) -> str:
    """Each KPI with its latest reported value (withdrawn reports ignored) and the 2026年度末 target."""
    parts = []
    for kpi in initiative.kpis:
        values = [r for r in reports if r.kpi_id == kpi.id and r.kpi_value is not None and not r.withdrawn]
        latest = max(values, key=lambda r: (r.reported_at, r.id), default=None)
        value = f" {format_number(latest.kpi_value)}{kpi.unit}" if latest and latest.kpi_value is not None else " 未報告"
        target = f"（目標 {format_number(kpi.target)}{kpi.unit}）" if kpi.target is not None else ""
        parts.append(f"{kpi.name}:{value}{target}")
    return "; ".join(parts)


def build_tables(service: ProgressService) -> ExportTables:
    tz = service.tz
    reforms = service.reforms()

    def local(value: datetime | None) -> datetime | None:
        # Excel has no time zones: local wall-clock time, naive.
        return as_utc(value).astimezone(tz).replace(tzinfo=None) if value is not None else None

    def reform_label(no: int) -> str:
        info = reforms.get(no)
        return info.title if info else str(no)

    history = service.reports.history()
    latest = {r.initiative_id: r for r in service.reports.latest()}
    counts = service.reports.counts_by_initiative()
    by_initiative: dict[str, list[ReportRecord]] = {}
    for report in history:
        by_initiative.setdefault(report.initiative_id, []).append(report)

    overview: list[Row] = []
    for initiative in service.initiatives.all(include_inactive=True):
        if not initiative.active and initiative.id not in by_initiative:
            continue
        last = latest.get(initiative.id)
        overview.append(
            (
                initiative.id,
                reform_label(initiative.reform),
                initiative.theme,
                initiative.name,
                "、".join(initiative.departments),
                last.status.label if last else "未報告",
                last.percent if last else None,
                _kpi_summary(initiative, by_initiative.get(initiative.id, ())),
                local(last.reported_at) if last else None,
                last.department if last else "",
                last.reporter_name if last else "",
                last.note if last else "",
                counts.get(initiative.id, 0),
                "" if initiative.active else "現行の計画にない取組み",
            )
        )
    rows: list[Row] = [
        (
            r.id,
            local(r.reported_at),
            r.initiative_id,
            r.initiative_name,
            reform_label(r.reform),
            r.department,
            r.reporter_id,
            r.reporter_name,
            r.status.label,
            r.percent,
            r.kpi_name or "",
            r.kpi_value,
            r.kpi_unit or "",
            r.note,
            r.source,
            local(r.withdrawn_at),
            r.withdrawn_by or "",
        )
        for r in history
    ]
    return ExportTables(tuple(overview), tuple(rows))


def history_path(path: Path) -> Path:
    """Where the CSV history goes: `progress.csv` → `progress-history.csv`."""
    return path.with_name(f"{path.stem}-history{path.suffix or '.csv'}")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(DATE_FORMAT)
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def write_csv(tables: ExportTables, path: Path) -> list[Path]:
    written = []
    for target, header, rows in (
        (path, OVERVIEW_HEADER, tables.overview),
        (history_path(path), HISTORY_HEADER, tables.history),
    ):
        with open(target, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows([_cell_text(v) for v in row] for row in rows)
        written.append(target)
    return written


def _display_width(text: str) -> int:
    """Columns a text takes: full-width (CJK) characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def write_xlsx(tables: ExportTables, path: Path) -> list[Path]:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    overview_sheet = workbook.active
    assert overview_sheet is not None
    overview_sheet.title = OVERVIEW_SHEET
    history_sheet = workbook.create_sheet(HISTORY_SHEET)
    for sheet, header, rows in (
        (overview_sheet, OVERVIEW_HEADER, tables.overview),
        (history_sheet, HISTORY_HEADER, tables.history),
    ):
        sheet.append(list(header))
        for row in rows:
            sheet.append(list(row))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        widths = [_display_width(h) for h in header]
        for row in rows:
            for index, value in enumerate(row):
                widths[index] = max(widths[index], _display_width(_cell_text(value)))
        for index, width in enumerate(widths, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = min(width + 2, MAX_COLUMN_WIDTH)
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                if isinstance(cell.value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif width > MAX_COLUMN_WIDTH:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
    workbook.save(path)
    return [path]


def export_progress(service: ProgressService, fmt: str, out: Path) -> list[Path]:
    """Write the export; returns the files written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format: {fmt}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tables = build_tables(service)
    return write_xlsx(tables, out) if fmt == "xlsx" else write_csv(tables, out)
