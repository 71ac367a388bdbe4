"""Bounded retries for everything the bot sends to Slack while answering: Web API calls and response_urls.

slack_sdk retries only a dropped connection by default, and Bolt's `respond()` builds its own webhook
client with that default. Here a rate limit (429, after Retry-After), a server error (500/503) and a
dropped connection are each retried at most twice; a Retry-After longer than half a minute is not waited
for, because a reply that late is of no use and the listener thread is better freed.
(The weekly digest has its own retry policy in `jobs.notify`; its client has these handlers removed.)
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_bolt.context.respond import Respond
from slack_bolt.context.respond.internals import _build_message
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.webhook import WebhookClient, WebhookResponse

logger = logging.getLogger(__name__)

MAX_RETRIES = 2
MAX_RETRY_AFTER_SECONDS = 30


def _retry_after(response: HttpResponse) -> float | None:
    for name, values in (response.headers or {}).items():
        if name.lower() == "retry-after":
            value = values[0] if isinstance(values, list | tuple) else values
            try:
                return float(value)
            except (TypeError, ValueError):
                return None
    return None


class BoundedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Slack's rate-limit retry, but never waiting longer than MAX_RETRY_AFTER_SECONDS."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = _retry_after(response)
        if wait is not None and wait > MAX_RETRY_AFTER_SECONDS:
            logger.warning("Slack asked to retry after %.0fs; not waiting that long", wait)
            return False
        return True


def slack_retry_handlers() -> list[RetryHandler]:
    """A fresh list per client (handlers keep no per-request state, but lists are mutated by callers)."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=MAX_RETRIES),
        BoundedRateLimitRetryHandler(max_retry_count=MAX_RETRIES),
        ServerErrorRetryHandler(max_retry_count=MAX_RETRIES),
    ]


class RetryingRespond(Respond):
    """Bolt's `respond()` with the same retries as the Web API client, and a log line when it gives up."""

    def __call__(self, text: str | dict[str, Any] = "", **fields: Any) -> WebhookResponse:  # type: ignore[override]
        if self.response_url is None:
            raise ValueError("respond is unsupported here as there is no response_url")
        message = _build_message(**text) if isinstance(text, dict) else _build_message(text=text, **fields)
        client = WebhookClient(
            url=self.response_url, proxy=self.proxy, ssl=self.ssl, retry_handlers=slack_retry_handlers()
        )
        response = client.send_dict(message)
        if response.status_code != 200:
            # The webhook client does not raise; without this the reply would be lost silently.
            logger.warning("reply to response_url failed after retries: HTTP %d", response.status_code)
        return response


def use_retrying_respond(app: App) -> None:
    """Give every listener (and the error handler) the retrying `respond`."""

    def retrying_respond(context: BoltContext, next: Any) -> Any:  # noqa: A002 - Bolt's argument name
        if context.response_url:
            context["respond"] = RetryingRespond(
                response_url=context.response_url, proxy=context.client.proxy, ssl=context.client.ssl
            )
        return next()

    app.use(retrying_respond)
