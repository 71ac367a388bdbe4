"""Issue 14's fault tests with real processes (tests/e2e/intake_scenarios.py; benchmarks/intake_faults.py
prints the same counts): kill -9 in a burst of reports, a 10-second lock on the tables, slow-loris clients
against `dxbot serve`. The first two run on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.bot_process import ROOT
from tests.e2e.fake_slack import FakeSlack
from tests.e2e.intake_scenarios import (
    SLACK_ACK_SECONDS,
    bot_starter,
    crash_burst,
    slow_loris,
    stalled_database,
)

HEADER_TIMEOUT = 5.0


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.mark.slow
def test_300_slow_loris_connections_cost_nobody_an_answer_and_are_dropped_at_the_header_deadline(
    tmp_path: Path, fake: FakeSlack
) -> None:
    start = bot_starter(
        f"sqlite:///{tmp_path / 'bot.sqlite3'}", fake, tmp_path, ROOT, ("--header-timeout", str(HEADER_TIMEOUT))
    )
    bot = start()
    try:
        counts = slow_loris(bot, fake, connections=300, duration=HEADER_TIMEOUT + 4, questions=8, checkpoints=(4, 9))
    finally:
        assert bot.terminate() == 0
    assert counts.opened == 300, counts.notes
    assert counts.healthz_failures == 0 and counts.healthz_max_seconds < 1.0
    assert counts.questions_answered == counts.questions
    assert counts.dropped_by["4s"] == 0  # nobody is dropped early: the deadline is the header timeout…
    assert counts.still_open_at_end == 0  # …and every one of them is dropped by it
    assert counts.drop_seconds_max is not None and counts.drop_seconds_max < HEADER_TIMEOUT + 1.5
    assert "Traceback" not in "".join(bot.output)


@pytest.mark.slow
def test_kill_9_in_a_burst_of_60_reports_then_redelivery_stores_and_confirms_each_exactly_once(
    db_url: str, tmp_path: Path, fake: FakeSlack
) -> None:
    counts = crash_burst(db_url, fake, bot_starter(db_url, fake, tmp_path, ROOT), reports=60, kill_after=40)
    # The kill came in the middle of the burst: some reports were acknowledged, the rest had to be redelivered.
    assert 40 <= counts.acked_before_kill < 60 and counts.redelivered >= 60 - counts.acked_before_kill
    assert (counts.stored, counts.lost, counts.duplicated) == (60, 0, 0)
    # Each one confirmed exactly once, also those whose worker was killed between recording the outcome and
    # recording its delivery: the resumed delivery looks for the confirmation in the thread before posting.
    assert (counts.confirmed_once, counts.unconfirmed, counts.confirmed_twice, counts.confirmed_absent) == (
        60, 0, 0, 0
    ), counts


@pytest.mark.slow
def test_a_10_second_lock_on_the_tables_costs_no_ack_and_no_report_ends_half_done(
    db_url: str, tmp_path: Path, fake: FakeSlack
) -> None:
    counts = stalled_database(
        db_url, fake, bot_starter(db_url, fake, tmp_path, ROOT), lock_seconds=10, reports=8, questions=12
    )
    # Slack's limit is the acceptance criterion: every one of the 20 is acknowledged within 3 seconds.
    assert counts.not_acked == 0 and counts.acked_in_time == 20, counts.ack_seconds
    assert counts.ack_seconds_max < SLACK_ACK_SECONDS
    # Each report ends stored and confirmed, or refused and absent; nothing in between, nothing twice.
    assert counts.stored_and_confirmed + counts.refused_and_absent == 8, counts
    assert (counts.stored_unconfirmed, counts.confirmed_absent, counts.refused_but_stored) == (0, 0, 0)
    assert counts.report_without_reply == 0 and counts.duplicated == 0
    assert counts.questions_answered == 12
