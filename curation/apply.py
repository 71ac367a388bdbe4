"""`dxbot kb apply`: the curator's decisions on the review sheet, written into the YAML knowledge base.

- `言い換え:<id>`: the row's question (and its other wordings) become alternates of that entry, appended in
  the entry's own file;
- `新規`: a new entry (generated id `curated-NNN`, the question, the other wordings as alternates, 回答,
  出典, the plan version and the date) appended to `faq/90_curated.yaml`;
- `対象外`: the question is appended to `out_of_scope.yaml`, the examples the engine calibrates against.

All or nothing: every row is checked first, then the changes are written into a copy of the knowledge base
and that copy must pass `kb check` (and each added phrasing must find its own entry first); only then are
the changed files replaced, each atomically. Any problem refuses the whole sheet as `FILE:row: message`.
A row whose change is already in the knowledge base changes nothing, so applying a sheet twice is safe.

The YAML is edited with ruamel.yaml's round-trip mode: comments, key order, quoting, folded answers and
blank lines of everything not touched stay as they were.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from curation.sheet import NEW, OUT_OF_SCOPE, PHRASING_PREFIX, SheetError, SheetRow, read_review_sheet
from knowledge.check import check_kb
from knowledge.engine import FaqEngine
from knowledge.kb import (
    OUT_OF_SCOPE_FILE,
    KnowledgeBase,
    KnowledgeBaseError,
    Problem,
    errors_only,
    fold_question,
    read_kb,
)
from knowledge.messages import msg

CURATED_FILE = "90_curated.yaml"
CURATED_ID = re.compile(r"^curated-(\d+)$")
CURATED_HEADER = (
    "# 事務局が dxbot kb review / dxbot kb apply で加えた項目です。\n"
    "# 手で直してもかまいません（コメント・順序・書式は次の apply でも保たれます）。\n"
    "entries:\n"
)
OUT_OF_SCOPE_HEADER = (
    "# 対象外の質問: 事務局が「対象外」とした職員の質問です（dxbot kb apply が追記します）。\n"
    "# ボットは、答えるべきでない質問の例として較正に使います。\n"
    "examples:\n"
)

PHRASING, NEW_ENTRY, EXCLUDED = "phrasing", "new", "out_of_scope"


@dataclass
class Change:
    row: int
    kind: str
    entry_id: str | None  # the entry a phrasing goes to, or the new entry's id
    texts: tuple[str, ...]  # the question first, then its other wordings (only those not yet there)
    answer: str = ""
    source: str = ""


@dataclass
class ApplyResult:
    changes: list[Change] = field(default_factory=list)
    already: list[int] = field(default_factory=list)  # rows whose change was already in the knowledge base
    files: list[str] = field(default_factory=list)  # changed files, relative to the knowledge base


class ApplyRefused(Exception):
    """The sheet was not applied; `problems` are `FILE:row: message` lines (Japanese)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _round_trip_yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long Japanese line
    yaml.indent(mapping=2, sequence=4, offset=2)  # the bundled files' style: "  - id:" under "entries:"
    return yaml


def _normalized_action(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().replace(" ", "")


def _distinct(texts: Sequence[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for text in texts:
        if text.strip():
            seen.setdefault(fold_question(text), text.strip())
    return tuple(seen.values())


class _Planner:
    """Checks each row against the knowledge base and the rows before it; collects changes and problems."""

    def __init__(self, kb: KnowledgeBase, sheet_name: str) -> None:
        self.kb = kb
        self.sheet_name = sheet_name
        self.ids = {e.id for e in kb.entries}
        self.owner: dict[str, str] = {}  # folded phrasing -> entry id
        for entry in kb.entries:
            for phrasing in entry.phrasings:
                self.owner.setdefault(fold_question(phrasing), entry.id)
        self.out_of_scope = {fold_question(q) for q in kb.out_of_scope}
        self.planned: dict[str, tuple[int, str]] = {}  # folded text -> (row, where it goes) in this sheet
        self.result = ApplyResult()
        self.problems: list[str] = []
        numbers = [int(m.group(1)) for e in kb.entries if (m := CURATED_ID.match(e.id))]
        self.next_number = max(numbers, default=0) + 1

    def refuse(self, row: int, message: str) -> None:
        self.problems.append(f"{self.sheet_name}:{row}: {message}")

    def plan(self, row: SheetRow) -> None:
        action = _normalized_action(row.action)
        if not action:
            return
        if not row.question:
            self.refuse(row.row, "質問が空です。質問を消した行は対応も空にしてください")
            return
        texts = _distinct((row.question, *row.variants))
        if action.startswith(PHRASING_PREFIX.rstrip(":")):
            self._phrasing(row, action, texts)
        elif action == NEW:
            self._new(row, texts)
        elif action == OUT_OF_SCOPE:
            self._out_of_scope(row, texts)
        else:
            self.refuse(row.row, f"対応「{row.action}」は書けません。「言い換え:<id>」「新規」「対象外」のどれかにしてください")

    def _conflict(self, row: SheetRow, texts: tuple[str, ...], target: str) -> bool:
        """A text another row of this sheet already sends elsewhere."""
        for text in texts:
            earlier = self.planned.get(fold_question(text))
            if earlier and earlier[1] != target:
                self.refuse(row.row, f"「{text}」は {earlier[0]} 行目でも対応しています。どちらかの行の対応を消してください")
                return True
        return False

    def _remember(self, row: SheetRow, texts: tuple[str, ...], target: str) -> None:
        for text in texts:
            self.planned.setdefault(fold_question(text), (row.row, target))

    def _phrasing(self, row: SheetRow, action: str, texts: tuple[str, ...]) -> None:
        entry_id = action.split(":", 1)[1].strip() if ":" in action else ""
        if not entry_id:
            self.refuse(row.row, "言い換えには項目の id を付けてください（例: 言い換え:org-hq-size）")
            return
        if entry_id not in self.ids:
            self.refuse(row.row, f"id「{entry_id}」の項目はありません。候補の列か「知識ベースの項目」シートの id を書いてください")
            return
        new_texts: list[str] = []
        for text in texts:
            key = fold_question(text)
            owner = self.owner.get(key)
            if owner == entry_id:
                continue
            if owner is not None:
                self.refuse(row.row, f"「{text}」は項目「{owner}」の質問か言い換えです。言い換え:{owner} にするか、対応を空にしてください")
                return
            if key in self.out_of_scope:
                self.refuse(row.row, f"「{text}」は対象外の例（{OUT_OF_SCOPE_FILE}）にあります。言い換えにするなら、そこから消してください")
                return
            new_texts.append(text)
        if self._conflict(row, texts, entry_id):
            return
        self._remember(row, texts, entry_id)
        if not new_texts:
            self.result.already.append(row.row)
            return
        self.result.changes.append(Change(row.row, PHRASING, entry_id, tuple(new_texts)))

    def _new(self, row: SheetRow, texts: tuple[str, ...]) -> None:
        if not row.answer:
            self.refuse(row.row, "新規には回答を書いてください")
            return
        if self.kb.plan is not None and not row.source:
            self.refuse(row.row, "新規には出典（計画の章・節、例: 5. 推進体制）を書いてください")
            return
        owner = self.owner.get(fold_question(row.question))
        if owner is not None:
            existing = next(e for e in self.kb.entries if e.id == owner)
            if existing.added and existing.question == row.question and existing.answer == row.answer.strip():
                self.result.already.append(row.row)  # this very row was applied before
                return
            self.refuse(row.row, f"「{row.question}」は既に項目「{owner}」にあります。言い換え:{owner} にしてください")
            return
        for text in texts[1:]:
            other = self.owner.get(fold_question(text))
            if other is not None:
                self.refuse(row.row, f"別の書き方「{text}」は項目「{other}」の質問か言い換えです。その行を「{'同じ質問の別の書き方'}」から消してください")
                return
        if fold_question(row.question) in self.out_of_scope:
            self.refuse(row.row, f"「{row.question}」は対象外の例（{OUT_OF_SCOPE_FILE}）にあります。新規にするなら、そこから消してください")
            return
        entry_id = f"curated-{self.next_number:03d}"
        if self._conflict(row, texts, entry_id):
            return
        self.next_number += 1
        self._remember(row, texts, entry_id)
        self.result.changes.append(Change(row.row, NEW_ENTRY, entry_id, texts, row.answer.strip(), row.source.strip()))

    def _out_of_scope(self, row: SheetRow, texts: tuple[str, ...]) -> None:
        new_texts: list[str] = []
        for text in texts:
            key = fold_question(text)
            if key in self.out_of_scope:
                continue
            owner = self.owner.get(key)
            if owner is not None:
                self.refuse(row.row, f"「{text}」は項目「{owner}」の質問か言い換えなので、対象外にはできません")
                return
            new_texts.append(text)
        if self._conflict(row, texts, OUT_OF_SCOPE):
            return
        self._remember(row, texts, OUT_OF_SCOPE)
        if not new_texts:
            self.result.already.append(row.row)
            return
        self.result.changes.append(Change(row.row, EXCLUDED, None, tuple(new_texts)))


# ---------------------------------------------------------------- writing


class _Editor:
    """The round-trip documents being changed, by file name relative to the knowledge base."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.yaml = _round_trip_yaml()
        self.documents: dict[str, Any] = {}

    def document(self, name: str, header: str = "") -> Any:
        if name not in self.documents:
            path = self.root / name
            text = path.read_text(encoding="utf-8-sig") if path.exists() else header
            self.documents[name] = self.yaml.load(text)
        return self.documents[name]

    def save(self) -> list[str]:
        for name, document in self.documents.items():
            buffer = io.StringIO()
            self.yaml.dump(document, buffer)
            (self.root / name).parent.mkdir(parents=True, exist_ok=True)
            (self.root / name).write_text(buffer.getvalue(), encoding="utf-8")
        return sorted(self.documents)


def _block_list(document: Any, key: str) -> CommentedSeq:
    if document.get(key) is None:
        document[key] = CommentedSeq()
    items = document[key]
    assert isinstance(items, CommentedSeq)
    return items


def _append_items(items: CommentedSeq, values: Sequence[Any], *, blank_line: bool = False) -> None:
    """Append keeping a comment or blank line that followed the old last item after the new last one."""
    last = len(items) - 1
    trailing = items.ca.items.pop(last, None) if last >= 0 else None
    for value in values:
        items.append(value)
        if blank_line and len(items) > 1:
            items.yaml_set_comment_before_after_key(len(items) - 1, before="\n", indent=2)
    if trailing is not None:
        items.ca.items[len(items) - 1] = trailing


def _write_changes(kb: KnowledgeBase, root: Path, changes: Sequence[Change], today: date) -> list[str]:
    editor = _Editor(root)
    by_id = {e.id: e for e in kb.entries}
    curated = f"faq/{CURATED_FILE}" if (root / "faq").is_dir() else CURATED_FILE
    for change in changes:
        if change.kind == PHRASING:
            assert change.entry_id is not None
            origin = by_id[change.entry_id].origin
            assert origin is not None
            document = editor.document(origin.file)
            entry = next(e for e in document["entries"] if str(e.get("id")).strip() == change.entry_id)
            if entry.get("alternates") is None:
                position = list(entry.keys()).index("question") + 1
                entry.insert(position, "alternates", CommentedSeq())
            _append_items(entry["alternates"], change.texts)
        elif change.kind == NEW_ENTRY:
            document = editor.document(curated, CURATED_HEADER)
            fields: list[tuple[str, Any]] = [("id", change.entry_id), ("question", change.texts[0])]
            if len(change.texts) > 1:
                fields.append(("alternates", CommentedSeq(change.texts[1:])))
            answer = change.answer.replace("\r\n", "\n")
            fields.append(("answer", LiteralScalarString(answer) if "\n" in answer else answer))
            if change.source:
                fields.append(("source", change.source))
            if kb.plan is not None:
                fields.append(("plan_version", kb.plan.version))
            fields.append(("added", today.isoformat()))
            _append_items(_block_list(document, "entries"), [CommentedMap(fields)], blank_line=True)
        else:
            document = editor.document(OUT_OF_SCOPE_FILE, OUT_OF_SCOPE_HEADER)
            examples = [CommentedMap([("question", text), ("added", today.isoformat())]) for text in change.texts]
            _append_items(_block_list(document, "examples"), examples)
    return editor.save()


# ---------------------------------------------------------------- checking the result


def _rows_for(problem: Problem, kb: KnowledgeBase, changes: Sequence[Change]) -> list[int]:
    """The sheet rows a problem of the changed knowledge base comes from."""
    at = next(
        (e.id for e in kb.entries if e.origin and (e.origin.file, e.origin.line) == (problem.file, problem.line)),
        None,
    )
    touched = [c.row for c in changes if c.entry_id is not None and (c.entry_id == at or f"「{c.entry_id}」" in problem.message)]
    return touched or [c.row for c in changes]


def _ranking_problems(kb: KnowledgeBase, changes: Sequence[Change]) -> list[tuple[int, str]]:
    """Each added phrasing must find its own entry first; otherwise two entries are indistinguishable."""
    engine = FaqEngine(kb)
    out: list[tuple[int, str]] = []
    for change in changes:
        if change.entry_id is None:
            continue
        for text in change.texts:
            ranked = engine.explain(text, top=5)
            if ranked and ranked[0][0] != change.entry_id:
                other, other_score, _ = ranked[0]
                own = next((s for i, s, _ in ranked if i == change.entry_id), 0.0)
                out.append(
                    (
                        change.row,
                        f"「{text}」を項目「{change.entry_id}」に加えても「{other}」が上位になり（{other_score:.2f} 対 "
                        f"{own:.2f}）、2つの項目の区別がつきません。別の項目を選ぶか、対応を空にしてください",
                    )
                )
                break
    return out


def apply_sheet(sheet: Path, kb_dir: Path, today: date) -> ApplyResult:
    """Apply the review sheet `sheet` to the YAML knowledge base `kb_dir`, all or nothing (ApplyRefused)."""
    name = str(sheet)
    if not kb_dir.exists():
        raise KnowledgeBaseError([Problem(str(kb_dir), 1, msg("not_a_kb"))])
    if not kb_dir.is_dir():
        raise ApplyRefused([f"{kb_dir}:1: kb apply は YAML の知識ベース（ディレクトリ）にだけ書き込めます。--kb でディレクトリを指定してください"])
    kb, loaded = read_kb(kb_dir)
    if errors_only(loaded) or not kb.entries:  # unreadable: reported like every command that loads it
        raise KnowledgeBaseError(errors_only(loaded) or loaded)
    before, _ = check_kb(kb_dir)
    if errors_only(before):
        raise ApplyRefused(
            [str(p) for p in errors_only(before)]
            + [f"{name}:1: 知識ベースに上の問題があるので反映していません。先に dxbot kb check {kb_dir} の指摘を直してください"]
        )
    try:
        rows = read_review_sheet(sheet)
    except SheetError as error:
        raise ApplyRefused([f"{name}:{error.row}: {error.message}"]) from None
    planner = _Planner(kb, name)
    for row in rows:
        planner.plan(row)
    if planner.problems:
        raise ApplyRefused(planner.problems)
    result = planner.result
    if not result.changes:
        return result

    with tempfile.TemporaryDirectory(prefix="dxbot-apply-") as scratch:
        copy = Path(scratch) / "kb"
        shutil.copytree(kb_dir, copy)
        result.files = _write_changes(kb, copy, result.changes, today)
        after, _ = check_kb(copy)
        new_kb, _ = read_kb(copy)
        problems = [
            (row, f"反映すると知識ベースの検査に通りません（{p}）")
            for p in errors_only(after)
            for row in _rows_for(p, new_kb, result.changes)
        ]
        if not problems:
            problems = _ranking_problems(new_kb, result.changes)
        if problems:
            raise ApplyRefused([f"{name}:{row}: {message}" for row, message in sorted(set(problems))])
        staged: list[tuple[Path, Path]] = []
        try:
            for file in result.files:
                target = kb_dir / file
                target.parent.mkdir(parents=True, exist_ok=True)
                temp = target.with_name(f".{target.name}.apply-tmp")
                shutil.copyfile(copy / file, temp)
                staged.append((temp, target))
        except OSError:
            for temp, _ in staged:
                temp.unlink(missing_ok=True)
            raise
        for temp, target in staged:
            os.replace(temp, target)
    return result


def describe(result: ApplyResult, kb_dir: Path) -> str:
    """What changed, for the curator (Japanese)."""
    if not result.changes:
        tail = f"（{len(result.already)} 行は反映済みです）" if result.already else ""
        return f"変更はありません{tail}。"
    lines = [f"知識ベース {kb_dir} を更新しました（{'、'.join(result.files)}）。"]
    for change in result.changes:
        quoted = "、".join(f"「{t}」" for t in change.texts)
        if change.kind == PHRASING:
            lines.append(f"  {change.row} 行目: 言い換え {len(change.texts)} 件を {change.entry_id} に追加: {quoted}")
        elif change.kind == NEW_ENTRY:
            lines.append(f"  {change.row} 行目: 新規の項目 {change.entry_id}: {quoted}")
        else:
            lines.append(f"  {change.row} 行目: 対象外の例 {len(change.texts)} 件: {quoted}")
    if result.already:
        lines.append(f"  反映済みで変更のない行: {len(result.already)} 行")
    lines.append("動いているボットには、再起動するか SIGHUP を送ると読み直させられます。")
    return "\n".join(lines)
