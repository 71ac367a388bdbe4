"""`報告 状況 履歴 取消 一覧 登録`: progress reporting commands, rendered as platform-neutral replies."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.commands import CommandRouter
from bot.directory import ROLE_HELP, TEAMS_KEY_PREFIX
from bot.progress.parsing import (
    ADMIN_REPORT_USAGE,
    HISTORY_USAGE,
    REGISTER_USAGE,
    REPORT_EXAMPLE,
    REPORT_USAGE,
    STATUS_USAGE,
)
from bot.progress.service import (
    DepartmentStatus,
    InitiativeHistory,
    InitiativeStatus,
    Overview,
    ProgressService,
    ReportOutcome,
    UndoOutcome,
    local_time,
)
from bot.replies import (
    Block,
    ChatContext,
    Code,
    Command,
    Message,
    OpenReportForm,
    Part,
    Reply,
    Strong,
    Struck,
    UserText,
    blocks,
    bullets,
    heading,
    inlines,
    para,
)
from storage.progress import (
    STATUS_HELP,
    STATUS_LABELS,
    KpiRecord,
    Registration,
    ReportRecord,
    ReportStatus,
    format_number,
    status_text,
)

logger = logging.getLogger(__name__)

HISTORY_LINES = 20


def report_form_hint() -> tuple[Block, ...]:
    """What `報告` alone explains in the console (Slack opens a form instead)."""
    return blocks(
        "進捗を報告するには、次のように書いてください:",
        para(Command(REPORT_USAGE)),
        para("例: ", Command(REPORT_EXAMPLE)),
        bullets(
            [
                ["<取組み>: 名前の一部か ID（例: 書かない窓口、1-02）。一覧は ", Command("一覧")],
                f"<状況>: {STATUS_HELP}",
                "<n>%: 進捗率 0〜100（省略可）",
                "メモ: 自由記述（省略可）",
                ["KPI の実績: ", Code("KPI:<値>"), "（KPI が複数あるときは ", Code("KPI:<KPI名>=<値>"), "）"],
                ["管理者（事務局）がほかの課の分を報告するとき: ", Command(ADMIN_REPORT_USAGE)],
            ]
        ),
        para("送った報告を取り消すときは ", Command("取消"), "。"),
    )


# ---------------------------------------------------------------- rendering


def _status_text(report: ReportRecord) -> str:
    return status_text(report.status, report.percent)


def _kpi_text(report: ReportRecord, kpis: tuple[KpiRecord, ...]) -> str | None:
    if report.kpi_value is None or report.kpi_name is None:
        return None
    unit = report.kpi_unit or ""
    target = next((k.target for k in kpis if k.id == report.kpi_id), None)
    goal = f"（2026年度末目標 {format_number(target)}{unit}）" if target is not None else ""
    return f"{report.kpi_name} {format_number(report.kpi_value)}{unit}{goal}"


def _by(report: ReportRecord, service: ProgressService) -> tuple[Part, ...]:
    """`課・報告者、日時`: who reported, and when."""
    return (
        UserText(report.department), "・", UserText(report.reporter_name), f"、{local_time(report.reported_at, service.tz)}"
    )


def render_report(outcome: ReportOutcome, service: ProgressService) -> tuple[Block, ...]:
    report = outcome.report
    initiative = service.matcher.get(report.initiative_id)
    kpis = initiative.kpis if initiative else ()
    head = (
        f"報告を記録しました（報告ID {report.id}）。"
        if outcome.created
        else f"この報告はすでに記録済みです（報告ID {report.id}）。同じ送信を二重には記録していません。"
    )
    status: list[Part] = [f"状況: {_status_text(report)}"]
    if outcome.previous is not None:
        status += [f"（前回: {_status_text(outcome.previous)}、{local_time(outcome.previous.reported_at, service.tz)}）"]
    items: list[Sequence[Part]] = [[f"取組み: {report.initiative_id} {report.initiative_name}"], status]
    kpi = _kpi_text(report, kpis)
    if kpi:
        items.append([f"KPI: {kpi}"])
    items.append(["課: ", UserText(report.department), "　報告者: ", UserText(report.reporter_name)])
    if report.note:
        items.append(["メモ: ", UserText(report.note)])
    items.append([f"日時: {local_time(report.reported_at, service.tz)}"])
    return blocks(
        head,
        bullets(items),
        para("取り消すときは ", Command("取消"), "、これまでの報告は ", Command(f"履歴 {report.initiative_id}")),
        [para(f"※ {notice}") for notice in outcome.notices],
    )


def render_overview(overview: Overview, service: ProgressService) -> tuple[Block, ...]:
    if overview.total == 0:
        return blocks("報告の対象になる取組みが登録されていません（知識ベースに取組みがありません）。")
    now = local_time(service.clock(), service.tz)
    lines = [para(Strong("取組みの状況"), f"（{now} 現在。{overview.total}件中 {overview.reported}件に報告あり）")]
    order: list[ReportStatus | None] = [*ReportStatus, None]
    for reform in overview.reforms:
        parts = [
            f"{STATUS_LABELS[status] if status is not None else '未報告'} {reform.counts[status]}"
            for status in order
            if reform.counts.get(status)
        ]
        lines.append(para(f"{reform.title}（{reform.total}件）: {'・'.join(parts)}"))
    lines.append(
        para(
            "取組みごとは ", Command("状況 <取組み>"), "、課ごとは ", Command("状況 <課名>"),
            "。取組みと ID の一覧は ", Command("一覧"),
        )
    )
    return tuple(lines)


def render_initiative_status(status: InitiativeStatus, service: ProgressService) -> tuple[Block, ...]:
    initiative = status.initiative
    reform = service.reforms().get(initiative.reform)
    symbol = reform.symbol if reform else str(initiative.reform)
    lines: list[Block] = [para(Strong(f"{initiative.id} {initiative.name}"), f"（{symbol} {initiative.theme}）")]
    if not initiative.active:
        lines.append(para("※ 現行の計画にはない取組みです（過去の報告を表示しています）。"))
    if initiative.departments:
        lines.append(para(f"所管: {'、'.join(initiative.departments)}"))
    latest = status.latest
    if latest is None:
        lines.append(
            para(
                "まだ報告がありません。報告は ", Command(f"報告 {initiative.id} <状況> [<n>%] [メモ]"),
                f"（状況: {STATUS_HELP}）",
            )
        )
        return tuple(lines)
    lines.append(para(f"最新の状況: {_status_text(latest)}（", *_by(latest, service), "）"))
    kpi = _kpi_text(latest, initiative.kpis)
    if kpi:
        lines.append(para(f"KPI: {kpi}"))
    if latest.note:
        lines.append(para("メモ: ", UserText(latest.note)))
    if len(status.by_department) > 1:
        lines.append(para("課ごとの最新:"))
        lines.append(
            bullets(
                [
                    UserText(r.department), f": {_status_text(r)}（{local_time(r.reported_at, service.tz)}、",
                    UserText(r.reporter_name), "）",
                ]
                for r in status.by_department
            )
        )
    lines.append(para(f"報告 {status.report_count}件。履歴は ", Command(f"履歴 {initiative.id}")))
    return tuple(lines)


def render_department_status(status: DepartmentStatus, service: ProgressService) -> tuple[Block, ...]:
    name = status.department.name
    if not status.rows:
        return blocks(para(UserText(name), "からの報告はまだありません。報告は ", Command(REPORT_USAGE)))
    items: list[Sequence[Part]] = []
    for initiative, report in status.rows:
        if report is None:
            items.append([f"{initiative.id} {initiative.name}: 未報告"])
        else:
            items.append(
                [
                    f"{initiative.id} {initiative.name}: {_status_text(report)}"
                    f"（{local_time(report.reported_at, service.tz)}、",
                    UserText(report.reporter_name), "）",
                ]
            )
    # The department's name is a person's words (registered by an admin): inert, in the heading.
    return blocks(heading(UserText(name), f"の取組み状況（{len(status.rows)}件）"), bullets(items))


def render_history(history: InitiativeHistory, service: ProgressService) -> tuple[Block, ...]:
    initiative = history.initiative
    if not history.reports:
        return blocks(
            para(
                Strong(f"{initiative.id} {initiative.name}"), " の報告はまだありません。報告は ",
                Command(f"報告 {initiative.id} <状況> [<n>%] [メモ]"),
            )
        )
    newest_first = list(reversed(history.reports))
    shown = newest_first[:HISTORY_LINES]
    items: list[Sequence[Part]] = []
    for report in shown:
        line = inlines(
            [
                f"{local_time(report.reported_at, service.tz)} ", UserText(report.department), " ",
                UserText(report.reporter_name), f": {_status_text(report)}",
                *((" — ", UserText(report.note)) if report.note else ()),
            ]
        )
        if report.withdrawn_at is not None:
            items.append([Struck(line), f"（取消 {local_time(report.withdrawn_at, service.tz)}）"])
        else:
            items.append(line)
    more: list[Block] = []
    if len(newest_first) > len(shown):
        more.append(
            para(
                f"古い {len(newest_first) - len(shown)}件は省略しました。全件は事務局が ", Code("dxbot export"),
                " で出力できます。",
            )
        )
    return blocks(
        para(Strong(f"{initiative.id} {initiative.name} の報告履歴"), f"（{len(newest_first)}件、新しい順）"),
        bullets(items),
        more,
    )


def render_undo(outcome: UndoOutcome, service: ProgressService) -> tuple[Block, ...]:
    report = outcome.withdrawn
    lines = [
        para(
            f"取り消しました: {report.initiative_id} {report.initiative_name} {_status_text(report)}"
            f"（{local_time(report.reported_at, service.tz)} の報告、報告ID {report.id}）。"
            "履歴には「取消」として残ります。"
        )
    ]
    current = outcome.current
    if current is None:
        lines.append(para("この取組みの報告は、ほかにありません。"))
    else:
        lines.append(para(f"現在の状況: {_status_text(current)}（", *_by(current, service), "）"))
    return tuple(lines)


def render_list(service: ProgressService) -> tuple[Block, ...]:
    initiatives = service.list_initiatives()
    if not initiatives:
        return blocks("取組みが登録されていません（知識ベースに取組みがありません）。")
    plan = service.kb.plan
    title = f"{plan.title} {plan.version}、" if plan else ""
    lines: list[Block] = [para(Strong("取組み一覧"), f"（{title}{len(initiatives)}件）")]
    for no, reform in service.reforms().items():
        members = [i for i in initiatives if i.reform == no]
        if not members:
            continue
        lines.append(para(Strong(reform.title)))
        lines.append(bullets(f"{i.id} {i.name}" for i in members))
    lines.append(para("報告は ID か名前で: ", Command(REPORT_USAGE), "（例: ", Command("報告 1-02 実施中 60%"), "）"))
    return tuple(lines)


def render_registration(registration: Registration) -> tuple[Block, ...]:
    staff = registration.staff
    shown_id = staff.user_id if not staff.user_id.startswith(TEAMS_KEY_PREFIX) else "Teams"
    who: tuple[Part, ...] = (
        UserText(staff.name), f"（{shown_id}）— ", UserText(staff.department), f"・{staff.role.label}"
    )
    previous = registration.previous
    if previous is None:
        head = para("登録しました: ", *who)
    elif (previous.name, previous.department, previous.role) == (staff.name, staff.department, staff.role):
        head = para("すでに同じ内容で登録されています: ", *who)
    else:
        head = para(
            "登録を更新しました: ", *who, "（変更前: ", UserText(previous.department), f"・{previous.role.label}）"
        )
    created = [para("新しい課「", UserText(staff.department), "」を作成しました。")] if registration.department_created else []
    return blocks(head, created)


# ---------------------------------------------------------------- commands


def register(router: CommandRouter, service: ProgressService) -> None:
    def report(ctx: ChatContext, args: str) -> Reply:
        if not args.strip():
            service.reporter(ctx.user)  # an unregistered user learns that first, not after filling a form
            return OpenReportForm(report_form_hint())
        outcome = service.report_text(ctx.user, args, request_id=ctx.request_id, source=ctx.platform)
        return Message(render_report(outcome, service))

    def status(ctx: ChatContext, args: str) -> Reply:
        result = service.status(args)
        if isinstance(result, Overview):
            return Message(render_overview(result, service))
        if isinstance(result, DepartmentStatus):
            return Message(render_department_status(result, service))
        return Message(render_initiative_status(result, service))

    def history(ctx: ChatContext, args: str) -> Reply:
        return Message(render_history(service.history(args), service))

    def undo(ctx: ChatContext, _args: str) -> Reply:
        return Message(render_undo(service.undo(ctx.user, request_id=ctx.request_id), service))

    def list_initiatives(ctx: ChatContext, _args: str) -> Reply:
        return Message(render_list(service))

    def register_staff(ctx: ChatContext, args: str) -> Reply:
        return Message(render_registration(service.register(ctx.user, args, ctx.mentions)))

    router.add(
        "報告",
        ["report"],
        REPORT_USAGE,
        (
            f"取組みの進捗を報告（状況: {STATUS_HELP}）。管理者がほかの課の分を報告するときは末尾に ",
            Code("課:<課名>"),
            "。",
            Command("報告"),
            " だけで書き方を表示",
        ),
        report,
        records=True,
    )
    router.add("状況", ["status"], STATUS_USAGE, "最新の状況（引数なしで改革①②③ごとの集計）", status)
    router.add("履歴", ["history"], HISTORY_USAGE, "取組みの報告履歴", history)
    router.add("取消", ["undo", "取り消し", "取消し"], "取消", "自分の最新の報告を取り消す（記録は残ります）", undo, records=True)
    router.add("一覧", ["list"], "一覧", "取組みと ID の一覧（改革ごと）", list_initiatives)
    router.add(
        "登録",
        ["register"],
        REGISTER_USAGE,
        f"職員を登録（管理者のみ。役割: {ROLE_HELP}）",
        register_staff,
        records=True,
    )
