"""`dxbot kb check`: validate a knowledge base; each problem as `file:line: message` (Japanese)."""

from __future__ import annotations

from pathlib import Path

from knowledge.kb import FaqEntry, KnowledgeBase, Problem, errors_only, read_kb
from knowledge.messages import msg

MIN_ALTERNATES = 3


def _where(entry: FaqEntry) -> tuple[str, int]:
    return (entry.origin.file, entry.origin.line) if entry.origin else ("?", 0)


def structural_problems(kb: KnowledgeBase, yaml_kb: bool) -> list[Problem]:
    """Authoring rules of a YAML knowledge base: a source, tags and enough alternates per entry.

    Entries a curator made from the review sheet (`added`, written by `dxbot kb apply`) start with the
    phrasings staff actually used and grow with each review; they need a source, not the authoring
    minimum of alternates and tags. (Duplicate ids are found when the knowledge base is read.)"""
    problems: list[Problem] = []
    if not yaml_kb:
        return problems
    for entry in kb.entries:
        file, line = _where(entry)
        if entry.source is None:
            problems.append(Problem(file, line, msg("no_source", id=entry.id)))
        if entry.added is not None:
            continue
        if len(entry.alternates) < MIN_ALTERNATES:
            problems.append(
                Problem(file, line, msg("few_alternates", id=entry.id, count=len(entry.alternates), minimum=MIN_ALTERNATES))
            )
        if not entry.tags:
            problems.append(Problem(file, line, msg("no_tags", id=entry.id)))
    ids = {entry.id for entry in kb.entries}
    for entry in kb.entries:
        for related in entry.related:
            if related not in ids or related == entry.id:
                file, line = _where(entry)
                problems.append(Problem(file, line, msg("unknown_related", id=entry.id, related=related)))
    return problems


def indistinguishable(kb: KnowledgeBase) -> list[Problem]:
    """Entries the engine cannot tell apart: one entry's question finds another entry ranked at least as high."""
    from knowledge.engine import FaqEngine

    engine = FaqEngine(kb)
    problems: list[Problem] = []
    reported: set[frozenset[str]] = set()
    for entry in kb.entries:
        ranked = engine.explain(entry.question, top=10)
        if not ranked or ranked[0][0] == entry.id:
            continue
        other_id, other_score, _ = ranked[0]
        own = next((s for i, s, _ in ranked if i == entry.id), 0.0)
        pair = frozenset({entry.id, other_id})
        if own <= other_score and pair not in reported:
            reported.add(pair)
            file, line = _where(entry)
            other = engine.get(other_id)
            where = f"{other.origin.file}:{other.origin.line}" if other and other.origin else "?"
            problems.append(
                Problem(
                    file,
                    line,
                    msg(
                        "indistinguishable",
                        id=entry.id,
                        other=other_id,
                        where=where,
                        other_score=f"{other_score:.2f}",
                        own_score=f"{own:.2f}",
                    ),
                )
            )
    return problems


def summary_line(kb: KnowledgeBase) -> str:
    parts = [f"項目 {len(kb.entries)} 件"]
    if kb.synonyms:
        parts.append(f"同義語 {len(kb.synonyms)} グループ")
    if kb.initiatives:
        parts.append(f"取組み {len(kb.initiatives)} 件")
    if kb.out_of_scope:
        parts.append(f"対象外の例 {len(kb.out_of_scope)} 件")
    if kb.plan:
        parts.append(f"計画 {kb.plan.version}")
    return "問題はありません（" + "、".join(parts) + "）"


def check_kb(path: Path | None) -> tuple[list[Problem], str]:
    """Every problem (notes included, marked `note`) and the one-line summary for a clean knowledge base."""
    kb, problems = read_kb(path)
    yaml_kb = path is None or Path(path).is_dir()
    problems += structural_problems(kb, yaml_kb)
    if not errors_only(problems) and kb.entries:
        problems += indistinguishable(kb)
    return problems, summary_line(kb)
