"""Repositories: the only code that talks SQL. One session per unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import QuestionLog


@dataclass(frozen=True)
class LoggedQuestion:
    id: int
    asked_at: datetime
    user_id: str | None
    text: str
    status: str
    score: float
    entry_id: str | None


class QuestionLogRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def record(
        self,
        *,
        text: str,
        status: str,
        score: float,
        entry_id: str | None,
        asked_at: datetime,
        user_id: str | None = None,
        channel: str | None = None,
        platform: str = "console",
    ) -> int:
        with self._sessions.begin() as session:
            row = QuestionLog(
                text=text,
                status=status,
                score=score,
                entry_id=entry_id,
                asked_at=asked_at,
                user_id=user_id,
                channel=channel,
                platform=platform,
            )
            session.add(row)
            session.flush()
            return row.id

    def between(self, start: datetime, end: datetime) -> list[LoggedQuestion]:
        """Questions asked in [start, end), oldest first."""
        with self._sessions() as session:
            rows = session.scalars(
                select(QuestionLog)
                .where(QuestionLog.asked_at >= start, QuestionLog.asked_at < end)
                .order_by(QuestionLog.asked_at, QuestionLog.id)
            ).all()
            return [_to_logged(row) for row in rows]

    def get(self, log_id: int) -> LoggedQuestion | None:
        with self._sessions() as session:
            row = session.get(QuestionLog, log_id)
            return _to_logged(row) if row is not None else None

    def count(self) -> int:
        with self._sessions() as session:
            return session.scalar(select(func.count()).select_from(QuestionLog)) or 0


def _to_logged(row: QuestionLog) -> LoggedQuestion:
    return LoggedQuestion(
        id=row.id,
        asked_at=row.asked_at,
        user_id=row.user_id,
        text=row.text,
        status=row.status,
        score=row.score,
        entry_id=row.entry_id,
    )
