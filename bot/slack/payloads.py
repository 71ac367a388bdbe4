"""Slack interaction payloads, checked before any listener reads them.

Slack's own payloads always have this shape; a signed payload that does not (no or empty `actions`, a user
without an id, a view without its state, a field of the wrong type) was forged or broken on the way, and is
answered with 400 by `CheckedApp.dispatch` before Bolt sees it (Bolt itself indexes `actions[0]`). What passes comes out as small dataclasses, so a listener never digs in the raw dict. What a
button carries (`{"e", "l"}`) is the platform-neutral bot/buttons.py's to judge, after the ack, where the
listener can say so in Japanese.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

from bot.progress.form import (
    FIELD_DEPARTMENT,
    FIELD_INITIATIVE,
    FIELD_NOTE,
    FIELD_PERCENT,
    FIELD_STATUS,
    FormValues,
)
from bot.slack.blocks import ACTION_OPEN_REPORT, FIELD_ACTION, REPORT_CALLBACK

logger = logging.getLogger(__name__)

_USER_ID = re.compile(r"[UW][A-Z0-9]{2,31}")
_ID = re.compile(r"[A-Za-z0-9._:\-]{1,255}")  # a channel, view or trigger id, a message ts
_ACTION_ID = re.compile(r"[A-Za-z0-9_.\-]{1,255}")
MAX_VALUE_CHARS = 2000  # Slack's limit for a button value
MAX_INPUT_CHARS = 3000  # Slack's limit for a plain-text input
UNREADABLE_FORM = "フォームの内容を読み取れませんでした（何も記録していません）。お手数ですが、もう一度フォームを開いて入力してください。"


class MalformedPayload(ValueError):
    """Not a payload Slack sends. The message is for the log (English), never shown to a user."""


@dataclass(frozen=True)
class Click:
    """One button click (`block_actions`), as the listeners need it."""

    action_id: str
    value: str | None
    user_id: str
    channel: str | None
    thread: str | None
    ephemeral: bool
    trigger_id: str | None
    response_url: str | None


@dataclass(frozen=True)
class Submission:
    """The report form submitted (`view_submission`). `values` is None when the state cannot be read."""

    user_id: str
    view_id: str
    values: FormValues | None


def _object(body: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = body.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise MalformedPayload(f"{key} is not an object")
    return value


def _optional_id(value: Any, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise MalformedPayload(f"{what} is not an id")
    return value


def _user_id(body: Mapping[str, Any]) -> str:
    user_id = _object(body, "user").get("id")
    if not isinstance(user_id, str) or not _USER_ID.fullmatch(user_id):
        raise MalformedPayload("no user id")
    return user_id


def read_click(body: Mapping[str, Any]) -> Click:
    """The first action of a `block_actions` payload and who clicked where; `MalformedPayload` otherwise."""
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], Mapping):
        raise MalformedPayload("no actions")
    action = actions[0]
    action_id = action.get("action_id")
    if not isinstance(action_id, str) or not _ACTION_ID.fullmatch(action_id):
        raise MalformedPayload("no action id")
    value = action.get("value")
    if value is not None and (not isinstance(value, str) or len(value) > MAX_VALUE_CHARS):
        raise MalformedPayload("action value is not a string")
    container = _object(body, "container")
    message = _object(body, "message")
    channel = _optional_id(_object(body, "channel").get("id") or container.get("channel_id"), "channel")
    thread = _optional_id(container.get("thread_ts") or message.get("thread_ts"), "thread")
    trigger_id = _optional_id(body.get("trigger_id"), "trigger_id")
    response_url = body.get("response_url")
    # (http: the tests' fake Slack on loopback; Slack's own are https)
    if response_url is not None and not (isinstance(response_url, str) and response_url.startswith(("https://", "http://"))):
        raise MalformedPayload("response_url is not a URL")
    # Buttons on a message are answered through its response_url; only App Home's (a view) have none.
    if response_url is None and (action_id != ACTION_OPEN_REPORT or trigger_id is None):
        raise MalformedPayload("nowhere to answer (no response_url)")
    return Click(
        action_id=action_id,
        value=value,
        user_id=_user_id(body),
        channel=channel,
        thread=thread,
        ephemeral=container.get("is_ephemeral") is True,
        trigger_id=trigger_id,
        response_url=response_url,
    )


def _selected(block: Any) -> str | None:
    field = _field(block)
    option = field.get("selected_option")
    if option is None:
        return None
    if not isinstance(option, Mapping):
        raise MalformedPayload("selected_option is not an object")
    return _text(option.get("value"))


def _typed(block: Any) -> str | None:
    return _text(_field(block).get("value"))


def _field(block: Any) -> Mapping[str, Any]:
    if block is None:
        return {}
    if not isinstance(block, Mapping):
        raise MalformedPayload("a form block is not an object")
    field = block.get(FIELD_ACTION)
    if field is None:
        return {}
    if not isinstance(field, Mapping):
        raise MalformedPayload("a form field is not an object")
    return field


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_INPUT_CHARS:
        raise MalformedPayload("a form value is not a string of a possible length")
    return value


def form_values(values: Any) -> FormValues:
    """Slack's view state as the core's form values (field name → the text typed or the value chosen)."""
    if not isinstance(values, Mapping):
        raise MalformedPayload("state values are not an object")
    out: dict[str, str | None] = {}
    for name in (FIELD_INITIATIVE, FIELD_STATUS, FIELD_DEPARTMENT):
        out[name] = _selected(values.get(name))
    for name in (FIELD_PERCENT, FIELD_NOTE):
        out[name] = _typed(values.get(name))
    return out


def read_submission(body: Mapping[str, Any]) -> Submission:
    """The report form's submission; `MalformedPayload` when it is not one Slack could send."""
    view = _object(body, "view")
    if view.get("callback_id") != REPORT_CALLBACK:
        raise MalformedPayload("not the report form")
    view_id = _optional_id(view.get("id"), "view id")
    if view_id is None:
        raise MalformedPayload("no view id")
    user_id = _user_id(body)
    try:
        state = _object(view, "state")
        values: FormValues | None = form_values(state.get("values") if "values" in state else {})
    except MalformedPayload as error:
        # The modal is open in front of the person: tell them there, rather than an HTTP error.
        logger.info("report form state unreadable (%s)", error)
        values = None
    return Submission(user_id=user_id, view_id=view_id, values=values)


def malformed_reason(body: Any) -> str | None:
    """Why an interaction payload cannot be handled, or None (also None for what is not an interaction)."""
    if not isinstance(body, Mapping):
        return None
    try:
        if body.get("type") == "block_actions":
            read_click(body)
        elif body.get("type") == "view_submission":
            read_submission(body)
    except MalformedPayload as error:
        return str(error)
    return None


class CheckedApp(App):
    """Bolt's App, refusing a malformed interaction with 400 before its own dispatch.

    Not a middleware: Bolt builds every middleware's arguments with `body["actions"][0]`, so an empty
    `actions` fails inside Bolt (and inside its error handler) before any middleware of ours could run.
    Over HTTP the signature was checked before this (bot/slack/http.py); Socket Mode has no signatures."""

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        reason = malformed_reason(req.body)
        if reason is not None:
            logger.info("malformed %s payload refused: %s", req.body.get("type"), reason)
            return BoltResponse(status=400, body="")
        response = super().dispatch(req)
        if response.status == 404 and isinstance(req.body, dict) and req.body.get("type") != "event_callback":
            # No listener for it: a payload type or form we never draw (Bolt says 404), a bad request to us.
            return BoltResponse(status=400, body="")
        return response
