"""Japanese folding: width, case, script, long vowels, small kana; numbers kept."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.normalize import (
    char_ngrams,
    fold_for_match,
    fold_many,
    gram_documents,
    normalize_text,
    split_texts,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ガバクラ", "がばくら"),  # hiragana ↔ katakana
        ("ガバクラ", "ｶﾞﾊﾞｸﾗ"),  # half-width kana
        ("ＤＸ推進リーダー", "dx推進リーダー"),  # full-width ASCII, case
        ("サーバー", "サーバ"),  # long-vowel mark
        ("キャッシュレス", "キヤツシユレス"),  # small kana
        ("DX 推進　リーダー？", "DX推進リーダー"),  # spaces (incl. full-width) and punctuation
    ],
)
def test_variants_fold_to_the_same_string(a: str, b: str) -> None:
    assert fold_for_match(a) == fold_for_match(b)


@pytest.mark.parametrize(("a", "b"), [("第1.3版", "第13版"), ("電子決済", "電子決裁"), ("2.0", "20")])
def test_distinct_things_stay_distinct(a: str, b: str) -> None:
    assert fold_for_match(a) != fold_for_match(b)


def test_normalize_text_keeps_script_for_the_tokenizer() -> None:
    assert normalize_text("ＤＸ　推進  リーダー") == "dx 推進 リーダー"


def test_char_ngrams() -> None:
    assert char_ngrams("ガバクラ") == ["ガバ", "バク", "クラ"]
    assert char_ngrams("ア") == ["ア"]
    assert char_ngrams("") == []


# The index build folds a whole knowledge base at once in numpy; it must agree with fold_for_match.
_SAMPLES = "あいうぁっゃゎーｰ〜~-−.．1２3４ａA_。、・ 　\tカヵヶガバクラ漢字第版9.0x𠮷😀"


@given(st.lists(st.text(alphabet=_SAMPLES, max_size=12), max_size=8))
def test_folding_many_texts_at_once_is_fold_for_match(texts: list[str]) -> None:
    normalized = [normalize_text(t) for t in texts]
    codes, lengths = fold_many(normalized)
    assert split_texts(codes, lengths) == [fold_for_match(t) for t in normalized]


@given(st.lists(st.text(alphabet="アイウカ1.", max_size=5), max_size=6), st.lists(st.text(alphabet="イエオ", max_size=4), max_size=4))
def test_bigrams_of_many_texts_are_char_ngrams(first: list[str], second: list[str]) -> None:
    sets = [fold_many(first), fold_many(second)]
    grams, documents = gram_documents(sets)
    assert grams == sorted(set(grams))
    for texts, (codes, lengths), docs in zip((first, second), sets, documents, strict=True):
        folded = split_texts(codes, lengths)
        assert [[grams[i] for i in doc] for doc in docs] == [char_ngrams(f, 2) for f in folded]
        assert len(docs) == len(texts)
