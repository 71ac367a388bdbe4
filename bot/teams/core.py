"""What the Teams adapter asks of the core, in one place (all synchronous; the adapter runs them in threads).

Every call goes to the same functions the console and Slack use: the command router, the answer of an
entry, feedback, the progress service. Nothing here knows the Agents SDK.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

from bot.errors import UserError
from bot.feedback import FeedbackService
from bot.progress.parsing import ReportDraft
from bot.progress.service import ProgressService
from bot.replies import Block, ChatContext, Reply
from bot.teams.cards import (
    FIELD_DEPARTMENT,
    FIELD_INITIATIVE,
    FIELD_NOTE,
    FIELD_PERCENT,
    FIELD_STATUS,
    FormInitiative,
    FormReform,
    ReportFormSpec,
)
from bot.teams.digest import teams_object_id
from bot.teams.render import blocks_markdown
from storage.progress import MAX_NOTE_CHARS, STATUS_LABELS, ReportStatus, StaffRole

if TYPE_CHECKING:
    from bot.bootstrap import Bot

logger = logging.getLogger(__name__)

PLATFORM = "teams"


@dataclass
class TeamsCore:
    bot: Bot
    feedback: FeedbackService

    @classmethod
    def build(cls, bot: Bot) -> TeamsCore:
        return cls(bot, bot.feedback)

    # ------------------------------------------------------------ requests

    def first_delivery(self, activity_id: str) -> bool:
        """True when this delivery of an activity is to be handled: the first one, or a redelivery of one
        that was never answered (its worker crashed); False for one answered before, by any process.

        Through the inbox (bot/intake.py `take`, docs/architecture.md §5): Teams retries an activity whose
        request failed, so a crash in the middle loses nothing; `answered` marks it done after the turn."""
        return self.bot.intake.take(f"teams:activity:{activity_id}", PLATFORM, "activity")

    def answered(self, activity_id: str) -> None:
        self.bot.intake.finish(f"teams:activity:{activity_id}")

    def handle(self, ctx: ChatContext, text: str) -> Reply:
        return self.bot.handle(ctx, text)

    def entry_answer(self, ctx: ChatContext, entry_id: str, log_id: Any) -> Reply:
        """The answer of the entry a button names, tied to the question it answers (for feedback)."""
        return self.bot.questions.answer_entry(ctx, entry_id, log_id if isinstance(log_id, int) else None)

    def question_text(self, log_id: Any) -> str | None:
        if not isinstance(log_id, int):
            return None
        try:
            logged = self.bot.question_log.get(log_id)
        except SQLAlchemyError:
            logger.warning("question log read failed", exc_info=True)
            return None
        return logged.text if logged else None

    def choose(self, ctx: ChatContext, entry_id: str, log_id: Any) -> Reply:
        """A 「もしかして」 button: the same as typing its number (the core records the pick)."""
        return self.bot.chat.choose(ctx, entry_id, log_id if isinstance(log_id, int) else None)

    def rate(self, ctx: ChatContext, helpful: bool, entry_id: str | None, log_id: Any) -> str:
        """役に立った / 違った, stored with the question it answers; the verdict's value."""
        verdict = self.feedback.rate(ctx.user, log_id if isinstance(log_id, int) else None, entry_id, helpful)
        return verdict.value

    def teams_object_id(self, staff_key: str) -> str | None:
        """Where a reminder to this staff member goes in Teams: their object id (staff.teams_id)."""
        try:
            staff = self.bot.progress.staff.get(staff_key)
        except SQLAlchemyError:
            logger.warning("staff read failed", exc_info=True)
            staff = None
        return staff.teams_id if staff is not None and staff.teams_id else teams_object_id(staff_key)

    # ------------------------------------------------------------ the report form

    def form_spec(self, ctx: ChatContext) -> ReportFormSpec:
        """What the form offers this person; a UserError says why they cannot report."""
        service = self._progress()
        reporter = service.reporter(ctx.user)
        initiatives = [FormInitiative(i.id, i.name, i.reform) for i in service.list_initiatives()]
        if not initiatives:
            raise UserError("報告の対象になる取組みが登録されていません。")
        reforms = {no: FormReform(info.no, info.symbol, info.name) for no, info in service.reforms().items()}
        departments = [d.name for d in service.staff.departments()] if reporter.role is StaffRole.ADMIN else []
        return ReportFormSpec(
            initiatives=initiatives,
            reforms=reforms,
            statuses=[(status.value, label) for status, label in STATUS_LABELS.items()],
            reporter_label=f"{reporter.name}（{reporter.department}）",
            departments=departments,
            own_department=reporter.department,
            note_limit=MAX_NOTE_CHARS,
        )

    def submit_form(
        self, ctx: ChatContext, values: dict[str, str]
    ) -> tuple[tuple[Block, ...] | None, dict[str, str]]:
        """Record the form: the confirmation, or the errors to show next to each field (nothing recorded)."""
        from bot.handlers.progress import render_report

        draft, errors = read_report_form(values)
        if draft is None:
            return None, errors
        service = self._progress()
        try:
            reporter = service.reporter(ctx.user)
            if draft.department == reporter.department:
                draft = replace(draft, department=None)
            outcome = service.record(reporter, draft, request_id=ctx.request_id, source=PLATFORM)
        except UserError as error:
            # The fields were valid; what the core refused concerns the initiative or the department.
            field = FIELD_DEPARTMENT if draft.department is not None else FIELD_INITIATIVE
            return None, {field: blocks_markdown(error.blocks, ctx.surface, card=True)}
        return render_report(outcome, service), {}

    def _progress(self) -> ProgressService:
        return self.bot.progress


def read_report_form(values: dict[str, str]) -> tuple[ReportDraft | None, dict[str, str]]:
    """The card's inputs as a draft, or an error per field.

    Seam (docs/architecture.md §1): the core's `validate_report_form` replaces this once it lands, so
    Slack's modal and this card share one copy of the rules."""
    errors: dict[str, str] = {}
    initiative = values.get(FIELD_INITIATIVE, "").strip()
    if not initiative:
        errors[FIELD_INITIATIVE] = "取組みを選んでください。"
    status = next((s for s in ReportStatus if s.value == values.get(FIELD_STATUS, "")), None)
    if status is None:
        errors[FIELD_STATUS] = "状況を選んでください。"
    percent: int | None = None
    percent_text = unicodedata.normalize("NFKC", values.get(FIELD_PERCENT, "")).strip().removesuffix("%").strip()
    if percent_text:
        if len(percent_text) > 3 or not percent_text.isdecimal() or int(percent_text) > 100:
            errors[FIELD_PERCENT] = "進捗率は 0〜100 の整数で入力してください（例: 60）。わからなければ空欄にしてください。"
        else:
            percent = int(percent_text)
    note = values.get(FIELD_NOTE, "").strip()
    if len(note) > MAX_NOTE_CHARS:
        errors[FIELD_NOTE] = f"メモが長すぎます（{len(note)}文字）。{MAX_NOTE_CHARS}文字以内にしてください。"
    if errors or status is None:
        return None, errors
    department = values.get(FIELD_DEPARTMENT, "").strip() or None
    return ReportDraft(initiative=initiative, status=status, percent=percent, note=note, department=department), {}
