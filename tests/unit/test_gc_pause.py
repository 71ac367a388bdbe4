"""The collector paused for a build or a start (knowledge/gc_pause.py), and always given back as it was."""

from __future__ import annotations

import gc

import pytest

from knowledge.gc_pause import collection_paused


def test_paused_inside_and_back_on_after() -> None:
    assert gc.isenabled()
    with collection_paused():
        assert not gc.isenabled()
        with collection_paused():  # nested: the inner one found it off and leaves it off
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_back_on_after_an_error() -> None:
    with pytest.raises(ValueError), collection_paused():
        raise ValueError("build failed")
    assert gc.isenabled()


def test_left_off_when_it_was_off() -> None:
    gc.disable()
    try:
        with collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_young_survivors_are_filed_into_an_older_generation_after() -> None:
    with collection_paused():
        kept = [[i] for i in range(5000)]  # tracked containers, alive after the stretch
        assert gc.get_count()[0] >= 5000
    assert gc.get_count()[0] < 5000
    assert len(kept) == 5000
