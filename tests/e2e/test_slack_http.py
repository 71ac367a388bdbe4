"""The real Bolt app over HTTP (`dxbot serve`'s server) against the fake Slack, with signed requests."""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import pytest
from sqlalchemy import select

from bot.console import GENERIC_ERROR
from storage.feedback import Verdict
from storage.models import AnswerFeedback, ProgressReport
from tests.e2e.conftest import (
    ADMIN,
    BOT_TOKEN,
    LEADER,
    SIGNING_SECRET,
    STAFF,
    SlackBot,
    block_text,
    buttons,
    sign,
)
from tests.e2e.fake_slack import BOT_USER_ID, RESPONSE_URL_METHOD
from tests.fakes import pin_ambiguous

AMBIGUOUS_QUESTION = "推進体制について教えて"


def button(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    found = [b for b in buttons(blocks) if b["action_id"] == action_id]
    assert found, f"no {action_id} button in {[b['action_id'] for b in buttons(blocks)]}"
    return found[0]


def reports(bot: SlackBot) -> list[ProgressReport]:
    with bot.services.sessions() as session:
        return list(session.scalars(select(ProgressReport).order_by(ProgressReport.id)))


def feedback_rows(bot: SlackBot) -> list[AnswerFeedback]:
    with bot.services.sessions() as session:
        return list(session.scalars(select(AnswerFeedback).order_by(AnswerFeedback.id)))


# ---------------------------------------------------------------- HTTP basics and signatures


def test_healthz_and_unknown_paths(bot: SlackBot) -> None:
    health = bot.slack.get("/healthz")
    assert (health.status, health.json()) == (200, {"status": "ok"})
    assert bot.slack.get("/slack/events").status == 401  # only /healthz is served without a signature
    assert bot.slack.post("{}", "application/json", path="/elsewhere").status == 404


@pytest.mark.parametrize(
    "how",
    ["unsigned", "wrong secret", "tampered body", "stale timestamp", "future timestamp"],
)
def test_requests_not_signed_by_slack_get_401_and_do_nothing(bot: SlackBot, payload, how: str) -> None:  # type: ignore[no-untyped-def]
    event = payload("event_app_mention")
    body = json.dumps(event, ensure_ascii=False)
    now = int(time.time())
    options: dict[str, Any] = {}
    if how == "unsigned":
        options = {"signed": False}
    elif how == "wrong secret":
        options = {"signature": sign(body, now, secret="not-the-secret")}
    elif how == "tampered body":
        options = {"signature": sign(body.replace("何人", "何名"), now)}
    elif how == "stale timestamp":
        options = {"timestamp": now - 6 * 60}  # signed correctly, but older than Slack's 5 minutes
    elif how == "future timestamp":
        options = {"timestamp": now + 6 * 60}
    response = bot.slack.post(body, "application/json", **options)
    assert response.status == 401
    assert bot.services.question_log.count() == 0
    assert [c.method for c in bot.fake.calls if c.method != "auth.test"] == []
    # The same request, properly signed, is taken.
    assert bot.slack.event(event).status == 200
    bot.fake.wait_for("chat.postMessage")


def test_url_verification_challenge(bot: SlackBot) -> None:
    body = json.dumps(
        {
            "token": "x",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    response = bot.slack.post(body, "application/json")
    assert response.status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in response.body


def test_bolt_verified_the_token_with_auth_test_on_the_fake(bot: SlackBot) -> None:
    calls = bot.fake.calls_to("auth.test")
    assert calls and all(c.authorized for c in calls)


# ---------------------------------------------------------------- /dx questions


def test_slash_command_question_is_answered_ephemerally_with_source_and_buttons(bot: SlackBot) -> None:
    response = bot.slack.command("DX推進リーダーは何人？")
    assert response.status == 200 and response.body == ""  # the ack: empty, so Slack shows nothing extra
    reply = bot.fake.wait_for(RESPONSE_URL_METHOD)[0].params
    assert reply["response_type"] == "ephemeral"
    text = block_text(reply["blocks"])
    assert "10名程度" in text
    assert "出典: 5. 推進体制" in text and "第1.5版" in text
    assert "質問: DX推進リーダーは何人？" in text
    assert {b["action_id"] for b in buttons(reply["blocks"])} == {
        "dx_feedback_helpful",
        "dx_feedback_wrong",
        "dx_share",
    }
    logged = bot.services.question_log.between(
        bot.services.clock().replace(hour=0), bot.services.clock().replace(hour=23)
    )
    assert [(q.text, q.user_id, q.status) for q in logged] == [("DX推進リーダーは何人？", LEADER, "answered")]


def test_ack_comes_at_once_and_slow_work_continues_after_it(bot: SlackBot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    release = threading.Event()
    real_handle = bot.services.handle

    def slow_handle(ctx, text):  # type: ignore[no-untyped-def]
        assert release.wait(5), "the test never released the slow handler"
        return real_handle(ctx, text)

    monkeypatch.setattr(bot.services, "handle", slow_handle)
    response = bot.slack.command("DX推進リーダーは何人？")
    assert response.status == 200
    assert response.elapsed < 2.0  # acked while the work is still blocked
    assert bot.fake.calls_to(RESPONSE_URL_METHOD) == []
    release.set()
    reply = bot.fake.wait_for(RESPONSE_URL_METHOD)[0].params
    assert "10名程度" in block_text(reply["blocks"])


def test_concurrent_requests_are_served_in_parallel(bot: SlackBot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A request whose handler is stuck does not hold up the next request's ack."""
    release = threading.Event()
    real_handle = bot.services.handle

    def handle(ctx, text):  # type: ignore[no-untyped-def]
        if text == "止まる質問":
            release.wait(5)
        return real_handle(ctx, text)

    monkeypatch.setattr(bot.services, "handle", handle)
    first = threading.Thread(target=bot.slack.command, args=("止まる質問",), kwargs={"response_url": "stuck"})
    first.start()
    second = bot.slack.command("DX推進リーダーは何人？", response_url="free")
    assert second.status == 200
    free = bot.fake.wait_for(RESPONSE_URL_METHOD, where=lambda c: c.path.endswith("/free"))
    assert "10名程度" in block_text(free[0].params["blocks"])
    release.set()
    first.join(5)
    bot.fake.wait_for(RESPONSE_URL_METHOD, where=lambda c: c.path.endswith("/stuck"))


def test_ambiguous_question_offers_choices_and_a_click_shows_that_answer(bot: SlackBot) -> None:
    question = pin_ambiguous(bot.services, AMBIGUOUS_QUESTION)
    bot.slack.command(question)
    reply = bot.fake.wait_for(RESPONSE_URL_METHOD)[0].params
    text = block_text(reply["blocks"])
    assert "もしかして" in text
    choices = [b for b in buttons(reply["blocks"]) if b["action_id"].startswith("dx_choice_")]
    assert len(choices) >= 2
    picked = choices[1]
    value = json.loads(picked["value"])
    entry = bot.services.engine.get(value["e"])
    assert entry is not None and picked["text"]["text"].startswith("2. ")

    response = bot.slack.click(picked)
    assert response.status == 200
    shown = bot.fake.wait_for(RESPONSE_URL_METHOD, where=lambda c: c.path.endswith("/click"))[0].params
    assert shown["replace_original"] is True
    shown_text = block_text(shown["blocks"])
    assert (
        entry.answer.split("\n")[0][:40].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        in shown_text
    )
    assert f"質問: {question}" in shown_text
    # The pick is kept for curators, tied to the logged question.
    rows = feedback_rows(bot)
    assert [(r.question_log_id, r.entry_id, r.verdict, r.user_id) for r in rows] == [
        (value["l"], entry.id, Verdict.PICKED.value, LEADER)
    ]
    # The answer shown after the pick can itself get feedback, on the same question.
    helpful = button(shown["blocks"], "dx_feedback_helpful")
    assert json.loads(helpful["value"]) == {"e": entry.id, "l": value["l"]}


@pytest.mark.parametrize(
    ("action_id", "verdict"), [("dx_feedback_helpful", "helpful"), ("dx_feedback_wrong", "wrong")]
)
def test_feedback_click_is_stored_with_the_question_log(bot: SlackBot, action_id: str, verdict: str) -> None:
    bot.slack.command("DX推進リーダーは何人？")
    reply = bot.fake.wait_for(RESPONSE_URL_METHOD)[0].params
    clicked = button(reply["blocks"], action_id)
    log_id = json.loads(clicked["value"])["l"]
    assert isinstance(log_id, int)

    bot.slack.click(clicked, user_id=STAFF)
    updated = bot.fake.wait_for(RESPONSE_URL_METHOD, where=lambda c: c.path.endswith("/click"))[0].params
    rows = feedback_rows(bot)
    assert [(r.question_log_id, r.verdict, r.user_id) for r in rows] == [(log_id, verdict, STAFF)]
    assert rows[0].entry_id == json.loads(clicked["value"])["e"]
    # The feedback buttons are replaced by thanks; the share button stays; the answer is still there.
    assert updated["replace_original"] is True
    remaining = {b["action_id"] for b in buttons(updated["blocks"])}
    assert remaining == {"dx_share"}
    assert "ありがとうございます" in block_text(updated["blocks"])
    assert "10名程度" in block_text(updated["blocks"])


def test_share_button_posts_the_answer_in_the_channel(bot: SlackBot) -> None:
    bot.slack.command("DX推進リーダーは何人？")
    reply = bot.fake.wait_for(RESPONSE_URL_METHOD)[0].params
    bot.slack.click(button(reply["blocks"], "dx_share"))
    posted = bot.fake.wait_for(RESPONSE_URL_METHOD, count=2, where=lambda c: c.path.endswith("/click"))
    shared, deleted = posted[0].params, posted[1].params
    assert shared["response_type"] == "in_channel"
    assert "10名程度" in block_text(shared["blocks"])
    assert f"<@{LEADER}> さんが共有しました" in block_text(shared["blocks"])
    assert not [b for b in buttons(shared["blocks"]) if b["action_id"] == "dx_share"]
    assert deleted["delete_original"] is True


def test_unanswerable_question_says_so_and_names_the_secretariat(bot: SlackBot) -> None:
    bot.slack.command("有給休暇の申請方法を教えて")
    reply = bot.fake.wait_for(RESPONSE_URL_METHOD)[0].params
    text = block_text(reply["blocks"])
    assert "政策企画課" in text
    assert not [b for b in buttons(reply["blocks"]) if b["action_id"].startswith("dx_feedback")]


# ---------------------------------------------------------------- progress reporting


def test_report_by_slash_command_goes_through_the_core(bot: SlackBot) -> None:
    bot.slack.command("報告 書かない窓口 実施中 60% 来庁者アンケート実施")
    reply = bot.fake.wait_for(RESPONSE_URL_METHOD)[0].params
    text = block_text(reply["blocks"])
    assert "報告を記録しました" in text and "1-02 書かない窓口" in text and "実施中 60%" in text
    rows = reports(bot)
    assert [(r.initiative_id, r.status, r.percent, r.note, r.reporter_id, r.source) for r in rows] == [
        ("1-02", "in_progress", 60, "来庁者アンケート実施", LEADER, "slack")
    ]
    assert rows[0].request_id and rows[0].request_id.startswith("slack-command:")


def test_every_progress_command_works_from_slack(bot: SlackBot) -> None:
    for text, expected in [
        ("一覧", "取組み一覧"),
        ("報告 1-02 準備中 20%", "報告を記録しました"),
        ("状況 書かない窓口", "最新の状況: 準備中 20%"),
        ("履歴 1-02", "報告履歴"),
        ("取消", "取り消しました"),
        ("ヘルプ", "DX推進ボットの使い方"),
    ]:
        bot.fake.reset()
        bot.slack.command(text)
        reply = bot.fake.wait_for(RESPONSE_URL_METHOD)[0].params
        assert expected in block_text(reply["blocks"]), text


def test_register_by_admin_with_a_real_mention(bot: SlackBot) -> None:
    # Slack sends mentions in command text escaped as <@U…|name> (manifest: should_escape).
    bot.slack.command("登録 <@U0NEWUSER|sato.taro> 市民生活課 メンバー 佐藤 太郎", user_id=ADMIN)
    reply = bot.fake.wait_for(RESPONSE_URL_METHOD)[0].params
    assert "登録しました" in block_text(reply["blocks"])
    staff = bot.services.progress.staff.get("U0NEWUSER")
    assert staff is not None and staff.department == "市民生活課"


def test_report_refusal_is_a_clear_japanese_reply_and_records_nothing(bot: SlackBot) -> None:
    bot.slack.command("報告 書かない窓口 実施中 150%")
    reply = bot.fake.wait_for(RESPONSE_URL_METHOD)[0].params
    assert "0〜100" in block_text(reply["blocks"])
    assert reports(bot) == []


def test_report_alone_opens_the_form_grouped_by_reform(bot: SlackBot) -> None:
    bot.slack.command("報告", trigger_id="trigger-form-1")
    opened = bot.fake.wait_for("views.open")[0].params
    assert opened["trigger_id"] == "trigger-form-1"
    view = opened["view"]
    assert view["type"] == "modal" and view["callback_id"] == "dx_report_form"
    by_block = {b.get("block_id"): b for b in view["blocks"]}
    groups = by_block["initiative"]["element"]["option_groups"]
    assert [g["label"]["text"] for g in groups] == [
        "① 市民サービスの改革",
        "② 業務プロセスの改革",
        "③ 人と組織の改革",
    ]
    options = [o for g in groups for o in g["options"]]
    assert len(options) == len(bot.services.progress.list_initiatives()) <= 100
    assert all(len(o["text"]["text"]) <= 75 and len(o["value"]) <= 150 for o in options)
    assert {
        "text": {"type": "plain_text", "text": "1-02 書かない窓口", "emoji": True},
        "value": "1-02",
    } in options
    statuses = [o["text"]["text"] for o in by_block["status"]["element"]["options"]]
    assert statuses == ["未着手", "検討中", "準備中", "実施中", "完了", "休止", "保留"]
    assert {"percent", "note"} <= set(by_block)
    assert "department" not in by_block  # a leader reports for their own department only
    assert "山田 花子（市民生活課）" in block_text(view["blocks"])
    assert bot.fake.calls_to(RESPONSE_URL_METHOD) == []


def test_admin_form_offers_the_department(bot: SlackBot) -> None:
    bot.slack.command("報告", user_id=ADMIN)
    view = bot.fake.wait_for("views.open")[0].params["view"]
    department = {b.get("block_id"): b for b in view["blocks"]}["department"]["element"]
    assert department["initial_option"]["value"] == "政策企画課"
    assert "市民生活課" in [o["value"] for o in department["options"]]


def test_unregistered_user_is_told_before_any_form_opens(bot: SlackBot) -> None:
    bot.slack.command("報告", user_id=STAFF)
    reply = bot.fake.wait_for(RESPONSE_URL_METHOD)[0].params
    assert "職員登録が必要です" in block_text(reply["blocks"])
    assert bot.fake.calls_to("views.open") == []


def test_form_submission_records_through_the_same_core(bot: SlackBot, payload) -> None:  # type: ignore[no-untyped-def]
    submission = payload("view_submission_report")
    response = bot.slack.interact(submission)
    assert response.status == 200
    answer = response.json()
    assert answer["response_action"] == "update"
    text = block_text(answer["view"]["blocks"])
    assert "報告を記録しました" in text and "1-02 書かない窓口" in text and "実施中 60%" in text
    rows = reports(bot)
    assert [(r.initiative_id, r.status, r.percent, r.note, r.source, r.request_id) for r in rows] == [
        ("1-02", "in_progress", 60, "来庁者アンケート実施", "slack", "slack-view:V0REPORT01")
    ]
    # The same submission delivered twice is recorded once.
    again = bot.slack.interact(submission).json()
    assert "すでに記録済み" in block_text(again["view"]["blocks"])
    assert len(reports(bot)) == 1


def test_form_errors_are_shown_on_the_fields(bot: SlackBot, payload) -> None:  # type: ignore[no-untyped-def]
    submission = payload("view_submission_report")
    values = submission["view"]["state"]["values"]
    values["percent"]["value"]["value"] = "150"
    values["status"]["value"]["selected_option"] = None
    answer = bot.slack.interact(submission).json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"percent", "status"}
    assert "0〜100" in answer["errors"]["percent"]
    assert reports(bot) == []

    values["percent"]["value"]["value"] = "７０％"  # full width, as typed on a Japanese keyboard
    values["status"]["value"]["selected_option"] = {
        "text": {"type": "plain_text", "text": "完了"},
        "value": "done",
    }
    # 完了 with 70% contradicts itself: the question goes next to the percent, nothing is recorded (issue 13).
    answer = bot.slack.interact(submission).json()
    assert answer["response_action"] == "errors" and set(answer["errors"]) == {"percent"}
    assert "完了なのに 70% です。完了 100% ですか？ 実施中 70% ですか？" in answer["errors"]["percent"]
    assert reports(bot) == []

    values["percent"]["value"]["value"] = "１００％"
    answer = bot.slack.interact(submission).json()
    assert answer["response_action"] == "update"
    assert [(r.status, r.percent) for r in reports(bot)] == [("done", 100)]


def test_form_refusal_from_the_core_is_shown_on_the_form(bot: SlackBot, payload) -> None:  # type: ignore[no-untyped-def]
    submission = payload("view_submission_report")
    submission["user"]["id"] = STAFF  # not registered (e.g. removed after the form was opened)
    answer = bot.slack.interact(submission).json()
    assert answer["response_action"] == "errors"
    assert "職員登録が必要です" in answer["errors"]["initiative"]
    assert reports(bot) == []


# ---------------------------------------------------------------- mention, DM, App Home


def test_mention_is_answered_in_the_thread(bot: SlackBot, payload) -> None:  # type: ignore[no-untyped-def]
    event = payload("event_app_mention")
    assert bot.slack.event(event).status == 200
    posted = bot.fake.wait_for("chat.postMessage")[0]
    assert posted.authorized
    assert posted.params["channel"] == "C0DXCHAN1"
    assert posted.params["thread_ts"] == event["event"]["ts"]
    assert "10名程度" in block_text(posted.params["blocks"])
    assert {b["action_id"] for b in buttons(posted.params["blocks"])} == {
        "dx_feedback_helpful",
        "dx_feedback_wrong",
    }
    logged = bot.services.question_log.get(1)
    assert (
        logged is not None and logged.text == "DX推進リーダーは何人？"
    )  # the mention itself is not part of it


def test_mention_inside_a_thread_stays_in_that_thread(bot: SlackBot, payload) -> None:  # type: ignore[no-untyped-def]
    event = payload("event_app_mention")
    event["event"]["thread_ts"] = "1732760000.000001"
    bot.slack.event(event)
    assert bot.fake.wait_for("chat.postMessage")[0].params["thread_ts"] == "1732760000.000001"


def test_direct_message_is_answered_in_the_dm(bot: SlackBot, payload) -> None:  # type: ignore[no-untyped-def]
    event = payload("event_message_im")
    bot.slack.event(event)
    posted = bot.fake.wait_for("chat.postMessage")[0].params
    assert posted["channel"] == "D0DMCHAN01"
    assert "thread_ts" not in posted or posted["thread_ts"] is None
    assert "出典" in block_text(posted["blocks"])


def test_dm_choice_click_replaces_the_message(bot: SlackBot, payload) -> None:  # type: ignore[no-untyped-def]
    event = payload("event_message_im")
    event["event"]["text"] = pin_ambiguous(bot.services, AMBIGUOUS_QUESTION)
    bot.slack.event(event)
    posted = bot.fake.wait_for("chat.postMessage")[0].params
    choice = button(posted["blocks"], "dx_choice_1")
    bot.slack.click(choice, template="block_actions_message", user_id=STAFF)
    shown = bot.fake.wait_for(RESPONSE_URL_METHOD)[0].params
    assert shown["replace_original"] is True
    # Not ephemeral: everyone in the conversation sees it, so no 「共有」 button.
    assert {b["action_id"] for b in buttons(shown["blocks"])} == {"dx_feedback_helpful", "dx_feedback_wrong"}


def test_dm_report_alone_offers_a_button_that_opens_the_form(bot: SlackBot, payload) -> None:  # type: ignore[no-untyped-def]
    event = payload("event_message_im")
    event["event"].update(text="報告", user=LEADER)
    bot.slack.event(event)
    posted = bot.fake.wait_for("chat.postMessage")[0].params
    opener = button(posted["blocks"], "dx_open_report")
    bot.slack.click(opener, template="block_actions_message", user_id=LEADER)
    assert bot.fake.wait_for("views.open")[0].params["view"]["callback_id"] == "dx_report_form"


def test_bot_messages_and_edits_in_the_dm_are_ignored(bot: SlackBot, payload) -> None:  # type: ignore[no-untyped-def]
    own = payload("event_message_im")
    own["event_id"] = "Ev0OWNMESSAGE1"
    own["event"].update(bot_id="B0DXBOT01", user=BOT_USER_ID, subtype="bot_message")
    edited = payload("event_message_im")
    edited["event_id"] = "Ev0EDITED00001"
    edited["event"]["subtype"] = "message_changed"
    channel = payload("event_message_im")
    channel["event_id"] = "Ev0CHANNELMSG1"
    channel["event"]["channel_type"] = "channel"
    for event in (own, edited, channel):
        assert bot.slack.event(event).status == 200
    real = payload("event_message_im")
    bot.slack.event(real)
    bot.fake.wait_for("chat.postMessage")
    assert len(bot.fake.calls_to("chat.postMessage")) == 1
    assert bot.services.question_log.count() == 1


def test_app_home_shows_the_departments_initiatives_and_a_report_button(bot: SlackBot, payload) -> None:  # type: ignore[no-untyped-def]
    bot.slack.command("報告 書かない窓口 実施中 60% 来庁者アンケート実施")
    bot.fake.wait_for(RESPONSE_URL_METHOD)
    bot.slack.event(payload("event_app_home_opened"))
    published = bot.fake.wait_for("views.publish")[0].params
    assert published["user_id"] == LEADER
    view = published["view"]
    assert view["type"] == "home"
    text = block_text(view["blocks"])
    assert "山田 花子 さん（市民生活課" in text
    assert "市民生活課の取組み" in text
    assert "1-02 書かない窓口 — 実施中 60%" in text and "来庁者アンケート実施" in text
    assert button(view["blocks"], "dx_open_report")["value"] == "home"

    bot.slack.click(button(view["blocks"], "dx_open_report"), template="block_actions_home")
    assert bot.fake.wait_for("views.open")[0].params["view"]["callback_id"] == "dx_report_form"


def test_app_home_for_someone_not_registered(bot: SlackBot, payload) -> None:  # type: ignore[no-untyped-def]
    event = payload("event_app_home_opened")
    event["event"]["user"] = STAFF
    bot.slack.event(event)
    view = bot.fake.wait_for("views.publish")[0].params["view"]
    assert "職員登録がまだ" in block_text(view["blocks"])
    assert not buttons(view["blocks"])


def test_messages_tab_opened_publishes_nothing(bot: SlackBot, payload) -> None:  # type: ignore[no-untyped-def]
    event = payload("event_app_home_opened")
    event["event"]["tab"] = "messages"
    assert bot.slack.event(event).status == 200
    home = payload("event_app_home_opened")
    home["event_id"] = "Ev0APPHOME0002"
    bot.slack.event(home)
    bot.fake.wait_for("views.publish")
    assert len(bot.fake.calls_to("views.publish")) == 1


# ---------------------------------------------------------------- retries


def test_retried_event_is_handled_once_across_processes_and_restarts(start_bot, db_url: str, payload) -> None:  # type: ignore[no-untyped-def]
    event = payload("event_app_mention")
    first = start_bot(db_url)
    second = start_bot(db_url, register_staff=False)  # another bot process on the same database
    assert first.slack.event(event).status == 200
    first.fake.wait_for("chat.postMessage")
    # Slack thinks the ack was late and redelivers, possibly to the other process.
    assert second.slack.event(event, retry_num=1).status == 200
    assert first.slack.event(event, retry_num=2).status == 200
    # After a restart, too.
    first.server.stop()
    restarted = start_bot(db_url, register_staff=False)
    assert restarted.slack.event(event, retry_num=3).status == 200
    # A different event is still handled (the barrier below), and the retried one only ever once.
    other = payload("event_app_mention")
    other["event_id"] = "Ev0MENTION0002"
    restarted.slack.event(other)
    restarted.fake.wait_for("chat.postMessage", count=2)
    assert len(restarted.fake.calls_to("chat.postMessage")) == 2
    assert restarted.services.question_log.count() == 2


# ---------------------------------------------------------------- escaping


def test_user_text_is_escaped_so_it_never_pings(bot: SlackBot, payload) -> None:  # type: ignore[no-untyped-def]
    # As Slack sends it: a real @channel and a real user mention stay <...>; a typed & arrives as &amp;.
    bot.slack.command("<!channel> 会議 &amp; 研修 <@U0STAFF01> の予定は？", response_url="question")
    bot.slack.command(
        "報告 書かない窓口 実施中 60% <!channel> 見て &amp; <@U0STAFF01> <https://evil.example|click>",
        response_url="report",
    )
    bot.fake.wait_for(RESPONSE_URL_METHOD, count=2)
    bot.slack.event(payload("event_app_home_opened"))
    bot.fake.wait_for("views.publish")
    # The core got the words as typed …
    assert reports(bot)[0].note == "<!channel> 見て & <@U0STAFF01> <https://evil.example|click>"
    # … and everything sent back to Slack has them escaped.
    sent = json.dumps([c.params for c in bot.fake.calls], ensure_ascii=False)
    for raw in ("<!channel>", "<@U0STAFF01>", "<https://evil.example"):
        assert raw not in sent
    report_reply = bot.fake.wait_for(RESPONSE_URL_METHOD, where=lambda c: c.path.endswith("/report"))[
        0
    ].params
    assert "&lt;!channel&gt; 見て &amp; &lt;@U0STAFF01&gt;" in block_text(report_reply["blocks"])
    question_reply = bot.fake.wait_for(RESPONSE_URL_METHOD, where=lambda c: c.path.endswith("/question"))[
        0
    ].params
    assert "質問: &lt;!channel&gt; 会議 &amp; 研修 &lt;@U0STAFF01&gt; の予定は？" in block_text(
        question_reply["blocks"]
    )
    home = bot.fake.calls_to("views.publish")[0].params["view"]
    assert "&lt;!channel&gt;" in block_text(home["blocks"])


# ---------------------------------------------------------------- errors


def test_unexpected_error_is_logged_and_the_user_told_in_japanese(bot: SlackBot, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    def broken(ctx, text):  # type: ignore[no-untyped-def]
        raise RuntimeError("internal detail: table xyz exploded")

    monkeypatch.setattr(bot.services, "handle", broken)
    with caplog.at_level(logging.ERROR, logger="bot.slack.app"):
        bot.slack.command("DX推進リーダーは何人？")
        reply = bot.fake.wait_for(RESPONSE_URL_METHOD)[0].params
    assert reply["text"] == GENERIC_ERROR and reply["response_type"] == "ephemeral"
    assert "xyz" not in json.dumps([c.params for c in bot.fake.calls], ensure_ascii=False)
    failures = [r for r in caplog.records if r.name == "bot.slack.app" and r.levelno == logging.ERROR]
    assert failures and failures[0].exc_info and "xyz" in str(failures[0].exc_info[1])
    assert SIGNING_SECRET not in caplog.text and BOT_TOKEN not in caplog.text


def test_unexpected_error_on_a_mention_is_reported_in_the_thread(bot: SlackBot, payload, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(bot.services, "handle", lambda ctx, text: 1 / 0)
    event = payload("event_app_mention")
    bot.slack.event(event)
    posted = bot.fake.wait_for("chat.postMessage")[0].params
    assert posted["text"] == GENERIC_ERROR and posted["thread_ts"] == event["event"]["ts"]
    assert "ZeroDivision" not in json.dumps(posted, ensure_ascii=False)


def test_unexpected_error_on_form_submission_is_shown_in_the_form(
    bot: SlackBot, payload, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("database on fire")

    monkeypatch.setattr(bot.services.progress, "record", broken)
    answer = bot.slack.interact(payload("view_submission_report")).json()
    assert answer["response_action"] == "update"
    assert GENERIC_ERROR in block_text(answer["view"]["blocks"])
    assert "fire" not in json.dumps(answer, ensure_ascii=False)


def test_unexpected_error_behind_an_app_home_button_opens_an_apology(
    bot: SlackBot, payload, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    def broken(user_id):  # type: ignore[no-untyped-def]
        raise RuntimeError("staff table gone")

    monkeypatch.setattr(bot.services.progress, "reporter", broken)
    click = payload("block_actions_home")
    assert bot.slack.interact(click).status == 200
    opened = bot.fake.wait_for("views.open")[0].params
    assert opened["trigger_id"] == click["trigger_id"]
    assert GENERIC_ERROR in block_text(opened["view"]["blocks"])
    assert "gone" not in json.dumps(opened, ensure_ascii=False)
