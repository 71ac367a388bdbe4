"""Feedback on answers (役に立った / 違った, and which 「もしかして」 choice was picked), kept for curators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import AnswerFeedback, QuestionLog
from storage.progress import as_utc


class Verdict(StrEnum):
    HELPFUL = "helpful"
    WRONG = "wrong"
    PICKED = "picked"  # the user picked this entry from the 「もしかして」 choices


@dataclass(frozen=True)
class FeedbackRecord:
    id: int
    question_log_id: int | None
    entry_id: str | None
    user_id: str
    verdict: Verdict
    platform: str
    created_at: datetime


class FeedbackRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def record(
        self,
        *,
        question_log_id: int | None,
        entry_id: str | None,
        user_id: str,
        verdict: Verdict,
        at: datetime,
        platform: str = "slack",
    ) -> int:
        """Append one reaction (never updated: a change of mind is a new row)."""
        with self._sessions.begin() as session:
            row = AnswerFeedback(
                question_log_id=question_log_id,
                entry_id=entry_id,
                user_id=user_id,
                verdict=verdict.value,
                platform=platform,
                created_at=as_utc(at),
            )
            session.add(row)
            session.flush()
            return row.id

    def question_exists(self, question_log_id: int) -> bool:
        """Whether the question log holds this id (a forged button may name any number)."""
        with self._sessions() as session:
            return session.get(QuestionLog, question_log_id) is not None

    def for_question(self, question_log_id: int) -> list[FeedbackRecord]:
        """Every reaction to one logged question, oldest first."""
        return self._select(AnswerFeedback.question_log_id == question_log_id)

    def between(self, start: datetime, end: datetime) -> list[FeedbackRecord]:
        """Reactions given in [start, end), oldest first."""
        return self._select(
            AnswerFeedback.created_at >= as_utc(start), AnswerFeedback.created_at < as_utc(end)
        )

    def _select(self, *conditions) -> list[FeedbackRecord]:  # type: ignore[no-untyped-def]
        with self._sessions() as session:
            rows = session.scalars(
                select(AnswerFeedback)
                .where(*conditions)
                .order_by(AnswerFeedback.created_at, AnswerFeedback.id)
            )
            return [
                FeedbackRecord(
                    id=row.id,
                    question_log_id=row.question_log_id,
                    entry_id=row.entry_id,
                    user_id=row.user_id,
                    verdict=Verdict(row.verdict),
                    platform=row.platform,
                    created_at=as_utc(row.created_at),
                )
                for row in rows
            ]
