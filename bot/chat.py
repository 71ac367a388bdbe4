"""Every adapter's entry point: one line of chat in, one platform-neutral reply out."""

from __future__ import annotations

import logging
import time

from bot.commands import CommandRouter, command_label
from bot.replies import Answer, ChatContext, Choices, Message, NoAnswer, OpenReportForm, Refusal, Reply

logger = logging.getLogger(__name__)


class ChatCore:
    def __init__(self, router: CommandRouter) -> None:
        self.router = router

    def handle(self, ctx: ChatContext, text: str) -> Reply:
        """The reply to `text`. Logs one line per request: platform, command, outcome and latency; never the
        text (it may hold personal data, and INFO logs are kept and shared)."""
        started = time.perf_counter()
        status = "error"
        parsed = self.router.parse(text)
        try:
            reply = self.router.run(ctx, parsed)
            status = reply_status(reply)
            return reply
        finally:
            logger.info(
                "request platform=%s command=%s status=%s latency_ms=%.1f",
                ctx.platform,
                command_label(parsed.command),
                status,
                (time.perf_counter() - started) * 1000,
            )


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
