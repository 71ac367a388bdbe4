"""Graceful stop, shared by HTTP and Socket Mode: SIGTERM wiring and waiting for in-flight listener work."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

from slack_bolt import App

logger = logging.getLogger(__name__)

DRAIN_SECONDS = 20.0  # on SIGTERM, how long in-flight work may take to finish


def drain_listeners(app: App, timeout: float = DRAIN_SECONDS) -> bool:
    """Wait for the listener work Bolt runs after each ack (the reply a user is waiting for).

    True when it all finished within `timeout`."""
    executor = app.listener_runner.listener_executor
    finished = threading.Event()

    def shut_executor() -> None:
        shutdown = getattr(executor, "shutdown", None)
        if shutdown is not None:
            shutdown(wait=True)
        finished.set()

    threading.Thread(target=shut_executor, name="dxbot-drain", daemon=True).start()
    return finished.wait(max(0.0, timeout))


def on_sigterm(action: Callable[[], None]) -> Callable[[], None]:
    """Run `action` on SIGTERM; returns a function that restores the previous handler.

    `action` runs in the signal handler, on the main thread: it must only set a flag or start a thread."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # signals reach only the main thread (tests run the bot in other threads)

    def handle(_signum: int, _frame: object) -> None:
        logger.info("SIGTERM received")
        action()

    previous = signal.signal(signal.SIGTERM, handle)

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    return restore
