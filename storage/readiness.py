"""A database that is down at start does not stop the bot: it becomes ready by itself when it comes up.

`DatabaseReadiness` runs the start-up work that needs the database (migrations, seeding, the directory)
once the database answers. Until then `GatedSessionmaker` refuses every session with `DatabaseStarting`, an
outage error like any other, so everything that needs the database is refused (a report: 「記録していません」)
while questions are answered from memory. Each refused session, and each health check, retries the start-up
work, at most once per `retry_seconds`: no thread of its own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0


class DatabaseStarting(DisconnectionError):
    """The database has not answered since start: nothing was read or written."""


class DatabaseReadiness:
    def __init__(
        self,
        prepare: Callable[[], None],
        is_outage: Callable[[BaseException], bool],
        *,
        retry_seconds: float = RETRY_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._prepare = prepare
        self._is_outage = is_outage
        self._retry_seconds = retry_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._local = threading.local()  # the start-up work's own sessions pass the gate
        self._ready = False
        self._last_attempt: float | None = None
        self._on_ready: list[Callable[[], None]] = []

    @property
    def ready(self) -> bool:
        return self._ready

    def on_ready(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the database is ready (at once when it already is)."""
        if self._ready:
            callback()
        else:
            self._on_ready.append(callback)

    def start(self) -> bool:
        """The first attempt, at start: an outage leaves the bot degraded; any other failure is raised."""
        with self._lock:
            return self._attempt(raise_unexpected=True)

    def ensure(self) -> bool:
        """True when ready; otherwise try again (not more often than every `retry_seconds`)."""
        if self._ready or getattr(self._local, "preparing", False):
            return True
        if not self._lock.acquire(blocking=False):
            return False  # another thread is trying right now
        try:
            if self._ready:
                return True
            if self._last_attempt is not None and self._monotonic() - self._last_attempt < self._retry_seconds:
                return False
            return self._attempt(raise_unexpected=False)
        finally:
            self._lock.release()

    def _attempt(self, *, raise_unexpected: bool) -> bool:
        first = self._last_attempt is None
        self._last_attempt = self._monotonic()
        self._local.preparing = True
        try:
            self._prepare()
        except Exception as error:
            if self._is_outage(error):
                if first:
                    logger.warning(
                        "database unreachable at start (%s): answering questions from memory, refusing what "
                        "needs the database; retrying every %.0fs",
                        type(error).__name__,
                        self._retry_seconds,
                    )
                return False
            if raise_unexpected:
                raise
            logger.exception("database start-up work failed")
            return False
        finally:
            self._local.preparing = False
        self._ready = True
        if not first:
            logger.info("database reachable again: start-up work done, serving everything")
        callbacks, self._on_ready = self._on_ready, []
        for callback in callbacks:
            try:
                callback()
            except Exception:  # one callback must not keep the others from running
                logger.exception("callback after the database became ready failed")
        return True


class GatedSessionmaker(sessionmaker[Session]):
    """A sessionmaker that hands out sessions only once the database is ready (see DatabaseReadiness)."""

    def __init__(self, engine: Engine, readiness: DatabaseReadiness, **options: Any) -> None:
        super().__init__(engine, **options)
        self.readiness = readiness

    def __call__(self, **local_kw: Any) -> Session:
        if not self.readiness.ensure():
            raise DatabaseStarting("database not reachable since start")
        return super().__call__(**local_kw)
