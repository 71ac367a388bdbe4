"""One rule for departments (issue 13): only admins create one, by `登録 … 新しい課` or by listing it under
`departments` in the directory YAML; a near miss of an existing name is answered 「もしかして 市民生活課？」;
the same in chat, in a report's `課:` and in `dxbot users import`. A refusal changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.directory import DirectoryError, import_directory
from tests.integration.conftest import say, snapshot
from tests.rendering import text_of


def departments(services) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(d.name for d in services.progress.staff.departments())


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("登録 U005X 観光課 member", "課「観光課」はありません。"),
        ("登録 U005X 市民生活化 member", "課「市民生活化」はありません。もしかして 市民生活課？"),
        ("登録 U005X 税務化 リーダー 田中 三郎", "もしかして 税務課？"),
    ],
)
def test_register_never_creates_a_department_unasked(staffed, text: str, says: str) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(staffed)
    reply = text_of(say(staffed, "UADM", text))
    assert says in reply
    assert f"/dx {text} 新しい課" in reply, "the command to send, with the flag, is given whole"
    assert snapshot(staffed) == before


def test_register_with_the_flag_creates_it(staffed) -> None:  # type: ignore[no-untyped-def]
    reply = text_of(say(staffed, "UADM", "登録 U005X 観光課 member 新しい課"))
    assert "新しい課「観光課」を作成しました" in reply and "登録しました" in reply
    assert "観光課" in departments(staffed)
    # an existing department with the flag: nothing new is made, the member joins it
    reply = text_of(say(staffed, "UADM", "登録 U006X 税務課 member 新しい課"))
    assert "作成しました" not in reply and departments(staffed).count("税務課") == 1


def test_only_admins_may_create(staffed) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(staffed)
    reply = text_of(say(staffed, "ULEAD", "登録 U005X 観光課 member 新しい課"))
    assert "管理者" in reply and snapshot(staffed) == before


def test_a_report_for_a_near_miss_department_asks_the_same_way(staffed) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(staffed)
    reply = text_of(say(staffed, "UADM", "報告 書かない窓口 実施中 60% 課:市民生活化"))
    assert "もしかして 市民生活課？" in reply and snapshot(staffed) == before


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_users_import_creates_only_listed_departments(staffed, tmp_path: Path, clock) -> None:  # type: ignore[no-untyped-def]
    staff = staffed.progress.staff
    before = snapshot(staffed)
    unlisted = write(tmp_path / "a.yaml", "users:\n  - {id: U9, name: 観光 一郎, department: 観光課, role: member}\n")
    with pytest.raises(DirectoryError) as caught:
        import_directory(unlisted, staff, clock())
    assert [str(p) for p in caught.value.problems] == [f"{unlisted}:2: 課「観光課」はありません。新しい課なら departments に書いてください。"]
    typo = write(tmp_path / "b.yaml", "users:\n  - {id: U9, name: 市民 花子, department: 市民生活化, role: member}\n")
    with pytest.raises(DirectoryError) as caught:
        import_directory(typo, staff, clock())
    assert "課「市民生活化」はありません。もしかして 市民生活課？" in str(caught.value.problems[0])
    listed_typo = write(tmp_path / "c.yaml", "departments: [市民生活課]\nusers:\n  - {id: U9, name: 市民 花子, department: 市民生活化}\n")
    with pytest.raises(DirectoryError) as caught:
        import_directory(listed_typo, staff, clock())
    assert "もしかして 市民生活課？" in str(caught.value.problems[0])
    assert snapshot(staffed) == before, "a refused file imports nothing"

    listed = write(tmp_path / "d.yaml", "departments: [観光課]\nusers:\n  - {id: U9, name: 観光 一郎, department: 観光課}\n")
    assert import_directory(listed, staff, clock()).departments_added == 1
    assert "観光課" in departments(staffed)


def test_the_cli_says_the_same(staffed, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DXBOT_DATABASE_URL", db_url)
    typo = write(tmp_path / "staff.yaml", "users:\n  - {id: U9, name: 市民 花子, department: 市民生活化}\n")
    before = snapshot(staffed)
    assert main(["users", "import", str(typo)]) == 1
    err = capsys.readouterr().err
    assert f"{typo}:2: 課「市民生活化」はありません。もしかして 市民生活課？" in err and "何も読み込んでいません" in err
    assert snapshot(staffed) == before
