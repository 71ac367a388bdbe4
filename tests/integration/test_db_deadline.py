"""`database_deadline`: every wait for a lock inside the block ends by the deadline, on both databases;
outside a block the engine's own bounds hold."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from storage.db import create_db_engine, database_deadline, upgrade_database
from tests.integration.test_inbox import _hold_write_lock


def test_a_write_under_a_lock_fails_by_the_deadline_and_later_writes_wait_again(db_url: str) -> None:
    engine = create_db_engine(db_url, busy_timeout=30)
    upgrade_database(engine)
    ready = threading.Event()
    locker = threading.Thread(target=_hold_write_lock, args=(db_url, 4.0, ready))
    locker.start()
    assert ready.wait(10)
    started = time.monotonic()
    with pytest.raises(OperationalError), database_deadline(1.0), engine.begin() as connection:
        connection.execute(text("UPDATE inbox SET attempts = attempts + 1"))
    assert 0.5 < time.monotonic() - started < 2.5
    # Without a deadline the same write waits for the lock to go away, then succeeds.
    with engine.begin() as connection:
        connection.execute(text("UPDATE inbox SET attempts = attempts + 1"))
    assert time.monotonic() - started > 3.0
    locker.join()
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            assert connection.execute(text("SHOW statement_timeout")).scalar() == "0"
    engine.dispose()


def test_nested_deadlines_keep_the_earlier_one() -> None:
    from storage.db import _deadline

    with database_deadline(1.0):
        outer = _deadline.get()
        with database_deadline(30.0):
            assert _deadline.get() == outer
    assert _deadline.get() is None
