"""The report form, for every platform: what it offers, how its fields are checked, and what a submission does.

Slack's modal and Teams' Adaptive Card are drawn by their adapters from `ReportForm`; what comes back is a
plain mapping of field name to the text or value chosen (`FormValues`), checked here by
`validate_report_form` and recorded by `submit_report_form` through the same service as `報告 …`. Field
errors are neutral blocks, keyed by the field they belong next to; nothing is recorded when there is any.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace

from bot.errors import UserError
from bot.progress.parsing import InconsistentReport, ReportDraft, note_too_long
from bot.progress.service import ProgressService, ReportOutcome
from bot.replies import Block, UserRef, blocks
from storage.progress import MAX_NOTE_CHARS, STATUS_LABELS, ReportStatus, StaffRole

FIELD_INITIATIVE = "initiative"
FIELD_STATUS = "status"
FIELD_PERCENT = "percent"
FIELD_NOTE = "note"
FIELD_DEPARTMENT = "department"

FormValues = Mapping[str, str | None]
FieldErrors = dict[str, tuple[Block, ...]]


@dataclass(frozen=True)
class FormOption:
    value: str
    label: str


@dataclass(frozen=True)
class FormGroup:
    """The initiatives of one reform (①②③), as the form's grouped choices."""

    label: str
    options: tuple[FormOption, ...]


@dataclass(frozen=True)
class ReportForm:
    reporter_label: str  # 山田 花子（市民生活課）
    initiatives: tuple[FormGroup, ...]
    statuses: tuple[FormOption, ...]
    departments: tuple[str, ...] = ()  # admins only: whose report it is
    own_department: str | None = None
    note_limit: int = MAX_NOTE_CHARS


def report_form(service: ProgressService, user: UserRef | None) -> ReportForm:
    """The form for `user`; a UserError (not registered, nothing to report on) says why there is none."""
    reporter = service.reporter(user)
    initiatives = service.list_initiatives()
    if not initiatives:
        raise UserError("報告の対象になる取組みが登録されていません。")
    groups = []
    for no, reform in service.reforms().items():
        members = tuple(FormOption(i.id, f"{i.id} {i.name}") for i in initiatives if i.reform == no)
        if members:
            groups.append(FormGroup(reform.title, members))
    admin = reporter.role is StaffRole.ADMIN
    return ReportForm(
        reporter_label=f"{reporter.name}（{reporter.department}）",
        initiatives=tuple(groups),
        statuses=tuple(FormOption(status.value, label) for status, label in STATUS_LABELS.items()),
        departments=tuple(d.name for d in service.staff.departments()) if admin else (),
        own_department=reporter.department,
    )


def validate_report_form(values: FormValues) -> tuple[ReportDraft | None, FieldErrors]:
    """The fields as a draft, or the errors to show next to each field (all of them at once)."""
    errors: FieldErrors = {}
    initiative = (values.get(FIELD_INITIATIVE) or "").strip()
    if not initiative:
        errors[FIELD_INITIATIVE] = blocks("取組みを選んでください。")
    status = next((s for s in ReportStatus if s.value == values.get(FIELD_STATUS)), None)
    if status is None:
        errors[FIELD_STATUS] = blocks("状況を選んでください。")
    percent: int | None = None
    percent_text = unicodedata.normalize("NFKC", values.get(FIELD_PERCENT) or "").strip().removesuffix("%").strip()
    if percent_text:
        if len(percent_text) > 3 or not percent_text.isdecimal() or int(percent_text) > 100:
            errors[FIELD_PERCENT] = blocks(
                "進捗率は 0〜100 の整数で入力してください（例: 60）。わからなければ空欄にしてください。"
            )
        else:
            percent = int(percent_text)
    note = (values.get(FIELD_NOTE) or "").strip()
    if (too_long := note_too_long(note)) is not None:
        errors[FIELD_NOTE] = blocks(too_long)
    if errors or status is None:
        return None, errors
    department = (values.get(FIELD_DEPARTMENT) or "").strip() or None
    return ReportDraft(initiative=initiative, status=status, percent=percent, note=note, department=department), {}


@dataclass(frozen=True)
class FormResult:
    outcome: ReportOutcome | None  # None: nothing recorded, see `errors`
    errors: FieldErrors


def submit_report_form(
    service: ProgressService, user: UserRef | None, values: FormValues, *, request_id: str | None, source: str
) -> FormResult:
    """Check the fields, then record through the same service as `報告 …`; a refusal goes next to its field."""
    draft, errors = validate_report_form(values)
    if draft is None:
        return FormResult(None, errors)
    try:
        reporter = service.reporter(user)
        if draft.department == reporter.department:
            draft = replace(draft, department=None)
        outcome = service.record(reporter, draft, request_id=request_id, source=source)
    except UserError as error:
        # The fields were valid; what the core refused concerns the initiative or the department.
        field = FIELD_DEPARTMENT if draft.department is not None else FIELD_INITIATIVE
        if isinstance(error, InconsistentReport):  # 完了 with 50%: the question goes next to the percent
            field = FIELD_PERCENT
        return FormResult(None, {field: error.blocks})
    return FormResult(outcome, {})
