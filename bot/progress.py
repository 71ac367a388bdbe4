"""Progress reporting, platform-neutral: parsing, initiative matching, permissions and the service.

The console and the Slack adapter both call `ProgressService`; the Slack form (modal) builds a
`ReportDraft` from its fields and calls `record`, the text command goes through `parse_report` first.
Every expected failure is a `UserError` with a Japanese message that says what was wrong and how to
write it; such a failure is raised before anything is written, so nothing is ever half-recorded.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz
from sqlalchemy.orm import Session, sessionmaker

from bot.directory import ROLE_HELP, parse_role, valid_user_id
from bot.errors import UserError
from bot.privacy import redact_personal_data
from bot.replies import Code, Command, Paragraph, UserText, bullets, para
from bot.settings import Settings
from knowledge.kb import KnowledgeBase
from knowledge.normalize import fold_for_match
from storage.progress import (
    STATUS_LABELS,
    DepartmentRecord,
    InitiativeRecord,
    InitiativeRepository,
    KpiRecord,
    NewReport,
    RecordResult,
    Registration,
    ReportRecord,
    ReportRepository,
    ReportStatus,
    SeedResult,
    StaffRecord,
    StaffRepository,
    StaffRole,
    as_utc,
)

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]

# Chat commands without a prefix: each renderer writes them the platform's way (`/dx 報告 …` in Slack).
REPORT_USAGE = "報告 <取組み> <状況> [<n>%] [メモ]"
REPORT_EXAMPLE = "報告 書かない窓口 実施中 60% 来庁者アンケート実施"
ADMIN_REPORT_USAGE = "報告 <取組み> <状況> [<n>%] [メモ] 課:<課名>"
STATUS_USAGE = "状況 [<取組み> または <課名>]"
HISTORY_USAGE = "履歴 <取組み>"
REGISTER_USAGE = "登録 @ユーザー <課名> <役割> [氏名]"
REGISTER_EXAMPLE = "登録 @山田花子 市民生活課 リーダー 山田 花子"
STATUS_HELP = "、".join(STATUS_LABELS.values())
MAX_NOTE_CHARS = 1000
MAX_NAME_CHARS = 128
MAX_DEPARTMENT_CHARS = 64

# Canonical labels plus the spellings staff actually type; compared after NFKC.
_STATUS_WORDS: dict[str, ReportStatus] = {label: status for status, label in STATUS_LABELS.items()}
_STATUS_WORDS.update(
    {
        "着手前": ReportStatus.NOT_STARTED,
        "未実施": ReportStatus.NOT_STARTED,
        "検討": ReportStatus.CONSIDERING,
        "準備": ReportStatus.PREPARING,
        "実施": ReportStatus.IN_PROGRESS,
        "進行中": ReportStatus.IN_PROGRESS,
        "対応中": ReportStatus.IN_PROGRESS,
        "取組中": ReportStatus.IN_PROGRESS,
        "取組み中": ReportStatus.IN_PROGRESS,
        "完了済": ReportStatus.DONE,
        "完了済み": ReportStatus.DONE,
        "済": ReportStatus.DONE,
        "済み": ReportStatus.DONE,
        "休止中": ReportStatus.PAUSED,
        "中断": ReportStatus.PAUSED,
        "保留中": ReportStatus.ON_HOLD,
    }
)

_PERCENT = re.compile(r"^([+-]?)(\d+(?:\.\d+)?)(%|パーセント)?$")
_PERCENT_LIKE = re.compile(r"^[+-]?\d+(?:\.\d+)?(?:%|パーセント)$")
_SPACE_BEFORE_PERCENT = re.compile(r"(\d)\s+(%|パーセント)")
_OPTION = re.compile(r"^(課|部署|担当課|dept|department|kpi|指標)[:=](.*)$", re.IGNORECASE)
_INITIATIVE_ID = re.compile(r"^([1-9])\s*[-ー‐−の]\s*(\d{1,2})$")
_KPI_VALUE = re.compile(r"^([+-]?\d[\d,]*(?:\.\d+)?)\D*$")
_MENTION = re.compile(r"^<@([A-Za-z0-9]+)(?:\|([^>]*))?>$")
_DEPARTMENT_WORDS = {"課", "部署", "担当課", "dept", "department"}


def parse_status(word: str) -> ReportStatus | None:
    return _STATUS_WORDS.get(unicodedata.normalize("NFKC", word).strip().rstrip("。"))


def report_usage() -> tuple[Paragraph, Paragraph]:
    """「書き方」 and 「例」, under every refusal of a report."""
    return para("書き方: ", Command(REPORT_USAGE)), para("例: ", Command(REPORT_EXAMPLE))


def _percent_error(token: str) -> UserError:
    return UserError(
        para("進捗率「", UserText(token), "」は使えません。0〜100 の整数に % を付けて書いてください（例: 60%）。"),
        para("書き方: ", Command(REPORT_USAGE)),
    )


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def parse_percent(token: str, *, bare: bool) -> int | None:
    """The percent in `token` (full-width digits and ％ accepted), None when it is not a percent at all.

    A bare number counts only when `bare` (right after the status) and is 0–100; an explicit `n%` that is
    out of range or fractional is a UserError.
    """
    text = unicodedata.normalize("NFKC", token).strip()
    found = _PERCENT.match(text)
    if found is None:
        core = text.removesuffix("%").removesuffix("パーセント")
        if core != text and _is_float(core):
            raise _percent_error(token)  # 1e309%, NaN%, inf%: meant as a percent, and none we can record
        return None
    if found.group(3) is None and not bare:
        return None
    sign, number, unit = found.groups()
    if sign == "-" or "." in number or int(number) > 100:
        if unit is None:
            return None  # a bare "2025" starts the memo; only an explicit n% is held to 0–100
        raise _percent_error(token)
    return int(number)


@dataclass(frozen=True)
class ReportDraft:
    """What a report says before it is checked against the database (from text or a form)."""

    initiative: str  # an ID or a name as typed
    status: ReportStatus
    percent: int | None = None
    note: str = ""
    department: str | None = None  # 課:<課名>, for admins reporting for another department
    kpi_name: str | None = None
    kpi_value: float | None = None


def _kpi_option(value: str) -> tuple[str | None, float]:
    name, sep, number = value.rpartition("=")
    if not sep:
        name, number = "", value
    found = _KPI_VALUE.match(number.strip())
    if found is None or not found.group(1).replace(",", "").strip("+-"):
        raise UserError(
            para(
                "KPI の値「", UserText(value), "」を読み取れません。", Code("KPI:<値>"), " または ",
                Code("KPI:<KPI名>=<値>"), " と書いてください（例: KPI:120）。",
            )
        )
    amount = float(found.group(1).replace(",", ""))
    if not math.isfinite(amount):  # hundreds of digits parse as inf: no KPI is that large
        raise UserError("KPI の値が大きすぎます。実際の値を書いてください（例: KPI:120）。")
    return (name.strip() or None), amount


def parse_report(args: str) -> ReportDraft:
    """`<取組み> <状況> [<n>%] [課:<課名>] [KPI:<値>] [メモ]` → a draft. The first status word splits name and rest."""
    text = _SPACE_BEFORE_PERCENT.sub(r"\1\2", unicodedata.normalize("NFKC", args)).strip()
    tokens = text.split()
    if not tokens:
        raise UserError("取組みと状況を指定してください。", report_usage())
    status_at = next((i for i, token in enumerate(tokens) if parse_status(token) is not None), None)
    if status_at == 0:
        raise UserError(
            para("取組みを指定してください（状況「", UserText(tokens[0]), "」の前に、取組みの名前か ID）。"),
            report_usage(),
            para("取組みと ID の一覧は ", Command("一覧")),
        )
    if status_at is None:
        if len(tokens) == 1:
            raise UserError(f"状況がありません。使える状況: {STATUS_HELP}", report_usage())
        percent_at = next((i for i, t in enumerate(tokens) if i >= 2 and _PERCENT_LIKE.match(t)), None)
        suspect = tokens[percent_at - 1] if percent_at is not None else tokens[1]
        raise UserError(
            para("状況「", UserText(suspect), f"」はわかりません。使える状況: {STATUS_HELP}"), report_usage()
        )
    status = parse_status(tokens[status_at])
    assert status is not None
    initiative = " ".join(tokens[:status_at])
    rest = tokens[status_at + 1 :]

    percent: int | None = None
    department: str | None = None
    kpi: tuple[str | None, float] | None = None
    note_tokens: list[str] = []
    leading = True  # a percent counts only before the memo starts
    for position, token in enumerate(rest):
        option = _OPTION.match(token)
        if option is not None:
            key, value = option.group(1).lower(), option.group(2).strip()
            if not value:
                raise UserError(
                    para("「", UserText(token), "」の後ろに値がありません。例: ", Code("課:市民生活課"), "、", Code("KPI:120"))
                )
            if key in _DEPARTMENT_WORDS:
                if department is not None:
                    raise UserError("課: は1つだけ指定してください。")
                department = value
            else:
                if kpi is not None:
                    raise UserError("KPI: は1つだけ指定してください。")
                kpi = _kpi_option(value)
            continue
        if leading and percent is None:
            value = parse_percent(token, bare=position == 0)
            if value is not None:
                percent = value
                continue
        leading = False
        note_tokens.append(token)
    note = " ".join(note_tokens)
    if len(note) > MAX_NOTE_CHARS:
        raise UserError(f"メモが長すぎます（{len(note)}文字）。{MAX_NOTE_CHARS}文字以内にしてください。")
    return ReportDraft(
        initiative=initiative,
        status=status,
        percent=percent,
        note=note,
        department=department,
        kpi_name=kpi[0] if kpi else None,
        kpi_value=kpi[1] if kpi else None,
    )


# ---------------------------------------------------------------- initiative matching


class AmbiguousInitiative(UserError):
    """Several initiatives fit; the user picks one (nothing was recorded). Adapters may offer buttons."""

    def __init__(self, query: str, candidates: Sequence[InitiativeRecord], example: str) -> None:
        super().__init__(
            para("「", UserText(query), "」に当てはまる取組みが複数あります。どれですか？"),
            bullets(f"{c.id} {c.name}" for c in candidates),
            para("ID で指定して、もう一度送ってください（例: ", Command(example.format(id=candidates[0].id)), "）。"),
        )
        self.query = query
        self.candidates = tuple(candidates)


class UnknownInitiative(UserError):
    def __init__(self, query: str, usage: str | None = None) -> None:
        super().__init__(
            para(
                "取組み「", UserText(query), "」が見つかりませんでした。取組みの名前の一部か ID（例: 1-02）で指定してください。",
                "取組みと ID の一覧は ", Command("一覧"), " で見られます。",
            ),
            [para("書き方: ", Command(usage))] if usage else [],
        )
        self.query = query


class SudachiReader:
    """Katakana readings (学童 → ガクドウ), so that kana input finds kanji names. Thread-safe."""

    def __init__(self) -> None:
        from sudachipy import Dictionary, SplitMode

        self._tokenizer = Dictionary(dict="core").tokenizer(SplitMode.C)
        self._lock = threading.Lock()  # a Sudachi tokenizer must not be shared between threads at once

    def __call__(self, text: str) -> str:
        text = unicodedata.normalize("NFKC", text).replace(" ", "").replace("\u3000", "")
        if not text:
            return ""
        with self._lock:
            morphemes = self._tokenizer.tokenize(text)
            return "".join(m.reading_form() for m in morphemes if m.part_of_speech()[0] not in ("空白", "補助記号"))


@dataclass(frozen=True)
class _Form:
    initiative: int
    folded: str
    reading: bool


class InitiativeMatcher:
    """Finds an initiative by ID or (partial, kana, typo'd) name or alias, with the FAQ's folding.

    Score per form, 0–100: equal 100; the query inside a name 80–95 by how much of it the query covers;
    a name inside the query 75–90; otherwise rapidfuzz similarity. Matches through readings score 3 less,
    so a written alias wins over a homophone (電子決済 / 電子決裁).
    """

    MIN_SCORE = 70.0
    MARGIN = 6.0
    READING_PENALTY = 3.0
    MAX_CHOICES = 5

    def __init__(
        self,
        initiatives: Sequence[InitiativeRecord],
        aliases: Mapping[str, Sequence[str]] | None = None,
        reader: Callable[[str], str] | None = None,
    ) -> None:
        self.initiatives = tuple(initiatives)
        self._by_id = {i.id: i for i in self.initiatives}
        self._reader = reader
        forms: list[_Form] = []
        seen: set[tuple[int, str, bool]] = set()
        for index, initiative in enumerate(self.initiatives):
            for phrase in (initiative.name, *(aliases or {}).get(initiative.id, ())):
                variants = [(fold_for_match(phrase), False)]
                if reader is not None:
                    variants.append((fold_for_match(reader(phrase)), True))
                for folded, reading in variants:
                    if folded and (index, folded, reading) not in seen:
                        seen.add((index, folded, reading))
                        forms.append(_Form(index, folded, reading))
        self._forms = tuple(forms)
        exact: dict[str, set[int]] = {}
        for form in forms:
            if not form.reading:
                exact.setdefault(form.folded, set()).add(form.initiative)
        # A written name or alias typed exactly: no need to score anything.
        self._exact = {folded: self.initiatives[next(iter(ids))] for folded, ids in exact.items() if len(ids) == 1}

    def get(self, initiative_id: str) -> InitiativeRecord | None:
        return self._by_id.get(initiative_id)

    def by_id(self, text: str) -> InitiativeRecord | None | bool:
        """The initiative an ID-looking text names; None if it names none; False if it is not an ID."""
        found = _INITIATIVE_ID.match(unicodedata.normalize("NFKC", text).strip())
        if found is None:
            return False
        return self._by_id.get(f"{found.group(1)}-{int(found.group(2)):02d}")

    @staticmethod
    def _score(query: str, form: str) -> float:
        if query == form:
            return 100.0
        if len(query) >= 2 and query in form:
            return 80.0 + 15.0 * len(query) / len(form)
        if len(form) >= 2 and form in query:
            return 75.0 + 15.0 * len(form) / len(query)
        return float(fuzz.ratio(query, form))

    def rank(self, query: str) -> list[tuple[InitiativeRecord, float]]:
        """Initiatives by score, best first (only those scoring anything)."""
        folded = fold_for_match(query)
        if not folded:
            return []
        reading = fold_for_match(self._reader(query)) if self._reader is not None else ""
        best: dict[int, float] = {}
        for form in self._forms:
            if form.reading:
                score = max(self._score(folded, form.folded), self._score(reading, form.folded) if reading else 0.0)
                score -= self.READING_PENALTY
            else:
                score = self._score(folded, form.folded)
            if score > best.get(form.initiative, 0.0):
                best[form.initiative] = score
        ordered = sorted(best.items(), key=lambda item: (-item[1], self.initiatives[item[0]].id))
        return [(self.initiatives[i], s) for i, s in ordered if s > 0]

    def resolve(self, query: str, example: str = "状況 {id}", usage: str | None = None) -> InitiativeRecord:
        """Exactly one initiative, or UnknownInitiative / AmbiguousInitiative (`example` shows how to pick one)."""
        query = query.strip()
        if not query:
            raise UnknownInitiative(query, usage)
        first = query.split()[0]
        by_id = self.by_id(first)  # "1-02 書かない窓口" as copied from `一覧`
        if by_id is None:
            raise UserError(para("ID「", UserText(first), "」の取組みはありません。取組みと ID の一覧は ", Command("一覧"), " で見られます。"))
        if by_id is not False:
            return by_id  # type: ignore[return-value]
        exact = self._exact.get(fold_for_match(query))
        if exact is not None:
            return exact
        ranked = [(i, s) for i, s in self.rank(query) if s >= self.MIN_SCORE]
        if not ranked:
            raise UnknownInitiative(query, usage)
        top, top_score = ranked[0]
        if top_score >= 100.0 and (len(ranked) == 1 or ranked[1][1] < 100.0):
            return top
        close = [i for i, s in ranked if s >= top_score - self.MARGIN]
        if len(close) == 1:
            return top
        raise AmbiguousInitiative(query, close[: self.MAX_CHOICES], example)


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


@dataclass(frozen=True)
class ReformInfo:
    no: int
    symbol: str
    name: str


_DEFAULT_SYMBOLS = "①②③④⑤⑥⑦⑧⑨"


def reform_infos(kb: KnowledgeBase, initiatives: Sequence[InitiativeRecord] = ()) -> dict[int, ReformInfo]:
    infos = {r.no: ReformInfo(r.no, r.symbol, r.name) for r in kb.reforms}
    for initiative in initiatives:
        if initiative.reform not in infos:
            symbol = _DEFAULT_SYMBOLS[initiative.reform - 1] if 1 <= initiative.reform <= 9 else str(initiative.reform)
            infos[initiative.reform] = ReformInfo(initiative.reform, symbol, f"改革{symbol}")
    return dict(sorted(infos.items()))


# ---------------------------------------------------------------- registration parsing


@dataclass(frozen=True)
class RegistrationDraft:
    user_id: str
    department: str
    role: StaffRole
    name: str | None


def parse_registration(args: str) -> RegistrationDraft:
    """`<@U123|name> <課名> <役割> [氏名]` (a plain id works too; 課名 and 役割 in either order)."""
    usage = (para("書き方: ", Command(REGISTER_USAGE)), para("例: ", Command(REGISTER_EXAMPLE)), para(f"役割: {ROLE_HELP}"))
    tokens = args.split()
    if len(tokens) < 3:
        raise UserError("ユーザー・課名・役割を指定してください。", usage)
    who, rest = tokens[0], tokens[1:]
    label: str | None = None
    mention = _MENTION.match(who)
    if mention is not None:
        user_id, label = mention.group(1), (mention.group(2) or "").strip() or None
    else:
        user_id = unicodedata.normalize("NFKC", who).lstrip("@")
    if not valid_user_id(user_id):
        raise UserError(
            para("ユーザー「", UserText(who), "」を読み取れません。@メンションか Slack のユーザー ID（例: U012ABC）で指定してください。"),
            usage,
        )
    role_at = next((i for i, t in enumerate(rest[:2]) if parse_role(t) is not None), None)
    if role_at is None:
        raise UserError(para("役割がわかりません（「", UserText(" ".join(rest[:2])), f"」）。使える役割: {ROLE_HELP}"), usage)
    role = parse_role(rest[role_at])
    assert role is not None
    department = unicodedata.normalize("NFKC", rest[1 - role_at]).strip()
    if parse_role(department) is not None:
        raise UserError("課名がありません。", usage)
    if len(department) > MAX_DEPARTMENT_CHARS:
        raise UserError(f"課名が長すぎます（{MAX_DEPARTMENT_CHARS}文字まで）。")
    name = " ".join(rest[2:]).strip() or label
    if name is not None and len(name) > MAX_NAME_CHARS:
        raise UserError(f"氏名が長すぎます（{MAX_NAME_CHARS}文字まで）。")
    return RegistrationDraft(user_id=user_id, department=department, role=role, name=name)


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
    kb: KnowledgeBase
    clock: Clock
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Tokyo"))
    reader: Callable[[str], str] | None = None
    _matcher: InitiativeMatcher | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def secretariat(self) -> str:
        return self.kb.plan.secretariat if self.kb.plan else "政策企画課"

    # -------------------------------------------------------------- set-up

    def seed_initiatives(self) -> SeedResult | None:
        """Upsert the knowledge base's initiatives (idempotent). A KB without initiatives changes nothing."""
        if not self.kb.initiatives:
            logger.info("knowledge base has no initiatives: progress reporting has nothing to report on")
            return None
        result = self.initiatives.seed(self.kb.initiatives, self.kb.plan.version if self.kb.plan else None, self.clock())
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
        return reform_infos(self.kb, self.matcher.initiatives)

    # -------------------------------------------------------------- lookups

    def reporter(self, user_id: str | None) -> StaffRecord:
        """The registered staff member behind `user_id`, or a refusal that says how to get registered."""
        staff = self.staff.get(user_id) if user_id else None
        if staff is None:
            raise UserError(
                para(
                    "報告するには職員登録が必要です。",
                    f"事務局（{self.secretariat}）に ", Command("登録"), " で登録してもらってください。",
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
        folded = fold_for_match(name)
        scored = []
        for department in self.staff.departments():
            other = fold_for_match(department.name)
            score = 90.0 if folded and (folded in other or other in folded) else fuzz.ratio(folded, other)
            if score >= 70:
                scored.append((score, department.name))
        return [name for _score, name in sorted(scored, key=lambda item: -item[0])[:limit]]

    def _unknown_department(self, name: str) -> UserError:
        similar = self.similar_departments(name)
        hint = f"もしかして: {'、'.join(similar)}" if similar else "課名は正式名で書いてください（例: 市民生活課）。"
        return UserError(para("課「", UserText(name), "」は登録されていません。", UserText(hint) if similar else hint))

    def resolve_initiative(self, query: str, example: str = "状況 {id}", usage: str | None = None) -> InitiativeRecord:
        return self.matcher.resolve(query, example, usage)

    # -------------------------------------------------------------- report

    def report_text(
        self, user_id: str | None, args: str, *, request_id: str | None = None, source: str = "console"
    ) -> ReportOutcome:
        """`報告 …` as typed: the role is checked first, then the text, then everything against the data."""
        reporter = self.reporter(user_id)
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
        example = "報告 {id} " + draft.status.label + (f" {draft.percent}%" if draft.percent is not None else "")
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
            raise _percent_error(f"{draft.percent}%")
        if len(draft.note) > MAX_NOTE_CHARS:
            raise UserError(f"メモが長すぎます（{len(draft.note)}文字）。{MAX_NOTE_CHARS}文字以内にしてください。")
        kpi = self._report_kpi(initiative, draft)
        note = redact_personal_data(draft.note.strip())  # before it is stored, not after
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

    def undo(self, user_id: str | None, *, request_id: str | None = None) -> UndoOutcome:
        """Withdraw the caller's own latest report that is not withdrawn yet (a new record; nothing is deleted)."""
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

    def register(self, admin_user_id: str | None, args: str) -> Registration:
        """`登録` by an admin: add or update a staff member (a new department is created if unknown)."""
        admin = self.staff.get(admin_user_id) if admin_user_id else None
        if admin is None or admin.role is not StaffRole.ADMIN:
            raise UserError(f"職員の登録は管理者（事務局・{self.secretariat}）だけができます。登録を事務局に依頼してください。")
        draft = parse_registration(args)
        department = self.find_department(draft.department)
        if department is None:
            similar = self.similar_departments(draft.department)
            if similar:
                raise UserError(
                    para("課「", UserText(draft.department), "」は登録されていません。もしかして: ", UserText("、".join(similar))),
                    para("新しい課を作るときは、職員名簿（YAML）に追加して ", Code("dxbot users import"), " で読み込んでください。"),
                )
        existing = self.staff.get(draft.user_id)
        name = draft.name or (existing.name if existing else draft.user_id)
        registration = self.staff.register(
            user_id=draft.user_id,
            name=name,
            department=department.name if department else draft.department,
            role=draft.role,
            now=self.clock(),
        )
        logger.info("staff %s registered by %s as %s", draft.user_id, admin.user_id, draft.role.value)
        return registration


def build_progress_service(
    *,
    kb: KnowledgeBase,
    initiatives: InitiativeRepository,
    staff: StaffRepository,
    reports: ReportRepository,
    clock: Clock,
    tz: str = "Asia/Tokyo",
    reader: Callable[[str], str] | None = None,
) -> ProgressService:
    """The service with Sudachi readings for kana matching; initiatives are seeded from `kb`."""
    service = ProgressService(
        initiatives=initiatives,
        staff=staff,
        reports=reports,
        kb=kb,
        clock=clock,
        tz=ZoneInfo(tz),
        reader=reader if reader is not None else SudachiReader(),
    )
    service.seed_initiatives()
    return service


def setup_progress(settings: Settings, kb: KnowledgeBase, sessions: sessionmaker[Session], clock: Clock) -> ProgressService:
    """What `create_app` needs: repositories, the service, initiatives seeded and DXBOT_DIRECTORY loaded.

    A directory file with problems is logged and skipped: a bad edit must not keep the bot from answering.
    """
    from bot.directory import DirectoryError, import_directory

    service = build_progress_service(
        kb=kb,
        initiatives=InitiativeRepository(sessions),
        staff=StaffRepository(sessions),
        reports=ReportRepository(sessions),
        clock=clock,
        tz=settings.tz,
    )
    if settings.directory_path is not None:
        try:
            import_directory(settings.directory_path, service.staff, clock())
        except DirectoryError as error:
            for problem in error.problems:
                logger.error("staff directory not imported: %s", problem)
    return service
