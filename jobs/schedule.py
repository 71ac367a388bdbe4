"""APScheduler wiring: triggers only. What runs, and whether it is due, lives in plain functions.

Both jobs fire on every weekday (digest 09:00, reminders 15:00, in DXBOT_TZ) and ask `jobs.weeks` whether
something is due and not yet in the ledger. So a holiday or 年末年始 shift needs no special trigger: on
Monday 2026-11-23 (勤労感謝の日) nothing is due, on Tuesday the digest is due and goes out; on an ordinary
Tuesday the ledger already has last week's digest and the run does nothing.

- coalesce=True: runs missed while the process was suspended collapse into one (the ledger would make
  the extra ones no-ops anyway; coalescing spares the Slack calls and the log noise).
- misfire_grace_time=6 h: a run that comes late the same working day still runs; later than that, the
  next day's run (or the start-up catch-up) does the work, because due-ness is recomputed, not remembered.
- max_instances=1: a slow run (Slack retrying) never overlaps the next.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

logger = logging.getLogger(__name__)

MISFIRE_GRACE_SECONDS = 6 * 3600
DIGEST_JOB_ID = "dx-digest"
REMINDER_JOB_ID = "dx-reminders"
CATCH_UP_JOB_ID = "dx-digest-catch-up"
RETENTION_JOB_ID = "dx-retention"
RETENTION_CATCH_UP_JOB_ID = "dx-retention-catch-up"
START_CATCH_UP_JOB_ID = "dx-catch-up-when-database-ready"
START_CATCH_UP_SECONDS = 15


@dataclass(frozen=True)
class JobDeps:
    """What the scheduled callables need; each takes the current time from `clock`."""

    tz: ZoneInfo
    clock: Callable[[], datetime]
    run_digest: Callable[[datetime], Any] | None = None  # None: no digest channel configured
    run_reminders: Callable[[datetime], Any] | None = None
    run_retention: Callable[[datetime], Any] | None = None  # purge of old question-log rows and feedback
    # Given: the start-up catch-ups wait until it returns True (the database was down at start), polled
    # every START_CATCH_UP_SECONDS, instead of running once at start.
    database_started: Callable[[], bool] | None = None


def digest_trigger(tz: ZoneInfo) -> CronTrigger:
    return CronTrigger(day_of_week="mon-fri", hour=9, minute=0, timezone=tz)


def reminder_trigger(tz: ZoneInfo) -> CronTrigger:
    return CronTrigger(day_of_week="mon-fri", hour=15, minute=0, timezone=tz)


def retention_trigger(tz: ZoneInfo) -> CronTrigger:
    """Every day at 03:30, when nobody is asking: a purge of a year's oldest day is one short DELETE."""
    return CronTrigger(hour=3, minute=30, timezone=tz)


def _guarded(name: str, action: Callable[[datetime], Any], clock: Callable[[], datetime]) -> Callable[[], None]:
    def run() -> None:
        try:
            action(clock())
        except Exception:  # the one handler for a scheduled job: log with traceback, keep the scheduler alive
            logger.exception("scheduled job %s failed", name)

    run.__name__ = f"run_{name}"
    return run


def _catch_up_when_database_ready(scheduler: Any, deps: JobDeps, catch_ups: list[Callable[[], None]]) -> str:
    """One job that waits for the database, runs every catch-up once, and removes itself."""
    assert deps.database_started is not None
    started = deps.database_started

    def run() -> None:
        if not started():
            return
        scheduler.remove_job(START_CATCH_UP_JOB_ID)
        for catch_up in catch_ups:
            catch_up()

    scheduler.add_job(
        run,
        IntervalTrigger(seconds=START_CATCH_UP_SECONDS, start_date=deps.clock(), timezone=deps.tz),
        id=START_CATCH_UP_JOB_ID,
        name="catch-up when the database is ready",
        coalesce=True,
        max_instances=1,
        replace_existing=True,
    )
    return START_CATCH_UP_JOB_ID


def register_jobs(scheduler: Any, deps: JobDeps) -> list[str]:
    """Add the digest, catch-up, reminder and retention jobs to `scheduler` (not started here); returns their ids."""
    options = {"coalesce": True, "misfire_grace_time": MISFIRE_GRACE_SECONDS, "max_instances": 1, "replace_existing": True}
    added = []
    waiting: list[Callable[[], None]] = []  # catch-ups that wait for the database (deps.database_started)
    if deps.run_digest is not None:
        run = _guarded("digest", deps.run_digest, deps.clock)
        scheduler.add_job(run, digest_trigger(deps.tz), id=DIGEST_JOB_ID, name="weekly digest", **options)
        if deps.database_started is not None:
            waiting.append(run)
        else:
            # Once, as soon as the scheduler starts: a digest missed while the bot was down goes out now.
            scheduler.add_job(
                run, DateTrigger(run_date=deps.clock(), timezone=deps.tz), id=CATCH_UP_JOB_ID, name="digest catch-up", **options
            )
            added.append(CATCH_UP_JOB_ID)
        added.insert(0, DIGEST_JOB_ID)
    if deps.run_reminders is not None:
        run = _guarded("reminders", deps.run_reminders, deps.clock)
        scheduler.add_job(run, reminder_trigger(deps.tz), id=REMINDER_JOB_ID, name="stale reminders", **options)
        added.append(REMINDER_JOB_ID)
    if deps.run_retention is not None:
        run = _guarded("retention", deps.run_retention, deps.clock)
        scheduler.add_job(run, retention_trigger(deps.tz), id=RETENTION_JOB_ID, name="question-log retention", **options)
        added.append(RETENTION_JOB_ID)
        if deps.database_started is not None:
            waiting.append(run)
        else:
            # A bot that was down at 03:30 purges as soon as it is back (older-than is recomputed: idempotent).
            scheduler.add_job(
                run,
                DateTrigger(run_date=deps.clock(), timezone=deps.tz),
                id=RETENTION_CATCH_UP_JOB_ID,
                name="retention catch-up",
                **options,
            )
            added.append(RETENTION_CATCH_UP_JOB_ID)
    if waiting:
        added.append(_catch_up_when_database_ready(scheduler, deps, waiting))
    return added
