"""The weekly digest against the fake Slack Web API: SlackNotifier (slack_sdk WebClient) end to end."""

from __future__ import annotations

import json
import threading

import pytest

from bot.slack.blocks import MESSAGE_BLOCK_LIMIT, SECTION_LIMIT
from bot.slack.digest import HEADER_LIMIT, MESSAGE_TEXT_LIMIT, block_text_length
from bot.slack.notifier import SlackNotifier
from jobs.chart import render_chart
from jobs.delivery import DIGEST_KIND, post_digest
from jobs.digest import Digest, build_digest
from jobs.notify import RetryPolicy
from jobs.weeks import IsoWeek
from knowledge.kb import KnowledgeBase
from storage.db import create_db_engine, create_session_factory
from storage.ledger import DeliveryLedger
from storage.progress import ReportStatus
from tests.digest_fixtures import TOKYO, DigestDb, jst, make_digest_db
from tests.e2e.conftest import BOT_TOKEN
from tests.e2e.fake_slack import FakeSlack

W48 = IsoWeek(2026, 48)
CHANNEL = "C0DXCHAN1"
POSTED_AT = jst(2026, 11, 30, 9)


@pytest.fixture
def retry(sleeps: list[float]) -> RetryPolicy:
    return RetryPolicy(attempts=4, sleep=sleeps.append, jitter=lambda: 0.0)


def notifier_for(fake: FakeSlack) -> SlackNotifier:
    return SlackNotifier.from_settings(BOT_TOKEN, fake.api_url)


def main_posts(fake: FakeSlack) -> list:  # type: ignore[type-arg]
    return [c for c in fake.calls_to("chat.postMessage") if not c.params.get("thread_ts")]


def week_digest(db: DigestDb) -> Digest:
    return build_digest(db.repos, W48, POSTED_AT, TOKYO)


def test_two_concurrent_posts_give_one_digest(db_url: str, bundled_kb: KnowledgeBase, fake_slack: FakeSlack, retry: RetryPolicy) -> None:
    first = make_digest_db(db_url, bundled_kb)
    first.report("ULEAD1", "1-02", ReportStatus.IN_PROGRESS, jst(2026, 11, 24, 10))
    digest = week_digest(first)
    other_engine = create_db_engine(db_url)  # a second bot process (or `dxbot digest post`) on the same database
    ledgers = [first.ledger, DeliveryLedger(create_session_factory(other_engine))]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def post(ledger: DeliveryLedger) -> None:
        barrier.wait()
        outcome = post_digest(digest, notifier_for(fake_slack), ledger, POSTED_AT, channel=CHANNEL, chart=b"\x89PNG", retry=retry)
        outcomes.append(outcome.outcome)

    threads = [threading.Thread(target=post, args=(ledger,)) for ledger in ledgers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    try:
        assert sorted(outcomes) in (["in_progress", "posted"], ["already_posted", "posted"])
        assert len(main_posts(fake_slack)) == 1
        assert len(fake_slack.calls_to("files.completeUploadExternal")) == 1
        assert first.ledger.is_posted(DIGEST_KIND, W48.key, CHANNEL)
    finally:
        other_engine.dispose()
        first.engine.dispose()


def test_rate_limited_twice_then_posted_once(db: DigestDb, fake_slack: FakeSlack, retry: RetryPolicy, sleeps: list[float]) -> None:
    fake_slack.fail_next("chat.postMessage", times=2, status=429, retry_after=3)
    outcome = post_digest(week_digest(db), notifier_for(fake_slack), db.ledger, POSTED_AT, channel=CHANNEL, retry=retry)
    assert outcome.outcome == "posted"
    assert sleeps == [3.0, 3.0]  # Retry-After honoured, and nothing else slept
    assert len(main_posts(fake_slack)) == 3  # two refused, one accepted
    record = db.ledger.get(DIGEST_KIND, W48.key, CHANNEL)
    assert record is not None and record.status == "posted" and record.message_ts == outcome.message_ts


def test_server_errors_back_off_and_a_failure_leaves_the_week_unposted(
    db: DigestDb, fake_slack: FakeSlack, retry: RetryPolicy, sleeps: list[float]
) -> None:
    fake_slack.fail_next("chat.postMessage", times=4, status=503, retry_after=None, error="service_unavailable")
    failed = post_digest(week_digest(db), notifier_for(fake_slack), db.ledger, POSTED_AT, channel=CHANNEL, retry=retry)
    assert failed.outcome == "failed" and "xoxb" not in (failed.error or "")
    assert sleeps == [0.5, 1.0, 2.0]  # exponential backoff (jitter pinned low)
    assert not db.ledger.is_posted(DIGEST_KIND, W48.key, CHANNEL)
    later = post_digest(week_digest(db), notifier_for(fake_slack), db.ledger, POSTED_AT, channel=CHANNEL, retry=retry)
    assert later.outcome == "posted"


def test_twenty_eight_initiatives_with_long_notes_split_within_limits(db: DigestDb, fake_slack: FakeSlack, retry: RetryPolicy) -> None:
    for n, initiative in enumerate(db.repos.initiatives.all()):
        for k, status in enumerate((ReportStatus.PREPARING, ReportStatus.IN_PROGRESS)):
            db.report("ULEAD1", initiative.id, status, jst(2026, 11, 24, 9, n, k), percent=50, note=f"{initiative.id}/{k} " + "詳細な経過。" * 180)
    outcome = post_digest(week_digest(db), notifier_for(fake_slack), db.ledger, POSTED_AT, channel=CHANNEL, retry=retry)
    assert outcome.outcome == "posted"
    posts = fake_slack.calls_to("chat.postMessage")
    assert len(posts) >= 2
    assert [bool(p.params.get("thread_ts")) for p in posts] == [False] + [True] * (len(posts) - 1)
    assert {p.params["thread_ts"] for p in posts[1:]} == {outcome.message_ts}
    for post in posts:
        blocks = post.blocks
        assert len(blocks) <= MESSAGE_BLOCK_LIMIT
        assert sum(block_text_length(b) for b in blocks) <= MESSAGE_TEXT_LIMIT
        for block in blocks:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= SECTION_LIMIT
            if block["type"] == "header":
                assert len(block["text"]["text"]) <= HEADER_LIMIT
    sent = json.dumps([p.blocks for p in posts], ensure_ascii=False)
    for initiative in db.repos.initiatives.all():
        assert f"{initiative.id}/0 " in sent and f"{initiative.id}/1 " in sent


def test_a_note_with_channel_ping_goes_out_escaped(db: DigestDb, fake_slack: FakeSlack, retry: RetryPolicy) -> None:
    db.report("ULEAD1", "1-02", ReportStatus.IN_PROGRESS, jst(2026, 11, 24, 10), note="<!channel> 至急 <!here|here> & <@U0ADMIN01>")
    post_digest(week_digest(db), notifier_for(fake_slack), db.ledger, POSTED_AT, channel=CHANNEL, retry=retry)
    (post,) = fake_slack.calls_to("chat.postMessage")
    sent = json.dumps({"blocks": post.blocks, "text": post.params.get("text")}, ensure_ascii=False)
    assert "<!channel>" not in sent and "<!here" not in sent and "<@U0ADMIN01>" not in sent
    assert "&lt;!channel&gt; 至急 &lt;!here|here&gt; &amp; &lt;@U0ADMIN01&gt;" in sent


def test_the_chart_is_uploaded_into_the_digest_thread(db: DigestDb, fake_slack: FakeSlack, retry: RetryPolicy) -> None:
    db.report("ULEAD1", "1-02", ReportStatus.IN_PROGRESS, jst(2026, 11, 24, 10))
    digest = week_digest(db)
    outcome = post_digest(
        digest, notifier_for(fake_slack), db.ledger, POSTED_AT, channel=CHANNEL, chart=render_chart(digest), retry=retry
    )
    assert outcome.outcome == "posted"
    (ask,) = fake_slack.calls_to("files.getUploadURLExternal")
    assert ask.params["filename"] == "dx-digest-2026-W48.png"
    assert fake_slack.uploads and b"\x89PNG\r\n\x1a\n" in fake_slack.uploads[0]
    (complete,) = fake_slack.calls_to("files.completeUploadExternal")
    assert complete.params["channel_id"] == CHANNEL and complete.params["thread_ts"] == outcome.message_ts
    files = complete.params["files"]
    files = json.loads(files) if isinstance(files, str) else files
    assert files[0]["title"] == "DX推進 週次ダイジェスト 2026-W48（11/23〜11/29） 状況グラフ"


def test_cli_post_is_idempotent_and_force_posts_again(
    db: DigestDb, sqlite_url: str, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.setenv("DXBOT_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)
    monkeypatch.setenv("DXBOT_DIGEST_CHANNEL", CHANNEL)
    monkeypatch.delenv("DXBOT_DIRECTORY", raising=False)
    assert main(["digest", "post", "--week", "2026-W48"]) == 0
    assert "投稿しました" in capsys.readouterr().out
    assert main(["digest", "post", "--week", "2026-W48"]) == 0
    out = capsys.readouterr().out
    assert "投稿済み" in out and "--force" in out
    assert len(main_posts(fake_slack)) == 1
    assert main(["digest", "post", "--week", "2026-W48", "--force"]) == 0
    assert len(main_posts(fake_slack)) == 2
    assert BOT_TOKEN not in capsys.readouterr().out

    assert main(["digest", "preview", "--week", "2026-W48"]) == 0
    preview = capsys.readouterr().out
    assert preview.startswith("DX推進 週次ダイジェスト 2026-W48（11/23〜11/29）")
