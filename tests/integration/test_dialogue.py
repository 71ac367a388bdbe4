"""Dialogue in the core, the same for every platform: number picks, greetings and thanks."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.replies import Answer, Choices, Message, Refusal
from storage.models import QuestionLog
from tests.fakes import pin_ambiguous
from tests.integration.conftest import say
from tests.rendering import text_of


@pytest.fixture
def bot(make_services, sqlite_url):  # type: ignore[no-untyped-def]
    made = make_services(sqlite_url)
    pin_ambiguous(made)
    return made


def logged(bot) -> int:  # type: ignore[no-untyped-def]
    with bot.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(QuestionLog)))


def feedback_rows(bot):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    now = bot.clock()
    return bot.feedback.repository.between(now - timedelta(days=1), now + timedelta(days=1))


def test_a_number_picks_from_the_pending_choices_and_records_the_pick(bot) -> None:  # type: ignore[no-untyped-def]
    choices = say(bot, "U1", "WG")
    assert isinstance(choices, Choices) and len(choices.choices) == 3
    picked = say(bot, "U1", "２")  # full-width, as typed on a Japanese keyboard
    assert isinstance(picked, Answer) and picked.entry_id == choices.choices[1].entry_id
    assert picked.log_id == choices.log_id  # tied to the question it answers, for feedback
    assert [(r.entry_id, r.verdict, r.question_log_id) for r in feedback_rows(bot)] == [
        (choices.choices[1].entry_id, "picked", choices.log_id)
    ]
    # Picked once: the choices are no longer pending.
    again = say(bot, "U1", "2")
    assert isinstance(again, Message) and "候補は、いまはありません" in text_of(again)


def test_a_number_outside_the_choices_asks_for_one_that_fits(bot) -> None:  # type: ignore[no-untyped-def]
    choices = say(bot, "U1", "WG")
    before = logged(bot)
    wrong = say(bot, "U1", "4")
    assert isinstance(wrong, Refusal) and text_of(wrong) == "1〜3の番号で選んでください。"
    assert logged(bot) == before  # not taken for a question about WG④
    right = say(bot, "U1", "3")  # the choices are still there
    assert isinstance(right, Answer) and right.entry_id == choices.choices[2].entry_id


def test_a_number_with_nothing_pending_gets_a_short_help_not_an_answer(bot) -> None:  # type: ignore[no-untyped-def]
    reply = say(bot, "U1", "4")
    assert isinstance(reply, Message) and "候補は、いまはありません" in text_of(reply) and "/dx ヘルプ" in text_of(reply)
    assert logged(bot) == 0


def test_choices_are_kept_per_conversation_and_person(bot) -> None:  # type: ignore[no-untyped-def]
    say(bot, "U1", "WG")
    other = say(bot, "U2", "1")  # someone else in the same channel
    assert isinstance(other, Message) and "候補は、いまはありません" in text_of(other)
    elsewhere = say(bot, "U1", "1", platform="slack")  # the same ID on another platform is another conversation
    assert isinstance(elsewhere, Message)
    assert isinstance(say(bot, "U1", "1"), Answer)


def test_anything_else_in_between_drops_the_choices(bot) -> None:  # type: ignore[no-untyped-def]
    say(bot, "U1", "WG")
    assert isinstance(say(bot, "U1", "DX推進リーダーは何人？"), Answer)
    assert isinstance(say(bot, "U1", "1"), Message)


@pytest.mark.parametrize("text", ["こんにちは", "おはようございます！", "こんばんは。", "Hello", "よろしくお願いします"])
def test_greetings_get_a_friendly_reply(bot, text: str) -> None:  # type: ignore[no-untyped-def]
    reply = say(bot, "U1", text)
    assert isinstance(reply, Message) and "DX推進ボットです" in text_of(reply)
    assert logged(bot) == 0  # not a question the knowledge base failed to answer


@pytest.mark.parametrize("text", ["ありがとう", "ありがとうございました！", "助かった", "助かりました。", "thanks"])
def test_thanks_get_a_friendly_reply(bot, text: str) -> None:  # type: ignore[no-untyped-def]
    reply = say(bot, "U1", text)
    assert isinstance(reply, Message) and "どういたしまして" in text_of(reply)
    assert logged(bot) == 0


def test_a_greeting_with_a_question_is_a_question(bot) -> None:  # type: ignore[no-untyped-def]
    reply = say(bot, "U1", "こんにちは、DX推進リーダーは何人？")
    assert isinstance(reply, Answer) and "10名程度" in reply.answer


def test_an_answer_offers_its_related_entries_and_a_number_picks_one(make_services, sqlite_url) -> None:  # type: ignore[no-untyped-def]
    bot = make_services(sqlite_url)
    answer = say(bot, "U1", "DXとは何ですか")
    assert isinstance(answer, Answer) and answer.related, "the intent entry links its follow-ups"
    rows_before = feedback_rows(bot)
    follow_up = say(bot, "U1", "1")
    assert isinstance(follow_up, Answer) and follow_up.entry_id == answer.related[0].entry_id
    assert feedback_rows(bot) == rows_before  # a follow-up is no pick for the question asked
    outside = say(bot, "U1", str(len(follow_up.related) + 1)) if follow_up.related else None
    if outside is not None:
        assert isinstance(outside, Refusal) and text_of(outside) == f"1〜{len(follow_up.related)}の番号で選んでください。"


def test_a_topic_the_plan_covers_without_the_attribute_asked_shows_the_note(make_services, sqlite_url) -> None:  # type: ignore[no-untyped-def]
    from bot.replies import NoAnswer

    bot = make_services(sqlite_url)
    reply = say(bot, "U1", "DX推進リーダーの名前を教えて")
    assert isinstance(reply, NoAnswer)
    text = text_of(reply)
    assert "計画には担当者の名前は書かれていません" in text and "10名程度" in text
    assert "事務局（政策企画課）" in text and "記載がないか" not in text
