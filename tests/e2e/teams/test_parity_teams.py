"""Parity with Teams: the console, Slack and Teams give the same facts, one conversation each.

The conversation is the core's (tests/e2e/test_parity.py: 20 turns with number picks, a number outside the
choices, one with nothing pending, greetings, thanks), plus 20 single commands and questions. Teams is
reached as a personal-chat message over HTTP to the Agents SDK app. What is adapter-specific by design is
set aside: how each platform writes markup and commands (`**bold**`, `` `報告` `` and full-width ＜＞ in
Teams), the question echo, and how to pick a choice (a button, or a number: both work in Teams).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.console import PICK_HINT
from bot.teams.render import CHOICES_HINT as TEAMS_CHOICES_HINT
from tests.e2e.conftest import SlackBot
from tests.e2e.teams.conftest import LEADER_AAD, TeamsBot, card_actions, card_texts, invoke_card
from tests.e2e.test_parity import Turn, assert_same_facts, console_driver, facts, slack_driver
from tests.fakes import AMBIGUOUS_QUESTION, pin_ambiguous

INPUTS = [
    "DX推進リーダーは何人？",
    "ガバクラは義務？",
    "有給休暇の申請方法を教えて",
    "書かない窓口とは？",
    "DX推進本部の本部長は誰？",
    "KPIは何がありますか",
    "ヘルプ",
    "help",
    "一覧",
    "list",
    "状況",
    "状況 書かない窓口",
    "状況 市民生活課",
    "status 1-02",
    "履歴 1-02",
    "報告 書かない窓口 実施中 150%",
    "報告 どこにもない取組み 実施中",
    "報告 書かない窓口 たぶん進んでる",
    "取消",
    "登録 市民生活課 リーダー",  # refused: the leader is not an admin
]
assert len(INPUTS) == 20


def teams_facts(line: str) -> str:
    line = line.replace("＜", "<").replace("＞", ">").replace("@dxbot ", "")
    line = re.sub(r"^- ", "• ", line)
    return facts(line)


def card_lines(card: dict) -> list[str]:  # type: ignore[type-arg]
    raw: list[str] = []
    for block in card_texts(card):
        for line in block.split("\n"):
            if not line.strip() or line.startswith("質問: ") or line == TEAMS_CHOICES_HINT or "ありがとうございます（" in line:
                continue
            raw.append(f"（{line}）" if line.startswith("出典: ") else line)
    return [teams_facts(line) for line in raw]


def teams_driver(bot: TeamsBot) -> Callable[[Turn], list[str]]:
    def say(turn: Turn) -> list[str]:
        reply = bot.teams.say(turn.text, user=LEADER_AAD)
        if reply.cards:
            return card_lines(reply.cards[0])
        return [teams_facts(line) for line in reply.text.split("\n") if line.strip() and line.strip() != PICK_HINT]

    return say


@pytest.fixture
def teams(start_teams_bot, tmp_path: Path) -> TeamsBot:  # type: ignore[no-untyped-def]
    return start_teams_bot(f"sqlite:///{tmp_path / 'teams.sqlite3'}")


def test_the_same_conversation_gives_the_same_facts_in_teams(bot: SlackBot, teams: TeamsBot) -> None:
    pin_ambiguous(bot.services)
    pin_ambiguous(teams.services)
    assert_same_facts({"console": console_driver(bot), "slack": slack_driver(bot), "teams": teams_driver(teams)})


@pytest.mark.parametrize("text", INPUTS)
def test_console_slack_and_teams_say_the_same(bot: SlackBot, teams: TeamsBot, text: str) -> None:
    turn = Turn(text)
    expected = console_driver(bot)(turn)
    assert expected, f"the console said nothing for {text!r}"
    assert slack_driver(bot)(turn) == expected
    assert teams_driver(teams)(turn) == expected


def test_a_button_pick_in_teams_gives_what_a_number_gives(bot: SlackBot, teams: TeamsBot) -> None:
    pin_ambiguous(bot.services)
    pin_ambiguous(teams.services)
    console, in_teams = console_driver(bot), teams_driver(teams)
    assert console(Turn(AMBIGUOUS_QUESTION)) == in_teams(Turn(AMBIGUOUS_QUESTION))
    by_number = console(Turn("1"))
    choices = teams.teams.say(AMBIGUOUS_QUESTION).cards[0]
    picked = invoke_card(teams.teams.click(card_actions(choices)[0]))
    assert card_lines(picked) == by_number
    # The button consumed the choices, as a typed number does: a number now gets the short help.
    assert in_teams(Turn("1")) == console(Turn("1"))


def test_the_inputs_cover_every_kind_of_reply(bot: SlackBot) -> None:
    from bot.replies import Answer, Message, NoAnswer, Refusal
    from tests.rendering import chat

    kinds = {type(bot.services.handle(chat("U0LEADER1"), text)) for text in INPUTS}
    assert {Answer, NoAnswer, Message, Refusal} <= kinds
