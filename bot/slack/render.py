"""The Slack renderer: platform-neutral replies (bot/replies.py), the report form and the home screen as
mrkdwn and Block Kit.

Our own words are escaped (&, <, >); `UserText` is also made inert: Slack has no escape for its
formatting marks, so `*`, `_`, `~` and the backtick become their full-width forms, and line breaks
become spaces. Commands are written `/dx …`. Text objects are `verbatim`, so Slack does not turn a URL
or a channel name in the text into a link by itself; links we mean are written as `<url|label>`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from bot.feedback import thanks_for
from bot.home import Home
from bot.progress.form import (
    FIELD_DEPARTMENT,
    FIELD_INITIATIVE,
    FIELD_NOTE,
    FIELD_PERCENT,
    FIELD_STATUS,
    FormGroup,
    ReportForm,
)
from bot.replies import (
    CHOICES_LEAD,
    RELATED_HINT,
    RELATED_LEAD,
    Answer,
    Block,
    Bullets,
    Choices,
    Code,
    Command,
    Heading,
    Inline,
    Link,
    Message,
    NoAnswer,
    OpenReportForm,
    Paragraph,
    Plain,
    Refusal,
    Reply,
    Strong,
    Struck,
    UserText,
    flatten_user_text,
    no_answer_blocks,
    plain_blocks,
)
from bot.slack.blocks import (
    ACTION_CHOICE_PREFIX,
    ACTION_FEEDBACK_HELPFUL,
    ACTION_FEEDBACK_WRONG,
    ACTION_OPEN_REPORT,
    ACTION_SHARE,
    BLOCK_ANSWER_ACTIONS,
    BLOCK_CHOICES,
    FALLBACK_LIMIT,
    FIELD_ACTION,
    OPTION_LIMIT,
    REPORT_CALLBACK,
    VIEW_BLOCK_LIMIT,
    SlackBlock,
    SlackMessage,
    button,
    context_mrkdwn,
    encode_value,
    fit,
    mrkdwn_sections,
    option,
    plain,
)
from bot.slack.mrkdwn import escape, truncate
from storage.progress import NOT_REPORTED

SLASH_COMMAND = "/dx"
CHOICES_HINT = "ボタンを押すと、その回答を表示します。"
_INERT = str.maketrans({"*": "＊", "_": "＿", "~": "～", "`": "｀", "\r": " ", "\n": " ", "\t": " "})


# ---------------------------------------------------------------- mrkdwn


def command_text(words: str) -> str:
    """How a chat command is written in Slack: `/dx 報告 …`."""
    return f"{SLASH_COMMAND} {words}".rstrip()


def inert(text: str) -> str:
    """A person's words as mrkdwn that cannot format, mention, ping, link or quote anything, on one line."""
    flat = flatten_user_text(text).translate(_INERT)
    if flat.startswith(">"):  # at the start of a line Slack would quote it (its own text says &gt; there too)
        flat = "＞" + flat[1:]
    return escape(flat)


def literal(text: str) -> str:
    """Text for inside a code span (a command that may hold a person's words): no backtick to close it early."""
    return escape(flatten_user_text(text).replace("`", "｀"))


def inline_mrkdwn(parts: Iterable[Inline]) -> str:
    out = []
    for part in parts:
        match part:
            case Plain(text):
                out.append(escape(text))
            case Strong(text):
                out.append(f"*{escape(text)}*")
            case Code(text):
                out.append(f"`{literal(text)}`")
            case Command(words):
                out.append(f"`{literal(command_text(words))}`")
            case UserText(text):
                out.append(inert(text))
            case Link(url, label):
                out.append(f"<{escape(url)}|{escape(label).replace('|', '｜')}>")
            case Struck(inner):
                out.append(f"~{inline_mrkdwn(inner)}~")
    return "".join(out)


def blocks_mrkdwn(content: Sequence[Block]) -> str:
    """Neutral blocks as one mrkdwn text, a line per paragraph and per list item."""
    lines: list[str] = []
    for block in content:
        match block:
            case Paragraph(parts):
                lines.append(inline_mrkdwn(parts))
            case Heading(parts):
                lines.append(f"*{inline_mrkdwn(parts)}*")
            case Bullets(items):
                lines += [f"• {inline_mrkdwn(item)}" for item in items]
    return "\n".join(lines)


def blocks_plain(content: Sequence[Block]) -> str:
    """Neutral blocks as Slack plain text (a form field's error): no markup, commands as `/dx …`."""
    return plain_blocks(content, command_text)


def blocks_sections(content: Sequence[Block]) -> list[SlackBlock]:
    return mrkdwn_sections(blocks_mrkdwn(content))


def _notice_contexts(notices: Iterable[str]) -> list[SlackBlock]:
    return [context_mrkdwn(f"※ {escape(n)}") for n in notices]


# ---------------------------------------------------------------- replies


def reply_mrkdwn(reply: Reply) -> str:
    """The whole reply as one mrkdwn text: the notification / fallback text of its message."""
    notices = "".join(f"\n※ {escape(n)}" for n in getattr(reply, "notices", ()))
    match reply:
        case Answer():
            source = f"\n（出典: {escape(reply.source)}）" if reply.source else ""
            return escape(reply.answer) + source + notices
        case Choices():
            lines = [CHOICES_LEAD, *(f"{i}. {escape(c.question)}" for i, c in enumerate(reply.choices, 1))]
            return "\n".join(lines) + notices
        case NoAnswer():
            return blocks_mrkdwn(no_answer_blocks(reply)) + notices
        case Message(content) | Refusal(content) | OpenReportForm(content):
            return blocks_mrkdwn(content)
    raise TypeError(f"unknown reply: {reply!r}")


def render_reply(reply: Reply, *, ephemeral: bool, echo_question: bool = False) -> SlackMessage:
    """A neutral reply as a Slack message. `ephemeral`: only the asker sees it, so offer 「共有」."""
    text = truncate(reply_mrkdwn(reply), FALLBACK_LIMIT)
    blocks: list[SlackBlock] = []
    if echo_question and isinstance(reply, Answer | Choices | NoAnswer) and reply.question:
        blocks.append(question_context(reply.question))
    match reply:
        case Answer():
            blocks += answer_body(reply)
            blocks.append(answer_actions(reply.entry_id, reply.log_id, ephemeral=ephemeral))
        case Choices():
            blocks += choices_body(reply)
        case NoAnswer():
            blocks += blocks_sections(no_answer_blocks(reply))
            blocks += _notice_contexts(reply.notices)
        case Message(content) | Refusal(content):
            blocks += blocks_sections(content)
        case OpenReportForm(hint):
            blocks += blocks_sections(hint)
            blocks.append(
                {
                    "type": "actions",
                    "elements": [button("報告フォームを開く", ACTION_OPEN_REPORT, "open", style="primary")],
                }
            )
        case _:
            raise TypeError(f"unknown reply: {reply!r}")
    return SlackMessage(text=text, blocks=fit(blocks))


def question_context(question: str) -> SlackBlock:
    return context_mrkdwn(f"質問: {inert(question)}")


def answer_body(answer: Answer) -> list[SlackBlock]:
    blocks = mrkdwn_sections(escape(answer.answer))
    if answer.source:
        blocks.append(context_mrkdwn(f"出典: {escape(answer.source)}"))
    blocks += _notice_contexts(answer.notices)
    if answer.related:
        lines = [RELATED_LEAD, *(f"{i}. {escape(c.question)}" for i, c in enumerate(answer.related, 1))]
        blocks += mrkdwn_sections("\n".join(lines))
        blocks.append(context_mrkdwn(RELATED_HINT))
    return blocks


def answer_actions(
    entry_id: str, log_id: int | None, *, ephemeral: bool, feedback: str | None = None
) -> SlackBlock:
    """役に立った / 違った (or the thanks once given), and 「チャンネルに共有」 when only the asker sees it."""
    value = encode_value(e=entry_id, l=log_id)
    elements: list[dict[str, Any]] = []
    if feedback is None:
        elements += [
            button("役に立った", ACTION_FEEDBACK_HELPFUL, value),
            button("違った", ACTION_FEEDBACK_WRONG, value),
        ]
    if ephemeral:
        elements.append(button("チャンネルに共有", ACTION_SHARE, value))
    if not elements:
        return context_mrkdwn(escape(thanks_for(feedback)))
    return {"type": "actions", "block_id": BLOCK_ANSWER_ACTIONS, "elements": elements}


def answer_message(
    answer: Answer, *, ephemeral: bool, feedback: str | None = None, question: str | None = None
) -> SlackMessage:
    """An answer re-rendered after a click: with the thanks in place of the feedback buttons."""
    blocks: list[SlackBlock] = [question_context(question)] if question else []
    blocks += answer_body(answer)
    actions = answer_actions(answer.entry_id, answer.log_id, ephemeral=ephemeral, feedback=feedback)
    blocks.append(actions)
    if feedback is not None and actions["type"] == "actions":
        blocks.append(context_mrkdwn(escape(thanks_for(feedback))))
    return SlackMessage(text=truncate(escape(answer.answer), FALLBACK_LIMIT), blocks=fit(blocks))


def shared_answer_message(answer: Answer, user_id: str) -> SlackMessage:
    """The answer posted for the whole channel by 「チャンネルに共有」 (the sharer is mentioned on purpose)."""
    blocks: list[SlackBlock] = [context_mrkdwn(f"<@{user_id}> さんが共有しました: {inert(answer.question)}")]
    blocks += answer_body(answer)
    return SlackMessage(text=truncate(escape(answer.answer), FALLBACK_LIMIT), blocks=fit(blocks))


def choices_body(choices: Choices) -> list[SlackBlock]:
    lines = [CHOICES_LEAD, *(f"{i}. {escape(c.question)}" for i, c in enumerate(choices.choices, 1))]
    blocks = mrkdwn_sections("\n".join(lines))
    buttons = [
        button(
            f"{i}. {c.question}", f"{ACTION_CHOICE_PREFIX}{i}", encode_value(e=c.entry_id, l=choices.log_id)
        )
        for i, c in enumerate(choices.choices, 1)
    ]
    if buttons:
        blocks.append({"type": "actions", "block_id": BLOCK_CHOICES, "elements": buttons[:25]})
        blocks.append(context_mrkdwn(CHOICES_HINT))
    blocks += _notice_contexts(choices.notices)
    return blocks


def message_of(content: Sequence[Block]) -> SlackMessage:
    """Neutral blocks as a plain Slack message (no buttons)."""
    text = blocks_mrkdwn(content)
    return SlackMessage(text=truncate(text, FALLBACK_LIMIT), blocks=fit(mrkdwn_sections(text)))


# ---------------------------------------------------------------- the report form (modal)


def initiative_option_groups(groups: Sequence[FormGroup]) -> list[dict[str, Any]]:
    """Initiatives grouped by reform, at most 100 options in all (Slack's limit for a static select)."""
    out: list[dict[str, Any]] = []
    remaining = OPTION_LIMIT
    for group in groups:
        members = group.options[:remaining]
        if not members:
            break
        remaining -= len(members)
        out.append({"label": plain(group.label), "options": [option(o.label, o.value) for o in members]})
    return out


def report_form_view(form: ReportForm, private_metadata: str = "") -> dict[str, Any]:
    """The modal behind `/dx 報告` alone; its block ids are the core's field names (bot/progress/form.py)."""
    blocks: list[SlackBlock] = [
        {
            "type": "input",
            "block_id": FIELD_INITIATIVE,
            "label": plain("取組み"),
            "element": {
                "type": "static_select",
                "action_id": FIELD_ACTION,
                "placeholder": plain("取組みを選んでください"),
                "option_groups": initiative_option_groups(form.initiatives),
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
                "options": [option(o.label, o.value) for o in form.statuses],
            },
        },
        {
            "type": "input",
            "block_id": FIELD_PERCENT,
            "optional": True,
            "label": plain("進捗率（%）"),
            "hint": plain("0〜100 の整数。わからなければ空欄で構いません。"),
            "element": {"type": "plain_text_input", "action_id": FIELD_ACTION, "placeholder": plain("例: 60")},
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
                "max_length": form.note_limit,
                "placeholder": plain("例: 来庁者アンケート実施"),
            },
        },
    ]
    departments = list(form.departments[:OPTION_LIMIT])
    if departments:
        element: dict[str, Any] = {
            "type": "static_select",
            "action_id": FIELD_ACTION,
            "options": [option(name, name) for name in departments],
        }
        if form.own_department in departments:
            element["initial_option"] = option(form.own_department, form.own_department)  # type: ignore[arg-type]
        blocks.append(
            {"type": "input", "block_id": FIELD_DEPARTMENT, "label": plain("報告する課（管理者のみ）"), "element": element}
        )
    blocks.append(context_mrkdwn(f"報告者: {inert(form.reporter_label)}"))
    return {
        "type": "modal",
        "callback_id": REPORT_CALLBACK,
        "title": plain("進捗報告", 24),
        "submit": plain("報告する", 24),
        "close": plain("キャンセル", 24),
        "private_metadata": private_metadata[:3000],
        "blocks": blocks,
    }


# ---------------------------------------------------------------- App Home


def home_view(home: Home) -> dict[str, Any]:
    blocks: list[SlackBlock] = [{"type": "header", "text": plain("DX推進ボット", 150)}, *blocks_sections(home.greeting)]
    if home.can_report:
        blocks.append(
            {"type": "actions", "elements": [button("進捗を報告する", ACTION_OPEN_REPORT, "home", style="primary")]}
        )
    if home.department is not None:
        blocks.append({"type": "divider"})
        blocks += mrkdwn_sections(f"*{inert(home.department)}の取組み*")
        if not home.rows:
            blocks.append(context_mrkdwn(f"まだ報告がありません。`{command_text('報告')}` か上のボタンから報告できます。"))
        lines = []
        for row in home.rows:
            line = f"• {escape(row.initiative_id)} {escape(row.initiative_name)} — {escape(row.status or NOT_REPORTED)}"
            if row.reported:
                line += f"（{inert(row.reported)}）"
            if row.note:
                line += f"\n　{inert(truncate(row.note, 200))}"
            lines.append(line)
        if lines:
            blocks += mrkdwn_sections("\n".join(lines))
    blocks += [{"type": "divider"}, context_mrkdwn(blocks_mrkdwn(home.footer))]
    return {"type": "home", "blocks": fit(blocks, VIEW_BLOCK_LIMIT)}
