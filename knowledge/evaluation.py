"""Measuring the engine: plan question sets (facts in the answer) and FAQ retrieval sets (right entry first)."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.engine import AMBIGUOUS, ANSWERED, FaqEngine


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
    """The plan figures: answerable questions answered right / wrong / not answered; out-of-scope ones not
    answered; first-day questions right. An answer with a `note` (the plan lacks what is asked) is not an
    answer. `kinds` counts (questions, right, wrong) per kind of question (tests/eval/plan_v2/README.md)."""

    answerable: int = 0
    answered_right: int = 0
    answered_wrong: int = 0
    out_of_scope: int = 0
    oos_rejected: int = 0
    first_day: int = 0
    first_day_right: int = 0
    kinds: dict[str, list[int]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    @property
    def answer_accuracy(self) -> float:
        return self.answered_right / self.answerable if self.answerable else 0.0

    @property
    def wrong_rate(self) -> float:
        return self.answered_wrong / self.answerable if self.answerable else 0.0

    @property
    def declined(self) -> int:
        return self.answerable - self.answered_right - self.answered_wrong

    @property
    def rejection_rate(self) -> float:
        return self.oos_rejected / self.out_of_scope if self.out_of_scope else 0.0

    @property
    def first_day_rate(self) -> float:
        return self.first_day_right / self.first_day if self.first_day else 1.0

    def summary(self) -> str:
        text = (
            f"answerable: {self.answered_right}/{self.answerable} answered with the right facts "
            f"({self.answer_accuracy:.1%}), {self.answered_wrong} answered wrongly ({self.wrong_rate:.1%}), "
            f"{self.declined} not answered; "
            f"out of scope: {self.oos_rejected}/{self.out_of_scope} not answered ({self.rejection_rate:.1%})"
        )
        if self.first_day:
            text += f"; first-day: {self.first_day_right}/{self.first_day} right"
        return text

    def kinds_summary(self) -> str:
        """One line per kind: questions, right (answerable) or not answered (out of scope), wrong."""
        return "\n".join(
            f"  {kind:<18} {n:>4} questions, {right:>4} right, {wrong:>3} wrong"
            for kind, (n, right, wrong) in sorted(self.kinds.items())
        )


def evaluate_plan_set(engine: FaqEngine, rows: list[dict]) -> PlanEvalReport:
    """Rows as in tests/eval/plan_v2/dev.jsonl: {q, tag, all, any, kinds}."""
    report = PlanEvalReport()
    for row in rows:
        result = engine.match(row["q"])
        kinds = row.get("kinds") or []
        answered = result.status == ANSWERED and result.entry is not None
        if row["tag"] == "out_of_scope":
            report.out_of_scope += 1
            right = not answered
            report.oos_rejected += right
            if not right:
                report.failures.append(f"OOS answered: {row['q']} -> {result.entry.id if result.entry else '?'} {result.score:.2f}")
        else:
            report.answerable += 1
            right = answered and contains_facts(result.entry.answer, row.get("all", []), row.get("any", []))  # type: ignore[union-attr]
            report.answered_right += right
            if answered and not right:
                report.answered_wrong += 1
                report.failures.append(f"wrong: {row['q']} -> {result.entry.id} {result.score:.2f}")  # type: ignore[union-attr]
            elif not answered:
                top = result.candidates[0].entry_id if result.candidates else "-"
                noted = " [note]" if result.note else ""
                report.failures.append(f"{result.status}{noted}: {row['q']} (top {top} {result.score:.2f})")
        wrong = answered and not right
        if "first_day" in kinds:
            report.first_day += 1
            report.first_day_right += right
        for kind in kinds:
            counts = report.kinds.setdefault(kind, [0, 0, 0])
            counts[0] += 1
            counts[1] += right
            counts[2] += wrong
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


# ---------------------------------------------------------------- FAQ proxies (retrieval area)


@dataclass
class FaqProxyReport:
    """Ranking and decision figures on a FAQ proxy set: rows {q, relevant: [ids], split}; [] = off topic."""

    queries: int = 0
    top1: int = 0
    top3: int = 0
    top10: int = 0
    ndcg10: float = 0.0
    # Decision: of the answerable queries whose best candidate is right, how many were answered, and how
    # many offered as 「もしかして」 (the right entry first among the choices: a click, not a wrong answer).
    top1_right: int = 0
    top1_right_answered: int = 0
    top1_right_suggested: int = 0
    answered: int = 0
    answered_wrong: int = 0
    off_topic: int = 0
    off_topic_declined: int = 0  # not answered (「もしかして」 or no answer)
    off_topic_no_answer: int = 0

    def rate(self, part: int | float, whole: int) -> float:
        return part / whole if whole else 0.0

    def summary(self) -> str:
        return (
            f"{self.queries} answerable: top-1 {self.rate(self.top1, self.queries):.1%}, "
            f"top-3 {self.rate(self.top3, self.queries):.1%}, top-10 {self.rate(self.top10, self.queries):.1%}, "
            f"nDCG@10 {self.rate(self.ndcg10, self.queries):.3f}; answered when the best candidate is right "
            f"{self.rate(self.top1_right_answered, self.top1_right):.1%} ({self.top1_right_answered}/{self.top1_right}, "
            f"{self.top1_right_suggested} as 「もしかして」, "
            f"{self.top1_right - self.top1_right_answered - self.top1_right_suggested} not answered), "
            f"answered wrong {self.answered_wrong}/{self.answered}; "
            f"off topic {self.off_topic}: declined {self.rate(self.off_topic_declined, self.off_topic):.1%} "
            f"({self.off_topic - self.off_topic_declined} answered, "
            f"{self.off_topic_declined - self.off_topic_no_answer} as 「もしかして」, {self.off_topic_no_answer} not answered), "
            f"no answer {self.rate(self.off_topic_no_answer, self.off_topic):.1%}"
        )


def evaluate_faq_proxy(engine: FaqEngine, rows: list[dict]) -> FaqProxyReport:
    import math

    report = FaqProxyReport()
    for row in rows:
        result = engine.match(row["q"], top=10)
        relevant = set(row.get("relevant") or [])
        if not relevant:
            report.off_topic += 1
            report.off_topic_declined += result.status != ANSWERED
            report.off_topic_no_answer += result.status == "no_answer"
            continue
        ids = [c.entry_id for c in result.candidates]
        report.queries += 1
        report.top1 += bool(ids[:1] and ids[0] in relevant)
        report.top3 += bool(relevant & set(ids[:3]))
        report.top10 += bool(relevant & set(ids[:10]))
        dcg = sum(1 / math.log2(i + 2) for i, entry_id in enumerate(ids[:10]) if entry_id in relevant)
        ideal = sum(1 / math.log2(i + 2) for i in range(min(10, len(relevant))))
        report.ndcg10 += dcg / ideal
        if ids[:1] and ids[0] in relevant:
            report.top1_right += 1
            report.top1_right_answered += result.status == ANSWERED
            report.top1_right_suggested += result.status == AMBIGUOUS
        if result.status == ANSWERED:
            report.answered += 1
            report.answered_wrong += not (result.entry and result.entry.id in relevant)
    return report
