"""The core's report form (bot/progress/form.py `ReportForm`) as an Adaptive Card 1.5: initiatives grouped by
reform, status, percent, note. The fields are checked and recorded by the core (`submit_report_form`), the
same rules as Slack's modal; its field errors (neutral blocks) are drawn here.

Teams has no modal that keeps server-side errors next to fields, so the card does it itself: a submit is
an `Action.Execute`, and when the core refuses a field the invoke response is the same card with the
values kept and the error in red right under that field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.errors import UserError
from bot.progress.form import (
    FIELD_DEPARTMENT,
    FIELD_INITIATIVE,
    FIELD_NOTE,
    FIELD_PERCENT,
    FIELD_STATUS,
    FieldErrors,
    ReportForm,
)
from bot.replies import Block, Surface
from bot.teams.render import VERB_REPORT, Card, blocks_markdown, card, execute, inert, ours, text_block

FIELDS = (FIELD_INITIATIVE, FIELD_STATUS, FIELD_PERCENT, FIELD_NOTE, FIELD_DEPARTMENT)
FORM_ERROR = "form"  # an error about the whole form, shown above the fields


def initiative_choices(form: ReportForm) -> list[dict[str, str]]:
    """Initiatives in reform order, each titled with its reform so the list reads as groups."""
    return [
        {"title": ours(f"{group.label}｜{option.label}")[:200], "value": option.value}
        for group in form.initiatives
        for option in group.options
    ]


def _error(errors: Mapping[str, Sequence[Block]], name: str, surface: Surface) -> list[dict[str, Any]]:
    content = errors.get(name)
    if not content:
        return []
    text = blocks_markdown(content, surface, card=True)
    return [text_block(text, color="Attention", size="Small", spacing="None", id=f"{name}Error")]


def report_form_card(
    form: ReportForm,
    *,
    values: Mapping[str, Any] | None = None,
    errors: FieldErrors | None = None,
    surface: Surface = "personal",
) -> Card:
    """The form (bot/progress/form.py); `values` refill it and `errors` (field → blocks) show under their fields."""
    values = values or {}
    errors = errors or {}

    def value(name: str) -> str:
        raw = values.get(name)
        return raw if isinstance(raw, str) else ""

    body: list[dict[str, Any]] = [
        text_block("**進捗報告**", size="Medium"),
        text_block(f"報告者: {inert(form.reporter_label)}", isSubtle=True),
    ]
    body += _error(errors, FORM_ERROR, surface)
    body += [
        {
            "type": "Input.ChoiceSet",
            "id": FIELD_INITIATIVE,
            "label": "取組み",
            "style": "filtered",
            "isRequired": True,
            "errorMessage": "取組みを選んでください。",
            "placeholder": "取組みを選ぶ（改革ごと）",
            "choices": initiative_choices(form),
            "value": value(FIELD_INITIATIVE),
        },
        *_error(errors, FIELD_INITIATIVE, surface),
        {
            "type": "Input.ChoiceSet",
            "id": FIELD_STATUS,
            "label": "状況",
            "style": "compact",
            "isRequired": True,
            "errorMessage": "状況を選んでください。",
            "choices": [{"title": status.label, "value": status.value} for status in form.statuses],
            "value": value(FIELD_STATUS),
        },
        *_error(errors, FIELD_STATUS, surface),
        {
            "type": "Input.Text",
            "id": FIELD_PERCENT,
            "label": "進捗率（%、任意）",
            "placeholder": "例: 60",
            "maxLength": 5,
            "value": value(FIELD_PERCENT),
        },
        *_error(errors, FIELD_PERCENT, surface),
        {
            "type": "Input.Text",
            "id": FIELD_NOTE,
            "label": "メモ（任意）",
            "isMultiline": True,
            "maxLength": form.note_limit,
            "value": value(FIELD_NOTE),
        },
        *_error(errors, FIELD_NOTE, surface),
    ]
    if form.departments:
        body += [
            {
                "type": "Input.ChoiceSet",
                "id": FIELD_DEPARTMENT,
                "label": "報告する課（事務局のみ）",
                "style": "compact",
                "choices": [{"title": ours(d), "value": d} for d in form.departments],
                "value": value(FIELD_DEPARTMENT) or (form.own_department or ""),
            },
            *_error(errors, FIELD_DEPARTMENT, surface),
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
