"""What the digest says, as platform-neutral blocks (bot/replies.py); each chat platform's notifier renders them.

The content is the jobs' own: which sections, in which order, what each line says. How it looks is the
platform's (bot/slack/digest.py: Block Kit within Slack's limits; bot/teams/digest.py: markdown within
Teams' ~28 KB). Everything a person wrote or registered (notes, names, departments, questions) is
`UserText`, which every renderer makes inert, so a note holding `<!channel>` or `<at>…</at>` pings nobody.
Commands are `Command(words)` without a prefix: `/dx 状況` in Slack, `@dxbot 状況` in a Teams channel.
`render_text` is the plain text of `dxbot digest preview`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.replies import (
    Block,
    Code,
    Command,
    Paragraph,
    Part,
    Strong,
    UserText,
    bullets,
    para,
    plain_blocks,
    truncate,
)
from curation.review import REVIEW_COMMAND
from jobs.digest import Digest, FaqFigures, ReformDigest, ReportLine
from storage.progress import format_number, status_label

NOTE_LIMIT = 300  # a note longer than this is cut; `履歴` has it whole
QUESTION_LIMIT = 200
STALE_LIST_LIMIT = 40

Section = tuple[Block, ...]


def one_line(text: str) -> str:
    return " ".join(text.split())


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _local_day(value: datetime, tz: str) -> str:
    return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d")


def title(digest: Digest) -> str:
    return (
        f"DX推進 週次ダイジェスト {digest.week.key}"
        f"（{digest.start.month}/{digest.start.day}〜{digest.end.month}/{digest.end.day}）"
    )


def chart_title(digest: Digest) -> str:
    return f"{title(digest)} 状況グラフ"


def _summary(digest: Digest) -> Section:
    changes = sum(1 for r in digest.reforms for line in r.reports if line.before != line.after)
    return (
        para(
            Strong("報告"), f" {digest.report_count}件（状況の変化 {changes}件）　",
            Strong("4週間報告なし"), f" {len(digest.stale)}件　",
            Strong(digest.month + "に未報告の課"), f" {len(digest.silent_departments)}課",
        ),
        para(Strong("職員からの質問"), f" {digest.faq.asked}件・回答できた割合 {_percent(digest.faq.answered_share)}"),
    )  # fmt: skip


def _report_lines(line: ReportLine, digest: Digest) -> list[Block]:
    before, after = status_label(line.before), status_label(line.after)
    change: list[Part] = [f"{before} → ", Strong(after)] if line.before != line.after else [f"{after}（変化なし）"]
    percent = f" {line.percent}%" if line.percent is not None else ""
    head: list[Part] = [
        Strong(f"{line.initiative_id} {one_line(line.initiative_name)}"), " ", *change, f"{percent}（",
        UserText(line.department), "・", UserText(line.reporter_name), f"、{_local_day(line.reported_at, digest.tz)}）",
    ]  # fmt: skip
    out: list[Block] = [bullets([head])]
    note = one_line(line.note)
    if note:
        out.append(para("　メモ: ", UserText(truncate(note, NOTE_LIMIT))))
    return out


def _reform(reform: ReformDigest, digest: Digest) -> Section:
    out: list[Block] = [para(Strong(reform.title), f"（報告 {len(reform.reports)}件）")]
    if not reform.reports:
        out.append(para("今週の報告はありません。"))
    for line in reform.reports:
        out += _report_lines(line, digest)
    return tuple(out)


def _stale(digest: Digest) -> Section:
    out: list[Block] = [para(Strong("4週間以上報告のない取組み"), f"（{len(digest.stale)}件）")]
    if not digest.stale:
        out.append(para("ありません。"))
    items: list[list[Part]] = []
    for item in digest.stale[:STALE_LIST_LIMIT]:
        last = f"最終報告 {_local_day(item.last_reported_at, digest.tz)}" if item.last_reported_at else "報告なし"
        owners: list[Part] = ["（", UserText("・".join(item.departments)), "）"] if item.departments else []
        items.append([f"{item.id} {one_line(item.name)} — {last}", *owners])
    if items:
        out.append(bullets(items))
    if len(digest.stale) > STALE_LIST_LIMIT:
        out.append(para(f"ほか {len(digest.stale) - STALE_LIST_LIMIT}件（", Command(digest.status_pointer), " で確認できます）"))
    return tuple(out)


def _silent(digest: Digest) -> Section:
    head = para(Strong(digest.month + "にまだ報告のない課"), f"（{len(digest.silent_departments)}課）")
    body = para(UserText("、".join(digest.silent_departments))) if digest.silent_departments else para("ありません。")
    return (head, body)


def _kpis(digest: Digest) -> Section:
    out: list[Block] = [para(Strong("KPI の進み具合（2026年度末の目標に対して）"))]
    if not digest.kpis:
        out.append(para("KPI が定義された取組みはまだありません。"))
    items: list[list[Part]] = []
    for kpi in digest.kpis:
        name = f"{kpi.initiative_id} {one_line(kpi.initiative_name)}: {one_line(kpi.name)}"
        target = f"{format_number(kpi.target)}{kpi.unit}"
        if kpi.value is None:
            items.append([f"{name} — 目標 {target}、実績の報告なし"])
        else:
            items.append([f"{name} — {format_number(kpi.value)}{kpi.unit} / 目標 {target}（{_percent(kpi.ratio)}）"])
    if items:
        out.append(bullets(items))
    return tuple(out)


def _faq(faq: FaqFigures) -> Section:
    out: list[Block] = [
        para(Strong("職員からの質問（知識ベース担当の方へ）")),
        para(
            f"質問 {faq.asked}件、回答できた割合 {_percent(faq.answered_share)}"
            f"（回答 {faq.answered}件・候補提示 {faq.ambiguous}件・回答なし {faq.unanswered}件）"
        ),
    ]
    if faq.top_unanswered:
        out.append(para("回答できなかった質問（多い順）:"))
        out.append(bullets([["「", UserText(truncate(one_line(q), QUESTION_LIMIT)), f"」×{n}"] for q, n in faq.top_unanswered]))
    if faq.awaiting_review:
        out.append(
            para(
                f"知識ベースの対応待ち: 質問 {faq.awaiting_review}件（のべ {faq.awaiting_review_asked}回）。",
                Code(REVIEW_COMMAND), " で一覧の Excel を作り、対応を書いて ", Code("dxbot kb apply <ファイル>"), " で反映できます。",
            )  # fmt: skip
        )
    elif faq.awaiting_review == 0:
        out.append(para("知識ベースの対応待ちの質問はありません。"))
    return tuple(out)


def digest_sections(digest: Digest) -> list[Section]:
    """The digest's sections in order (summary, each reform, stale, silent departments, KPIs, questions)."""
    return [
        _summary(digest),
        *(_reform(r, digest) for r in digest.reforms),
        _stale(digest),
        _silent(digest),
        _kpis(digest),
        _faq(digest.faq),
    ]


def digest_footer(digest: Digest) -> Paragraph:
    """Where to read more: the status and history commands, and the plan's title and version."""
    plan = f"｜{digest.plan}" if digest.plan else ""
    return para(
        "全体の状況は ", Command(digest.status_pointer), "、取組みごとの経過は ",
        Command(digest.history_pointer + " <取組み>"), f" で見られます。{plan}",
    )  # fmt: skip


def report_count_summary(digest: Digest) -> str:
    """A one-line summary for a notification: 「報告 3件・4週間報告なし 20件」."""
    return f"報告 {digest.report_count}件・4週間報告なし {len(digest.stale)}件"


def _words(words: str) -> str:
    return words


def render_text(digest: Digest, command: Callable[[str], str] = _words) -> str:
    """The digest for a terminal (`dxbot digest preview`): the same content as plain text, nothing escaped.

    `command` writes a chat command the way the digest channel's platform does (bot/cli.py passes it)."""
    parts = [title(digest), "=" * 40, *(plain_blocks(s, command) for s in digest_sections(digest))]
    parts.append(plain_blocks((digest_footer(digest),), command))
    return "\n\n".join(parts) + "\n"

