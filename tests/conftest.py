"""Shared fixtures: a database URL on SQLite and on the real PostgreSQL, and built services."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

from bot.settings import Settings
from knowledge.kb import KnowledgeBase, load_kb
from tests.fakes import FakeClock

PG_URL = os.environ.get("DXBOT_TEST_PG_URL", "")


@pytest.fixture(autouse=True)
def _restore_root_logger() -> Iterator[None]:
    """A test that runs `bot.cli.main` in-process reconfigures logging; the next test starts as before."""
    import logging

    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    root.setLevel(level)
    root.handlers[:] = handlers


@pytest.fixture(scope="session")
def bundled_kb() -> KnowledgeBase:
    return load_kb()


@pytest.fixture(scope="session")
def plan_engine(bundled_kb: KnowledgeBase):  # type: ignore[no-untyped-def]
    from knowledge.engine import FaqEngine

    return FaqEngine(bundled_kb)


def _pg_schema_url() -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in PG_URL else "?"
    # libpq `options` sets search_path for every pooled connection: each test sees only its schema.
    yield f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A fresh, empty database: a SQLite file, or a new schema in the CI PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    if not PG_URL:
        pytest.skip("DXBOT_TEST_PG_URL is not set")
    yield from _pg_schema_url()


@pytest.fixture
def sqlite_url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))


@pytest.fixture
def make_services(bundled_kb: KnowledgeBase, clock: FakeClock):  # type: ignore[no-untyped-def]
    """Build services on a given database URL; engines are disposed after the test."""
    built = []

    def make(database_url: str, **settings_overrides):  # type: ignore[no-untyped-def]
        from bot.bootstrap import bootstrap

        settings = Settings(database_url=database_url, **settings_overrides)
        services = bootstrap(settings, clock=clock, kb=bundled_kb)
        built.append(services)
        return services

    yield make
    for services in built:
        services.db.dispose()


@pytest.fixture
def services(make_services, db_url: str):  # type: ignore[no-untyped-def]
    return make_services(db_url)


@pytest.fixture
def db(sqlite_url: str, bundled_kb: KnowledgeBase):  # type: ignore[no-untyped-def]
    """A migrated SQLite database with the plan's initiatives, for digest tests (tests/digest_fixtures.py)."""
    from tests.digest_fixtures import make_digest_db

    made = make_digest_db(sqlite_url, bundled_kb)
    yield made
    made.engine.dispose()


@pytest.fixture
def sleeps() -> list[float]:
    """Where an injected sleep records how long it would have waited."""
    return []
