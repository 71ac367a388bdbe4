"""The staff directory YAML (SPEC.md, Staff directory): departments and staff with their roles.

```yaml
departments: [政策企画課, 市民生活課, 税務課]
users:
  - {id: U012ABC, name: 山田 花子, department: 市民生活課, role: leader}   # member | leader | admin
  - {teams_id: 6f1c3c1e-0b7a-4c55-9a57-3e2f0d1b9a10, name: 江津 次郎, department: 税務課}  # Teams only
```

`id` is the Slack user ID; `teams_id` the Azure AD object id Teams sends as `from.aadObjectId`. A person
needs one of them (or both). Teams-only staff are kept under the key `teams:<teams_id>`.

`departments` lists the departments to create; a user's department must be listed or exist already, so a
typo does not create a phantom one (it gets 「もしかして …？」). `role` defaults to member and also accepts the Japanese words used in the
hall (委員, リーダー, 事務局…). A file with any problem imports nothing.
"""

from __future__ import annotations

import io
import logging
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from knowledge import patterns
from knowledge.kb import Problem
from knowledge.normalize import fold_for_match
from storage.progress import (
    MAX_DEPARTMENT_CHARS,
    MAX_NAME_CHARS,
    DirectoryEntry,
    ImportResult,
    StaffRepository,
    StaffRole,
)

logger = logging.getLogger(__name__)

USER_FIELDS = {"id", "teams_id", "name", "department", "role"}
REQUIRED_USER_FIELDS = ("name", "department")
TEAMS_KEY_PREFIX = "teams:"
_TEAMS_ID = patterns.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_USER_ID = patterns.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")

# Spellings people use for each role; compared after NFKC and lower-casing.
_ROLE_WORDS: dict[str, StaffRole] = {
    "member": StaffRole.MEMBER,
    "メンバー": StaffRole.MEMBER,
    "委員": StaffRole.MEMBER,
    "dx推進委員": StaffRole.MEMBER,
    "推進委員": StaffRole.MEMBER,
    "leader": StaffRole.LEADER,
    "リーダー": StaffRole.LEADER,
    "dx推進リーダー": StaffRole.LEADER,
    "推進リーダー": StaffRole.LEADER,
    "admin": StaffRole.ADMIN,
    "管理者": StaffRole.ADMIN,
    "事務局": StaffRole.ADMIN,
}
ROLE_HELP = "member（委員・メンバー）、leader（リーダー）、admin（管理者・事務局）"


def parse_role(text: str) -> StaffRole | None:
    """A role from its English code or a Japanese word; None when it is not a role."""
    return _ROLE_WORDS.get(unicodedata.normalize("NFKC", text).strip().lower())


def valid_user_id(text: str) -> bool:
    return bool(_USER_ID.match(text))


def valid_teams_id(text: str) -> bool:
    """An Azure AD object id: a GUID."""
    return bool(_TEAMS_ID.match(text))


def teams_staff_key(teams_id: str) -> str:
    """The staff key of someone known only to Teams."""
    return TEAMS_KEY_PREFIX + teams_id.lower()


@dataclass(frozen=True)
class Directory:
    departments: tuple[str, ...]
    users: tuple[DirectoryEntry, ...]
    lines: dict[str, int] = field(default_factory=dict, compare=False)  # user id → its line in the file


def similar_names(name: str, names: Iterable[str], limit: int = 3) -> list[str]:
    """Department names close to `name` (「市民生活化」→ 市民生活課), best first: the one rule for 「もしかして」."""
    folded = fold_for_match(name)
    scored = []
    for other in names:
        candidate = fold_for_match(other)
        score = 90.0 if folded and (folded in candidate or candidate in folded) else fuzz.ratio(folded, candidate)
        # One character off counts too: short names (税務化 for 税務課) score below 70.
        if score >= 70 or (len(folded) >= 3 and Levenshtein.distance(folded, candidate) == 1):
            scored.append((score, other))
    return [other for _score, other in sorted(scored, key=lambda item: -item[0])[:limit]]


def maybe(names: Sequence[str]) -> str:
    """「もしかして 市民生活課？」, the same words in chat and in a directory file."""
    return f"もしかして {'、'.join(names)}？" if names else ""


class DirectoryError(Exception):
    """The directory file has problems; `problems` says where (file:line) and what."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def _value(node: yaml.Node) -> Any:
    return yaml.SafeLoader(io.StringIO("")).construct_object(node, deep=True)  # type: ignore[no-untyped-call]


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _text(value: Any) -> str | None:
    """A scalar as stripped text (YAML may read an id as a number); None for lists, maps and empties."""
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return text or None


def read_directory(path: Path) -> tuple[Directory, list[Problem]]:
    """Parse a directory file, collecting every problem with its line."""
    problems: list[Problem] = []
    file = str(path)
    empty = Directory((), ())
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        return empty, [Problem(file, 1, f"ファイルを読み込めません: {error}")]
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return empty, [Problem(file, mark.line + 1 if mark else 1, f"YAML の書式が正しくありません: {error}")]
    if not isinstance(root, yaml.MappingNode):
        return empty, [Problem(file, 1, "最上位は departments と users を持つマッピングにしてください")]

    sections = {str(key.value): value for key, value in root.value}
    for key, _value_node in root.value:
        if key.value not in ("departments", "users"):
            problems.append(Problem(file, _line(key), f"不明な項目 '{key.value}'（departments と users だけが使えます）"))

    departments: list[str] = []
    listed: set[str] | None = None
    if "departments" in sections:
        node = sections["departments"]
        if not isinstance(node, yaml.SequenceNode):
            problems.append(Problem(file, _line(node), "departments は課名のリストにしてください"))
        else:
            listed = set()
            for item in node.value:
                name = _text(_value(item)) if isinstance(item, yaml.ScalarNode) else None
                if name is None:
                    problems.append(Problem(file, _line(item), "課名は空でない文字列にしてください"))
                elif len(name) > MAX_DEPARTMENT_CHARS:
                    problems.append(Problem(file, _line(item), f"課名が長すぎます（{MAX_DEPARTMENT_CHARS}文字まで）"))
                elif name in listed:
                    problems.append(Problem(file, _line(item), f"課「{name}」が重複しています"))
                else:
                    listed.add(name)
                    departments.append(name)

    users: list[DirectoryEntry] = []
    lines: dict[str, int] = {}
    node = sections.get("users")
    if node is None:
        problems.append(Problem(file, 1, "users がありません"))
    elif not isinstance(node, yaml.SequenceNode):
        problems.append(Problem(file, _line(node), "users は職員のリストにしてください"))
    else:
        seen: dict[tuple[str, str], int] = {}
        for item in node.value:
            keys = [(field, raw) for field in ("id", "teams_id") if (raw := _raw_id(item, field)) is not None]
            repeated = next(((field, raw) for field, raw in keys if (field, raw.lower()) in seen), None)
            if repeated is not None:
                field, raw = repeated
                first = seen[(field, raw.lower())]
                problems.append(Problem(file, _line(item), f"{field} '{raw}' が重複しています（{first}行目にもあります）"))
                continue
            seen.update({(field, raw.lower()): _line(item) for field, raw in keys})
            entry = _parse_user(file, item, listed, problems)
            if entry is not None:
                users.append(entry)
                lines[entry.user_id] = _line(item)
    return Directory(tuple(departments), tuple(users), lines), problems


def _raw_id(item: yaml.Node, field: str) -> str | None:
    if not isinstance(item, yaml.MappingNode):
        return None
    for key, value in item.value:
        if key.value == field and isinstance(value, yaml.ScalarNode):
            return _text(_value(value))
    return None


def _parse_user(file: str, item: yaml.Node, listed: set[str] | None, problems: list[Problem]) -> DirectoryEntry | None:
    line = _line(item)
    if not isinstance(item, yaml.MappingNode):
        problems.append(Problem(file, line, "職員は {id, teams_id, name, department, role} のマッピングで書いてください"))
        return None
    fields: dict[str, Any] = {}
    ok = True
    for key, value in item.value:
        if key.value not in USER_FIELDS:
            problems.append(Problem(file, _line(key), f"不明な項目 '{key.value}'（id, teams_id, name, department, role が使えます）"))
            ok = False
            continue
        fields[str(key.value)] = _value(value)
    for name in REQUIRED_USER_FIELDS:
        if _text(fields.get(name)) is None:
            problems.append(Problem(file, line, f"{name} がありません（空にはできません）"))
            ok = False
    if not ok:
        return None
    slack_id = _text(fields.get("id"))
    teams_id = _text(fields.get("teams_id"))
    if slack_id is None and teams_id is None:
        problems.append(Problem(file, line, "id（Slack のユーザー ID）か teams_id（Teams の Azure AD オブジェクト ID）が必要です"))
        return None
    if teams_id is not None and not valid_teams_id(teams_id):
        problems.append(
            Problem(file, line, f"teams_id '{teams_id}' は使えません（Azure AD のオブジェクト ID、例: 6f1c3c1e-0b7a-4c55-9a57-3e2f0d1b9a10）")
        )
        ok = False
    user_id = slack_id if slack_id is not None else teams_staff_key(teams_id or "")
    name = _text(fields["name"]) or ""
    department = _text(fields["department"]) or ""
    if slack_id is not None and not valid_user_id(user_id):
        problems.append(Problem(file, line, f"id '{user_id}' は使えません（Slack のユーザー ID、例: U012ABC）"))
        ok = False
    if len(name) > MAX_NAME_CHARS:
        problems.append(Problem(file, line, f"name が長すぎます（{MAX_NAME_CHARS}文字まで）"))
        ok = False
    if len(department) > MAX_DEPARTMENT_CHARS:
        problems.append(Problem(file, line, f"department が長すぎます（{MAX_DEPARTMENT_CHARS}文字まで）"))
        ok = False
    elif listed is not None and department not in listed:
        hint = maybe(similar_names(department, listed))
        problems.append(
            Problem(file, line, f"課「{department}」が departments にありません。{hint or '新しい課なら departments に書いてください'}")
        )
        ok = False
    role_text = _text(fields.get("role"))
    role = StaffRole.MEMBER if role_text is None else parse_role(role_text)
    if role is None:
        problems.append(Problem(file, line, f"role '{role_text}' は使えません。使える役割: {ROLE_HELP}"))
        ok = False
    if not ok or role is None:
        return None
    return DirectoryEntry(
        user_id=user_id, name=name, department=department, role=role, teams_id=teams_id.lower() if teams_id else None
    )


def load_directory(path: Path) -> Directory:
    directory, problems = read_directory(path)
    if problems:
        raise DirectoryError(problems)
    return directory


def unknown_departments(directory: Directory, existing: Sequence[str], file: str) -> list[Problem]:
    """Users whose department neither exists nor is listed under `departments`: a department is created only
    when it is declared (here: listed; in chat: `登録 … 新しい課`), so a typo never makes a phantom one."""
    known = set(existing) | set(directory.departments)
    problems = []
    for user in directory.users:
        if user.department in known:
            continue
        hint = maybe(similar_names(user.department, known))
        problems.append(
            Problem(
                file,
                directory.lines.get(user.user_id, 1),
                f"課「{user.department}」はありません。{hint or '新しい課なら departments に書いてください。'}",
            )
        )
    return problems


def import_directory(path: Path, staff: StaffRepository, now: datetime) -> ImportResult:
    """Validate the whole file, then load it in one transaction (DirectoryError: nothing was imported)."""
    directory = load_directory(path)
    problems = unknown_departments(directory, [d.name for d in staff.departments()], str(path))
    if problems:
        raise DirectoryError(problems)
    result = staff.import_directory(directory.departments, directory.users, now)
    logger.info(
        "directory %s imported: %d departments added, staff %d added, %d updated, %d unchanged",
        path,
        result.departments_added,
        result.staff_added,
        result.staff_updated,
        result.staff_unchanged,
    )
    return result


def describe_import(result: ImportResult) -> str:
    """The Japanese summary the CLI prints."""
    return (
        f"職員名簿を読み込みました: 職員 新規 {result.staff_added}人・更新 {result.staff_updated}人・"
        f"変更なし {result.staff_unchanged}人、課 新規 {result.departments_added}件。"
    )
