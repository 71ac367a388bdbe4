"""The Teams renderer: platform-neutral replies (bot/replies.py) as Teams markdown and Adaptive Cards 1.5.

Informational replies (help, status, refusals, no-answer) are markdown message text. Replies a person acts
on are cards: an answer (役に立った / 違った), 「もしかして」 choices (a button each) and the report form
(bot/teams/cards.py). Cards use `Action.Execute`, so a click comes back as an `adaptiveCard/action`
invoke and the card is replaced in place by the invoke response.

Nothing a person wrote can format, mention or link: `UserText` loses its line breaks, and the characters
Teams reads as markup (`* _ ~ `` ` `` [ ] # |`, `<` `>` `&`, `@`, `\\`) become their full-width forms;
`://` and `www.` are broken the same way so the client does not turn a pasted address into a link. Our
own words only have `<` and `>` replaced (Teams reads HTML tags in message text).
Commands follow the surface: `報告 …` in a personal chat, `@dxbot 報告 …` in a channel.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.feedback import thanks_for
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
    Surface,
    UserText,
    flatten_user_text,
    no_answer_blocks,
)

BOT_MENTION = "@dxbot"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
# Teams refuses a message over about 100 KB (UTF-16, mentions included); older documents say 40 KB.
MESSAGE_LIMIT_BYTES = 28_000

VERB_CHOICE = "dxbot.choice"
VERB_FEEDBACK = "dxbot.feedback"
VERB_REPORT = "dxbot.report"
VERB_OPEN_REPORT = "dxbot.openReport"

CHOICES_HINT = "ボタンを押すか、番号を送ると、その回答を表示します。"
Card = dict[str, Any]

_INERT = str.maketrans(
    {
        "*": "＊",
        "_": "＿",
        "~": "～",
        "`": "｀",
        "[": "［",
        "]": "］",
        "#": "＃",
        "|": "｜",
        "<": "＜",
        ">": "＞",
        "&": "＆",
        "@": "＠",
        "\\": "＼",
    }
)
_OURS = str.maketrans({"<": "＜", ">": "＞"})
_LIST_MARK = re.compile(r"^(?:[-+]|\d+[.)])(?=\s|$)")
_LIST_MARKS = str.maketrans({"-": "－", "+": "＋", ".": "．", ")": "）"})


@dataclass(frozen=True)
class TeamsMessage:
    """One Teams message: markdown `text`, and at most one Adaptive Card (then `text` is its summary)."""

    text: str
    card: Card | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- inline pieces


def inert(text: str) -> str:
    """A person's words that cannot format, mention, ping or link anything, on one line."""
    flat = flatten_user_text(text).translate(_INERT)
    # At the start of a paragraph, `- `, `+ ` and `1. ` would start a list.
    flat = _LIST_MARK.sub(lambda found: found.group(0).translate(_LIST_MARKS), flat, count=1)
    return flat.replace("://", "：//").replace("www.", "www．").replace("WWW.", "WWW．")


def literal(text: str, *, card: bool) -> str:
    """A command or a value: inside backticks in a message (no backtick may close them early); in a card,
    where there is no code span, as inert as a person's words (a command may carry their note)."""
    return inert(text) if card else ours(flatten_user_text(text).replace("`", "｀"))


def ours(text: str) -> str:
    return text.translate(_OURS)


def command_text(words: str, surface: Surface) -> str:
    """How a chat command is written in Teams: `報告 …`, or `@dxbot 報告 …` in a channel."""
    return f"{BOT_MENTION} {words}".rstrip() if surface == "channel" else words


def inline_markdown(parts: Iterable[Inline], surface: Surface, *, card: bool = False) -> str:
    """Inline pieces as Teams markdown; `card`: the smaller subset an Adaptive Card TextBlock reads."""
    out = []
    for part in parts:
        match part:
            case Plain(text):
                out.append(ours(text))
            case Strong(text):
                out.append(f"**{ours(text)}**")
            case Code(text):
                out.append(f"「{literal(text, card=True)}」" if card else f"`{literal(text, card=False)}`")
            case Command(words):
                if card:
                    out.append(f"「{command_text(literal(words, card=True), surface)}」")
                else:
                    out.append(f"`{literal(command_text(words, surface), card=False)}`")
            case UserText(text):
                out.append(inert(text))
            case Link(url, label):
                out.append(f"[{ours(label).replace(']', '］')}]({url.replace(')', '%29').replace(' ', '%20')})")
            case Struck(inner):
                out.append(inline_markdown(inner, surface, card=True) if card else f"~~{inline_markdown(inner, surface)}~~")
    return "".join(out)


def blocks_markdown(content: Sequence[Block], surface: Surface, *, card: bool = False) -> str:
    """Neutral blocks as markdown: paragraphs apart, a list item per line."""
    parts: list[str] = []
    for block in content:
        match block:
            case Paragraph(inner):
                parts.append(inline_markdown(inner, surface, card=card))
            case Heading(inner):
                parts.append(f"**{inline_markdown(inner, surface, card=card)}**")
            case Bullets(items):
                parts.append("\n".join(f"- {inline_markdown(item, surface, card=card)}" for item in items))
    return "\n\n".join(p for p in parts if p)


# ---------------------------------------------------------------- cards


def text_block(text: str, **props: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **props}


def card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None) -> Card:
    content: Card = {"type": "AdaptiveCard", "$schema": CARD_SCHEMA, "version": CARD_VERSION, "body": body}
    if actions:
        content["actions"] = actions
    return content


def execute(title: str, verb: str, data: dict[str, Any], *, style: str | None = None) -> dict[str, Any]:
    """An `Action.Execute` (Teams sends an invoke); clients older than 1.5 fall back to `Action.Submit`,
    which arrives as a message whose value carries the same verb."""
    action: dict[str, Any] = {
        "type": "Action.Execute",
        "title": title,
        "verb": verb,
        "data": {"verb": verb, **data},
        "fallback": {"type": "Action.Submit", "title": title, "data": {"verb": verb, **data}},
    }
    if style:
        action["style"] = style
    return action


def _notices(notices: Iterable[str]) -> list[dict[str, Any]]:
    return [text_block(f"※ {ours(n)}", isSubtle=True, size="Small") for n in notices]


def question_block(question: str) -> dict[str, Any]:
    return text_block(f"質問: {inert(question)}", isSubtle=True, size="Small")


def answer_card(answer: Answer, *, feedback: str | None = None, question: str | None = None) -> Card:
    """An answer with 役に立った / 違った, or (after a click) with the thanks in their place."""
    body: list[dict[str, Any]] = [question_block(question)] if question else []
    body.append(text_block(ours(answer.answer)))
    if answer.source:
        body.append(text_block(f"出典: {ours(answer.source)}", isSubtle=True, size="Small"))
    body += _notices(answer.notices)
    if answer.related:
        lines = [RELATED_LEAD, *(f"{i}. {inert(c.question)}" for i, c in enumerate(answer.related, 1))]
        body.append(text_block("\n\n".join(lines)))
        body.append(text_block(RELATED_HINT, isSubtle=True, size="Small"))
    actions = None
    if feedback is None:
        data = {"e": answer.entry_id, "l": answer.log_id}
        actions = [
            execute("役に立った", VERB_FEEDBACK, {**data, "v": "helpful"}),
            execute("違った", VERB_FEEDBACK, {**data, "v": "wrong"}),
        ]
    else:
        body.append(text_block(thanks_for(feedback), color="Good"))
    return card(body, actions)


def choices_card(choices: Choices) -> Card:
    lines = [CHOICES_LEAD, *(f"{i}. {inert(c.question)}" for i, c in enumerate(choices.choices, 1))]
    body = [text_block("\n\n".join(lines))]
    actions = [
        execute(f"{i}. {c.question}"[:80], VERB_CHOICE, {"e": c.entry_id, "l": choices.log_id})
        for i, c in enumerate(choices.choices, 1)
    ]
    if actions:
        body.append(text_block(CHOICES_HINT, isSubtle=True, size="Small"))
    body += _notices(choices.notices)
    return card(body, actions[:5])  # Teams shows at most 6 actions on a card


def open_report_card(hint: Sequence[Block], surface: Surface) -> Card:
    return card(
        [text_block(blocks_markdown(hint, surface, card=True))],
        [execute("報告フォームを開く", VERB_OPEN_REPORT, {}, style="positive")],
    )


# ---------------------------------------------------------------- replies


def reply_markdown(reply: Reply, surface: Surface) -> str:
    """The whole reply as markdown text (a message, or the summary beside a card)."""
    notices = "".join(f"\n\n※ {ours(n)}" for n in getattr(reply, "notices", ()))
    match reply:
        case Answer():
            source = f"\n\n（出典: {ours(reply.source)}）" if reply.source else ""
            return ours(reply.answer) + source + notices
        case Choices():
            lines = [CHOICES_LEAD, *(f"{i}. {inert(c.question)}" for i, c in enumerate(reply.choices, 1))]
            return "\n\n".join(lines) + notices
        case NoAnswer():
            return blocks_markdown(no_answer_blocks(reply), surface) + notices
        case Message(content) | Refusal(content) | OpenReportForm(content):
            return blocks_markdown(content, surface)
    raise TypeError(f"unknown reply: {reply!r}")


def render_reply(reply: Reply, surface: Surface, *, echo_question: bool = False) -> TeamsMessage:
    """A neutral reply as one Teams message (markdown, or a card with a summary)."""
    text = reply_markdown(reply, surface)
    question = reply.question if echo_question and isinstance(reply, Answer | Choices) else None
    match reply:
        case Answer():
            return TeamsMessage(text=summary(text), card=answer_card(reply, question=question))
        case Choices():
            return TeamsMessage(text=summary(text), card=choices_card(reply))
        case OpenReportForm(hint):
            return TeamsMessage(text=summary(text), card=open_report_card(hint, surface))
    return TeamsMessage(text=fit_text(text))


def summary(text: str, limit: int = 200) -> str:
    """A card's notification text: its first line, short."""
    first = text.split("\n", 1)[0]
    return first if len(first) <= limit else first[: limit - 1] + "…"


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fit_text(text: str, limit: int = MESSAGE_LIMIT_BYTES) -> str:
    """Text within Teams' size limit (counted in UTF-16 code units, as Teams counts), cut at a line."""
    if utf16_len(text) <= limit:
        return text
    return split_text(text, limit)[0]


def split_text(text: str, limit: int = MESSAGE_LIMIT_BYTES) -> list[str]:
    """Markdown split into messages of at most `limit` UTF-16 units, at paragraph or line breaks."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while utf16_len(line) > limit:  # a single line longer than a message: cut it
            head = line[: limit // 2]
            if current:
                chunks.append(current)
                current = ""
            chunks.append(head)
            line = line[len(head) :]
        candidate = f"{current}\n{line}" if current else line
        if utf16_len(candidate) > limit:
            chunks.append(current.rstrip("\n"))
            current = line
        else:
            current = candidate
    if current.strip():
        chunks.append(current.rstrip("\n"))
    return [c for c in chunks if c.strip()] or [""]
