"""The plan's tables as data: WG membership (2025年度), WG status (2024年度), BPR by year, bodies.

One YAML file per table under `tables/` in a knowledge-base directory (see knowledge/data/tables/).
Combination questions (「WG①とWG③の両方に入っている課」) are computed from these by
knowledge/table_answers.py instead of being written as one entry per combination.

When the directory also holds the plan's text (`sources/*.txt`), every value of every table must appear
in it: the tables are taken from the plan, and `dxbot kb check` says where one is not.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from knowledge import patterns
from knowledge.kb import Problem

TABLES_DIR = "tables"
SOURCES_DIR = "sources"

_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_YEAR = patterns.compile(r"(\d{4})年度")
_REIWA = patterns.compile(r"R(\d+)年度")


@dataclass(frozen=True)
class WorkingGroup:
    number: int
    name: str
    departments: tuple[str, ...] = ()
    status: str = ""
    # Shorter names staff use (フロントヤード, 生成AI): our words, not checked against the plan.
    aliases: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """WG①（フロントヤード改革）: as the plan writes it."""
        return f"WG{circled(self.number)}（{self.name}）"


@dataclass(frozen=True)
class WgTable:
    year: str
    source: str
    groups: tuple[WorkingGroup, ...]

    def group(self, number: int) -> WorkingGroup | None:
        return next((g for g in self.groups if g.number == number), None)


@dataclass(frozen=True)
class BprYear:
    year: str  # 2022年度
    label: str  # R4年度, as the plan writes it
    fields: tuple[str, ...]


@dataclass(frozen=True)
class BprTable:
    source: str
    years: tuple[BprYear, ...]
    # What the plan says of them as a whole (STEP1: 「2022年度・2023年度では、合計8つの課を対象に実施しました」).
    summary: str = ""

    def of_year(self, year: str) -> BprYear | None:
        return next((y for y in self.years if y.year == year), None)


@dataclass(frozen=True)
class Body:
    id: str
    name: str
    aliases: tuple[str, ...] = ()
    size: str = ""
    members: str = ""
    roles: tuple[str, ...] = ()
    status: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class BodyTable:
    source: str
    bodies: tuple[Body, ...]


@dataclass(frozen=True)
class Version:
    version: str  # 第1.3版
    issued: str  # 2024年9月30日
    changes: tuple[str, ...]


@dataclass(frozen=True)
class RevisionTable:
    source: str
    versions: tuple[Version, ...]


@dataclass(frozen=True)
class PlanTables:
    wg_current: WgTable | None = None
    wg_previous: WgTable | None = None
    bpr: BprTable | None = None
    bodies: BodyTable | None = None
    revisions: RevisionTable | None = None

    def departments(self) -> tuple[str, ...]:
        """Every department the tables name, in the plan's order."""
        seen: dict[str, None] = {}
        for table in (self.wg_current, self.wg_previous):
            for group in table.groups if table else ():
                seen.update(dict.fromkeys(group.departments))
        for body in self.bodies.bodies if self.bodies else ():
            if body.members.endswith("課"):
                seen[body.members] = None
        return tuple(seen)


def circled(number: int) -> str:
    return chr(0x2460 + number - 1) if 1 <= number <= 20 else str(number)


def squash(text: str) -> str:
    """Compare with the plan's text regardless of width and spacing (the plan writes 「2024 年」)."""
    return "".join(unicodedata.normalize("NFKC", text).split()).replace("〜", "~").replace("～", "~")


# ---------------------------------------------------------------- reading


class _Reader:
    """Turns one YAML file into values, keeping line numbers for problems (in Japanese)."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path = path
        self.name = _display_name(path)
        self.problems = problems

    def problem(self, node: yaml.Node | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.problems.append(Problem(self.name, line, message))

    def root(self) -> yaml.MappingNode | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            self.problem(None, f"ファイルを読めません: {error}")
            return None
        try:
            # libyaml's parser when PyYAML has it (knowledge/kb.py); a file it refuses is parsed again by the
            # pure-Python one, whose error marks the message uses.
            return self._mapping(yaml.compose(text, Loader=_FAST_LOADER))
        except yaml.YAMLError:
            pass
        try:
            node = yaml.compose(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = mark.line + 1 if mark is not None else 1
            self.problems.append(Problem(self.name, line, "YAMLの書き方に誤りがあります"))
            return None
        return self._mapping(node)

    def _mapping(self, node: yaml.Node | None) -> yaml.MappingNode | None:
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, "表のファイルは「source:」などの項目を持つ形で書いてください")
            return None
        return node

    def fields(self, node: yaml.Node, allowed: set[str], required: set[str]) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, "項目（キー: 値）の形で書いてください")
            return {}
        out: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key not in allowed:
                self.problem(key_node, f"不明な項目「{key}」があります（使える項目: {'、'.join(sorted(allowed))}）")
            elif key in out:
                self.problem(key_node, f"項目「{key}」が重複しています")
            else:
                out[key] = value_node
        for key in sorted(required - out.keys()):
            self.problem(node, f"項目「{key}」がありません")
        return out

    def text(self, node: yaml.Node | None, what: str) -> str:
        if node is None:
            return ""
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, f"{what}は文字列で書いてください")
            return ""
        return str(node.value).strip()

    def texts(self, node: yaml.Node | None, what: str) -> tuple[str, ...]:
        if node is None:
            return ()
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"{what}は一覧（[…]）で書いてください")
            return ()
        return tuple(v for v in (self.text(item, what) for item in node.value) if v)

    def items(self, node: yaml.Node | None, what: str) -> list[yaml.Node]:
        if node is None:
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"{what}は一覧で書いてください")
            return []
        return list(node.value)

    def number(self, node: yaml.Node | None, what: str) -> int:
        value = self.text(node, what)
        if not value.isdigit():
            self.problem(node, f"{what}は数字で書いてください: 「{value}」")
            return 0
        return int(value)


def _read_wg(path: Path, problems: list[Problem], with_members: bool) -> tuple[WgTable | None, list[_Value]]:
    reader = _Reader(path, problems)
    root = reader.root()
    if root is None:
        return None, []
    top = reader.fields(root, {"source", "year", "groups"}, {"source", "year", "groups"})
    values: list[_Value] = []
    year = reader.text(top.get("year"), "year")
    if year and not _YEAR.fullmatch(year):
        reader.problem(top.get("year"), f"年度は「2025年度」の形で書いてください: 「{year}」")
    groups: list[WorkingGroup] = []
    seen: set[int] = set()
    allowed = {"number", "name", "aliases", "departments" if with_members else "status"}
    for item in reader.items(top.get("groups"), "groups"):
        fields = reader.fields(item, allowed, {"number", "name"})
        number = reader.number(fields.get("number"), "WGの番号")
        if number in seen:
            reader.problem(item, f"WG{circled(number)} が重複しています")
        seen.add(number)
        name = reader.text(fields.get("name"), "WGの名前")
        departments = reader.texts(fields.get("departments"), "departments")
        for department in departments:
            if not department.endswith("課"):
                reader.problem(fields.get("departments"), f"課名は「〜課」の形で書いてください: 「{department}」")
        if len(set(departments)) != len(departments):
            reader.problem(fields.get("departments"), f"WG{circled(number)} に同じ課が2度書かれています")
        status = reader.text(fields.get("status"), "status")
        values += [_Value(name, item)] + [_Value(d, fields["departments"]) for d in departments]
        if status:
            values.append(_Value(status, fields["status"]))
        aliases = reader.texts(fields.get("aliases"), "aliases")
        groups.append(WorkingGroup(number, name, departments, status, aliases))
    source = reader.text(top.get("source"), "source")
    return WgTable(year, source, tuple(groups)), values


def _read_bpr(path: Path, problems: list[Problem]) -> tuple[BprTable | None, list[_Value]]:
    reader = _Reader(path, problems)
    root = reader.root()
    if root is None:
        return None, []
    top = reader.fields(root, {"source", "years", "summary"}, {"source", "years"})
    summary = reader.text(top.get("summary"), "summary")
    values: list[_Value] = [_Value(summary, top.get("summary"))] if summary else []
    years: list[BprYear] = []
    for item in reader.items(top.get("years"), "years"):
        fields = reader.fields(item, {"year", "label", "fields"}, {"year", "label", "fields"})
        year = reader.text(fields.get("year"), "year")
        label = reader.text(fields.get("label"), "label")
        western, reiwa = _YEAR.fullmatch(year), _REIWA.fullmatch(label)
        if not western:
            reader.problem(fields.get("year"), f"年度は「2022年度」の形で書いてください: 「{year}」")
        if not reiwa:
            reader.problem(fields.get("label"), f"和暦は計画の書き方（「R4年度」）で書いてください: 「{label}」")
        elif western and int(western.group(1)) != 2018 + int(reiwa.group(1)):
            reader.problem(fields.get("label"), f"「{label}」は{year}ではありません（令和N年度 = 2018+N年度）")
        names = reader.texts(fields.get("fields"), "fields")
        if not names:
            reader.problem(item, f"{year}のBPR対象がありません")
        values += [_Value(label, fields.get("label"))] + [_Value(n, fields["fields"]) for n in names]
        years.append(BprYear(year, label, names))
    if len({y.year for y in years}) != len(years):
        reader.problem(top.get("years"), "同じ年度が2度書かれています")
    return BprTable(reader.text(top.get("source"), "source"), tuple(years), summary), values


def _read_bodies(path: Path, problems: list[Problem]) -> tuple[BodyTable | None, list[_Value]]:
    reader = _Reader(path, problems)
    root = reader.root()
    if root is None:
        return None, []
    top = reader.fields(root, {"source", "bodies"}, {"source", "bodies"})
    values: list[_Value] = []
    bodies: list[Body] = []
    for item in reader.items(top.get("bodies"), "bodies"):
        fields = reader.fields(
            item, {"id", "name", "aliases", "size", "members", "roles", "status"}, {"id", "name", "roles"}
        )
        body = Body(
            id=reader.text(fields.get("id"), "id"),
            name=reader.text(fields.get("name"), "name"),
            aliases=reader.texts(fields.get("aliases"), "aliases"),
            size=reader.text(fields.get("size"), "size"),
            members=reader.text(fields.get("members"), "members"),
            roles=reader.texts(fields.get("roles"), "roles"),
            status=reader.text(fields.get("status"), "status"),
        )
        for key in ("name", "size", "members", "status"):
            if getattr(body, key):
                values.append(_Value(getattr(body, key), fields[key]))
        values += [_Value(role, fields["roles"]) for role in body.roles]
        bodies.append(body)
    if len({b.id for b in bodies}) != len(bodies):
        reader.problem(top.get("bodies"), "同じidの組織が2度書かれています")
    return BodyTable(reader.text(top.get("source"), "source"), tuple(bodies)), values


_VERSION = patterns.compile(r"第\d+(\.\d+)?版")
_DATE = patterns.compile(r"\d{4}年\d{1,2}月\d{1,2}日")


def _read_revisions(path: Path, problems: list[Problem]) -> tuple[RevisionTable | None, list[_Value]]:
    reader = _Reader(path, problems)
    root = reader.root()
    if root is None:
        return None, []
    top = reader.fields(root, {"source", "versions"}, {"source", "versions"})
    values: list[_Value] = []
    versions: list[Version] = []
    for item in reader.items(top.get("versions"), "versions"):
        fields = reader.fields(item, {"version", "issued", "changes"}, {"version", "issued", "changes"})
        version = reader.text(fields.get("version"), "version")
        issued = reader.text(fields.get("issued"), "issued")
        if version and not _VERSION.fullmatch(version):
            reader.problem(fields.get("version"), f"版は「第1.3版」の形で書いてください: 「{version}」")
        if issued and not _DATE.fullmatch(issued):
            reader.problem(fields.get("issued"), f"発行日は「2024年9月30日」の形で書いてください: 「{issued}」")
        changes = reader.texts(fields.get("changes"), "changes")
        values += [_Value(version, fields.get("version")), _Value(issued, fields.get("issued"))]
        values += [_Value(c, fields["changes"]) for c in changes]
        versions.append(Version(version, issued, changes))
    if len({v.version for v in versions}) != len(versions):
        reader.problem(top.get("versions"), "同じ版が2度書かれています")
    return RevisionTable(reader.text(top.get("source"), "source"), tuple(versions)), values


@dataclass(frozen=True)
class _Value:
    """A table value and where it is written, to check it against the plan's text."""

    text: str
    node: yaml.Node | None


def read_tables(directory: Path, problems: list[Problem]) -> PlanTables | None:
    """The tables of a knowledge-base directory (None without a `tables/` folder); problems are appended."""
    folder = directory / TABLES_DIR
    if not folder.is_dir():
        return None
    found: dict[str, Any] = {}
    to_check: list[tuple[Path, list[_Value]]] = []
    readers = {
        "wg_2025.yaml": ("wg_current", lambda p: _read_wg(p, problems, with_members=True)),
        "wg_2024.yaml": ("wg_previous", lambda p: _read_wg(p, problems, with_members=False)),
        "bpr.yaml": ("bpr", lambda p: _read_bpr(p, problems)),
        "bodies.yaml": ("bodies", lambda p: _read_bodies(p, problems)),
        "revisions.yaml": ("revisions", lambda p: _read_revisions(p, problems)),
    }
    for path in sorted(folder.glob("*.yaml")):
        if path.name not in readers:
            problems.append(
                Problem(_display_name(path), 1, f"不明な表のファイルです（使えるのは {'、'.join(sorted(readers))}）")
            )
            continue
        key, read = readers[path.name]
        table, values = read(path)
        found[key] = table
        to_check.append((path, values))
    plan_text = read_plan_text(directory)
    if plan_text:
        for path, values in to_check:
            for value in values:
                if squash(value.text) not in plan_text:
                    line = value.node.start_mark.line + 1 if value.node is not None else 1
                    problems.append(
                        Problem(_display_name(path), line, f"「{value.text}」が計画本文（{SOURCES_DIR}/）に見当たりません")
                    )
    return PlanTables(**found)


def _display_name(path: Path) -> str:
    """As the knowledge base's other problems name their file: relative to the knowledge base."""
    return f"{TABLES_DIR}/{path.name}"


def read_plan_text(directory: Path) -> str:
    """The plan's text in squashed form, from `sources/*.txt` ('' when there is none)."""
    folder = directory / SOURCES_DIR
    if not folder.is_dir():
        return ""
    return "".join(squash(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.txt")))
