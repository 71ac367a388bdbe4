"""The plan's tables (knowledge/tables.py): loaded from the bundled data, checked against the plan's text."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge.kb import BUNDLED_KB, KnowledgeBase, read_kb
from knowledge.tables import squash


def test_bundled_tables_are_loaded_and_clean(bundled_kb: KnowledgeBase) -> None:
    tables = bundled_kb.tables
    assert tables is not None and tables.wg_current and tables.wg_previous and tables.bpr and tables.bodies
    assert [g.number for g in tables.wg_current.groups] == [1, 2, 3]
    assert "高齢者障がい者福祉課" in tables.wg_current.group(1).departments  # type: ignore[union-attr]
    assert tables.bpr.of_year("2023年度").label == "R5年度"  # type: ignore[union-attr]
    assert read_kb(BUNDLED_KB)[1] == []


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    shutil.copytree(BUNDLED_KB, tmp_path / "kb")
    return tmp_path / "kb"


def _problems(directory: Path) -> list[str]:
    return [f"{Path(p.file).name}:{p.line}: {p.message}" for p in read_kb(directory)[1]]


def test_a_value_the_plan_does_not_have_is_reported_with_its_line(kb_copy: Path) -> None:
    path = kb_copy / "tables" / "wg_2025.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("総務課, ", "財政課, "), encoding="utf-8")
    line = next(i for i, row in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "財政課" in row)
    assert f"wg_2025.yaml:{line}: 「財政課」が計画本文（sources/）に見当たりません" in _problems(kb_copy)


def test_broken_yaml_in_a_table_is_reported_with_its_line(kb_copy: Path) -> None:
    path = kb_copy / "tables" / "wg_2025.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(3, "  bad: [unclosed")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = [p for p in _problems(kb_copy) if p.startswith("wg_2025.yaml:")]
    assert len(problems) == 1 and problems[0].endswith(": YAMLの書き方に誤りがあります"), problems
    assert int(problems[0].split(":")[1]) >= 4, problems


def test_a_wrong_reiwa_year_and_an_unknown_field_are_reported(kb_copy: Path) -> None:
    path = kb_copy / "tables" / "bpr.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("label: R5年度", "label: R6年度").replace("fields: [農林水産", "field: [農林水産"), encoding="utf-8")
    problems = _problems(kb_copy)
    assert any("「R6年度」は2023年度ではありません" in p for p in problems), problems
    assert any("不明な項目「field」があります" in p for p in problems), problems
    assert any("項目「fields」がありません" in p for p in problems), problems


def test_a_version_not_in_the_revision_history_is_reported(kb_copy: Path) -> None:
    path = kb_copy / "tables" / "revisions.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("issued: 2024年9月30日", "issued: 2024年9月31日"), encoding="utf-8")
    assert any("「2024年9月31日」が計画本文" in p for p in _problems(kb_copy))


def test_department_names_must_be_departments(kb_copy: Path) -> None:
    path = kb_copy / "tables" / "wg_2025.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("[総務課,", "[総務,"), encoding="utf-8")
    assert any("課名は「〜課」の形で書いてください: 「総務」" in p for p in _problems(kb_copy))


def test_without_the_plan_text_the_tables_load_unchecked(kb_copy: Path) -> None:
    shutil.rmtree(kb_copy / "sources")
    path = kb_copy / "tables" / "wg_2025.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("総務課, ", "財政課, "), encoding="utf-8")
    kb, problems = read_kb(kb_copy)
    assert problems == []
    assert kb.tables is not None and "財政課" in kb.tables.wg_current.group(2).departments  # type: ignore[union-attr]


def test_an_unknown_related_entry_is_reported(kb_copy: Path) -> None:
    from knowledge.check import check_kb

    path = kb_copy / "faq" / "04_schedule.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("related: [sched-kpi-deadline,", "related: [no-such-entry,"), encoding="utf-8")
    problems, _ = check_kb(kb_copy)
    assert any("関連項目（related）「no-such-entry」がありません" in p.message for p in problems)


def test_squash_ignores_width_and_spacing() -> None:
    assert squash("２０２４ 年 ９ 月") == squash("2024年9月")
