"""Retention of personal data: old question-log rows and feedback are purged daily (injected time) and by
`dxbot db purge`; everything younger, and the progress reports, stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select

from bot.cli import main
from bot.settings import Settings
from jobs.retention import purge_question_log
from jobs.schedule import RETENTION_CATCH_UP_JOB_ID, RETENTION_JOB_ID, JobDeps, register_jobs
from storage.db import create_db_engine, create_session_factory, upgrade_database
from storage.feedback import FeedbackRepository, Verdict
from storage.models import AnswerFeedback, QuestionLog
from storage.repositories import QuestionLogRepository
from storage.retention import Purged, RetentionRepository
from tests.fakes import FakeClock

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 12, 1, 3, 30, tzinfo=TOKYO)


def ask_at(sessions, at: datetime, text: str) -> int:  # type: ignore[no-untyped-def]
    # In UTC, as Services.log_question writes it (the repository stores what it is given).
    return QuestionLogRepository(sessions).record(
        text=text, status="answered", score=0.9, entry_id="e1", asked_at=at.astimezone(UTC), user_id="U1", channel="C1", platform="slack"
    )


def judge(sessions, question_id: int | None, at: datetime) -> None:  # type: ignore[no-untyped-def]
    FeedbackRepository(sessions).record(question_log_id=question_id, entry_id="e1", user_id="U2", verdict=Verdict.WRONG, at=at)


def remaining(sessions) -> tuple[list[str], int]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        texts = sorted(session.scalars(select(QuestionLog.text)))
        return texts, int(session.scalar(select(func.count()).select_from(AnswerFeedback)) or 0)


def test_the_daily_job_purges_what_is_older_than_the_retention(sessions) -> None:  # type: ignore[no-untyped-def]
    year = timedelta(days=365)
    old = ask_at(sessions, NOW - year - timedelta(seconds=1), "old")
    judge(sessions, old, NOW - timedelta(days=3))  # recent feedback on an old question goes with it
    kept = ask_at(sessions, NOW - year + timedelta(seconds=1), "kept")
    judge(sessions, kept, NOW - timedelta(days=2))
    judge(sessions, None, NOW - year - timedelta(days=1))  # old feedback on no logged question
    ask_at(sessions, NOW - timedelta(minutes=1), "today")

    purged = purge_question_log(NOW, repo=RetentionRepository(sessions), days=365)
    assert purged == Purged(questions=1, feedback=2)
    assert remaining(sessions) == (["kept", "today"], 1)
    assert purge_question_log(NOW, repo=RetentionRepository(sessions), days=365) == Purged(0, 0), "idempotent"
    # A day later the row that was one second inside the year has gone too.
    assert purge_question_log(NOW + timedelta(days=1), repo=RetentionRepository(sessions), days=365) == Purged(1, 1)
    assert remaining(sessions) == (["today"], 0)


def test_retention_is_scheduled_daily_with_a_catch_up_at_start() -> None:
    clock = FakeClock(datetime(2026, 11, 24, 10, 0, tzinfo=TOKYO))
    ran: list[datetime] = []
    scheduler = BackgroundScheduler(timezone=TOKYO)
    ids = register_jobs(scheduler, JobDeps(tz=TOKYO, clock=clock, run_retention=ran.append))
    assert ids == [RETENTION_JOB_ID, RETENTION_CATCH_UP_JOB_ID]
    jobs = {job.id: job for job in scheduler.get_jobs()}
    daily = jobs[RETENTION_JOB_ID].trigger
    first = daily.get_next_fire_time(None, clock())
    assert first == datetime(2026, 11, 25, 3, 30, tzinfo=TOKYO)
    assert daily.get_next_fire_time(first, first + timedelta(seconds=1)) == datetime(2026, 11, 26, 3, 30, tzinfo=TOKYO)
    assert jobs[RETENTION_CATCH_UP_JOB_ID].trigger.get_next_fire_time(None, clock()) == clock()
    clock.advance(days=1)
    jobs[RETENTION_JOB_ID].func()
    assert ran == [clock()], "the job gets the injected time"


def test_db_purge_by_hand(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    monkeypatch.setenv("DXBOT_DATABASE_URL", url)
    engine = create_db_engine(url)
    upgrade_database(engine)
    sessions = create_session_factory(engine)
    try:
        ask_at(sessions, datetime(2025, 11, 30, 14, 59, tzinfo=UTC), "before")  # 2025-11-30 23:59 JST
        ask_at(sessions, datetime(2025, 11, 30, 15, 0, tzinfo=UTC), "on the day")  # 2025-12-01 00:00 JST
        ask_at(sessions, datetime.now(UTC) - timedelta(days=40), "forty days ago")
        ask_at(sessions, datetime.now(UTC), "now")
        assert main(["db", "purge", "--before", "2025-12-01"]) == 0
        out = capsys.readouterr().out
        assert "2025-12-01 00:00（Asia/Tokyo）より前の質問ログ 1 件と回答への評価 0 件を削除しました。" in out
        assert remaining(sessions)[0] == ["forty days ago", "now", "on the day"]

        monkeypatch.setenv("DXBOT_QUESTION_LOG_DAYS", "30")  # without --before: the configured retention
        assert main(["db", "purge"]) == 0
        assert "質問ログ 2 件" in capsys.readouterr().out
        assert remaining(sessions)[0] == ["now"]

        with pytest.raises(SystemExit) as exited:
            main(["db", "purge", "--before", "12/01"])
        assert exited.value.code == 2 and "2025-12-01 のように" in capsys.readouterr().err
    finally:
        engine.dispose()


@pytest.mark.parametrize("value", ["0", "-5", "一年", "365d"])
def test_a_bad_retention_setting_is_refused_in_one_japanese_line(
    value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DXBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    monkeypatch.setenv("DXBOT_QUESTION_LOG_DAYS", value)
    assert main(["db", "purge"]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "DXBOT_QUESTION_LOG_DAYS は 1 以上の日数" in lines[0] and value in lines[0]


def test_default_retention_is_a_year() -> None:
    assert Settings.from_env({}).question_log_days == 365
    assert Settings.from_env({"DXBOT_QUESTION_LOG_DAYS": "90"}).question_log_days == 90


def test_the_running_bot_schedules_the_purge_with_its_settings(make_services, sqlite_url: str, clock) -> None:  # type: ignore[no-untyped-def]
    from bot.scheduling import start_scheduler, stop_scheduler
    from tests.fakes import FakeNotifier

    services = make_services(sqlite_url, question_log_days=30)
    ask_at(services.sessions, clock() - timedelta(days=31), "old")
    ask_at(services.sessions, clock() - timedelta(days=29), "kept")
    scheduler = start_scheduler(services, FakeNotifier())
    try:
        # The start-up catch-up may already have run (it is due at once); the daily job runs with the bot's clock.
        job = scheduler.get_job(RETENTION_JOB_ID)
        assert job is not None
        job.func()
    finally:
        stop_scheduler(scheduler)
    assert remaining(services.sessions)[0] == ["kept"]
