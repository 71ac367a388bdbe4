"""SQLite writers of one process take turns on a shared lock (storage/db.py `serialize_sqlite_writes`): a
second writer waits for the first to end, within its own busy timeout, and a finished or failed
transaction always gives the turn back."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from storage.db import create_db_engine, database_deadline


@pytest.fixture
def engines(tmp_path: Path):  # type: ignore[no-untyped-def]
    writer = threading.Lock()
    url = f"sqlite:///{tmp_path / 'w.sqlite3'}"
    first = create_db_engine(url, busy_timeout=5, sqlite_writer=writer)
    second = create_db_engine(url, busy_timeout=5, sqlite_writer=writer)
    with first.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    yield first, second, writer
    first.dispose()
    second.dispose()


def test_a_second_writer_waits_for_the_first_and_then_writes(engines) -> None:  # type: ignore[no-untyped-def]
    first, second, writer = engines
    started, wrote = threading.Event(), threading.Event()

    def later_writer() -> None:
        started.set()
        with second.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (2)"))
        wrote.set()

    with first.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        assert writer.locked()  # taken at the first write
        thread = threading.Thread(target=later_writer)
        thread.start()
        started.wait(5)
        assert not wrote.wait(0.3)  # its turn comes only when this transaction ends
    thread.join(5)
    assert wrote.is_set() and not writer.locked()
    with first.connect() as connection:
        assert connection.execute(text("SELECT n FROM t ORDER BY n")).scalars().all() == [1, 2]


def test_the_wait_obeys_the_deadline_and_a_failed_transaction_gives_the_turn_back(engines) -> None:  # type: ignore[no-untyped-def]
    first, second, writer = engines
    failures: list[BaseException] = []

    def impatient_writer() -> None:
        try:
            with database_deadline(0.2), second.begin() as connection:
                connection.execute(text("INSERT INTO t VALUES (3)"))
        except OperationalError as error:
            failures.append(error)

    with first.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        thread = threading.Thread(target=impatient_writer)
        thread.start()
        thread.join(5)
    assert len(failures) == 1 and "locked" in str(failures[0])
    with pytest.raises(OperationalError), first.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (4)"))
        connection.execute(text("INSERT INTO missing VALUES (5)"))  # fails: rolled back
    assert not writer.locked()
    with second.begin() as connection:  # nobody holds the turn any more
        connection.execute(text("INSERT INTO t VALUES (6)"))
    with first.connect() as connection:
        assert connection.execute(text("SELECT n FROM t ORDER BY n")).scalars().all() == [1, 6]
