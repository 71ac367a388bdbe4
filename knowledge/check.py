"""`dxbot kb check`: validate a knowledge base; each problem as `file:line: message`."""

from __future__ import annotations

from pathlib import Path

from knowledge.kb import FaqEntry, KnowledgeBase, Problem, read_kb

MIN_ALTERNATES = 3


def _where(entry: FaqEntry) -> tuple[str, int]:
    return (entry.origin.file, entry.origin.line) if entry.origin else ("?", 0)


def structural_problems(kb: KnowledgeBase, yaml_kb: bool) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, FaqEntry] = {}
    for entry in kb.entries:
        file, line = _where(entry)
        if entry.id in seen:
            first_file, first_line = _where(seen[entry.id])
            problems.append(Problem(file, line, f"duplicate id '{entry.id}' (first at {first_file}:{first_line})"))
        else:
            seen[entry.id] = entry
        if yaml_kb:
            if entry.source is None:
                problems.append(Problem(file, line, f"entry '{entry.id}' has no source"))
            if len(entry.alternates) < MIN_ALTERNATES:
                problems.append(
                    Problem(file, line, f"entry '{entry.id}' needs at least {MIN_ALTERNATES} alternates")
                )
            if not entry.tags:
                problems.append(Problem(file, line, f"entry '{entry.id}' has no tags"))
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
                    f"entry '{entry.id}' cannot be told apart from '{other_id}' ({where}): its own question "
                    f"ranks the other first ({other_score:.2f} vs {own:.2f})",
                )
            )
    return problems


def check_kb(path: Path | None) -> tuple[list[Problem], str]:
    kb, problems = read_kb(path)
    yaml_kb = path is None or Path(path).is_dir()
    problems += structural_problems(kb, yaml_kb)
    if not problems and kb.entries:
        problems += indistinguishable(kb)
    summary = (
        f"OK: {len(kb.entries)} entries, {len(kb.synonyms)} synonym groups, "
        f"{len(kb.initiatives)} initiatives" + (f", plan {kb.plan.version}" if kb.plan else "")
    )
    return problems, summary
