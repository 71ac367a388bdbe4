"""Malformed and forged Adaptive Card clicks, posted over HTTP to the real Agents SDK app.

An `adaptiveCard/action` invoke (and the `Action.Submit` fallback, a message with a `value`) whose verb, data,
ids or sender are wrong gets a Japanese answer (the card that replaces the clicked one, or a message) or a 4xx;
never a 5xx, never a logged error, and nothing changes in the database. A table of named shapes, then a
hypothesis fuzz that breaks one field of a real click at a time.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.console import GENERIC_ERROR
from storage.models import AnswerFeedback, ProgressReport, QuestionLog, StaffMember
from tests.e2e.hostile import ErrorRecords, japanese, json_values, recording_errors
from tests.e2e.teams.conftest import TeamsBot, load_activity

ENTRY = "org-hq-size"
BAD_LOG_IDS: list[Any] = [10**20, -1, 0, 2**31, 2**63, "12", 1.5, True, [], {}, "' OR 1=1"]
BAD_ENTRY_IDS: list[Any] = ["no-such-entry", "", 123, None, [], {"a": 1}, "x" * 5000, "table:wg-members"]
BAD_DATA: list[Any] = [None, "x", 5, [], [1, 2], True]
FORM = {"initiative": "1-02", "status": "in_progress", "percent": "60", "note": "来庁者アンケート"}


def _invoke(verb: Any = "dxbot.feedback", data: Any = ..., **changes: Any) -> dict[str, Any]:
    activity = copy.deepcopy(load_activity("invoke_card_action"))
    activity["value"]["action"]["verb"] = verb
    activity["value"]["action"]["data"] = {"verb": verb, "e": ENTRY, "l": None, "v": "helpful"} if data is ... else data
    activity.update(changes)
    return activity


def _feedback(**data: Any) -> dict[str, Any]:
    return _invoke(data={"verb": "dxbot.feedback", "e": ENTRY, "l": None, "v": "helpful", **data})


def _choice(**data: Any) -> dict[str, Any]:
    return _invoke("dxbot.choice", {"verb": "dxbot.choice", "e": ENTRY, "l": None, **data})


def _form(**data: Any) -> dict[str, Any]:
    return _invoke("dxbot.report", {"verb": "dxbot.report", **FORM, **data})


def _submit(value: Any) -> dict[str, Any]:
    activity = copy.deepcopy(load_activity("message_card_submit"))
    activity["value"] = value
    return activity


def _without_sender_id() -> dict[str, Any]:
    activity = _feedback()
    activity["from"] = {"id": "29:1Yamada-Hanako-TeamsUserId", "name": "山田 花子"}
    return activity


SHAPES: list[tuple[str, Callable[[], dict[str, Any]]]] = [
    ("value-missing", lambda: {k: v for k, v in _feedback().items() if k != "value"}),
    *[(f"value-{v!r}", lambda v=v: _invoke(value=v)) for v in BAD_DATA],
    ("action-missing", lambda: _invoke(value={"trigger": "manual"})),
    ("action-string", lambda: _invoke(value={"action": "dxbot.feedback"})),
    ("verb-missing", lambda: _invoke(value={"action": {"type": "Action.Execute", "data": {}}})),
    ("verb-number", lambda: _invoke(verb=5)),
    ("verb-unknown", lambda: _invoke(verb="dxbot.nothing")),
    ("verb-huge", lambda: _invoke(verb="x" * 10_000)),
    *[(f"data-{v!r}", lambda v=v: _invoke(data=v)) for v in BAD_DATA],
    *[(f"feedback-log-{v!r}"[:40], lambda v=v: _feedback(l=v)) for v in BAD_LOG_IDS],
    ("feedback-log-unknown", lambda: _feedback(l=999_999)),
    *[(f"feedback-entry-{v!r}"[:40], lambda v=v: _feedback(e=v)) for v in BAD_ENTRY_IDS],
    *[(f"choice-log-{v!r}"[:40], lambda v=v: _choice(l=v)) for v in BAD_LOG_IDS[:6]],
    *[(f"choice-entry-{v!r}"[:40], lambda v=v: _choice(e=v)) for v in BAD_ENTRY_IDS],
    ("form-percent-huge", lambda: _form(percent="9" * 5000)),
    ("form-percent-number", lambda: _form(percent=10**30)),
    ("form-percent-float", lambda: _form(percent=1e308)),
    ("form-percent-list", lambda: _form(percent=["60"])),
    ("form-note-object", lambda: _form(note={"x": 1})),
    ("form-note-too-long", lambda: _form(note="あ" * 100_000)),
    ("form-initiative-unknown", lambda: _form(initiative="9-99")),
    ("form-initiative-huge", lambda: _form(initiative="x" * 100_000)),
    ("form-status-unknown", lambda: _form(status="done!")),
    ("form-status-number", lambda: _form(status=3)),
    ("form-department-unknown", lambda: _form(department="存在しない課")),
    ("sender-without-object-id", _without_sender_id),
    ("sender-missing", lambda: {k: v for k, v in _feedback().items() if k != "from"}),
    ("object-id-number", lambda: _invoke(**{"from": {"id": "29:x", "aadObjectId": 5}})),
    ("submit-no-verb", lambda: _submit({"e": ENTRY})),
    ("submit-verb-unknown", lambda: _submit({"verb": "dxbot.nothing"})),
    ("submit-feedback-log-huge", lambda: _submit({"verb": "dxbot.feedback", "e": ENTRY, "l": 10**20, "v": "helpful"})),
    ("submit-feedback-entry-unknown", lambda: _submit({"verb": "dxbot.feedback", "e": "nope", "l": None})),
    ("submit-list", lambda: _submit([1, 2])),
    ("submit-string", lambda: _submit("dxbot.feedback")),
]


# ---------------------------------------------------------------- sending and judging


@pytest.fixture
def errors() -> Iterator[ErrorRecords]:
    with recording_errors() as records:
        yield records


def _counts(bot: TeamsBot) -> tuple[int, ...]:
    with bot.services.sessions() as session:
        return tuple(
            int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (AnswerFeedback, ProgressReport, StaffMember, QuestionLog)
        )


def verdict(bot: TeamsBot, errors: ErrorRecords, activity: dict[str, Any]) -> str:
    """Post one activity; "ok" when it was answered properly, else what went wrong."""
    activity = {**activity, "serviceUrl": bot.fake.service_url, "id": str(next(bot.teams._ids))}
    before, logged, calls = _counts(bot), len(errors.records), len(bot.fake.calls)
    result = bot.teams.post(activity)
    if result.status >= 500:
        return f"HTTP {result.status}"
    if result.status >= 300 and not 400 <= result.status < 500:
        return f"HTTP {result.status}"
    if result.status < 300:
        if activity.get("type") == "invoke":
            shown = result.body
        else:
            try:
                shown = json.dumps(
                    [c.body for c in bot.fake.wait_for(1, where=lambda c: bot.fake.calls.index(c) >= calls, timeout=8)],
                    ensure_ascii=False,
                )
            except AssertionError:
                return "no reply"
        shown = json.dumps(json.loads(shown), ensure_ascii=False) if shown.startswith(("{", "[")) else shown
        if not japanese(shown):
            return f"reply not Japanese: {shown[:80]}"
        if GENERIC_ERROR in shown or "Traceback" in shown or "Exception" in shown:
            return "generic error shown"
    if len(errors.records) > logged:
        return f"error logged: {errors.records[logged].getMessage()[:80]}"
    if _counts(bot) != before:
        return "database changed"
    return "ok"


@pytest.fixture
def asked(start_teams_bot: Callable[..., TeamsBot], db_url: str) -> TeamsBot:
    bot = start_teams_bot(db_url)
    assert bot.services.engine.get(ENTRY) is not None
    bot.teams.say("DX推進リーダーは何人？")  # question log id 1 exists: a forged id next to a real one
    return bot


def test_every_malformed_click_is_answered_cleanly(asked: TeamsBot, errors: ErrorRecords) -> None:
    failures = {}
    for name, build in SHAPES:
        outcome = verdict(asked, errors, build())
        if outcome != "ok":
            failures[name] = outcome
    print(f"\nmalformed Teams shapes: {len(SHAPES)}, answered cleanly: {len(SHAPES) - len(failures)}")
    assert not failures, json.dumps(failures, ensure_ascii=False, indent=1)


DATA_KEYS = ["verb", "e", "l", "v", "initiative", "status", "percent", "note", "department"]
# A change that was accepted shows what it did; anything else changed nothing.
ACCEPTED = ("ご協力ありがとうございます", "報告を記録しました", "出典")


@st.composite
def broken_clicks(draw: st.DrawFn) -> dict[str, Any]:
    build = draw(st.sampled_from([_feedback, _choice, _form]))
    activity = build()
    data = activity["value"]["action"]["data"]
    data[draw(st.sampled_from(DATA_KEYS))] = draw(st.one_of(json_values, st.sampled_from(BAD_LOG_IDS + BAD_ENTRY_IDS)))
    return activity


@pytest.mark.slow
@given(activity=broken_clicks())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fuzzed_clicks_are_refused_or_done_never_half_done(asked: TeamsBot, errors: ErrorRecords, activity: dict[str, Any]) -> None:
    before = _counts(asked)
    outcome = verdict(asked, errors, activity)
    if outcome == "database changed":  # the broken field was one a click may leave out: then it is done in full
        assert _counts(asked)[:2] != before[:2]
        return
    assert outcome == "ok", (outcome, json.dumps(activity, ensure_ascii=False)[:500])
