"""What waits for a curator: logged questions the knowledge base did not serve well, grouped.

A logged question needs review when it was not answered, when its 「もしかして」 choices were left
unpicked, when a choice was picked (a phrasing is missing: the engine should have answered), or when its
answer was marked 違った. Near-identical questions (same folded text, or a fuzzy ratio of at least
`GROUP_RATIO`) are one group, with how many times and when it was last asked.

A question is done with once the knowledge base covers it: its text is a phrasing of an entry (for
違った: of an entry other than the one that answered wrongly) or an out-of-scope example. So nothing
else has to remember what a curator decided; applying the sheet is what takes a row off it.

Privacy: only the question text (redacted when it was stored) and times travel here; never a user id.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from rapidfuzz import fuzz

from knowledge.engine import Candidate, FaqEngine
from knowledge.kb import KnowledgeBase, fold_question
from knowledge.normalize import fold_for_match

GROUP_RATIO = 85.0
REVIEW_COMMAND = "dxbot kb review --out 要対応の質問.xlsx"  # named by the digest
# Below this many folded characters only identical questions are grouped: 「WG」 and 「WG③」 differ.
MIN_FUZZY_CHARS = 6


class Reason(StrEnum):
    NO_ANSWER = "回答なし"
    UNPICKED = "もしかして（選ばれず）"
    PICKED = "もしかしてから選択"
    WRONG = "違った"


class LoggedQuestionLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def asked_at(self) -> datetime: ...
    @property
    def text(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def entry_id(self) -> str | None: ...


class FeedbackLike(Protocol):
    @property
    def question_log_id(self) -> int | None: ...
    @property
    def entry_id(self) -> str | None: ...
    @property
    def verdict(self) -> str: ...


@dataclass(frozen=True)
class AskedQuestion:
    """One logged question that needs a curator, and why (`entry_id`: the entry picked or marked 違った)."""

    text: str
    asked_at: datetime
    reason: Reason
    entry_id: str | None = None


@dataclass(frozen=True)
class ReviewGroup:
    question: str  # the wording asked most often (the latest on a tie)
    variants: tuple[str, ...]  # the other wordings of the group, distinct after folding
    count: int
    last_asked: datetime
    reasons: tuple[tuple[Reason, str | None, int], ...]  # (reason, entry id, times), most frequent first
    candidates: tuple[Candidate, ...] = ()

    def with_candidates(self, engine: FaqEngine, top: int = 3) -> ReviewGroup:
        """The engine's top candidates for the group's question, as the knowledge base stands now."""
        return replace(self, candidates=engine.match(self.question, top=top).candidates)

    @property
    def texts(self) -> tuple[str, ...]:
        return (self.question, *self.variants)

    @property
    def state(self) -> str:
        """The 状態 column: 「回答なし×2、違った（org-hq-size）×1」."""
        parts = []
        for reason, entry_id, times in self.reasons:
            label = f"{reason.value}（{entry_id}）" if entry_id else reason.value
            parts.append(f"{label}×{times}")
        return "、".join(parts)


def needs_review(
    questions: Iterable[LoggedQuestionLike], feedback: Iterable[FeedbackLike]
) -> list[AskedQuestion]:
    """The logged questions a curator should see, oldest first, each with its reason."""
    picked: dict[int, str | None] = {}
    judged: dict[int, tuple[str, str | None]] = {}  # the latest 役に立った / 違った per question
    for row in feedback:
        if row.question_log_id is None:
            continue
        verdict = str(row.verdict)
        if verdict == "picked":
            picked[row.question_log_id] = row.entry_id
        elif verdict in ("helpful", "wrong"):
            judged[row.question_log_id] = (verdict, row.entry_id)
    out: list[AskedQuestion] = []
    for question in sorted(questions, key=lambda q: (q.asked_at, q.id)):
        text = question.text.strip()
        if not text:
            continue
        verdict, judged_entry = judged.get(question.id, ("", None))
        if verdict == "wrong":
            out.append(AskedQuestion(text, question.asked_at, Reason.WRONG, judged_entry or question.entry_id))
        elif question.id in picked:
            out.append(AskedQuestion(text, question.asked_at, Reason.PICKED, picked[question.id]))
        elif question.status == "no_answer":
            out.append(AskedQuestion(text, question.asked_at, Reason.NO_ANSWER))
        elif question.status == "ambiguous":
            out.append(AskedQuestion(text, question.asked_at, Reason.UNPICKED))
    return out


class Coverage:
    """What the knowledge base already covers, in folded form: each entry's phrasings, out-of-scope examples."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.phrasing_of: dict[str, set[str]] = {}
        for entry in kb.entries:
            for phrasing in entry.phrasings:
                self.phrasing_of.setdefault(fold_question(phrasing), set()).add(entry.id)
        self.out_of_scope = {fold_question(q) for q in kb.out_of_scope}

    def covers(self, asked: AskedQuestion) -> bool:
        key = fold_question(asked.text)
        if key in self.out_of_scope:
            return True
        entries = self.phrasing_of.get(key, set())
        if asked.reason is Reason.WRONG:
            return bool(entries - {asked.entry_id})
        return bool(entries)


def group_questions(asked: Sequence[AskedQuestion]) -> list[ReviewGroup]:
    """Near-identical questions as one group; sorted by 件数, then the most recent first."""
    clusters: list[tuple[str, list[AskedQuestion]]] = []  # (the folded text that started it, members)
    by_key: dict[str, int] = {}
    for item in asked:
        folded = fold_for_match(item.text) or fold_question(item.text)
        index = by_key.get(folded)
        if index is None and len(folded) >= MIN_FUZZY_CHARS:
            index = next(
                (
                    i
                    for i, (seed, _) in enumerate(clusters)
                    if len(seed) >= MIN_FUZZY_CHARS and fuzz.ratio(folded, seed) >= GROUP_RATIO
                ),
                None,
            )
        if index is None:
            index = len(clusters)
            clusters.append((folded, []))
        by_key.setdefault(folded, index)
        clusters[index][1].append(item)
    groups = [_group(members) for _, members in clusters]
    return sorted(groups, key=lambda g: (-g.count, -g.last_asked.timestamp(), g.question))


def _group(members: list[AskedQuestion]) -> ReviewGroup:
    wordings: dict[str, list[AskedQuestion]] = {}
    for item in members:
        wordings.setdefault(fold_question(item.text), []).append(item)
    ranked = sorted(wordings.values(), key=lambda ms: (-len(ms), -max(m.asked_at.timestamp() for m in ms)))
    texts = [ms[-1].text for ms in ranked]  # each wording as it was last typed
    reasons = Counter((m.reason, m.entry_id) for m in members)
    return ReviewGroup(
        question=texts[0],
        variants=tuple(texts[1:]),
        count=len(members),
        last_asked=max(m.asked_at for m in members),
        reasons=tuple((reason, entry_id, n) for (reason, entry_id), n in reasons.most_common()),
    )


def review_groups(
    questions: Iterable[LoggedQuestionLike], feedback: Iterable[FeedbackLike], kb: KnowledgeBase
) -> list[ReviewGroup]:
    """The groups waiting for a curator: what needs review, less what the knowledge base now covers."""
    coverage = Coverage(kb)
    return group_questions([q for q in needs_review(questions, feedback) if not coverage.covers(q)])
