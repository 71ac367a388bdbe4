"""What the Teams adapter asks of the core, in one place (all synchronous; the adapter runs them in threads).

Every call goes to the same functions the console and Slack use: the command router, the answer of an
entry, feedback, the progress service. Nothing here knows the Agents SDK.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

from bot.feedback import FeedbackService
from bot.progress.form import FieldErrors, FormValues, ReportForm, report_form, submit_report_form
from bot.replies import Block, ChatContext, Reply
from bot.teams.digest import teams_object_id

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

    def failed(self, activity_id: str) -> None:
        """The turn failed (the user was told): a redelivery of the activity is worked again."""
        self.bot.intake.let_go(f"teams:activity:{activity_id}")

    def handle(self, ctx: ChatContext, text: str) -> Reply:
        return self.bot.handle(ctx, text)

    def entry_answer(self, ctx: ChatContext, entry_id: str, log_id: Any) -> Reply:
        """The answer of the entry a button names, tied to the question it answers (for feedback)."""
        return self.bot.questions.answer_entry(ctx, entry_id, log_id if isinstance(log_id, int) else None)

    def question_text(self, log_id: Any) -> str | None:
        return self.bot.questions.logged_question(log_id)

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

    def report_form(self, ctx: ChatContext) -> ReportForm:
        """What the form offers this person (the core's, as Slack's modal); a UserError says why there is none."""
        return report_form(self.bot.progress, ctx.user)

    def submit_form(self, ctx: ChatContext, values: FormValues) -> tuple[tuple[Block, ...] | None, FieldErrors]:
        """Record the form through the core's rules: the confirmation, or the errors to show next to each field."""
        from bot.handlers.progress import render_report

        service = self.bot.progress
        result = submit_report_form(service, ctx.user, values, request_id=ctx.request_id, source=PLATFORM)
        if result.outcome is None:
            return None, result.errors
        return render_report(result.outcome, service), {}
