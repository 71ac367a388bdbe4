"""The `jobs.notify.Notifier` port over slack_sdk's WebClient (SLACK_API_URL as base_url).

It renders what the jobs hand it (a digest, a neutral message) as Block Kit within Slack's limits
(bot/slack/digest.py); a thread handle is the ts of the first message.

The client's own retry handlers are removed: the jobs' retry policy is the only one, so Retry-After is
honoured once and the number of attempts is what the policy says. Slack errors become the port's
errors: 429, 5xx and connection failures are transient; anything else is permanent. Error messages carry
Slack's error code only, never the token or the payload.
"""

from __future__ import annotations

import logging
import urllib.error
from collections.abc import Callable
from typing import Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.replies import Message
from bot.slack.digest import OutgoingMessage, render
from bot.slack.render import blocks_mrkdwn
from jobs.digest import Digest
from jobs.notify import Image, PermanentDeliveryError, TransientDeliveryError

logger = logging.getLogger(__name__)

T = TypeVar("T")
TRANSIENT_ERRORS = {
    "ratelimited",
    "rate_limited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
}


def build_notifier_client(token: str | None, api_url: str, timeout: int = 30) -> WebClient:
    base_url = api_url if api_url.endswith("/") else api_url + "/"
    client = WebClient(token=token, base_url=base_url, timeout=timeout)
    client.retry_handlers.clear()
    return client


def _retry_after(response: Any) -> float | None:
    headers = getattr(response, "headers", None) or {}
    for key, value in headers.items():
        if key.lower() == "retry-after":
            value = value[0] if isinstance(value, list) else value
            try:
                return float(value)
            except (TypeError, ValueError):
                return None
    return None


def _translated(action: Callable[[], T], what: str) -> T:
    try:
        return action()
    except SlackApiError as error:
        response = error.response
        status = getattr(response, "status_code", 0) or 0
        code = (response.get("error") if hasattr(response, "get") else None) or f"http_{status}"
        if status == 429 or status >= 500 or code in TRANSIENT_ERRORS:
            raise TransientDeliveryError(f"{what}: {code} (HTTP {status})", _retry_after(response)) from None
        raise PermanentDeliveryError(f"{what}: {code}") from None
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as error:
        raise TransientDeliveryError(f"{what}: connection failed ({type(error).__name__})") from None
    except SlackClientError as error:
        raise PermanentDeliveryError(f"{what}: {type(error).__name__}") from None


class SlackNotifier:
    def __init__(self, client: WebClient) -> None:
        self._client = client

    @classmethod
    def from_settings(cls, token: str | None, api_url: str) -> SlackNotifier:
        return cls(build_notifier_client(token, api_url))

    def render(self, content: Digest | Message) -> list[OutgoingMessage]:
        return render(content)

    def post(self, target: str, message: OutgoingMessage, thread: str | None = None) -> str:
        def post() -> str:
            response = self._client.chat_postMessage(
                channel=target,
                blocks=list(message.blocks),
                text=message.text,
                thread_ts=thread,
                unfurl_links=False,
                unfurl_media=False,
            )
            return str(response["ts"])

        return _translated(post, "chat.postMessage")

    def attach_image(self, target: str, image: Image, thread: str | None = None) -> None:
        def upload() -> None:
            self._client.files_upload_v2(
                channel=target, content=image.content, filename=image.filename, title=image.title, thread_ts=thread
            )

        _translated(upload, "files.upload_v2")

    def send_direct(self, person: str, message: Message) -> str:
        text = blocks_mrkdwn(message.blocks)

        def send() -> str:
            opened = self._client.conversations_open(users=person)
            channel = opened["channel"]["id"]
            response = self._client.chat_postMessage(channel=channel, text=text, unfurl_links=False)
            return str(response["ts"])

        return _translated(send, "dm")
