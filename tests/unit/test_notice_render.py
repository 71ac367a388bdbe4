"""A neutral message handed to the notifier port, as each platform renders it: within its limits, data inert."""

from __future__ import annotations

from bot.replies import Command, Message, UserText, para
from bot.slack.blocks import MESSAGE_BLOCK_LIMIT, SECTION_LIMIT
from bot.slack.digest import MESSAGE_TEXT_LIMIT, render
from bot.teams.digest import render_teams_message
from bot.teams.render import utf16_len

PING = "<!channel> <@U999> <at>全員</at> *太字*"


def long_message(lines: int) -> Message:
    return Message(tuple(para(f"{n:04d} 進み具合のお知らせです。", UserText(PING), " は ", Command("状況"), " で。") for n in range(lines)))


def test_slack_renders_a_neutral_message_inert_and_within_its_limits() -> None:
    (short,) = render(long_message(1))
    section = short.blocks[0]["text"]["text"]
    assert "&lt;!channel&gt; &lt;@U999&gt; &lt;at&gt;全員&lt;/at&gt; ＊太字＊" in section and "`/dx 状況`" in section
    assert "<!channel>" not in section and "<@U999>" not in section and short.text == section

    messages = render(long_message(600))  # about 40,000 characters
    assert len(messages) >= 3
    for message in messages:
        assert len(message.blocks) <= MESSAGE_BLOCK_LIMIT and message.block_text_length <= MESSAGE_TEXT_LIMIT
        assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in message.blocks)
    lines = [line for m in messages for b in m.blocks for line in b["text"]["text"].split("\n")]
    assert [line[:4] for line in lines] == [f"{n:04d}" for n in range(600)]  # every line once, in order


def test_teams_renders_a_neutral_message_inert_and_within_its_limits() -> None:
    (short,) = render_teams_message(long_message(1))
    assert "＜!channel＞ ＜＠U999＞ ＜at＞全員＜/at＞ ＊太字＊" in short and "`@dxbot 状況`" in short
    assert "<at>" not in short and "/dx" not in short

    parts = render_teams_message(long_message(600), limit=5000)
    assert len(parts) >= 5 and all(utf16_len(p) <= 5000 for p in parts)
    lines = [line for p in parts for line in p.split("\n") if line]
    assert [line[:4] for line in lines] == [f"{n:04d}" for n in range(600)]
