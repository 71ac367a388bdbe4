"""The intake service (bot/intake.py) on SQLite and PostgreSQL, with a recording platform: work once, deliver
once, resume what a dead worker left, give up after too many attempts, and leave other platforms' rows alone."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.intake import TURN_LIMIT, Intake, Outcome
from storage.inbox import MAX_ATTEMPTS, Inbox, InboxItem, InboxState


class RecordingPlatform:
    def __init__(self) -> None:
        self.worked: list[str] = []
        self.delivered: list[tuple[str, dict[str, Any]]] = []
        self.pending_since: list[datetime | None] = []  # what each delivery was told about an earlier attempt
        self.gave_up: list[str] = []
        self.done = threading.Event()

    def work(self, item: InboxItem) -> Outcome:
        self.worked.append(item.key)
        return Outcome({"text": f"answer to {item.payload}"})

    def deliver(self, item: InboxItem, result: dict[str, Any], *, pending_since: datetime | None = None) -> None:
        self.delivered.append((item.key, result))
        self.pending_since.append(pending_since)
        self.done.set()

    def give_up(self, item: InboxItem) -> Outcome:
        self.gave_up.append(item.key)
        return Outcome({"text": "sorry"}, failed=True)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_intake(inbox_engine: Engine, clock: Clock) -> tuple[Intake, RecordingPlatform]:
    intake = Intake(Inbox(inbox_engine, lease=timedelta(seconds=4)), clock)
    platform = RecordingPlatform()
    intake.register("slack", platform)
    return intake, platform


def test_accepted_work_is_done_and_delivered_once_and_a_redelivery_is_ignored(inbox_engine: Engine, clock: Clock) -> None:
    intake, platform = make_intake(inbox_engine, clock)
    accepted = intake.accept("slack:event:E1", "slack", "event", {"q": 1})
    assert accepted.new and accepted.item.lease_owner == intake.owner  # stored already claimed
    assert intake.submit("slack:event:E1", accepted)
    assert platform.done.wait(10)
    assert intake.drain(10)
    again = intake.accept("slack:event:E1", "slack", "event", {"q": 1})
    assert not again.new and again.item.delivered and again.item.state is InboxState.DONE
    assert again.item.payload is None  # the user's words are not kept once decided
    assert platform.worked == ["slack:event:E1"]
    assert platform.delivered == [("slack:event:E1", {"text": "answer to {'q': 1}"})]


def test_a_dead_workers_rows_are_resumed_once_their_lease_expires(inbox_engine: Engine, clock: Clock) -> None:
    dead, _ = make_intake(inbox_engine, clock)
    dead.accept("slack:event:E2", "slack", "event", {"q": 2})  # claimed by a worker that then died
    dead.inbox.accept("teams:activity:A1", "teams", "activity", {}, clock())  # not ours to resume
    alive, platform = make_intake(inbox_engine, clock)
    assert alive.resume() == 0  # the lease still holds
    clock.now += timedelta(seconds=5)
    assert alive.resume() == 1
    assert platform.done.wait(10) and alive.drain(10)
    assert platform.worked == ["slack:event:E2"] and len(platform.delivered) == 1
    assert alive.inbox.get("teams:activity:A1").delivered is False  # type: ignore[union-attr]


def test_a_row_decided_but_not_delivered_is_delivered_from_its_result_without_working_again(
    inbox_engine: Engine, clock: Clock
) -> None:
    dead, _ = make_intake(inbox_engine, clock)
    dead.accept("slack:command:T1", "slack", "command", {"q": 3})
    decided_at = clock()
    dead.inbox.decide("slack:command:T1", dead.owner, {"text": "stored answer"}, decided_at)  # then it died
    assert dead.inbox.get("slack:command:T1").delivery_pending  # type: ignore[union-attr]
    clock.now += timedelta(seconds=5)
    alive, platform = make_intake(inbox_engine, clock)
    assert alive.resume() == 1 and platform.done.wait(10) and alive.drain(10)
    assert platform.worked == []
    assert platform.delivered == [("slack:command:T1", {"text": "stored answer"})]
    # It may have been sent before the crash: the platform is told since when, to look before sending again.
    assert platform.pending_since == [decided_at]
    row = alive.inbox.get("slack:command:T1")
    assert row is not None and row.delivered and not row.delivery_pending and row.lease_owner is None


def test_the_delivery_is_pending_while_it_is_sent_and_delivered_after(inbox_engine: Engine, clock: Clock) -> None:
    intake, _ = make_intake(inbox_engine, clock)
    seen: list[InboxItem | None] = []

    class Watching(RecordingPlatform):
        def deliver(self, item: InboxItem, result: dict[str, Any], *, pending_since: datetime | None = None) -> None:
            seen.append(intake.inbox.get(item.key))  # what a crash right now would leave
            super().deliver(item, result, pending_since=pending_since)

    platform = Watching()
    intake.register("slack", platform)
    accepted = intake.accept("slack:event:E9", "slack", "event", {"q": 9})
    assert intake.submit("slack:event:E9", accepted) and platform.done.wait(10) and intake.drain(10)
    during = seen[0]
    assert during is not None and during.delivery_pending and during.lease_owner == intake.owner
    assert during.result == {"text": "answer to {'q': 9}"} and platform.pending_since == [None]
    after = intake.inbox.get("slack:event:E9")
    assert after is not None and after.delivered and after.lease_owner is None


def test_a_request_cut_short_too_often_is_given_up_with_an_apology(inbox_engine: Engine, clock: Clock) -> None:
    intake, platform = make_intake(inbox_engine, clock)
    intake.accept("slack:event:E3", "slack", "event", {"q": 4})
    for _ in range(MAX_ATTEMPTS):  # every worker that took it died
        clock.now += timedelta(seconds=5)
        assert intake.inbox.claim("slack:event:E3", "someone", clock()) is not None
    clock.now += timedelta(seconds=5)
    assert intake.submit("slack:event:E3") and platform.done.wait(10) and intake.drain(10)
    assert platform.worked == [] and platform.gave_up == ["slack:event:E3"]
    row = intake.inbox.get("slack:event:E3")
    assert row is not None and row.state is InboxState.FAILED and row.delivered
    assert platform.delivered == [("slack:event:E3", {"text": "sorry"})]


def test_take_and_finish_for_work_done_inside_the_request(inbox_engine: Engine, clock: Clock) -> None:
    first, _ = make_intake(inbox_engine, clock)
    second, _ = make_intake(inbox_engine, clock)
    assert first.take("teams:activity:A2", "teams", "activity")
    assert not second.take("teams:activity:A2", "teams", "activity")  # being worked by the first
    clock.now += timedelta(seconds=5)  # the first died: its redelivery is worked by the second
    assert second.take("teams:activity:A2", "teams", "activity")
    second.finish("teams:activity:A2")
    assert not first.take("teams:activity:A2", "teams", "activity")  # answered: a later redelivery is dropped


def test_a_turn_taken_by_take_keeps_its_lease_while_it_runs_and_a_failed_one_is_given_back(
    inbox_engine: Engine, clock: Clock
) -> None:
    teams, _ = make_intake(inbox_engine, clock)
    other, _ = make_intake(inbox_engine, clock)  # another process, or a retry racing the turn
    assert teams.take("teams:activity:A1", "teams", "activity")
    for _ in range(3):  # a turn three leases long: renewed every second by the resume timer
        clock.now += timedelta(seconds=3)
        teams.resume()
        assert not other.take("teams:activity:A1", "teams", "activity")
    teams.finish("teams:activity:A1")
    clock.now += timedelta(seconds=5)
    assert not other.take("teams:activity:A1", "teams", "activity")  # answered: a redelivery is dropped

    assert teams.take("teams:activity:A2", "teams", "activity")
    teams.let_go("teams:activity:A2")  # the turn failed: a retry is worked at once
    assert other.take("teams:activity:A2", "teams", "activity")


def test_a_turn_that_never_ends_stops_holding_its_lease(inbox_engine: Engine, clock: Clock) -> None:
    teams, _ = make_intake(inbox_engine, clock)
    other, _ = make_intake(inbox_engine, clock)
    assert teams.take("teams:activity:A3", "teams", "activity")
    while clock.now - datetime(2026, 12, 1, 3, 0, tzinfo=UTC) <= TURN_LIMIT:
        clock.now += timedelta(seconds=2)
        teams.resume()
        assert not other.take("teams:activity:A3", "teams", "activity")
    clock.now += timedelta(seconds=5)
    teams.resume()
    assert other.take("teams:activity:A3", "teams", "activity")
