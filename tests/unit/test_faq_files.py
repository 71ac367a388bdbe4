"""FAQ files a city already has: CSV in UTF-8 (BOM or not) or CP932, Japanese headers, xlsx; errors in Japanese."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.cli import main
from knowledge.kb import KnowledgeBaseError, load_kb, read_kb

ROWS = [
    ("1", "住民票の写しはどこで取れますか", "市民課の窓口か、コンビニのマルチコピー機で取れます。"),
    ("2", "ごみの収集日を知りたい", "地区ごとの収集日は、ごみカレンダーに載っています。"),
    ("3", "図書館の開館時間は？", "図書館は午前9時から午後6時まで開いています。"),
]


def csv_text(header: str, rows: list[tuple[str, str, str]] = ROWS) -> str:
    return header + "\r\n" + "".join(f"{a},{b},{c}\r\n" for a, b, c in rows)


def write_xlsx(path: Path, header: tuple[str, ...], rows: list[tuple[object, ...]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def ask(capsys: pytest.CaptureFixture[str], kb: Path, question: str) -> tuple[int, dict | None, str]:  # type: ignore[type-arg]
    code = main(["ask", question, "--json", "--kb", str(kb)])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out else None), err


@pytest.mark.parametrize(
    ("name", "encoding", "header"),
    [
        ("utf8.csv", "utf-8", "id,question,answer"),
        ("bom.csv", "utf-8-sig", "id,question,answer"),
        ("excel.csv", "cp932", "番号,質問,回答"),
        ("sjis-english.csv", "shift_jis", "ID,Question,Answer,担当課"),
    ],
)
def test_csv_encodings_and_headers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, encoding: str, header: str
) -> None:
    path = tmp_path / name
    path.write_bytes(csv_text(header).encode(encoding))
    kb, problems = read_kb(path)
    assert problems == []
    assert [(e.id, e.question, e.answer) for e in kb.entries] == ROWS
    code, payload, _ = ask(capsys, path, "住民票の写しはどこで取れますか")
    assert code == 0 and payload is not None
    assert (payload["status"], payload["entry_id"]) == ("answered", "1")


def test_xlsx_faq_with_japanese_headers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_xlsx(tmp_path / "faq.xlsx", ("番号", "質問", "回答", "更新日"), [(int(a), b, c, "2025-04-01") for a, b, c in ROWS])
    kb, problems = read_kb(path)
    assert problems == []
    assert [(e.id, e.question) for e in kb.entries] == [(a, b) for a, b, _ in ROWS]
    assert kb.entries[1].origin is not None and kb.entries[1].origin.line == 3
    code, payload, _ = ask(capsys, path, "ごみの収集日を知りたい")
    assert code == 0 and payload is not None and payload["entry_id"] == "2"


def test_empty_rows_are_skipped_with_a_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "faq.csv"
    path.write_text("id,question,answer\n1,a質問,a回答\n\n,,\n2,b質問,b回答\n", encoding="utf-8")
    kb, problems = read_kb(path)
    assert [e.id for e in kb.entries] == ["1", "2"]
    assert [(p.line, p.message, p.note) for p in problems] == [(3, "空の行を 2 行読み飛ばしました（3、4 行目）", True)]
    assert main(["kb", "check", str(path)]) == 0
    _, err = capsys.readouterr()
    assert f"{path}:3: 空の行を 2 行読み飛ばしました（3、4 行目）（メモ）" in err


def test_duplicate_id_is_refused_by_ask_exactly_as_by_kb_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "faq.csv"
    path.write_bytes(csv_text("番号,質問,回答", [*ROWS, ("2", "粗大ごみの出し方", "予約制です。")]).encode("cp932"))
    expected = f"{path}:5: id「2」が重複しています（最初は 3 行目）。どちらかの id を変えてください"
    assert main(["kb", "check", str(path)]) == 1
    assert capsys.readouterr().out.splitlines() == [expected]
    code, payload, err = ask(capsys, path, "ごみの収集日を知りたい")
    assert (code, payload) == (1, None)
    assert err.splitlines()[0] == expected
    assert "知識ベースを読み込めません" in err and "Traceback" not in err
    with pytest.raises(KnowledgeBaseError):
        load_kb(path)


def test_duplicate_id_in_xlsx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_xlsx(tmp_path / "faq.xlsx", ("id", "question", "answer"), [("a", "q1", "a1"), ("a", "q2", "a2")])
    assert main(["kb", "check", str(path)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{path}:3: id「a」が重複しています（最初は 2 行目）。どちらかの id を変えてください"
    ]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_missing_column_names_file_line_and_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    path = tmp_path / f"faq{suffix}"
    if suffix == ".csv":
        path.write_text("番号,質問,備考\n1,a,b\n", encoding="utf-8")
    else:
        write_xlsx(path, ("番号", "質問", "備考"), [(1, "a", "b")])
    message = (
        f"{path}:1: 見出し行に「回答（answer）」の列がありません。"
        "1行目を「id,question,answer」か「番号,質問,回答」にしてください"
    )
    assert main(["kb", "check", str(path)]) == 1
    assert capsys.readouterr().out.splitlines() == [message]
    code, _, err = ask(capsys, path, "a")
    assert code == 1 and err.splitlines()[0] == message


def test_a_row_missing_its_answer_is_an_error_with_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "faq.csv"
    path.write_text('id,question,answer\n1,"二行に\nわたる質問",答え\n2,答えのない質問,\n', encoding="utf-8")
    assert main(["kb", "check", str(path)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{path}:4: 回答（answer）が空です。書き足すか、この行を削除してください"
    ]
    code, _, err = ask(capsys, path, "二行にわたる質問")
    assert code == 1 and "4: 回答（answer）が空です" in err


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("latin.csv", "id,question,answer\n1,été,ça\n".encode("utf-16"), "文字コードを判別できません。"),
        ("quote.csv", b'id,question,answer\n1,"unclosed,x\n', "CSV の書き方が正しくありません。"),
        ("fake.xlsx", b"not a zip", "Excel ファイルとして読み込めません。"),
        ("empty.csv", b"", "見出し行に"),
    ],
)
def test_unreadable_files_are_explained(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    _, problems = read_kb(path)
    assert len(problems) == 1 and problems[0].message.startswith(message), problems
