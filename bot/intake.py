"""Durable intake, platform-neutral: accept into the inbox, acknowledge, then work from the inbox.

An adapter calls `accept` on its acknowledgement path (the only database wait there, bounded by the inbox's
short timeout), acknowledges, and calls `submit`; a worker of this bounded pool then claims the row (a
lease), runs the platform's `work`, records the outcome (`decide`: what the user is to be told; from then on
its delivery is *pending*), sends it, and marks it delivered. A report is therefore confirmed only after its
row is committed. A row decided before a crash is delivered from its stored result, not worked again, and a
resumed job never confirms twice: when the delivery was pending (the worker may have died before, during or
after sending), the platform first looks for what already reached the user (`deliver(…, pending_since=…)`).

At start and every `RESUME_EVERY` seconds, rows that are not delivered and whose lease has expired (their
worker died: kill -9, a lost host) are resumed; the leases of the work in flight here are renewed as often,
so a lease is short and a dead worker's rows come back within seconds. Each attempt's database waits end
within `WORK_SECONDS` (`storage.db.database_deadline`): a report that cannot be stored by then is refused
and absent, never stored later without a word.

When the inbox cannot be written (`InboxUnavailable`: the database stalled or down) nothing is stored; the
adapter answers a question from memory (`run_unstored`, with short database waits) and refuses a report at
once with `bot.errors.NOT_TAKEN`.

The platforms plug in a `PlatformWork` (bot/slack/intake.py): how to work one stored request, how to deliver
a stored result, and what to say when a request is given up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.clock import Clock, utc_now
from storage.db import database_deadline
from storage.inbox import MAX_ATTEMPTS, Accepted, Inbox, InboxItem, InboxUnavailable, new_owner

logger = logging.getLogger(__name__)

WORKERS = 16  # requests worked at once, per process; the database pool is sized to it (bot/bootstrap.py)
ACCEPTING_THREADS = 32  # requests being acknowledged at once (each holds a thread only until its ack)
MAX_QUEUED = 2000  # beyond this, new work waits in the inbox for the resume timer instead of in memory
WORK_SECONDS = 20.0  # every database wait of one attempt ends by then (a report: stored, or refused)
MEMORY_SECONDS = 2.0  # database waits when answering from memory (the inbox was not writable)
LEASE = timedelta(seconds=4)  # short: renewed every RESUME_EVERY while worked, so a dead worker's rows come back soon
RESUME_EVERY = 1.0  # seconds between resume scans (and lease renewals)
RETENTION = timedelta(days=2)  # platforms stop redelivering within hours
TURN_LIMIT = timedelta(seconds=2 * WORK_SECONDS)  # a request taken by `take` keeps its lease renewed this long at most


@dataclass(frozen=True)
class Outcome:
    """What a request came to: `result` is what the user is to be told (JSON, the platform's own form)."""

    result: dict[str, Any]
    failed: bool = False


class PlatformWork(Protocol):
    def work(self, item: InboxItem) -> Outcome:
        """Run the stored request (the core's work); say nothing to anyone yet."""

    def deliver(self, item: InboxItem, result: dict[str, Any], *, pending_since: datetime | None = None) -> None:
        """Tell the user `result`; errors are logged here (the row is finished either way).

        `pending_since`: a worker that died may have sent some or all of it from then on; send only what did
        not reach the user (a platform that cannot tell sends it again: better twice than never)."""

    def give_up(self, item: InboxItem) -> Outcome:
        """The request was cut short too often (MAX_ATTEMPTS): the apology to deliver instead."""


class Intake:
    def __init__(
        self,
        inbox: Inbox,
        clock: Clock = utc_now,
        *,
        workers: int = WORKERS,
        work_seconds: float = WORK_SECONDS,
        resume_every: float = RESUME_EVERY,
    ) -> None:
        self.inbox = inbox
        self.clock = clock
        self.owner = new_owner()
        self.work_seconds = work_seconds
        self.resume_every = resume_every
        self._platforms: dict[str, PlatformWork] = {}
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dxbot-work")
        self._in_flight: set[str] = set()  # keys queued or being worked here: never taken twice by this process
        self._taken: dict[str, datetime] = {}  # keys taken by `take` whose turn runs now (their leases renewed), since
        self._lock = threading.Lock()
        self._scheduler: Any = None

    def register(self, platform: str, work: PlatformWork) -> None:
        self._platforms[platform] = work

    # ------------------------------------------------------------------ the ack path

    def accept(self, key: str, platform: str, kind: str, payload: dict[str, Any]) -> Accepted:
        """Store the request before it is acknowledged; raises InboxUnavailable (nothing stored) within the bound.

        A new row is stored with this process's lease already taken (`submit` it with `accepted`)."""
        return self.inbox.accept(key, platform, kind, payload, self.clock(), owner=self.owner)

    def submit(self, key: str, accepted: Accepted | None = None) -> bool:
        """Work `key` from the inbox in the pool (after the ack); False when it is already queued or worked here,
        or the queue is full (then the resume timer takes it from the inbox). `accepted`: the row as this
        process stored it, its lease taken (no claim needed)."""
        claimed = accepted.item if accepted is not None and accepted.new else None
        with self._lock:
            if key in self._in_flight or len(self._in_flight) >= MAX_QUEUED:
                return False
            self._in_flight.add(key)
        try:
            self._pool.submit(self._work_from_inbox, key, claimed)
        except RuntimeError:  # shutting down: the row stays in the inbox for the next start
            with self._lock:
                self._in_flight.discard(key)
            return False
        return True

    def run_unstored(self, work: Callable[[], None]) -> None:
        """Work that has no inbox row (the inbox was not writable): in the pool, with short database waits."""

        def run() -> None:
            try:
                with database_deadline(MEMORY_SECONDS):
                    work()
            except Exception:
                logger.exception("work without an inbox row failed")

        try:
            self._pool.submit(run)
        except RuntimeError:
            logger.warning("shutting down: a request without an inbox row was dropped")

    def process_inline(self, accepted: Accepted, work: Callable[[], Outcome]) -> Outcome | None:
        """Work an accepted request now, in the caller's thread, when the acknowledgement itself carries the
        answer (a form). The caller's ack is the delivery, so the row is marked delivered here. A row decided
        before is answered from its stored result; None when another worker holds it."""
        key = accepted.item.key
        item = accepted.item if accepted.new else self.inbox.claim(key, self.owner, self.clock())
        if item is None:
            stored = self.inbox.get(key)
            if stored is None or not stored.decided or stored.result is None:
                return None
            return Outcome(stored.result, stored.state.value == "failed")
        outcome = Outcome(item.result or {}) if item.decided else work()
        try:
            if not item.decided:
                self.inbox.decide(key, self.owner, outcome.result, self.clock(), failed=outcome.failed, delivered=True)
            else:
                self.inbox.mark_delivered(key, self.owner, self.clock())
        except InboxUnavailable:
            logger.warning("inbox outcome of %s not recorded (database unavailable)", _platform_of(key))
        return outcome

    def take(self, key: str, platform: str, kind: str) -> bool:
        """For a platform that works a request inside its own HTTP exchange and retries it when that fails
        (Teams): True when this delivery is to be worked (the first one, or a redelivery of one never
        finished, taking the lease); False when it was answered before or another worker holds it now.

        The row carries no payload (the request is not resumed from it); `finish` marks it answered, `let_go`
        gives it back when the turn failed. While the turn runs its lease is renewed with the others (a turn
        longer than the lease is not worked twice), for `TURN_LIMIT` at most.
        When the inbox cannot be written, the request is worked anyway (better twice than never)."""
        try:
            accepted = self.accept(key, platform, kind, {})
            if accepted.item.delivered:
                return False
            taken = accepted.new or self.inbox.claim(key, self.owner, self.clock()) is not None  # new: stored with our lease
        except InboxUnavailable as error:
            logger.warning("inbox unavailable (%s): a %s %s is worked without a row", error, platform, kind)
            return True
        if taken:
            with self._lock:
                self._taken[key] = self.clock()
        return taken

    def finish(self, key: str) -> None:
        """The request taken by `take` was answered."""
        with self._lock:
            self._taken.pop(key, None)
        try:
            self.inbox.decide(key, self.owner, {}, self.clock(), delivered=True)
        except InboxUnavailable as error:
            logger.warning("inbox unavailable (%s): answered request not marked", error)

    def let_go(self, key: str) -> None:
        """The turn of a request taken by `take` failed: its lease is given back, so a redelivery is worked."""
        with self._lock:
            held = self._taken.pop(key, None) is not None
        if held:
            self._release(key)

    # ------------------------------------------------------------------ the work path

    def _work_from_inbox(self, key: str, claimed: InboxItem | None = None) -> None:
        try:
            self._process(key, claimed)
        except InboxUnavailable as error:
            # The lease expires by itself; the resume timer takes the row again.
            logger.warning("inbox unavailable while working a request (%s); it will be resumed", error)
        except Exception:
            logger.exception("working a request from the inbox failed; it will be resumed")
            self._release(key)
        finally:
            with self._lock:
                self._in_flight.discard(key)

    def _process(self, key: str, claimed: InboxItem | None = None) -> None:
        item = claimed or self.inbox.claim(key, self.owner, self.clock())
        if item is None:
            return  # delivered already, or another worker holds the lease
        platform = self._platforms.get(item.platform)
        if platform is None:
            logger.warning("no %s adapter in this process; leaving the request to another", item.platform)
            self._release(key)
            return
        result = item.result
        if not item.decided or result is None:
            if item.attempts > MAX_ATTEMPTS:
                logger.error("a %s %s was cut short %d times; giving up", item.platform, item.kind, item.attempts - 1)
                outcome = platform.give_up(item)
            else:
                with database_deadline(self.work_seconds):
                    outcome = platform.work(item)
            # The outcome is recorded before anything is sent (its delivery pending, our lease kept: the resume
            # timer renews it while we send), and delivered only if we still hold the lease.
            decided = self.inbox.decide(key, self.owner, outcome.result, self.clock(), failed=outcome.failed)
            if not decided:
                logger.info("lease on a %s %s was lost; the new holder answers", item.platform, item.kind)
                return
            platform.deliver(item, outcome.result)
        else:
            # Decided by a worker that died with the delivery pending: it may have sent all, part or none of it.
            logger.info("resuming the pending delivery of a %s %s", item.platform, item.kind)
            platform.deliver(item, result, pending_since=item.decided_at or item.received_at)
        if not self.inbox.mark_delivered(key, self.owner, self.clock()):
            logger.warning("lease on a %s %s was lost while delivering it", item.platform, item.kind)

    def _release(self, key: str) -> None:
        try:
            self.inbox.release(key, self.owner)
        except InboxUnavailable:
            pass  # the lease expires by itself

    # ------------------------------------------------------------------ resume and lifecycle

    def resume(self) -> int:
        """Renew the leases of the work in flight here (queued, worked, or taken by a turn); queue what is due
        (not delivered, lease expired)."""
        now = self.clock()
        with self._lock:
            in_flight = set(self._in_flight)
            for key, since in list(self._taken.items()):
                if now - since > TURN_LIMIT:  # a turn that never finished nor failed: its lease may expire
                    logger.warning("a %s turn ran past %s; its lease is no longer renewed", _platform_of(key), TURN_LIMIT)
                    del self._taken[key]
            held = in_flight | set(self._taken)
        if held:
            self.inbox.renew(self.owner, sorted(held), now)
        queued = 0
        if not self._platforms:
            return 0
        for item in self.inbox.due(now, platforms=tuple(self._platforms)):
            if item.key not in in_flight and self.submit(item.key):
                queued += 1
        if queued:
            logger.info("resuming %d inbox request(s) not yet answered", queued)
        return queued

    def _resume_quietly(self) -> None:
        try:
            self.resume()
        except InboxUnavailable as error:
            logger.warning("inbox resume skipped: database unavailable (%s)", error)

    def start(self) -> None:
        """Resume now and every `resume_every` seconds (idempotent); prunes old delivered rows once."""
        if self._scheduler is not None:
            return
        from apscheduler.schedulers.background import BackgroundScheduler

        try:
            self.inbox.prune(self.clock() - RETENTION)
        except InboxUnavailable as error:
            logger.warning("old inbox rows not pruned: database unavailable (%s)", error)
        # Its own executor, whose "running job" lines (every second) stay out of the INFO log.
        logging.getLogger(f"apscheduler.executors.{_EXECUTOR}").setLevel(logging.WARNING)
        scheduler = BackgroundScheduler(timezone="UTC", executors={_EXECUTOR: {"type": "threadpool", "max_workers": 1}})
        scheduler.add_job(
            self._resume_quietly,
            "interval",
            seconds=self.resume_every,
            next_run_time=utc_now(),
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,  # late (a busy machine) is better than skipped: leases depend on it
            id="dxbot-intake-resume",
            executor=_EXECUTOR,
        )
        scheduler.start()
        self._scheduler = scheduler

    def drain(self, timeout: float) -> bool:
        """Stop resuming, and wait up to `timeout` for the work queued here (what is left stays in the inbox)."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        finished = threading.Event()

        def shut() -> None:
            self._pool.shutdown(wait=True)
            finished.set()

        threading.Thread(target=shut, name="dxbot-intake-drain", daemon=True).start()
        return finished.wait(max(0.0, timeout))

    def in_flight(self) -> int:
        with self._lock:
            return len(self._in_flight)


_EXECUTOR = "intake"


def _platform_of(key: str) -> str:
    return key.split(":", 1)[0]
