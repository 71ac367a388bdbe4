"""The knowledge base as plain data, loaded from a YAML directory or a CSV file.

YAML layout (see knowledge/data/): `plan.yaml` (plan title, version, reforms), `glossary.yaml`
(synonym groups), `initiatives.yaml` (tables ①–③), `faq/*.yaml` (entries) and, when curators have marked
questions as out of scope, `out_of_scope.yaml` (written by `dxbot kb apply`, read for calibration). Every
loaded item keeps the file (relative to the knowledge base) and line it came from, so `dxbot kb check`
can point at problems. Every message is Japanese (knowledge/messages.py).
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from knowledge import patterns
from knowledge.messages import msg, yaml_error_message

if TYPE_CHECKING:
    from knowledge.tables import PlanTables

logger = logging.getLogger(__name__)

BUNDLED_KB = Path(__file__).resolve().parent / "data"

# `added` and `plan_version` are written by `dxbot kb apply` on the entries a curator makes from the sheet;
# `related` lists entries to offer as follow-ups.
ENTRY_FIELDS = ("id", "question", "alternates", "answer", "source", "tags", "plan_version", "added", "related")
REQUIRED_ENTRY_FIELDS = {"id", "question", "answer"}


class KnowledgeBaseError(Exception):
    """The knowledge base cannot be loaded at all; `problems` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Problem:
    """One problem at `file:line`; a `note` (e.g. empty rows skipped) is said but is not an error."""

    file: str
    line: int
    message: str
    note: bool = False

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
    plan_version: str | None = None  # the plan version a curator wrote the answer against
    added: str | None = None  # the date `dxbot kb apply` made the entry (ISO); None for authored entries
    # Ids of entries to offer as follow-up choices after this answer (DXとは → DのX, Xの意味, 人に優しいDX).
    related: tuple[str, ...] = ()
    origin: Origin | None = field(default=None, compare=False)

    @property
    def phrasings(self) -> tuple[str, ...]:
        return (self.question, *self.alternates)


DEFAULT_SECRETARIAT = "政策企画課"  # the plan's 事務局, when plan.yaml does not name it


@dataclass(frozen=True)
class PlanInfo:
    title: str
    version: str
    issued: str | None = None
    secretariat: str = DEFAULT_SECRETARIAT


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
    # Questions curators marked 対象外 (out_of_scope.yaml): off-topic examples for the engine's calibration.
    out_of_scope: tuple[str, ...] = ()
    # The plan's tables (knowledge/tables.py), for answers computed from them; None for a CSV FAQ.
    tables: PlanTables | None = None

    @property
    def contact(self) -> str | None:
        """Whom to ask when the knowledge base has no answer: the plan's 事務局; None for a FAQ without one."""
        return f"事務局（{self.plan.secretariat}）" if self.plan is not None else None

    def source_label(self, entry: FaqEntry) -> str | None:
        """Section and plan version, e.g. `5. 推進体制（…アクションプラン 第1.5版）`."""
        if entry.source is None:
            return None
        if self.plan is None:
            return entry.source
        return f"{entry.source}（{self.plan.title} {entry.plan_version or self.plan.version}）"


# ---------------------------------------------------------------- YAML with line numbers


def read_failure(error: OSError | UnicodeDecodeError) -> str:
    """A Japanese message for a file that cannot be read (the OS's own text is English)."""
    if isinstance(error, FileNotFoundError):
        return msg("file_missing")
    if isinstance(error, UnicodeDecodeError):
        return msg("not_utf8")
    return msg("file_unreadable")


class _Source:
    """One YAML file being read: its path, the name problems show (relative to the knowledge base)."""

    def __init__(self, path: Path, root: Path, problems: list[Problem]) -> None:
        self.path = path
        self.name = _display_name(path, root)
        self.problems = problems

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.name, line, message))


def _display_name(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose(source: _Source) -> yaml.Node | None:
    try:
        text = source.path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        source.problem(1, read_failure(error))
        return None
    try:
        # libyaml's parser when PyYAML has it (six times faster: most of the bot's start-up with the plan);
        # a file it refuses is parsed again by the pure-Python one, whose error texts the messages know.
        return yaml.compose(text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        pass
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        source.problem(*yaml_error_message(error))
        return None


def _value(node: yaml.Node) -> Any:
    # The constructor alone, not a whole SafeLoader (its reader, scanner and parser are not used here, and
    # making them for each of the plan's 1,300 values cost a third of loading it).
    return yaml.constructor.SafeConstructor().construct_object(node, deep=True)  # type: ignore[no-untyped-call]


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _mapping_items(node: yaml.Node) -> list[tuple[str, yaml.Node, yaml.Node]]:
    assert isinstance(node, yaml.MappingNode)
    return [(str(k.value), k, v) for k, v in node.value]


def _top_level(source: _Source, key: str, *, required: bool = True) -> yaml.Node | None:
    root = _compose(source)
    if root is None:
        return None
    if not isinstance(root, yaml.MappingNode):
        source.problem(_line(root), msg("top_not_mapping"))
        return None
    for name, _key_node, value in _mapping_items(root):
        if name == key:
            return value
    if required:
        source.problem(1, msg("top_key_missing", key=key))
    return None


def _string_list(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return ()
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return tuple(str(v).strip() for v in value if str(v).strip())
    return None


_FOLD_SPACE = patterns.compile(r"(?<=[。、」』）！？])[ \t]+")


def _join_folded_lines(text: str) -> str:
    """YAML's folded style (>-) joins lines with a space, which Japanese text does not use after 。"""
    return _FOLD_SPACE.sub("", text.strip())


def _optional_texts(fields: dict[str, Any]) -> dict[str, str]:
    """The optional text fields of an entry that are present; a YAML date (`added`) as ISO text."""
    out: dict[str, str] = {}
    for name in ("source", "plan_version", "added"):
        if name in fields:
            value = fields[name][0]
            out[name] = value.isoformat() if hasattr(value, "isoformat") else str(value).strip()
    return out


def _parse_entries(source: _Source) -> list[FaqEntry]:
    node = _top_level(source, "entries")
    if node is None:
        return []
    if not isinstance(node, yaml.SequenceNode):
        source.problem(_line(node), msg("entries_not_list"))
        return []
    entries: list[FaqEntry] = []
    for item in node.value:
        line = _line(item)
        if not isinstance(item, yaml.MappingNode):
            source.problem(line, msg("entry_not_mapping"))
            continue
        fields: dict[str, Any] = {}
        ok = True
        for name, key_node, value_node in _mapping_items(item):
            if name not in ENTRY_FIELDS:
                source.problem(_line(key_node), msg("unknown_field", name=name, allowed=", ".join(ENTRY_FIELDS)))
                ok = False
                continue
            fields[name] = (_value(value_node), _line(value_node))
        for name in sorted(REQUIRED_ENTRY_FIELDS - fields.keys()):
            source.problem(line, msg("missing_field", name=name))
            ok = False
        for name in ("id", "question", "answer", "source", "plan_version", "added"):
            if name in fields:
                value, value_line = fields[name]
                if not isinstance(value, (str, int)) or not str(value).strip():
                    # `added: 2026-03-05` is read by YAML as a date: written as text by kb apply, but a
                    # hand edit may drop the quotes.
                    if not (name == "added" and hasattr(value, "isoformat")):
                        source.problem(value_line, msg("field_not_string", name=name))
                        ok = False
        lists: dict[str, tuple[str, ...]] = {}
        for name in ("alternates", "tags", "related"):
            if name in fields:
                parsed = _string_list(fields[name][0])
                if parsed is None:
                    source.problem(fields[name][1], msg("field_not_list", name=name))
                    ok = False
                else:
                    lists[name] = parsed
        if not ok:
            continue

        text = _optional_texts(fields)
        entries.append(
            FaqEntry(
                id=str(fields["id"][0]).strip(),
                question=str(fields["question"][0]).strip(),
                answer=_join_folded_lines(str(fields["answer"][0])),
                alternates=lists.get("alternates", ()),
                source=text.get("source"),
                tags=lists.get("tags", ()),
                plan_version=text.get("plan_version"),
                added=text.get("added"),
                related=lists.get("related", ()),
                origin=Origin(source.name, line),
            )
        )
    return entries


def _parse_plan(source: _Source) -> tuple[PlanInfo | None, tuple[Reform, ...]]:
    root = _compose(source)
    if root is None:
        return None, ()
    data = _value(root) or {}
    plan_data = data.get("plan") if isinstance(data, dict) else None
    if not isinstance(plan_data, dict) or not plan_data.get("title") or not plan_data.get("version"):
        source.problem(1, msg("plan_needs_title"))
        return None, ()
    plan = PlanInfo(
        title=str(plan_data["title"]),
        version=str(plan_data["version"]),
        issued=str(plan_data["issued"]) if plan_data.get("issued") else None,
        secretariat=str(plan_data.get("secretariat") or DEFAULT_SECRETARIAT),
    )
    reforms = tuple(
        Reform(no=int(r["number"]), symbol=str(r["symbol"]), name=str(r["name"])) for r in data.get("reforms") or []
    )
    return plan, reforms


def _parse_glossary(source: _Source) -> tuple[tuple[str, ...], ...]:
    node = _top_level(source, "synonyms")
    if node is None:
        return ()
    groups: list[tuple[str, ...]] = []
    for item in node.value if isinstance(node, yaml.SequenceNode) else []:
        terms = _string_list(_value(item))
        if terms is None or len(terms) < 2:
            source.problem(_line(item), msg("synonym_group"))
            continue
        groups.append(terms)
    return tuple(groups)


def _parse_initiatives(source: _Source) -> tuple[Initiative, ...]:
    node = _top_level(source, "initiatives")
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
        except (KeyError, TypeError, ValueError, AttributeError):
            source.problem(_line(item), msg("invalid_initiative"))
    return tuple(out)


OUT_OF_SCOPE_FILE = "out_of_scope.yaml"


def _parse_out_of_scope(source: _Source) -> tuple[str, ...]:
    """`examples: [{question: …, added: …}, …]`: questions curators marked 対象外."""
    node = _top_level(source, "examples")
    if node is None:
        return ()
    if not isinstance(node, yaml.SequenceNode):
        if not (isinstance(node, yaml.ScalarNode) and node.value in ("", "null", "~")):  # `examples:` left empty
            source.problem(_line(node), msg("out_of_scope_not_list"))
        return ()
    questions: list[str] = []
    for item in node.value:
        data = _value(item)
        question = data.get("question") if isinstance(data, dict) else data if isinstance(data, str) else None
        if not isinstance(question, str) or not question.strip():
            source.problem(_line(item), msg("out_of_scope_item"))
            continue
        questions.append(question.strip())
    return tuple(questions)


_RESERVED_FILES = {"plan.yaml", "glossary.yaml", "initiatives.yaml", OUT_OF_SCOPE_FILE}


def faq_files(directory: Path) -> list[Path]:
    """The YAML files holding entries: `faq/*.yaml`, else the directory's own *.yaml."""
    files = sorted((directory / "faq").glob("*.yaml")) if (directory / "faq").is_dir() else []
    if not files:
        files = sorted(p for p in directory.glob("*.yaml") if p.name not in _RESERVED_FILES)
    return files


def read_yaml_kb(directory: Path) -> tuple[KnowledgeBase, list[Problem]]:
    """Load a YAML knowledge base directory, collecting problems instead of stopping at the first."""
    problems: list[Problem] = []

    def source(name: str | Path) -> _Source:
        """A file by its name in the directory, or a path already under it (from `faq_files`)."""
        return _Source(name if isinstance(name, Path) else directory / name, directory, problems)

    plan: PlanInfo | None = None
    reforms: tuple[Reform, ...] = ()
    if (directory / "plan.yaml").exists():
        plan, reforms = _parse_plan(source("plan.yaml"))
    synonyms = _parse_glossary(source("glossary.yaml")) if (directory / "glossary.yaml").exists() else ()
    initiatives = _parse_initiatives(source("initiatives.yaml")) if (directory / "initiatives.yaml").exists() else ()
    out_of_scope = (
        _parse_out_of_scope(source(OUT_OF_SCOPE_FILE)) if (directory / OUT_OF_SCOPE_FILE).exists() else ()
    )
    entries: list[FaqEntry] = []
    for path in faq_files(directory):
        entries.extend(_parse_entries(source(path)))
    if not entries and not problems:
        problems.append(Problem(str(directory), 1, msg("no_entries")))
    problems += duplicate_ids(entries)
    from knowledge.tables import read_tables

    tables = read_tables(directory, problems)
    kb = KnowledgeBase(
        entries=tuple(entries),
        plan=plan,
        reforms=reforms,
        synonyms=synonyms,
        initiatives=initiatives,
        out_of_scope=out_of_scope,
        tables=tables,
    )
    return kb, problems


def duplicate_ids(entries: Sequence[FaqEntry]) -> list[Problem]:
    """Every entry whose id an earlier entry already has; the same check for YAML, CSV and xlsx."""
    problems: list[Problem] = []
    first: dict[str, FaqEntry] = {}
    for entry in entries:
        earlier = first.setdefault(entry.id, entry)
        if earlier is entry or entry.origin is None:
            continue
        assert earlier.origin is not None
        where = str(earlier.origin.line)
        if earlier.origin.file != entry.origin.file:
            where = f"{earlier.origin.file} の {where}"
        problems.append(Problem(entry.origin.file, entry.origin.line, msg("duplicate_id", id=entry.id, first=where)))
    return problems


def read_kb(path: Path | None = None) -> tuple[KnowledgeBase, list[Problem]]:
    """A knowledge base from a YAML directory, or a FAQ file (CSV or xlsx); the bundled one when None."""
    from knowledge.faqfile import FAQ_FILE_SUFFIXES, read_faq_file

    path = BUNDLED_KB if path is None else Path(path)
    if path.is_dir():
        return read_yaml_kb(path)
    if path.suffix.lower() in FAQ_FILE_SUFFIXES and path.is_file():
        return read_faq_file(path)
    return KnowledgeBase(entries=()), [Problem(str(path), 1, msg("not_a_kb"))]


def errors_only(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if not p.note]


def load_kb(path: Path | None = None) -> KnowledgeBase:
    """Like `read_kb`, refused (KnowledgeBaseError) as `kb check` would report it when there is no entry,
    two entries share an id, or a FAQ file (CSV, xlsx) has any error: that file is all the bot knows, so a
    skipped row would be a silent gap. In a YAML knowledge base smaller problems are logged and skipped."""
    kb, problems = read_kb(path)
    errors = errors_only(problems)
    faq_file = path is not None and not Path(path).is_dir()
    if not kb.entries or duplicate_ids(kb.entries) or (faq_file and errors):
        raise KnowledgeBaseError(errors or problems)
    for problem in problems:
        if problem.note:
            logger.info("knowledge base: %s", problem)
        else:
            logger.warning("knowledge base problem skipped: %s", problem)
    return kb


def fold_question(text: str) -> str:
    """The form two questions are "the same" in (curation): width, case, spaces and final punctuation."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(text.split()).rstrip("?？。.!！")
