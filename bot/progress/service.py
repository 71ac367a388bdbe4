"""The progress service: reporting, status, history, undo, register and list; the same core for every adapter.

The console, Slack and Teams all call `ProgressService`; a form builds a `ReportDraft` from its fields
and calls `record`, the text command goes through `parse_report` first. Every expected failure is a
`UserError` raised before anything is written, so nothing is ever half-recorded.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.directory import TEAMS_KEY_PREFIX, maybe, similar_names, teams_staff_key
from bot.errors import UserError
from bot.privacy import redact_personal_data, storable_text
from bot.progress.matching import InitiativeMatcher, UnknownInitiative
from bot.progress.parsing import (
    HISTORY_USAGE,
    NEW_DEPARTMENT_FLAG,
    REPORT_USAGE,
    STATUS_USAGE,
    ReportDraft,
    check_consistent,
    note_too_long,
    parse_registration,
    parse_report,
    percent_error,
)
from bot.replies import Code, Command, Mention, UserRef, UserText, para
from knowledge.kb import KnowledgeBase
from knowledge.normalize import fold_for_match
from storage.progress import (
    DepartmentRecord,
    InitiativeRecord,
    InitiativeRepository,
    KpiRecord,
    NewReport,
    RecordResult,
    ReformInfo,
    Registration,
    ReportRecord,
    ReportRepository,
    ReportStatus,
    SeedResult,
    StaffRecord,
    StaffRepository,
    StaffRole,
    as_utc,
    reform_infos,
    reform_title,
    status_text,
)

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class ReportOutcome:
    report: ReportRecord
    created: bool
    previous: ReportRecord | None  # the department's latest on this initiative before this report
    notices: tuple[str, ...] = ()  # e.g. personal data was redacted from the memo before it was stored


@dataclass(frozen=True)
class UndoOutcome:
    withdrawn: ReportRecord
    current: ReportRecord | None  # the initiative's latest status after the withdrawal


@dataclass(frozen=True)
class ReformSummary:
    no: int
    symbol: str
    name: str
    total: int
    counts: Mapping[ReportStatus | None, int]  # None: no report yet

    @property
    def title(self) -> str:
        return reform_title(self.symbol, self.name)


@dataclass(frozen=True)
class Overview:
    reforms: tuple[ReformSummary, ...]
    total: int
    reported: int


@dataclass(frozen=True)
class InitiativeStatus:
    initiative: InitiativeRecord
    latest: ReportRecord | None
    by_department: tuple[ReportRecord, ...]
    report_count: int


@dataclass(frozen=True)
class DepartmentStatus:
    department: DepartmentRecord
    rows: tuple[tuple[InitiativeRecord, ReportRecord | None], ...]


@dataclass(frozen=True)
class InitiativeHistory:
    initiative: InitiativeRecord
    reports: tuple[ReportRecord, ...]  # oldest first, withdrawn ones included


# ---------------------------------------------------------------- the service


def local_time(value: datetime, tz: ZoneInfo) -> str:
    """`2026-11-28 10:00` in the configured time zone."""
    return as_utc(value).astimezone(tz).strftime("%Y-%m-%d %H:%M")


@dataclass
class ProgressService:
    """Reporting, status, history, undo, register and list; the same core for every adapter."""

    initiatives: InitiativeRepository
    staff: StaffRepository
    reports: ReportRepository
    knowledge: Callable[[], KnowledgeBase]  # the current knowledge base (it may be reloaded)
    clock: Clock
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Tokyo"))
    reader: Callable[[str], str] | None = None
    _matcher: InitiativeMatcher | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def kb(self) -> KnowledgeBase:
        return self.knowledge()

    @property
    def contact(self) -> str:
        """Whom staff ask to be registered: the knowledge base's contact (the plan's 事務局)."""
        return self.kb.contact or "事務局"

    # -------------------------------------------------------------- set-up

    def seed_initiatives(self) -> SeedResult | None:
        """Upsert the knowledge base's initiatives (idempotent). A KB without initiatives changes nothing."""
        kb = self.kb
        if not kb.initiatives:
            logger.info("knowledge base has no initiatives: progress reporting has nothing to report on")
            return None
        result = self.initiatives.seed(kb.initiatives, kb.plan.version if kb.plan else None, self.clock())
        if result.added or result.updated or result.deactivated:
            logger.info(
                "initiatives seeded: %d added, %d updated, %d no longer in the plan",
                result.added,
                result.updated,
                result.deactivated,
            )
        self.refresh()
        return result

    def refresh(self) -> None:
        with self._lock:
            self._matcher = None

    @property
    def matcher(self) -> InitiativeMatcher:
        with self._lock:
            if self._matcher is None:
                aliases = {i.id: i.aliases for i in self.kb.initiatives}
                self._matcher = InitiativeMatcher(self.initiatives.all(include_inactive=True), aliases, self.reader)
            return self._matcher

    def reforms(self) -> dict[int, ReformInfo]:
        return reform_infos(self.kb.reforms, self.matcher.initiatives)

    # -------------------------------------------------------------- lookups

    def staff_member(self, user: UserRef | None) -> StaffRecord | None:
        """The registered staff member behind an identity: Teams by its object id, others by the staff id."""
        if user is None:
            return None
        if user.platform == "teams":
            return self.staff.get_by_teams_id(user.id)
        if user.id.startswith(TEAMS_KEY_PREFIX):
            return None  # the key of a Teams-only person is not a Slack or console identity
        return self.staff.get(user.id)

    def reporter(self, user: UserRef | None) -> StaffRecord:
        """The registered staff member behind `user`, or a refusal that says how to get registered."""
        staff = self.staff_member(user)
        if staff is None:
            raise UserError(
                para(
                    "報告するには職員登録が必要です。",
                    f"{self.contact}に ", Command("登録"), " で登録してもらってください。",
                    "質問や ", Command("状況"), "・", Command("履歴"), "・", Command("一覧"), " は登録なしで使えます。",
                )
            )
        return staff

    def find_department(self, name: str) -> DepartmentRecord | None:
        """A department by its name; width, spacing and a missing trailing 課 are forgiven."""
        folded = fold_for_match(name)
        if not folded:
            return None
        departments = self.staff.departments()
        for department in departments:
            if fold_for_match(department.name) == folded:
                return department
        for department in departments:
            if fold_for_match(department.name) == folded + "課":
                return department
        return None

    def similar_departments(self, name: str, limit: int = 3) -> list[str]:
        return similar_names(name, [d.name for d in self.staff.departments()], limit)

    def _unknown_department(self, name: str) -> UserError:
        similar = self.similar_departments(name)
        hint = maybe(similar) if similar else "課名は正式名で書いてください（例: 市民生活課）。"
        return UserError(para("課「", UserText(name), "」は登録されていません。", UserText(hint) if similar else hint))

    def resolve_initiative(self, query: str, example: str = "状況 {id}", usage: str | None = None) -> InitiativeRecord:
        return self.matcher.resolve(query, example, usage)

    # -------------------------------------------------------------- report

    def report_text(
        self, user: UserRef | None, args: str, *, request_id: str | None = None, source: str = "console"
    ) -> ReportOutcome:
        """`報告 …` as typed: the role is checked first, then the text, then everything against the data."""
        reporter = self.reporter(user)
        return self.record(reporter, parse_report(args), request_id=request_id, source=source)

    def record(
        self,
        reporter: StaffRecord,
        draft: ReportDraft,
        *,
        request_id: str | None = None,
        source: str = "console",
    ) -> ReportOutcome:
        """Check a draft against the data and append it. Every check happens before the single write."""
        check_consistent(draft)  # the form's draft too, not only typed text
        example = "報告 {id} " + status_text(draft.status, draft.percent)
        initiative = self.resolve_initiative(draft.initiative, example, REPORT_USAGE)
        if not initiative.active:
            raise UserError(
                para(
                    f"「{initiative.id} {initiative.name}」は現行の計画にない取組みのため、報告できません。",
                    Command("一覧"), " で確認してください。",
                )
            )
        department = self._report_department(reporter, draft.department)
        if draft.percent is not None and not 0 <= draft.percent <= 100:
            raise percent_error(f"{draft.percent}%")
        if (too_long := note_too_long(draft.note)) is not None:
            raise UserError(too_long)
        kpi = self._report_kpi(initiative, draft)
        note = redact_personal_data(storable_text(draft.note).strip())  # before it is stored, not after
        result: RecordResult = self.reports.add(
            NewReport(
                initiative_id=initiative.id,
                department_id=department.id,
                reporter_id=reporter.user_id,
                reporter_name=reporter.name,
                status=draft.status,
                percent=draft.percent,
                kpi_id=kpi.id if kpi else None,
                kpi_value=draft.kpi_value if kpi else None,
                note=note.text,
                reported_at=self.clock(),
                source=source,
                request_id=request_id,
            )
        )
        if result.created:
            logger.info(
                "report %d recorded: %s %s by %s for %s",
                result.report.id,
                initiative.id,
                draft.status.value,
                reporter.user_id,
                department.name,
            )
        return ReportOutcome(result.report, result.created, result.previous, note.notices)

    def _report_department(self, reporter: StaffRecord, requested: str | None) -> DepartmentRecord:
        if requested is None:
            return DepartmentRecord(reporter.department_id, reporter.department)
        department = self.find_department(requested)
        if department is None:
            raise self._unknown_department(requested)
        if department.id != reporter.department_id and reporter.role is not StaffRole.ADMIN:
            raise UserError(
                para(
                    "ほかの課（", UserText(department.name), "）の分を報告できるのは管理者（事務局）だけです。",
                    "自分の課（", UserText(reporter.department), "）の分は 課: を付けずに報告してください。",
                )
            )
        return department

    def _report_kpi(self, initiative: InitiativeRecord, draft: ReportDraft) -> KpiRecord | None:
        if draft.kpi_value is None:
            return None
        if not initiative.kpis:
            raise UserError(f"「{initiative.id} {initiative.name}」には KPI が設定されていません。KPI: を外して報告してください。")
        names = "、".join(k.name for k in initiative.kpis)
        if draft.kpi_name is None:
            if len(initiative.kpis) == 1:
                return initiative.kpis[0]
            raise UserError(
                para(f"「{initiative.name}」には KPI が複数あります（{names}）。", Code("KPI:<KPI名>=<値>"), " で指定してください。")
            )
        wanted = fold_for_match(draft.kpi_name)
        matches = [k for k in initiative.kpis if fold_for_match(k.name) == wanted] or [
            k for k in initiative.kpis if wanted and wanted in fold_for_match(k.name)
        ]
        if len(matches) != 1:
            raise UserError(para("KPI「", UserText(draft.kpi_name), f"」がわかりません。「{initiative.name}」の KPI: {names}"))
        return matches[0]

    # -------------------------------------------------------------- undo

    def undo(self, user: UserRef | None, *, request_id: str | None = None) -> UndoOutcome:
        """Withdraw the caller's own latest report that is not withdrawn yet (a new record; nothing is deleted)."""
        staff = self.staff_member(user)
        user_id = staff.user_id if staff else None  # only staff have reports to withdraw
        withdrawn = self.reports.withdraw_latest(user_id, self.clock(), request_id) if user_id else None
        if withdrawn is None:
            raise UserError("取り消せる報告がありません（取り消せるのは、自分の報告のうち取り消していない最新の1件です）。")
        logger.info("report %d withdrawn by %s", withdrawn.id, user_id)
        return UndoOutcome(withdrawn, self.reports.latest_one(withdrawn.initiative_id))

    # -------------------------------------------------------------- reading

    def list_initiatives(self) -> list[InitiativeRecord]:
        return [i for i in self.matcher.initiatives if i.active]

    def overview(self) -> Overview:
        initiatives = self.list_initiatives()
        latest = {r.initiative_id: r.status for r in self.reports.latest()}
        summaries = []
        for no, info in self.reforms().items():
            members = [i for i in initiatives if i.reform == no]
            if not members:
                continue
            counts: dict[ReportStatus | None, int] = {}
            for initiative in members:
                status = latest.get(initiative.id)
                counts[status] = counts.get(status, 0) + 1
            summaries.append(ReformSummary(no, info.symbol, info.name, len(members), counts))
        reported = sum(1 for i in initiatives if i.id in latest)
        return Overview(tuple(summaries), len(initiatives), reported)

    def initiative_status(self, initiative: InitiativeRecord) -> InitiativeStatus:
        by_department = self.reports.latest(initiative_id=initiative.id, per_department=True)
        latest = max(by_department, key=lambda r: (r.reported_at, r.id), default=None)
        count = self.reports.counts_by_initiative(initiative.id).get(initiative.id, 0)
        return InitiativeStatus(initiative, latest, tuple(by_department), count)

    def department_status(self, department: DepartmentRecord) -> DepartmentStatus:
        latest = {r.initiative_id: r for r in self.reports.latest(department_id=department.id)}
        rows = [
            (i, latest.get(i.id))
            for i in self.matcher.initiatives
            if i.id in latest or (i.active and department.name in i.departments)
        ]
        return DepartmentStatus(department, tuple(rows))

    def status(self, query: str) -> Overview | InitiativeStatus | DepartmentStatus:
        """No argument: the overview; a department name: that department; otherwise an initiative."""
        query = query.strip()
        if not query:
            return self.overview()
        department = self.find_department(query)
        if department is not None:
            return self.department_status(department)
        try:
            initiative = self.resolve_initiative(query)
        except UnknownInitiative:
            similar = self.similar_departments(query)
            hint = f"課のことなら、もしかして: {'、'.join(similar)}\n" if similar else ""
            raise UserError(
                para("「", UserText(query), "」に当てはまる取組みも課も見つかりませんでした。"),
                [para(UserText(hint.strip()))] if hint else [],
                para("書き方: ", Command(STATUS_USAGE), "（取組みは名前の一部か ID、課は正式名。一覧は ", Command("一覧"), "）"),
            ) from None
        return self.initiative_status(initiative)

    def history(self, query: str) -> InitiativeHistory:
        if not query.strip():
            raise UserError(
                "取組みを指定してください。",
                para("書き方: ", Command(HISTORY_USAGE), "（例: ", Command("履歴 書かない窓口"), "）"),
            )
        initiative = self.resolve_initiative(query, "履歴 {id}", HISTORY_USAGE)
        return InitiativeHistory(initiative, tuple(self.reports.history(initiative.id)))

    # -------------------------------------------------------------- register

    def register(self, admin_user: UserRef | None, args: str, mentions: Sequence[Mention] = ()) -> Registration:
        """`登録` by an admin: add or update a staff member; `新しい課` creates the department if it is new."""
        admin = self.staff_member(admin_user)
        if admin is None or admin.role is not StaffRole.ADMIN:
            plan = self.kb.plan
            admins = f"事務局・{plan.secretariat}" if plan else "事務局"
            raise UserError(f"職員の登録は管理者（{admins}）だけができます。登録を事務局に依頼してください。")
        draft = parse_registration(args, mentions)
        department = self.find_department(draft.department)
        if department is None and not draft.new_department:
            # A department is created only when the admin says so: a typo must not make a phantom one.
            similar = self.similar_departments(draft.department)
            raise UserError(
                para("課「", UserText(draft.department), "」はありません。", UserText(maybe(similar)) if similar else ""),
                para(
                    "新しい課を作るときは、末尾に「新しい課」を付けてください: ",
                    Command(f"登録 {' '.join(args.split())} {NEW_DEPARTMENT_FLAG}"),
                    "（または職員名簿 YAML の departments に書いて ", Code("dxbot users import"), "）。",
                ),
            )
        existing = self.staff_member(draft.user)
        if existing is not None:
            key = existing.user_id
        else:
            key = teams_staff_key(draft.user.id) if draft.user.platform == "teams" else draft.user.id
        name = draft.name or (existing.name if existing else draft.user.id)
        registration = self.staff.register(
            user_id=key,
            teams_id=draft.user.id if draft.user.platform == "teams" else None,
            name=name,
            department=department.name if department else draft.department,
            role=draft.role,
            now=self.clock(),
            create_department=draft.new_department,
        )
        logger.info("staff %s registered by %s as %s", key, admin.user_id, draft.role.value)
        return registration

