"""The digest as chat messages (Block Kit layout) and as plain text for `dxbot digest preview`.

Block Kit is a JSON layout, not the Slack SDK: the port (`jobs.notify.Notifier`) takes blocks, so the
limits that shape the digest are applied here, where the content is known, and tested without Slack.
Limits on every message: at most 50 blocks, 3,000 characters per section, 150 per header, and 12,000
characters of block text in all. What does not fit goes into further messages, posted in the thread of
the first. Every user-written string (notes, names, questions) is escaped, so `<!channel>` stays text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from curation.review import REVIEW_COMMAND
from jobs.digest import Digest, FaqFigures, ReformDigest, ReportLine
from jobs.mrkdwn import escape, split_text, truncate
from storage.progress import format_number, status_label

Block = dict[str, Any]

HEADER_LIMIT = 150
SECTION_LIMIT = 3000
CONTEXT_LIMIT = 2000
MESSAGE_BLOCK_LIMIT = 50
MESSAGE_TEXT_LIMIT = 12000
NOTE_LIMIT = 300  # a note longer than this is cut; `/dx 履歴` has it whole
STALE_LIST_LIMIT = 40
_MARKER_RESERVE = 120  # room kept in each message for the "続きはスレッド" / "（続き 2/3）" line


@dataclass(frozen=True)
class OutgoingMessage:
    text: str  # notification / fallback text, escaped like the blocks
    blocks: tuple[Block, ...]

    @property
    def block_text_length(self) -> int:
        return sum(block_text_length(b) for b in self.blocks)


def one_line(text: str) -> str:
    return " ".join(text.split())


def block_text_length(block: Block) -> int:
    if block.get("type") in ("section", "header"):
        return len(block["text"]["text"])
    if block.get("type") == "context":
        return sum(len(e.get("text", "")) for e in block.get("elements", []))
    return 0


# ---------------------------------------------------------------- content, shared by both renderings


@dataclass(frozen=True)
class _Style:
    esc: Callable[[str], str]
    bold: Callable[[str], str]
    code: Callable[[str], str]


_SLACK = _Style(esc=escape, bold=lambda s: f"*{s}*", code=lambda s: f"`{s}`")
_PLAIN = _Style(esc=lambda s: s, bold=lambda s: s, code=lambda s: s)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _local_day(value: datetime, tz: str) -> str:
    return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d")


def title(digest: Digest) -> str:
    return (
        f"DX推進 週次ダイジェスト {digest.week.key}"
        f"（{digest.start.month}/{digest.start.day}〜{digest.end.month}/{digest.end.day}）"
    )


def _summary(digest: Digest, s: _Style) -> str:
    changes = sum(1 for r in digest.reforms for line in r.reports if line.before != line.after)
    return "\n".join(
        [
            f"{s.bold('報告')} {digest.report_count}件（状況の変化 {changes}件）　"
            f"{s.bold('4週間報告なし')} {len(digest.stale)}件　"
            f"{s.bold(digest.month + 'に未報告の課')} {len(digest.silent_departments)}課",
            f"{s.bold('職員からの質問')} {digest.faq.asked}件・回答できた割合 {_percent(digest.faq.answered_share)}",
        ]
    )


def _report_line(line: ReportLine, digest: Digest, s: _Style) -> str:
    before = status_label(line.before)
    after = status_label(line.after)
    change = f"{before} → {s.bold(after)}" if line.before != line.after else f"{after}（変化なし）"
    percent = f" {line.percent}%" if line.percent is not None else ""
    head = (
        f"• {s.bold(s.esc(f'{line.initiative_id} {one_line(line.initiative_name)}'))} "
        f"{change}{percent}（{s.esc(one_line(line.department))}・{s.esc(one_line(line.reporter_name))}、"
        f"{_local_day(line.reported_at, digest.tz)}）"
    )
    note = one_line(line.note)
    if not note:
        return head
    return f"{head}\n　メモ: {s.esc(truncate(note, NOTE_LIMIT))}"


def _reform_text(reform: ReformDigest, digest: Digest, s: _Style) -> str:
    lines = [f"{s.bold(s.esc(reform.title))}（報告 {len(reform.reports)}件）"]
    if not reform.reports:
        lines.append("今週の報告はありません。")
    lines += [_report_line(line, digest, s) for line in reform.reports]
    return "\n".join(lines)


def _stale_text(digest: Digest, s: _Style) -> str:
    lines = [f"{s.bold('4週間以上報告のない取組み')}（{len(digest.stale)}件）"]
    if not digest.stale:
        lines.append("ありません。")
    for item in digest.stale[:STALE_LIST_LIMIT]:
        last = f"最終報告 {_local_day(item.last_reported_at, digest.tz)}" if item.last_reported_at else "報告なし"
        owners = f"（{s.esc('・'.join(item.departments))}）" if item.departments else ""
        lines.append(f"• {s.esc(f'{item.id} {one_line(item.name)}')} — {last}{owners}")
    if len(digest.stale) > STALE_LIST_LIMIT:
        lines.append(f"ほか {len(digest.stale) - STALE_LIST_LIMIT}件（{s.code(digest.status_pointer)} で確認できます）")
    return "\n".join(lines)


def _silent_text(digest: Digest, s: _Style) -> str:
    head = f"{s.bold(digest.month + 'にまだ報告のない課')}（{len(digest.silent_departments)}課）"
    body = s.esc("、".join(digest.silent_departments)) if digest.silent_departments else "ありません。"
    return f"{head}\n{body}"


def _kpi_text(digest: Digest, s: _Style) -> str:
    lines = [s.bold("KPI の進み具合（2026年度末の目標に対して）")]
    if not digest.kpis:
        lines.append("KPI が定義された取組みはまだありません。")
    for kpi in digest.kpis:
        name = s.esc(f"{kpi.initiative_id} {one_line(kpi.initiative_name)}: {one_line(kpi.name)}")
        unit = s.esc(kpi.unit)
        if kpi.value is None:
            lines.append(f"• {name} — 目標 {format_number(kpi.target)}{unit}、実績の報告なし")
        else:
            lines.append(
                f"• {name} — {format_number(kpi.value)}{unit} / 目標 {format_number(kpi.target)}{unit}（{_percent(kpi.ratio)}）"
            )
    return "\n".join(lines)


def _faq_text(faq: FaqFigures, s: _Style) -> str:
    lines = [
        s.bold("職員からの質問（知識ベース担当の方へ）"),
        f"質問 {faq.asked}件、回答できた割合 {_percent(faq.answered_share)}"
        f"（回答 {faq.answered}件・候補提示 {faq.ambiguous}件・回答なし {faq.unanswered}件）",
    ]
    if faq.top_unanswered:
        lines.append("回答できなかった質問（多い順）:")
        lines += [f"• 「{s.esc(truncate(one_line(q), 200))}」×{n}" for q, n in faq.top_unanswered]
    if faq.awaiting_review:
        lines.append(
            f"知識ベースの対応待ち: 質問 {faq.awaiting_review}件（のべ {faq.awaiting_review_asked}回）。"
            f"{s.code(REVIEW_COMMAND)} で一覧の Excel を作り、対応を書いて {s.code(s.esc('dxbot kb apply <ファイル>'))} で反映できます。"
        )
    elif faq.awaiting_review == 0:
        lines.append("知識ベースの対応待ちの質問はありません。")
    return "\n".join(lines)


def _pointer_text(digest: Digest, s: _Style) -> str:
    plan = f"｜{s.esc(digest.plan)}" if digest.plan else ""
    return (
        f"全体の状況は {s.code(digest.status_pointer)}、取組みごとの経過は "
        f"{s.code(s.esc(digest.history_pointer + ' <取組み>'))}"
        f" で見られます。{plan}"
    )


def _sections(digest: Digest, s: _Style) -> list[str]:
    return [
        _summary(digest, s),
        *(_reform_text(r, digest, s) for r in digest.reforms),
        _stale_text(digest, s),
        _silent_text(digest, s),
        _kpi_text(digest, s),
        _faq_text(digest.faq, s),
    ]


def digest_sections(
    digest: Digest, *, esc: Callable[[str], str], bold: Callable[[str], str], code: Callable[[str], str]
) -> list[str]:
    """The digest's sections and closing pointer in another platform's markup (Teams markdown): `esc` makes
    data inert, `bold` and `code` write emphasis and literals. Seam until the neutral notifier (§7) lands."""
    style = _Style(esc=esc, bold=bold, code=code)
    return [*_sections(digest, style), _pointer_text(digest, style)]


# ---------------------------------------------------------------- plain text


def render_text(digest: Digest) -> str:
    """The digest for a terminal (`dxbot digest preview`): the same content, unescaped."""
    parts = [title(digest), "=" * 40, *_sections(digest, _PLAIN), _pointer_text(digest, _PLAIN)]
    return "\n\n".join(parts) + "\n"


# ---------------------------------------------------------------- Block Kit


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text, CONTEXT_LIMIT)}]}


def _content_blocks(digest: Digest) -> list[Block]:
    blocks: list[Block] = [{"type": "header", "text": {"type": "plain_text", "text": truncate(title(digest), HEADER_LIMIT), "emoji": True}}]
    for number, text in enumerate(_sections(digest, _SLACK)):
        if number > 0:
            blocks.append({"type": "divider"})
        blocks += [_section(chunk) for chunk in split_text(text, SECTION_LIMIT)]
    blocks.append(_context(_pointer_text(digest, _SLACK)))
    return blocks


def _pack(blocks: list[Block]) -> list[list[Block]]:
    """Greedy packing into messages, each leaving room for one marker block."""
    messages: list[list[Block]] = [[]]
    size = 0
    for block in blocks:
        length = block_text_length(block)
        current = messages[-1]
        fits = len(current) + 1 < MESSAGE_BLOCK_LIMIT and size + length <= MESSAGE_TEXT_LIMIT - _MARKER_RESERVE
        if current and not fits:
            if current[-1].get("type") == "divider":
                current.pop()
            messages.append([])
            size = 0
            if block.get("type") == "divider":
                continue
        messages[-1].append(block)
        size += length
    return messages


def render_digest(digest: Digest) -> list[OutgoingMessage]:
    """The digest as messages: the first goes to the channel, the rest into its thread, in order."""
    packed = _pack(_content_blocks(digest))
    count = len(packed)
    head = escape(title(digest))
    summary = f"報告 {digest.report_count}件・4週間報告なし {len(digest.stale)}件"
    messages = []
    for number, blocks in enumerate(packed, 1):
        if number == 1:
            if count > 1:
                blocks = [*blocks, _context(f"続きはこのスレッドに {count - 1}件 あります。")]
            messages.append(OutgoingMessage(text=f"{head}: {summary}", blocks=tuple(blocks)))
        else:
            marker = _context(f"{head}（続き {number}/{count}）")
            messages.append(OutgoingMessage(text=f"{head}（続き {number}/{count}）", blocks=(marker, *blocks)))
    return messages
