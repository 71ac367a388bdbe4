"""`dxbot run` with SLACK_APP_TOKEN: Socket Mode, the default deployment (no public HTTP endpoint needed).

The bot dials out to Slack over a WebSocket (slack_sdk's built-in client, no extra dependency) and the
envelopes go through the very same Bolt listeners as HTTP requests do.
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_bolt.adapter.socket_mode.builtin import SocketModeHandler

logger = logging.getLogger(__name__)


def socket_mode_handler(app: App, app_token: str, concurrency: int = 10) -> SocketModeHandler:
    """The handler for `app`; it uses the app's Web API client, so SLACK_API_URL applies here too.

    Nothing connects until `connect()` / `start()`.
    """
    return SocketModeHandler(app, app_token=app_token, web_client=app.client, concurrency=concurrency)


def run_socket_mode(app: App, app_token: str) -> None:
    """Connect and serve until interrupted."""
    handler = socket_mode_handler(app, app_token)
    logger.info("connecting to Slack in Socket Mode")
    try:
        handler.start()
    finally:
        handler.close()
