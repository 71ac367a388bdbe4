"""The weekly digest and reminders to Teams, end to end: the stored conversation reference, the SDK's
proactive send to the fake connector, the delivery ledger shared by two bot processes, Teams' limits."""

from __future__ import annotations

import threading

import pytest

from bot.directory import teams_staff_key
from bot.teams.digest import TeamsDeliveryNotifier
from bot.teams.notifier import Pacer, TeamsNotifier
from bot.teams.render import MESSAGE_LIMIT_BYTES, utf16_len
from jobs.chart import render_chart
from jobs.delivery import DIGEST_KIND, post_digest, send_reminders
from jobs.digest import build_digest
from jobs.notify import RetryPolicy
from jobs.weeks import IsoWeek
from knowledge.kb import KnowledgeBase
from storage.ledger import DeliveryLedger
from storage.progress import ReportStatus
from tests.digest_fixtures import TOKYO, jst, make_digest_db
from tests.e2e.teams.conftest import CHANNEL, LEADER_AAD, TeamsBot

W48 = IsoWeek(2026, 48)
POSTED_AT = jst(2026, 11, 30, 9)


@pytest.fixture
def retry(sleeps: list[float]) -> RetryPolicy:
    return RetryPolicy(attempts=4, sleep=sleeps.append, jitter=lambda: 0.0)


def notifier(bot: TeamsBot, pacer: Pacer | None = None) -> TeamsDeliveryNotifier:
    return TeamsDeliveryNotifier(
        TeamsNotifier(bot.agent.adapter, bot.agent.directory, pacer=pacer), bot.agent.core.teams_object_id
    )


def install_in_team(bot: TeamsBot) -> None:
    assert bot.teams.post(bot.teams.activity("conversation_update_team_install")).status in (200, 202)
    bot.fake.wait_for(1)  # the welcome
    bot.fake.calls.clear()


def main_posts(bot: TeamsBot) -> list:  # type: ignore[type-arg]
    return [c for c in bot.fake.delivered() if c.method == "send" and c.conversation_id == CHANNEL]


def test_two_processes_post_the_digest_once_with_its_chart_in_the_thread(
    start_teams_bot, sqlite_url: str, bundled_kb: KnowledgeBase, retry: RetryPolicy  # type: ignore[no-untyped-def]
) -> None:
    db = make_digest_db(sqlite_url, bundled_kb)
    db.report("ULEAD1", "1-02", ReportStatus.IN_PROGRESS, jst(2026, 11, 24, 10), percent=60, note="<at>全員</at> 確認")
    digest = build_digest(db.repos, W48, POSTED_AT, TOKYO)
    chart = render_chart(digest)
    first, second = start_teams_bot(sqlite_url, register_staff=False), start_teams_bot(sqlite_url, register_staff=False)
    install_in_team(first)  # the reference is stored by one process and read by the other
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def post(bot: TeamsBot) -> None:
        barrier.wait()
        ledger = DeliveryLedger(bot.services.sessions)
        outcome = post_digest(
            digest, notifier(bot), ledger, POSTED_AT, channel=CHANNEL, chart=chart, retry=retry
        )
        outcomes.append(outcome.outcome)

    threads = [threading.Thread(target=post, args=(bot,)) for bot in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    try:
        assert sorted(outcomes) in (["in_progress", "posted"], ["already_posted", "posted"])
        posts = main_posts(first)
        assert len(posts) == 1
        assert "DX推進 週次ダイジェスト 2026-W48" in posts[0].text
        assert "<at>" not in posts[0].text and "＜at＞全員" in posts[0].text  # a note cannot mention anyone
        assert "`@dxbot 状況`" in posts[0].text and "/dx" not in posts[0].text
        thread_id = f"{CHANNEL};messageid="
        replies = [c for c in first.fake.delivered() if c.conversation_id.startswith(thread_id)]
        images = [c for c in replies if c.images]
        assert len(images) == 1 and images[0].images[0]["contentUrl"].startswith("data:image/png;base64,")
        assert all(utf16_len(c.text) <= MESSAGE_LIMIT_BYTES for c in first.fake.delivered())
        assert db.ledger.is_posted(DIGEST_KIND, W48.key, CHANNEL)
        # A later run for the same week posts nothing.
        again = post_digest(digest, notifier(second), DeliveryLedger(second.services.sessions), POSTED_AT, channel=CHANNEL)
        assert again.outcome == "already_posted" and len(main_posts(first)) == 1
    finally:
        db.engine.dispose()


def test_rate_limited_then_posted_honouring_retry_after(
    teams_bot: TeamsBot, sqlite_url: str, bundled_kb: KnowledgeBase, retry: RetryPolicy, sleeps: list[float]
) -> None:
    db = make_digest_db(sqlite_url, bundled_kb)
    install_in_team(teams_bot)
    teams_bot.fake.fail_next(429, retry_after=3)
    teams_bot.fake.fail_next(412)
    digest = build_digest(db.repos, W48, POSTED_AT, TOKYO)
    outcome = post_digest(digest, notifier(teams_bot), db.ledger, POSTED_AT, channel=CHANNEL, retry=retry)
    try:
        assert outcome.outcome == "posted"
        assert [c.status for c in teams_bot.fake.calls[:3]] == [429, 412, 201]
        assert sleeps == [3.0, 1.0]  # Retry-After honoured; then the policy's own backoff
        assert len(main_posts(teams_bot)) == 1
    finally:
        db.engine.dispose()


def test_a_refused_post_is_permanent_and_leaves_the_week_unposted(
    teams_bot: TeamsBot, sqlite_url: str, bundled_kb: KnowledgeBase, retry: RetryPolicy, sleeps: list[float]
) -> None:
    db = make_digest_db(sqlite_url, bundled_kb)
    install_in_team(teams_bot)
    teams_bot.fake.fail_next(403)
    digest = build_digest(db.repos, W48, POSTED_AT, TOKYO)
    outcome = post_digest(digest, notifier(teams_bot), db.ledger, POSTED_AT, channel=CHANNEL, retry=retry)
    try:
        assert outcome.outcome == "failed" and "403" in (outcome.error or "") and sleeps == []
        assert not db.ledger.is_posted(DIGEST_KIND, W48.key, CHANNEL)
    finally:
        db.engine.dispose()


def test_a_channel_the_bot_was_never_added_to_is_a_clear_failure(teams_bot: TeamsBot, sqlite_url: str, bundled_kb: KnowledgeBase) -> None:
    db = make_digest_db(sqlite_url, bundled_kb)
    digest = build_digest(db.repos, W48, POSTED_AT, TOKYO)
    outcome = post_digest(digest, notifier(teams_bot), db.ledger, POSTED_AT, channel=CHANNEL)
    try:
        assert outcome.outcome == "failed" and "install" in (outcome.error or "")
        assert teams_bot.fake.calls == []
    finally:
        db.engine.dispose()


def most_in_window(times: list[float], span: float) -> int:
    """The most arrivals seen within any `span` seconds."""
    return max(sum(1 for t in times if start <= t < start + span) for start in times)


@pytest.mark.slow
def test_long_text_is_split_within_teams_limit_and_paced(teams_bot: TeamsBot) -> None:
    install_in_team(teams_bot)
    teams = TeamsNotifier(teams_bot.agent.adapter, teams_bot.agent.directory)
    line = "進捗の報告がありました。" * 40
    first = teams.post_text(CHANNEL, "\n\n".join([line] * 520))  # about 250,000 UTF-16 units
    sent = teams_bot.fake.delivered()
    assert len(sent) >= 9
    assert all(utf16_len(c.text) <= MESSAGE_LIMIT_BYTES for c in sent)
    assert sent[0].conversation_id == CHANNEL
    assert all(c.conversation_id == f"{CHANNEL};messageid={first}" for c in sent[1:])
    # Teams' throttle, counted where Teams counts it: on arrival.
    arrivals = [c.at for c in sent]
    assert most_in_window(arrivals, 1.0) <= 7
    assert most_in_window(arrivals, 2.0) <= 8
    assert arrivals[8] - arrivals[0] >= 2.0  # the ninth waited for the two-second window


def test_pacer_spaces_sends_per_conversation() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 4))
        now[0] += seconds

    pacer = Pacer(7.0, margin=1.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        pacer.wait(CHANNEL)
    pacer.wait("a:another-chat")  # another conversation is not held up
    pacer.wait(f"{CHANNEL};messageid=1")  # a thread is the same conversation to the throttle
    assert slept == [0.1429, 0.1429, 0.1429]


def test_pacer_keeps_every_teams_window_with_a_margin() -> None:
    now = [0.0]
    sends: list[float] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    pacer = Pacer(clock=lambda: now[0], sleep=sleep)
    for _ in range(70):
        pacer.wait(CHANNEL)
        sends.append(now[0])
    assert all(b - a >= 1.1 / 7 - 1e-9 for a, b in zip(sends, sends[1:], strict=False))
    for limit, span in ((7, 1.1), (8, 2.2), (60, 33.0)):
        assert most_in_window(sends, span - 1e-9) <= limit, (limit, span)
    assert sends[8] - sends[0] == pytest.approx(2.2)
    assert sends[60] - sends[0] == pytest.approx(33.0)


def test_reminder_goes_to_the_leaders_personal_chat_once(
    teams_bot: TeamsBot, sqlite_url: str, bundled_kb: KnowledgeBase, retry: RetryPolicy
) -> None:
    teams_bot.teams.post(teams_bot.teams.activity("conversation_update_personal_install"))
    teams_bot.fake.wait_for(1)
    assert "記録しました" in teams_bot.teams.say("報告 1-02 実施中").text  # 2026-11-24
    teams_bot.fake.calls.clear()
    repos = _repos(teams_bot)
    now = jst(2026, 12, 24, 15)  # Thursday 15:00: nothing reported on 1-02 for 4 weeks
    args = dict(repos=repos, notifier=notifier(teams_bot), ledger=DeliveryLedger(teams_bot.services.sessions), tz=TOKYO, retry=retry)
    outcomes = send_reminders(now, **args)  # type: ignore[arg-type]
    assert [o.outcome for o in outcomes if o.target == teams_staff_key(LEADER_AAD)] == ["posted"]  # the staff key
    sent = teams_bot.fake.delivered()
    assert len(sent) == 1 and sent[0].conversation_id.startswith("a:1Personal")
    assert "`報告 ＜取組み＞ ＜状況＞" in sent[0].text and "/dx" not in sent[0].text
    assert send_reminders(now, **args) == []  # type: ignore[arg-type]
    assert len(teams_bot.fake.delivered()) == 1


def _repos(bot: TeamsBot):  # type: ignore[no-untyped-def]
    return bot.services.digest_repos()


def test_chart_fits_in_a_teams_message(sqlite_url: str, bundled_kb: KnowledgeBase) -> None:
    db = make_digest_db(sqlite_url, bundled_kb)
    try:
        chart = render_chart(build_digest(db.repos, W48, POSTED_AT, TOKYO))
        # Inline as base64 (4/3 larger): well under Teams' 100 KB message limit.
        assert len(chart) * 4 / 3 < 100_000
    finally:
        db.engine.dispose()
