"""The console adapter: the same core and replies as Slack, as plain text on a terminal or a pipe.

The renderer writes no chat platform's syntax: no `*bold*`, no backticks, no `<url|label>`. A command
is quoted 「報告 …」 without a prefix; a person's words are shown on one line, without control characters.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Protocol, TextIO

from bot.replies import (
    CHOICES_LEAD,
    RELATED_HINT,
    RELATED_LEAD,
    Answer,
    Block,
    Bullets,
    ChatContext,
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
    UserRef,
    UserText,
    flatten_user_text,
    no_answer_blocks,
    refusal,
)

logger = logging.getLogger(__name__)

PLATFORM = "console"
GENERIC_ERROR = "申し訳ありません、処理中にエラーが発生しました。時間をおいてもう一度お試しください。"
PICK_HINT = "番号を入力すると、その回答を表示します。"


# ---------------------------------------------------------------- rendering


def inert(text: str) -> str:
    """A person's words on one line, with no control or direction characters (a terminal must not obey them)."""
    return flatten_user_text(text)


def _japanese(char: str) -> bool:
    return "\u3000" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef"


def render_inlines(parts: Iterable[Inline]) -> str:
    out: list[str] = []
    after_command = False
    for part in parts:
        match part:
            case Plain(text) | Strong(text) | Code(text):
                # 「登録」で, not 「登録」 で: the spaces that set off `/dx 登録` in Slack are not needed around 「」.
                if after_command and text[:1] == " " and _japanese(text[1:2]):
                    text = text[1:]
                out.append(text)
            case Command(words):
                if out and out[-1][-1:] == " " and _japanese(out[-1][-2:-1]):
                    out[-1] = out[-1][:-1]
                out.append(f"「{inert(words)}」")  # a suggested command may carry a person's note
            case UserText(text):
                out.append(inert(text))
            case Link(url, label):
                out.append(f"{label}（{url}）")
            case Struck(inner):
                out.append(render_inlines(inner))
        after_command = isinstance(part, Command)
    return "".join(out)


def render_blocks(content: Sequence[Block]) -> str:
    lines: list[str] = []
    for block in content:
        match block:
            case Paragraph(parts) | Heading(parts):
                lines.append(render_inlines(parts))
            case Bullets(items):
                lines += [f"• {render_inlines(item)}" for item in items]
    return "\n".join(lines)


def render_text(reply: Reply) -> str:
    """Plain-text rendering of a reply; Slack renders the same replies as Block Kit."""
    notices = "".join(f"\n※ {n}" for n in getattr(reply, "notices", ()))
    match reply:
        case Answer():
            text = f"{reply.answer}\n（出典: {reply.source}）{notices}" if reply.source else reply.answer + notices
            if reply.related:
                lines = [RELATED_LEAD, *(f"  {i}. {c.question}" for i, c in enumerate(reply.related, 1)), RELATED_HINT]
                text += "\n" + "\n".join(lines)
            return text
        case Choices():
            lines = [CHOICES_LEAD]
            lines += [f"  {i}. {c.question}" for i, c in enumerate(reply.choices, 1)]
            lines.append(PICK_HINT)
            return "\n".join(lines) + notices
        case NoAnswer():
            return render_blocks(no_answer_blocks(reply)) + notices
        case Message(content) | Refusal(content) | OpenReportForm(content):
            return render_blocks(content)
    raise TypeError(f"unknown reply: {reply!r}")


# ---------------------------------------------------------------- the chat loop


class ChatHandler(Protocol):
    def handle(self, ctx: ChatContext, text: str) -> Reply: ...


def run_console(chat: ChatHandler, user_id: str, stdin: TextIO, stdout: TextIO, interactive: bool) -> None:
    """Read lines, answer each through the core (which also remembers 「もしかして」 choices for number picks)."""
    ctx = ChatContext(user=UserRef(PLATFORM, user_id), conversation="console", platform=PLATFORM)
    if interactive:
        stdout.write("DX推進ボット（コンソール）です。質問かコマンドを入力してください。「ヘルプ」で使い方、Ctrl-D で終了。\n")
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        text = line.strip()
        if not text:
            continue
        try:
            reply = chat.handle(ctx, text)
        except Exception:
            logger.exception("console command failed")
            reply = refusal(GENERIC_ERROR)
        stdout.write(render_text(reply) + "\n")
        if not interactive:
            stdout.write("\n")
        stdout.flush()
