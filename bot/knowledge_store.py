"""The knowledge base and its engine, held together and swapped as one on reload (SIGHUP, `kb apply`).

Readers take `store.current` once per request and use that pair throughout, so a request never mixes an
old knowledge base with a new engine. `reload()` builds the new pair completely before swapping it in;
if building fails, the error is raised and the old pair keeps serving.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from knowledge.engine import FaqEngine
from knowledge.kb import KnowledgeBase

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Knowledge:
    kb: KnowledgeBase
    engine: FaqEngine


class KnowledgeStore:
    """The current `Knowledge`; `reload()` replaces it atomically and then tells the listeners."""

    def __init__(self, load: Callable[[], Knowledge], current: Knowledge | None = None) -> None:
        self._load = load
        self._reload_lock = threading.Lock()  # one reload at a time; readers never wait for it
        self._current = current if current is not None else load()
        self._listeners: list[Callable[[Knowledge], object]] = []

    @property
    def current(self) -> Knowledge:
        return self._current

    def on_reload(self, listener: Callable[[Knowledge], object]) -> None:
        """Call `listener` with the new knowledge after each reload (e.g. re-seed the initiatives)."""
        self._listeners.append(listener)

    def reload(self) -> Knowledge:
        """Load and build the knowledge base again; swap it in only once it is complete."""
        with self._reload_lock:
            started = time.perf_counter()
            fresh = self._load()  # may raise: the current knowledge stays
            self._install(fresh)
            logger.info(
                "knowledge base reloaded: %d entries, built in %.2fs", len(fresh.kb.entries), time.perf_counter() - started
            )
            return fresh

    def replace(self, knowledge: Knowledge) -> None:
        """Serve `knowledge` from now on (a knowledge base built elsewhere, e.g. by `kb apply`)."""
        with self._reload_lock:
            self._install(knowledge)

    def _install(self, knowledge: Knowledge) -> None:
        self._current = knowledge  # a single reference assignment: readers see the old or the new, whole
        for listener in self._listeners:
            listener(knowledge)
