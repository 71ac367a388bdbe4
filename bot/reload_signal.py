"""SIGHUP reloads the knowledge base of a running bot (after `dxbot kb apply`), and the log says so.

The signal handler only starts a thread: loading and building the engine takes seconds, and a signal
handler runs on the main thread between two bytecodes. The reload itself is the `KnowledgeStore`'s
(docs/architecture.md §3): complete before it is swapped in, so a knowledge base with a mistake is
refused, logged, and the previous one keeps answering.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

from knowledge.kb import KnowledgeBaseError

logger = logging.getLogger(__name__)


def reload_knowledge(reload: Callable[[], object]) -> bool:
    """Run one reload; True when the new knowledge base serves from now on."""
    logger.info("SIGHUP received: reloading the knowledge base")
    try:
        reload()
    except KnowledgeBaseError as error:
        for problem in error.problems:
            logger.warning("knowledge base not reloaded: %s", problem)
        logger.warning("knowledge base not reloaded (%d problems); still serving the previous one", len(error.problems))
        return False
    except Exception:
        logger.exception("knowledge base reload failed; still serving the previous one")
        return False
    logger.info("knowledge base reloaded on SIGHUP")
    return True


def install_sighup_reload(reload: Callable[[], object]) -> Callable[[], None]:
    """Reload on SIGHUP from now on; returns the function that puts the previous handler back.

    Signals reach only the main thread, and Windows has no SIGHUP: elsewhere this does nothing."""
    if not hasattr(signal, "SIGHUP") or threading.current_thread() is not threading.main_thread():
        return lambda: None

    def handle(signum: int, frame: object) -> None:
        threading.Thread(target=reload_knowledge, args=(reload,), name="kb-reload", daemon=True).start()

    previous = signal.signal(signal.SIGHUP, handle)

    def restore() -> None:
        signal.signal(signal.SIGHUP, previous)

    return restore
