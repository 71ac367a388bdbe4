"""What the malformed-payload tests of every platform share (tests/e2e/test_malformed_payloads.py for Slack,
tests/e2e/teams/test_teams_malformed.py for Teams): the ERROR records logged meanwhile, whether a reply is
Japanese, and the JSON values their fuzzers put where a field was."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import strategies as st

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


class ErrorRecords(logging.Handler):
    """Every ERROR record, from any thread (a listener's or a turn's error is logged there)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def recording_errors() -> Iterator[ErrorRecords]:
    """The root logger's ERROR records while the block runs."""
    handler = ErrorRecords()
    logging.getLogger().addHandler(handler)
    try:
        yield handler
    finally:
        logging.getLogger().removeHandler(handler)


def japanese(text: str) -> bool:
    """Whether `text` has kana or kanji: a reply a person here can read."""
    return any("\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff" for c in text)
