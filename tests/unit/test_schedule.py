"""Weeks, business days, due times and the scheduler wiring, driven by a fake clock."""

from __future__ import annotations

import logging
import os
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from jobs.schedule import (
    CATCH_UP_JOB_ID,
    DIGEST_JOB_ID,
    MISFIRE_GRACE_SECONDS,
    REMINDER_JOB_ID,
    JobDeps,
    digest_trigger,
    register_jobs,
)
from jobs.weeks import (
    InvalidWeek,
    IsoWeek,
    current_week,
    digest_due,
    due_digest_weeks,
    due_reminder_weeks,
    is_business_day,
    next_business_day,
    previous_week,
    reminder_due,
)
from tests.digest_fixtures import jst
from tests.fakes import FakeClock

TOKYO = ZoneInfo("Asia/Tokyo")


# ---------------------------------------------------------------- weeks


@pytest.mark.parametrize(
    ("text", "week"),
    [("2026-W48", IsoWeek(2026, 48)), ("2026W48", IsoWeek(2026, 48)), (" 2026-w05 ", IsoWeek(2026, 5)), ("2026-W53", IsoWeek(2026, 53))],
)
def test_parse_week(text: str, week: IsoWeek) -> None:
    assert IsoWeek.parse(text) == week


@pytest.mark.parametrize("text", ["2026-48", "W48", "2025-W53", "2026-W00", "next week"])
def test_parse_week_refuses(text: str) -> None:
    with pytest.raises(InvalidWeek):
        IsoWeek.parse(text)


def test_week_bounds_are_monday_to_monday_in_tokyo() -> None:
    start, end = IsoWeek(2026, 48).bounds(TOKYO)
    assert start == datetime(2026, 11, 22, 15, 0, tzinfo=UTC)  # Monday 11/23 00:00 JST
    assert end == datetime(2026, 11, 29, 15, 0, tzinfo=UTC)
    assert IsoWeek(2026, 48).monday == date(2026, 11, 23) and IsoWeek(2026, 48).sunday == date(2026, 11, 29)


def test_week_boundary_at_midnight_jst() -> None:
    last_second = datetime(2026, 11, 29, 14, 59, 59, tzinfo=UTC)  # Sunday 23:59:59 JST
    midnight = datetime(2026, 11, 29, 15, 0, 0, tzinfo=UTC)  # Monday 00:00 JST, still Sunday in UTC
    assert current_week(last_second, TOKYO) == IsoWeek(2026, 48)
    assert previous_week(last_second, TOKYO) == IsoWeek(2026, 47)
    assert current_week(midnight, TOKYO) == IsoWeek(2026, 49)
    assert previous_week(midnight, TOKYO) == IsoWeek(2026, 48)
    # The same instant is still week 48 in UTC: the local calendar decides, not UTC's.
    assert current_week(midnight, ZoneInfo("UTC")) == IsoWeek(2026, 48)


def test_iso_week_across_new_year() -> None:
    assert IsoWeek.containing(date(2026, 1, 1)) == IsoWeek(2026, 1)
    assert IsoWeek.containing(date(2027, 1, 1)) == IsoWeek(2026, 53)
    assert IsoWeek(2026, 53).shift(1) == IsoWeek(2027, 1)
    assert previous_week(jst(2027, 1, 4, 9), TOKYO) == IsoWeek(2026, 53)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        current_week(datetime(2026, 11, 24, 9, 0), TOKYO)


# ---------------------------------------------------------------- business days


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 30), date(2026, 11, 30)),  # an ordinary Monday
        (date(2026, 11, 23), date(2026, 11, 24)),  # 勤労感謝の日
        (date(2026, 9, 21), date(2026, 9, 24)),  # 敬老の日, then 国民の休日 and 秋分の日
        (date(2026, 5, 4), date(2026, 5, 7)),  # Golden Week
        (date(2026, 11, 28), date(2026, 11, 30)),  # Saturday
        (date(2026, 12, 28), date(2026, 12, 28)),  # the last working day of the year
        (date(2026, 12, 29), date(2027, 1, 4)),  # 年末年始 (12/29–1/3): not national holidays
        (date(2025, 12, 29), date(2026, 1, 5)),
        (date(2027, 1, 4), date(2027, 1, 4)),
    ],
)
def test_next_business_day(day: date, expected: date) -> None:
    assert next_business_day(day) == expected


def test_year_end_days_are_not_business_days_though_not_holidays() -> None:
    import jpholiday

    assert not jpholiday.is_holiday(date(2026, 12, 30))
    assert not is_business_day(date(2026, 12, 30))
    assert not is_business_day(date(2027, 1, 2))


# ---------------------------------------------------------------- due times


def test_digest_due_monday_nine_or_next_business_day() -> None:
    assert digest_due(IsoWeek(2026, 48), TOKYO) == jst(2026, 11, 30, 9)
    assert digest_due(IsoWeek(2026, 47), TOKYO) == jst(2026, 11, 24, 9)  # Monday 11/23 is a holiday
    assert digest_due(IsoWeek(2025, 52), TOKYO) == jst(2026, 1, 5, 9)


def test_reminder_due_thursday_fifteen() -> None:
    assert reminder_due(IsoWeek(2026, 48), TOKYO) == jst(2026, 11, 26, 15)
    assert reminder_due(IsoWeek(2026, 53), TOKYO) == jst(2027, 1, 4, 15)  # Thursday 12/31 is closed


def test_holiday_monday_posts_on_tuesday() -> None:
    assert due_digest_weeks(jst(2026, 11, 23, 9), TOKYO) == []
    assert due_digest_weeks(jst(2026, 11, 24, 8, 59), TOKYO) == []
    assert due_digest_weeks(jst(2026, 11, 24, 9), TOKYO) == [IsoWeek(2026, 47)]


def test_year_end_shift_posts_both_weeks_once_in_january() -> None:
    assert due_digest_weeks(jst(2025, 12, 29, 9), TOKYO) == []
    assert due_digest_weeks(jst(2025, 12, 30, 9), TOKYO) == []
    assert due_digest_weeks(jst(2026, 1, 5, 9), TOKYO) == [IsoWeek(2025, 52), IsoWeek(2026, 1)]


def test_missed_run_is_caught_up_within_the_same_week_only() -> None:
    # The bot was down on Monday 12/7 09:00; it comes back on Wednesday.
    assert due_digest_weeks(jst(2026, 12, 9, 14), TOKYO) == [IsoWeek(2026, 49)]
    assert due_digest_weeks(jst(2026, 12, 13, 23, 59), TOKYO) == [IsoWeek(2026, 49)]
    # Next Monday before 09:00 the old one is stale and the new one not yet due.
    assert due_digest_weeks(jst(2026, 12, 14, 8), TOKYO) == []
    assert due_digest_weeks(jst(2026, 12, 14, 9), TOKYO) == [IsoWeek(2026, 50)]


def test_reminders_due_from_thursday_to_sunday() -> None:
    assert due_reminder_weeks(jst(2026, 11, 26, 14, 59), TOKYO) == []
    assert due_reminder_weeks(jst(2026, 11, 26, 15), TOKYO) == [IsoWeek(2026, 48)]
    assert due_reminder_weeks(jst(2026, 11, 27, 15), TOKYO) == [IsoWeek(2026, 48)]
    assert due_reminder_weeks(jst(2026, 11, 30, 15), TOKYO) == []


def test_due_times_do_not_depend_on_the_host_time_zone() -> None:
    """Asia/Tokyo has no DST; the host may (TZ=America/New_York): nothing here reads the host's zone."""
    before = (due_digest_weeks(jst(2026, 3, 9, 9), TOKYO), digest_due(IsoWeek(2026, 10), TOKYO))
    old = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    try:
        after = (due_digest_weeks(jst(2026, 3, 9, 9), TOKYO), digest_due(IsoWeek(2026, 10), TOKYO))
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()
    assert before == after == ([IsoWeek(2026, 10)], jst(2026, 3, 9, 9))


# ---------------------------------------------------------------- triggers


def test_digest_trigger_fires_at_midnight_utc_all_year() -> None:
    """09:00 JST is 00:00 UTC on every weekday, across the dates where other zones change their clocks."""
    trigger = digest_trigger(TOKYO)
    fire = trigger.get_next_fire_time(None, datetime(2026, 3, 6, 12, tzinfo=UTC))  # Friday before US DST
    fires = []
    while fire is not None and len(fires) < 300:
        fires.append(fire)
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    assert {f.astimezone(UTC).time() for f in fires} == {datetime(2026, 1, 1, 0, 0).time()}
    assert {f.astimezone(TOKYO).weekday() for f in fires} == {0, 1, 2, 3, 4}
    assert fires[-1] > datetime(2026, 11, 2, tzinfo=UTC)  # past the autumn DST changes elsewhere


def test_register_jobs_wires_triggers_with_deliberate_options() -> None:
    clock = FakeClock(jst(2026, 11, 24, 10))
    ran: list[tuple[str, datetime]] = []
    deps = JobDeps(
        tz=TOKYO,
        clock=clock,
        run_digest=lambda now: ran.append(("digest", now)),
        run_reminders=lambda now: ran.append(("reminders", now)),
    )
    scheduler = BackgroundScheduler(timezone=TOKYO)
    assert register_jobs(scheduler, deps) == [DIGEST_JOB_ID, CATCH_UP_JOB_ID, REMINDER_JOB_ID]
    jobs = {job.id: job for job in scheduler.get_jobs()}
    for job in jobs.values():
        assert job.coalesce is True
        assert job.misfire_grace_time == MISFIRE_GRACE_SECONDS
        assert job.max_instances == 1
    digest = jobs[DIGEST_JOB_ID].trigger
    assert digest.get_next_fire_time(None, clock()) == jst(2026, 11, 25, 9)
    assert jobs[REMINDER_JOB_ID].trigger.get_next_fire_time(None, clock()) == jst(2026, 11, 24, 15)
    assert jobs[CATCH_UP_JOB_ID].trigger.get_next_fire_time(None, clock()) == clock()
    assert not scheduler.running  # registering never starts anything

    clock.advance(days=1)
    jobs[DIGEST_JOB_ID].func()
    jobs[REMINDER_JOB_ID].func()
    assert ran == [("digest", clock()), ("reminders", clock())]


def test_without_a_digest_channel_only_reminders_are_scheduled() -> None:
    scheduler = BackgroundScheduler(timezone=TOKYO)
    deps = JobDeps(tz=TOKYO, clock=FakeClock(jst(2026, 11, 24, 10)), run_reminders=lambda now: None)
    assert register_jobs(scheduler, deps) == [REMINDER_JOB_ID]


def test_a_failing_job_is_logged_and_does_not_escape(caplog: pytest.LogCaptureFixture) -> None:
    def broken(now: datetime) -> None:
        raise RuntimeError("database away")

    scheduler = BackgroundScheduler(timezone=TOKYO)
    register_jobs(scheduler, JobDeps(tz=TOKYO, clock=FakeClock(jst(2026, 11, 30, 9)), run_digest=broken))
    with caplog.at_level(logging.ERROR, logger="jobs.schedule"):
        scheduler.get_job(DIGEST_JOB_ID).func()
    assert "scheduled job digest failed" in caplog.text
