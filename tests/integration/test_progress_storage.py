"""Progress storage on SQLite and PostgreSQL: migrations from empty, seeding, constraints, derived status."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from bot.bootstrap import bootstrap
from bot.settings import Settings
from knowledge.kb import KnowledgeBase, Kpi
from storage.db import create_db_engine, current_revision, upgrade_database
from storage.models import Base
from storage.progress import (
    DirectoryEntry,
    InitiativeRepository,
    NewReport,
    ReportRepository,
    ReportStatus,
    StaffRepository,
    StaffRole,
)
from tests.integration.conftest import PROGRESS_TABLES

T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def test_migrations_run_from_empty_and_match_the_models(db_url: str) -> None:
    engine = create_db_engine(db_url)
    try:
        assert current_revision(engine) is None
        upgrade_database(engine)
        assert set(PROGRESS_TABLES) <= set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            # Only this area's tables: other areas' tables are checked by their own tests.
            def ours(obj, name, type_, _reflected, _compare_to):  # type: ignore[no-untyped-def]
                table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
                return table in PROGRESS_TABLES

            context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": ours})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_downgrade_below_progress_and_up_again(db_url: str) -> None:
    from alembic import command

    from storage.db import alembic_config

    engine = create_db_engine(db_url)
    try:
        upgrade_database(engine)
        config = alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0001")
        assert not set(PROGRESS_TABLES) & set(inspect(engine).get_table_names())
        upgrade_database(engine)
        assert set(PROGRESS_TABLES) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_start_up_migrates_a_fresh_database(db_url: str, bundled_kb: KnowledgeBase) -> None:
    """A fresh database, SQLite or PostgreSQL, is ready without manual steps (SPEC: First run)."""
    services = bootstrap(Settings(database_url=db_url), kb=bundled_kb)
    try:
        assert len(services.progress.initiatives.all()) == 28
    finally:
        services.db.dispose()


def test_seeding_is_an_idempotent_upsert_that_keeps_history(services, bundled_kb: KnowledgeBase) -> None:  # type: ignore[no-untyped-def]
    repo = InitiativeRepository(services.sessions)
    first = repo.all()
    assert [i.id for i in first][:3] == ["1-01", "1-02", "1-03"] and len(first) == 28
    assert first[1].name == "書かない窓口" and first[1].reform == 1 and first[1].theme.startswith("窓口改革")
    assert first[1].plan_version == bundled_kb.plan.version  # type: ignore[union-attr]

    again = repo.seed(bundled_kb.initiatives, bundled_kb.plan.version, T0)  # type: ignore[union-attr]
    assert (again.added, again.updated, again.deactivated) == (0, 0, 0)

    # a plan revision: one renamed with an owner and a KPI, one dropped
    revised = tuple(
        replace(i, name="書かない窓口（全庁展開）", departments=("市民課",), kpis=(Kpi("対応件数", "件", 500),))
        if i.id == "1-02"
        else i
        for i in bundled_kb.initiatives
        if i.id != "3-05"
    )
    result = repo.seed(revised, "第2.0版", T0)
    assert (result.added, result.updated, result.deactivated) == (0, 28 - 1, 1)
    current = {i.id: i for i in repo.all(include_inactive=True)}
    assert current["1-02"].name == "書かない窓口（全庁展開）"
    assert current["1-02"].departments == ("市民課",)
    assert [(k.name, k.unit, k.target) for k in current["1-02"].kpis] == [("対応件数", "件", 500.0)]
    assert current["3-05"].active is False and len(repo.all()) == 27
    assert "市民課" in [d.name for d in StaffRepository(services.sessions).departments()]


def _staff(services):  # type: ignore[no-untyped-def]
    staff = StaffRepository(services.sessions)
    staff.import_directory(
        ["市民生活課"], [DirectoryEntry("U1", "山田", "市民生活課", StaffRole.LEADER)], T0
    )
    return staff.get("U1")


def test_the_database_itself_refuses_bad_values(services) -> None:  # type: ignore[no-untyped-def]
    reporter = _staff(services)
    reports = ReportRepository(services.sessions)
    base = NewReport("1-02", reporter.department_id, "U1", "山田", ReportStatus.DONE, T0)
    reports.add(base)
    with services.db.begin() as connection:
        with pytest.raises(IntegrityError):
            with connection.begin_nested():
                connection.execute(text("UPDATE progress_reports SET status = 'bogus'"))
        with pytest.raises(IntegrityError):
            with connection.begin_nested():
                connection.execute(text("UPDATE progress_reports SET percent = 101"))
        with pytest.raises(IntegrityError):
            with connection.begin_nested():
                connection.execute(text("UPDATE staff SET role = 'boss'"))
    with pytest.raises(IntegrityError):
        reports.add(replace(base, initiative_id="9-99"))  # unknown initiative: foreign key
    assert reports.count() == 1


def test_latest_is_derived_from_history_and_as_of_replays_the_past(services) -> None:  # type: ignore[no-untyped-def]
    reporter = _staff(services)
    reports = ReportRepository(services.sessions)
    dept = reporter.department_id

    def add(status: ReportStatus, minutes: int, initiative: str = "1-02") -> int:
        new = NewReport(initiative, dept, "U1", "山田", status, T0 + timedelta(minutes=minutes))
        return reports.add(new).report.id

    add(ReportStatus.CONSIDERING, 0)
    add(ReportStatus.PREPARING, 10)
    add(ReportStatus.IN_PROGRESS, 20)
    add(ReportStatus.DONE, 5, "2-04")
    withdrawn = reports.withdraw_latest("U1", T0 + timedelta(minutes=30))
    assert withdrawn is not None and withdrawn.status is ReportStatus.IN_PROGRESS  # newest by time, not by id

    latest = {r.initiative_id: r.status for r in reports.latest()}
    assert latest == {"1-02": ReportStatus.PREPARING, "2-04": ReportStatus.DONE}
    before_withdrawal = {r.initiative_id: r.status for r in reports.latest(as_of=T0 + timedelta(minutes=25))}
    assert before_withdrawal["1-02"] is ReportStatus.IN_PROGRESS
    early = {r.initiative_id: r.status for r in reports.latest(as_of=T0 + timedelta(minutes=1))}
    assert early == {"1-02": ReportStatus.CONSIDERING}
    assert [r.status for r in reports.between(T0, T0 + timedelta(minutes=11))] == [
        ReportStatus.CONSIDERING,
        ReportStatus.DONE,
        ReportStatus.PREPARING,
    ]
    assert reports.counts_by_initiative() == {"1-02": 2, "2-04": 1}
    assert reports.count() == 4 and reports.count_withdrawals() == 1


def test_directory_at_start_and_a_bad_directory_does_not_stop_the_bot(make_services, db_url, tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.yaml"
    bad.write_text("users:\n  - {id: U1, name: 山田, department: 税務課, role: boss}\n", encoding="utf-8")
    services = make_services(db_url, directory_path=bad)
    assert services.progress.staff.all() == []
    assert "role 'boss' は使えません" in caplog.text
    good = tmp_path / "good.yaml"
    # A new department is listed under `departments` (issue 13: nothing creates one unasked).
    good.write_text("departments: [税務課]\nusers:\n  - {id: U1, name: 山田, department: 税務課, role: 事務局}\n", encoding="utf-8")
    services = make_services(db_url, directory_path=good)
    staff = services.progress.staff.get("U1")
    assert (staff.name, staff.department, staff.role) == ("山田", "税務課", StaffRole.ADMIN)
