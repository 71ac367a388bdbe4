"""Weeks, business days and when each scheduled delivery is due, as plain functions of an aware `now`.

Every instant is an aware datetime; the local calendar comes from a ZoneInfo (DXBOT_TZ, Asia/Tokyo by
default), never from the host's time zone. Asia/Tokyo has no daylight saving time, but nothing here
assumes that: local wall times are turned into instants through zoneinfo.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import jpholiday

from knowledge import patterns

DIGEST_TIME = time(9, 0)  # Monday 09:00, moved to the next business day
REMINDER_WEEKDAY = 3  # Thursday
REMINDER_TIME = time(15, 0)

_WEEK = patterns.compile(r"^\s*(\d{4})-?[Ww](\d{1,2})\s*$")


class InvalidWeek(ValueError):
    """A --week value that is not an ISO week such as 2026-W48."""


@dataclass(frozen=True, order=True)
class IsoWeek:
    """An ISO 8601 week (Monday–Sunday)."""

    year: int
    week: int

    def __post_init__(self) -> None:
        try:
            date.fromisocalendar(self.year, self.week, 1)
        except ValueError as error:
            raise InvalidWeek(f"{self.year}-W{self.week:02d} is not an ISO week") from error

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """`2026-W48` (also `2026W48`, `2026-w48`)."""
        found = _WEEK.match(text)
        if found is None:
            raise InvalidWeek(f"not an ISO week: {text!r}")
        return cls(int(found.group(1)), int(found.group(2)))

    @classmethod
    def containing(cls, day: date) -> IsoWeek:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @property
    def key(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    def __str__(self) -> str:
        return self.key

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    def day(self, weekday: int) -> date:
        """The date of `weekday` (0 = Monday) in this week."""
        return self.monday + timedelta(days=weekday)

    def shift(self, weeks: int) -> IsoWeek:
        return IsoWeek.containing(self.monday + timedelta(weeks=weeks))

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[Monday 00:00, next Monday 00:00) local, as aware instants."""
        return local_midnight(self.monday, tz), local_midnight(self.monday + timedelta(days=7), tz)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz)


def local_date(now: datetime, tz: ZoneInfo) -> date:
    if now.tzinfo is None:
        raise ValueError("an aware datetime is required")
    return now.astimezone(tz).date()


def current_week(now: datetime, tz: ZoneInfo) -> IsoWeek:
    return IsoWeek.containing(local_date(now, tz))


def previous_week(now: datetime, tz: ZoneInfo) -> IsoWeek:
    """The last complete Monday–Sunday before `now` (the default week of a digest)."""
    return current_week(now, tz).shift(-1)


# ---------------------------------------------------------------- business days


def is_year_end_closure(day: date) -> bool:
    """年末年始: the city hall is closed 12/29–1/3 (not national holidays, so jpholiday does not know them)."""
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and not jpholiday.is_holiday(day) and not is_year_end_closure(day)


def next_business_day(day: date) -> date:
    """`day` itself when it is a business day, else the first business day after it."""
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


# ---------------------------------------------------------------- due times


def digest_due(week: IsoWeek, tz: ZoneInfo) -> datetime:
    """When the digest of `week` is due: the following Monday 09:00, or the next business day's 09:00."""
    day = next_business_day(week.shift(1).monday)
    return datetime.combine(day, DIGEST_TIME, tzinfo=tz)


def reminder_due(week: IsoWeek, tz: ZoneInfo) -> datetime:
    """When the stale-initiative reminders of `week` are due: Thursday 15:00, or the next business day's."""
    day = next_business_day(week.day(REMINDER_WEEKDAY))
    return datetime.combine(day, REMINDER_TIME, tzinfo=tz)


def catch_up_deadline(due: datetime, tz: ZoneInfo) -> datetime:
    """A missed delivery is still made until the end of the week in which it fell due; after that it is stale."""
    return IsoWeek.containing(local_date(due, tz)).shift(1).bounds(tz)[0]


def due_digest_weeks(now: datetime, tz: ZoneInfo) -> list[IsoWeek]:
    """Weeks whose digest is due at `now` and not yet stale, oldest first.

    Usually one (last week, from Monday 09:00 to Sunday). Around 年末年始 the holiday shift can make two
    weeks fall due on the same day (2025-W52 and 2026-W01 both on Monday 2026-01-05): both are posted,
    each once, oldest first; neither is dropped.
    """
    return _due_weeks(now, tz, (3, 2, 1), digest_due)


def due_reminder_weeks(now: datetime, tz: ZoneInfo) -> list[IsoWeek]:
    """Weeks whose reminders are due at `now` and not yet stale, oldest first."""
    return _due_weeks(now, tz, (2, 1, 0), reminder_due)


def _due_weeks(
    now: datetime, tz: ZoneInfo, weeks_back: tuple[int, ...], due_at: Callable[[IsoWeek, ZoneInfo], datetime]
) -> list[IsoWeek]:
    """Of the weeks `weeks_back` before this one, those due at `now` whose catch-up window is still open."""
    this_week = current_week(now, tz)
    due = []
    for back in weeks_back:
        week = this_week.shift(-back)
        at = due_at(week, tz)
        if at <= now < catch_up_deadline(at, tz):
            due.append(week)
    return due
