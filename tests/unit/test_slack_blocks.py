"""Block Kit rendering: escaping, Slack's limits, and the form's validation."""

from __future__ import annotations

import json

import pytest

from bot.home import Home, HomeRow
from bot.progress.form import FormGroup, FormOption
from bot.replies import Answer, Choice, Choices, Message, NoAnswer, OpenReportForm, blocks, refusal
from bot.slack import blocks as bk
from bot.slack import render
from bot.slack.app import message_text, read_report_form


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<@U012ABC>", "&lt;@U012ABC&gt;"),
        ("a & b", "a &amp; b"),
        ("&lt; already", "&amp;lt; already"),  # typed literally: shown literally, not decoded
        ("<https://evil.example|click>", "&lt;https://evil.example|click&gt;"),
        ("*太字* と `code`", "*太字* と `code`"),  # mrkdwn formatting is not Slack's escaping's business
    ],
)
def test_escape_follows_slacks_three_rules(raw: str, escaped: str) -> None:
    assert bk.escape(raw) == escaped
    assert bk.unescape(escaped) == raw


@pytest.mark.parametrize(
    ("raw", "bot", "text"),
    [
        ("<@U0DXBOT01> DX推進リーダーは何人？", "U0DXBOT01", "DX推進リーダーは何人？"),
        ("<@U0DXBOT01|dxbot>   質問", "U0DXBOT01", "質問"),
        ("教えて <@U0DXBOT01> 会議は？", "U0DXBOT01", "教えて   会議は？"),
        ("a &lt; b &amp;&amp; c &gt; d", None, "a < b && c > d"),
        ("登録 <@U0NEW|sato> 市民生活課 リーダー", "U0DXBOT01", "登録 <@U0NEW|sato> 市民生活課 リーダー"),
    ],
)
def test_message_text_removes_the_bots_mention_and_slacks_escaping(
    raw: str, bot: str | None, text: str
) -> None:
    assert message_text(raw, bot) == text


def all_text(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_long_text_is_split_into_sections_of_at_most_3000_characters() -> None:
    text = "\n".join(f"{i:04d} " + "あ" * 95 for i in range(100)) + "\n" + "い" * 7000
    sections = bk.sections(text)
    assert all(len(s["text"]["text"]) <= bk.SECTION_LIMIT for s in sections)
    assert "".join(s["text"]["text"].replace("\n", "") for s in sections) == text.replace("\n", "")


def test_escaping_happens_before_splitting_and_never_grows_past_the_limit() -> None:
    sections = bk.sections("<" * 2000)
    assert all(len(s["text"]["text"]) <= bk.SECTION_LIMIT for s in sections)
    assert "<" not in all_text(sections)


def test_answer_renders_answer_source_and_buttons() -> None:
    answer = Answer("q", "答え <!here>", "5. 推進体制（第1.5版）", "org-1", 0.9, log_id=7, notices=("注意",))
    message = render.render_reply(answer, ephemeral=True, echo_question=True)
    kinds = [b["type"] for b in message.blocks]
    assert kinds == ["context", "section", "context", "context", "actions"]
    assert "&lt;!here&gt;" in message.blocks[1]["text"]["text"] and "<!here>" not in all_text(message.blocks)
    assert message.blocks[2]["elements"][0]["text"] == "出典: 5. 推進体制（第1.5版）"
    values = {json.dumps(json.loads(b["value"]), sort_keys=True) for b in message.blocks[-1]["elements"]}
    assert values == {json.dumps({"e": "org-1", "l": 7}, sort_keys=True)}
    assert "<!here>" not in message.text


def test_answer_outside_an_ephemeral_reply_has_no_share_button() -> None:
    answer = Answer("q", "a", "", "org-1", 0.9, log_id=None)
    message = render.render_reply(answer, ephemeral=False)
    actions = [e["action_id"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
    assert actions == [bk.ACTION_FEEDBACK_HELPFUL, bk.ACTION_FEEDBACK_WRONG]
    assert not [b for b in message.blocks if b["type"] == "context"]  # no source, no echo


def test_choice_buttons_stay_within_75_characters_and_carry_the_question_log() -> None:
    long_question = "とても長い質問" * 20
    choices = Choices("q", (Choice("a", long_question, 0.5), Choice("b", "短い", 0.4)), log_id=3)
    message = render.render_reply(choices, ephemeral=True)
    elements = next(b for b in message.blocks if b["type"] == "actions")["elements"]
    assert [e["action_id"] for e in elements] == ["dx_choice_1", "dx_choice_2"]
    assert all(len(e["text"]["text"]) <= 75 for e in elements)
    assert elements[0]["text"]["text"].endswith("…")
    assert json.loads(elements[1]["value"]) == {"e": "b", "l": 3}
    assert long_question in message.blocks[0]["text"]["text"]  # the full question is still readable


@pytest.mark.parametrize(
    "reply",
    [NoAnswer("q"), Message(blocks("一覧 <x>")), refusal("だめ & だめ"), OpenReportForm(blocks("書き方"))],
)
def test_every_reply_kind_renders(reply) -> None:  # type: ignore[no-untyped-def]
    message = render.render_reply(reply, ephemeral=True, echo_question=True)
    assert message.blocks and message.text
    assert "<x>" not in all_text(message.blocks)
    opens = [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
    assert bool(opens) == isinstance(reply, OpenReportForm)


def test_a_message_never_has_more_than_50_blocks() -> None:
    notices = tuple(f"注意 {i}" for i in range(80))
    message = render.render_reply(
        Answer("q", "a", "s", "e", 1.0, notices=notices), ephemeral=True
    )
    assert len(message.blocks) <= bk.MESSAGE_BLOCK_LIMIT
    assert message.blocks[-1]["type"] == "actions"  # the buttons survive the cut


def test_initiative_options_are_grouped_and_capped_at_100() -> None:
    labels = {1: "① 市民サービスの改革", 2: "② 業務プロセスの改革", 3: "改革 3"}
    form_groups = [
        FormGroup(labels[r], tuple(FormOption(f"{r}-{i:02d}", f"{r}-{i:02d} " + "取組み" * 30) for i in range(1, 41)))
        for r in (1, 2, 3)
    ]
    groups = render.initiative_option_groups(form_groups)
    options = [o for g in groups for o in g["options"]]
    assert len(options) == 100
    assert [g["label"]["text"] for g in groups] == ["① 市民サービスの改革", "② 業務プロセスの改革", "改革 3"]
    assert all(len(o["text"]["text"]) <= 75 for o in options)
    assert options[0]["value"] == "1-01"


def test_home_view_stays_within_100_blocks() -> None:
    rows = tuple(HomeRow(f"1-{i:02d}", "取組み", "実施中", "2026-11-24", "メモ" * 400) for i in range(200))
    view = render.home_view(
        Home(greeting=blocks("こんにちは"), department="市民生活課", rows=rows, can_report=True, footer=blocks("f"))
    )
    assert len(view["blocks"]) <= bk.VIEW_BLOCK_LIMIT
    assert all(len(b["text"]["text"]) <= 3000 for b in view["blocks"] if b["type"] == "section")


def _state(
    initiative: str | None = "1-02",
    status: str | None = "in_progress",
    percent: str | None = None,
    note: str | None = None,
) -> dict:
    def select(value: str | None) -> dict:
        return {"value": {"type": "static_select", "selected_option": {"value": value} if value else None}}

    return {
        "initiative": select(initiative),
        "status": select(status),
        "percent": {"value": {"type": "plain_text_input", "value": percent}},
        "note": {"value": {"type": "plain_text_input", "value": note}},
    }


@pytest.mark.parametrize(
    ("percent", "expected"),
    [(None, None), ("", None), ("0", 0), ("60", 60), ("100", 100), ("６０", 60), ("60%", 60), (" 45 ％", 45)],
)
def test_form_percent_accepts_what_people_type(percent: str | None, expected: int | None) -> None:
    draft, errors = read_report_form(_state(percent=percent))
    assert errors == {}
    assert draft is not None and draft.percent == expected


@pytest.mark.parametrize("percent", ["101", "-5", "6.5", "六十", "60 percent"])
def test_form_percent_errors_are_on_the_percent_field(percent: str) -> None:
    draft, errors = read_report_form(_state(percent=percent))
    assert draft is None and set(errors) == {"percent"}


def test_form_missing_selects_and_long_note_are_all_reported_at_once() -> None:
    draft, errors = read_report_form(_state(initiative=None, status=None, note="あ" * 1001))
    assert draft is None
    assert set(errors) == {"initiative", "status", "note"}
    assert all(message for message in errors.values())


def test_form_reads_a_complete_draft() -> None:
    draft, errors = read_report_form(_state(percent="60", note="  来庁者アンケート実施 "))
    assert errors == {}
    assert draft is not None
    assert (draft.initiative, draft.status.value, draft.percent, draft.note, draft.department) == (
        "1-02",
        "in_progress",
        60,
        "来庁者アンケート実施",
        None,
    )
