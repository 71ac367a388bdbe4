"""`dxbot run` with SLACK_APP_TOKEN: Socket Mode, the default deployment (no public HTTP endpoint needed).

The bot dials out to Slack over a WebSocket (slack_sdk's built-in client, no extra dependency) and the
envelopes go through the very same Bolt listeners as HTTP requests do.
"""

from __future__ import annotations

import logging
import threading
import time

from slack_bolt import App
from slack_bolt.adapter.socket_mode.builtin import SocketModeHandler

from bot.slack.intake import IntakeApp
from bot.slack.shutdown import DRAIN_SECONDS, drain_listeners, on_sigterm

logger = logging.getLogger(__name__)

def socket_mode_handler(app: App, app_token: str, concurrency: int = 10) -> SocketModeHandler:
    """The handler for `app`; it uses the app's Web API client, so SLACK_API_URL applies here too.

    Nothing connects until `connect()` / `start()`.
    """
    return SocketModeHandler(app, app_token=app_token, web_client=app.client, concurrency=concurrency)


def run_socket_mode(app: App, app_token: str, stop: threading.Event | None = None) -> None:
    """Connect and serve until SIGTERM, Ctrl-C or `stop` is set; then finish the work in flight."""
    stop = stop or threading.Event()
    handler = socket_mode_handler(app, app_token)
    restore = on_sigterm(stop.set)
    logger.info("connecting to Slack in Socket Mode")
    glue = app.slack_intake if isinstance(app, IntakeApp) else None
    if glue is not None:
        glue.intake.start()  # resume what a previous run accepted but did not answer
    try:
        handler.connect()
        logger.info("serving Slack over Socket Mode")
        while not stop.wait(0.5):  # a short wait keeps Ctrl-C and signals prompt
            pass
        logger.info("stopping: no new envelopes; finishing the ones in flight")
    finally:
        handler.close()  # Slack re-sends what was not acked to another connection
        started = time.monotonic()
        if glue.intake.drain(DRAIN_SECONDS) if glue is not None else drain_listeners(app):
            logger.info("shutdown: in-flight work finished in %.1fs", time.monotonic() - started)
        else:
            logger.warning("shutdown: gave up waiting after %.0fs; unfinished work is dropped", DRAIN_SECONDS)
        restore()
