"""Parity: the same 20 inputs, one conversation each, through the console and through Slack, give the same facts.

Each platform is a driver that sends one turn and returns what the person sees, as lines of facts: the
words without the platform's way of writing markup and commands (`*bold*` and `/dx 報告` in Slack,
「報告」 in the console), and without what is adapter-specific by design (Slack's question echo, how to
pick a choice: a button or a number, the source line's brackets). The conversation includes dialogue
turns (a number that picks, one outside the choices, one with nothing pending, greetings, thanks), so
the state the core keeps per conversation is compared too. A Teams driver joins `DRIVERS` the same way.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from bot.console import PICK_HINT, run_console
from bot.slack.blocks import unescape
from bot.slack.render import CHOICES_HINT
from tests.e2e.conftest import LEADER, SlackBot
from tests.e2e.fake_slack import RESPONSE_URL_METHOD
from tests.fakes import AMBIGUOUS_QUESTION, pin_ambiguous


@dataclass(frozen=True)
class Turn:
    text: str
    slack: str | None = None  # what a Slack user types, when it differs (a mention)


TURNS = [
    Turn("こんにちは"),
    Turn("DX推進リーダーは何人？"),
    Turn("ガバクラは義務？"),
    Turn("有給休暇の申請方法を教えて"),  # not in the plan: the contact
    Turn(AMBIGUOUS_QUESTION),  # 「もしかして」 with three choices
    Turn("2"),  # picks the second
    Turn("2"),  # nothing pending any more: a short help
    Turn(AMBIGUOUS_QUESTION),
    Turn("4"),  # outside the three choices
    Turn("1"),  # the choices were kept
    Turn("ありがとう"),
    Turn("ヘルプ"),
    Turn("一覧"),
    Turn("状況"),
    Turn("状況 書かない窓口"),
    Turn("履歴 1-02"),
    Turn("報告 書かない窓口 実施中 150%"),
    Turn("報告 どこにもない取組み 実施中"),
    Turn("報告 書かない窓口 たぶん進んでる"),
    Turn("登録 U0NEWUSER 市民生活課 リーダー", slack="登録 <@U0NEWUSER> 市民生活課 リーダー"),  # not an admin
]
assert len(TURNS) == 20


def facts(line: str) -> str:
    """A line's words without either platform's way of writing markup and commands."""
    for mark in ("*", "`", "~", "「", "」"):
        line = line.replace(mark, "")
    return "".join(line.replace("/dx ", "").split())


def console_driver(bot: SlackBot) -> Callable[[Turn], list[str]]:
    def say(turn: Turn) -> list[str]:
        out = io.StringIO()
        run_console(bot.services, LEADER, io.StringIO(turn.text + "\n"), out, interactive=False)
        return [facts(line) for line in out.getvalue().split("\n") if line.strip() and line.strip() != PICK_HINT]

    return say


def slack_driver(bot: SlackBot) -> Callable[[Turn], list[str]]:
    tags = (f"parity-{n}" for n in itertools.count())

    def say(turn: Turn) -> list[str]:
        tag = next(tags)
        bot.slack.command(turn.slack or turn.text, response_url=tag)
        reply = bot.fake.wait_for(RESPONSE_URL_METHOD, where=lambda c: c.path.endswith(f"/{tag}"))[0].params
        return slack_lines(reply["blocks"])

    return say


def slack_lines(blocks: list[dict]) -> list[str]:  # type: ignore[type-arg]
    lines: list[str] = []
    for block in blocks:
        if block["type"] == "section":
            lines += [line for line in unescape(block["text"]["text"]).split("\n") if line.strip()]
        elif block["type"] == "context":
            for element in block["elements"]:
                line = unescape(element["text"])
                if line.startswith("質問: ") or line == CHOICES_HINT or "ありがとうございます（" in line:
                    continue
                lines.append(f"（{line}）" if line.startswith("出典: ") else line)
    return [facts(line) for line in lines]


DRIVERS = {"console": console_driver, "slack": slack_driver}


def assert_same_facts(drivers: dict[str, Callable[[Turn], list[str]]]) -> None:
    """Every turn of TURNS, said on every platform, gives the lines the console gives."""
    compared = 0
    for number, turn in enumerate(TURNS, 1):
        seen = {name: say(turn) for name, say in drivers.items()}
        assert seen["console"], f"turn {number} ({turn.text}): the console said nothing"
        for name, lines in seen.items():
            assert lines == seen["console"], f"turn {number} ({turn.text}): {name} differs from the console"
        compared += len(seen["console"])
    assert compared >= 60  # the comparison covers real content, not a few empty lines


def test_the_same_conversation_gives_the_same_facts_on_every_platform(bot: SlackBot) -> None:
    pin_ambiguous(bot.services)
    assert_same_facts({name: make(bot) for name, make in DRIVERS.items()})


def test_a_button_pick_in_slack_gives_what_a_number_gives_in_the_console(bot: SlackBot) -> None:
    pin_ambiguous(bot.services)
    console, slack = console_driver(bot), slack_driver(bot)
    assert console(Turn(AMBIGUOUS_QUESTION)) == slack(Turn(AMBIGUOUS_QUESTION))
    by_number = console(Turn("1"))
    bot.slack.command(AMBIGUOUS_QUESTION, response_url="choices")
    reply = bot.fake.wait_for(RESPONSE_URL_METHOD, where=lambda c: c.path.endswith("/choices"))[0].params
    first = next(e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"])
    bot.slack.click(first, response_url="picked")
    picked = bot.fake.wait_for(RESPONSE_URL_METHOD, where=lambda c: c.path.endswith("/picked"))[0].params
    assert slack_lines(picked["blocks"]) == by_number


@pytest.mark.parametrize("turn", [t for t in TURNS if t.text in ("ヘルプ", "状況 書かない窓口")], ids=str)
def test_each_platform_writes_commands_its_own_way(bot: SlackBot, turn: Turn) -> None:
    out = io.StringIO()
    run_console(bot.services, LEADER, io.StringIO(turn.text + "\n"), out, interactive=False)
    assert "/dx" not in out.getvalue() and "`" not in out.getvalue() and "「" in out.getvalue()
    bot.slack.command(turn.text, response_url="own-way")
    reply = bot.fake.wait_for(RESPONSE_URL_METHOD, where=lambda c: c.path.endswith("/own-way"))[0].params
    assert "`/dx " in "\n".join(b["text"]["text"] for b in reply["blocks"] if b["type"] == "section")
