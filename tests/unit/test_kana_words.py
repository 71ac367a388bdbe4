"""Words typed in hiragana are read as the FAQ writes them (knowledge/kana_words.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.analysis import Analyzer
from knowledge.engine import ANSWERED, FaqEngine
from knowledge.kana_words import KanaWords
from knowledge.kb import load_kb

FAQ = Path(__file__).resolve().parents[1] / "fixtures" / "small_city_faq.csv"


@pytest.fixture(scope="module")
def kana() -> KanaWords:
    return KanaWords(Analyzer())


@pytest.mark.parametrize(
    ("question", "texts", "expected"),
    [
        ("じどうてあて", ["児童手当はいつ支給されますか"], "児童手当"),
        ("そだいごみ 申し込み", ["粗大ごみを出すにはどうすればよいですか"], "粗大ごみ 申し込み"),
        ("げんつき はいしゃ", ["原付の廃車の手続き"], "原付 廃車"),
        ("しゅっしょうとどけ", ["出生届はどこに出しますか"], "出生届"),
        ("がくどう 申し込み", ["放課後児童クラブ（学童保育）に入りたい"], "学童 申し込み"),  # a part of a compound
        # A word the candidates do not have stays as typed, and so does a noun found inside another word.
        ("じゅうみんひょう どこで", ["自由に使える会議室"], "じゅうみんひょう どこで"),
        ("じどうてあて", ["粗大ごみを出すにはどうすればよいですか"], "じどうてあて"),
    ],
)
def test_a_hiragana_word_becomes_the_noun_of_a_candidate_that_reads_the_same(
    kana: KanaWords, question: str, texts: list[str], expected: str
) -> None:
    assert kana.rewrite(question, texts) == expected


def test_kana_read_as_inflection_is_left_as_typed(kana: KanaWords) -> None:
    # し + ない reads シナイ, as 市内 does; it is a verb and its ending, not the noun.
    assert kana.rewrite("申告 しないとだめ？", ["市内に住所がある方"]) == "申告 しないとだめ?"
    assert kana.applies("じどうてあて", ["ジドウ", "テアテ"]) and not kana.applies("住民票がほしい", ["住民票", "欲シイ"])


@pytest.fixture(scope="module")
def engine() -> FaqEngine:
    return FaqEngine(load_kb(FAQ))


@pytest.mark.parametrize(
    ("question", "expected"),
    [("じゅうみんひょう ほしい", "s03"), ("こくみんけんこうほけん 入りたい", "s08"), ("じゅうみんぜい 払い方", "s09")],
)
def test_a_csv_faq_answers_a_question_typed_in_hiragana(engine: FaqEngine, question: str, expected: str) -> None:
    result = engine.match(question)
    assert result.status == ANSWERED and result.entry is not None, (result.status, result.score, result.candidates)
    assert result.entry.id == expected
    assert result.question == question


def test_many_threads_share_one_reader() -> None:
    from concurrent.futures import ThreadPoolExecutor

    reader = KanaWords(Analyzer())
    texts = [f"児童手当の申請{n}回目" for n in range(300)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda t: reader.rewrite("じどうてあて", [t]), texts))
    assert results == ["児童手当"] * len(texts)


def test_only_candidates_whose_reading_has_the_kana_are_read(engine: FaqEngine) -> None:
    # Reading a candidate's texts with Sudachi is most of the step: the index's reading bigrams say which
    # candidates may have a noun that reads as the question's kana, and no others are read.
    ids = [e.id for e in engine.entries]
    resident_card, national_health = ids.index("s03"), ids.index("s08")
    kept = engine._may_read_as_kana("じゅうみんひょう ほしい", [national_health, resident_card])
    assert kept == [resident_card]
    assert engine._may_read_as_kana("こくみんけんこうほけん", [national_health, resident_card]) == [national_health]
    # No run of three kana the knowledge base reads at all: nothing is read.
    assert engine._may_read_as_kana("ぬぬぬぬ", [national_health, resident_card]) == []


def test_reading_folds_as_fold_for_match() -> None:
    """The katakana short cut folds every reading as fold_for_match does (small kana, ー, and the rest)."""
    from knowledge.normalize import fold_for_match, fold_reading

    kana = [chr(c) for c in range(0x30A1, 0x30FB)] + ["ー"]
    for first in kana:
        for second in kana:
            assert fold_reading(first + second) == fold_for_match(first + second)
    for reading in ("ショウガイシャテチョウ", "キャッシュレス", "ｶﾀｶﾅ", "ABC・デ", "ヴァ゙", "ヽヾ", ""):
        assert fold_reading(reading) == fold_for_match(reading)
    assert fold_reading("チャージー") == "チヤジ"
