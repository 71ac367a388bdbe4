"""The home screen (Slack's App Home; a Teams personal tab or welcome card may show the same): who you are,
your department's initiatives with their latest status, and whether you can report. Neutral; adapters draw it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.progress.service import ProgressService, local_time
from bot.replies import Block, Command, UserRef, UserText, blocks, para
from storage.progress import DepartmentRecord, status_text


@dataclass(frozen=True)
class HomeRow:
    initiative_id: str
    initiative_name: str
    status: str | None  # e.g. "実施中 60%"; None: no report yet
    reported: str | None = None  # e.g. "2026-11-20 10:00・山田 花子"
    note: str = ""  # a person's words: render as UserText


@dataclass(frozen=True)
class Home:
    greeting: tuple[Block, ...]
    department: str | None  # None: not registered, no list
    rows: tuple[HomeRow, ...]
    can_report: bool
    footer: tuple[Block, ...]


def home_for(service: ProgressService, user: UserRef) -> Home:
    """What `user` sees at home; an unregistered person learns how to get registered."""
    contact = service.contact
    footer = blocks(
        para(
            "質問は ", Command("<質問>"), "、このアプリへのメッセージ、またはチャンネルでのメンションで。",
            "使い方は ", Command("ヘルプ"), f"。わからないことは{contact}へ。",
        )
    )
    staff = service.staff_member(user)
    if staff is None:
        greeting = blocks(
            para(
                "職員登録がまだのため、進捗の報告はできません。",
                f"報告が必要なときは、{contact}に ", Command("登録"), " で登録してもらってください。",
            )
        )
        return Home(greeting=greeting, department=None, rows=(), can_report=False, footer=footer)
    status = service.department_status(DepartmentRecord(staff.department_id, staff.department))
    rows = tuple(
        HomeRow(initiative.id, initiative.name, None)
        if report is None
        else HomeRow(
            initiative.id,
            initiative.name,
            status_text(report.status, report.percent),
            reported=f"{local_time(report.reported_at, service.tz)}・{report.reporter_name}",
            note=report.note,
        )
        for initiative, report in status.rows
    )
    greeting = blocks(para(UserText(staff.name), " さん（", UserText(staff.department), f"・{staff.role.label}）"))
    return Home(greeting=greeting, department=staff.department, rows=rows, can_report=True, footer=footer)
