"""The inbox: every accepted inbound request, written before it is acknowledged (transactional inbox).

A request's life: `accept` (a row in state `received`, before the platform gets its ack) → a worker
`claim`s it (a lease, in any process) → does the work → `decide`s it (`done` or `failed`, with the
result the user is to be told; the payload is cleared; its delivery is now *pending*, the lease kept)
→ sends the result → `mark_delivered` (*delivered*, the lease released).
A crash anywhere leaves a row that `due` finds once its lease has expired, and the work is resumed;
the work itself is idempotent by the request's key (reports carry it as their `request_id`), and a
result is delivered only after it is decided, so nobody is told something untrue. A row found with its
delivery pending (the worker died between deciding and `mark_delivered`) may have been sent in part or
in full: the platform checks what arrived (`decided_at` is when the sending may have begun) before it
sends the rest, so nobody is told twice either.

`accept` is on the acknowledgement path, so it has a short bound: PostgreSQL `lock_timeout` and
`statement_timeout`, SQLite `busy_timeout`, a short pool wait. When the bound is hit, `InboxUnavailable`
says nothing was stored, and the caller refuses (or answers from memory) at once.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from storage.db import create_db_engine
from storage.models import InboxEntry
from storage.progress import as_utc

logger = logging.getLogger(__name__)

ACCEPT_TIMEOUT_SECONDS = 1.0  # the insert before an ack; Slack's limit is 3 s for everything
WORK_TIMEOUT_SECONDS = 5.0  # claims and decisions, off the ack path
LEASE = timedelta(seconds=60)  # longer than any bounded piece of work (reports: 20 s)
MAX_ATTEMPTS = 5  # a request whose work was cut this often (kill -9 each time) is given up


class InboxState(StrEnum):
    RECEIVED = "received"
    DONE = "done"
    FAILED = "failed"


class InboxUnavailable(Exception):
    """The inbox could not be written within its bound (database stalled or down): nothing was stored."""


@dataclass(frozen=True)
class InboxItem:
    key: str
    platform: str
    kind: str
    payload: dict[str, Any] | None  # None once decided
    state: InboxState
    attempts: int
    result: dict[str, Any] | None
    received_at: datetime
    delivered: bool
    lease_owner: str | None = None
    decided_at: datetime | None = None  # from then on its delivery is pending, until `delivered`

    @property
    def decided(self) -> bool:
        return self.state is not InboxState.RECEIVED

    @property
    def delivery_pending(self) -> bool:
        """Decided, not known to be delivered: the result may have been sent (in part) by a worker that died."""
        return self.decided and not self.delivered


@dataclass(frozen=True)
class Accepted:
    item: InboxItem
    new: bool  # False: a redelivery of a request seen before (by any process)


def new_owner() -> str:
    """A lease owner id: this process, plus a random part (pids are reused across restarts)."""
    return f"{os.getpid()}-{uuid.uuid4().hex[:12]}"


def create_inbox_engine(
    url: str,
    timeout: float = ACCEPT_TIMEOUT_SECONDS,
    pool_size: int = 4,
    max_overflow: int | None = None,
    sqlite_writer: threading.Lock | None = None,
) -> Engine:
    """The inbox's own pool: its inserts never queue behind workers holding the main pool's
    connections, and a stalled database costs at most `timeout` per wait."""
    return create_db_engine(
        url,
        pool_size=pool_size,
        max_overflow=2 * pool_size if max_overflow is None else max_overflow,
        pool_timeout=timeout,
        busy_timeout=timeout,
        connect_timeout=2,  # libpq's minimum
        sqlite_writer=sqlite_writer,
    )


class Inbox:
    def __init__(
        self,
        engine: Engine,
        *,
        accept_timeout: float = ACCEPT_TIMEOUT_SECONDS,
        work_timeout: float = WORK_TIMEOUT_SECONDS,
        lease: timedelta = LEASE,
    ) -> None:
        self._engine = engine
        self._accept_timeout = accept_timeout
        self._work_timeout = work_timeout
        self.lease = lease
        self._postgres = engine.dialect.name == "postgresql"
        # The insert of this database's dialect (with ON CONFLICT), imported for it alone: SQLAlchemy's
        # PostgreSQL dialect costs a start on SQLite a tenth of a second to import.
        self._insert: Callable[..., Any]
        if self._postgres:
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            self._insert = pg_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            self._insert = sqlite_insert

    @property
    def engine(self) -> Engine:
        return self._engine

    # ------------------------------------------------------------------ the ack path

    def accept(
        self, key: str, platform: str, kind: str, payload: dict[str, Any], now: datetime, owner: str | None = None
    ) -> Accepted:
        """Store a request before it is acknowledged; a key seen before returns its row (`new` False).

        With `owner`, a new row is stored already claimed by it (one write instead of two on a busy path).
        Raises InboxUnavailable when that cannot be done within the accept bound; then nothing is stored."""
        lease: dict[str, Any] = {}
        if owner is not None:
            lease = {"lease_owner": owner, "lease_until": as_utc(now) + self.lease, "attempts": 1}
        values = {
            "key": key,
            "platform": platform,
            "kind": kind,
            "payload": json.dumps(payload, ensure_ascii=False),
            "state": InboxState.RECEIVED.value,
            "attempts": 0,
            "received_at": as_utc(now),
            **lease,
        }
        statement = (
            self._insert(InboxEntry).values(**values).on_conflict_do_nothing(index_elements=["key"]).returning(InboxEntry.key)
        )
        with self._transaction(self._accept_timeout) as connection:
            inserted = connection.execute(statement).scalar() is not None
            row = connection.execute(select(InboxEntry.__table__).where(InboxEntry.key == key)).one()
        return Accepted(_item(row._mapping), inserted)

    # ------------------------------------------------------------------ the work path

    def claim(self, key: str, owner: str, now: datetime) -> InboxItem | None:
        """Take the lease on an undelivered row whose lease is free or expired; None when someone else
        holds it, or there is nothing left to do."""
        now = as_utc(now)
        statement = (
            update(InboxEntry)
            .where(InboxEntry.key == key, InboxEntry.delivered_at.is_(None), _lease_free(now))
            .values(lease_owner=owner, lease_until=now + self.lease, attempts=InboxEntry.attempts + 1)
        )
        with self._transaction(self._work_timeout) as connection:
            if connection.execute(statement).rowcount != 1:
                return None
            row = connection.execute(select(InboxEntry.__table__).where(InboxEntry.key == key)).one()
        return _item(row._mapping)

    def decide(
        self,
        key: str,
        owner: str,
        result: dict[str, Any],
        now: datetime,
        *,
        failed: bool = False,
        error: str | None = None,
        delivered: bool = False,
    ) -> bool:
        """Record the outcome (what the user is to be told) while holding the lease; clears the payload.

        The delivery is then pending: the caller keeps the lease, sends, and calls `mark_delivered`.
        `delivered`: the outcome was given with the request's own response (an ack carrying the answer), so
        the row is finished in the same write and the lease released.
        False when the lease was lost (another worker took over): then the caller must not deliver."""
        state = InboxState.FAILED if failed else InboxState.DONE
        finished: dict[str, Any] = {}
        if delivered:
            finished = {"delivered_at": as_utc(now), "lease_owner": None, "lease_until": None}
        statement = (
            update(InboxEntry)
            .where(InboxEntry.key == key, InboxEntry.lease_owner == owner, InboxEntry.delivered_at.is_(None))
            .values(
                state=state.value,
                result=json.dumps(result, ensure_ascii=False),
                payload=None,
                error=(error or "")[:255] or None,
                decided_at=as_utc(now),
                **finished,
            )
        )
        with self._transaction(self._work_timeout) as connection:
            return bool(connection.execute(statement).rowcount == 1)

    def mark_delivered(self, key: str, owner: str, now: datetime) -> bool:
        """The user was told (the pending delivery is over): the row is finished, and the lease released."""
        statement = (
            update(InboxEntry)
            .where(InboxEntry.key == key, InboxEntry.lease_owner == owner, InboxEntry.state != InboxState.RECEIVED.value)
            .values(delivered_at=as_utc(now), lease_owner=None, lease_until=None)
        )
        with self._transaction(self._work_timeout) as connection:
            return bool(connection.execute(statement).rowcount == 1)

    def release(self, key: str, owner: str) -> None:
        """Give the lease back (the work could not run now); a later resume takes it again."""
        statement = (
            update(InboxEntry)
            .where(InboxEntry.key == key, InboxEntry.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
        )
        with self._transaction(self._work_timeout) as connection:
            connection.execute(statement)

    def renew(self, owner: str, keys: list[str], now: datetime) -> int:
        """Extend the leases `owner` holds on `keys` (work still in progress); how many were renewed."""
        if not keys:
            return 0
        statement = (
            update(InboxEntry)
            .where(InboxEntry.key.in_(keys), InboxEntry.lease_owner == owner, InboxEntry.delivered_at.is_(None))
            .values(lease_until=as_utc(now) + self.lease)
        )
        with self._transaction(self._work_timeout) as connection:
            return int(connection.execute(statement).rowcount or 0)

    def due(self, now: datetime, limit: int = 100, platforms: tuple[str, ...] | None = None) -> list[InboxItem]:
        """Undelivered rows whose lease is free or expired, oldest first: what a resume should take on
        (of `platforms` only, when given: the ones whose work this process can resume)."""
        statement = (
            select(InboxEntry.__table__)
            .where(InboxEntry.delivered_at.is_(None), _lease_free(as_utc(now)))
            .order_by(InboxEntry.received_at, InboxEntry.key)
            .limit(limit)
        )
        if platforms is not None:
            statement = statement.where(InboxEntry.platform.in_(platforms))
        with self._transaction(self._work_timeout) as connection:
            return [_item(row._mapping) for row in connection.execute(statement)]

    # ------------------------------------------------------------------ reading and housekeeping

    def get(self, key: str) -> InboxItem | None:
        with self._transaction(self._work_timeout) as connection:
            row = connection.execute(select(InboxEntry.__table__).where(InboxEntry.key == key)).first()
        return None if row is None else _item(row._mapping)

    def counts(self) -> dict[str, int]:
        """Rows by state, plus how many are decided but not delivered (delivery pending; for checks and diagnostics)."""
        with self._transaction(self._work_timeout) as connection:
            by_state = dict(connection.execute(select(InboxEntry.state, func.count()).group_by(InboxEntry.state)).all())
            undelivered = connection.scalar(
                select(func.count()).where(InboxEntry.delivered_at.is_(None), InboxEntry.state != "received")
            )
        return {**{s.value: int(by_state.get(s.value, 0)) for s in InboxState}, "undelivered": int(undelivered or 0)}

    def prune(self, older_than: datetime) -> int:
        """Forget delivered rows received before `older_than` (platforms stop redelivering within hours)."""
        statement = delete(InboxEntry).where(
            InboxEntry.delivered_at.is_not(None), InboxEntry.received_at < as_utc(older_than)
        )
        with self._transaction(self._work_timeout) as connection:
            removed = int(connection.execute(statement).rowcount or 0)
        if removed:
            logger.info("pruned %d delivered inbox rows", removed)
        return removed

    # ------------------------------------------------------------------ bounded transactions

    @contextmanager
    def _transaction(self, timeout: float) -> Iterator[Connection]:
        """One transaction whose waits (pool, locks, the statement itself) are bounded by `timeout`.

        Any database error becomes InboxUnavailable: to the caller, all of them mean "not stored"."""
        try:
            with self._engine.begin() as connection:
                milliseconds = str(max(1, int(timeout * 1000)))
                if self._postgres:
                    # SET LOCAL: the bounds end with the transaction and never leak to a pooled reuse.
                    connection.execute(select(func.set_config("lock_timeout", milliseconds, True)))
                    connection.execute(select(func.set_config("statement_timeout", milliseconds, True)))
                else:
                    connection.exec_driver_sql(f"PRAGMA busy_timeout={milliseconds}")
                yield connection
        except SQLAlchemyError as error:
            raise InboxUnavailable(error.__class__.__name__) from error


def _lease_free(now: datetime) -> Any:
    return or_(InboxEntry.lease_until.is_(None), and_(InboxEntry.lease_until.is_not(None), InboxEntry.lease_until < now))


def _item(row: Any) -> InboxItem:
    payload = row["payload"]
    result = row["result"]
    return InboxItem(
        key=row["key"],
        platform=row["platform"],
        kind=row["kind"],
        payload=None if payload is None else json.loads(payload),
        state=InboxState(row["state"]),
        attempts=int(row["attempts"]),
        result=None if result is None else json.loads(result),
        received_at=as_utc(row["received_at"]),
        delivered=row["delivered_at"] is not None,
        lease_owner=row["lease_owner"],
        decided_at=None if row["decided_at"] is None else as_utc(row["decided_at"]),
    )
