"""Platform-neutral replies (docs/architecture.md §1). Adapters render these; handlers never format for a platform.

A reply is made of blocks (`Paragraph`, `Bullets`, `Heading`), and blocks of inline pieces. Our own words
are `Plain`; anything a person wrote (a question, a note, a name) is `UserText`, which every renderer
shows inert: escaped, without formatting, mentions or links, on one line. A chat command is written
without its prefix, `Command("報告 <取組み> <状況>")`, and each renderer writes it the platform's way
(`/dx 報告 …` in Slack, `報告 …` in the console and Teams).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

# ---------------------------------------------------------------- who and where

Surface = Literal["console", "personal", "channel"]


@dataclass(frozen=True)
class UserRef:
    """A person as the adapter knows them: Slack user ID, Teams aadObjectId, console user name."""

    platform: str
    id: str


@dataclass(frozen=True)
class Mention:
    """A person named in a command (`登録 @山田 …`), resolved by the adapter.

    `text` is the mention exactly as it stands in the text the core receives (`<@U012ABC|yamada>`,
    `<at>山田 花子</at>`, or whatever the adapter put there); the core matches that piece as a whole and
    never parses platform syntax. `user` is who it is, `name` the display name if the platform gave one.
    """

    text: str
    user: UserRef
    name: str | None = None


@dataclass(frozen=True)
class ChatContext:
    """Who is talking, and where.

    `conversation` is the channel / chat (Slack channel ID, Teams conversation id, "console");
    `thread` the thread inside it, if any. `request_id` is the chat platform's id for this request
    (Slack trigger_id / event_id, Teams activity id), so a redelivery does not write twice; None in the
    console. `surface` tells the renderer how commands are written (a Teams channel needs the @mention).
    """

    user: UserRef | None
    conversation: str | None = None
    platform: str = "console"
    request_id: str | None = None
    thread: str | None = None
    surface: Surface = "console"
    mentions: tuple[Mention, ...] = ()

    @property
    def user_id(self) -> str | None:
        return self.user.id if self.user else None

    @property
    def conversation_key(self) -> tuple[str, str, str, str]:
        """Where dialogue state lives: one person in one conversation (and thread) on one platform."""
        return (self.platform, self.conversation or "", self.thread or "", self.user_id or "")


# ---------------------------------------------------------------- inline pieces


@dataclass(frozen=True)
class Plain:
    """Our own words."""

    text: str


@dataclass(frozen=True)
class Strong:
    text: str


@dataclass(frozen=True)
class Code:
    """A literal to type or copy: an option (`KPI:120`), a CLI command (`dxbot export`)."""

    text: str


@dataclass(frozen=True)
class Command:
    """A chat command without its prefix, e.g. `Command("報告 <取組み> <状況>")`."""

    words: str


@dataclass(frozen=True)
class UserText:
    """Anything a person wrote: always rendered inert (escaped, unformatted, one line)."""

    text: str


@dataclass(frozen=True)
class Link:
    url: str
    label: str


@dataclass(frozen=True)
class Struck:
    """Text that no longer holds (a withdrawn report in the history)."""

    parts: tuple[Inline, ...]


Inline = Plain | Strong | Code | Command | UserText | Link | Struck
Part = str | Inline  # a str is Plain


# Characters that change the direction text is shown in (a note could show 完了 100% reversed, or hide words).
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff")


def flatten_user_text(text: str) -> str:
    """A person's words on one line: every line break (\\n, \\r, \\u2028, \\x85, …) and control character becomes
    a space, direction controls are dropped, runs of spaces become one. Each renderer then makes it inert its way."""
    cleaned = "".join(
        "" if c in _BIDI_CONTROLS else " " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text
    )
    return " ".join(cleaned.split())


def inlines(parts: Iterable[Part]) -> tuple[Inline, ...]:
    return tuple(Plain(p) if isinstance(p, str) else p for p in parts if p != "")


# ---------------------------------------------------------------- blocks


@dataclass(frozen=True)
class Paragraph:
    """One line (or a few, when `Plain` text holds line breaks, as knowledge-base answers do)."""

    parts: tuple[Inline, ...]


@dataclass(frozen=True)
class Bullets:
    items: tuple[tuple[Inline, ...], ...]


@dataclass(frozen=True)
class Heading:
    parts: tuple[Inline, ...]


Block = Paragraph | Bullets | Heading


def para(*parts: Part) -> Paragraph:
    return Paragraph(inlines(parts))


def heading(*parts: Part) -> Heading:
    return Heading(inlines(parts))


def bullets(items: Iterable[Part | Sequence[Part]]) -> Bullets:
    """A list; each item is a str, one inline, or a sequence of parts."""
    return Bullets(tuple(inlines([i] if isinstance(i, str | Inline) else i) for i in items))  # type: ignore[arg-type]


def blocks(*content: str | Block | Iterable[Block]) -> tuple[Block, ...]:
    """Blocks from a mix of strs (each a paragraph), blocks and iterables of blocks."""
    out: list[Block] = []
    for item in content:
        if isinstance(item, str):
            out.append(para(item))
        elif isinstance(item, Paragraph | Bullets | Heading):
            out.append(item)
        else:
            out.extend(item)
    return tuple(out)


def truncate(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, the last being "…" when it was longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _words(words: str) -> str:
    return words


def plain_text(content: Iterable[Inline], command: Callable[[str], str] = _words) -> str:
    """The words of inline pieces with no markup at all (for logs, lengths, plain-text fields and tests).

    `command` writes a chat command (a renderer passes its own, e.g. Slack's `/dx …`)."""
    out = []
    for part in content:
        match part:
            case Command(words):
                out.append(command(words))
            case Link(url, label):
                out.append(f"{label} {url}")
            case Struck(parts):
                out.append(plain_text(parts, command))
            case UserText(text):
                out.append(flatten_user_text(text))
            case _:
                out.append(part.text)
    return "".join(out)


def plain_blocks(content: Iterable[Block], command: Callable[[str], str] = _words) -> str:
    """Blocks as lines of plain words (a list item starts with "• ")."""
    lines: list[str] = []
    for block in content:
        if isinstance(block, Bullets):
            lines += [f"• {plain_text(item, command)}" for item in block.items]
        else:
            lines.append(plain_text(block.parts, command))
    return "\n".join(lines)


# ---------------------------------------------------------------- replies


@dataclass(frozen=True)
class Choice:
    entry_id: str
    question: str
    score: float


@dataclass(frozen=True)
class Answer:
    question: str  # as asked (redacted); the renderer may echo it as UserText
    answer: str  # the knowledge base's answer text (ours, may hold line breaks)
    source: str
    entry_id: str
    score: float
    log_id: int | None = None
    notices: tuple[str, ...] = ()
    related: tuple[Choice, ...] = ()  # follow-up entries the adapter may offer as choices


@dataclass(frozen=True)
class Choices:
    """「もしかして」: the engine is unsure; the user picks one (a button, or its number)."""

    question: str
    choices: tuple[Choice, ...]
    log_id: int | None = None
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class NoAnswer:
    question: str
    contact: str | None = None  # the knowledge base's contact, e.g. 事務局（政策企画課）; None: ask the department
    statement: str | None = None  # what the knowledge base says instead, e.g. 「計画には担当者の名前は…」
    scope: str | None = None  # what was searched, e.g. アクションプラン
    log_id: int | None = None
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Message:
    """An informational reply: a confirmation, a list, a status, the help."""

    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Refusal:
    """An expected failure: what was wrong and how to write it. Nothing was changed."""

    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class OpenReportForm:
    """`報告` alone: the adapter opens its form; the console explains the command instead (`hint`)."""

    hint: tuple[Block, ...]


Reply = Answer | Choices | NoAnswer | Message | Refusal | OpenReportForm


def message(*content: str | Block | Iterable[Block]) -> Message:
    return Message(blocks(*content))


def refusal(*content: str | Block | Iterable[Block]) -> Refusal:
    return Refusal(blocks(*content))


# ---------------------------------------------------------------- wording every renderer shares

CHOICES_LEAD = "はっきりとはわかりませんでした。もしかして:"
RELATED_LEAD = "関連する質問:"  # an answer's follow-ups (`related:`), picked by number on every platform
RELATED_HINT = "番号を入力すると、その質問の回答を表示します。"
ASK_DEPARTMENT = "担当の部署"


def no_answer_blocks(reply: NoAnswer) -> tuple[Block, ...]:
    """What a no-answer says, on every platform: why, and whom to ask instead."""
    if reply.statement:
        first = reply.statement
    elif reply.scope:
        first = f"申し訳ありません。その質問は{reply.scope}に記載がないか、うまく見つけられませんでした。"
    else:
        first = "申し訳ありません。その質問への回答は見つかりませんでした。"
    contact = reply.contact or ASK_DEPARTMENT
    return (para(first), para(f"{contact}にお問い合わせください。質問は記録し、今後の回答に役立てます。"))

