"""A person's words never format, ping, link or fake structure, wherever the bot shows them.

Hostile notes go through the real report path (the form, as a multi-line note can only come from it; stored,
read back), and a hostile name and department through the staff directory; then every view that shows them
(the report confirmation, 履歴, 状況 of the initiative and of the department, App Home, the question echo of
「もしかして」) is drawn by each renderer: Slack mrkdwn, Teams markdown and Adaptive Cards, the console. For each
rendering, the markup the note carries must not survive in a form the platform would read, and no line may
start with what the note tried to put there.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest

from bot.console import render_text
from bot.handlers.progress import render_report
from bot.home import home_for
from bot.progress.form import submit_report_form
from bot.replies import Message, Reply, UserRef, UserText, blocks, para
from bot.slack import render as slack
from bot.teams import render as teams
from storage.progress import StaffRole
from tests.integration.conftest import say

LEADER = UserRef("console", "ULEAD")  # 山田 花子, 市民生活課

# (note, fragments that must not appear in a platform's markup: "slack", "teams", or "all" renderers).
# A fragment that must not start a line is listed in LINE_STARTS and checked everywhere.
NOTES: list[tuple[str, dict[str, list[str]]]] = [
    ("*太字*", {"slack": ["*太字*"], "teams": ["*太字*"]}),
    ("**太字**", {"slack": ["*太字*"], "teams": ["**太字**", "*太字*"]}),
    ("_斜体_", {"slack": ["_斜体_"], "teams": ["_斜体_"]}),
    ("~取消~", {"slack": ["~取消~"], "teams": ["~取消~"]}),
    ("~~取消~~", {"teams": ["~~取消~~"]}),
    ("`コード`", {"slack": ["`コード`"], "teams": ["`コード`"]}),
    ("```ブロック```", {"slack": ["```"], "teams": ["```"]}),
    ("<!channel> 至急", {"slack": ["<!channel>"], "teams": ["<!channel>"]}),
    ("<!here|here>", {"slack": ["<!here"], "teams": ["<!here"]}),
    ("<@U0ADMIN01> 確認", {"slack": ["<@U0ADMIN01>"], "teams": ["<@U0ADMIN01>"]}),
    ("<#C0DXCHAN1|dx推進>", {"slack": ["<#C0DXCHAN1"], "teams": ["<#C0DXCHAN1"]}),
    ("<http://evil.example|公式サイト>", {"slack": ["<http://evil.example"], "teams": ["http://evil", "<http"]}),
    ("<at>江津 太郎</at>", {"slack": ["<at>"], "teams": ["<at>"]}),
    ("[公式](http://evil.example)", {"slack": ["<http"], "teams": ["](http", "http://evil"]}),
    ("https://evil.example/x www.evil.example", {"slack": ["<https"], "teams": ["https://evil", "www.evil"]}),
    ("<b>太字</b><script>alert(1)</script>", {"slack": ["<b>", "<script"], "teams": ["<b>", "<script", "</b>"]}),
    ("&lt;!channel&gt;", {"slack": ["&lt;!channel&gt;"], "teams": ["&lt;"]}),
    ("# 見出し", {}),
    ("- 偽の項目", {}),
    ("1. 偽の番号", {}),
    ("> 引用", {}),
    ("メモ\n• 状況: 完了 100%", {}),
    ("メモ\r\n\r\n**状況: 完了 100%**", {"teams": ["**状況"]}),
    ("メモ\n- 状況: 完了 100%\n# 見出し", {}),
    ("メモ\u2028• 状況: 完了 100%", {"all": ["\u2028"]}),
    ("メモ\u2029• 状況: 完了 100%", {"all": ["\u2029"]}),
    ("メモ\x0b• 状況: 完了 100%\x0c> 引用", {"all": ["\x0b", "\x0c"]}),
    ("メモ\x85• 状況: 完了 100%", {"all": ["\x85"]}),
    ("\u202e%001 了完 :況状\u202c", {"all": ["\u202e", "\u202c"]}),
    ("\u2066隔離\u2069 \u200f右\u200e", {"all": ["\u2066", "\u2069", "\u200f", "\u200e"]}),
    ("\x1b[31m赤\x1b[0m \x00 \x07", {"all": ["\x1b", "\x00", "\x07"]}),
]
LINE_STARTS = ("# 見出し", "- 偽", "1. 偽", "> 引用", "&gt; 引用", "• 状況: 完了", "- 状況: 完了", "状況: 完了", "**状況")
HOSTILE_NAME = "*山田*\n• 状況: 完了 100% <!channel>"
HOSTILE_DEPARTMENT = "_企画_<@U0ADMIN01>課"


# ---------------------------------------------------------------- what each renderer puts on screen


def _slack_mrkdwn(node: Any) -> Iterator[str]:
    """Every mrkdwn text in a Slack message or view (plain_text objects cannot format anything)."""
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from _slack_mrkdwn(value)
    elif isinstance(node, list):
        for item in node:
            yield from _slack_mrkdwn(item)


def _card_texts(node: Any) -> Iterator[str]:
    """Every TextBlock of an Adaptive Card (the markdown subset Teams reads there)."""
    if isinstance(node, dict):
        if node.get("type") == "TextBlock" and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from _card_texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _card_texts(item)


def renderings(reply: Reply) -> dict[str, list[str]]:
    slack_message = slack.render_reply(reply, ephemeral=True, echo_question=True)
    teams_message = teams.render_reply(reply, "personal", echo_question=True)
    return {
        "slack": [slack_message.text, *_slack_mrkdwn(slack_message.blocks)],
        "teams": [teams_message.text, *_card_texts(teams_message.card or {})],
        "console": [render_text(reply)],
    }


def problems(outputs: dict[str, list[str]], forbidden: dict[str, list[str]]) -> list[str]:
    found = []
    for platform, texts in outputs.items():
        for fragment in forbidden.get(platform, []) + forbidden.get("all", []):
            if any(fragment in text for text in texts):
                found.append(f"{platform}: {fragment!r} survives")
        for text in texts:
            for line in text.splitlines():  # every line break Python knows, \u2028 and \x85 included
                stripped = line.lstrip(" ")  # (markdown ignores leading spaces; an ideographic one it does not)
                if stripped.startswith(LINE_STARTS):
                    found.append(f"{platform}: a line starts with {stripped[:16]!r}")
        if platform == "console":
            for text in texts:
                if any(unicodedata.category(c) in ("Cc", "Cf") and c != "\n" for c in text):
                    found.append("console: a control character survives")
    return found


# ---------------------------------------------------------------- the views


def _views(services: Any, initiative: str, marker: str) -> dict[str, Reply]:
    return {
        "履歴": say(services, "ULEAD", f"履歴 {initiative}"),
        "状況": say(services, "ULEAD", f"状況 {initiative}"),
        "課の状況": say(services, "ULEAD", "状況 市民生活課"),
    }


def test_hostile_notes_are_inert_in_every_view_and_renderer(staffed) -> None:  # type: ignore[no-untyped-def]
    initiatives = [i.id for i in staffed.progress.list_initiatives()]
    failures: list[str] = []
    shown = 0
    for number, (note, forbidden) in enumerate(NOTES):
        initiative = initiatives[number % len(initiatives)]
        marker = f"N{number:02d}"
        values = {"initiative": initiative, "status": "in_progress", "percent": "60", "note": f"{note} {marker}"}
        result = submit_report_form(staffed.progress, LEADER, values, request_id=f"hostile-{number}", source="slack")
        assert result.outcome is not None, (note, result.errors)
        views = {"確認": Message(render_report(result.outcome, staffed.progress)), **_views(staffed, initiative, marker)}
        for view, reply in views.items():
            outputs = renderings(reply)
            if view != "課の状況":  # the department's list shows each initiative's status, not every note
                assert all(any(marker in t for t in texts) for texts in outputs.values()), (view, note, outputs)
            shown += 1
            failures += [f"{view} {note!r}: {p}" for p in problems(outputs, forbidden)]
        home = slack.home_view(home_for(staffed.progress, LEADER))
        # Home lists every initiative's latest note: only the line of this one (a note cannot add a line).
        home_texts = [line for text in _slack_mrkdwn(home) for line in text.split("\n") if marker in line]
        assert home_texts or initiative not in {r.initiative_id for r in home_for(staffed.progress, LEADER).rows}
        failures += [f"App Home {note!r}: {p}" for p in problems({"slack": home_texts}, forbidden)]
    spoilt = {f.split(": ", 2)[0] + f.split(": ", 2)[1].split(":")[0] for f in failures}  # view, note, platform
    print(f"\nhostile notes: {len(NOTES)}, renderings: {shown * 3 + len(NOTES)}, with formatting or structure: {len(spoilt)}")
    assert not failures, "\n".join(failures)


def test_hostile_questions_are_inert_where_they_are_echoed(staffed) -> None:  # type: ignore[no-untyped-def]
    failures: list[str] = []
    for note, forbidden in NOTES:
        reply = say(staffed, "ULEAD", f"DX推進リーダー {note}")
        failures += [f"echo {note!r}: {p}" for p in problems(renderings(reply), forbidden)]
    assert not failures, "\n".join(failures)


def test_a_hostile_name_and_department_are_inert_too(staffed) -> None:  # type: ignore[no-untyped-def]
    staffed.progress.staff.register(
        user_id="UHOST", name=HOSTILE_NAME, department=HOSTILE_DEPARTMENT, role=StaffRole.LEADER, now=staffed.clock()
    )
    hostile = UserRef("console", "UHOST")
    values = {"initiative": "1-02", "status": "in_progress", "percent": "60", "note": "通常のメモ"}
    result = submit_report_form(staffed.progress, hostile, values, request_id="hostile-name", source="slack")
    assert result.outcome is not None, result.errors
    forbidden = {"slack": ["*山田*", "<!channel>", "_企画_", "<@U0ADMIN01>"], "teams": ["*山田*", "<!channel>", "_企画_"]}
    views = {
        "確認": Message(render_report(result.outcome, staffed.progress)),
        "履歴": say(staffed, "UHOST", "履歴 1-02"),
        "状況": say(staffed, "UHOST", "状況 1-02"),
        "課の状況": say(staffed, "UHOST", f"状況 {HOSTILE_DEPARTMENT}"),
    }
    failures = [f"{view}: {p}" for view, reply in views.items() for p in problems(renderings(reply), forbidden)]
    home = home_for(staffed.progress, hostile)
    failures += [f"App Home: {p}" for p in problems({"slack": list(_slack_mrkdwn(slack.home_view(home)))}, forbidden)]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("note", [n for n, _f in NOTES])
def test_the_teams_form_card_shows_the_reporter_and_errors_inert(note: str) -> None:
    from bot.progress.form import FormGroup, FormOption, ReportForm
    from bot.teams import cards

    form = ReportForm(
        reporter_label=f"{HOSTILE_NAME}（{HOSTILE_DEPARTMENT}）",
        initiatives=(FormGroup("① 市民サービスの改革", (FormOption("1-02", "1-02 書かない窓口"),)),),
        statuses=(FormOption("in_progress", "実施中"),),
    )
    # Field errors reach the card as the core's neutral blocks, the words they quote as UserText.
    error = blocks(para("メモ「", UserText(note), "」は記録できません。"))
    card = cards.report_form_card(form, values={"note": note}, errors={"note": error})
    found = problems({"teams": list(_card_texts(card))}, {"teams": ["*山田*", "<!channel>", "_企画_"]})
    assert not found, found
