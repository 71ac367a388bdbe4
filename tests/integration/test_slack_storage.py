"""The Slack adapter's tables on SQLite and PostgreSQL: answer feedback (migration 0003), and the event
receipts it once had, which the inbox replaced and migration 0008 drops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from storage.db import alembic_config, upgrade_database
from storage.feedback import FeedbackRepository, Verdict
from storage.models import Base
from storage.repositories import QuestionLogRepository


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_migration_creates_the_feedback_table_and_downgrades_cleanly(migrated_engine: Engine) -> None:
    assert "answer_feedback" in tables(migrated_engine)
    downgrade(migrated_engine, "0002")
    assert not {"answer_feedback", "event_receipts"} & tables(migrated_engine)
    assert "question_log" in tables(migrated_engine)
    upgrade_database(migrated_engine)
    assert "answer_feedback" in tables(migrated_engine)


def test_the_event_receipts_table_is_dropped_and_a_downgrade_brings_it_back_empty(migrated_engine: Engine) -> None:
    assert "event_receipts" not in tables(migrated_engine) and "event_receipts" not in Base.metadata.tables
    downgrade(migrated_engine, "0007")
    assert "event_receipts" in tables(migrated_engine)
    assert [i["name"] for i in inspect(migrated_engine).get_indexes("event_receipts")] == ["ix_event_receipts_received_at"]
    with migrated_engine.begin() as connection:  # rows an older version left
        connection.execute(text("INSERT INTO event_receipts VALUES ('slack:Ev1', :at)"), {"at": datetime(2026, 11, 1, tzinfo=UTC)})
    upgrade_database(migrated_engine)
    assert "event_receipts" not in tables(migrated_engine) and "inbox" in tables(migrated_engine)


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
