"""The knowledge base as plain data, loaded from a YAML directory or a CSV file.

YAML layout (see knowledge/data/): `plan.yaml` (plan title, version, reforms), `glossary.yaml`
(synonym groups), `initiatives.yaml` (tables ①–③), and `faq/*.yaml` (entries). Every loaded item keeps
the file and line it came from, so `dxbot kb check` can point at problems.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

logger = logging.getLogger(__name__)

BUNDLED_KB = Path(__file__).resolve().parent / "data"

ENTRY_FIELDS = {"id", "question", "alternates", "answer", "source", "tags"}
REQUIRED_ENTRY_FIELDS = {"id", "question", "answer"}


class KnowledgeBaseError(Exception):
    """The knowledge base cannot be loaded at all; `problems` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Origin:
    file: str
    line: int


@dataclass(frozen=True)
class FaqEntry:
    id: str
    question: str
    answer: str
    alternates: tuple[str, ...] = ()
    source: str | None = None
    tags: tuple[str, ...] = ()
    origin: Origin | None = field(default=None, compare=False)

    @property
    def phrasings(self) -> tuple[str, ...]:
        return (self.question, *self.alternates)


@dataclass(frozen=True)
class PlanInfo:
    title: str
    version: str
    issued: str | None = None
    secretariat: str = "政策企画課"


@dataclass(frozen=True)
class Reform:
    no: int
    symbol: str
    name: str


@dataclass(frozen=True)
class Kpi:
    name: str
    unit: str
    target: float | None = None


@dataclass(frozen=True)
class Initiative:
    id: str
    name: str
    reform: int
    theme: str
    theme_no: str = ""
    notes: str = ""
    aliases: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    kpis: tuple[Kpi, ...] = ()


@dataclass(frozen=True)
class KnowledgeBase:
    entries: tuple[FaqEntry, ...]
    plan: PlanInfo | None = None
    reforms: tuple[Reform, ...] = ()
    synonyms: tuple[tuple[str, ...], ...] = ()
    initiatives: tuple[Initiative, ...] = ()

    def source_label(self, entry: FaqEntry) -> str | None:
        """Section and plan version, e.g. `5. 推進体制（…アクションプラン 第1.5版）`."""
        if entry.source is None:
            return None
        if self.plan is None:
            return entry.source
        return f"{entry.source}（{self.plan.title} {self.plan.version}）"


# ---------------------------------------------------------------- YAML with line numbers


def _compose(path: Path, problems: list[Problem]) -> yaml.Node | None:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        problems.append(Problem(str(path), 1, f"cannot read file: {error}"))
        return None
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problems.append(Problem(str(path), line, f"YAML error: {getattr(error, 'problem', error)}"))
        return None


def _value(node: yaml.Node) -> Any:
    return yaml.SafeLoader(io.StringIO("")).construct_object(node, deep=True)  # type: ignore[no-untyped-call]


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _mapping_items(node: yaml.Node) -> list[tuple[str, yaml.Node, yaml.Node]]:
    assert isinstance(node, yaml.MappingNode)
    return [(str(k.value), k, v) for k, v in node.value]


def _top_level(path: Path, key: str, problems: list[Problem]) -> yaml.Node | None:
    root = _compose(path, problems)
    if root is None:
        return None
    if not isinstance(root, yaml.MappingNode):
        problems.append(Problem(str(path), _line(root), "top level must be a mapping"))
        return None
    for name, _key_node, value in _mapping_items(root):
        if name == key:
            return value
    problems.append(Problem(str(path), 1, f"missing top-level key '{key}'"))
    return None


def _string_list(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return ()
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return tuple(str(v).strip() for v in value if str(v).strip())
    return None


_FOLD_SPACE = re.compile(r"(?<=[。、」』）！？])[ \t]+")


def _join_folded_lines(text: str) -> str:
    """YAML's folded style (>-) joins lines with a space, which Japanese text does not use after 。"""
    return _FOLD_SPACE.sub("", text.strip())


def _parse_entries(path: Path, problems: list[Problem]) -> list[FaqEntry]:
    node = _top_level(path, "entries", problems)
    if node is None:
        return []
    if not isinstance(node, yaml.SequenceNode):
        problems.append(Problem(str(path), _line(node), "'entries' must be a list"))
        return []
    entries: list[FaqEntry] = []
    for item in node.value:
        line = _line(item)
        if not isinstance(item, yaml.MappingNode):
            problems.append(Problem(str(path), line, "an entry must be a mapping"))
            continue
        fields: dict[str, Any] = {}
        ok = True
        for name, key_node, value_node in _mapping_items(item):
            if name not in ENTRY_FIELDS:
                problems.append(Problem(str(path), _line(key_node), f"unknown field '{name}'"))
                ok = False
                continue
            fields[name] = (_value(value_node), _line(value_node))
        for name in sorted(REQUIRED_ENTRY_FIELDS - fields.keys()):
            problems.append(Problem(str(path), line, f"missing field '{name}'"))
            ok = False
        for name in ("id", "question", "answer", "source"):
            if name in fields:
                value, value_line = fields[name]
                if not isinstance(value, (str, int)) or not str(value).strip():
                    problems.append(Problem(str(path), value_line, f"'{name}' must be a non-empty string"))
                    ok = False
        lists: dict[str, tuple[str, ...]] = {}
        for name in ("alternates", "tags"):
            if name in fields:
                parsed = _string_list(fields[name][0])
                if parsed is None:
                    problems.append(Problem(str(path), fields[name][1], f"'{name}' must be a list of strings"))
                    ok = False
                else:
                    lists[name] = parsed
        if not ok:
            continue
        entries.append(
            FaqEntry(
                id=str(fields["id"][0]).strip(),
                question=str(fields["question"][0]).strip(),
                answer=_join_folded_lines(str(fields["answer"][0])),
                alternates=lists.get("alternates", ()),
                source=str(fields["source"][0]).strip() if "source" in fields else None,
                tags=lists.get("tags", ()),
                origin=Origin(str(path), line),
            )
        )
    return entries


def _parse_plan(path: Path, problems: list[Problem]) -> tuple[PlanInfo | None, tuple[Reform, ...]]:
    root = _compose(path, problems)
    if root is None:
        return None, ()
    data = _value(root) or {}
    plan_data = data.get("plan") if isinstance(data, dict) else None
    if not isinstance(plan_data, dict) or not plan_data.get("title") or not plan_data.get("version"):
        problems.append(Problem(str(path), 1, "'plan' needs 'title' and 'version'"))
        return None, ()
    plan = PlanInfo(
        title=str(plan_data["title"]),
        version=str(plan_data["version"]),
        issued=str(plan_data["issued"]) if plan_data.get("issued") else None,
        secretariat=str(plan_data.get("secretariat") or "政策企画課"),
    )
    reforms = tuple(
        Reform(no=int(r["number"]), symbol=str(r["symbol"]), name=str(r["name"])) for r in data.get("reforms") or []
    )
    return plan, reforms


def _parse_glossary(path: Path, problems: list[Problem]) -> tuple[tuple[str, ...], ...]:
    node = _top_level(path, "synonyms", problems)
    if node is None:
        return ()
    groups: list[tuple[str, ...]] = []
    for item in node.value if isinstance(node, yaml.SequenceNode) else []:
        terms = _string_list(_value(item))
        if terms is None or len(terms) < 2:
            problems.append(Problem(str(path), _line(item), "a synonym group must list at least two terms"))
            continue
        groups.append(terms)
    return tuple(groups)


def _parse_initiatives(path: Path, problems: list[Problem]) -> tuple[Initiative, ...]:
    node = _top_level(path, "initiatives", problems)
    if node is None:
        return ()
    out: list[Initiative] = []
    for item in node.value if isinstance(node, yaml.SequenceNode) else []:
        data = _value(item)
        try:
            out.append(
                Initiative(
                    id=str(data["id"]),
                    name=str(data["name"]),
                    reform=int(data["reform"]),
                    theme=str(data["theme"]),
                    theme_no=str(data.get("theme_no") or ""),
                    notes=str(data.get("notes") or ""),
                    aliases=_string_list(data.get("aliases")) or (),
                    departments=_string_list(data.get("departments")) or (),
                    kpis=tuple(
                        Kpi(name=str(k["name"]), unit=str(k.get("unit") or ""), target=k.get("target"))
                        for k in data.get("kpis") or []
                    ),
                )
            )
        except (KeyError, TypeError, ValueError) as error:
            problems.append(Problem(str(path), _line(item), f"invalid initiative: {error}"))
    return tuple(out)


def read_yaml_kb(directory: Path) -> tuple[KnowledgeBase, list[Problem]]:
    """Load a YAML knowledge base directory, collecting problems instead of stopping at the first."""
    problems: list[Problem] = []
    plan: PlanInfo | None = None
    reforms: tuple[Reform, ...] = ()
    if (directory / "plan.yaml").exists():
        plan, reforms = _parse_plan(directory / "plan.yaml", problems)
    synonyms = _parse_glossary(directory / "glossary.yaml", problems) if (directory / "glossary.yaml").exists() else ()
    initiatives = (
        _parse_initiatives(directory / "initiatives.yaml", problems)
        if (directory / "initiatives.yaml").exists()
        else ()
    )
    faq_files = sorted((directory / "faq").glob("*.yaml")) if (directory / "faq").is_dir() else []
    if not faq_files:
        faq_files = sorted(
            p for p in directory.glob("*.yaml") if p.name not in {"plan.yaml", "glossary.yaml", "initiatives.yaml"}
        )
    entries: list[FaqEntry] = []
    for path in faq_files:
        entries.extend(_parse_entries(path, problems))
    if not entries and not problems:
        problems.append(Problem(str(directory), 1, "no FAQ entries found"))
    kb = KnowledgeBase(
        entries=tuple(entries), plan=plan, reforms=reforms, synonyms=synonyms, initiatives=initiatives
    )
    return kb, problems


def read_csv_kb(path: Path) -> tuple[KnowledgeBase, list[Problem]]:
    """A CSV FAQ with a header containing id,question,answer (UTF-8, BOM allowed; other columns ignored)."""
    problems: list[Problem] = []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        return KnowledgeBase(entries=()), [Problem(str(path), 1, f"cannot read file: {error}")]
    reader = csv.DictReader(io.StringIO(text))
    header = {name.strip().lower() for name in reader.fieldnames or []}
    missing = {"id", "question", "answer"} - header
    if missing:
        return KnowledgeBase(entries=()), [
            Problem(str(path), 1, f"header must contain id,question,answer (missing: {','.join(sorted(missing))})")
        ]
    entries: list[FaqEntry] = []
    for row in reader:
        row = {(k or "").strip().lower(): (v or "") for k, v in row.items()}
        line = reader.line_num
        entry_id, question, answer = row["id"].strip(), row["question"].strip(), row["answer"].strip()
        if not entry_id or not question or not answer:
            problems.append(Problem(str(path), line, "id, question and answer must not be empty"))
            continue
        entries.append(FaqEntry(id=entry_id, question=question, answer=answer, origin=Origin(str(path), line)))
    if not entries:
        problems.append(Problem(str(path), 1, "no FAQ entries found"))
    return KnowledgeBase(entries=tuple(entries)), problems


def read_kb(path: Path | None = None) -> tuple[KnowledgeBase, list[Problem]]:
    """A knowledge base from a YAML directory or a CSV file (the bundled one when `path` is None)."""
    path = BUNDLED_KB if path is None else Path(path)
    if path.is_dir():
        return read_yaml_kb(path)
    if path.suffix.lower() == ".csv" and path.is_file():
        return read_csv_kb(path)
    return KnowledgeBase(entries=()), [Problem(str(path), 1, "not a knowledge-base directory or CSV file")]


def load_kb(path: Path | None = None) -> KnowledgeBase:
    """Like `read_kb`; an unusable knowledge base is an error, smaller problems are logged and skipped."""
    kb, problems = read_kb(path)
    if not kb.entries:
        raise KnowledgeBaseError(problems)
    for problem in problems:
        logger.warning("knowledge base problem skipped: %s", problem)
    return kb
