"""jobs/ speaks no chat platform: it imports neither adapter (only the neutral reply model from bot/), its
strings hold no platform markup, and what it hands the notifier port is neutral blocks whose own words carry
no markup either; each platform's notifier renders them (architecture §7)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from bot.replies import Block, Bullets, Code, Command, Inline, Plain, Strong, UserText
from jobs.delivery import plan_reminders, reminder_message
from jobs.digest import build_digest
from jobs.digest_layout import digest_footer, digest_sections
from jobs.weeks import IsoWeek
from storage.progress import ReportStatus
from tests.digest_fixtures import TOKYO, DigestDb, jst
from tests.unit.test_layering import ROOT, imported_modules, python_files

# Slack mrkdwn / Block Kit, Teams markdown / Adaptive Cards, and either platform's command prefix or mention.
MARKUP = re.compile(r"/dx\b|<[@!#]|\*\*|\*[^*\s\\()[\]{}][^*\\]*\*|`|~~|\]\(http|&lt;|&amp;|<at>|@dxbot")
PLATFORM_WORDS = {"mrkdwn", "plain_text", "section", "header", "divider", "context", "AdaptiveCard", "TextBlock"}


def project_imports(path: Path) -> set[str]:
    return {m for m in imported_modules(path) if m.split(".")[0] in {"bot", "jobs", "storage", "knowledge", "curation"}}


def test_jobs_import_nothing_of_bot_but_the_neutral_reply_model() -> None:
    from_bot = {str(p.relative_to(ROOT)): sorted(m for m in project_imports(p) if m.startswith("bot")) for p in python_files("jobs")}
    assert {k: v for k, v in from_bot.items() if v and v != ["bot.replies"]} == {}
    assert any(v == ["bot.replies"] for v in from_bot.values())  # the scan sees the imports it allows
    # and the reply model is a leaf: importing it brings in no adapter, service or database
    assert project_imports(ROOT / "bot" / "replies.py") == set()


def _string_constants(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef) and node.body
        and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }  # fmt: skip
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_the_scan_finds_markup_in_strings(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('"""A docstring may say `/dx 状況`."""\nX = "*太字*"\nY = {"type": "section"}\nZ = "`code`"\n', encoding="utf-8")
    strings = _string_constants(sample)
    assert [s for s in strings if MARKUP.search(s)] == ["*太字*", "`code`"]
    assert PLATFORM_WORDS & set(strings) == {"section"}


def test_no_platform_markup_in_the_strings_of_jobs() -> None:
    found = {}
    for path in python_files("jobs"):
        strings = _string_constants(path)
        bad = [s for s in strings if MARKUP.search(s)] + sorted(PLATFORM_WORDS & set(strings))
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    assert found == {}


def _pieces(block: Block) -> list[Inline]:
    return [p for item in block.items for p in item] if isinstance(block, Bullets) else list(block.parts)


def _own_words(block: Block) -> list[str]:
    """The texts of our own pieces (Plain, Strong, Code): what a renderer does not make inert."""
    return [p.text for p in _pieces(block) if isinstance(p, Plain | Strong | Code)]


def test_the_digest_and_the_reminder_reach_the_port_as_neutral_blocks(db: DigestDb) -> None:
    db.report("ULEAD1", "1-02", ReportStatus.IN_PROGRESS, jst(2026, 11, 24, 10), note="<!channel> *至急* <at>全員</at>")
    db.report("ULEAD1", "1-03", ReportStatus.PREPARING, jst(2026, 10, 2, 10))
    db.ask("<@U999> 予算は？", "no_answer", jst(2026, 11, 24, 11))
    digest = build_digest(db.repos, IsoWeek(2026, 48), jst(2026, 11, 30, 9), TOKYO)
    (reminder,) = plan_reminders(db.repos, jst(2026, 11, 26, 15))
    content = [b for s in digest_sections(digest) for b in s] + [digest_footer(digest)]
    content += list(reminder_message(reminder, TOKYO).blocks)
    words = [w for block in content for w in _own_words(block)]
    assert any("書かない窓口" in w for w in words)  # the scan sees the digest's lines
    assert [w for w in words if MARKUP.search(w)] == []
    data = [p.text for block in content for p in _pieces(block) if isinstance(p, UserText)]
    assert "<!channel> *至急* <at>全員</at>" in data and "<@U999> 予算は？" in data and "山田 花子" in data
    commands = {p.words for block in content for p in _pieces(block) if isinstance(p, Command)}
    assert commands == {"状況", "履歴 <取組み>", "報告 <取組み> <状況> [<n>%] [メモ]", "報告"}
