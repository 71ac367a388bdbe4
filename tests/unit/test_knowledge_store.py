"""The knowledge store swaps the knowledge base and its engine as one, and only once the new pair is built."""

from __future__ import annotations

import threading

import pytest

from bot.knowledge_store import Knowledge, KnowledgeStore
from knowledge.kb import KnowledgeBase


class FakeEngine:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb


def knowledge(tag: str) -> Knowledge:
    kb = KnowledgeBase(entries=())
    return Knowledge(kb, FakeEngine(kb))  # type: ignore[arg-type]


def test_reload_swaps_the_pair_and_tells_listeners() -> None:
    built = iter([knowledge("first"), knowledge("second")])
    store = KnowledgeStore(lambda: next(built))
    first = store.current
    seen: list[Knowledge] = []
    store.on_reload(seen.append)
    second = store.reload()
    assert store.current is second is not first
    assert store.current.engine.kb is store.current.kb  # type: ignore[attr-defined]
    assert seen == [second]


def test_a_failed_reload_keeps_the_old_knowledge() -> None:
    calls = {"n": 0}
    first = knowledge("first")

    def load() -> Knowledge:
        calls["n"] += 1
        raise ValueError("broken YAML")

    store = KnowledgeStore(load, first)
    with pytest.raises(ValueError):
        store.reload()
    assert store.current is first and calls["n"] == 1


def test_readers_never_see_a_half_built_pair_during_a_reload() -> None:
    started, release = threading.Event(), threading.Event()
    first, second = knowledge("first"), knowledge("second")

    def slow_load() -> Knowledge:
        started.set()
        release.wait(5)
        return second

    store = KnowledgeStore(slow_load, first)
    worker = threading.Thread(target=store.reload)
    worker.start()
    assert started.wait(5)
    assert store.current is first  # still building: the old pair serves
    release.set()
    worker.join(5)
    assert store.current is second
