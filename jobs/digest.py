"""The weekly digest as plain data, built from the repositories for one ISO week.

Everything is computed "as of the end of the week" (Sunday 24:00 local): a report withdrawn later still
counts, and a report made later does not. So the digest of a closed week comes out the same however often
it is built — which lets a later attempt continue an interrupted post (see jobs/delivery.py).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from jobs.weeks import IsoWeek, local_date, local_midnight
from knowledge.kb import KnowledgeBase
from storage.feedback import FeedbackRecord
from storage.progress import (
    DepartmentRecord,
    InitiativeRecord,
    ReportRecord,
    ReportStatus,
    StaffRecord,
    StaffRole,
    reform_infos,
    reform_title,
)
from storage.repositories import LoggedQuestion

STALE_AFTER = timedelta(weeks=4)
TOP_UNANSWERED = 5
# Chat commands the digest points to, without a prefix (each platform's renderer writes them its way).
STATUS_COMMAND = "状況"
HISTORY_COMMAND = "履歴"


# ---------------------------------------------------------------- what the digest reads


class InitiativeSource(Protocol):
    def all(self, include_inactive: bool = False) -> list[InitiativeRecord]: ...


class StaffSource(Protocol):
    def departments(self) -> list[DepartmentRecord]: ...

    def all(self) -> list[StaffRecord]: ...


class ReportSource(Protocol):
    def history(self, initiative_id: str | None = None) -> list[ReportRecord]: ...


class QuestionSource(Protocol):
    def between(self, start: datetime, end: datetime) -> list[LoggedQuestion]: ...


class FeedbackSource(Protocol):
    def between(self, start: datetime, end: datetime) -> list[FeedbackRecord]: ...


@dataclass(frozen=True)
class DigestRepos:
    """The repositories a digest is built from (the real ones, or fakes in tests)."""

    initiatives: InitiativeSource
    staff: StaffSource
    reports: ReportSource
    questions: QuestionSource
    kb: KnowledgeBase
    # 役に立った / 違った and 「もしかして」 picks; with it the digest says how many questions wait for review.
    feedback: FeedbackSource | None = None


# ---------------------------------------------------------------- the digest


@dataclass(frozen=True)
class ReportLine:
    initiative_id: str
    initiative_name: str
    department: str
    reporter_name: str
    before: ReportStatus | None  # the department's status on this initiative before this report
    after: ReportStatus
    percent: int | None
    note: str
    reported_at: datetime


@dataclass(frozen=True)
class ReformDigest:
    no: int
    symbol: str
    name: str
    reports: tuple[ReportLine, ...]
    # Latest status of each active initiative at the end of the week; None: never reported.
    status_counts: dict[ReportStatus | None, int]

    @property
    def title(self) -> str:
        return reform_title(self.symbol, self.name)

    @property
    def total(self) -> int:
        return sum(self.status_counts.values())


@dataclass(frozen=True)
class StaleInitiative:
    id: str
    name: str
    reform: int
    last_reported_at: datetime | None  # None: never reported
    departments: tuple[str, ...]  # owners, and departments that have reported on it


@dataclass(frozen=True)
class KpiProgress:
    initiative_id: str
    initiative_name: str
    name: str
    unit: str
    target: float
    value: float | None  # latest reported value; None: none yet
    reported_at: datetime | None

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.target:
            return None
        return self.value / self.target


@dataclass(frozen=True)
class FaqFigures:
    asked: int
    answered: int
    ambiguous: int
    unanswered: int
    top_unanswered: tuple[tuple[str, int], ...]  # (question, times asked)
    awaiting_review: int | None = None  # question groups on the `dxbot kb review` sheet now (None: not known)
    awaiting_review_asked: int = 0  # how many times they were asked

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.asked if self.asked else None


@dataclass(frozen=True)
class Digest:
    week: IsoWeek
    start: date  # Monday
    end: date  # Sunday
    generated_at: datetime
    tz: str
    plan: str  # plan title and version, for the footer
    reforms: tuple[ReformDigest, ...]
    stale: tuple[StaleInitiative, ...]
    month: str  # "2026年11月": the month the "not reported" list is about
    silent_departments: tuple[str, ...]
    kpis: tuple[KpiProgress, ...]
    faq: FaqFigures
    status_pointer: str = STATUS_COMMAND
    history_pointer: str = HISTORY_COMMAND
    initiative_count: int = 0
    notes: tuple[str, ...] = field(default=())

    @property
    def report_count(self) -> int:
        return sum(len(r.reports) for r in self.reforms)


# ---------------------------------------------------------------- building


def _as_of(report: ReportRecord, moment: datetime) -> bool:
    """The report existed and was not withdrawn at `moment`."""
    if report.reported_at >= moment:
        return False
    return report.withdrawn_at is None or report.withdrawn_at >= moment


def _question_key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split()).rstrip("?？。")


def _awaiting_review(repos: DigestRepos, as_of: datetime) -> dict[str, int]:
    """What the review sheet would list as of the digest's end: every question so far, less what is covered."""
    if repos.feedback is None:
        return {}
    from curation.review import review_groups

    since = datetime(1970, 1, 1, tzinfo=as_of.tzinfo)
    groups = review_groups(repos.questions.between(since, as_of), repos.feedback.between(since, as_of), repos.kb)
    return {"awaiting_review": len(groups), "awaiting_review_asked": sum(g.count for g in groups)}


def build_digest(repos: DigestRepos, week: IsoWeek, now: datetime, tz: ZoneInfo) -> Digest:
    """The digest of `week` (Monday–Sunday in `tz`), built at `now`."""
    start, end = week.bounds(tz)
    as_of = min(end, now)  # a preview of the running week shows it up to now
    initiatives = repos.initiatives.all()
    history = standing_reports(repos, as_of)  # oldest first

    # Reports of the week, each with the department's status before it.
    previous: dict[tuple[str, int], ReportRecord] = {}
    week_lines: dict[int, list[ReportLine]] = {}
    last_report: dict[str, ReportRecord] = {}
    for report in history:
        if report.reported_at >= start:
            before = previous.get((report.initiative_id, report.department_id))
            week_lines.setdefault(report.reform, []).append(
                ReportLine(
                    initiative_id=report.initiative_id,
                    initiative_name=report.initiative_name,
                    department=report.department,
                    reporter_name=report.reporter_name,
                    before=before.status if before else None,
                    after=report.status,
                    percent=report.percent,
                    note=report.note,
                    reported_at=report.reported_at,
                )
            )
        previous[(report.initiative_id, report.department_id)] = report
        last_report[report.initiative_id] = report

    reforms = []
    for no, info in reform_infos(repos.kb.reforms, initiatives).items():
        counts: dict[ReportStatus | None, int] = {status: 0 for status in ReportStatus}
        counts[None] = 0
        for initiative in initiatives:
            if initiative.reform == no:
                latest = last_report.get(initiative.id)
                counts[latest.status if latest else None] += 1
        reforms.append(ReformDigest(no, info.symbol, info.name, tuple(week_lines.get(no, ())), counts))

    stale = stale_initiatives(initiatives, history, as_of)

    # Departments expected to report: those with a leader or member, and those owning an initiative.
    last_day = local_date(as_of - timedelta(microseconds=1), tz)
    month_start = local_midnight(last_day.replace(day=1), tz)
    expected = {s.department for s in repos.staff.all() if s.role in (StaffRole.LEADER, StaffRole.MEMBER)}
    expected |= {d for i in initiatives for d in i.departments}
    reported_this_month = {r.department for r in history if r.reported_at >= month_start}
    silent = tuple(sorted(expected - reported_this_month))

    kpis = []
    for initiative in initiatives:
        for kpi in initiative.kpis:
            if kpi.target is None:
                continue
            latest_value = next(
                (r for r in reversed(history) if r.kpi_id == kpi.id and r.kpi_value is not None), None
            )
            kpis.append(
                KpiProgress(
                    initiative_id=initiative.id,
                    initiative_name=initiative.name,
                    name=kpi.name,
                    unit=kpi.unit,
                    target=kpi.target,
                    value=latest_value.kpi_value if latest_value else None,
                    reported_at=latest_value.reported_at if latest_value else None,
                )
            )

    questions = repos.questions.between(start, as_of)
    statuses = Counter(q.status for q in questions)
    unanswered: Counter[str] = Counter()
    first_seen: dict[str, str] = {}
    for question in questions:
        if question.status == "no_answer" and question.text.strip():
            key = _question_key(question.text)
            unanswered[key] += 1
            first_seen.setdefault(key, question.text.strip())
    top = sorted(unanswered.items(), key=lambda item: (-item[1], first_seen[item[0]]))[:TOP_UNANSWERED]
    faq = FaqFigures(
        asked=len(questions),
        answered=statuses.get("answered", 0),
        ambiguous=statuses.get("ambiguous", 0),
        unanswered=statuses.get("no_answer", 0),
        top_unanswered=tuple((first_seen[key], count) for key, count in top),
        **_awaiting_review(repos, as_of),
    )

    plan = repos.kb.plan
    return Digest(
        week=week,
        start=week.monday,
        end=week.sunday,
        generated_at=now,
        tz=tz.key,
        plan=f"{plan.title} {plan.version}" if plan else "",
        reforms=tuple(reforms),
        stale=stale,
        month=f"{last_day.year}年{last_day.month}月",
        silent_departments=silent,
        kpis=tuple(kpis),
        faq=faq,
        initiative_count=len(initiatives),
    )


def stale_initiatives(
    initiatives: Sequence[InitiativeRecord], history: Sequence[ReportRecord], as_of: datetime
) -> tuple[StaleInitiative, ...]:
    """Active initiatives with no report in the 4 weeks before `as_of` (never reported ones included).

    `history` holds the reports standing at `as_of`, oldest first. An initiative's departments are its
    owners and every department that has reported on it: the people a reminder goes to.
    """
    last_report: dict[str, ReportRecord] = {}
    reporters: dict[str, set[str]] = {}
    for report in history:
        last_report[report.initiative_id] = report
        reporters.setdefault(report.initiative_id, set()).add(report.department)
    return tuple(
        StaleInitiative(
            id=i.id,
            name=i.name,
            reform=i.reform,
            last_reported_at=last_report[i.id].reported_at if i.id in last_report else None,
            departments=tuple(sorted(set(i.departments) | reporters.get(i.id, set()))),
        )
        for i in initiatives
        if i.id not in last_report or last_report[i.id].reported_at < as_of - STALE_AFTER
    )


def standing_reports(repos: DigestRepos, as_of: datetime) -> list[ReportRecord]:
    """The reports made before `as_of` and not withdrawn by then, oldest first."""
    return [r for r in repos.reports.history() if _as_of(r, as_of)]


STATUS_ORDER: tuple[ReportStatus | None, ...] = (None, *ReportStatus)

