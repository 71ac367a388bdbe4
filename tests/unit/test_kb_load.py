"""Loading the knowledge base: folded YAML answers read as Japanese, and the plan version is data."""

from __future__ import annotations

from pathlib import Path

from knowledge.kb import load_kb


def test_folded_answer_has_no_space_after_japanese_punctuation(tmp_path: Path) -> None:
    (tmp_path / "faq").mkdir()
    (tmp_path / "plan.yaml").write_text("plan: {title: 計画, version: 第2.0版}\n", encoding="utf-8")
    (tmp_path / "faq" / "a.yaml").write_text(
        "entries:\n  - id: a\n    question: 本部は何人？\n    answer: >-\n      本部は47人です。\n"
        "      市長がトップです（CDO）。\n      English stays spaced.\n",
        encoding="utf-8",
    )
    kb = load_kb(tmp_path)
    assert kb.entries[0].answer == "本部は47人です。市長がトップです（CDO）。English stays spaced."
    # The version shown with every answer comes from plan.yaml: a new revision is a data change.
    assert kb.source_label(kb.entries[0]) is None
    assert kb.plan is not None and kb.plan.version == "第2.0版"


def test_source_label_carries_the_plan_version(bundled_kb) -> None:  # type: ignore[no-untyped-def]
    entry = next(e for e in bundled_kb.entries if e.source == "5. 推進体制")
    assert bundled_kb.source_label(entry) == "5. 推進体制（スマートシティ江津推進構想アクションプラン 第1.5版）"
