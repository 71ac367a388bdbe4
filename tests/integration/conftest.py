"""Fixtures for the integration tests: migrated engines on the test database, and for progress reporting a staff
directory loaded at start and a snapshot of the progress tables."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.replies import Reply
from storage.db import create_db_engine, create_session_factory, upgrade_database
from storage.inbox import create_inbox_engine
from storage.models import Base
from tests.rendering import chat, with_mentions

DIRECTORY = """\
departments: [政策企画課, 市民生活課, 税務課]
users:
  - {id: ULEAD, name: 山田 花子, department: 市民生活課, role: leader}
  - {id: UMEM, name: 佐藤 一郎, department: 市民生活課, role: member}
  - {id: UTAX, name: 鈴木 次郎, department: 税務課, role: 委員}
  - {id: UADM, name: 事務 太郎, department: 政策企画課, role: admin}
"""

PROGRESS_TABLES = (
    "departments",
    "staff",
    "initiatives",
    "initiative_departments",
    "initiative_kpis",
    "progress_reports",
    "report_withdrawals",
)


def _migrated(engine: Engine) -> Iterator[Engine]:
    upgrade_database(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def migrated_engine(db_url: str) -> Iterator[Engine]:
    """The main pool's engine on a fresh database with every migration applied."""
    yield from _migrated(create_db_engine(db_url))


@pytest.fixture
def sessions(migrated_engine: Engine) -> sessionmaker[Session]:
    return create_session_factory(migrated_engine)


@pytest.fixture
def inbox_engine(db_url: str) -> Iterator[Engine]:
    """The inbox's own pool (`create_inbox_engine`) on a fresh database with every migration applied."""
    yield from _migrated(create_inbox_engine(db_url))


@pytest.fixture
def directory_file(tmp_path: Path) -> Path:
    path = tmp_path / "directory.yaml"
    path.write_text(DIRECTORY, encoding="utf-8")
    return path


@pytest.fixture
def staffed(make_services, db_url: str, directory_file: Path):  # type: ignore[no-untyped-def]
    """Services on a fresh database with the directory imported at start (DXBOT_DIRECTORY)."""
    return make_services(db_url, directory_path=directory_file)


def say(services: Any, user_id: str | None, text: str, request_id: str | None = None, platform: str = "console") -> Reply:
    # What an adapter does first: mentions in the text become identities (Slack's syntax in these tests).
    words, mentions = with_mentions(text)
    return services.handle(chat(user_id, "C1", platform, request_id, mentions), words)  # type: ignore[no-any-return]


def snapshot(services: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every progress table, to show that a refusal changed nothing."""
    out = {}
    with services.sessions() as session:
        for name in PROGRESS_TABLES:
            table = Base.metadata.tables[name]
            rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
            out[name] = [tuple(row) for row in rows]
    return out
