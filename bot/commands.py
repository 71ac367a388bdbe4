"""Chat command parsing and dispatch, shared by every adapter.

`/dx 報告 …`, `report …` and the console line `報告 …` all reach the same handler. Text that is not a
command is a question for the FAQ engine. Usages and summaries are neutral (bot/replies.py): the help
renders them the platform's way.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from bot.errors import STORAGE_UNAVAILABLE, UserError, is_storage_outage
from bot.replies import ChatContext, Inline, Part, Reply, inlines, refusal
from knowledge import patterns

logger = logging.getLogger(__name__)

Handler = Callable[[ChatContext, str], Reply]

# A leading "/dx" (any width, any case) is optional in the console.
_PREFIX = patterns.compile(r"^\s*[/／]\s*dx(?=\s|$)", re.IGNORECASE)
_SPACE = patterns.compile(r"[\s\u3000]+")
# Every command and question, on every adapter: longer than any real use (a question is at most 500, a
# report's memo 1,000 characters), short enough that nothing downstream has to cope with a pasted book.
MAX_INPUT_CHARS = 1500


@dataclass(frozen=True)
class ChatCommand:
    name: str
    aliases: tuple[str, ...]
    usage: str  # the command's words without a prefix, e.g. "履歴 <取組み>"
    summary: tuple[Inline, ...]
    handler: Handler
    records: bool = False  # it writes (a report, a withdrawal, a registration): refused when nothing can be stored


def clean_input(text: str) -> str:
    """Strip the optional `/dx` prefix and fold runs of (full-width) spaces into one space."""
    text = _PREFIX.sub("", text, count=1)
    return _SPACE.sub(" ", text).strip()


def split_command_word(text: str) -> tuple[str, str]:
    """The first word and the rest; the word is NFKC-folded and lower-cased for lookup."""
    word, _, rest = text.partition(" ")
    return unicodedata.normalize("NFKC", word).lower(), rest.strip()


class Parsed(NamedTuple):
    """One chat line: its command (None for a question), the arguments, and the cleaned length."""

    command: ChatCommand | None
    rest: str
    length: int


class CommandRouter:
    """Maps command words (Japanese name or English alias) to handlers; anything else is a question."""

    def __init__(self) -> None:
        self._commands: list[ChatCommand] = []
        self._by_word: dict[str, ChatCommand] = {}
        self._question_handler: Handler | None = None

    def add(
        self,
        name: str,
        aliases: Sequence[str],
        usage: str,
        summary: str | Sequence[Part],
        handler: Handler,
        *,
        records: bool = False,
    ) -> None:
        command = ChatCommand(
            name, tuple(aliases), usage, inlines([summary] if isinstance(summary, str) else summary), handler, records
        )
        for word in (name, *aliases):
            key = unicodedata.normalize("NFKC", word).lower()
            if key in self._by_word:
                raise ValueError(f"command word registered twice: {word}")
            self._by_word[key] = command
        self._commands.append(command)

    def set_question_handler(self, handler: Handler) -> None:
        self._question_handler = handler

    @property
    def commands(self) -> tuple[ChatCommand, ...]:
        return tuple(self._commands)

    def parse(self, text: str) -> Parsed:
        """The command `text` starts with (and its arguments), or None and the whole cleaned text."""
        cleaned = clean_input(text)
        word, rest = split_command_word(cleaned)
        command = self._by_word.get(word)
        if command is None:
            return Parsed(None, cleaned, len(cleaned))
        return Parsed(command, rest, len(cleaned))

    def records(self, text: str) -> bool:
        """True when `text` is a command that writes (bot/intake.py refuses it at once when the inbox is away)."""
        command = self.parse(text).command
        return command is not None and command.records

    def dispatch(self, ctx: ChatContext, text: str) -> Reply:
        return self.run(ctx, self.parse(text))

    def run(self, ctx: ChatContext, parsed: Parsed) -> Reply:
        """The reply to an already parsed line (adapters that log the command parse once)."""
        command, rest, length = parsed
        if length > MAX_INPUT_CHARS:
            return refusal(f"入力が長すぎます（{length:,}文字）。{MAX_INPUT_CHARS:,}文字以内で、要点を短く書いてください。")
        try:
            if command is not None:
                return command.handler(ctx, rest)
            if self._question_handler is None:
                raise RuntimeError("no question handler registered")
            return self._question_handler(ctx, rest)
        except UserError as error:
            return refusal(error.blocks)
        except Exception as error:
            if not is_storage_outage(error):
                raise  # a bug: the adapter's single error handler logs it and apologises
            logger.warning("database unavailable: %s refused (%s)", command_label(command), type(error).__name__)
            return refusal(STORAGE_UNAVAILABLE)


def command_label(command: ChatCommand | None) -> str:
    """An English name for logs: the first ASCII alias (`report`), or `question` for free text."""
    if command is None:
        return "question"
    return next((alias for alias in command.aliases if alias.isascii() and alias.isalpha()), "command")
