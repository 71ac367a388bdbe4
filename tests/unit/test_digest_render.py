"""bot/slack/digest.py render_digest: Slack's limits on every message, escaping, continuation order; render_text for preview."""

from __future__ import annotations

import re

from bot.slack.blocks import MESSAGE_BLOCK_LIMIT, SECTION_LIMIT
from bot.slack.digest import HEADER_LIMIT, MESSAGE_TEXT_LIMIT, block_text_length, render_digest
from bot.slack.mrkdwn import split_text
from bot.slack.render import command_text
from jobs.digest import Digest, build_digest
from jobs.digest_layout import render_text
from jobs.weeks import IsoWeek
from storage.progress import ReportStatus
from tests.digest_fixtures import TOKYO, DigestDb, jst

W48 = IsoWeek(2026, 48)
LONG_NOTE = "来庁者アンケートを実施し、窓口での記入負担について意見を集めた。" * 40  # ~1,000 characters


def busy_week(db: DigestDb) -> Digest:
    """All 28 initiatives reported twice in the week, each with a long note."""
    for n, initiative in enumerate(db.repos.initiatives.all()):
        for k, status in enumerate((ReportStatus.PREPARING, ReportStatus.IN_PROGRESS)):
            db.report("ULEAD1", initiative.id, status, jst(2026, 11, 24, 9, n, k), percent=30 + k * 30, note=f"{n}-{k} {LONG_NOTE}")
    return build_digest(db.repos, W48, jst(2026, 11, 30, 9), TOKYO)


def check_limits(messages) -> None:  # type: ignore[no-untyped-def]
    for message in messages:
        assert 0 < len(message.blocks) <= MESSAGE_BLOCK_LIMIT
        assert message.block_text_length <= MESSAGE_TEXT_LIMIT
        for block in message.blocks:
            if block["type"] == "section":
                assert 0 < len(block["text"]["text"]) <= SECTION_LIMIT
            if block["type"] == "header":
                assert len(block["text"]["text"]) <= HEADER_LIMIT
            if block["type"] == "context":
                assert block_text_length(block) <= 2000


def test_a_busy_week_is_split_within_the_limits(db: DigestDb) -> None:
    digest = busy_week(db)
    messages = render_digest(digest)
    assert len(messages) > 1
    check_limits(messages)
    everything = "\n".join(b["text"]["text"] for m in messages for b in m.blocks if b["type"] == "section")
    for n in range(28):  # every report made it into some message, in order
        assert f"{n}-0 " in everything and f"{n}-1 " in everything
    positions = [everything.index(f"{n}-1 ") for n in range(28)]
    assert positions == sorted(positions)
    assert "続きはこのスレッドに" in str(messages[0].blocks[-1])
    assert all(f"（続き {i}/{len(messages)}）" in m.text for i, m in enumerate(messages[1:], 2))


def test_user_text_is_escaped(db: DigestDb) -> None:
    db.report("ULEAD1", "1-02", ReportStatus.IN_PROGRESS, jst(2026, 11, 24, 10), note="<!channel> 見てください <@U999> & <https://evil|click>")
    db.ask("<!here> 予算は？", "no_answer", jst(2026, 11, 24, 11))
    messages = render_digest(build_digest(db.repos, W48, jst(2026, 11, 30, 9), TOKYO))
    raw = repr([m.blocks for m in messages]) + repr([m.text for m in messages])
    assert "<!channel>" not in raw and "<!here>" not in raw and "<@U999>" not in raw and "<https" not in raw
    assert "&lt;!channel&gt; 見てください &lt;@U999&gt; &amp; &lt;https://evil|click&gt;" in raw
    assert "&lt;!here&gt; 予算は？" in raw
    assert not re.search(r"<[^>]*>", raw.replace("<取組み>", ""))  # no Slack markup at all


def test_preview_text_is_not_escaped(db: DigestDb) -> None:
    db.report("ULEAD1", "1-02", ReportStatus.IN_PROGRESS, jst(2026, 11, 24, 10), note="A & B <!channel>")
    text = render_text(build_digest(db.repos, W48, jst(2026, 11, 30, 9), TOKYO), command_text)
    assert "DX推進 週次ダイジェスト 2026-W48（11/23〜11/29）" in text
    assert "メモ: A & B <!channel>" in text
    assert "/dx 状況" in text


def test_an_empty_week_is_one_message(db: DigestDb) -> None:
    messages = render_digest(build_digest(db.repos, W48, jst(2026, 11, 30, 9), TOKYO))
    assert len(messages) == 1
    check_limits(messages)
    assert messages[0].blocks[0]["type"] == "header"
    assert "今週の報告はありません" in str(messages[0].blocks)


def test_split_never_cuts_an_entity() -> None:
    line = "x" * 2998 + "&lt;!channel&gt;" + "y" * 10
    chunks = split_text(line, 3000)
    assert all(len(c) <= 3000 for c in chunks)
    assert "".join(chunks) == line
    assert chunks[1].startswith("&lt;")
