"""What staff tell us about an answer: 役に立った / 違った, and which 「もしかして」 choice they picked.

The same rules for every platform: a verdict is stored with the question it answers (the question log
id) and the entry shown; a pick is stored too (it tells curators what the engine should have answered),
but a pick that cannot be stored never keeps the answer from being shown.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from bot.buttons import STALE_BUTTON, row_id
from bot.clock import Clock
from bot.errors import UserError
from bot.replies import UserRef
from storage.feedback import FeedbackRepository, Verdict

logger = logging.getLogger(__name__)

THANKS = {
    Verdict.HELPFUL: "ご協力ありがとうございます（役に立った）。",
    Verdict.WRONG: "ご協力ありがとうございます（違った）。事務局が回答の改善に使います。",
}
THANKS_DEFAULT = "ご協力ありがとうございます。"


def thanks_for(verdict: str | None) -> str:
    """The thank-you shown in place of the feedback buttons."""
    try:
        return THANKS.get(Verdict(verdict or ""), THANKS_DEFAULT)
    except ValueError:
        return THANKS_DEFAULT


class FeedbackService:
    def __init__(self, repository: FeedbackRepository, clock: Clock) -> None:
        self.repository = repository
        self.clock = clock

    def rate(self, user: UserRef | None, log_id: int | None, entry_id: str | None, helpful: bool) -> Verdict:
        """役に立った (helpful) or 違った: stored; a database error reaches the adapter's error handler.

        A verdict needs someone who gave it, and names a logged question or none: a click that names a question
        the log does not hold (a forged or foreign id) is refused, and nothing is stored."""
        verdict = Verdict.HELPFUL if helpful else Verdict.WRONG
        if user is None or not user.id or not self.known_question(log_id):
            raise UserError(STALE_BUTTON)
        self.repository.record(
            question_log_id=log_id,
            entry_id=entry_id or None,
            user_id=user.id if user else "",
            verdict=verdict,
            at=self.clock(),
        )
        logger.info("feedback %s on question log %s", verdict.value, log_id)
        return verdict

    def known_question(self, log_id: int | None) -> bool:
        """True for no question (None) or one the log holds; False for any other id, never a database error
        for an id out of the column's range."""
        if log_id is None:
            return True
        if row_id(log_id) is None:
            return False
        return self.repository.question_exists(log_id)

    def picked(self, user: UserRef | None, log_id: int | None, entry_id: str) -> None:
        """A 「もしかして」 choice was picked (button or number). Not stored during an outage; the answer still shows."""
        try:
            if not self.known_question(log_id):
                logger.info("choice pick names no logged question; not stored")
                return
            self.repository.record(
                question_log_id=log_id,
                entry_id=entry_id,
                user_id=user.id if user else "",
                verdict=Verdict.PICKED,
                at=self.clock(),
            )
        except SQLAlchemyError:
            logger.warning("choice pick not stored", exc_info=True)
