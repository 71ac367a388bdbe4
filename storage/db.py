"""Engine, sessions and migrations, built from a database URL."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
CONNECT_TIMEOUT_SECONDS = 5

# When set (a time.monotonic() value), every transaction begun in this thread waits at most until then.
_deadline: ContextVar[float | None] = ContextVar("dxbot_db_deadline", default=None)


@contextmanager
def database_deadline(seconds: float) -> Iterator[None]:
    """Bound every database wait inside the block (locks, statements; PostgreSQL `lock_timeout` and
    `statement_timeout`, SQLite `busy_timeout`) so that it ends within `seconds` from now.

    A wait cut short raises OperationalError, which the core already turns into "nothing recorded".
    Nested blocks keep the earlier deadline."""
    outer = _deadline.get()
    ends = time.monotonic() + seconds
    token = _deadline.set(ends if outer is None else min(outer, ends))
    try:
        yield
    finally:
        _deadline.reset(token)


def _apply_deadline(connection: Connection) -> None:
    ends = _deadline.get()
    if ends is None:
        return
    milliseconds = str(max(1, int((ends - time.monotonic()) * 1000)))
    if connection.dialect.name == "postgresql":
        # SET LOCAL semantics (set_config(..., true)): the bound ends with this transaction.
        connection.execute(select(func.set_config("lock_timeout", milliseconds, True)))
        connection.execute(select(func.set_config("statement_timeout", milliseconds, True)))
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA busy_timeout={milliseconds}")


def create_db_engine(
    url: str,
    *,
    pool_size: int = 5,
    max_overflow: int = 10,
    pool_timeout: float = 10,
    busy_timeout: float = 30,
    connect_timeout: int = CONNECT_TIMEOUT_SECONDS,
    sqlite_writer: threading.Lock | None = None,
) -> Engine:
    """An Engine for `url`; SQLite gets its folder created, WAL and a busy timeout (`busy_timeout` s).

    `sqlite_writer`: one lock per SQLite file, shared by every engine of this process on it
    (`serialize_sqlite_writes`).

    The pool is sized by the caller to the threads that use it (bot/intake.py): a worker that waits
    for a connection is a worker that cannot answer anyone."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # The pool is sized like PostgreSQL's (a file database; `:memory:` keeps SQLAlchemy's own pool), so a
        # wait for a connection is bounded the same way. hide_parameters: an error message or SQL log must
        # never carry what users typed.
        pooling: dict[str, object] = {}
        if database and database != ":memory:":
            pooling = {"pool_size": pool_size, "max_overflow": max_overflow, "pool_timeout": pool_timeout}
        engine = create_engine(url, connect_args={"timeout": busy_timeout}, hide_parameters=True, **pooling)
        busy_ms = int(busy_timeout * 1000)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # WAL's recommended level: a commit survives the process dying (kill -9) without an fsync each
            # time, so writers queue for milliseconds, not for a disk flush each (only a power cut may
            # roll back the last commits; production runs PostgreSQL).
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        if sqlite_writer is not None:
            serialize_sqlite_writes(engine, sqlite_writer, busy_timeout)

        @event.listens_for(engine, "begin")
        def _sqlite_deadline(connection):  # type: ignore[no-untyped-def]
            # Without a deadline a transaction gets the engine's own busy timeout back.
            if _deadline.get() is None:
                connection.exec_driver_sql(f"PRAGMA busy_timeout={busy_ms}")
            else:
                _apply_deadline(connection)

        return engine
    # pre_ping: a connection dropped while the database was away is replaced, not handed out.
    # connect_timeout: an unreachable server fails a request in seconds instead of hanging a worker for
    # the kernel's TCP timeout (a URL may set its own).
    connect_args: dict[str, object] = {}
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = connect_timeout
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        hide_parameters=True,
        connect_args=connect_args,
    )
    event.listen(engine, "begin", _apply_deadline)
    return engine


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")
_HOLDS_WRITER = "dxbot_sqlite_writer"
_BUSY_MS = "dxbot_sqlite_busy_ms"


def serialize_sqlite_writes(engine: Engine, writer: threading.Lock, busy_timeout: float) -> None:
    """Let this process's writers to a SQLite file take turns on `writer` before SQLite's own lock.

    SQLite has one writer at a time, and a waiting writer polls, sleeping up to 100 ms between tries, so
    under a burst the waits are unfair and a short bound (the inbox insert's 1 s) is hit though the
    database is fine. The lock is taken at a transaction's first write, exactly when SQLite would take
    its own, and given back when the transaction ends; waiting for it obeys the same busy timeout the
    connection has (`PRAGMA busy_timeout`, a deadline), and running out of it is SQLite's own
    "database is locked". Other processes still meet SQLite's lock as before."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    default_ms = int(busy_timeout * 1000)

    @event.listens_for(engine, "before_cursor_execute")
    def _take_turn(conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        info = conn.info
        head = statement.lstrip()[:24].upper()
        if head.startswith("PRAGMA BUSY_TIMEOUT="):
            info[_BUSY_MS] = int(head.split("=", 1)[1].strip() or default_ms)
            return
        if info.get(_HOLDS_WRITER) or not head.startswith(_WRITES):
            return
        budget_ms = info.get(_BUSY_MS, default_ms)
        started = time.monotonic()
        if not writer.acquire(timeout=budget_ms / 1000):
            raise OperationalError(statement, parameters, sqlite3.OperationalError("database is locked"))
        info[_HOLDS_WRITER] = True
        waited_ms = int((time.monotonic() - started) * 1000)
        if waited_ms:
            # What is left of the bound is what SQLite may still wait (another process's writer): the two
            # waits together stay within it. The next transaction sets its own again.
            left = max(1, budget_ms - waited_ms)
            _cursor.execute(f"PRAGMA busy_timeout={left}")
            info[_BUSY_MS] = left

    def _end_turn(info: dict) -> None:  # type: ignore[type-arg]
        if info.pop(_HOLDS_WRITER, False):
            writer.release()

    event.listen(engine, "commit", lambda conn: _end_turn(conn.info))
    event.listen(engine, "rollback", lambda conn: _end_turn(conn.info))
    # A connection given back, or dropped, without a commit or rollback through the Connection.
    @event.listens_for(engine.pool, "reset")
    def _on_reset(dbapi_connection, connection_record, reset_state):  # type: ignore[no-untyped-def]
        _end_turn(connection_record.info)

    @event.listens_for(engine.pool, "checkin")
    def _on_checkin(dbapi_connection, connection_record):  # type: ignore[no-untyped-def]
        if connection_record is not None:
            _end_turn(connection_record.info)

    @event.listens_for(engine.pool, "invalidate")
    def _on_invalidate(dbapi_connection, connection_record, exception):  # type: ignore[no-untyped-def]
        _end_turn(connection_record.info)


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    # Alembic is imported when a migration runs, not at every start (storage/schema.py: `prepare_schema`).
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    """Apply Alembic migrations up to `revision` (the only way the schema changes), under the migration lock."""
    from storage.schema import upgrade_schema

    upgrade_schema(engine, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def database_reachable(engine: Engine) -> bool:
    """True when a trivial query succeeds (for health checks); never raises."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        logger.warning("database health check failed", exc_info=True)
        return False
