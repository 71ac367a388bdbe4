"""Japanese folding: width, case, script, long vowels, small kana; numbers kept."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.normalize import (
    char_ngrams,
    fold_for_match,
    fold_many,
    gram_documents,
    nfkc,
    normalize_text,
    normalize_texts,
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


# The index build normalizes a knowledge base's texts sentence by sentence (each distinct sentence once).
_SENTENCE_SAMPLES = "。｡.ｶﾞﾞ゙ ﾊﾟ　\t\nＡａΣσ１ｱ漢 ﾞ"


@given(st.lists(st.text(alphabet=_SENTENCE_SAMPLES, max_size=14), max_size=8))
def test_normalizing_many_texts_is_normalize_text(texts: list[str]) -> None:
    texts = texts + texts[:2]  # repeated texts and sentences take the memo
    assert normalize_texts(texts) == [normalize_text(t) for t in texts]


@given(st.lists(st.text(alphabet="アイウカ1.", max_size=5), max_size=6))
def test_bigrams_by_running_count_and_by_binary_search_agree(texts: list[str]) -> None:
    import knowledge.normalize as normalize

    sets = [fold_many(texts)]
    by_count = gram_documents(sets)
    saved = normalize._RANK_CELLS
    normalize._RANK_CELLS = 0  # as for an alphabet too large for the running count
    try:
        by_search = gram_documents(sets)
    finally:
        normalize._RANK_CELLS = saved
    assert by_count[0] == by_search[0]
    assert [[d.tolist() for d in docs] for docs in by_count[1]] == [[d.tolist() for d in docs] for docs in by_search[1]]


def test_nfkc_stable_characters_are_stable() -> None:
    """Each character `nfkc` does not normalize is one NFKC leaves alone whatever stands around it, by this
    Python's Unicode data: NFKC keeps it, its combining class is 0, and no composition has it second."""
    import re
    import unicodedata

    from knowledge.normalize import _NFKC_STABLE

    seconds = set()
    for code in range(0x110000):
        decomposition = unicodedata.decomposition(chr(code)).split()
        if len(decomposition) == 2 and not decomposition[0].startswith("<"):
            seconds.add(chr(int(decomposition[1], 16)))
    stable = re.compile(f"[{_NFKC_STABLE}]")
    chars = [chr(code) for code in range(0x110000) if stable.match(chr(code))]
    assert len(chars) > 20000  # kanji, kana, ASCII
    assert [
        ch for ch in chars
        if unicodedata.normalize("NFKC", ch) != ch or unicodedata.combining(ch) or ch in seconds
    ] == []


@given(st.text(alphabet="あかがは゛゙゚カｶﾞﾊﾟ①㈱（）ＡＢａ１２ 　\u0301e漢字。、「」ー～ｰ\n\tﾞﾟヴゔ㌔ﾟ", max_size=30))
def test_nfkc_is_nfkc(text: str) -> None:
    import unicodedata

    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_nfkc_of_a_long_answer() -> None:
    import unicodedata

    text = "申請は（市民課）窓口で。ｶﾞｲﾄﾞﾌﾞｯｸ①を参照、電話０８５５－５２－１２３４。か\u3099の後で㍻３年。" * 3
    assert nfkc(text) == unicodedata.normalize("NFKC", text)
    assert nfkc("住民票の写し") == "住民票の写し"

def test_a_dash_typed_for_the_long_vowel_mark_inside_katakana_is_the_mark() -> None:
    from knowledge.normalize import normalize_text, normalize_texts

    assert normalize_text("グル―プ") == "グループ" == normalize_texts(["グル‐プ"])[0]
    assert normalize_text("2022―2023") == "2022―2023"  # between digits it is not a vowel mark


def test_remembered_folding_is_the_folding() -> None:
    """normalize_text and fold_for_match remember their last texts: the remembered answer is the computed one."""
    for text in ("ＤＸ推進リーダーは何人？", "がばくら ぎむ", "第1.3版　の　改訂"):
        assert normalize_text(text) == normalize_text.__wrapped__(text)
        assert fold_for_match(text) == fold_for_match.__wrapped__(text) == fold_for_match(text)
