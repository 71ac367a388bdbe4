"""The report form as an Adaptive Card 1.5: initiatives grouped by reform, status, percent, note.

Teams has no modal that keeps server-side errors next to fields, so the card does it itself: a submit is
an `Action.Execute`, and when the core refuses a field the invoke response is the same card with the
values kept and the error in red right under that field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.errors import UserError
from bot.teams.render import VERB_REPORT, Card, card, execute, inert, ours, text_block

FIELD_INITIATIVE = "initiative"
FIELD_STATUS = "status"
FIELD_PERCENT = "percent"
FIELD_NOTE = "note"
FIELD_DEPARTMENT = "department"
FIELDS = (FIELD_INITIATIVE, FIELD_STATUS, FIELD_PERCENT, FIELD_NOTE, FIELD_DEPARTMENT)


@dataclass(frozen=True)
class FormInitiative:
    id: str
    name: str
    reform: int | None


@dataclass(frozen=True)
class FormReform:
    no: int
    symbol: str
    name: str


@dataclass(frozen=True)
class ReportFormSpec:
    """What the form offers; built from the core's data by the adapter."""

    initiatives: Sequence[FormInitiative]
    reforms: Mapping[int, FormReform]
    statuses: Sequence[tuple[str, str]]  # (value, label)
    reporter_label: str
    departments: Sequence[str] = ()  # only for admins, who may report for any department
    own_department: str | None = None
    note_limit: int = 1000


def initiative_choices(spec: ReportFormSpec) -> list[dict[str, str]]:
    """Initiatives in reform order, each titled with its reform so the list reads as groups."""

    def order(item: FormInitiative) -> tuple[int, str]:
        return (item.reform if item.reform is not None else 99, item.id)

    choices = []
    for item in sorted(spec.initiatives, key=order):
        reform = spec.reforms.get(item.reform) if item.reform is not None else None
        group = f"{reform.symbol}{reform.name}｜" if reform else "その他｜"
        choices.append({"title": ours(f"{group}{item.id} {item.name}")[:200], "value": item.id})
    return choices


def _error(errors: Mapping[str, str], name: str) -> list[dict[str, Any]]:
    message = errors.get(name)
    if not message:
        return []
    return [text_block(ours(message), color="Attention", size="Small", spacing="None", id=f"{name}Error")]


def report_form_card(
    spec: ReportFormSpec,
    *,
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Card:
    """The form; `values` refill it and `errors` (field → message) show under their fields."""
    values = values or {}
    errors = errors or {}

    def value(name: str) -> str:
        raw = values.get(name)
        return raw if isinstance(raw, str) else ""

    body: list[dict[str, Any]] = [
        text_block("**進捗報告**", size="Medium"),
        text_block(f"報告者: {inert(spec.reporter_label)}", isSubtle=True),
    ]
    if errors.get("form"):
        body += _error(errors, "form")
    body += [
        {
            "type": "Input.ChoiceSet",
            "id": FIELD_INITIATIVE,
            "label": "取組み",
            "style": "filtered",
            "isRequired": True,
            "errorMessage": "取組みを選んでください。",
            "placeholder": "取組みを選ぶ（改革ごと）",
            "choices": initiative_choices(spec),
            "value": value(FIELD_INITIATIVE),
        },
        *_error(errors, FIELD_INITIATIVE),
        {
            "type": "Input.ChoiceSet",
            "id": FIELD_STATUS,
            "label": "状況",
            "style": "compact",
            "isRequired": True,
            "errorMessage": "状況を選んでください。",
            "choices": [{"title": label, "value": status} for status, label in spec.statuses],
            "value": value(FIELD_STATUS),
        },
        *_error(errors, FIELD_STATUS),
        {
            "type": "Input.Text",
            "id": FIELD_PERCENT,
            "label": "進捗率（%、任意）",
            "placeholder": "例: 60",
            "maxLength": 5,
            "value": value(FIELD_PERCENT),
        },
        *_error(errors, FIELD_PERCENT),
        {
            "type": "Input.Text",
            "id": FIELD_NOTE,
            "label": "メモ（任意）",
            "isMultiline": True,
            "maxLength": spec.note_limit,
            "value": value(FIELD_NOTE),
        },
        *_error(errors, FIELD_NOTE),
    ]
    if spec.departments:
        body += [
            {
                "type": "Input.ChoiceSet",
                "id": FIELD_DEPARTMENT,
                "label": "報告する課（事務局のみ）",
                "style": "compact",
                "choices": [{"title": ours(d), "value": d} for d in spec.departments],
                "value": value(FIELD_DEPARTMENT) or (spec.own_department or ""),
            },
            *_error(errors, FIELD_DEPARTMENT),
        ]
    submit = execute("報告する", VERB_REPORT, {}, style="positive")
    submit["associatedInputs"] = "auto"
    return card(body, [submit])


UNREADABLE_FORM = "フォームの内容を読み取れませんでした（何も記録していません）。お手数ですが、もう一度フォームを開いて入力してください。"
MAX_INPUT_CHARS = 5000  # far above what the card's inputs allow (the note's maxLength is the longest)


def form_values(data: Mapping[str, Any]) -> dict[str, str]:
    """The form's inputs from an invoke's `action.data` (or a fallback submit's `value`), as text.

    Teams sends every input as a string; anything else (a number, a list, an object, a string longer than any
    input allows) did not come from this card, and the whole form is refused (`UserError`), nothing recorded."""
    out = {}
    for name in FIELDS:
        raw = data.get(name)
        if raw is None:
            continue
        if not isinstance(raw, str) or len(raw) > MAX_INPUT_CHARS:
            raise UserError(UNREADABLE_FORM)
        out[name] = raw
    return out


def result_card(markdown: str, *, title: str = "進捗報告") -> Card:
    """What replaces the form once it was handled (the confirmation, or why nothing was recorded)."""
    return card([text_block(f"**{title}**", size="Medium"), text_block(markdown)])
