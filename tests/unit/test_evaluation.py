"""The FAQ proxy report counts each query's decision in one of three states: answered, 「もしかして」, none."""

from __future__ import annotations

from typing import cast

from knowledge.engine import AMBIGUOUS, ANSWERED, NO_ANSWER, Candidate, FaqEngine, MatchResult
from knowledge.evaluation import evaluate_faq_proxy
from knowledge.kb import FaqEntry

ENTRIES = {i: FaqEntry(i, f"{i}の質問", f"{i}の回答") for i in ("a", "b", "c")}
# question: (status, entry ids best first)
DECISIONS = {
    "right answered": (ANSWERED, ["a", "b"]),
    "right offered": (AMBIGUOUS, ["b", "a"]),
    "right declined": (NO_ANSWER, ["c", "a"]),
    "wrong answered": (ANSWERED, ["a", "c"]),
    "wrong offered": (AMBIGUOUS, ["c", "b"]),
    "off answered": (ANSWERED, ["a"]),
    "off offered": (AMBIGUOUS, ["b"]),
    "off declined 1": (NO_ANSWER, ["c"]),
    "off declined 2": (NO_ANSWER, []),
}
ROWS = [
    {"q": "right answered", "relevant": ["a"]},
    {"q": "right offered", "relevant": ["b"]},
    {"q": "right declined", "relevant": ["c"]},
    {"q": "wrong answered", "relevant": ["b"]},
    {"q": "wrong offered", "relevant": ["a"]},
    *({"q": q, "relevant": []} for q in ("off answered", "off offered", "off declined 1", "off declined 2")),
]


class FakeEngine:
    def match(self, question: str, top: int = 3) -> MatchResult:
        status, ids = DECISIONS[question]
        entry = ENTRIES[ids[0]] if status == ANSWERED else None
        candidates = tuple(Candidate(i, ENTRIES[i].question, 0.5) for i in ids)
        return MatchResult(question, status, 0.5, entry, candidates)


def test_the_proxy_report_counts_answered_offered_and_declined_apart() -> None:
    report = evaluate_faq_proxy(cast(FaqEngine, FakeEngine()), ROWS)
    assert (report.queries, report.top1, report.top1_right) == (5, 3, 3)
    assert (report.top1_right_answered, report.top1_right_suggested) == (1, 1)
    assert (report.answered, report.answered_wrong) == (2, 1)
    assert (report.off_topic, report.off_topic_declined, report.off_topic_no_answer) == (4, 3, 2)
    summary = report.summary()
    assert "33.3% (1/3, 1 as 「もしかして」, 1 not answered)" in summary
    assert "declined 75.0% (1 answered, 1 as 「もしかして」, 2 not answered)" in summary
