"""Curation end to end: staff ask, `kb review` lists what failed, the curator fills the sheet, `kb apply`
writes it, and after a restart the bot answers from the right entries. On a copy of the bundled KB."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.bootstrap import bootstrap
from bot.cli import main
from bot.replies import Answer, ChatContext, NoAnswer, UserRef
from bot.settings import Settings
from knowledge.kb import BUNDLED_KB, read_kb
from storage.feedback import FeedbackRepository, Verdict
from tests.fakes import FakeClock

pytestmark = pytest.mark.slow

NEW_QUESTION = "公用車の予約はどうすればいい？"
NEW_ANSWER = "公用車の予約は、庁内ポータルの施設予約から行います。"
PHRASING_QUESTION = "推進本部の親分って誰"
OUT_OF_SCOPE_QUESTION = "会議室のプロジェクターの借り方"


def files_of(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def sheet_rows(path: Path) -> tuple[list[str], list[dict[str, object]]]:
    workbook = load_workbook(path)
    sheet = workbook["要対応の質問"]
    rows = list(sheet.iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    return header, [dict(zip(header, row, strict=True)) for row in rows[1:]]


def fill(path: Path, decisions: dict[str, dict[str, str]], out: Path) -> None:
    """The curator: write 対応 / 回答 / 出典 on the rows whose 質問 is a key of `decisions`."""
    workbook = load_workbook(path)
    sheet = workbook["要対応の質問"]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        question = row[header.index("質問")].value
        for column, value in decisions.get(str(question), {}).items():
            row[header.index(column)].value = value
    workbook.save(out)


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "kb"
    shutil.copytree(BUNDLED_KB, copy)
    return copy


def test_review_apply_ask(
    db_url: str, kb_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DXBOT_DATABASE_URL", db_url)
    monkeypatch.setenv("DXBOT_KB_PATH", str(kb_copy))
    clock = FakeClock(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))
    settings = Settings(database_url=db_url, kb_path=kb_copy)
    services = bootstrap(settings, clock=clock)
    try:
        def ask(user: str, text: str):  # type: ignore[no-untyped-def]
            clock.advance(minutes=5)
            return services.handle(ChatContext(UserRef("slack", user), conversation="C1", platform="slack"), text)

        assert isinstance(ask("U1SECRET", NEW_QUESTION), NoAnswer)
        assert isinstance(ask("U2SECRET", "公用車の予約はどうすればいい"), NoAnswer)  # the same, without ？
        assert isinstance(ask("U1SECRET", PHRASING_QUESTION), NoAnswer)
        assert isinstance(ask("U3SECRET", OUT_OF_SCOPE_QUESTION), NoAnswer)
        wrong = ask("U3SECRET", "DX推進リーダーは何人？")
        assert isinstance(wrong, Answer) and wrong.entry_id == "org-leader-size"
        answered = ask("U3SECRET", "推進本部の人数は何人ですか？")  # answered, no feedback: not for review
        assert isinstance(answered, Answer)
        FeedbackRepository(services.sessions).record(
            question_log_id=wrong.log_id, entry_id=wrong.entry_id, user_id="U3SECRET", verdict=Verdict.WRONG, at=clock()
        )
    finally:
        services.close()

    # 1. review: the twice-asked question once, 件数 2, first; no user id anywhere
    sheet = tmp_path / "review.xlsx"
    assert main(["kb", "review", "--out", str(sheet)]) == 0
    assert "要対応の質問 4 件（5 回）" in capsys.readouterr().out
    header, rows = sheet_rows(sheet)
    assert header[:4] == ["質問", "件数", "最終日", "状態"]
    assert {"候補1", "候補1の質問", "候補1のスコア", "候補3のスコア", "対応", "回答", "出典"} <= set(header)
    questions = [r["質問"] for r in rows]
    assert len(rows) == 4 and sorted(map(str, questions)) == sorted(
        ["公用車の予約はどうすればいい", PHRASING_QUESTION, OUT_OF_SCOPE_QUESTION, "DX推進リーダーは何人？"]
    )
    first = rows[0]
    assert str(first["質問"]).startswith("公用車の予約はどうすればいい") and first["件数"] == 2
    assert first["同じ質問の別の書き方"] is None  # the two differ only by ？: one wording
    assert first["状態"] == "回答なし×2"
    assert [r["件数"] for r in rows[1:]] == [1, 1, 1]
    # then the most recent first
    assert [r["質問"] for r in rows[1:]] == ["DX推進リーダーは何人？", OUT_OF_SCOPE_QUESTION, PHRASING_QUESTION]
    assert rows[0]["状態"] == "回答なし×2" and rows[1]["状態"] == "違った（org-leader-size）×1"
    by_question = {r["質問"]: r for r in rows}
    assert by_question[PHRASING_QUESTION]["候補1"] == "org-hq-top"
    assert isinstance(by_question[PHRASING_QUESTION]["候補1のスコア"], float)
    workbook = load_workbook(sheet)
    cells = " ".join(str(c) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for c in row if c)
    assert "SECRET" not in cells
    (validation,) = workbook["要対応の質問"].data_validations.dataValidation
    assert validation.type == "list" and validation.formula1.startswith("'知識ベースの項目'!$A$2:$A$")
    action_column = "ABCDEFGHIJKLMNOP"[header.index("対応")]
    assert f"{action_column}2" in str(validation.sqref)
    values = [r[0] for r in workbook["知識ベースの項目"].iter_rows(min_row=2, values_only=True)]
    assert values[:2] == ["新規", "対象外"] and "言い換え:org-hq-top" in values
    assert len(values) == 2 + len(read_kb(kb_copy)[0].entries)

    # 4. one bad row refuses the whole sheet and changes nothing
    before = files_of(kb_copy)
    decisions = {
        str(first["質問"]): {"対応": "新規", "回答": NEW_ANSWER, "出典": "庁内の運用（事務局）"},
        PHRASING_QUESTION: {"対応": "言い換え:org-hq-top"},
        OUT_OF_SCOPE_QUESTION: {"対応": "対象外"},
        "DX推進リーダーは何人？": {"対応": "言い換え:no-such-entry"},
    }
    bad = tmp_path / "bad.xlsx"
    fill(sheet, decisions, bad)
    assert main(["kb", "apply", str(bad)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"{bad}:3: id「no-such-entry」の項目はありません。")
    assert err[-1] == "1 件の問題があるため、知識ベースは何も変えていません。"
    assert files_of(kb_copy) == before
    no_answer = {**decisions, "DX推進リーダーは何人？": {}, str(first["質問"]): {"対応": "新規"}}
    fill(sheet, no_answer, bad)
    assert main(["kb", "apply", str(bad)]) == 1
    assert capsys.readouterr().err.splitlines()[0] == f"{bad}:2: 新規には回答を書いてください"
    assert files_of(kb_copy) == before

    # 2. 新規, 言い換え and 対象外 applied; the 違った row left empty
    good = tmp_path / "good.xlsx"
    fill(sheet, {**decisions, "DX推進リーダーは何人？": {}}, good)
    assert main(["kb", "apply", str(good)]) == 0
    summary = capsys.readouterr().out
    assert "新規の項目 curated-001" in summary and "言い換え 1 件を org-hq-top に追加" in summary
    assert "対象外の例 1 件" in summary
    assert main(["kb", "check", str(kb_copy)]) == 0
    capsys.readouterr()
    kb, _ = read_kb(kb_copy)
    assert kb.out_of_scope == (OUT_OF_SCOPE_QUESTION,)
    new = next(e for e in kb.entries if e.id == "curated-001")
    assert (new.answer, new.source, new.plan_version) == (NEW_ANSWER, "庁内の運用（事務局）", "第1.5版")
    assert kb.source_label(new) == "庁内の運用（事務局）（スマートシティ江津推進構想アクションプラン 第1.5版）"

    # applying the same sheet again changes nothing
    after = files_of(kb_copy)
    assert main(["kb", "apply", str(good)]) == 0
    assert capsys.readouterr().out.strip() == "変更はありません（3 行は反映済みです）。"
    assert files_of(kb_copy) == after

    # 3. after a restart both are answered from the right entries
    restarted = bootstrap(settings, clock=clock)
    try:
        reply = restarted.handle(ChatContext(UserRef("console", "U9"), conversation="console"), NEW_QUESTION)
        assert isinstance(reply, Answer) and reply.entry_id == "curated-001" and reply.answer == NEW_ANSWER
        reply = restarted.handle(ChatContext(UserRef("console", "U9"), conversation="console"), PHRASING_QUESTION)
        assert isinstance(reply, Answer) and reply.entry_id == "org-hq-top"
    finally:
        restarted.close()
    assert main(["ask", NEW_QUESTION, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["entry_id"] == "curated-001"

    # what was handled leaves the sheet; the 違った row waits
    again = tmp_path / "again.xlsx"
    assert main(["kb", "review", "--out", str(again)]) == 0
    capsys.readouterr()
    assert [r["質問"] for r in sheet_rows(again)[1]] == ["DX推進リーダーは何人？"]
