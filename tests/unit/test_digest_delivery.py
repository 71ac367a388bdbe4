"""post_digest, catch_up and send_reminders with the fake notifier, a SQLite ledger and a fake clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.slack.digest import render_digest
from jobs.delivery import DIGEST_KIND, DigestJob, catch_up, post_digest, send_reminders
from jobs.digest import build_digest
from jobs.notify import PermanentDeliveryError, RetryPolicy, TransientDeliveryError, call_with_retry
from jobs.weeks import IsoWeek
from storage.progress import ReportStatus
from tests.digest_fixtures import TOKYO, DigestDb, jst
from tests.fakes import FakeClock, FakeNotifier

W48 = IsoWeek(2026, 48)
CHANNEL = "C0DX"


@pytest.fixture
def retry(sleeps: list[float]) -> RetryPolicy:
    return RetryPolicy(attempts=4, base_delay=1.0, sleep=sleeps.append, jitter=lambda: 1.0)


def long_week(db: DigestDb) -> None:
    for n, initiative in enumerate(db.repos.initiatives.all()):
        for k, status in enumerate((ReportStatus.PREPARING, ReportStatus.IN_PROGRESS)):
            db.report("ULEAD1", initiative.id, status, jst(2026, 11, 24, 9, n, k), note="長いメモ。" * 200)


def test_posted_once_then_refused_until_forced(db: DigestDb, retry: RetryPolicy) -> None:
    notifier = FakeNotifier()
    digest = build_digest(db.repos, W48, jst(2026, 11, 30, 9), TOKYO)
    first = post_digest(digest, notifier, db.ledger, jst(2026, 11, 30, 9), channel=CHANNEL, chart=b"png", retry=retry)
    again = post_digest(digest, notifier, db.ledger, jst(2026, 11, 30, 10), channel=CHANNEL, chart=b"png", retry=retry)
    assert (first.outcome, again.outcome) == ("posted", "already_posted")
    assert len(notifier.top_level) == 1 and again.message_ts == first.message_ts
    assert notifier.uploads[0]["thread_ts"] == first.message_ts
    forced = post_digest(digest, notifier, db.ledger, jst(2026, 11, 30, 11), channel=CHANNEL, force=True, retry=retry)
    assert forced.outcome == "posted" and len(notifier.top_level) == 2


def test_rate_limits_are_retried_after_the_servers_delay(db: DigestDb, retry: RetryPolicy, sleeps: list[float]) -> None:
    notifier = FakeNotifier()
    notifier.fail("post", TransientDeliveryError("ratelimited", retry_after=7), TransientDeliveryError("ratelimited", retry_after=7))
    digest = build_digest(db.repos, W48, jst(2026, 11, 30, 9), TOKYO)
    outcome = post_digest(digest, notifier, db.ledger, jst(2026, 11, 30, 9), channel=CHANNEL, retry=retry)
    assert outcome.outcome == "posted"
    assert sleeps == [7, 7]
    assert len(notifier.top_level) == 1


def test_server_errors_back_off_exponentially_then_give_up(sleeps: list[float], retry: RetryPolicy) -> None:
    def always_failing() -> str:
        raise TransientDeliveryError("internal_error")

    with pytest.raises(TransientDeliveryError):
        call_with_retry(always_failing, retry)
    assert sleeps == [1.0, 2.0, 4.0]


def test_a_failed_main_message_leaves_the_week_unposted(db: DigestDb, retry: RetryPolicy) -> None:
    notifier = FakeNotifier()
    notifier.fail("post", PermanentDeliveryError("not_in_channel"))
    digest = build_digest(db.repos, W48, jst(2026, 11, 30, 9), TOKYO)
    failed = post_digest(digest, notifier, db.ledger, jst(2026, 11, 30, 9), channel=CHANNEL, retry=retry)
    assert failed.outcome == "failed" and "not_in_channel" in (failed.error or "")
    assert notifier.messages == [] and not db.ledger.is_posted(DIGEST_KIND, W48.key, CHANNEL)
    later = post_digest(digest, notifier, db.ledger, jst(2026, 11, 30, 10), channel=CHANNEL, retry=retry)
    assert later.outcome == "posted" and len(notifier.top_level) == 1


def test_a_failed_continuation_is_resumed_in_the_same_thread(db: DigestDb, retry: RetryPolicy) -> None:
    long_week(db)
    notifier = FakeNotifier()
    digest = build_digest(db.repos, W48, jst(2026, 11, 30, 9), TOKYO)
    assert len(render_digest(digest)) >= 2
    # The main message goes out, then every attempt at the first continuation fails.
    original = notifier.post
    calls = {"n": 0}

    def flaky(target, message, thread=None):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if thread is not None and calls["n"] <= 1 + retry.attempts:
            raise TransientDeliveryError("internal_error")
        return original(target, message, thread)

    notifier.post = flaky  # type: ignore[method-assign]
    failed = post_digest(digest, notifier, db.ledger, jst(2026, 11, 30, 9), channel=CHANNEL, chart=b"png", retry=retry)
    assert failed.outcome == "failed"
    record = db.ledger.get(DIGEST_KIND, W48.key, CHANNEL)
    assert record is not None and record.status == "failed" and record.steps_done == 2  # main + chart
    main_ts = failed.message_ts

    resumed = post_digest(digest, notifier, db.ledger, jst(2026, 11, 30, 10), channel=CHANNEL, chart=b"png", retry=retry)
    assert resumed.outcome == "posted" and resumed.message_ts == main_ts
    assert len(notifier.top_level) == 1  # never a second main message
    thread = [m for m in notifier.messages if m["thread_ts"] == main_ts]
    assert len(thread) >= 1 and len(notifier.uploads) == 1
    assert [m["text"].split("（続き ")[1] for m in thread] == [f"{i}/{len(thread) + 1}）" for i in range(2, len(thread) + 2)]


def job_for(db: DigestDb, notifier: FakeNotifier, retry: RetryPolicy) -> DigestJob:
    return DigestJob(repos=db.repos, notifier=notifier, ledger=db.ledger, channel=CHANNEL, tz=TOKYO, retry=retry, with_chart=False)


def test_catch_up_posts_a_missed_digest_once_within_the_week(db: DigestDb, retry: RetryPolicy) -> None:
    notifier = FakeNotifier()
    job = job_for(db, notifier, retry)
    clock = FakeClock(jst(2026, 11, 30, 8, 59))
    assert catch_up(clock(), job) == []  # not yet due
    clock.now = jst(2026, 12, 2, 14)  # the bot was down on Monday; it comes back on Wednesday
    (outcome,) = catch_up(clock(), job)
    assert (outcome.period, outcome.outcome) == ("2026-W48", "posted")
    clock.advance(hours=1)
    assert catch_up(clock(), job) == []  # a restart, the next scheduled run: nothing more
    clock.now = jst(2026, 12, 7, 9)
    assert [o.period for o in catch_up(clock(), job)] == ["2026-W49"]
    assert ["2026-W48" in m["text"] for m in notifier.top_level] == [True, False]
    assert len(notifier.top_level) == 2


def test_holiday_monday_digest_goes_out_on_tuesday(db: DigestDb, retry: RetryPolicy) -> None:
    notifier = FakeNotifier()
    job = job_for(db, notifier, retry)
    assert catch_up(jst(2026, 11, 23, 9), job) == []  # 勤労感謝の日
    assert [o.period for o in catch_up(jst(2026, 11, 24, 9), job)] == ["2026-W47"]
    assert catch_up(jst(2026, 11, 25, 9), job) == []


def test_reminders_go_to_leaders_of_stale_initiatives_once_a_week(db: DigestDb, retry: RetryPolicy) -> None:
    db.report("ULEAD1", "1-02", ReportStatus.IN_PROGRESS, jst(2026, 10, 1, 10))  # stale by late November
    db.report("ULEAD2", "2-02", ReportStatus.IN_PROGRESS, jst(2026, 11, 20, 10))  # fresh
    db.report("ULEAD1", "1-03", ReportStatus.PREPARING, jst(2026, 10, 2, 10), note="<!channel>")
    notifier = FakeNotifier()
    thursday = jst(2026, 11, 26, 15)
    outcomes = send_reminders(thursday, repos=db.repos, notifier=notifier, ledger=db.ledger, tz=TOKYO, retry=retry)
    assert [(o.target, o.outcome) for o in outcomes] == [("ULEAD1", "posted")]
    (dm,) = notifier.dms
    assert dm["user"] == "ULEAD1" and "1-02 書かない窓口" in dm["text"] and "1-03" in dm["text"]
    assert "2-02" not in dm["text"] and "<!" not in dm["text"]
    again = send_reminders(thursday + timedelta(hours=20), repos=db.repos, notifier=notifier, ledger=db.ledger, tz=TOKYO, retry=retry)
    assert again == [] and len(notifier.dms) == 1
    assert send_reminders(jst(2026, 11, 26, 14), repos=db.repos, notifier=notifier, ledger=db.ledger, tz=TOKYO, retry=retry) == []
