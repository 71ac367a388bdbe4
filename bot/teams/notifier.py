"""Proactive posts to Teams: the weekly digest and reminders, through the jobs' delivery port.

A post needs the conversation's stored reference (bot/teams/store.py): the channel's, kept when the bot
was installed in the team or addressed there, or a person's personal chat. The send itself is the SDK's:
a continued conversation with the stored claims, then the connector's send-to-conversation, so a channel
gets a new post and `thread` addresses the replies under one (`…;messageid=<id>`).

Teams' limits, kept here: a message stays under about 28 KB (UTF-16, as Teams counts; longer markdown is
split at line breaks into several posts in the same thread); sends to one conversation are paced to about
7 a second and within Teams' longer windows (`Pacer`); and 429 / 412 / 502 / 504 are
`TransientDeliveryError`s carrying the server's Retry-After, which the jobs' retry policy honours; any
other refusal is permanent.
The jobs are synchronous and run in the scheduler's thread; each post runs the SDK on its own event loop.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import aiohttp
from microsoft_agents.activity import Activity, ActivityTypes, Attachment, TextFormatTypes
from microsoft_agents.hosting.core import ChannelServiceAdapter, TurnContext
from microsoft_agents.hosting.core.app.proactive import Conversation
from microsoft_agents.hosting.core.connector import ConnectorClientBase

from bot.teams.render import MESSAGE_LIMIT_BYTES, split_text
from bot.teams.store import ConversationDirectory, channel_of, thread_reference
from jobs.notify import PermanentDeliveryError, TransientDeliveryError

logger = logging.getLogger(__name__)

T = TypeVar("T")
RETRIED_STATUSES = frozenset({412, 429, 502, 504})
MESSAGES_PER_SECOND = 7.0
# Teams' limits per bot and conversation (sends, seconds); Microsoft's "rate limiting for bots" page.
THROTTLE_WINDOWS = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
PACING_MARGIN = 1.1


class Pacer:
    """Teams' per-conversation throttle, kept with a margin: sends to one conversation are spaced about
    1/7 s apart, and none of Teams' windows is overfilled (7 a second, 8 in 2 s, 60 in 30 s, 1,800 an
    hour). Teams counts arrivals, so every spacing and window is stretched by `margin` to absorb the
    network's jitter."""

    def __init__(
        self,
        rate: float = MESSAGES_PER_SECOND,
        *,
        windows: tuple[tuple[int, float], ...] = THROTTLE_WINDOWS,
        margin: float = PACING_MARGIN,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = margin / rate
        self.windows = tuple((limit, span * margin) for limit, span in windows)
        self._clock = clock
        self._sleep = sleep
        self._sent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, conversation: str) -> None:
        key = channel_of(conversation)  # a channel and its threads are one conversation to the throttle
        with self._lock:
            now = self._clock()
            sent = self._sent.setdefault(key, deque(maxlen=max(limit for limit, _ in self.windows)))
            at = max(now, sent[-1] + self.interval) if sent else now
            for limit, span in self.windows:
                if len(sent) >= limit:
                    at = max(at, sent[-limit] + span)
            sent.append(at)  # reserved before sleeping, so a second thread queues behind it
        if at > now:
            self._sleep(at - now)


def retry_after_seconds(headers: Any) -> float | None:
    """Retry-After as seconds (it may be a number or an HTTP date)."""
    value = headers.get("Retry-After") if headers is not None else None
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return None


def delivery_error(error: Exception) -> Exception:
    """The connector's failure as the jobs' transient or permanent delivery error (no payload, no token)."""
    if isinstance(error, aiohttp.ClientResponseError):
        if error.status in RETRIED_STATUSES:
            return TransientDeliveryError(f"teams http {error.status}", retry_after_seconds(error.headers))
        return PermanentDeliveryError(f"teams http {error.status}")
    if isinstance(error, aiohttp.ClientError | asyncio.TimeoutError | ConnectionError):
        return TransientDeliveryError(f"teams connection: {type(error).__name__}")
    return error


class TeamsNotifier:
    """Posts to Teams conversations by their stored references. Message ids come back as the `ts`."""

    def __init__(
        self,
        adapter: ChannelServiceAdapter,
        directory: ConversationDirectory,
        *,
        pacer: Pacer | None = None,
        run: Callable[[Coroutine[Any, Any, Any]], Any] = asyncio.run,
        limit: int = MESSAGE_LIMIT_BYTES,
    ) -> None:
        self.adapter = adapter
        self.directory = directory
        self.pacer = pacer or Pacer()
        self._run = run
        self.limit = limit

    # ------------------------------------------------------------ the port

    def post_text(self, conversation_id: str, markdown: str, thread: str | None = None) -> str:
        """Post markdown to a channel (a new post) or into `thread`; split within Teams' size limit.

        A text that needs several messages goes on in the thread of its first part. Returns the first id."""
        parts = split_text(markdown, self.limit)
        first = self._post(conversation_id, thread, text_activity(parts[0]))
        for part in parts[1:]:
            self._post(conversation_id, thread or first, text_activity(part))
        return first

    def post_card(self, conversation_id: str, card: dict[str, Any], summary: str, thread: str | None = None) -> str:
        activity = text_activity(summary)
        activity.attachments = [Attachment(content_type="application/vnd.microsoft.card.adaptive", content=card)]
        return self._post(conversation_id, thread, activity)

    def post_image(
        self, conversation_id: str, content: bytes, filename: str, title: str, thread: str | None = None
    ) -> str:
        """An image (the digest's chart) inline, as a base64 data URI: Teams shows it in the message."""
        activity = text_activity(title)
        activity.attachments = [
            Attachment(
                content_type="image/png",
                content_url="data:image/png;base64," + base64.b64encode(content).decode("ascii"),
                name=filename,
            )
        ]
        return self._post(conversation_id, thread, activity)

    def send_dm_text(self, aad_object_id: str, markdown: str) -> str:
        """A message in the person's personal chat with the bot (known once they have talked to it)."""
        conversation = self._run(self.directory.personal_chat(aad_object_id))
        if conversation is None:
            raise PermanentDeliveryError("teams: no personal chat with this person yet (app not installed)")
        parts = split_text(markdown, self.limit)
        first = ""
        for part in parts:
            sent = self._send(conversation, text_activity(part))
            first = first or sent
        return first

    # ------------------------------------------------------------ sending

    def _post(self, conversation_id: str, thread: str | None, activity: Activity) -> str:
        conversation = self._run(self.directory.conversation(conversation_id))
        if conversation is None:
            raise PermanentDeliveryError(
                "teams: no stored conversation for this channel (install the app in the team, or @mention it there)"
            )
        if thread:
            conversation = thread_reference(conversation, thread)
        return self._send(conversation, activity)

    def _send(self, conversation: Conversation, activity: Activity) -> str:
        reference = conversation.conversation_reference
        target = reference.conversation.id if reference.conversation else ""
        self.pacer.wait(target)
        try:
            return str(self._run(self._send_async(conversation, activity)))
        except Exception as error:
            mapped = delivery_error(error)
            if mapped is error:
                raise
            raise mapped from error

    async def _send_async(self, conversation: Conversation, activity: Activity) -> str:
        reference = conversation.conversation_reference
        outgoing = activity.model_copy()
        outgoing.apply_conversation_reference(reference)
        outgoing.reply_to_id = None  # type: ignore[assignment]  # a new post, not a reply
        sent: list[str] = []
        failure: list[BaseException] = []

        async def callback(context: TurnContext) -> None:
            try:
                connector = context.services.get(ConnectorClientBase)  # type: ignore[type-abstract]
                if connector is None or reference.conversation is None:
                    raise PermanentDeliveryError("teams: no connector for this conversation")
                response = await connector.conversations.send_to_conversation(reference.conversation.id, outgoing)
                sent.append(response.id or "")
            except Exception as error:  # surfaced below: the SDK would hand it to on_turn_error
                failure.append(error)

        claims = Conversation.identity_from_claims(conversation.claims)
        await self.adapter.continue_conversation_with_claims(
            claims, reference.get_continuation_activity(), callback
        )
        if failure:
            raise failure[0]
        if not sent:
            raise PermanentDeliveryError("teams: the connector did not confirm the post")
        return sent[0]


def text_activity(markdown: str) -> Activity:
    return Activity(type=ActivityTypes.message, text=markdown, text_format=TextFormatTypes.markdown)
