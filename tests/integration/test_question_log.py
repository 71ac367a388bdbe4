"""The question log on SQLite and PostgreSQL: migrations from empty, and every question kept."""

from __future__ import annotations

from sqlalchemy import inspect

from bot.replies import Answer, Choices, NoAnswer
from storage.db import create_db_engine, current_revision, upgrade_database
from tests.rendering import chat


def test_migrations_run_from_empty(db_url: str) -> None:
    engine = create_db_engine(db_url)
    try:
        assert current_revision(engine) is None
        upgrade_database(engine)
        assert current_revision(engine) is not None
        assert "question_log" in inspect(engine).get_table_names()
        upgrade_database(engine)  # a second run changes nothing and does not fail
    finally:
        engine.dispose()


def test_every_question_is_logged_with_its_outcome(services, clock) -> None:  # type: ignore[no-untyped-def]
    ctx = chat("U1", "C1", "slack")
    answered = services.handle(ctx, "DX推進リーダーは何人？")
    unknown = services.handle(ctx, "有給休暇の申請方法を教えて")
    assert isinstance(answered, Answer)
    assert isinstance(unknown, (NoAnswer, Choices))

    logged = services.question_log.between(clock.now.replace(hour=0), clock.now.replace(hour=23))
    assert [q.text for q in logged] == ["DX推進リーダーは何人？", "有給休暇の申請方法を教えて"]
    assert logged[0].status == "answered" and logged[0].entry_id == answered.entry_id
    assert logged[0].user_id == "U1"
    assert logged[1].status != "answered" and logged[1].entry_id is None
    assert answered.log_id == logged[0].id


def test_a_logged_question_is_read_back_for_the_card_that_echoes_it(services) -> None:  # type: ignore[no-untyped-def]
    asked = services.handle(chat("U1", "C1", "slack"), "DX推進リーダーは何人？ 090-1234-5678")
    assert isinstance(asked, NoAnswer | Answer | Choices) and asked.log_id is not None
    assert services.questions.logged_question(asked.log_id) == "DX推進リーダーは何人？ ［電話番号］"  # as logged: redacted
    # what a forged button may carry instead of a log id
    for not_logged in (asked.log_id + 1000, str(asked.log_id), None, 1.5):
        assert services.questions.logged_question(not_logged) is None
