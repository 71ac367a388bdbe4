"""Receipts of inbound chat events, so a redelivered event is handled once.

Slack redelivers an event when it thinks the ack came late. The key is the primary key of a table, so the
check holds across restarts and between two bot processes sharing the database: the first insert wins.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from storage.models import EventReceipt
from storage.progress import as_utc

logger = logging.getLogger(__name__)


class EventReceiptRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def claim(self, event_key: str, now: datetime) -> bool:
        """True for the first delivery of `event_key`; False when it was taken on before (by anyone)."""
        try:
            with self._sessions.begin() as session:
                session.add(EventReceipt(event_key=event_key, received_at=as_utc(now)))
        except IntegrityError:
            return False
        return True

    def seen(self, event_key: str) -> bool:
        with self._sessions() as session:
            return (
                session.scalar(select(EventReceipt.event_key).where(EventReceipt.event_key == event_key))
                is not None
            )

    def prune(self, older_than: datetime) -> int:
        """Forget receipts older than `older_than` (Slack stops retrying within the hour)."""
        with self._sessions.begin() as session:
            result = session.execute(
                delete(EventReceipt).where(EventReceipt.received_at < as_utc(older_than))
            )
            removed = int(result.rowcount or 0)  # type: ignore[attr-defined]
        if removed:
            logger.info("pruned %d old event receipts", removed)
        return removed
