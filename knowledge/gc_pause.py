"""Python's cyclic garbage collector paused for a stretch of work that only allocates (an index build).

An index build makes millions of tuples, lists and dicts that reference counting frees, and leaves no cyclic
garbage worth finding, yet the collector, triggered by the allocations, walked the young objects again and
again. After the stretch one young-generation collection files what survived into the older generations at
once, so the first question does not pay for it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_paused() -> Iterator[None]:
    """The collector off inside; back on after (unless it was off already), with one collection of the young
    generations. Nested or concurrent stretches are fine: whoever found it on turns it back on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            gc.collect(1)
