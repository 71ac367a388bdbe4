"""The console, Slack and Teams give the same facts for the same 20 inputs.

Each input goes once through `run_console` (as `dxbot chat` runs it, piped), once through `/dx` over signed
HTTP to the Bolt app, and once as a Teams personal-chat message over HTTP to the Agents SDK app. Replies are
read back as plain lines; what is adapter-specific by design is set aside: how each platform writes markup
(`*bold*` and `/dx 報告` in Slack, `**bold**`, `` `報告` `` and full-width ＜＞ in Teams, 「報告」 in the
console), the question echo, and how to pick a choice (type a number, press a button). What is compared
are the facts: the same words, line by line, in the same order.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.console import PICK_HINT
from bot.teams.render import CHOICES_HINT as TEAMS_CHOICES_HINT
from tests.e2e.teams.conftest import LEADER_AAD, TeamsBot, card_texts
from tests.e2e.test_console_slack_parity import _lines, console_lines, facts, slack_lines

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


def teams_facts(line: str) -> str:
    line = line.replace("＜", "<").replace("＞", ">").replace("@dxbot ", "")
    line = re.sub(r"^- ", "• ", line)
    return facts(line)


def teams_lines(bot: TeamsBot, text: str) -> list[str]:
    reply = bot.teams.say(text, user=LEADER_AAD)
    raw: list[str] = []
    if reply.cards:
        for block in card_texts(reply.cards[0]):
            for line in block.split("\n"):
                if not line.strip() or line.startswith("質問: ") or line == TEAMS_CHOICES_HINT:
                    continue
                raw.append(f"（{line}）" if line.startswith("出典: ") else line)
    else:
        raw = [line for line in reply.text.split("\n") if line.strip()]
    return [teams_facts(line) for line in raw if line.strip() != PICK_HINT]


@pytest.fixture
def teams(start_teams_bot, tmp_path: Path) -> TeamsBot:  # type: ignore[no-untyped-def]
    return start_teams_bot(f"sqlite:///{tmp_path / 'teams.sqlite3'}")


@pytest.mark.parametrize("text", INPUTS)
def test_console_slack_and_teams_say_the_same(bot: Any, teams: TeamsBot, text: str) -> None:
    expected = console_lines(bot.services, text)
    assert expected, f"the console said nothing for {text!r}"
    assert slack_lines(bot, text, "parity") == expected
    assert teams_lines(teams, text) == expected


def test_the_inputs_cover_every_kind_of_reply(bot: Any) -> None:
    from bot.replies import Answer, Message, NoAnswer, Refusal
    from tests.rendering import chat

    kinds = {type(bot.services.handle(chat("U0LEADER1"), text)) for text in INPUTS}
    assert {Answer, NoAnswer, Message, Refusal} <= kinds
    assert len(INPUTS) == 20
    assert _lines("x") == ["x"]
