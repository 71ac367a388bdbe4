"""Migrations at start, under a lock (SPEC: First run and operations), with real processes on both databases.

Several processes are held at a barrier after their imports, then released together, so their migrations
really overlap; exactly one of them finds work to do.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from bot.bootstrap import bootstrap
from bot.settings import Settings
from knowledge.kb import KnowledgeBase
from storage.db import create_db_engine, current_revision, upgrade_database
from storage.schema import HEAD_REVISION, SchemaNotReady, SchemaTooNew, head_revision, prepare_schema
from tests.conftest import PG_URL, _pg_schema_url

PROCESSES = 4

MIGRATE_AT_BARRIER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from storage.db import create_db_engine
    from storage.schema import upgrade_schema

    url, barrier, name = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    engine = create_db_engine(url)
    (barrier / f"{name}.ready").touch()
    while not (barrier / "go").exists():
        time.sleep(0.005)
    result = upgrade_schema(engine)
    print("migrated" if result.changed else "already", result.after)
    """
)


def clean_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "DXBOT_", "TEAMS_"))}
    return {**env, "DXBOT_LOG_LEVEL": "WARNING", **extra}


@pytest.fixture
def fresh_pg_database() -> Iterator[str]:
    """A whole new PostgreSQL database (its public schema), as an operator would create for dxbot."""
    if not PG_URL:
        pytest.skip("DXBOT_TEST_PG_URL is not set")
    name = f"dxbot_fresh_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql-schema", "postgresql-database"])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    if request.param == "postgresql-schema":
        return request.getfixturevalue("pg_schema_url")
    return request.getfixturevalue("fresh_pg_database")


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A new schema in the shared PostgreSQL (the advisory lock is keyed by schema)."""
    if not PG_URL:
        pytest.skip("DXBOT_TEST_PG_URL is not set")
    yield from _pg_schema_url()


def test_processes_starting_together_migrate_a_fresh_database_exactly_once(empty_db: str, tmp_path: Path) -> None:
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE_AT_BARRIER, empty_db, str(barrier), f"p{i}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=clean_env(),
        )
        for i in range(PROCESSES)
    ]
    deadline = time.monotonic() + 120
    while len(list(barrier.glob("*.ready"))) < PROCESSES:
        assert time.monotonic() < deadline, "the processes never reached the barrier"
        assert all(p.poll() is None for p in processes), [p.communicate() for p in processes if p.poll() is not None]
        time.sleep(0.02)
    (barrier / "go").touch()
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0] * PROCESSES, outputs
    words = sorted(out.split()[0] for out, _err in outputs)
    assert words == ["already"] * (PROCESSES - 1) + ["migrated"], outputs
    engine = create_db_engine(empty_db)
    try:
        assert {out.split()[1] for out, _err in outputs} == {current_revision(engine)} == {head_revision(engine)}
    finally:
        engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("empty_db", ["sqlite", "postgresql-database"], indirect=True)
def test_two_chat_processes_on_a_fresh_database_both_answer(empty_db: str, tmp_path: Path) -> None:
    """The whole start (migrations, seeding the initiatives, the directory) twice at once on an empty database."""
    directory = tmp_path / "directory.yaml"
    directory.write_text(
        "departments: [政策企画課, 市民生活課]\nusers:\n  - {id: U1, name: 山田 花子, department: 市民生活課, role: leader}\n",
        encoding="utf-8",
    )
    env = clean_env(DXBOT_DATABASE_URL=empty_db, DXBOT_DIRECTORY=str(directory))
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "chat", "--user", "U1"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate("DX推進リーダーは何人？\n", timeout=180) for p in processes]
    for process, (out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
        assert "10名程度" in out and err == ""
    engine = create_db_engine(empty_db)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM initiatives")).scalar() == 28
            assert connection.execute(text("SELECT count(*) FROM staff")).scalar() == 1
    finally:
        engine.dispose()


def _set_revision(url: str, revision: str) -> None:
    engine = create_db_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    finally:
        engine.dispose()


def run_cli(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, text=True, env=env, timeout=120
    )


def test_a_schema_newer_than_the_code_is_refused_in_one_japanese_line(sqlite_url: str, bundled_kb: KnowledgeBase) -> None:
    upgrade_database(create_db_engine(sqlite_url))
    _set_revision(sqlite_url, "9999_from_the_future")
    with pytest.raises(SchemaTooNew):
        bootstrap(Settings(database_url=sqlite_url), kb=bundled_kb)
    with pytest.raises(SchemaTooNew):
        upgrade_database(create_db_engine(sqlite_url))
    for args in (["chat"], ["db", "upgrade"]):
        done = run_cli(args, clean_env(DXBOT_DATABASE_URL=sqlite_url), "DX推進リーダーは何人？\n")
        assert done.returncode == 1, done
        assert done.stdout == "" and "Traceback" not in done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "9999_from_the_future" in lines[0] and "新しい版" in lines[0], lines
    engine = create_db_engine(sqlite_url)
    try:
        assert current_revision(engine) == "9999_from_the_future", "nothing was downgraded or rewritten"
    finally:
        engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("empty_db", ["sqlite", "postgresql-schema"], indirect=True)
def test_auto_migrate_off_leaves_the_schema_to_db_upgrade(empty_db: str, bundled_kb: KnowledgeBase) -> None:
    settings = Settings(database_url=empty_db, auto_migrate=False)
    with pytest.raises(SchemaNotReady):
        bootstrap(settings, kb=bundled_kb)
    engine = create_db_engine(empty_db)
    try:
        assert "progress_reports" not in inspect(engine).get_table_names(), "nothing was created"
    finally:
        engine.dispose()
    env = clean_env(DXBOT_DATABASE_URL=empty_db, DXBOT_AUTO_MIGRATE="0")
    refused = run_cli(["chat"], env, "DX推進リーダーは何人？\n")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1 and "dxbot db upgrade" in refused.stderr
    upgraded = run_cli(["db", "upgrade"], env)
    assert upgraded.returncode == 0 and "最新の状態にしました" in upgraded.stdout, upgraded
    again = run_cli(["db", "upgrade"], env)
    assert again.returncode == 0 and "すでに最新" in again.stdout, again
    answered = run_cli(["chat"], env, "DX推進リーダーは何人？\n")
    assert answered.returncode == 0 and "10名程度" in answered.stdout, answered


@pytest.mark.parametrize("value, expected", [("0", False), ("false", False), ("off", False), ("1", True), ("", True)])
def test_auto_migrate_setting(value: str, expected: bool) -> None:
    env = {"DXBOT_AUTO_MIGRATE": value} if value else {}
    assert Settings.from_env(env).auto_migrate is expected


def test_the_fast_path_head_is_alembics_head(sqlite_url: str) -> None:
    """HEAD_REVISION must move with every new migration: a start at the old head would skip the new one."""
    assert HEAD_REVISION == head_revision(create_db_engine(sqlite_url))


@pytest.mark.parametrize("auto_migrate", [True, False])
def test_a_database_one_migration_behind_is_migrated_or_refused_at_start(sqlite_url: str, auto_migrate: bool) -> None:
    engine = create_db_engine(sqlite_url)
    try:
        upgrade_database(engine, "0007")
        if auto_migrate:
            prepare_schema(engine)
            assert current_revision(engine) == HEAD_REVISION
            assert "event_receipts" not in inspect(engine).get_table_names()
        else:
            with pytest.raises(SchemaNotReady):
                prepare_schema(engine, auto_migrate=False)
            assert current_revision(engine) == "0007"
    finally:
        engine.dispose()


def test_a_start_on_a_sqlite_database_at_the_head_imports_no_alembic_nor_postgresql(sqlite_url: str, tmp_path: Path) -> None:
    engine = create_db_engine(sqlite_url)
    upgrade_database(engine)
    engine.dispose()
    start = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from bot.bootstrap import bootstrap
        from bot.settings import Settings

        bot = bootstrap(Settings(database_url=sys.argv[1], index_cache_dir=Path(sys.argv[2])))
        assert bot.database_started()
        print(sorted(name for name in sys.modules if name.split(".")[0] == "alembic"))
        print(sorted(name for name in sys.modules if name.startswith("sqlalchemy.dialects.postgresql")))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", start, sqlite_url, str(tmp_path / "cache")],
        capture_output=True, text=True, env=clean_env(), timeout=120,
    )
    assert done.returncode == 0, done.stderr
    # Nor, on SQLite, SQLAlchemy's PostgreSQL dialect (storage/inbox.py imports only its own database's).
    assert done.stdout.split("\n")[:2] == ["[]", "[]"], done.stdout
