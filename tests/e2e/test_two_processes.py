"""Two `dxbot serve` processes on one PostgreSQL, as docs/deploy.md runs them behind a reverse proxy: they
start together on an empty database (migrations at start, under the lock), 40 reports and 10 redelivered
events are spread across them, and each is stored or answered exactly once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import PG_URL, _pg_schema_url
from tests.e2e.bot_process import BotProcess, mention, start_bot_process, write_directory
from tests.e2e.fake_slack import RESPONSE_URL_METHOD, FakeSlack
from tests.e2e.intake_scenarios import reply_text, stored_notes, wait_quiet

LEADERS = ["U0LEAD001", "U0LEAD002", "U0LEAD003", "U0LEAD004"]
REPORTS = 40
EVENTS = 10  # every other one a report by mention, the rest questions; each delivered twice
PREFIX = "two-proc-"


@pytest.fixture
def pg_url() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("DXBOT_TEST_PG_URL is not set")
    yield from _pg_schema_url()


@pytest.fixture
def two_bots(pg_url: str, fake_slack: FakeSlack, tmp_path: Path) -> Iterator[list[BotProcess]]:
    directory = write_directory(tmp_path / "staff.yaml", LEADERS)
    with ThreadPoolExecutor(2) as pool:  # both start at once on the empty schema
        starting = [pool.submit(start_bot_process, pg_url, fake_slack.api_url, directory=directory) for _ in range(2)]
        bots = [future.result() for future in starting]
    yield bots
    for bot in bots:
        bot.terminate()


def event_payload(number: int) -> dict:  # type: ignore[type-arg]
    ts = f"1764000000.{number:06d}"
    if number % 2 == 0:
        text = f"報告 書かない窓口 実施中 {50 + number}% {PREFIX}e{number:02d}"
        return mention(LEADERS[number % 4], text, event_id=f"Ev{number:08d}", ts=ts)
    return mention(LEADERS[number % 4], "DX推進リーダーは何人？", event_id=f"Ev{number:08d}", ts=ts)


@pytest.mark.slow
@pytest.mark.postgres
def test_two_processes_store_or_answer_each_request_exactly_once(
    two_bots: list[BotProcess], fake_slack: FakeSlack, pg_url: str
) -> None:
    def report(number: int) -> int | None:
        bot = two_bots[number % 2]
        text = f"報告 書かない窓口 実施中 {number}% {PREFIX}r{number:02d}"
        return bot.command(
            text, user_id=LEADERS[number % 4], response_url=fake_slack.response_url(f"r{number}"), trigger_id=f"tr{number}"
        ).status

    def deliver_twice(number: int) -> list[int | None]:
        # The first delivery to one process, Slack's redelivery (X-Slack-Retry-Num) to the other, at once.
        payload = event_payload(number)
        with ThreadPoolExecutor(2) as pool:
            first = pool.submit(two_bots[number % 2].event, payload)
            again = pool.submit(two_bots[(number + 1) % 2].event, payload, retry_num=1)
            return [first.result().status, again.result().status]

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(report, range(REPORTS)))
        event_statuses = list(pool.map(deliver_twice, range(EVENTS)))
    assert statuses == [200] * REPORTS
    assert all(status == 200 for pair in event_statuses for status in pair), event_statuses

    expected_posts = EVENTS

    def settled() -> bool:
        return (
            len(fake_slack.calls_to(RESPONSE_URL_METHOD)) >= REPORTS
            and len(fake_slack.calls_to("chat.postMessage")) >= expected_posts
        )

    wait_quiet(fake_slack, settled)
    wait_quiet(fake_slack, lambda: False, quiet=2.0, limit=10.0)  # and nothing more arrives afterwards

    notes = stored_notes(pg_url, PREFIX)
    wanted = {f"{PREFIX}r{n:02d}" for n in range(REPORTS)} | {f"{PREFIX}e{n:02d}" for n in range(0, EVENTS, 2)}
    assert set(notes) == wanted, sorted(wanted ^ set(notes))
    assert set(notes.values()) == {1}, {note: n for note, n in notes.items() if n != 1}

    confirmations = Counter(call.path for call in fake_slack.calls_to(RESPONSE_URL_METHOD))
    assert len(confirmations) == REPORTS and set(confirmations.values()) == {1}, confirmations
    assert all("記録しました" in reply_text(call) for call in fake_slack.calls_to(RESPONSE_URL_METHOD))

    posts = Counter(str(call.params.get("thread_ts")) for call in fake_slack.calls_to("chat.postMessage"))
    assert posts == Counter({str(event_payload(n)["event"]["ts"]): 1 for n in range(EVENTS)}), posts
    answers = [reply_text(c) for c in fake_slack.calls_to("chat.postMessage")]
    assert sum("10名程度" in a for a in answers) == EVENTS // 2
    assert sum("記録しました" in a for a in answers) == EVENTS // 2

    # Both processes did work (the reports alternate), and both logged one line per request they handled.
    for bot in two_bots:
        assert any("request platform=slack" in line for line in bot.output), bot.output[-5:]
