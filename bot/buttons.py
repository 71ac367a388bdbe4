"""What the bot's own buttons carry back, checked the same way for every platform.

An answer's 役に立った / 違った, 「チャンネルに共有」 and a 「もしかして」 choice carry `{"e": entry id, "l": question
log id or null}` (Slack in the button's JSON value, Teams in the card action's data). A click can be forged or
come from a card an older version drew, so nothing in it is trusted: the entry id must be a short string and the
log id a row id the database can hold (SQL INTEGER) or absent. Anything else is a `UserError` the adapter shows
as it shows any refusal; whether the entry and the logged question exist is checked where they are read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.errors import UserError

# The question log's id is an SQL INTEGER (32-bit on PostgreSQL), and ids start at 1.
MAX_ROW_ID = 2**31 - 1
MAX_ENTRY_ID_CHARS = 128  # the width of the entry_id columns
STALE_BUTTON = "このボタンの情報を読み取れませんでした。お手数ですが、もう一度質問してください。"


@dataclass(frozen=True)
class ButtonValue:
    entry_id: str
    log_id: int | None


def row_id(value: Any) -> int | None:
    """`value` as a row id the database can hold, or None when it cannot be one (bool, float, text, range)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 1 <= value <= MAX_ROW_ID else None


def read_button_value(data: Mapping[str, Any] | Any) -> ButtonValue:
    """The entry and question a button names; a `UserError` (Japanese) when they cannot be ours."""
    if not isinstance(data, Mapping):
        raise UserError(STALE_BUTTON)
    entry_id = data.get("e")
    if not isinstance(entry_id, str) or not entry_id.strip() or len(entry_id) > MAX_ENTRY_ID_CHARS:
        raise UserError(STALE_BUTTON)
    raw_log = data.get("l")
    log_id = row_id(raw_log)
    if raw_log is not None and log_id is None:
        raise UserError(STALE_BUTTON)
    return ButtonValue(entry_id, log_id)
