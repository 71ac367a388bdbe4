"""`dxbot export` and `dxbot users import`: what a 推進本部 meeting gets, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main
from bot.export import HISTORY_HEADER, OVERVIEW_HEADER, export_progress, history_path
from storage.db import create_db_engine, upgrade_database
from tests.integration.conftest import DIRECTORY, say


@pytest.fixture
def reported(staffed, clock):  # type: ignore[no-untyped-def]
    say(staffed, "ULEAD", "報告 書かない窓口 準備中 30% 説明会の準備")
    clock.advance(days=1, hours=14)  # 2026-11-26 00:00 JST: the date changes in Tokyo, not in UTC
    say(staffed, "UTAX", "報告 書かない窓口 実施中 60% 税務課でも開始")
    say(staffed, "UADM", "報告 電子決裁 完了 100%")
    clock.advance(minutes=3)
    say(staffed, "UADM", "取消")
    return staffed


def test_xlsx_has_an_overview_sheet_and_a_history_sheet(reported, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "meeting.xlsx"
    assert export_progress(reported.progress, "xlsx", out) == [out]

    workbook = load_workbook(out)
    assert workbook.sheetnames == ["状況一覧", "報告履歴"]
    overview = list(workbook["状況一覧"].iter_rows(values_only=True))
    assert overview[0] == OVERVIEW_HEADER
    assert len(overview) == 1 + 28
    row = {r[0]: r for r in overview[1:]}
    assert row["1-02"][3] == "書かない窓口" and row["1-02"][1] == "① 市民サービスの改革"
    assert row["1-02"][5:7] == ("実施中", 60)
    assert row["1-02"][8] == datetime(2026, 11, 26, 0, 0)  # Asia/Tokyo wall-clock time
    assert row["1-02"][9:13] == ("税務課", "鈴木 次郎", "税務課でも開始", 2)
    assert row["2-04"][5] == "未報告" and row["2-04"][12] == 0  # the only report was withdrawn

    history = list(workbook["報告履歴"].iter_rows(values_only=True))
    assert history[0] == HISTORY_HEADER
    assert [(h[2], h[8], h[9]) for h in history[1:]] == [("1-02", "準備中", 30), ("1-02", "実施中", 60), ("2-04", "完了", 100)]
    assert history[1][1] == datetime(2026, 11, 24, 10, 0)
    assert history[3][15] == datetime(2026, 11, 26, 0, 3) and history[3][16] == "UADM"  # withdrawn, kept
    sheet = workbook["状況一覧"]
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["D"].width >= 20  # 取組み names are long; the default is ~8.4


def test_csv_is_two_utf8_files_with_a_bom(reported, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "meeting.csv"
    written = export_progress(reported.progress, "csv", out)
    assert written == [out, tmp_path / "meeting-history.csv"]
    for path in written:
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    overview = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert overview[0] == list(OVERVIEW_HEADER)
    row = next(r for r in overview if r[0] == "1-02")
    assert row[5:9] == ["実施中", "60", "", "2026-11-26 00:00"]
    history = list(csv.reader(history_path(out).read_text(encoding="utf-8-sig").splitlines()))
    assert history[0] == list(HISTORY_HEADER)
    assert [r[1] for r in history[1:]] == ["2026-11-24 10:00", "2026-11-26 00:00", "2026-11-26 00:00"]
    assert history[3][15] == "2026-11-26 00:03"


def test_history_path() -> None:
    assert history_path(Path("out/p.csv")) == Path("out/p-history.csv")
    assert history_path(Path("p")) == Path("p-history.csv")


def test_cli_users_import_and_export(db_url: str, tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    engine = create_db_engine(db_url)
    upgrade_database(engine)  # `dxbot db upgrade` on PostgreSQL
    engine.dispose()
    monkeypatch.setenv("DXBOT_DATABASE_URL", db_url)
    monkeypatch.delenv("DXBOT_DIRECTORY", raising=False)
    directory = tmp_path / "staff.yaml"
    directory.write_text(DIRECTORY, encoding="utf-8")

    assert main(["users", "import", str(directory)]) == 0
    assert "職員 新規 4人・更新 0人・変更なし 0人、課 新規 3件" in capsys.readouterr().out
    assert main(["users", "import", str(directory)]) == 0
    assert "変更なし 4人" in capsys.readouterr().out

    bad = tmp_path / "bad.yaml"
    bad.write_text("users:\n  - {id: U9, name: x, department: 税務課, role: boss}\n", encoding="utf-8")
    assert main(["users", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:2: role 'boss' は使えません" in err and "何も読み込んでいません" in err
    assert main(["users", "import", str(tmp_path / "missing.yaml")]) == 1

    out = tmp_path / "export" / "progress.xlsx"
    assert main(["export", "--format", "xlsx", "--out", str(out)]) == 0
    assert f"出力しました: {out}" in capsys.readouterr().out
    assert load_workbook(out).sheetnames == ["状況一覧", "報告履歴"]
    assert main(["export", "--format", "csv", "--out", str(tmp_path / "p.csv")]) == 0
    assert (tmp_path / "p-history.csv").exists()
    with pytest.raises(SystemExit):
        main(["export", "--format", "pdf", "--out", str(tmp_path / "p.pdf")])
