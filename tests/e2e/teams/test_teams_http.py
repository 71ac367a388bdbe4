"""Teams end to end: Teams-shaped activities over real HTTP to the Agents SDK app; replies at a fake connector.

Each test posts what Teams posts to /api/messages and reads what the SDK delivered to the fake Bot
Connector (or, for a card click, the invoke response that replaces the card).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from storage.feedback import FeedbackRepository
from tests.e2e.teams.conftest import (
    ADMIN_AAD,
    CHANNEL,
    LEADER_AAD,
    STAFF_AAD,
    TeamsBot,
    card_actions,
    card_texts,
    invoke_card,
)
from tests.fakes import pin_ambiguous


def all_feedback(bot: TeamsBot) -> list[Any]:
    return FeedbackRepository(bot.services.sessions).between(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def stored_keys(bot: TeamsBot) -> list[str]:
    return bot.agent.directory.storage.store.keys("")


# ---------------------------------------------------------------- install


def test_install_in_a_team_welcomes_once_and_keeps_the_channel_for_the_digest(teams_bot: TeamsBot) -> None:
    activity = teams_bot.teams.activity("conversation_update_team_install")
    assert teams_bot.teams.post(activity).status in (200, 202)
    welcome = teams_bot.fake.wait_for(1)[0]
    assert welcome.conversation_id == CHANNEL
    assert "DX推進ボットです" in welcome.text
    assert "`@dxbot ヘルプ`" in welcome.text  # a channel writes commands with the mention
    assert f"proactive/conversations/{CHANNEL}" in stored_keys(teams_bot)
    # Someone else joining the team later: no second welcome.
    other = teams_bot.teams.activity(
        "conversation_update_team_install", membersAdded=[{"id": "29:someone-else", "aadObjectId": STAFF_AAD}]
    )
    assert teams_bot.teams.post(other).status in (200, 202)
    assert len(teams_bot.fake.delivered()) == 1


def test_personal_install_welcomes_with_commands_written_for_a_personal_chat(teams_bot: TeamsBot) -> None:
    teams_bot.teams.post(teams_bot.teams.activity("conversation_update_personal_install"))
    welcome = teams_bot.fake.wait_for(1)[0]
    assert "`ヘルプ`" in welcome.text and "@dxbot" not in welcome.text
    keys = stored_keys(teams_bot)
    assert f"dxbot/teams/users/{LEADER_AAD}" in keys  # reminders can reach this person


# ---------------------------------------------------------------- questions


def test_personal_question_is_answered_with_its_source_and_feedback_buttons(teams_bot: TeamsBot) -> None:
    reply = teams_bot.teams.say("DX推進リーダーは何人？")
    assert reply.method == "reply" and reply.conversation_id.startswith("a:1Personal")
    card = reply.cards[0]
    assert card["version"] == "1.5"
    texts = card_texts(card)
    assert any(t.startswith("出典:") for t in texts), texts
    assert [a["title"] for a in card_actions(card)] == ["役に立った", "違った"]
    assert all(a["type"] == "Action.Execute" and a["fallback"]["type"] == "Action.Submit" for a in card_actions(card))


def test_channel_mention_is_answered_in_its_thread(teams_bot: TeamsBot) -> None:
    activity = teams_bot.teams.activity("message_channel_mention")
    assert teams_bot.teams.post(activity).status in (200, 202)
    reply = teams_bot.fake.wait_for(1)[0]
    # The thread is the conversation id with ;messageid= of the post; the reply answers that activity.
    assert reply.conversation_id == f"{CHANNEL};messageid={activity['id']}"
    assert reply.reply_to == activity["id"]
    assert any(t.startswith("出典:") for t in card_texts(reply.cards[0]))
    # Addressed in a channel: the channel (without the thread) is kept for proactive posts.
    assert f"proactive/conversations/{CHANNEL}" in stored_keys(teams_bot)


def test_help_in_a_channel_writes_commands_with_the_mention(teams_bot: TeamsBot) -> None:
    activity = teams_bot.teams.activity("message_channel_mention", text="<at>dxbot</at> ヘルプ")
    teams_bot.teams.post(activity)
    reply = teams_bot.fake.wait_for(1)[0]
    assert "`@dxbot 報告" in reply.text
    assert "/dx" not in reply.text and "*" not in reply.text.replace("**", "")


def test_user_text_cannot_mention_or_link(teams_bot: TeamsBot) -> None:
    reply = teams_bot.teams.say("<at>全員</at> **至急** [ここ](https://evil.example) @channel 見て")
    text = reply.text + "".join(card_texts(reply.cards[0])) if reply.cards else reply.text
    assert "https://evil" not in text and "](" not in text and "<at>" not in text


def test_redelivered_activity_is_handled_once(teams_bot: TeamsBot) -> None:
    activity = teams_bot.teams.activity("message_personal", text="報告 書かない窓口 実施中 40%")
    assert teams_bot.teams.post(activity).status in (200, 202)
    teams_bot.fake.wait_for(1)
    assert teams_bot.teams.post(activity).status in (200, 202)  # Teams retries with the same id
    assert len(teams_bot.fake.delivered()) == 1
    history = teams_bot.services.progress.history("書かない窓口")
    assert len(history.reports) == 1


# ---------------------------------------------------------------- cards


def test_choice_card_picks_an_answer_in_place(teams_bot: TeamsBot) -> None:
    question = pin_ambiguous(teams_bot.services)
    reply = teams_bot.teams.say(question)
    card = reply.cards[0]
    assert "もしかして" in card_texts(card)[0]
    choices = card_actions(card)
    assert [a["title"][:2] for a in choices] == ["1.", "2.", "3."]
    picked = invoke_card(teams_bot.teams.click(choices[0]))
    texts = card_texts(picked)
    assert any(t.startswith("出典:") for t in texts)
    assert texts[0] == f"質問: {question}"
    assert [a["title"] for a in card_actions(picked)] == ["役に立った", "違った"]
    verdicts = all_feedback(teams_bot)
    assert [(v.verdict.value, v.entry_id) for v in verdicts] == [("picked", choices[0]["data"]["e"])]


def test_feedback_invoke_is_stored_and_the_buttons_become_thanks(teams_bot: TeamsBot) -> None:
    card = teams_bot.teams.say("DX推進リーダーは何人？").cards[0]
    wrong = next(a for a in card_actions(card) if a["title"] == "違った")
    after = invoke_card(teams_bot.teams.click(wrong))
    assert card_actions(after) == []
    assert any("違った" in t and "ありがとう" in t for t in card_texts(after))
    stored = all_feedback(teams_bot)
    assert [(f.verdict.value, f.user_id, f.question_log_id is not None) for f in stored] == [("wrong", LEADER_AAD, True)]


# ---------------------------------------------------------------- reports


def test_leader_reports_and_reads_the_status_back(teams_bot: TeamsBot) -> None:
    confirmation = teams_bot.teams.say("報告 書かない窓口 実施中 60% 来庁者アンケート実施")
    assert "報告を記録しました" in confirmation.text
    status = teams_bot.teams.say("状況 書かない窓口")
    assert "実施中" in status.text and "60%" in status.text and "山田 花子" in status.text


def test_unregistered_user_is_refused_and_nothing_recorded(teams_bot: TeamsBot) -> None:
    refusal = teams_bot.teams.say("報告 書かない窓口 実施中 60%", user=STAFF_AAD)
    assert "登録" in refusal.text and "記録しました" not in refusal.text
    assert teams_bot.services.progress.history("書かない窓口").reports == ()
    form = teams_bot.teams.say("報告", user=STAFF_AAD)
    assert not form.cards and "登録" in form.text  # no form for someone who may not report


def test_form_shows_errors_on_its_fields_then_records(teams_bot: TeamsBot) -> None:
    form_message = teams_bot.teams.say("報告")
    form = form_message.cards[0]
    choice_sets = {i["id"]: i for i in form["body"] if i.get("type") == "Input.ChoiceSet"}
    titles = [c["title"] for c in choice_sets["initiative"]["choices"]]
    assert titles[0].startswith("①") and titles[-1].startswith("③")  # grouped by reform, in order
    submit = card_actions(form)[0]
    inputs = {"initiative": "1-02", "status": "in_progress", "percent": "150", "note": "アンケート"}
    again = invoke_card(teams_bot.teams.click(submit, inputs=inputs))
    body = again["body"]
    at = next(i for i, item in enumerate(body) if item.get("id") == "percent")
    assert body[at + 1]["color"] == "Attention" and "0〜100" in body[at + 1]["text"]
    assert body[at]["value"] == "150"  # what was typed is kept
    assert teams_bot.services.progress.history("1-02").reports == ()
    done = invoke_card(teams_bot.teams.click(submit, inputs={**inputs, "percent": "70"}))
    assert any("報告を記録しました" in t for t in card_texts(done))
    history = teams_bot.services.progress.history("1-02")
    assert [(r.percent, r.note) for r in history.reports] == [(70, "アンケート")]


def test_admin_form_offers_departments(teams_bot: TeamsBot) -> None:
    form = teams_bot.teams.say("報告", user=ADMIN_AAD).cards[0]
    assert any(item.get("id") == "department" for item in form["body"])


# ---------------------------------------------------------------- auth and errors


def test_no_token_is_refused_when_anonymous_is_off(start_teams_bot, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    bot = start_teams_bot(sqlite_url, anonymous=False, teams_app_password="test-secret-not-used")
    result = bot.teams.post(bot.teams.activity("message_personal"))
    assert result.status == 401
    assert bot.fake.calls == []


def test_forged_token_is_refused_even_when_anonymous(teams_bot: TeamsBot) -> None:
    forged = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImZvcmdlZCJ9.eyJhdWQiOiIxMTExIn0.c2lnbmF0dXJl"
    result = teams_bot.teams.post(teams_bot.teams.activity("message_personal"), {"Authorization": f"Bearer {forged}"})
    assert result.status == 401
    assert teams_bot.fake.calls == []


def test_health_check_needs_no_token(teams_bot: TeamsBot) -> None:
    import urllib.request

    with urllib.request.urlopen(teams_bot.server.url + "/healthz", timeout=5) as reply:
        assert reply.status == 200


def test_unexpected_error_is_logged_and_the_user_told_in_japanese(
    teams_bot: TeamsBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(ctx: Any, text: str) -> Any:
        raise ZeroDivisionError("secret internals")

    monkeypatch.setattr(teams_bot.agent.core, "handle", broken)
    with caplog.at_level(logging.ERROR):
        reply = teams_bot.teams.say("DX推進リーダーは何人？")
    assert "エラーが発生しました" in reply.text
    assert "secret internals" not in reply.text and "Exception" not in reply.text
    assert any(r.exc_info and r.exc_info[0] is ZeroDivisionError for r in caplog.records)


def test_a_retry_of_an_activity_whose_turn_failed_is_worked_not_dropped(
    teams_bot: TeamsBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = teams_bot.agent.core.handle
    calls: list[str] = []

    def broken_once(ctx: Any, text: str) -> Any:
        calls.append(text)
        if len(calls) == 1:
            raise ZeroDivisionError("the first turn fails")
        return real(ctx, text)

    monkeypatch.setattr(teams_bot.agent.core, "handle", broken_once)
    activity = teams_bot.teams.activity("message_personal", text="報告 書かない窓口 実施中 40%")
    teams_bot.teams.post(activity)
    assert "エラーが発生しました" in teams_bot.fake.wait_for(1)[0].text
    # Teams retries it with the same id, at once: the failed turn gave its lease back, so it is worked now.
    teams_bot.teams.post(activity)
    assert "報告を記録しました" in teams_bot.fake.wait_for(2)[1].text
    assert len(calls) == 2 and len(teams_bot.services.progress.history("書かない窓口").reports) == 1
