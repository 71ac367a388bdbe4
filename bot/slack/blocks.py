"""Block Kit primitives and Slack's limits; replies, the report form and App Home are rendered in render.py.

Text given to `sections` / `context` is plain and escaped here; `mrkdwn_sections` / `context_mrkdwn`
take mrkdwn already rendered (and escaped) by bot/slack/render.py. Limits respected here: 3,000
characters per section, 50 blocks per message (100 per view), 75 characters per button or option,
100 options.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.slack.mrkdwn import escape, split_text, truncate

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
# The form's block ids are the core's field names (bot/progress/form.py FIELD_*).
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


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text), "value": value[:150]}


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


def result_view(title: str, text: str) -> dict[str, Any]:
    """What the modal turns into after a submission: the same confirmation the text command gives.

    `text` is rendered mrkdwn (bot/slack/render.py), already escaped."""
    return {
        "type": "modal",
        "title": plain(title, 24),
        "close": plain("閉じる", 24),
        "blocks": fit(mrkdwn_sections(text), VIEW_BLOCK_LIMIT),
    }


def error_view(text: str) -> dict[str, Any]:
    return result_view("エラー", escape(text))
