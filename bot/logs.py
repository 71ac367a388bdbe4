"""Where log lines go, and how many: a conversation on a terminal shows only the conversation.

Servers (Slack or Teams over HTTP or Socket Mode) log at INFO: one line per request, start and stop.
The console (`dxbot chat`, `dxbot run` without credentials) and `dxbot ask` are a person's screen: only
errors show there. Other one-shot commands print their own Japanese result and log warnings only.
`--verbose` brings INFO back; `DXBOT_LOG_LEVEL` overrides both.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from enum import Enum


class Surface(Enum):
    SERVER = logging.INFO
    CONSOLE = logging.ERROR
    COMMAND = logging.WARNING


# Alembic announces each plugin it sets up and its dialect at INFO; our own line says what was migrated.
CHATTY_LOGGERS = ("alembic.runtime.plugins", "alembic.runtime.migration")


def log_level(surface: Surface, verbose: bool = False, environ: Mapping[str, str] | None = None) -> int:
    env = os.environ if environ is None else environ
    named = env.get("DXBOT_LOG_LEVEL", "").strip().upper()
    level = logging.getLevelName(named) if named else None
    if isinstance(level, int):
        return level
    return min(surface.value, logging.INFO) if verbose else surface.value


def configure_logging(surface: Surface, verbose: bool = False, environ: Mapping[str, str] | None = None) -> None:
    """(Re)configure the root logger for `surface`; called again when `dxbot run` knows which it serves."""
    level = log_level(surface, verbose, environ)
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if level <= logging.DEBUG else logging.WARNING)
