"""One-letter typos of the plan's names are put right for a question that got no answer (knowledge/typos.py)."""

from __future__ import annotations

import pytest

from knowledge.engine import ANSWERED, FaqEngine
from knowledge.typos import TypoCorrector

NAMES = ["リモート窓口", "ナッジ理論", "政策企画課", "保険年金課", "ガバメントクラウド", "推進本部", "市長", "しちょう"]


@pytest.mark.parametrize(
    ("question", "corrected"),
    [
        ("リモード窓口はどのテーマ", "リモート窓口はどのテーマ"),  # replaced
        ("ガバメントクラド", "ガバメントクラウド"),  # dropped
        ("推進本分のメンバー", "推進本部のメンバー"),
        ("書かない窓ロはどの改革", "書かない窓口はどの改革"),  # katakana ロ for the kanji 口
        ("保険年金課はどのWG", "保険年金課はどのWG"),  # already right
        ("推進本部の名簿ちょうだい", "推進本部の名簿ちょうだい"),  # a reading in hiragana is no name to correct to
        ("明日の天気は？", "明日の天気は？"),
    ],
)
def test_a_one_letter_typo_of_a_name_is_put_right(question: str, corrected: str) -> None:
    assert TypoCorrector(NAMES).correct(question) == corrected


@pytest.mark.parametrize(
    ("question", "fact"),
    [("ナッヂ理論", "事業効果の向上"), ("政策企格課の役割は", "事務局"), ("DX推進リーター何人", "10名程度")],
)
def test_a_question_with_a_typo_is_answered(plan_engine: FaqEngine, question: str, fact: str) -> None:
    result = plan_engine.match(question)
    assert result.status == ANSWERED and result.entry is not None, result
    assert fact in result.entry.answer
    assert result.question == question


def test_a_name_put_right_is_not_read_again_as_a_typo_of_a_shorter_one() -> None:
    # DX推進リ of DX推進リーダー is one letter from the short form DX推進L: the corrected name stays whole.
    corrector = TypoCorrector(["DX推進リーダー", "DX推進L"])
    assert corrector.correct("DX推進リーターの人数") == "DX推進リーダーの人数"


def test_a_letter_added_inside_a_name_is_dropped_not_the_last_letter_replaced() -> None:
    corrector = TypoCorrector(["ロジックモデル", "推進本部"])
    assert corrector.correct("ロジックモデエルって何") == "ロジックモデルって何"
