"""The delivery ledger: exactly-once scheduled posts (weekly digest, reminder DMs).

A row is keyed by (kind, period, target) under a unique constraint, so the decision "who posts this week's
digest to this channel" is taken by the database: across restarts, between two bot processes, and against
a `dxbot digest post` run beside the bot. The protocol:

1. `claim` inserts the row as 'posting' with a fresh token and the claim time. If the row exists, it is
   taken over only when it is 'failed', when its 'posting' claim is older than `stale_after` (the claimer
   died), or with `force` when it was 'posted'. The take-over is one conditional UPDATE, so of two
   contenders exactly one sees rowcount 1.
2. While posting, `record_progress` keeps how many steps are done and the main message's ts, so a later
   attempt continues the same thread rather than posting the main message again.
3. `mark_posted` or `release` (→ 'failed') end the claim; both act only while the token is still ours.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Delivery
from storage.progress import as_utc

logger = logging.getLogger(__name__)

DEFAULT_STALE_AFTER = timedelta(minutes=60)


@dataclass(frozen=True)
class Claim:
    """The right to deliver one (kind, period, target), held until marked posted or released."""

    kind: str
    period: str
    target: str
    token: str
    steps_done: int  # steps of an earlier, interrupted attempt that need not be repeated
    message_ts: str | None  # the main message of that attempt, when it got that far
    attempts: int


@dataclass(frozen=True)
class DeliveryRecord:
    kind: str
    period: str
    target: str
    status: str
    claimed_at: datetime
    attempts: int
    steps_done: int
    message_ts: str | None
    posted_at: datetime | None
    times_posted: int
    last_error: str | None


def _record(row: Delivery) -> DeliveryRecord:
    return DeliveryRecord(
        kind=row.kind,
        period=row.period,
        target=row.target,
        status=row.status,
        claimed_at=as_utc(row.claimed_at),
        attempts=row.attempts,
        steps_done=row.steps_done,
        message_ts=row.message_ts,
        posted_at=as_utc(row.posted_at) if row.posted_at is not None else None,
        times_posted=row.times_posted,
        last_error=row.last_error,
    )


class DeliveryLedger:
    def __init__(self, sessions: sessionmaker[Session], stale_after: timedelta = DEFAULT_STALE_AFTER) -> None:
        self._sessions = sessions
        self.stale_after = stale_after

    @staticmethod
    def _key(kind: str, period: str, target: str) -> Any:
        return and_(Delivery.kind == kind, Delivery.period == period, Delivery.target == target)

    def claim(self, kind: str, period: str, target: str, now: datetime, *, force: bool = False) -> Claim | None:
        """The claim on (kind, period, target), or None when it is posted (and not `force`) or being posted."""
        now = as_utc(now)
        token = uuid.uuid4().hex
        try:
            with self._sessions.begin() as session:
                session.add(
                    Delivery(
                        kind=kind,
                        period=period,
                        target=target,
                        status="posting",
                        claim_token=token,
                        claimed_at=now,
                        attempts=1,
                        steps_done=0,
                        times_posted=0,
                    )
                )
            return Claim(kind, period, target, token, steps_done=0, message_ts=None, attempts=1)
        except IntegrityError:
            pass  # the row exists: see whether it may be taken over
        retakable = or_(
            Delivery.status == "failed",
            and_(Delivery.status == "posting", Delivery.claimed_at < now - self.stale_after),
        )
        values: dict[str, Any] = {
            "status": "posting",
            "claim_token": token,
            "claimed_at": now,
            "attempts": Delivery.attempts + 1,
        }
        if force:
            retakable = or_(retakable, Delivery.status == "posted")
            values.update(steps_done=0, message_ts=None)  # posting again on purpose: a whole new digest
        with self._sessions.begin() as session:
            result = session.execute(update(Delivery).where(self._key(kind, period, target), retakable).values(**values))
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return None
            row = session.scalars(select(Delivery).where(self._key(kind, period, target))).one()
            if row.steps_done:
                logger.info("%s %s → %s: continuing an interrupted delivery at step %d", kind, period, target, row.steps_done)
            return Claim(kind, period, target, token, row.steps_done, row.message_ts, row.attempts)

    def record_progress(self, claim: Claim, steps_done: int, message_ts: str | None) -> bool:
        """Remember the steps done so far (and the main message), while the claim is still ours."""
        return self._update_own(claim, steps_done=steps_done, message_ts=message_ts)

    def mark_posted(self, claim: Claim, now: datetime, message_ts: str | None) -> bool:
        posted = self._update_own(
            claim,
            status="posted",
            claim_token=None,
            posted_at=as_utc(now),
            message_ts=message_ts,
            times_posted=Delivery.times_posted + 1,
            last_error=None,
        )
        if not posted:
            logger.warning("%s %s → %s: claim was taken over before it was marked posted", claim.kind, claim.period, claim.target)
        return posted

    def release(self, claim: Claim, error: str) -> bool:
        """Give the claim up after a failure: the delivery stays undone, a later attempt may take it."""
        return self._update_own(claim, status="failed", claim_token=None, last_error=error[:255])

    def _update_own(self, claim: Claim, **values: Any) -> bool:
        with self._sessions.begin() as session:
            result = session.execute(
                update(Delivery)
                .where(self._key(claim.kind, claim.period, claim.target), Delivery.claim_token == claim.token)
                .values(**values)
            )
            return result.rowcount == 1  # type: ignore[attr-defined]

    def get(self, kind: str, period: str, target: str) -> DeliveryRecord | None:
        with self._sessions() as session:
            row = session.scalars(select(Delivery).where(self._key(kind, period, target))).first()
            return _record(row) if row is not None else None

    def is_posted(self, kind: str, period: str, target: str) -> bool:
        record = self.get(kind, period, target)
        return record is not None and record.status == "posted"

    def all(self) -> list[DeliveryRecord]:
        with self._sessions() as session:
            return [_record(row) for row in session.scalars(select(Delivery).order_by(Delivery.id))]
