"""The staff directory YAML: a good file loads; every problem is reported with its line, and none is skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.directory import DirectoryError, load_directory, read_directory
from storage.progress import DirectoryEntry, StaffRole


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "directory.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_spec_example_loads(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
departments: [政策企画課, 市民生活課, 税務課]
users:
  - {id: U012ABC, name: 山田 花子, department: 市民生活課, role: leader}   # member | leader | admin
  - {id: U034DEF, name: 佐藤 一郎, department: 政策企画課, role: 事務局}
  - {id: U056GHI, name: 鈴木 次郎, department: 税務課}
""",
    )
    directory = load_directory(path)
    assert directory.departments == ("政策企画課", "市民生活課", "税務課")
    assert directory.users == (
        DirectoryEntry("U012ABC", "山田 花子", "市民生活課", StaffRole.LEADER),
        DirectoryEntry("U034DEF", "佐藤 一郎", "政策企画課", StaffRole.ADMIN),
        DirectoryEntry("U056GHI", "鈴木 次郎", "税務課", StaffRole.MEMBER),  # role defaults to member
    )


def test_departments_may_be_left_out(tmp_path: Path) -> None:
    path = write(tmp_path, "users:\n  - {id: U1, name: A, department: 税務課, role: member}\n")
    directory = load_directory(path)
    assert directory.departments == () and directory.users[0].department == "税務課"


def test_every_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
departments: [政策企画課, 市民生活課]
users:
  - {id: U1, name: 山田, department: 市民生活課, role: boss}
  - {id: U2, name: 佐藤, department: 市民生活か, role: leader}
  - {id: U3, department: 政策企画課}
  - {id: U1, name: 重複, department: 政策企画課}
  - {id: "bad id", name: 空白, department: 政策企画課}
  - {id: U4, name: 余分, department: 政策企画課, email: x@example.jp}
""",
    )
    _directory, problems = read_directory(path)
    by_line = {p.line: p.message for p in problems}
    assert "role 'boss' は使えません" in by_line[3]
    assert "課「市民生活か」が departments にありません" in by_line[4]
    assert "name がありません" in by_line[5]
    assert "id 'U1' が重複しています" in by_line[6]
    assert "id 'bad id' は使えません" in by_line[7]
    assert "不明な項目 'email'" in by_line[8]
    assert all(str(p).startswith(f"{path}:") for p in problems)
    with pytest.raises(DirectoryError):
        load_directory(path)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("users: [\n", "YAML の書式が正しくありません"),
        ("- a\n- b\n", "最上位は departments と users を持つマッピング"),
        ("departments: [税務課]\n", "users がありません"),
        ("users: {id: U1}\n", "users は職員のリスト"),
    ],
)
def test_unusable_files(tmp_path: Path, text: str, says: str) -> None:
    _directory, problems = read_directory(write(tmp_path, text))
    assert any(says in p.message for p in problems), problems


def test_a_missing_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    _directory, problems = read_directory(tmp_path / "nope.yaml")
    assert problems and "読み込めません" in problems[0].message
