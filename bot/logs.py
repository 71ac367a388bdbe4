"""Where log lines go, and how many: a conversation on a terminal shows only the conversation.

Servers (Slack or Teams over HTTP or Socket Mode) log at INFO: one line per request, start and stop.
The console (`dxbot chat`, `dxbot run` without credentials) and `dxbot ask` are a person's screen: only
errors show there. Other one-shot commands print their own Japanese result, and errors.
`--verbose` brings INFO back; `DXBOT_LOG_LEVEL` overrides both.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from enum import Enum


class Surface(Enum):
    SERVER = "server"
    CONSOLE = "console"
    COMMAND = "command"


DEFAULT_LEVELS = {
    Surface.SERVER: logging.INFO,
    Surface.CONSOLE: logging.ERROR,
    # A one-shot command prints its own Japanese result; its retries and notes are for --verbose.
    Surface.COMMAND: logging.ERROR,
}


# Alembic announces each plugin it sets up and its dialect at INFO; our own line says what was migrated.
CHATTY_LOGGERS = ("alembic.runtime.plugins", "alembic.runtime.migration")


def log_level(surface: Surface, verbose: bool = False, environ: Mapping[str, str] | None = None) -> int:
    env = os.environ if environ is None else environ
    named = env.get("DXBOT_LOG_LEVEL", "").strip().upper()
    level = logging.getLevelName(named) if named else None
    if isinstance(level, int):
        return level
    return min(DEFAULT_LEVELS[surface], logging.INFO) if verbose else DEFAULT_LEVELS[surface]


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time (a test's capture, a redirected stream), never a stale one."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self):  # type: ignore[no-untyped-def]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:  # type: ignore[no-untyped-def]
        pass


def configure_logging(surface: Surface, verbose: bool = False, environ: Mapping[str, str] | None = None) -> None:
    """(Re)configure the root logger for `surface`: one stderr handler of ours, others' handlers untouched."""
    level = log_level(surface, verbose, environ)
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, StderrHandler)]:
        root.removeHandler(handler)
    handler = StderrHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if level <= logging.DEBUG else logging.WARNING)
