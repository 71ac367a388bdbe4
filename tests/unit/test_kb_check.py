"""`dxbot kb check`: problems as file:line: message, exit 1; the bundled knowledge base is clean."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.cli import main
from knowledge.check import check_kb

GOOD_ENTRY = """\
  - id: {id}
    question: {question}
    alternates: [{alt}の1, {alt}の2, {alt}の3]
    answer: {question}の答えです。
    source: 5. 推進体制
    tags: [テスト]
"""


def write_kb(tmp_path: Path, faq: str) -> Path:
    (tmp_path / "faq").mkdir()
    (tmp_path / "plan.yaml").write_text("plan: {title: テスト計画, version: 第1版}\n", encoding="utf-8")
    (tmp_path / "faq" / "a.yaml").write_text(faq, encoding="utf-8")
    return tmp_path


def problems_of(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, list[str]]:
    code = main(["kb", "check", str(path)])
    out = capsys.readouterr().out.strip().splitlines()
    return code, out


def test_bundled_knowledge_base_is_clean() -> None:
    problems, summary = check_kb(None)
    assert problems == []
    assert summary.startswith("問題はありません（項目 ")


def test_bundled_knowledge_base_meets_the_curation_bar(bundled_kb) -> None:  # type: ignore[no-untyped-def]
    assert len(bundled_kb.entries) >= 150
    assert all(len(e.alternates) >= 3 and e.source and e.tags for e in bundled_kb.entries)
    assert len(bundled_kb.initiatives) == 28
    assert {i.reform for i in bundled_kb.initiatives} == {1, 2, 3}
    assert len(bundled_kb.synonyms) >= 20
    assert bundled_kb.plan is not None and bundled_kb.plan.version == "第1.5版"


def test_yaml_error_is_reported_with_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kb = write_kb(tmp_path, "entries:\n  - id: a\n    question: [unclosed\n")
    code, out = problems_of(capsys, kb)
    assert code == 1
    assert len(out) == 1
    assert re.fullmatch(r"faq/a\.yaml:3: YAML の書き方が正しくありません（\d+ 文字目付近）。.+", out[0])


def test_missing_unknown_and_duplicate_fields(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    faq = "entries:\n" + GOOD_ENTRY.format(id="a", question="推進本部は何人ですか", alt="本部")
    faq += GOOD_ENTRY.format(id="a", question="監事会の会長は誰ですか", alt="会長")  # duplicate id, line 8
    faq += "  - id: c\n    question: WGはいくつ\n    colour: red\n"  # unknown field, missing answer
    kb = write_kb(tmp_path, faq)
    code, out = problems_of(capsys, kb)
    assert code == 1
    assert "faq/a.yaml:8: id「a」が重複しています（最初は 2 行目）。どちらかの id を変えてください" in out
    assert "faq/a.yaml:16: 「colour」は使えない項目名です（使えるのは id, question, alternates, answer, source, tags, plan_version, added, related）" in out
    assert "faq/a.yaml:14: 項目に「answer:」がありません" in out


def test_too_few_alternates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    faq = "entries:\n  - {id: a, question: 推進本部は何人, answer: 47人, alternates: [本部 人数], source: s, tags: [t]}\n"
    code, out = problems_of(capsys, write_kb(tmp_path, faq))
    assert code == 1
    assert out == ["faq/a.yaml:2: 項目「a」の言い換え（alternates）が 1 個です。3 個以上にしてください"]


def test_entries_the_engine_cannot_tell_apart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    faq = "entries:\n"
    faq += GOOD_ENTRY.format(id="a", question="DX推進リーダーは何人ですか", alt="DXリーダー人数")
    faq += GOOD_ENTRY.format(id="b", question="DX推進リーダーは何人ですか？", alt="DXリーダーの人数")
    faq += GOOD_ENTRY.format(id="c", question="監事会の会長は誰ですか", alt="会長")
    code, out = problems_of(capsys, write_kb(tmp_path, faq))
    assert code == 1
    assert len(out) == 1
    assert re.fullmatch(r"faq/a\.yaml:\d+: 項目「[ab]」は「[ab]」（faq/a\.yaml:\d+）と区別できません。.+", out[0])


def test_clean_kb_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    faq = "entries:\n" + GOOD_ENTRY.format(id="a", question="推進本部は何人ですか", alt="本部")
    faq += GOOD_ENTRY.format(id="b", question="監事会の会長は誰ですか", alt="会長")
    code, out = problems_of(capsys, write_kb(tmp_path, faq))
    assert (code, out) == (0, [])


def test_csv_header_is_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "faq.csv"
    path.write_text("番号,質問\n1,a\n", encoding="utf-8")
    code, out = problems_of(capsys, path)
    assert code == 1
    assert out == [f"{path}:1: 見出し行に「回答（answer）」の列がありません。1行目を「id,question,answer」か「番号,質問,回答」にしてください"]


def test_a_relative_knowledge_base_path(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    faq = "entries:\n" + GOOD_ENTRY.format(id="a", question="推進本部は何人ですか", alt="本部")
    faq += GOOD_ENTRY.format(id="a", question="監事会の会長は誰ですか", alt="会長")
    (tmp_path / "kb").mkdir()
    write_kb(tmp_path / "kb", faq)
    monkeypatch.chdir(tmp_path)
    code, out = problems_of(capsys, Path("kb"))
    assert (code, out) == (1, ["faq/a.yaml:8: id「a」が重複しています（最初は 2 行目）。どちらかの id を変えてください"])


def test_without_a_path_the_configured_knowledge_base_is_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    faq = "entries:\n" + GOOD_ENTRY.format(id="a", question="推進本部は何人ですか", alt="本部")
    faq += GOOD_ENTRY.format(id="a", question="監事会の会長は誰ですか", alt="会長")
    monkeypatch.setenv("DXBOT_KB_PATH", str(write_kb(tmp_path, faq)))
    code = main(["kb", "check"])
    out = capsys.readouterr().out.strip().splitlines()
    assert (code, out) == (1, ["faq/a.yaml:8: id「a」が重複しています（最初は 2 行目）。どちらかの id を変えてください"])
