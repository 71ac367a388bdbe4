"""The Slack adapter's tables on SQLite and PostgreSQL: answer feedback and event receipts (migration 0003)."""

from __future__ import annotations

import threading
from datetime import timedelta

from alembic import command
from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session, sessionmaker

from storage.db import alembic_config, create_db_engine, create_session_factory, upgrade_database
from storage.feedback import FeedbackRepository, Verdict
from storage.receipts import EventReceiptRepository
from storage.repositories import QuestionLogRepository

TABLES = {"answer_feedback", "event_receipts"}


def test_migration_creates_the_tables_and_downgrades_cleanly(migrated_engine: Engine) -> None:
    assert TABLES <= set(inspect(migrated_engine).get_table_names())
    config = alembic_config(migrated_engine)
    with migrated_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
    assert not TABLES & set(inspect(migrated_engine).get_table_names())
    assert "question_log" in inspect(migrated_engine).get_table_names()
    upgrade_database(migrated_engine)
    assert TABLES <= set(inspect(migrated_engine).get_table_names())


def test_feedback_is_kept_with_the_question_it_is_about(sessions: sessionmaker[Session], clock) -> None:  # type: ignore[no-untyped-def]
    log_id = QuestionLogRepository(sessions).record(
        text="DX推進リーダーは何人？",
        status="answered",
        score=0.9,
        entry_id="org-1",
        asked_at=clock(),
        platform="slack",
    )
    feedback = FeedbackRepository(sessions)
    feedback.record(question_log_id=log_id, entry_id="org-1", user_id="U1", verdict=Verdict.WRONG, at=clock())
    clock.advance(minutes=1)
    feedback.record(
        question_log_id=log_id, entry_id="org-1", user_id="U1", verdict=Verdict.HELPFUL, at=clock()
    )
    feedback.record(question_log_id=None, entry_id="x", user_id="U2", verdict=Verdict.PICKED, at=clock())
    rows = feedback.for_question(log_id)
    assert [(r.user_id, r.verdict) for r in rows] == [("U1", Verdict.WRONG), ("U1", Verdict.HELPFUL)]
    assert rows[0].created_at == clock() - timedelta(minutes=1)
    assert len(feedback.between(clock() - timedelta(hours=1), clock() + timedelta(seconds=1))) == 3


def test_an_event_is_claimed_once(sessions: sessionmaker[Session], clock) -> None:  # type: ignore[no-untyped-def]
    receipts = EventReceiptRepository(sessions)
    assert receipts.claim("slack:Ev1", clock()) is True
    assert receipts.claim("slack:Ev1", clock()) is False
    assert receipts.claim("slack:Ev2", clock()) is True
    assert receipts.seen("slack:Ev1") and not receipts.seen("slack:Ev3")


def test_concurrent_claims_from_two_processes_let_exactly_one_win(migrated_engine: Engine, db_url: str, clock) -> None:  # type: ignore[no-untyped-def]
    second_engine = create_db_engine(db_url)  # a second process: its own migrated_engine and connection pool
    try:
        repositories = [
            EventReceiptRepository(create_session_factory(migrated_engine)),
            EventReceiptRepository(create_session_factory(second_engine)),
        ]
        results: list[bool] = []
        lock = threading.Lock()
        barrier = threading.Barrier(8)

        def claim(index: int) -> None:
            barrier.wait()
            won = repositories[index % 2].claim("slack:EvRace", clock())
            with lock:
                results.append(won)

        threads = [threading.Thread(target=claim, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert sorted(results) == [False] * 7 + [True]
    finally:
        second_engine.dispose()


def test_old_receipts_are_pruned(sessions: sessionmaker[Session], clock) -> None:  # type: ignore[no-untyped-def]
    receipts = EventReceiptRepository(sessions)
    receipts.claim("slack:old", clock() - timedelta(days=3))
    receipts.claim("slack:new", clock())
    assert receipts.prune(clock() - timedelta(days=2)) == 1
    assert not receipts.seen("slack:old") and receipts.seen("slack:new")
