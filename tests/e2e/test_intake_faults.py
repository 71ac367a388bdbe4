"""Issue 14's fault tests with real processes (tests/e2e/intake_scenarios.py; benchmarks/intake_faults.py
prints the same counts): slow-loris clients against `dxbot serve`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.bot_process import ROOT
from tests.e2e.fake_slack import FakeSlack
from tests.e2e.intake_scenarios import bot_starter, slow_loris

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
