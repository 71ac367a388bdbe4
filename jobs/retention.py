"""The daily purge of old question-log rows and feedback (personal data), as a plain function."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from storage.retention import Purged

DEFAULT_QUESTION_LOG_DAYS = 365


class PurgesBefore(Protocol):
    def purge_before(self, before: datetime) -> Purged: ...


def retention_cutoff(now: datetime, days: int) -> datetime:
    """Rows older than `days` days at `now` are past their retention."""
    return now - timedelta(days=days)


def purge_question_log(now: datetime, *, repo: PurgesBefore, days: int) -> Purged:
    return repo.purge_before(retention_cutoff(now, days))
