"""`dxbot kb apply`: round-trip YAML edits, all-or-nothing refusals as FILE:row: message, idempotence."""

from __future__ import annotations

import difflib
import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot.cli import main
from curation.apply import ApplyRefused, apply_sheet
from curation.review import Reason, ReviewGroup
from curation.sheet import write_review_sheet
from knowledge.kb import BUNDLED_KB, read_kb

TODAY = date(2026, 11, 30)
SMALL_KB = {
    "plan.yaml": "plan: {title: テスト計画, version: 第2版}\n",
    "faq/a.yaml": """\
entries:
  # 推進本部
  - id: hq-size
    question: 推進本部は何人ですか
    alternates: [本部の人数, 本部 何人, 本部員の数]
    answer: 47人です。
    source: 5. 推進体制
    tags: [推進本部]

  - id: audit-chair
    question: 監事会の会長は誰ですか
    alternates:
      - 監事会 会長
      - 監事会のトップ
      - 監事会長はだれ
    answer: 副市長です。
    source: 5. 推進体制
    tags: [監事会]
""",
}


def make_kb(root: Path, files: dict[str, str] = SMALL_KB) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def sheet_with(tmp_path: Path, kb_dir: Path, rows: list[tuple[str, str, str, str]], variants: dict[str, str] | None = None) -> Path:
    """A review sheet as `kb review` writes it, filled in: rows of (質問, 対応, 回答, 出典)."""
    kb, _ = read_kb(kb_dir)
    when = datetime(2026, 11, 20, tzinfo=UTC)
    groups = [
        ReviewGroup(q, tuple((variants or {}).get(q, "").splitlines()), 1, when, ((Reason.NO_ANSWER, None, 1),))
        for q, _, _, _ in rows
    ]
    path = tmp_path / "sheet.xlsx"
    write_review_sheet(groups, kb, path, ZoneInfo("Asia/Tokyo"))
    workbook = load_workbook(path)
    sheet = workbook["要対応の質問"]
    header = [c.value for c in sheet[1]]
    for number, (_, action, answer, source) in enumerate(rows, start=2):
        for column, value in (("対応", action), ("回答", answer), ("出典", source)):
            sheet.cell(number, header.index(column) + 1, value or None)
    workbook.save(path)
    return path


def snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.yaml"))}


@pytest.mark.slow
def test_apply_keeps_comments_order_and_style_of_untouched_entries(tmp_path: Path) -> None:
    kb_dir = tmp_path / "kb"
    shutil.copytree(BUNDLED_KB, kb_dir)
    before = snapshot(kb_dir)
    sheet = sheet_with(
        tmp_path,
        kb_dir,
        [
            ("推進本部の親分って誰", "言い換え:org-hq-top", "", ""),
            ("公用車の予約はどうすればいい", "新規", "庁内ポータルの施設予約から予約します。\n鍵は総務課で受け取ります。", "庁内の運用"),
            ("今日の天気は？", "対象外", "", ""),
        ],
        variants={"公用車の予約はどうすればいい": "公用車 予約 方法"},
    )
    result = apply_sheet(sheet, kb_dir, TODAY)
    assert result.files == ["faq/05_organization.yaml", "faq/90_curated.yaml", "out_of_scope.yaml"]
    after = snapshot(kb_dir)
    assert {k: v for k, v in after.items() if k not in result.files} == {
        k: v for k, v in before.items() if k not in result.files
    }
    diff = [
        line
        for line in difflib.unified_diff(
            before["faq/05_organization.yaml"].splitlines(), after["faq/05_organization.yaml"].splitlines(), lineterm="", n=0
        )
        if not line.startswith(("---", "+++", "@@"))
    ]
    assert diff == ["+      - 推進本部の親分って誰"]  # one line added, every comment and entry as it was
    lines = after["faq/05_organization.yaml"].splitlines()
    assert lines[lines.index("      - 推進本部の親分って誰") - 1] == "      - 推進本部 トップ 市長？副市長？"
    assert after["faq/90_curated.yaml"] == (
        "# 事務局が dxbot kb review / dxbot kb apply で加えた項目です。\n"
        "# 手で直してもかまいません（コメント・順序・書式は次の apply でも保たれます）。\n"
        "entries:\n"
        "  - id: curated-001\n"
        "    question: 公用車の予約はどうすればいい\n"
        "    alternates:\n"
        "      - 公用車 予約 方法\n"
        "    answer: |-\n"
        "      庁内ポータルの施設予約から予約します。\n"
        "      鍵は総務課で受け取ります。\n"
        "    source: 庁内の運用\n"
        "    plan_version: 第1.5版\n"
        "    added: '2026-11-30'\n"
    )
    assert "  - question: 今日の天気は？\n    added: '2026-11-30'\n" in after["out_of_scope.yaml"]
    assert main(["kb", "check", str(kb_dir)]) == 0

    # a second round appends to the curated file and keeps its comments, the first entry and a blank line
    sheet = sheet_with(tmp_path, kb_dir, [("庁内の駐車場は何台？", "新規", "50台です。", "庁内の運用"), ("公用車 借りたい", "言い換え:curated-001", "", "")])
    apply_sheet(sheet, kb_dir, TODAY)
    curated = snapshot(kb_dir)["faq/90_curated.yaml"]
    assert curated.startswith(after["faq/90_curated.yaml"].replace("      - 公用車 予約 方法\n", "      - 公用車 予約 方法\n      - 公用車 借りたい\n"))
    assert "    added: '2026-11-30'\n\n  - id: curated-002\n" in curated


def test_applying_twice_changes_nothing_the_second_time(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kb_dir = make_kb(tmp_path / "kb")
    sheet = sheet_with(
        tmp_path, kb_dir, [("本部員は何名", "言い換え:hq-size", "", ""), ("庁舎の駐車場", "新規", "50台です。", "庁内"), ("天気", "対象外", "", "")]
    )
    assert main(["kb", "apply", str(sheet), "--kb", str(kb_dir)]) == 0
    first = capsys.readouterr().out
    assert "2 行目: 言い換え 1 件を hq-size に追加: 「本部員は何名」" in first
    assert "3 行目: 新規の項目 curated-001: 「庁舎の駐車場」" in first
    assert "4 行目: 対象外の例 1 件: 「天気」" in first
    once = snapshot(kb_dir)
    assert main(["kb", "apply", str(sheet), "--kb", str(kb_dir)]) == 0
    assert capsys.readouterr().out.strip() == "変更はありません（3 行は反映済みです）。"
    assert snapshot(kb_dir) == once


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([("q", "言い換え:nope", "", "")], "2: id「nope」の項目はありません。"),
        ([("q", "言い換え", "", "")], "2: 言い換えには項目の id を付けてください"),
        ([("q", "追加", "", "")], "2: 対応「追加」は書けません。「言い換え:<id>」「新規」「対象外」のどれかにしてください"),
        ([("ok", "対象外", "", ""), ("q", "新規", "", "5. 推進体制")], "3: 新規には回答を書いてください"),
        ([("q", "新規", "答え", "")], "2: 新規には出典（計画の章・節、例: 5. 推進体制）を書いてください"),
        ([("本部の人数？", "言い換え:audit-chair", "", "")], "2: 「本部の人数？」は項目「hq-size」の質問か言い換えです。言い換え:hq-size にするか"),
        ([("監事会の会長は誰ですか", "新規", "答え", "s")], "2: 「監事会の会長は誰ですか」は既に項目「audit-chair」にあります。"),
        ([("本部 何人", "対象外", "", "")], "2: 「本部 何人」は項目「hq-size」の質問か言い換えなので、対象外にはできません"),
    ],
)
def test_a_bad_row_refuses_the_whole_sheet(
    tmp_path: Path, rows: list[tuple[str, str, str, str]], expected: str
) -> None:
    kb_dir = make_kb(tmp_path / "kb")
    before = snapshot(kb_dir)
    good = [("本部員は何名", "言い換え:hq-size", "", "")]
    sheet = sheet_with(tmp_path, kb_dir, [*rows, *good])
    with pytest.raises(ApplyRefused) as refused:
        apply_sheet(sheet, kb_dir, TODAY)
    assert refused.value.problems[0].startswith(f"{sheet}:{expected}"), refused.value.problems
    assert snapshot(kb_dir) == before


def test_two_rows_sending_one_question_two_ways(tmp_path: Path) -> None:
    kb_dir = make_kb(tmp_path / "kb")
    sheet = sheet_with(tmp_path, kb_dir, [("本部員は何名", "言い換え:hq-size", "", ""), ("本部員は何名？", "対象外", "", "")])
    with pytest.raises(ApplyRefused) as refused:
        apply_sheet(sheet, kb_dir, TODAY)
    assert refused.value.problems == [f"{sheet}:3: 「本部員は何名？」は 2 行目でも対応しています。どちらかの行の対応を消してください"]


@pytest.mark.slow
def test_a_phrasing_that_makes_two_entries_indistinguishable(tmp_path: Path) -> None:
    kb_dir = tmp_path / "kb"
    shutil.copytree(BUNDLED_KB, kb_dir)
    before = snapshot(kb_dir)
    # org-leader-size's own question with a comma, offered as a phrasing of the headquarters' top
    sheet = sheet_with(tmp_path, kb_dir, [("DX推進リーダーの人数は、何名程度ですか？", "言い換え:org-hq-top", "", "")])
    with pytest.raises(ApplyRefused) as refused:
        apply_sheet(sheet, kb_dir, TODAY)
    (problem,) = refused.value.problems
    assert problem.startswith(f"{sheet}:2: 「DX推進リーダーの人数は、何名程度ですか？」を項目「org-hq-top」に加えても「org-leader-size」が上位になり")
    assert snapshot(kb_dir) == before


def test_refused_before_reading_when_the_kb_already_has_a_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = sheet_with(tmp_path, make_kb(tmp_path / "clean"), [("本部員は何名", "言い換え:hq-size", "", "")])
    # a knowledge base that cannot be loaded: reported as by every command that loads it
    files = dict(SMALL_KB)
    files["faq/a.yaml"] = files["faq/a.yaml"].replace("id: audit-chair", "id: hq-size")
    broken = make_kb(tmp_path / "broken", files)
    assert main(["kb", "apply", str(sheet), "--kb", str(broken)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("faq/a.yaml:10: id「hq-size」が重複しています") and "知識ベースを読み込めません" in err[-1]
    # one that loads but does not pass kb check
    files = dict(SMALL_KB)
    files["faq/a.yaml"] = files["faq/a.yaml"].replace("alternates: [本部の人数, 本部 何人, 本部員の数]", "alternates: [本部の人数]")
    kb_dir = make_kb(tmp_path / "kb", files)
    before = snapshot(kb_dir)
    with pytest.raises(ApplyRefused) as refused:
        apply_sheet(sheet, kb_dir, TODAY)
    assert refused.value.problems[0].startswith("faq/a.yaml:3: 項目「hq-size」の言い換え（alternates）が 1 個です")
    assert refused.value.problems[-1].startswith(f"{sheet}:1: 知識ベースに上の問題があるので反映していません。")
    assert snapshot(kb_dir) == before


def test_not_a_review_sheet_or_not_a_yaml_kb(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kb_dir = make_kb(tmp_path / "kb")
    other = tmp_path / "other.xlsx"
    workbook = load_workbook(sheet_with(tmp_path, kb_dir, []))
    workbook["要対応の質問"].title = "Sheet1"
    workbook.save(other)
    assert main(["kb", "apply", str(other), "--kb", str(kb_dir)]) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        f"{other}:1: シート「要対応の質問」がありません。dxbot kb review で作ったファイルを指定してください"
    )
    csv = tmp_path / "faq.csv"
    csv.write_text("id,question,answer\n1,q,a\n", encoding="utf-8")
    assert main(["kb", "apply", str(other), "--kb", str(csv)]) == 1
    assert "kb apply は YAML の知識ベース（ディレクトリ）にだけ書き込めます" in capsys.readouterr().err
    assert main(["kb", "apply", str(tmp_path / "missing.xlsx")]) == 1
    assert "ファイルが見つかりません" in capsys.readouterr().err
