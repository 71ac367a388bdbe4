"""Reading what staff type: statuses, percents, `報告 …` and `登録 …`, into drafts checked later by the service.

Every refusal is a `UserError` that says what was wrong and how to write it; nothing here touches the
database.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.directory import ROLE_HELP, parse_role, valid_teams_id, valid_user_id
from bot.errors import UserError
from bot.replies import Code, Command, Mention, Paragraph, UserRef, UserText, para
from knowledge import patterns
from storage.progress import (
    MAX_DEPARTMENT_CHARS,
    MAX_NAME_CHARS,
    MAX_NOTE_CHARS,
    REPORT_USAGE,
    STATUS_HELP,
    STATUS_LABELS,
    ReportStatus,
    StaffRole,
)

# Chat commands without a prefix: each renderer writes them the platform's way (`/dx 報告 …` in Slack).
REPORT_EXAMPLE = "報告 書かない窓口 実施中 60% 来庁者アンケート実施"
ADMIN_REPORT_USAGE = f"{REPORT_USAGE} 課:<課名>"
STATUS_USAGE = "状況 [<取組み> または <課名>]"
HISTORY_USAGE = "履歴 <取組み>"
REGISTER_USAGE = "登録 @ユーザー <課名> <役割> [氏名] [新しい課]"
NEW_DEPARTMENT_FLAG = "新しい課"  # the only way a chat command creates a department (admins only)
REGISTER_EXAMPLE = "登録 @山田花子 市民生活課 リーダー 山田 花子"

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

_PERCENT = patterns.compile(r"^([+-]?)(\d+(?:\.\d+)?)(%|パーセント)?$")
_PERCENT_LIKE = patterns.compile(r"^[+-]?\d+(?:\.\d+)?(?:%|パーセント)$")
_SPACE_BEFORE_PERCENT = patterns.compile(r"(\d)\s+(%|パーセント)")
_OPTION = patterns.compile(r"^(課|部署|担当課|dept|department|kpi|指標)[:=](.*)$", re.IGNORECASE)
_KPI_VALUE = patterns.compile(r"^([+-]?\d[\d,]*(?:\.\d+)?)\D*$")
_DEPARTMENT_WORDS = {"課", "部署", "担当課", "dept", "department"}


def parse_status(word: str) -> ReportStatus | None:
    return _STATUS_WORDS.get(unicodedata.normalize("NFKC", word).strip().rstrip("。"))


def report_usage() -> tuple[Paragraph, Paragraph]:
    """「書き方」 and 「例」, under every refusal of a report."""
    return para("書き方: ", Command(REPORT_USAGE)), para("例: ", Command(REPORT_EXAMPLE))


def percent_error(token: str) -> UserError:
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
            raise percent_error(token)  # 1e309%, NaN%, inf%: meant as a percent, and none we can record
        return None
    if found.group(3) is None and not bare:
        return None
    sign, number, unit = found.groups()
    if sign == "-" or "." in number or int(number) > 100:
        if unit is None:
            return None  # a bare "2025" starts the memo; only an explicit n% is held to 0–100
        raise percent_error(token)
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


def _looks_like_percent(token: str) -> bool:
    """`60%`, `１０１％`, `1e309%`: written as a percent (valid or not), so it belongs to the status, not the memo."""
    core = token.removesuffix("%").removesuffix("パーセント")
    return core != token and _is_float(core)


def _option(token: str, department: str | None, kpi: tuple[str | None, float] | None):  # type: ignore[no-untyped-def]
    """`課:…` or `KPI:…` → the updated (department, kpi); None when `token` is not an option."""
    option = _OPTION.match(token)
    if option is None:
        return None
    key, value = option.group(1).lower(), option.group(2).strip()
    if not value:
        raise UserError(para("「", UserText(token), "」の後ろに値がありません。例: ", Code("課:市民生活課"), "、", Code("KPI:120")))
    if key in _DEPARTMENT_WORDS:
        if department is not None:
            raise UserError("課: は1つだけ指定してください。")
        return value, kpi
    if kpi is not None:
        raise UserError("KPI: は1つだけ指定してください。")
    return department, _kpi_option(value)


def parse_report(args: str) -> ReportDraft:
    """`<取組み> <状況> [<n>%] [メモ]` with `課:<課名>` and `KPI:<値>` anywhere → a draft; every word is kept.

    The initiative is the words before the first status or percent. Right after it comes the head: the status
    and the percent in either order (a bare number counts as the percent only right after the status). The
    memo is everything after the head, in the order written; a percent inside the memo (`回答率 80%`) stays
    memo, and so is a second status word. Nothing is dropped: a word that fits nowhere else is memo, and two
    percents in the head are refused rather than one of them silently chosen.
    """
    text = _SPACE_BEFORE_PERCENT.sub(r"\1\2", unicodedata.normalize("NFKC", args)).strip()
    department: str | None = None
    kpi: tuple[str | None, float] | None = None
    tokens: list[str] = []
    for token in text.split():
        updated = _option(token, department, kpi)
        if updated is None:
            tokens.append(token)
        else:
            department, kpi = updated
    if not tokens:
        raise UserError("取組みと状況を指定してください。", report_usage())
    head_at = next((i for i, t in enumerate(tokens) if parse_status(t) is not None or _looks_like_percent(t)), None)
    if head_at == 0:
        what = "状況" if parse_status(tokens[0]) is not None else "進捗率"
        raise UserError(
            para(f"取組みを指定してください（{what}「", UserText(tokens[0]), "」の前に、取組みの名前か ID）。"),
            report_usage(),
            para("取組みと ID の一覧は ", Command("一覧")),
        )
    if head_at is None:
        if len(tokens) == 1:
            raise UserError(f"状況がありません。使える状況: {STATUS_HELP}", report_usage())
        raise UserError(para("状況「", UserText(tokens[1]), f"」はわかりません。使える状況: {STATUS_HELP}"), report_usage())
    initiative = " ".join(tokens[:head_at])

    status: ReportStatus | None = None
    percent: int | None = None
    position = head_at
    while position < len(tokens):
        token = tokens[position]
        word = parse_status(token)
        if word is not None:
            if status is not None:
                break  # the head holds one status: a second status word (`準備 完了`) is memo
            status = word
        elif _looks_like_percent(token) or (percent is None and parse_status(tokens[position - 1]) is not None):
            value = parse_percent(token, bare=True)
            if value is None:
                break  # a bare year or count right after the status starts the memo
            if percent is not None:
                raise UserError(
                    para(f"進捗率が 2 つあります（{percent}%、{value}%）。1 つにしてください。"),
                    para("メモの中の割合は「回答率80%」のように言葉に続けて書くと、メモとして残ります。"),
                    report_usage(),
                )
            percent = value
        else:
            break
        position += 1
    if status is None:
        # Only a percent: the word before it, or else the one after it, is most likely the status mistyped.
        suspect = tokens[head_at - 1] if head_at > 1 else tokens[position] if position < len(tokens) else None
        if suspect is None:
            raise UserError(f"状況がありません。使える状況: {STATUS_HELP}", report_usage())
        raise UserError(para("状況「", UserText(suspect), f"」はわかりません。使える状況: {STATUS_HELP}"), report_usage())
    note = " ".join(tokens[position:])
    if (too_long := note_too_long(note)) is not None:
        raise UserError(too_long)
    draft = ReportDraft(
        initiative=initiative,
        status=status,
        percent=percent,
        note=note,
        department=department,
        kpi_name=kpi[0] if kpi else None,
        kpi_value=kpi[1] if kpi else None,
    )
    check_consistent(draft)
    return draft


def note_too_long(note: str) -> str | None:
    """The refusal of a note over MAX_NOTE_CHARS (typed, in the form, or at the service), else None."""
    if len(note) <= MAX_NOTE_CHARS:
        return None
    return f"メモが長すぎます（{len(note)}文字）。{MAX_NOTE_CHARS}文字以内にしてください。"


def report_command(draft: ReportDraft, status: ReportStatus, percent: int | None) -> Command:
    """`報告 …` for `draft` with another status and percent: what to send instead, with every other part kept."""
    words = ["報告", draft.initiative, status.label]
    if percent is not None:
        words.append(f"{percent}%")
    if draft.note:
        words.append(draft.note)
    if draft.department:
        words.append(f"課:{draft.department}")
    if draft.kpi_value is not None:
        value = f"{draft.kpi_value:g}"
        words.append(f"KPI:{draft.kpi_name}={value}" if draft.kpi_name else f"KPI:{value}")
    return Command(" ".join(words))


class InconsistentReport(UserError):
    """The status and the percent contradict each other; a form shows it next to the percent."""


def check_consistent(draft: ReportDraft) -> None:
    """A status and a percent that contradict each other get a question back, never a silent record.

    `完了` with less than 100%, or `未着手` with more than 0%: which one did the person mean?
    """
    percent = draft.percent
    if percent is None:
        return
    if draft.status is ReportStatus.DONE and percent < 100:
        other, fixed = ReportStatus.IN_PROGRESS, 100
    elif draft.status is ReportStatus.NOT_STARTED and percent > 0:
        other, fixed = ReportStatus.IN_PROGRESS, 0
    else:
        return
    label = draft.status.label
    raise InconsistentReport(
        para(
            f"{label}なのに {percent}% です。{label} {fixed}% ですか？ {other.label} {percent}% ですか？",
            "（何も記録していません）",
        ),
        para(f"{label} {fixed}% なら: ", report_command(draft, draft.status, fixed)),
        para(f"{other.label} {percent}% なら: ", report_command(draft, other, percent)),
    )


# ---------------------------------------------------------------- registration parsing


@dataclass(frozen=True)
class RegistrationDraft:
    user: UserRef
    department: str
    role: StaffRole
    name: str | None
    new_department: bool = False  # `新しい課`: create the department when it does not exist yet

    @property
    def user_id(self) -> str:
        return self.user.id


def registration_target(who: str) -> tuple[UserRef, str | None] | None:
    """Who a typed word names: a Teams object id, or a staff id (the directory's `id`, a Slack user ID)."""
    typed = unicodedata.normalize("NFKC", who).lstrip("@")
    if valid_teams_id(typed):
        return UserRef("teams", typed.lower()), None
    if valid_user_id(typed):
        return UserRef("slack", typed), None  # the directory's id is the Slack user ID
    return None


def parse_registration(args: str, mentions: Sequence[Mention] = ()) -> RegistrationDraft:
    """`<@ユーザー> <課名> <役割> [氏名]` (an id typed as is works too; 課名 and 役割 in either order)."""
    usage = (para("書き方: ", Command(REGISTER_USAGE)), para("例: ", Command(REGISTER_EXAMPLE)), para(f"役割: {ROLE_HELP}"))
    # A mention is one word however the platform writes it (a Slack label or a Teams name may hold spaces).
    placeholders = {f"\x00{n}\x00": mention for n, mention in enumerate(mentions)}
    for word, mention in placeholders.items():
        args = args.replace(mention.text, f" {word} ", 1)
    words = args.split()
    tokens = [t for t in words if unicodedata.normalize("NFKC", t) != NEW_DEPARTMENT_FLAG]
    new_department = len(tokens) != len(words)
    if len(tokens) < 3:
        raise UserError("ユーザー・課名・役割を指定してください。", usage)
    who, rest = tokens[0], tokens[1:]
    target = (placeholders[who].user, placeholders[who].name) if who in placeholders else registration_target(who)
    who = placeholders[who].text if who in placeholders else who
    if target is None:
        raise UserError(
            para("ユーザー「", UserText(who), "」を読み取れません。@メンションか職員の ID（例: U012ABC）で指定してください。"),
            usage,
        )
    user, label = target
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
    return RegistrationDraft(user=user, department=department, role=role, name=name, new_department=new_department)
