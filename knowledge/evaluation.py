"""Measuring the engine: plan question sets (facts in the answer) and FAQ retrieval sets (right entry first)."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.engine import ANSWERED, FaqEngine


def _squash(text: str) -> str:
    """Compare facts without width or spacing differences (the plan writes 「2024 年 9 月」)."""
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def contains_facts(answer: str, all_of: Iterable[str], any_of: Iterable[str]) -> bool:
    text = _squash(answer)
    any_list = [_squash(a) for a in any_of]
    return all(_squash(a) in text for a in all_of) and (not any_list or any(a in text for a in any_list))


@dataclass
class PlanEvalReport:
    answerable: int = 0
    answered_right: int = 0
    answered_wrong: int = 0
    out_of_scope: int = 0
    oos_rejected: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def answer_accuracy(self) -> float:
        return self.answered_right / self.answerable if self.answerable else 0.0

    @property
    def rejection_rate(self) -> float:
        return self.oos_rejected / self.out_of_scope if self.out_of_scope else 0.0

    def summary(self) -> str:
        return (
            f"answerable: {self.answered_right}/{self.answerable} answered with the right facts "
            f"({self.answer_accuracy:.1%}), {self.answered_wrong} answered wrongly; "
            f"out of scope: {self.oos_rejected}/{self.out_of_scope} not answered ({self.rejection_rate:.1%})"
        )


def evaluate_plan_set(engine: FaqEngine, rows: list[dict]) -> PlanEvalReport:
    """Rows as in eval-sample.jsonl: {q, all, any, tag}."""
    report = PlanEvalReport()
    for row in rows:
        result = engine.match(row["q"])
        if row["tag"] == "out_of_scope":
            report.out_of_scope += 1
            if result.status != ANSWERED:
                report.oos_rejected += 1
            else:
                report.failures.append(f"OOS answered: {row['q']} -> {result.entry.id if result.entry else '?'} {result.score:.2f}")
            continue
        report.answerable += 1
        if result.status == ANSWERED and result.entry is not None:
            if contains_facts(result.entry.answer, row.get("all", []), row.get("any", [])):
                report.answered_right += 1
            else:
                report.answered_wrong += 1
                report.failures.append(f"wrong: {row['q']} -> {result.entry.id} {result.score:.2f}")
        else:
            top = result.candidates[0].entry_id if result.candidates else "-"
            report.failures.append(f"{result.status}: {row['q']} (top {top} {result.score:.2f})")
    return report


@dataclass
class RetrievalReport:
    queries: int = 0
    top1: int = 0
    top3: int = 0
    unanswerable: int = 0
    unanswerable_rejected: int = 0
    answered: int = 0
    answered_right: int = 0

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.queries if self.queries else 0.0

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.queries if self.queries else 0.0

    def summary(self) -> str:
        precision = self.answered_right / self.answered if self.answered else 0.0
        rejected = self.unanswerable_rejected / self.unanswerable if self.unanswerable else 0.0
        return (
            f"{self.queries} answerable queries: top-1 {self.top1_rate:.1%}, top-3 {self.top3_rate:.1%}; "
            f"status answered {self.answered} times, right {precision:.1%}; "
            f"{self.unanswerable} unanswerable: {rejected:.1%} not answered"
        )


def evaluate_retrieval(engine: FaqEngine, rows: list[dict]) -> RetrievalReport:
    """Rows {q, expected: [entry ids]}; expected [] means no entry answers it."""
    report = RetrievalReport()
    for row in rows:
        result = engine.match(row["q"], top=3)
        expected = set(row.get("expected") or [])
        ids = [c.entry_id for c in result.candidates]
        if not expected:
            report.unanswerable += 1
            report.unanswerable_rejected += result.status != ANSWERED
            continue
        report.queries += 1
        report.top1 += bool(ids[:1] and ids[0] in expected)
        report.top3 += bool(expected & set(ids[:3]))
        if result.status == ANSWERED:
            report.answered += 1
            report.answered_right += bool(result.entry and result.entry.id in expected)
    return report
