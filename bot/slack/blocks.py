"""Block Kit primitives, the report form (modal) and App Home views; replies are rendered in render.py.

Text given to `sections` / `context` is plain and escaped here; `mrkdwn_sections` / `context_mrkdwn`
take mrkdwn already rendered (and escaped) by bot/slack/render.py. Limits respected here: 3,000
characters per section, 50 blocks per message (100 per view), 75 characters per button or option,
100 options.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jobs.mrkdwn import escape, split_text, truncate

SlackBlock = dict[str, Any]
Block = SlackBlock

SECTION_LIMIT = 3000
CONTEXT_LIMIT = 2000
MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
LABEL_LIMIT = 75
OPTION_LIMIT = 100
FALLBACK_LIMIT = 3000

# action_id / callback_id / block_id: the contract between the rendered blocks and the listeners.
ACTION_CHOICE_PREFIX = "dx_choice_"
ACTION_FEEDBACK_HELPFUL = "dx_feedback_helpful"
ACTION_FEEDBACK_WRONG = "dx_feedback_wrong"
ACTION_SHARE = "dx_share"
ACTION_OPEN_REPORT = "dx_open_report"
BLOCK_ANSWER_ACTIONS = "dx_answer_actions"
BLOCK_CHOICES = "dx_choices"
REPORT_CALLBACK = "dx_report_form"
FIELD_INITIATIVE = "initiative"
FIELD_STATUS = "status"
FIELD_PERCENT = "percent"
FIELD_NOTE = "note"
FIELD_DEPARTMENT = "department"
FIELD_ACTION = "value"  # every input element in the form uses this action_id


def unescape(text: str) -> str:
    """Text as the user typed it: Slack sends &, < and > escaped in messages and commands."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def encode_value(**values: Any) -> str:
    """A button value: compact JSON, well under Slack's 2,000 characters."""
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


def decode_value(value: str | None) -> dict[str, Any]:
    try:
        decoded = json.loads(value or "{}")
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}


@dataclass(frozen=True)
class SlackMessage:
    text: str  # the notification / fallback text
    blocks: list[Block]


# ---------------------------------------------------------------- primitives


def plain(text: str, limit: int = LABEL_LIMIT) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    # verbatim: Slack must not turn a URL or #channel in the text into a link of its own accord.
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def mrkdwn_sections(text: str) -> list[Block]:
    """Rendered mrkdwn as sections, split at line ends so none exceeds 3,000 characters."""
    return [{"type": "section", "text": mrkdwn(chunk)} for chunk in split_text(text, SECTION_LIMIT)]


def sections(text: str) -> list[Block]:
    """Plain text, escaped, as sections."""
    return mrkdwn_sections(escape(text))


def context_mrkdwn(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(truncate(text, CONTEXT_LIMIT))]}


def context(text: str) -> Block:
    """Plain text, escaped, as a context line."""
    return context_mrkdwn(escape(text))


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain(text), "action_id": action_id, "value": value}
    if style:
        element["style"] = style
    return element


def fit(blocks: list[Block], limit: int = MESSAGE_BLOCK_LIMIT) -> list[Block]:
    """Keep the last block (the buttons, usually) when a message would exceed the block limit."""
    if len(blocks) <= limit:
        return blocks
    return [*blocks[: limit - 2], context("（長いため省略しました）"), blocks[-1]]


# ---------------------------------------------------------------- the report form


@dataclass(frozen=True)
class FormInitiative:
    id: str
    name: str
    reform: int


@dataclass(frozen=True)
class FormReform:
    no: int
    symbol: str
    name: str


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text), "value": value[:150]}


def initiative_option_groups(
    initiatives: Sequence[FormInitiative], reforms: Mapping[int, FormReform]
) -> list[dict[str, Any]]:
    """Initiatives grouped by reform, at most 100 options in all (Slack's limit for a static select)."""
    groups: list[dict[str, Any]] = []
    remaining = OPTION_LIMIT
    for no in sorted({i.reform for i in initiatives}):
        members = [i for i in initiatives if i.reform == no][:remaining]
        if not members:
            break
        remaining -= len(members)
        reform = reforms.get(no)
        label = f"{reform.symbol} {reform.name}" if reform else f"改革 {no}"
        groups.append(
            {"label": plain(label), "options": [_option(f"{i.id} {i.name}", i.id) for i in members]}
        )
    return groups


def report_form(
    *,
    initiatives: Sequence[FormInitiative],
    reforms: Mapping[int, FormReform],
    statuses: Iterable[tuple[str, str]],
    reporter_label: str,
    private_metadata: str,
    departments: Sequence[str] = (),
    own_department: str | None = None,
    note_limit: int = 1000,
) -> dict[str, Any]:
    """The modal behind `/dx 報告` alone. `statuses`: (value, label); `departments`: admins only."""
    status_options = [_option(label, value) for value, label in statuses]
    blocks: list[Block] = [
        {
            "type": "input",
            "block_id": FIELD_INITIATIVE,
            "label": plain("取組み"),
            "element": {
                "type": "static_select",
                "action_id": FIELD_ACTION,
                "placeholder": plain("取組みを選んでください"),
                "option_groups": initiative_option_groups(initiatives, reforms),
            },
        },
        {
            "type": "input",
            "block_id": FIELD_STATUS,
            "label": plain("状況"),
            "element": {
                "type": "static_select",
                "action_id": FIELD_ACTION,
                "placeholder": plain("状況を選んでください"),
                "options": status_options,
            },
        },
        {
            "type": "input",
            "block_id": FIELD_PERCENT,
            "optional": True,
            "label": plain("進捗率（%）"),
            "hint": plain("0〜100 の整数。わからなければ空欄で構いません。"),
            "element": {
                "type": "plain_text_input",
                "action_id": FIELD_ACTION,
                "placeholder": plain("例: 60"),
            },
        },
        {
            "type": "input",
            "block_id": FIELD_NOTE,
            "optional": True,
            "label": plain("メモ"),
            "element": {
                "type": "plain_text_input",
                "action_id": FIELD_ACTION,
                "multiline": True,
                "max_length": note_limit,
                "placeholder": plain("例: 来庁者アンケート実施"),
            },
        },
    ]
    if departments:
        element: dict[str, Any] = {
            "type": "static_select",
            "action_id": FIELD_ACTION,
            "options": [_option(name, name) for name in departments[:OPTION_LIMIT]],
        }
        if own_department in departments[:OPTION_LIMIT]:
            element["initial_option"] = _option(own_department, own_department)  # type: ignore[arg-type]
        blocks.append(
            {
                "type": "input",
                "block_id": FIELD_DEPARTMENT,
                "label": plain("報告する課（管理者のみ）"),
                "element": element,
            }
        )
    blocks.append(context(f"報告者: {reporter_label}"))
    return {
        "type": "modal",
        "callback_id": REPORT_CALLBACK,
        "title": plain("進捗報告", 24),
        "submit": plain("報告する", 24),
        "close": plain("キャンセル", 24),
        "private_metadata": private_metadata[:3000],
        "blocks": blocks,
    }


def result_view(title: str, text: str) -> dict[str, Any]:
    """What the modal turns into after a submission: the same confirmation the text command gives.

    `text` is rendered mrkdwn (bot/slack/render.py), already escaped."""
    return {
        "type": "modal",
        "title": plain(title, 24),
        "close": plain("閉じる", 24),
        "blocks": fit(mrkdwn_sections(text), VIEW_BLOCK_LIMIT),
    }


# ---------------------------------------------------------------- App Home


@dataclass(frozen=True)
class HomeRow:
    initiative_id: str
    initiative_name: str
    status: str | None  # e.g. "実施中 60%"; None: no report yet
    reported: str | None = None  # e.g. "2026-11-20 山田 花子"
    note: str = ""


def home_view(
    *,
    greeting: str,
    department: str | None,
    rows: Sequence[HomeRow],
    can_report: bool,
    footer: str,
) -> dict[str, Any]:
    blocks: list[Block] = [{"type": "header", "text": plain("DX推進ボット", 150)}, *sections(greeting)]
    if can_report:
        blocks.append(
            {
                "type": "actions",
                "elements": [button("進捗を報告する", ACTION_OPEN_REPORT, "home", style="primary")],
            }
        )
    if department is not None:
        blocks.append({"type": "divider"})
        blocks += sections(f"*{department}の取組み*")
        if not rows:
            blocks.append(context("まだ報告がありません。`/dx 報告` か上のボタンから報告できます。"))
        lines = []
        for row in rows:
            status = row.status or "未報告"
            line = f"• {row.initiative_id} {row.initiative_name} — {status}"
            if row.reported:
                line += f"（{row.reported}）"
            if row.note:
                line += f"\n　{truncate(row.note, 200)}"
            lines.append(line)
        if lines:
            blocks += sections("\n".join(lines))
    blocks += [{"type": "divider"}, context(footer)]
    return {"type": "home", "blocks": fit(blocks, VIEW_BLOCK_LIMIT)}


def error_view(text: str) -> dict[str, Any]:
    return result_view("エラー", escape(text))
