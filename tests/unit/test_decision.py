"""The answer / 「もしかして」 / decline thresholds, calibrated per knowledge base when it is loaded."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from knowledge.decision import (
    MAX_SHIFT_DOWN,
    MAX_SHIFT_UP,
    OFF_TOPIC_ANSWERED,
    Thresholds,
    choose_thresholds,
    life_pool,
    off_topic_pool,
)
from knowledge.engine import ANSWERED, NO_ANSWER, FaqEngine
from knowledge.kb import load_kb

EVAL = Path(__file__).resolve().parents[1] / "eval"
DEFAULT = Thresholds(0.45, 0.35)


def test_the_answer_threshold_sits_above_almost_every_off_topic_score() -> None:
    off_topic = np.linspace(0.0, 0.5, 200)
    positive = np.linspace(0.3, 1.0, 100)
    chosen = choose_thresholds(positive, positive > 0.5, off_topic, DEFAULT)
    assert (off_topic >= chosen.answer).mean() <= OFF_TOPIC_ANSWERED + 0.01
    assert chosen.suggest < chosen.answer
    assert chosen.basis.startswith("fitted")


def test_an_odd_knowledge_base_cannot_swing_the_threshold_far() -> None:
    positive = np.linspace(0.3, 1.0, 100)
    high = choose_thresholds(positive, positive > 0.5, np.full(100, 0.99), DEFAULT)
    low = choose_thresholds(positive, positive > 0.5, np.full(100, 0.01), DEFAULT)
    assert high.answer == pytest.approx(DEFAULT.answer + MAX_SHIFT_UP)
    assert low.answer == pytest.approx(DEFAULT.answer - MAX_SHIFT_DOWN)
    curated = choose_thresholds(positive, positive > 0.5, np.full(100, 0.99), DEFAULT, curated=True)
    assert curated.answer <= high.answer


def test_too_little_to_fit_on_keeps_the_default() -> None:
    assert choose_thresholds(np.ones(5), np.ones(5, dtype=bool), np.zeros(5), DEFAULT) == DEFAULT


@pytest.fixture(scope="module")
def city() -> FaqEngine:
    return FaqEngine(load_kb(EVAL / "cityfaq.csv"))


def test_a_csv_faq_gets_its_own_thresholds_and_declines_off_topic_questions(city: FaqEngine) -> None:
    assert city.thresholds.basis.startswith("fitted")
    pool = off_topic_pool()
    answered = [q for q in pool if city.match(q).status == ANSWERED]
    assert len(answered) <= 0.05 * len(pool), answered
    assert city.match("住民票の写しを取りたいのですが、どうすればよいですか。").status == ANSWERED


def test_city_hall_life_questions_count_only_where_the_faq_lacks_their_topic(city: FaqEngine) -> None:
    small = FaqEngine(load_kb(EVAL.parent / "fixtures" / "small_city_faq.csv"))
    # The 12-entry FAQ knows nothing of passports or libraries; the city FAQ has both.
    assert not small._knows_topic("パスポートの申請に必要なもの") and not small._knows_topic("図書館の開館時間")
    assert city._knows_topic("パスポートの申請に必要なもの") and city._knows_topic("図書館の開館時間")
    lacking = [q for q in life_pool() if not small._knows_topic(q)]
    assert len(lacking) >= 0.8 * len(life_pool())
    assert not set(life_pool()) & set(off_topic_pool())


def test_out_of_scope_examples_of_the_knowledge_base_count(city: FaqEngine) -> None:
    # A curator marks questions about a FAQ topic as out of scope: the bar for answering rises.
    examples = tuple(f"{topic}について{n}" for n in range(40) for topic in ("住民票", "転入届", "保育料"))
    marked = FaqEngine(replace(city.kb, out_of_scope=examples))
    assert marked.thresholds.answer >= city.thresholds.answer
    assert marked.cache_key() != city.cache_key()


def test_thresholds_come_back_from_the_index_cache(tmp_path: Path, city: FaqEngine) -> None:
    first = FaqEngine(city.kb, cache_dir=tmp_path)
    again = FaqEngine(city.kb, cache_dir=tmp_path)
    assert (again.thresholds.answer, again.thresholds.suggest) == (first.thresholds.answer, first.thresholds.suggest)
    assert again.thresholds.basis == "cached"
    assert again.match("明日の天気予報").status == first.match("明日の天気予報").status == NO_ANSWER


def test_the_pseudo_questions_that_find_their_entry_are_a_bounded_sample(city: FaqEngine) -> None:
    from knowledge.decision import POSITIVE_ENTRIES, pseudo_questions

    def count(engine: FaqEngine) -> int:
        n = len(engine.entries)
        questions = pseudo_questions(
            engine.entries, list(range(n)), [1] * n, engine.analyzer.content_words, (), engine._knows_topic
        )
        return sum(q.entry is not None for q in questions)

    small = FaqEngine(load_kb(EVAL.parent / "fixtures" / "small_city_faq.csv"))
    # A small FAQ asks about every entry (enough to fit on); a large one about a few, whatever its size.
    assert count(small) >= 20
    assert count(city) <= 3 * POSITIVE_ENTRIES
