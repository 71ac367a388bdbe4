"""Quality bars on the repo's own evaluation sets. A change that makes answers worse fails here.

The sets are independent of the knowledge base: tests/eval/plan_eval.jsonl was written from the plan
text by someone who did not see the knowledge base; tests/eval/cityfaq.* is a city-hall FAQ of another
domain, loaded as a CSV, to keep the engine general. Figures are printed by benchmarks/eval_engine.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.engine import FaqEngine
from knowledge.evaluation import evaluate_plan_set, evaluate_retrieval, read_jsonl
from knowledge.kb import load_kb

EVAL = Path(__file__).resolve().parents[1] / "eval"

# Bars sit a little under the measured figures (benchmarks/eval_engine.py), so noise does not fail CI but a
# regression does. Measured: plan 83.3% answered right, 92.1% out of scope not answered, 3.2% answered wrongly;
# cityfaq all 69.8% / 85.2%, held-out half 68.9% / 84.6% (top-1 / top-3).
# plan_eval.jsonl measured 210/221 right, 2 wrong, 63/63 out of scope not answered (trust, 2026-12-01).
PLAN_ANSWERED_RIGHT = 0.94
PLAN_OUT_OF_SCOPE_REJECTED = 0.98
PLAN_ANSWERED_WRONG_AT_MOST = 0.01
CITY_TOP1 = 0.67
CITY_TOP3 = 0.83
# benchmarks/calibrate.py fits the ranking for single-phrasing FAQ sets on the even lines of
# cityfaq_queries.jsonl; the odd lines are held out, and this is the figure that counts.
CITY_HELD_OUT_TOP1 = 0.66
CITY_HELD_OUT_TOP3 = 0.82
# Character-bigram BM25 over question + answer puts the right entry first for ~53% of the held-out half.


# The blind plan set v2 (tests/eval/plan_v2/README.md). Floors at what the sealed set measured when they were
# set (its 実行記録); raise them when a kept change does better, never lower them. Only aggregates are shown.
SEALED_ANSWERED_RIGHT = 275 / 290
SEALED_ANSWERED_WRONG_AT_MOST = 7 / 290
SEALED_OUT_OF_SCOPE_NOT_ANSWERED = 65 / 68
SEALED_FIRST_DAY_RIGHT = 38
# The tuning half (dev.jsonl), measured 175/182 right, 0 wrong, 43/44 out of scope not answered, 24/24 first-day.
DEV_ANSWERED_RIGHT = 175 / 182
DEV_ANSWERED_WRONG_AT_MOST = 0
DEV_OUT_OF_SCOPE_NOT_ANSWERED = 43 / 44
# The second blind development set (dev2.jsonl, 311 questions), measured 235/244 right, 1 wrong, 67/67 out of
# scope not answered, 43/44 first-day.
DEV2_ANSWERED_RIGHT = 235 / 244
DEV2_ANSWERED_WRONG_AT_MOST = 1 / 244
DEV2_OUT_OF_SCOPE_NOT_ANSWERED = 67 / 67
DEV2_FIRST_DAY_RIGHT = 43

PLAN_V2 = EVAL / "plan_v2"


def test_sealed_plan_set_meets_its_floors(plan_engine: FaqEngine) -> None:
    report = evaluate_plan_set(plan_engine, read_jsonl(PLAN_V2 / "sealed.jsonl"))
    report.failures.clear()  # the sealed questions are never shown
    assert report.answerable >= 290 and report.out_of_scope >= 68
    assert report.answer_accuracy >= SEALED_ANSWERED_RIGHT - 1e-9, report.summary()
    assert report.wrong_rate <= SEALED_ANSWERED_WRONG_AT_MOST + 1e-9, report.summary()
    assert report.rejection_rate >= SEALED_OUT_OF_SCOPE_NOT_ANSWERED - 1e-9, report.summary()
    assert report.first_day_right >= SEALED_FIRST_DAY_RIGHT, report.summary()


def test_dev_plan_set_meets_its_floors(plan_engine: FaqEngine) -> None:
    report = evaluate_plan_set(plan_engine, read_jsonl(PLAN_V2 / "dev.jsonl"))
    assert report.answer_accuracy >= DEV_ANSWERED_RIGHT - 1e-9, report.summary()
    assert report.wrong_rate <= DEV_ANSWERED_WRONG_AT_MOST + 1e-9, report.summary()
    assert report.rejection_rate >= DEV_OUT_OF_SCOPE_NOT_ANSWERED - 1e-9, report.summary()


def test_second_dev_plan_set_meets_its_floors(plan_engine: FaqEngine) -> None:
    report = evaluate_plan_set(plan_engine, read_jsonl(PLAN_V2 / "dev2.jsonl"))
    assert report.answer_accuracy >= DEV2_ANSWERED_RIGHT - 1e-9, report.summary()
    assert report.wrong_rate <= DEV2_ANSWERED_WRONG_AT_MOST + 1e-9, report.summary()
    assert report.rejection_rate >= DEV2_OUT_OF_SCOPE_NOT_ANSWERED - 1e-9, report.summary()
    assert report.first_day_right >= DEV2_FIRST_DAY_RIGHT, report.summary()


def test_plan_eval_set_is_large_enough() -> None:
    rows = read_jsonl(EVAL / "plan_eval.jsonl")
    assert len(rows) >= 200
    assert sum(r["tag"] == "out_of_scope" for r in rows) >= 40


def test_plan_questions_are_answered_right_and_out_of_scope_ones_are_not(plan_engine: FaqEngine) -> None:
    report = evaluate_plan_set(plan_engine, read_jsonl(EVAL / "plan_eval.jsonl"))
    assert report.answer_accuracy >= PLAN_ANSWERED_RIGHT, report.summary()
    assert report.rejection_rate >= PLAN_OUT_OF_SCOPE_REJECTED, report.summary()
    assert report.answered_wrong / report.answerable <= PLAN_ANSWERED_WRONG_AT_MOST, report.summary()


@pytest.fixture(scope="module")
def city_engine() -> FaqEngine:
    return FaqEngine(load_kb(EVAL / "cityfaq.csv"))


def test_engine_generalizes_to_another_faq(city_engine: FaqEngine) -> None:
    report = evaluate_retrieval(city_engine, read_jsonl(EVAL / "cityfaq_queries.jsonl"))
    assert report.queries >= 500
    assert report.top1_rate >= CITY_TOP1, report.summary()
    assert report.top3_rate >= CITY_TOP3, report.summary()


def test_engine_generalizes_on_the_held_out_half(city_engine: FaqEngine) -> None:
    report = evaluate_retrieval(city_engine, read_jsonl(EVAL / "cityfaq_queries.jsonl")[1::2])
    assert report.queries >= 250
    assert report.top1_rate >= CITY_HELD_OUT_TOP1, report.summary()
    assert report.top3_rate >= CITY_HELD_OUT_TOP3, report.summary()


# ---------------------------------------------------------------- FAQ proxies, test split (retrieval)
# Floors at the figures of the scored test split (tests/eval/faq_proxy/README.md, 実行記録), one query
# under each so that a platform's float rounding cannot fail CI; never lowered afterwards. cityfaq_hard and
# townfaq: three under the answered count and two under top-k, since the hiragana step was narrowed for speed
# after its scoring (2 test queries each get another status or first candidate; counted, not scored).
PROXY = EVAL / "faq_proxy"
PROXY_FLOORS = {
    # set: (KB, queries, answerable and off-topic queries in the split, top-1, top-3, top-10, nDCG@10,
    # answered when the best is right, off-topic declined)
    "cityfaq_hard": (EVAL / "cityfaq.csv", PROXY / "cityfaq_hard.jsonl", (170, 35), 126, 148, 160, 0.81, 94, 33),
    "townfaq": (PROXY / "townfaq.csv", PROXY / "townfaq_queries.jsonl", (170, 35), 127, 151, 162, 0.81, 87, 31),
    # The third set, scored for the first time untouched (no tuning on it before).
    "villagefaq": (PROXY / "villagefaq.csv", PROXY / "villagefaq_queries.jsonl", (137, 23), 98, 113, 128, 0.80, 55, 20),
    # The fourth, scored once untouched when it landed (main 4494370): 115, 129, 134, 0.887, 67/115, 23/25.
    "hamafaq": (PROXY / "hamafaq.csv", PROXY / "hamafaq_queries.jsonl", (140, 25), 114, 128, 133, 0.88, 66, 22),
}


@pytest.mark.parametrize("name", sorted(PROXY_FLOORS))
def test_faq_proxy_test_split_stays_above_its_floors(name: str) -> None:
    from knowledge.evaluation import evaluate_faq_proxy

    kb_path, queries, (answerable, off_topic), top1, top3, top10, ndcg, answered, declined = PROXY_FLOORS[name]
    rows = [r for r in read_jsonl(queries) if r["split"] == "test"]
    report = evaluate_faq_proxy(FaqEngine(load_kb(kb_path)), rows)
    assert report.queries >= answerable and report.off_topic >= off_topic, report.summary()
    assert report.top1 >= top1 and report.top3 >= top3 and report.top10 >= top10, report.summary()
    assert report.ndcg10 / report.queries >= ndcg, report.summary()
    assert report.top1_right_answered >= answered, report.summary()
    assert report.off_topic_declined >= declined, report.summary()
