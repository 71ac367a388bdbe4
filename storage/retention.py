"""Retention of personal data: the questions staff asked, and their feedback, are kept for a fixed time.

A question-log row carries who asked (user id, channel) and what they wrote (redacted of obvious personal
data, but still their words); feedback carries who judged an answer. Both are purged once older than the
retention period (DXBOT_QUESTION_LOG_DAYS, default 365), daily by the scheduler or by `dxbot db purge`.
Progress reports are the city's record of its plan and are kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import AnswerFeedback, QuestionLog
from storage.progress import as_utc

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Purged:
    questions: int
    feedback: int


class RetentionRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def purge_before(self, before: datetime) -> Purged:
        """Delete questions asked before `before`, the feedback on them, and any feedback given before it.

        One transaction: a purge never leaves feedback pointing at a question that is gone.
        """
        cutoff = as_utc(before)
        with self._sessions.begin() as session:
            old_questions = select(QuestionLog.id).where(QuestionLog.asked_at < cutoff)
            feedback = session.execute(
                delete(AnswerFeedback).where(
                    or_(AnswerFeedback.created_at < cutoff, AnswerFeedback.question_log_id.in_(old_questions))
                )
            )
            questions = session.execute(delete(QuestionLog).where(QuestionLog.asked_at < cutoff))
            purged = Purged(questions=int(questions.rowcount or 0), feedback=int(feedback.rowcount or 0))  # type: ignore[attr-defined]
        if purged.questions or purged.feedback:
            logger.info("purged %d question-log rows and %d feedback rows before %s", purged.questions, purged.feedback, cutoff.date())
        return purged
