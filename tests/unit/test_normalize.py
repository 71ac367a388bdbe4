"""Japanese folding: width, case, script, long vowels, small kana; numbers kept."""

import pytest

from knowledge.normalize import char_ngrams, fold_for_match, normalize_text


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
