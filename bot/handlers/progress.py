"""`/dx 報告 状況 履歴 取消 一覧 登録`: progress reporting commands, rendered as platform-neutral replies."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.commands import CommandRouter
from bot.directory import ROLE_HELP
from bot.progress import (
    ADMIN_REPORT_USAGE,
    HISTORY_USAGE,
    REGISTER_USAGE,
    REPORT_EXAMPLE,
    REPORT_USAGE,
    STATUS_HELP,
    STATUS_USAGE,
    DepartmentStatus,
    InitiativeHistory,
    InitiativeStatus,
    Overview,
    ProgressService,
    ReportOutcome,
    UndoOutcome,
    local_time,
)
from bot.replies import ChatContext, OpenReportForm, Reply, Text
from storage.progress import STATUS_LABELS, KpiRecord, Registration, ReportRecord, ReportStatus

if TYPE_CHECKING:
    from bot.app import Services

logger = logging.getLogger(__name__)

HISTORY_LINES = 20


def report_form_hint() -> str:
    """What `/dx 報告` alone explains in the console (Slack opens a form instead)."""
    return "\n".join(
        [
            "進捗を報告するには、次のように書いてください:",
            f"`{REPORT_USAGE}`",
            f"例: `{REPORT_EXAMPLE}`",
            "• <取組み>: 名前の一部か ID（例: 書かない窓口、1-02）。一覧は `/dx 一覧`",
            f"• <状況>: {STATUS_HELP}",
            "• <n>%: 進捗率 0〜100（省略可）",
            "• メモ: 自由記述（省略可）",
            "• KPI の実績: `KPI:<値>`（KPI が複数あるときは `KPI:<KPI名>=<値>`）",
            f"• 管理者（事務局）がほかの課の分を報告するとき: `{ADMIN_REPORT_USAGE}`",
            "送った報告を取り消すときは `/dx 取消`。",
        ]
    )


# ---------------------------------------------------------------- rendering


def _number(value: float) -> str:
    return f"{value:,.10g}"


def _status_text(report: ReportRecord) -> str:
    percent = f" {report.percent}%" if report.percent is not None else ""
    return f"{report.status.label}{percent}"


def _kpi_text(report: ReportRecord, kpis: tuple[KpiRecord, ...]) -> str | None:
    if report.kpi_value is None or report.kpi_name is None:
        return None
    unit = report.kpi_unit or ""
    target = next((k.target for k in kpis if k.id == report.kpi_id), None)
    goal = f"（2026年度末目標 {_number(target)}{unit}）" if target is not None else ""
    return f"{report.kpi_name} {_number(report.kpi_value)}{unit}{goal}"


def render_report(outcome: ReportOutcome, service: ProgressService) -> str:
    report = outcome.report
    initiative = service.matcher.get(report.initiative_id)
    kpis = initiative.kpis if initiative else ()
    head = (
        f"報告を記録しました（報告ID {report.id}）。"
        if outcome.created
        else f"この報告はすでに記録済みです（報告ID {report.id}）。同じ送信を二重には記録していません。"
    )
    status = f"• 状況: {_status_text(report)}"
    if outcome.previous is not None:
        status += f"（前回: {_status_text(outcome.previous)}、{local_time(outcome.previous.reported_at, service.tz)}）"
    lines = [head, f"• 取組み: {report.initiative_id} {report.initiative_name}", status]
    kpi = _kpi_text(report, kpis)
    if kpi:
        lines.append(f"• KPI: {kpi}")
    lines.append(f"• 課: {report.department}　報告者: {report.reporter_name}")
    if report.note:
        lines.append(f"• メモ: {report.note}")
    lines.append(f"• 日時: {local_time(report.reported_at, service.tz)}")
    lines.append(f"取り消すときは `/dx 取消`、これまでの報告は `/dx 履歴 {report.initiative_id}`")
    lines += [f"※ {notice}" for notice in outcome.notices]
    return "\n".join(lines)


def render_overview(overview: Overview, service: ProgressService) -> str:
    if overview.total == 0:
        return "報告の対象になる取組みが登録されていません（知識ベースに取組みがありません）。"
    now = local_time(service.clock(), service.tz)
    lines = [f"*取組みの状況*（{now} 現在。{overview.total}件中 {overview.reported}件に報告あり）"]
    order: list[ReportStatus | None] = [*ReportStatus, None]
    for reform in overview.reforms:
        parts = [
            f"{STATUS_LABELS[status] if status is not None else '未報告'} {reform.counts[status]}"
            for status in order
            if reform.counts.get(status)
        ]
        lines.append(f"{reform.symbol} {reform.name}（{reform.total}件）: {'・'.join(parts)}")
    lines.append("取組みごとは `/dx 状況 <取組み>`、課ごとは `/dx 状況 <課名>`。取組みと ID の一覧は `/dx 一覧`")
    return "\n".join(lines)


def render_initiative_status(status: InitiativeStatus, service: ProgressService) -> str:
    initiative = status.initiative
    reform = service.reforms().get(initiative.reform)
    symbol = reform.symbol if reform else str(initiative.reform)
    lines = [f"*{initiative.id} {initiative.name}*（{symbol} {initiative.theme}）"]
    if not initiative.active:
        lines.append("※ 現行の計画にはない取組みです（過去の報告を表示しています）。")
    if initiative.departments:
        lines.append(f"所管: {'、'.join(initiative.departments)}")
    latest = status.latest
    if latest is None:
        lines.append(
            f"まだ報告がありません。報告は `/dx 報告 {initiative.id} <状況> [<n>%] [メモ]`（状況: {STATUS_HELP}）"
        )
        return "\n".join(lines)
    lines.append(
        f"最新の状況: {_status_text(latest)}（{latest.department}・{latest.reporter_name}、"
        f"{local_time(latest.reported_at, service.tz)}）"
    )
    kpi = _kpi_text(latest, initiative.kpis)
    if kpi:
        lines.append(f"KPI: {kpi}")
    if latest.note:
        lines.append(f"メモ: {latest.note}")
    if len(status.by_department) > 1:
        lines.append("課ごとの最新:")
        lines += [
            f"• {r.department}: {_status_text(r)}（{local_time(r.reported_at, service.tz)}、{r.reporter_name}）"
            for r in status.by_department
        ]
    lines.append(f"報告 {status.report_count}件。履歴は `/dx 履歴 {initiative.id}`")
    return "\n".join(lines)


def render_department_status(status: DepartmentStatus, service: ProgressService) -> str:
    name = status.department.name
    if not status.rows:
        return f"{name}からの報告はまだありません。報告は `{REPORT_USAGE}`"
    lines = [f"*{name}の取組み状況*（{len(status.rows)}件）"]
    for initiative, report in status.rows:
        if report is None:
            lines.append(f"• {initiative.id} {initiative.name}: 未報告")
        else:
            lines.append(
                f"• {initiative.id} {initiative.name}: {_status_text(report)}"
                f"（{local_time(report.reported_at, service.tz)}、{report.reporter_name}）"
            )
    return "\n".join(lines)


def render_history(history: InitiativeHistory, service: ProgressService) -> str:
    initiative = history.initiative
    if not history.reports:
        return (
            f"*{initiative.id} {initiative.name}* の報告はまだありません。"
            f"報告は `/dx 報告 {initiative.id} <状況> [<n>%] [メモ]`"
        )
    newest_first = list(reversed(history.reports))
    shown = newest_first[:HISTORY_LINES]
    lines = [f"*{initiative.id} {initiative.name} の報告履歴*（{len(newest_first)}件、新しい順）"]
    for report in shown:
        note = f" — {report.note}" if report.note else ""
        line = (
            f"{local_time(report.reported_at, service.tz)} {report.department} {report.reporter_name}: "
            f"{_status_text(report)}{note}"
        )
        if report.withdrawn_at is not None:
            line = f"~{line}~（取消 {local_time(report.withdrawn_at, service.tz)}）"
        lines.append(f"• {line}")
    if len(newest_first) > len(shown):
        lines.append(
            f"古い {len(newest_first) - len(shown)}件は省略しました。全件は事務局が `dxbot export` で出力できます。"
        )
    return "\n".join(lines)


def render_undo(outcome: UndoOutcome, service: ProgressService) -> str:
    report = outcome.withdrawn
    lines = [
        f"取り消しました: {report.initiative_id} {report.initiative_name} {_status_text(report)}"
        f"（{local_time(report.reported_at, service.tz)} の報告、報告ID {report.id}）。"
        "履歴には「取消」として残ります。"
    ]
    current = outcome.current
    if current is None:
        lines.append("この取組みの報告は、ほかにありません。")
    else:
        lines.append(
            f"現在の状況: {_status_text(current)}（{current.department}・{current.reporter_name}、"
            f"{local_time(current.reported_at, service.tz)}）"
        )
    return "\n".join(lines)


def render_list(service: ProgressService) -> str:
    initiatives = service.list_initiatives()
    if not initiatives:
        return "取組みが登録されていません（知識ベースに取組みがありません）。"
    plan = service.kb.plan
    title = f"{plan.title} {plan.version}、" if plan else ""
    lines = [f"*取組み一覧*（{title}{len(initiatives)}件）"]
    for no, reform in service.reforms().items():
        members = [i for i in initiatives if i.reform == no]
        if not members:
            continue
        lines.append(f"*{reform.symbol} {reform.name}*")
        lines += [f"  {i.id} {i.name}" for i in members]
    lines.append(f"報告は ID か名前で: `{REPORT_USAGE}`（例: `/dx 報告 1-02 実施中 60%`）")
    return "\n".join(lines)


def render_registration(registration: Registration) -> str:
    staff = registration.staff
    who = f"{staff.name}（{staff.user_id}）— {staff.department}・{staff.role.label}"
    previous = registration.previous
    if previous is None:
        text = f"登録しました: {who}"
    elif (previous.name, previous.department, previous.role) == (staff.name, staff.department, staff.role):
        text = f"すでに同じ内容で登録されています: {who}"
    else:
        text = f"登録を更新しました: {who}（変更前: {previous.department}・{previous.role.label}）"
    if registration.department_created:
        text += f"\n新しい課「{staff.department}」を作成しました。"
    return text


# ---------------------------------------------------------------- commands


def register(router: CommandRouter, services: Services) -> None:
    def progress() -> ProgressService:
        if services.progress is None:  # pragma: no cover - create_app always builds it
            raise RuntimeError("progress service not configured")
        return services.progress

    def report(ctx: ChatContext, args: str) -> Reply:
        service = progress()
        if not args.strip():
            service.reporter(ctx.user_id)  # an unregistered user learns that first, not after filling a form
            return OpenReportForm(report_form_hint())
        outcome = service.report_text(ctx.user_id, args, request_id=ctx.request_id, source=ctx.platform)
        return Text(render_report(outcome, service))

    def status(ctx: ChatContext, args: str) -> Reply:
        service = progress()
        result = service.status(args)
        if isinstance(result, Overview):
            return Text(render_overview(result, service))
        if isinstance(result, DepartmentStatus):
            return Text(render_department_status(result, service))
        return Text(render_initiative_status(result, service))

    def history(ctx: ChatContext, args: str) -> Reply:
        service = progress()
        return Text(render_history(service.history(args), service))

    def undo(ctx: ChatContext, _args: str) -> Reply:
        service = progress()
        return Text(render_undo(service.undo(ctx.user_id, request_id=ctx.request_id), service))

    def list_initiatives(ctx: ChatContext, _args: str) -> Reply:
        return Text(render_list(progress()))

    def register_staff(ctx: ChatContext, args: str) -> Reply:
        return Text(render_registration(progress().register(ctx.user_id, args)))

    router.add(
        "報告",
        ["report"],
        REPORT_USAGE,
        f"取組みの進捗を報告（状況: {STATUS_HELP}）。管理者がほかの課の分を報告するときは末尾に `課:<課名>`。"
        "`/dx 報告` だけで書き方を表示",
        report,
    )
    router.add("状況", ["status"], STATUS_USAGE, "最新の状況（引数なしで改革①②③ごとの集計）", status)
    router.add("履歴", ["history"], HISTORY_USAGE, "取組みの報告履歴", history)
    router.add("取消", ["undo", "取り消し", "取消し"], "/dx 取消", "自分の最新の報告を取り消す（記録は残ります）", undo)
    router.add("一覧", ["list"], "/dx 一覧", "取組みと ID の一覧（改革ごと）", list_initiatives)
    router.add(
        "登録",
        ["register"],
        REGISTER_USAGE,
        f"職員を登録（管理者のみ。役割: {ROLE_HELP}）",
        register_staff,
    )
