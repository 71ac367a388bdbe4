"""The outbound chat port the jobs talk to, its errors, and the retry policy around it.

`bot/slack/notifier.py` implements `Notifier` with slack_sdk; `tests/fakes.py` has a fake. Jobs never see
a Slack client or a Slack exception: the adapter turns them into `TransientDeliveryError` (worth
retrying: 429, 5xx, connection errors) or `PermanentDeliveryError` (anything else).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

logger = logging.getLogger(__name__)

Block = dict[str, Any]
T = TypeVar("T")


class DeliveryError(Exception):
    """A chat delivery failed. The message holds an error code, never a token or a payload."""


class TransientDeliveryError(DeliveryError):
    """Worth retrying: rate limited (with the server's Retry-After, when it sent one), 5xx, connection."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    """Retrying will not help (channel_not_found, not_in_channel, invalid_auth …)."""


class Notifier(Protocol):
    def post_message(self, channel: str, blocks: Sequence[Block], text: str, thread_ts: str | None = None) -> str:
        """Post one message; returns its ts."""
        ...

    def upload_file(self, channel: str, content: bytes, filename: str, title: str, thread_ts: str | None = None) -> None:
        """Upload a file into the channel (or the thread of `thread_ts`)."""
        ...

    def send_dm(self, user: str, text: str) -> str:
        """Send a direct message; returns its ts."""
        ...


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter; a server's Retry-After wins (capped by `max_delay`)."""

    attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0
    sleep: Callable[[float], None] | None = None  # injected; tests pass a recorder and never wait
    jitter: Callable[[], float] = random.random

    def delay(self, attempt: int, error: TransientDeliveryError) -> float:
        if error.retry_after is not None:
            return min(max(error.retry_after, 0.0), self.max_delay)
        backoff = self.base_delay * (2 ** (attempt - 1))
        return min(backoff * (0.5 + self.jitter() / 2), self.max_delay)


def call_with_retry(action: Callable[[], T], policy: RetryPolicy, what: str = "delivery") -> T:
    """Run `action`, retrying transient failures per `policy`; the last failure is raised."""
    import time

    sleep = policy.sleep or time.sleep
    for attempt in range(1, policy.attempts + 1):
        try:
            return action()
        except TransientDeliveryError as error:
            if attempt == policy.attempts:
                raise
            wait = policy.delay(attempt, error)
            logger.warning("%s failed (%s); retry %d/%d in %.1fs", what, error, attempt, policy.attempts - 1, wait)
            sleep(wait)
    raise AssertionError("unreachable")
