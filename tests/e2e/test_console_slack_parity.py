"""The console chat and Slack give the same answers to the same inputs.

Each input goes once through `run_console` (as `dxbot chat` runs it, piped) and once through `/dx` over
signed HTTP. The Slack blocks are read back as plain text; only what is adapter-specific by design is
set aside: the question echo, how to pick a choice (type a number / press a button), the source line's
brackets, and how each platform writes markup and commands (`*bold*` and `/dx 報告` in Slack, 「報告」
in the console), so what is compared are the facts: the same words, line by line.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest

from bot.console import PICK_HINT, render_text, run_console
from bot.slack.blocks import unescape
from bot.slack.render import CHOICES_HINT
from tests.e2e.conftest import LEADER, SlackBot
from tests.e2e.fake_slack import RESPONSE_URL_METHOD
from tests.e2e.test_slack_http import ambiguous_question
from tests.rendering import chat

INPUTS = [
    "DX推進リーダーは何人？",
    "ガバクラは義務？",
    "有給休暇の申請方法を教えて",
    "ヘルプ",
    "help",
    "一覧",
    "状況",
    "状況 書かない窓口",
    "履歴 1-02",
    "報告 書かない窓口 実施中 150%",
    "報告 どこにもない取組み 実施中",
    "報告 書かない窓口 たぶん進んでる",
    "登録 <@U0NEWUSER> 市民生活課 リーダー",  # refused: the leader is not an admin
    "",  # Slack: `/dx` alone
]


def console_lines(services: Any, text: str) -> list[str]:
    out = io.StringIO()
    run_console(services, LEADER, io.StringIO(text + "\n"), out, interactive=False)
    return _lines(out.getvalue())


def slack_lines(bot: SlackBot, text: str, tag: str) -> list[str]:
    bot.slack.command(text, response_url=tag)
    reply = bot.fake.wait_for(RESPONSE_URL_METHOD, where=lambda c: c.path.endswith(f"/{tag}"))[0].params
    lines: list[str] = []
    for block in reply["blocks"]:
        if block["type"] == "section":
            lines += _lines(unescape(block["text"]["text"]))
        elif block["type"] == "context":
            for element in block["elements"]:
                line = unescape(element["text"])
                if line.startswith("質問: ") or line == CHOICES_HINT:
                    continue
                if line.startswith("出典: "):
                    line = f"（{line}）"
                lines.append(line)
    return [facts(line) for line in lines]


def facts(line: str) -> str:
    """A line's words without either platform's way of writing markup and commands."""
    for mark in ("*", "`", "~", "「", "」"):
        line = line.replace(mark, "")
    return "".join(line.replace("/dx ", "").split())


def _lines(text: str) -> list[str]:
    return [facts(line) for line in text.split("\n") if line.strip() and line.strip() != PICK_HINT]


@pytest.mark.parametrize("text", INPUTS)
def test_console_and_slack_say_the_same(bot: SlackBot, text: str) -> None:
    # A blank console line is skipped; Slack's bare `/dx` is the empty question.
    if text:
        expected = console_lines(bot.services, text)
    else:
        expected = _lines(render_text(bot.services.handle(chat(LEADER), "")))
    assert expected, f"the console said nothing for {text!r}"
    assert slack_lines(bot, text, "parity") == expected


def test_console_and_slack_offer_the_same_choices(bot: SlackBot, monkeypatch: pytest.MonkeyPatch) -> None:
    question = ambiguous_question(bot, monkeypatch)
    console = console_lines(bot.services, question)
    slack = slack_lines(bot, question, "choices")
    assert slack == console
    assert any(re.match(r"^1\.", line) for line in slack)
    # Picking the first choice gives the same answer in both.
    out = io.StringIO()
    run_console(bot.services, LEADER, io.StringIO(f"{question}\n1\n"), out, interactive=False)
    console_answer = _lines(out.getvalue().split("\n\n")[1])
    reply = bot.fake.wait_for(RESPONSE_URL_METHOD, where=lambda c: c.path.endswith("/choices"))[0].params
    first = next(e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"])
    bot.slack.click(first, response_url="picked")
    picked = bot.fake.wait_for(RESPONSE_URL_METHOD, where=lambda c: c.path.endswith("/picked"))[0].params
    slack_answer = [
        line
        for block in picked["blocks"]
        if block["type"] in ("section", "context")
        for line in _lines(
            unescape(block["text"]["text"] if block["type"] == "section" else block["elements"][0]["text"])
        )
        if not line.startswith("質問:") and "ありがとう" not in line
    ]
    slack_answer = [f"（{line}）" if line.startswith("出典:") else line for line in slack_answer]
    assert slack_answer == console_answer
