"""`dxbot ask`: the JSON contract of SPEC.md, batch mode, --top and --kb (YAML dir or CSV)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main

KEYS = {"question", "status", "answer", "entry_id", "score", "source", "candidates"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_json_answer_has_the_exact_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "ask", "DX推進リーダーは何人？", "--json")
    assert code == 0
    payload = json.loads(out)
    assert set(payload) == KEYS
    assert payload["status"] == "answered"
    assert "10名程度" in payload["answer"]
    assert payload["source"].startswith("5. 推進体制") and "第1.5版" in payload["source"]
    assert 0 <= payload["score"] <= 1
    assert len(payload["candidates"]) == 3
    assert set(payload["candidates"][0]) == {"entry_id", "question", "score"}
    assert payload["candidates"][0]["entry_id"] == payload["entry_id"]


def test_json_no_answer_has_nulls_but_candidates(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run(capsys, "ask", "有給休暇の申請方法を教えて", "--json", "--top", "5")
    payload = json.loads(out)
    assert payload["status"] in ("no_answer", "ambiguous")
    assert payload["answer"] is None and payload["entry_id"] is None and payload["source"] is None
    assert len(payload["candidates"]) <= 5


def test_batch_keeps_order_one_line_each(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    questions = ["監事会は何人？", "明日の天気は？", "", "ガバクラは義務？"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(questions) + "\n"))
    code, out = run(capsys, "ask", "--batch", "--json", "--top", "2")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(questions)
    payloads = [json.loads(line) for line in lines]
    assert [p["question"] for p in payloads] == questions
    assert all(len(p["candidates"]) <= 2 for p in payloads)
    assert payloads[2]["status"] == "no_answer"


def test_batch_text_mode_prints_one_line_per_question(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("推進本部は何人？\nプリンターが壊れた\n"))
    _, out = run(capsys, "ask", "--batch")
    assert len(out.splitlines()) == 2
    assert "47" in out.splitlines()[0]


def test_csv_knowledge_base_with_bom(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path = tmp_path / "faq.csv"
    csv_path.write_text(
        "\ufeffid,question,answer,category\n"
        "g1,ごみの収集日はいつですか,地区ごとの収集カレンダーをご覧ください。,ごみ\n"
        'g2,"粗大ごみはどう出せばよいですか","事前申込制です。電話で受け付けます。",ごみ\n'
        "t1,住民税の納付方法を教えてください,口座振替またはコンビニで納付できます。,税\n",
        encoding="utf-8",
    )
    _, out = run(capsys, "ask", "粗大ゴミの出し方", "--json", "--kb", str(csv_path))
    payload = json.loads(out)
    assert payload["candidates"][0]["entry_id"] == "g2"
    assert payload["source"] is None or payload["status"] == "answered"


def test_unreadable_kb_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["ask", "質問", "--kb", str(tmp_path / "nothing.csv")])
    assert code == 1
    assert "知識ベースを読み込めません" in capsys.readouterr().err


def test_a_note_is_shown_in_text_and_added_to_the_json(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run(capsys, "ask", "DX推進リーダーの名前を教えて")
    assert out.startswith("計画には担当者の名前は書かれていません") and "10名程度" in out
    assert "事務局（政策企画課）にお問い合わせください" in out
    _, out = run(capsys, "ask", "DX推進リーダーの名前を教えて", "--json")
    payload = json.loads(out)
    assert set(payload) == KEYS | {"note"}  # SPEC's fields unchanged; `note` only when there is one
    assert payload["status"] == "no_answer" and payload["answer"] is None
    assert "10名程度" in payload["note"]
