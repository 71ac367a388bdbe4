"""Migrations at start, under a lock: any number of processes starting on a fresh database migrate it once.

PostgreSQL takes a transaction-level advisory lock (keyed by the schema, so databases and schemas sharing a
server do not wait for each other) and runs the whole upgrade in that transaction: DDL is transactional
there, so a waiting process sees either nothing or the finished schema. SQLite has no advisory locks and its
driver does not wrap DDL in a transaction, so processes take a file lock beside the database file.

A start on a database already at the code's head (every start but the first after an upgrade) reads the
revision with one query and imports no Alembic (a tenth of a second of the bot's start).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

logger = logging.getLogger(__name__)

# A migration takes seconds; a process that waits longer than this is stuck behind something else.
LOCK_TIMEOUT_SECONDS = 300
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout expires
# The newest migration's revision (storage/migrations/versions/): a new migration moves it, and a test checks it
# against Alembic's own head. Only the fast path of `prepare_schema` reads it; every migration asks Alembic.
HEAD_REVISION = "0008"


class SchemaError(Exception):
    """The database schema cannot be used by this code; the message is the operator's one line."""


class SchemaNotReady(SchemaError):
    """The schema is behind the code and the automatic migration is off (DXBOT_AUTO_MIGRATE=0)."""

    def __init__(self, current: str | None, head: str) -> None:
        self.current, self.head = current, head
        super().__init__(
            f"データベースのスキーマが最新ではありません（現在 {current or 'なし'}、必要 {head}）。"
            "`dxbot db upgrade` を実行してください（DXBOT_AUTO_MIGRATE=0 のため自動では更新しません）。"
        )


class SchemaTooNew(SchemaError):
    """The database was migrated by a newer dxbot: this code does not know its revision."""

    def __init__(self, current: str) -> None:
        self.current = current
        super().__init__(
            f"データベースのスキーマ（revision {current}）はこの dxbot より新しい版のものです。"
            "dxbot を新しい版に更新してください。"
        )


class MigrationLockTimeout(SchemaError):
    def __init__(self) -> None:
        super().__init__(
            f"別のプロセスのマイグレーションが {LOCK_TIMEOUT_SECONDS} 秒たっても終わりません。"
            "そのプロセスを確かめてから、もう一度起動してください。"
        )


@dataclass(frozen=True)
class MigrationResult:
    before: str | None
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _alembic_config(engine: Engine):  # type: ignore[no-untyped-def]
    from storage.db import alembic_config

    return alembic_config(engine)


def head_revision(engine: Engine) -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()
    assert head is not None, "the migrations folder has no revision"
    return head


def _known_revisions(engine: Engine) -> set[str]:
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory.from_config(_alembic_config(engine)).walk_revisions()}


def _revision_on(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _sqlite_lock_path(engine: Engine) -> Path | None:
    database = make_url(str(engine.url)).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None  # an in-memory database belongs to one process
    return Path(database).with_name(Path(database).name + ".migrate.lock")


@contextmanager
def migration_lock(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that no other process's migration overlaps; committed on exit."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_SECONDS}s'"))
            try:
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(hashtext('dxbot.migrate'), hashtext(coalesce(current_schema(), '')))")
                )
            except OperationalError as error:
                if getattr(error.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
                    raise MigrationLockTimeout() from None
                raise
            yield connection
        return
    lock_path = _sqlite_lock_path(engine) if engine.dialect.name == "sqlite" else None
    if lock_path is None:
        with engine.begin() as connection:
            yield connection
        return
    # Imported here: only a migration of SQLite takes the file lock (filelock is 40 ms of a start's imports).
    from filelock import FileLock, Timeout

    lock_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(str(lock_path), timeout=LOCK_TIMEOUT_SECONDS):
            with engine.begin() as connection:
                yield connection
    except Timeout:
        raise MigrationLockTimeout() from None


def _refuse_unknown(engine: Engine, current: str | None) -> None:
    if current is not None and current not in _known_revisions(engine):
        raise SchemaTooNew(current)


def upgrade_schema(engine: Engine, revision: str = "head") -> MigrationResult:
    """Apply migrations up to `revision` under the migration lock; refuse a schema newer than the code."""
    from alembic import command

    config = _alembic_config(engine)
    with migration_lock(engine) as connection:
        before = _revision_on(connection)
        _refuse_unknown(engine, before)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        after = _revision_on(connection)
    assert after is not None
    if before != after:
        logger.info("database migrated from %s to %s", before or "empty", after)
    return MigrationResult(before, after)


def check_schema(engine: Engine) -> str:
    """The schema's revision, when it is exactly the code's head; otherwise a SchemaError."""
    with engine.connect() as connection:
        current = _revision_on(connection)
    _refuse_unknown(engine, current)
    head = head_revision(engine)
    if current != head:
        raise SchemaNotReady(current, head)
    return current


def _at_head(engine: Engine) -> bool:
    """Whether the database's one recorded revision is `HEAD_REVISION`, read with a plain query (no Alembic).
    Anything else (no version table yet, several rows) is False: the caller takes Alembic's path, which says
    what is wrong. A database that cannot be reached raises here, as Alembic's path would."""
    with engine.connect() as connection:
        try:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        except SQLAlchemyError:
            return False
    return rows == [HEAD_REVISION]


def prepare_schema(engine: Engine, *, auto_migrate: bool = True) -> None:
    """What every start does: migrate (under the lock) when allowed, else only check. A database at the
    head needs neither (a revision never moves back by itself), so that is looked at first."""
    if _at_head(engine):
        return
    if auto_migrate:
        upgrade_schema(engine)
    else:
        check_schema(engine)
