"""Repositories for progress reporting: initiatives, departments and staff, reports and withdrawals.

Plain dataclasses go out; ORM rows never leave this module. One session per unit of work. Reports and
withdrawals are append-only, and "the latest status" is always derived from that history.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from knowledge.kb import Initiative as KbInitiative
from knowledge.kb import Reform as KbReform
from storage.models import (
    Department,
    Initiative,
    InitiativeDepartment,
    InitiativeKpi,
    ProgressReport,
    ReportWithdrawal,
    StaffMember,
)

logger = logging.getLogger(__name__)


class ReportStatus(StrEnum):
    """The statuses of a report, in the order of an initiative's life; the value is what is stored."""

    NOT_STARTED = "not_started"
    CONSIDERING = "considering"
    PREPARING = "preparing"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    PAUSED = "paused"
    ON_HOLD = "on_hold"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS: dict[ReportStatus, str] = {
    ReportStatus.NOT_STARTED: "未着手",
    ReportStatus.CONSIDERING: "検討中",
    ReportStatus.PREPARING: "準備中",
    ReportStatus.IN_PROGRESS: "実施中",
    ReportStatus.DONE: "完了",
    ReportStatus.PAUSED: "休止",
    ReportStatus.ON_HOLD: "保留",
}


class StaffRole(StrEnum):
    MEMBER = "member"
    LEADER = "leader"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[StaffRole, str] = {
    StaffRole.MEMBER: "委員（メンバー）",
    StaffRole.LEADER: "リーダー",
    StaffRole.ADMIN: "管理者（事務局）",
}


STATUS_HELP = "、".join(STATUS_LABELS.values())
NOT_REPORTED = "未報告"
# How a report is written, as a chat command without its prefix (each renderer writes it its platform's way).
REPORT_USAGE = "報告 <取組み> <状況> [<n>%] [メモ]"

# Lengths people may type; the columns (storage/models.py) are at least this wide.
MAX_NOTE_CHARS = 1000
MAX_NAME_CHARS = 128
MAX_DEPARTMENT_CHARS = 64


def status_label(status: ReportStatus | None) -> str:
    """A status's label; None (no report yet) is 未報告."""
    return STATUS_LABELS[status] if status is not None else NOT_REPORTED


def status_text(status: ReportStatus, percent: int | None) -> str:
    """`実施中 60%`: how a status with its percent reads everywhere (replies, App Home, digest)."""
    return f"{status.label} {percent}%" if percent is not None else status.label


def format_number(value: float) -> str:
    """A KPI value or target: thousands separated, no trailing zeros (`1,200`, `12.5`)."""
    return f"{value:,.10g}"


def reform_title(symbol: str, name: str) -> str:
    """How a reform is named everywhere (chat, digest, form, export): 「① 市民サービスの改革」."""
    return f"{symbol} {name}"


@dataclass(frozen=True)
class ReformInfo:
    no: int
    symbol: str
    name: str

    @property
    def title(self) -> str:
        return reform_title(self.symbol, self.name)


_DEFAULT_SYMBOLS = "①②③④⑤⑥⑦⑧⑨"


def reform_infos(reforms: Sequence[KbReform], initiatives: Sequence[InitiativeRecord] = ()) -> dict[int, ReformInfo]:
    """The plan's reforms ①②③ by number; a reform only an (older) initiative names gets a default title."""
    infos = {r.no: ReformInfo(r.no, r.symbol, r.name) for r in reforms}
    for initiative in initiatives:
        if initiative.reform not in infos:
            no = initiative.reform
            symbol = _DEFAULT_SYMBOLS[no - 1] if 1 <= no <= 9 else str(no)
            infos[no] = ReformInfo(no, symbol, f"改革{symbol}")
    return dict(sorted(infos.items()))


# ---------------------------------------------------------------- plain data


@dataclass(frozen=True)
class DepartmentRecord:
    id: int
    name: str


@dataclass(frozen=True)
class StaffRecord:
    user_id: str  # the staff key: the Slack user id, or teams:<aadObjectId> for Teams-only staff
    name: str
    department_id: int
    department: str
    role: StaffRole
    teams_id: str | None = None  # the Azure AD object id Teams sends as from.aadObjectId


@dataclass(frozen=True)
class KpiRecord:
    id: int
    name: str
    unit: str
    target: float | None


@dataclass(frozen=True)
class InitiativeRecord:
    id: str
    name: str
    reform: int
    theme: str
    theme_no: str = ""
    notes: str = ""
    plan_version: str | None = None
    active: bool = True
    departments: tuple[str, ...] = ()
    kpis: tuple[KpiRecord, ...] = ()


@dataclass(frozen=True)
class ReportRecord:
    id: int
    initiative_id: str
    initiative_name: str
    reform: int
    department_id: int
    department: str
    reporter_id: str
    reporter_name: str
    status: ReportStatus
    percent: int | None
    kpi_id: int | None
    kpi_name: str | None
    kpi_unit: str | None
    kpi_value: float | None
    note: str
    reported_at: datetime
    source: str
    request_id: str | None
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = None

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


@dataclass(frozen=True)
class NewReport:
    initiative_id: str
    department_id: int
    reporter_id: str
    reporter_name: str
    status: ReportStatus
    reported_at: datetime
    percent: int | None = None
    kpi_id: int | None = None
    kpi_value: float | None = None
    note: str = ""
    source: str = "console"
    request_id: str | None = None


@dataclass(frozen=True)
class RecordResult:
    report: ReportRecord
    created: bool  # False: the request id was seen before and nothing new was written
    previous: ReportRecord | None = None  # the department's latest on this initiative before this report


@dataclass(frozen=True)
class SeedResult:
    added: int
    updated: int
    deactivated: int


@dataclass(frozen=True)
class DirectoryEntry:
    user_id: str
    name: str
    department: str
    role: StaffRole
    teams_id: str | None = None


@dataclass(frozen=True)
class ImportResult:
    departments_added: int
    staff_added: int
    staff_updated: int
    staff_unchanged: int


@dataclass(frozen=True)
class Registration:
    staff: StaffRecord
    previous: StaffRecord | None
    department_created: bool


def as_utc(value: datetime) -> datetime:
    """Aware UTC. SQLite hands back naive datetimes; they were stored as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _retry_on_conflict(action: Any, attempts: int = 3) -> Any:
    """Run `action` again when a concurrent writer won a unique constraint (it re-reads and decides anew)."""
    for attempt in range(attempts):
        try:
            return action()
        except IntegrityError:
            if attempt == attempts - 1:
                raise
            logger.info("unique conflict with a concurrent writer; retrying (%d)", attempt + 1)
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- initiatives


class InitiativeRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def seed(self, initiatives: Sequence[KbInitiative], plan_version: str | None, now: datetime) -> SeedResult:
        """Upsert the knowledge base's initiatives; ones the plan no longer has become inactive (history stays)."""
        return _retry_on_conflict(lambda: self._seed_once(initiatives, plan_version, as_utc(now)))  # type: ignore[no-any-return]

    def _seed_once(self, initiatives: Sequence[KbInitiative], plan_version: str | None, now: datetime) -> SeedResult:
        added = updated = deactivated = 0
        with self._sessions.begin() as session:
            existing = {row.id: row for row in session.scalars(select(Initiative))}
            departments = {row.name: row for row in session.scalars(select(Department))}
            links = {(row.initiative_id, row.department_id): row for row in session.scalars(select(InitiativeDepartment))}
            kpis = {(row.initiative_id, row.name): row for row in session.scalars(select(InitiativeKpi))}
            wanted_links: set[tuple[str, int]] = set()
            wanted_kpis: set[tuple[str, str]] = set()
            for item in initiatives:
                values = {
                    "name": item.name,
                    "reform": item.reform,
                    "theme": item.theme,
                    "theme_no": item.theme_no,
                    "notes": item.notes,
                    "plan_version": plan_version,
                    "active": True,
                }
                row = existing.get(item.id)
                if row is None:
                    session.add(Initiative(id=item.id, updated_at=now, **values))
                    added += 1
                elif any(getattr(row, key) != value for key, value in values.items()):
                    for key, value in values.items():
                        setattr(row, key, value)
                    row.updated_at = now
                    updated += 1
                session.flush()
                for name in item.departments:
                    department = departments.get(name)
                    if department is None:
                        department = Department(name=name, created_at=now)
                        session.add(department)
                        session.flush()
                        departments[name] = department
                    wanted_links.add((item.id, department.id))
                    if (item.id, department.id) not in links:
                        session.add(InitiativeDepartment(initiative_id=item.id, department_id=department.id))
                for position, kpi in enumerate(item.kpis):
                    wanted_kpis.add((item.id, kpi.name))
                    target = float(kpi.target) if kpi.target is not None else None
                    kpi_row = kpis.get((item.id, kpi.name))
                    if kpi_row is None:
                        session.add(
                            InitiativeKpi(
                                initiative_id=item.id,
                                name=kpi.name,
                                unit=kpi.unit,
                                target=target,
                                position=position,
                                active=True,
                            )
                        )
                    else:
                        kpi_row.unit, kpi_row.target, kpi_row.position, kpi_row.active = (
                            kpi.unit,
                            target,
                            position,
                            True,
                        )
            seeded = {item.id for item in initiatives}
            for row in existing.values():
                if row.id not in seeded and row.active:
                    row.active = False
                    row.updated_at = now
                    deactivated += 1
            for link_key, link in links.items():
                if link_key not in wanted_links:
                    session.delete(link)  # ownership is configuration, not history
            for kpi_key, kpi_row in kpis.items():
                if kpi_key not in wanted_kpis:
                    kpi_row.active = False  # a KPI may be referenced by reports: keep the row
        return SeedResult(added=added, updated=updated, deactivated=deactivated)

    def all(self, include_inactive: bool = False) -> list[InitiativeRecord]:
        """Initiatives in id order, with their owning departments and active KPIs."""
        with self._sessions() as session:
            query = select(Initiative).order_by(Initiative.reform, Initiative.id)
            if not include_inactive:
                query = query.where(Initiative.active.is_(True))
            rows = session.scalars(query).all()
            owners: dict[str, list[str]] = {}
            for initiative_id, name in session.execute(
                select(InitiativeDepartment.initiative_id, Department.name)
                .join(Department, Department.id == InitiativeDepartment.department_id)
                .order_by(Department.name)
            ):
                owners.setdefault(initiative_id, []).append(name)
            kpis: dict[str, list[KpiRecord]] = {}
            for kpi in session.scalars(
                select(InitiativeKpi).where(InitiativeKpi.active.is_(True)).order_by(InitiativeKpi.position)
            ):
                kpis.setdefault(kpi.initiative_id, []).append(KpiRecord(kpi.id, kpi.name, kpi.unit, kpi.target))
            return [
                InitiativeRecord(
                    id=row.id,
                    name=row.name,
                    reform=row.reform,
                    theme=row.theme,
                    theme_no=row.theme_no,
                    notes=row.notes,
                    plan_version=row.plan_version,
                    active=row.active,
                    departments=tuple(owners.get(row.id, ())),
                    kpis=tuple(kpis.get(row.id, ())),
                )
                for row in rows
            ]

    def get(self, initiative_id: str) -> InitiativeRecord | None:
        for record in self.all(include_inactive=True):
            if record.id == initiative_id:
                return record
        return None


# ---------------------------------------------------------------- departments and staff


class UnknownDepartment(LookupError):
    """A staff member was to join a department that does not exist, and creating it was not asked for."""


def _staff_record(row: StaffMember, department: str) -> StaffRecord:
    return StaffRecord(
        user_id=row.user_id,
        name=row.name,
        department_id=row.department_id,
        department=department,
        role=StaffRole(row.role),
        teams_id=row.teams_id,
    )


class StaffRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def departments(self) -> list[DepartmentRecord]:
        with self._sessions() as session:
            return [
                DepartmentRecord(row.id, row.name)
                for row in session.scalars(select(Department).order_by(Department.name))
            ]

    def get(self, user_id: str) -> StaffRecord | None:
        """The staff member with this key (the Slack user id, or teams:<aadObjectId>)."""
        return self._one(StaffMember.user_id == user_id)

    def get_by_teams_id(self, teams_id: str) -> StaffRecord | None:
        """The staff member Teams knows by this Azure AD object id (compared in lower case)."""
        return self._one(StaffMember.teams_id == teams_id.lower())

    def _one(self, condition: Any) -> StaffRecord | None:
        with self._sessions() as session:
            found = session.execute(
                select(StaffMember, Department.name)
                .join(Department, Department.id == StaffMember.department_id)
                .where(condition)
            ).first()
            return _staff_record(found[0], found[1]) if found else None

    def all(self) -> list[StaffRecord]:
        with self._sessions() as session:
            return [
                _staff_record(row, department)
                for row, department in session.execute(
                    select(StaffMember, Department.name)
                    .join(Department, Department.id == StaffMember.department_id)
                    .order_by(Department.name, StaffMember.user_id)
                )
            ]

    def register(
        self,
        *,
        user_id: str,
        name: str,
        department: str,
        role: StaffRole,
        now: datetime,
        create_department: bool = True,
        teams_id: str | None = None,
    ) -> Registration:
        """Add or update one staff member. The department is created when it does not exist yet and
        `create_department` allows it; otherwise UnknownDepartment and nothing changes. `teams_id`, when
        given, is recorded (an existing one is kept when it is not)."""
        teams = teams_id.lower() if teams_id else None
        return _retry_on_conflict(  # type: ignore[no-any-return]
            lambda: self._register_once(user_id, name, department, role, as_utc(now), create_department, teams)
        )

    def _register_once(
        self,
        user_id: str,
        name: str,
        department: str,
        role: StaffRole,
        now: datetime,
        create_department: bool,
        teams_id: str | None,
    ) -> Registration:
        with self._sessions.begin() as session:
            if not create_department and session.scalars(select(Department).where(Department.name == department)).first() is None:
                raise UnknownDepartment(department)
            dept, created = _ensure_department(session, department, now)
            row = session.get(StaffMember, user_id)
            previous: StaffRecord | None = None
            if row is None:
                row = StaffMember(
                    user_id=user_id, name=name, department_id=dept.id, role=role.value, updated_at=now, teams_id=teams_id
                )
                session.add(row)
            else:
                old_department = session.get(Department, row.department_id)
                previous = _staff_record(row, old_department.name if old_department else "")
                row.name, row.department_id, row.role, row.updated_at = name, dept.id, role.value, now
                row.teams_id = teams_id or row.teams_id
            session.flush()
            return Registration(staff=_staff_record(row, dept.name), previous=previous, department_created=created)

    def import_directory(
        self, departments: Sequence[str], entries: Sequence[DirectoryEntry], now: datetime
    ) -> ImportResult:
        """Load a staff directory in one transaction: all of it or nothing. Staff not listed are kept."""
        return _retry_on_conflict(lambda: self._import_once(departments, entries, as_utc(now)))  # type: ignore[no-any-return]

    def _import_once(self, departments: Sequence[str], entries: Sequence[DirectoryEntry], now: datetime) -> ImportResult:
        departments_added = added = updated = unchanged = 0
        with self._sessions.begin() as session:
            by_name: dict[str, Department] = {}
            for name in [*departments, *(e.department for e in entries)]:
                if name not in by_name:
                    by_name[name], created = _ensure_department(session, name, now)
                    departments_added += created
            rows = list(session.scalars(select(StaffMember)))
            existing = {row.user_id: row for row in rows}
            by_teams_id = {row.teams_id: row for row in rows if row.teams_id}
            for entry in entries:
                department_id = by_name[entry.department].id
                teams_id = entry.teams_id.lower() if entry.teams_id else None
                holder = by_teams_id.get(teams_id) if teams_id else None
                if holder is not None and holder.user_id != entry.user_id:
                    # The directory is the authority: the Teams identity moves to the person it now names.
                    logger.warning("teams_id of staff %s moves to %s", holder.user_id, entry.user_id)
                    holder.teams_id = None
                    session.flush()
                row = existing.get(entry.user_id)
                # A Teams identity given by `登録` in Teams is kept when the file does not name one.
                wanted = (entry.name, department_id, entry.role.value, teams_id or (row.teams_id if row else None))
                if row is None:
                    row = StaffMember(
                        user_id=entry.user_id,
                        name=entry.name,
                        department_id=department_id,
                        role=entry.role.value,
                        updated_at=now,
                        teams_id=teams_id,
                    )
                    session.add(row)
                    added += 1
                elif (row.name, row.department_id, row.role, row.teams_id) != wanted:
                    row.name, row.department_id, row.role, row.teams_id = wanted
                    row.updated_at = now
                    updated += 1
                else:
                    unchanged += 1
                if teams_id:
                    by_teams_id[teams_id] = row
        return ImportResult(departments_added, added, updated, unchanged)


def _ensure_department(session: Session, name: str, now: datetime) -> tuple[Department, bool]:
    row = session.scalars(select(Department).where(Department.name == name)).first()
    if row is not None:
        return row, False
    row = Department(name=name, created_at=now)
    session.add(row)
    session.flush()
    return row, True


# ---------------------------------------------------------------- reports


@functools.cache
def _report_query() -> Select:
    """Reports with the names a reader needs. Built once: constructing a select costs more than running it
    (statements are immutable, so sharing one is safe)."""
    query: Select = (
        select(
            ProgressReport,
            Initiative.name,
            Initiative.reform,
            Department.name,
            InitiativeKpi.name,
            InitiativeKpi.unit,
            ReportWithdrawal.withdrawn_at,
            ReportWithdrawal.withdrawn_by,
        )
        .join(Initiative, Initiative.id == ProgressReport.initiative_id)
        .join(Department, Department.id == ProgressReport.department_id)
        .outerjoin(InitiativeKpi, InitiativeKpi.id == ProgressReport.kpi_id)
        .outerjoin(ReportWithdrawal, ReportWithdrawal.report_id == ProgressReport.id)
    )
    return query


def _report_record(row: Any) -> ReportRecord:
    report, initiative_name, reform, department, kpi_name, kpi_unit, withdrawn_at, withdrawn_by = row
    return ReportRecord(
        id=report.id,
        initiative_id=report.initiative_id,
        initiative_name=initiative_name,
        reform=reform,
        department_id=report.department_id,
        department=department,
        reporter_id=report.reporter_id,
        reporter_name=report.reporter_name,
        status=ReportStatus(report.status),
        percent=report.percent,
        kpi_id=report.kpi_id,
        kpi_name=kpi_name,
        kpi_unit=kpi_unit,
        kpi_value=report.kpi_value,
        note=report.note,
        reported_at=as_utc(report.reported_at),
        source=report.source,
        request_id=report.request_id,
        withdrawn_at=as_utc(withdrawn_at) if withdrawn_at is not None else None,
        withdrawn_by=withdrawn_by,
    )


_NEWEST_FIRST = (ProgressReport.reported_at.desc(), ProgressReport.id.desc())
_OLDEST_FIRST = (ProgressReport.reported_at, ProgressReport.id)


class ReportRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    # -------------------------------------------------------------- writes

    def add(self, new: NewReport) -> RecordResult:
        """Append one report. A request id seen before returns the earlier report and writes nothing."""
        if new.request_id is not None:
            earlier = self._by_request_id(new.request_id)
            if earlier is not None:
                return RecordResult(earlier, created=False)
        try:
            with self._sessions.begin() as session:
                previous = session.execute(
                    self._latest_one_query(new.initiative_id, new.department_id)
                ).first()
                row = ProgressReport(
                    initiative_id=new.initiative_id,
                    department_id=new.department_id,
                    reporter_id=new.reporter_id,
                    reporter_name=new.reporter_name,
                    status=new.status.value,
                    percent=new.percent,
                    kpi_id=new.kpi_id,
                    kpi_value=new.kpi_value,
                    note=new.note,
                    reported_at=as_utc(new.reported_at),
                    source=new.source,
                    request_id=new.request_id,
                )
                session.add(row)
                session.flush()
                return RecordResult(
                    self._one(session, row.id),
                    created=True,
                    previous=_report_record(previous) if previous is not None else None,
                )
        except IntegrityError:
            # Two deliveries of the same request raced; the other one won and its report stands.
            if new.request_id is not None:
                earlier = self._by_request_id(new.request_id)
                if earlier is not None:
                    logger.info("request %s was recorded by a concurrent delivery", new.request_id)
                    return RecordResult(earlier, created=False)
            raise

    def withdraw_latest(self, reporter_id: str, now: datetime, request_id: str | None = None) -> ReportRecord | None:
        """Withdraw the reporter's latest report not yet withdrawn (a new row); None when there is none."""
        if request_id is not None:
            earlier = self._withdrawn_by_request(request_id)
            if earlier is not None:
                return earlier

        def once() -> ReportRecord | None:
            try:
                with self._sessions.begin() as session:
                    report_id = session.scalar(
                        select(ProgressReport.id)
                        .outerjoin(ReportWithdrawal, ReportWithdrawal.report_id == ProgressReport.id)
                        .where(ProgressReport.reporter_id == reporter_id, ReportWithdrawal.id.is_(None))
                        .order_by(*_NEWEST_FIRST)
                        .limit(1)
                    )
                    if report_id is None:
                        return None
                    session.add(
                        ReportWithdrawal(
                            report_id=report_id,
                            withdrawn_by=reporter_id,
                            withdrawn_at=as_utc(now),
                            request_id=request_id,
                        )
                    )
                    session.flush()
                    return self._one(session, report_id)
            except IntegrityError:
                if request_id is not None:
                    earlier = self._withdrawn_by_request(request_id)
                    if earlier is not None:
                        return earlier
                raise  # a concurrent undo took that report: look again

        return _retry_on_conflict(once)  # type: ignore[no-any-return]

    # -------------------------------------------------------------- reads

    def get(self, report_id: int) -> ReportRecord | None:
        with self._sessions() as session:
            row = session.execute(_report_query().where(ProgressReport.id == report_id)).first()
            return _report_record(row) if row else None

    def history(self, initiative_id: str | None = None) -> list[ReportRecord]:
        """Every report (withdrawn ones included, marked), oldest first."""
        query = _report_query().order_by(*_OLDEST_FIRST)
        if initiative_id is not None:
            query = query.where(ProgressReport.initiative_id == initiative_id)
        with self._sessions() as session:
            return [_report_record(row) for row in session.execute(query)]

    def between(self, start: datetime, end: datetime) -> list[ReportRecord]:
        """Reports made in [start, end), oldest first, withdrawn ones included (marked)."""
        query = (
            _report_query()
            .where(ProgressReport.reported_at >= as_utc(start), ProgressReport.reported_at < as_utc(end))
            .order_by(*_OLDEST_FIRST)
        )
        with self._sessions() as session:
            return [_report_record(row) for row in session.execute(query)]

    def latest(
        self,
        *,
        initiative_id: str | None = None,
        department_id: int | None = None,
        per_department: bool = False,
        as_of: datetime | None = None,
    ) -> list[ReportRecord]:
        """The latest report not withdrawn, per initiative (or per initiative and department).

        With `as_of`, the state at that moment: later reports and later withdrawals are ignored.
        """
        partition = (
            (ProgressReport.initiative_id, ProgressReport.department_id)
            if per_department
            else (ProgressReport.initiative_id,)
        )
        withdrawn = ReportWithdrawal.report_id == ProgressReport.id
        conditions = []
        if as_of is not None:
            withdrawn = and_(withdrawn, ReportWithdrawal.withdrawn_at < as_utc(as_of))
            conditions.append(ProgressReport.reported_at < as_utc(as_of))
        if initiative_id is not None:
            conditions.append(ProgressReport.initiative_id == initiative_id)
        if department_id is not None:
            conditions.append(ProgressReport.department_id == department_id)
        ranked = (
            select(
                ProgressReport.id.label("id"),
                func.row_number().over(partition_by=partition, order_by=_NEWEST_FIRST).label("rank"),
            )
            .outerjoin(ReportWithdrawal, withdrawn)
            .where(ReportWithdrawal.id.is_(None), *conditions)
            .subquery()
        )
        query = (
            _report_query()
            .join(ranked, ranked.c.id == ProgressReport.id)
            .where(ranked.c.rank == 1)
            .order_by(ProgressReport.initiative_id, Department.name)
        )
        with self._sessions() as session:
            return [_report_record(row) for row in session.execute(query)]

    def latest_one(self, initiative_id: str, department_id: int | None = None) -> ReportRecord | None:
        """The latest report not withdrawn for one initiative (and department): a cheap `latest` for one."""
        with self._sessions() as session:
            row = session.execute(self._latest_one_query(initiative_id, department_id)).first()
            return _report_record(row) if row else None

    @staticmethod
    def _latest_one_query(initiative_id: str, department_id: int | None) -> Select:
        query = (
            _report_query()
            .where(ProgressReport.initiative_id == initiative_id, ReportWithdrawal.id.is_(None))
            .order_by(*_NEWEST_FIRST)
            .limit(1)
        )
        if department_id is not None:
            query = query.where(ProgressReport.department_id == department_id)
        return query

    def counts_by_initiative(self, initiative_id: str | None = None) -> dict[str, int]:
        """Reports not withdrawn, per initiative (or for one)."""
        query = (
            select(ProgressReport.initiative_id, func.count())
            .outerjoin(ReportWithdrawal, ReportWithdrawal.report_id == ProgressReport.id)
            .where(ReportWithdrawal.id.is_(None))
            .group_by(ProgressReport.initiative_id)
        )
        if initiative_id is not None:
            query = query.where(ProgressReport.initiative_id == initiative_id)
        with self._sessions() as session:
            return {key: count for key, count in session.execute(query)}

    def count(self) -> int:
        with self._sessions() as session:
            return session.scalar(select(func.count()).select_from(ProgressReport)) or 0

    def count_withdrawals(self) -> int:
        with self._sessions() as session:
            return session.scalar(select(func.count()).select_from(ReportWithdrawal)) or 0

    # -------------------------------------------------------------- helpers

    @staticmethod
    def _one(session: Session, report_id: int) -> ReportRecord:
        return _report_record(session.execute(_report_query().where(ProgressReport.id == report_id)).one())

    def _by_request_id(self, request_id: str) -> ReportRecord | None:
        with self._sessions() as session:
            row = session.execute(_report_query().where(ProgressReport.request_id == request_id)).first()
            return _report_record(row) if row else None

    def _withdrawn_by_request(self, request_id: str) -> ReportRecord | None:
        with self._sessions() as session:
            report_id = session.scalar(
                select(ReportWithdrawal.report_id).where(ReportWithdrawal.request_id == request_id)
            )
            if report_id is None:
                return None
            return self._one(session, report_id)
