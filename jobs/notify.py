"""The outbound chat port the jobs talk to (docs/architecture.md §7), its errors, and the retry policy around it.

The port is platform-neutral: the jobs hand it a `Digest` (jobs/digest.py) or a `Message` of neutral blocks
(bot/replies.py), and each platform's notifier renders them in its own markup and splits them within its
own limits (bot/slack/notifier.py: Block Kit, 50 blocks and 3,000 characters a section; bot/teams/digest.py:
markdown within about 28 KB). Rendering and sending are separate calls, so the delivery ledger can record
each message sent and a later attempt continues from the first one missing (jobs/delivery.py). What a
notifier renders is opaque to the jobs (`M`); the first post of a sequence returns an opaque thread handle
(Slack's ts, Teams' message id) that the rest continue in.

Jobs never see a chat client or its exceptions: the adapter turns them into `TransientDeliveryError` (worth
retrying: 429, 5xx, connection errors; with the server's Retry-After) or `PermanentDeliveryError`.
`tests/fakes.py` has a fake.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from bot.replies import Message
from jobs.digest import Digest

logger = logging.getLogger(__name__)

T = TypeVar("T")
M = TypeVar("M")  # one message as the platform rendered it


class DeliveryError(Exception):
    """A chat delivery failed. The message holds an error code, never a token or a payload."""


class TransientDeliveryError(DeliveryError):
    """Worth retrying: rate limited (with the server's Retry-After, when it sent one), 5xx, connection."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    """Retrying will not help (channel_not_found, not_in_channel, invalid_auth …)."""


@dataclass(frozen=True)
class Image:
    """An image to attach (the digest's chart): PNG bytes, a file name, and a title of our own words."""

    content: bytes
    filename: str
    title: str


class Notifier(Protocol[M]):
    """Posts to one chat platform. `target` is a channel (Slack channel ID, Teams channel conversation id);
    `person` a staff key (a Slack user ID, or `teams:<object id>`)."""

    def render(self, content: Digest | Message) -> Sequence[M]:
        """`content` as this platform's messages, each within its limits: the first is the post, the rest
        continue in its thread, in order. Never empty."""
        ...

    def post(self, target: str, message: M, thread: str | None = None) -> str:
        """Post one rendered message to `target` (into `thread` when given); returns its thread handle."""
        ...

    def attach_image(self, target: str, image: Image, thread: str | None = None) -> None:
        """Show an image in `target` (in `thread` when given)."""
        ...

    def send_direct(self, person: str, message: Message) -> str:
        """A direct message to a person (split within the platform's limits); returns the first one's id."""
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
