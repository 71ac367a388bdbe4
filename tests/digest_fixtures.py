"""A database for digest tests: migrated, initiatives seeded from the knowledge base, staff registered,
and helpers to add reports and questions at given instants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from jobs.digest import DigestRepos
from knowledge.kb import KnowledgeBase
from storage.db import create_db_engine, create_session_factory, upgrade_database
from storage.feedback import FeedbackRepository
from storage.ledger import DeliveryLedger
from storage.progress import (
    InitiativeRepository,
    NewReport,
    ReportRecord,
    ReportRepository,
    ReportStatus,
    StaffRecord,
    StaffRepository,
    StaffRole,
)
from storage.repositories import QuestionLogRepository

TOKYO = ZoneInfo("Asia/Tokyo")
SEEDED_AT = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)


def jst(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=TOKYO)


@dataclass
class DigestDb:
    engine: Engine
    sessions: sessionmaker[Session]
    repos: DigestRepos
    ledger: DeliveryLedger
    staff: dict[str, StaffRecord]

    @property
    def reports(self) -> ReportRepository:
        return self.repos.reports  # type: ignore[return-value]

    def report(
        self,
        user_id: str,
        initiative_id: str,
        status: ReportStatus,
        at: datetime,
        *,
        percent: int | None = None,
        note: str = "",
        kpi_id: int | None = None,
        kpi_value: float | None = None,
    ) -> ReportRecord:
        person = self.staff[user_id]
        return self.reports.add(
            NewReport(
                initiative_id=initiative_id,
                department_id=person.department_id,
                reporter_id=user_id,
                reporter_name=person.name,
                status=status,
                reported_at=at,
                percent=percent,
                note=note,
                kpi_id=kpi_id,
                kpi_value=kpi_value,
            )
        ).report

    def ask(self, text: str, status: str, at: datetime) -> None:
        self.repos.questions.record(text=text, status=status, score=0.5, entry_id=None, asked_at=at)  # type: ignore[attr-defined]


STAFF = (
    ("ULEAD1", "山田 花子", "市民生活課", StaffRole.LEADER),
    ("UMEM1", "佐藤 一郎", "市民生活課", StaffRole.MEMBER),
    ("ULEAD2", "鈴木 次郎", "税務課", StaffRole.LEADER),
    ("ULEAD3", "高橋 三郎", "総務課", StaffRole.LEADER),
    ("UADM", "江津 太郎", "政策企画課", StaffRole.ADMIN),
)


def make_digest_db(url: str, kb: KnowledgeBase) -> DigestDb:
    engine = create_db_engine(url)
    upgrade_database(engine)
    sessions = create_session_factory(engine)
    initiatives = InitiativeRepository(sessions)
    initiatives.seed(kb.initiatives, kb.plan.version if kb.plan else None, SEEDED_AT)
    staff_repo = StaffRepository(sessions)
    staff = {}
    for user_id, name, department, role in STAFF:
        staff[user_id] = staff_repo.register(
            user_id=user_id, name=name, department=department, role=role, now=SEEDED_AT
        ).staff
    repos = DigestRepos(
        initiatives=initiatives,
        staff=staff_repo,
        reports=ReportRepository(sessions),
        questions=QuestionLogRepository(sessions),
        kb=kb,
        feedback=FeedbackRepository(sessions),
    )
    return DigestDb(engine, sessions, repos, DeliveryLedger(sessions), staff)
