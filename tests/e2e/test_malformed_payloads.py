"""Malformed and forged Slack interactions, signed as Slack signs them and sent over HTTP to the real Bolt app.

Every hostile shape gets a 400, or a 200 with a Japanese reply the user can read (an ephemeral through the
response_url, a view, or the form's own answer); never a 5xx, never a logged error or traceback, and nothing
changes in the database. A table of named shapes (each one a way a payload was seen or could be broken), then
a hypothesis fuzz that breaks one field of a real payload at a time.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.console import GENERIC_ERROR
from storage.models import AnswerFeedback, ProgressReport, QuestionLog, ReportWithdrawal, StaffMember
from tests.e2e.conftest import SlackBot, load_payload
from tests.e2e.fake_slack import RESPONSE_URL_METHOD
from tests.e2e.hostile import ErrorRecords, japanese, json_values, recording_errors

_names = itertools.count(1)
WAIT = float(os.environ.get("DXBOT_TEST_REPLY_WAIT", "8"))
ENTRY = "org-hq-size"  # a real entry of the bundled knowledge base (checked in `asked`)

# Values a forged button may carry where the bot put a question log id or an entry id.
BAD_LOG_IDS: list[Any] = [10**20, -1, 0, 2**31, 2**63, "12", "１", 1.5, float("1e300"), True, [], {}, "' OR 1=1"]
BAD_ENTRY_IDS: list[Any] = ["no-such-entry", "", 123, None, [], {"a": 1}, "x" * 5000, "table:wg-members", "\x00"]
BAD_USERS: list[Any] = [None, "U0LEADER1", 5, [], {}, {"id": None}, {"id": 5}, {"id": ""}, {"id": "x" * 500}]
BAD_VALUES: list[Any] = [None, 5, [], {}, "", "not json", "[1,2]", "null", '"e"', "{" * 3000]


def _feedback_value(**changes: Any) -> str:
    return json.dumps({"e": ENTRY, "l": None, **changes})


def _action(action_id: str = "dx_feedback_helpful", value: Any = ..., **extra: Any) -> dict[str, Any]:
    found = {
        "action_id": action_id,
        "block_id": "dx_answer_actions",
        "text": {"type": "plain_text", "text": "役に立った", "emoji": True},
        "value": _feedback_value() if value is ... else value,
        "type": "button",
        "action_ts": "1732770001.000200",
    }
    found.update(extra)
    return found


def _click(*, actions: Any = ..., drop: tuple[str, ...] = (), **fields: Any) -> Callable[[dict[str, Any]], None]:
    def change(payload: dict[str, Any]) -> None:
        if actions is not ...:
            payload["actions"] = actions
        payload.update(fields)
        for key in drop:
            payload.pop(key, None)

    return change


def _form(*path_and_value: Any) -> Callable[[dict[str, Any]], None]:
    """Set `view` › … › key to value (the last item); a path ending in a missing key adds it."""

    def change(payload: dict[str, Any]) -> None:
        *path, key, value = path_and_value
        node = payload
        for part in path:
            node = node[part]
        node[key] = value

    return change


def _drop(*path: str) -> Callable[[dict[str, Any]], None]:
    def change(payload: dict[str, Any]) -> None:
        node = payload
        for part in path[:-1]:
            node = node[part]
        node.pop(path[-1], None)

    return change


VALUES = ("view", "state", "values")
CLICKS: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    ("actions-empty", _click(actions=[])),
    ("actions-missing", _click(drop=("actions",))),
    ("actions-null", _click(actions=None)),
    ("actions-string", _click(actions="dx_feedback_helpful")),
    ("actions-object", _click(actions={"action_id": "dx_feedback_helpful"})),
    ("action-null", _click(actions=[None])),
    ("action-empty", _click(actions=[{}])),
    ("action-id-number", _click(actions=[_action(action_id=5)])),  # type: ignore[arg-type]
    ("action-unknown", _click(actions=[_action(action_id="dx_nothing")])),
    ("choice-out-of-range", _click(actions=[_action(action_id="dx_choice_99999999999999999999", value="{}")])),
    *[(f"log-id-{v!r}"[:40], _click(actions=[_action(value=_feedback_value(l=v))])) for v in BAD_LOG_IDS],
    ("log-id-unknown", _click(actions=[_action(value=_feedback_value(l=999_999))])),
    *[(f"entry-{v!r}"[:40], _click(actions=[_action(value=_feedback_value(e=v))])) for v in BAD_ENTRY_IDS],
    *[(f"value-{v!r}"[:40], _click(actions=[_action(value=v)])) for v in BAD_VALUES],
    ("value-missing", _click(actions=[{k: v for k, v in _action().items() if k != "value"}])),
    *[(f"choice-log-{v!r}"[:40], _click(actions=[_action(action_id="dx_choice_1", value=_feedback_value(l=v))])) for v in BAD_LOG_IDS[:6]],
    *[(f"choice-entry-{v!r}"[:40], _click(actions=[_action(action_id="dx_choice_1", value=_feedback_value(e=v))])) for v in BAD_ENTRY_IDS[:5]],
    *[(f"share-log-{v!r}"[:40], _click(actions=[_action(action_id="dx_share", value=_feedback_value(l=v))])) for v in BAD_LOG_IDS[:4]],
    ("share-entry-unknown", _click(actions=[_action(action_id="dx_share", value=_feedback_value(e="nope"))])),
    *[(f"user-{v!r}"[:40], _click(user=v)) for v in BAD_USERS],
    ("user-missing", _click(drop=("user",))),
    ("container-string", _click(container="x")),
    ("channel-string", _click(channel=5)),
    ("response-url-missing", _click(drop=("response_url",))),
    ("response-url-number", _click(response_url=5)),
    ("open-report-no-trigger", _click(actions=[_action(action_id="dx_open_report", value="home")], drop=("trigger_id",))),
    ("open-report-trigger-number", _click(actions=[_action(action_id="dx_open_report", value="home")], trigger_id=5)),
    ("open-report-no-user", _click(actions=[_action(action_id="dx_open_report", value="home")], drop=("user",))),
]
SUBMISSIONS: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    ("view-missing", _drop("view")),
    ("view-string", _form("view", "x")),
    ("view-id-missing", _drop("view", "id")),
    ("state-missing", _drop("view", "state")),
    ("state-string", _form("view", "state", "x")),
    ("values-list", _form("view", "state", "values", [])),
    ("values-missing", _drop("view", "state", "values")),
    ("block-string", _form(*VALUES, "initiative", "1-02")),
    ("field-string", _form(*VALUES, "initiative", "value", "1-02")),
    ("option-string", _form(*VALUES, "initiative", "value", "selected_option", "1-02")),
    ("option-value-number", _form(*VALUES, "initiative", "value", "selected_option", {"value": 102})),
    ("option-value-list", _form(*VALUES, "status", "value", "selected_option", {"value": ["in_progress"]})),
    ("initiative-unknown", _form(*VALUES, "initiative", "value", "selected_option", {"value": "9-99"})),
    ("initiative-huge", _form(*VALUES, "initiative", "value", "selected_option", {"value": "x" * 100_000})),
    ("status-unknown", _form(*VALUES, "status", "value", "selected_option", {"value": "done!"})),
    ("percent-number", _form(*VALUES, "percent", "value", "value", 60)),
    ("percent-float", _form(*VALUES, "percent", "value", "value", 60.5)),
    ("percent-huge", _form(*VALUES, "percent", "value", "value", "9" * 5000)),
    ("percent-negative", _form(*VALUES, "percent", "value", "value", "-1")),
    ("percent-list", _form(*VALUES, "percent", "value", "value", ["60"])),
    ("note-number", _form(*VALUES, "note", "value", "value", 12)),
    ("note-object", _form(*VALUES, "note", "value", "value", {"text": "x"})),
    ("note-too-long", _form(*VALUES, "note", "value", "value", "あ" * 100_000)),
    ("department-unknown", _form(*VALUES, "department", {"value": {"selected_option": {"value": "存在しない課"}}})),
    ("department-number", _form(*VALUES, "department", {"value": {"selected_option": {"value": 7}}})),
    ("user-missing", _drop("user")),
    ("user-string", _form("user", "U0LEADER1")),
    ("user-id-number", _form("user", {"id": 5})),
    ("user-unknown", _form("user", {"id": "U0NOBODY9"})),
]


# ---------------------------------------------------------------- sending and judging


def _interaction_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload, ensure_ascii=False)})


def _counts(bot: SlackBot) -> tuple[int, ...]:
    with bot.services.sessions() as session:
        return tuple(
            int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (AnswerFeedback, ProgressReport, ReportWithdrawal, StaffMember, QuestionLog)
        )


@pytest.fixture
def errors() -> Iterator[ErrorRecords]:
    with recording_errors() as records:
        yield records


def _reply_calls(bot: SlackBot, name: str, trigger: Any) -> list[Any]:
    """What the bot told the clicker: a post to this click's response_url, or a view opened with its trigger."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        calls = [c for c in bot.fake.calls_to(RESPONSE_URL_METHOD) if c.path.endswith(f"/{name}")]
        calls += [c for c in bot.fake.calls_to("views.open") if trigger and c.params.get("trigger_id") == trigger]
        if calls:
            return calls
        time.sleep(0.01)
    return []


def verdict(bot: SlackBot, errors: ErrorRecords, payload: dict[str, Any]) -> str:
    """Send one interaction; "ok" when it was refused properly, else what went wrong."""
    name = f"m{next(_names)}"
    if isinstance(payload.get("response_url"), str):
        payload["response_url"] = bot.fake.response_url(name)
    trigger = payload.get("trigger_id")
    if isinstance(trigger, str):
        payload["trigger_id"] = trigger = f"trigger.{name}"
    before = _counts(bot)
    logged = len(errors.records)
    response = bot.slack.post(_interaction_body(payload), "application/x-www-form-urlencoded")
    if response.status >= 500:
        return f"HTTP {response.status}"
    if response.status not in (200, 400):
        return f"HTTP {response.status}"
    shown = ""
    if response.status == 200:
        if payload.get("type") == "view_submission":
            shown = json.dumps(response.json(), ensure_ascii=False)
        else:
            calls = _reply_calls(bot, name, trigger)  # the listener works after the ack: wait for what it says
            if not calls:
                return "200 without a reply"
            shown = json.dumps([c.params for c in calls], ensure_ascii=False)
        if not japanese(shown):
            return "reply not Japanese"
    time.sleep(0.05) if response.status == 200 else None  # let a listener that fails after its reply log it
    if len(errors.records) > logged:
        return f"error logged: {errors.records[logged].getMessage()[:80]}"
    if GENERIC_ERROR in shown or "Traceback" in shown:
        return "generic error shown"
    if _counts(bot) != before:
        return "database changed"
    return "ok"


@pytest.fixture
def asked(start_bot: Callable[..., SlackBot], db_url: str) -> SlackBot:
    """A bot (SQLite, and PostgreSQL when configured: its INTEGER and foreign keys are stricter) with one
    logged question, so a forged id next to a real one is tried too."""
    bot = start_bot(db_url)
    assert bot.services.engine.get(ENTRY) is not None
    bot.slack.command("DX推進リーダーは何人？", response_url="first", trigger_id="trigger.first")
    bot.fake.wait_for(RESPONSE_URL_METHOD, where=lambda c: c.path.endswith("/first"), timeout=8)
    return bot


def _shapes() -> list[tuple[str, str, Callable[[dict[str, Any]], None]]]:
    return [("block_actions_ephemeral", n, f) for n, f in CLICKS] + [
        ("view_submission_report", n, f) for n, f in SUBMISSIONS
    ]


def test_every_malformed_shape_is_refused_cleanly(asked: SlackBot, errors: ErrorRecords) -> None:
    failures = {}
    for template, name, change in _shapes():
        payload = copy.deepcopy(load_payload(template))
        change(payload)
        outcome = verdict(asked, errors, payload)
        if outcome != "ok":
            failures[f"{template}:{name}"] = outcome
    print(f"\nmalformed shapes: {len(_shapes())}, refused cleanly: {len(_shapes()) - len(failures)}")
    assert not failures, json.dumps(failures, ensure_ascii=False, indent=1)


# ---------------------------------------------------------------- fuzz: one field of a real payload broken

button_values = st.builds(
    lambda entry, log: json.dumps({"e": entry, "l": log}),
    st.one_of(st.sampled_from([ENTRY, *BAD_ENTRY_IDS]), json_values),
    st.one_of(st.sampled_from([None, 1, *BAD_LOG_IDS]), json_values),
)
CLICK_PATHS = [
    ("actions",), ("actions", 0), ("actions", 0, "action_id"), ("actions", 0, "value"), ("user",), ("user", "id"),
    ("container",), ("container", "is_ephemeral"), ("container", "thread_ts"), ("channel",), ("channel", "id"),
    ("response_url",), ("trigger_id",), ("type",),
]
FORM_PATHS = [
    ("view",), ("view", "id"), ("view", "callback_id"), ("view", "state"), VALUES, (*VALUES, "initiative"),
    (*VALUES, "initiative", "value", "selected_option"), (*VALUES, "status", "value", "selected_option", "value"),
    (*VALUES, "percent", "value", "value"), (*VALUES, "note", "value", "value"), (*VALUES, "department"),
    ("user",), ("user", "id"), ("type",),
]
ACTIONS = ["dx_feedback_helpful", "dx_feedback_wrong", "dx_share", "dx_choice_1", "dx_open_report", "dx_other"]
# A change that was accepted shows what it did; anything else changed nothing.
ACCEPTED = ("ご協力ありがとうございます", "報告を記録しました", "さんが共有しました", "出典")


def _set(payload: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    node: Any = payload
    for part in path[:-1]:
        if isinstance(node, dict):
            node = node.setdefault(part, {})
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return
    if isinstance(node, dict):
        node[path[-1]] = value
    elif isinstance(node, list) and isinstance(path[-1], int) and path[-1] < len(node):
        node[path[-1]] = value


@st.composite
def broken_interactions(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.booleans()):
        payload = copy.deepcopy(load_payload("block_actions_ephemeral"))
        payload["actions"][0]["action_id"] = draw(st.sampled_from(ACTIONS))
        payload["actions"][0]["value"] = draw(button_values)
        path = draw(st.sampled_from(CLICK_PATHS))
    else:
        payload = copy.deepcopy(load_payload("view_submission_report"))
        path = draw(st.sampled_from(FORM_PATHS))
    _set(payload, path, draw(st.one_of(json_values, st.sampled_from(BAD_LOG_IDS + BAD_ENTRY_IDS + BAD_VALUES))))
    return payload


@pytest.mark.slow
@given(payload=broken_interactions())
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fuzzed_interactions_are_refused_or_done_never_half_done(asked: SlackBot, errors: ErrorRecords, payload: dict[str, Any]) -> None:
    before = _counts(asked)
    outcome = verdict(asked, errors, payload)
    if outcome == "database changed":  # the broken field was one Slack may leave out: then it must be done in full
        calls = asked.fake.calls_to(RESPONSE_URL_METHOD)
        shown = json.dumps(calls[-1].params if calls else {}, ensure_ascii=False)
        if payload.get("type") == "view_submission":
            shown = json.dumps(payload, ensure_ascii=False)  # (the confirmation is checked in test_form_and_home)
            assert _counts(asked)[1] == before[1] + 1, payload
            return
        assert any(word in shown for word in ACCEPTED), (payload, shown[:300])
        return
    assert outcome == "ok", (outcome, json.dumps(payload, ensure_ascii=False)[:500])
