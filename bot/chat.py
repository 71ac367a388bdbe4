"""Every adapter's entry point: one line of chat in, one platform-neutral reply out."""

from __future__ import annotations

import logging
import time

from bot.commands import CommandRouter, command_label
from bot.dialogue import Dialogue
from bot.replies import Answer, ChatContext, Choices, Message, NoAnswer, OpenReportForm, Refusal, Reply

logger = logging.getLogger(__name__)


class ChatCore:
    def __init__(self, router: CommandRouter, dialogue: Dialogue) -> None:
        self.router = router
        self.dialogue = dialogue

    def handle(self, ctx: ChatContext, text: str) -> Reply:
        """The reply to `text`: a dialogue turn (a number, a greeting, thanks), a command, or a question.

        Logs one line per request: platform, command, outcome and latency; never the text (it may hold
        personal data, and INFO logs are kept and shared)."""
        started = time.perf_counter()
        status = "error"
        parsed = self.router.parse(text)
        label = command_label(parsed.command)
        try:
            reply = self.dialogue.reply(ctx, parsed.rest) if parsed.command is None else None
            if reply is None:
                reply = self.router.run(ctx, parsed)
                self.dialogue.remember(ctx, reply)
            else:
                label = "dialogue"
            status = reply_status(reply)
            return reply
        finally:
            logger.info(
                "request platform=%s command=%s status=%s latency_ms=%.1f",
                ctx.platform,
                label,
                status,
                (time.perf_counter() - started) * 1000,
            )

    def choose(self, ctx: ChatContext, entry_id: str, log_id: int | None = None) -> Reply:
        """A 「もしかして」 choice picked by a button: the same as typing its number."""
        return self.dialogue.choose(ctx, entry_id, log_id)


def reply_status(reply: Reply) -> str:
    """The outcome of a request, for the request log."""
    match reply:
        case Answer():
            return "answered"
        case Choices():
            return "ambiguous"
        case NoAnswer():
            return "no_answer"
        case Refusal():
            return "refused"
        case OpenReportForm():
            return "form"
        case Message():
            return "ok"
    return type(reply).__name__.lower()
