"""Japanese text folding: width, case, kana script, long vowels and small kana.

Two levels:
- `normalize_text` is what Sudachi sees: NFKC (full-width ASCII and half-width kana become standard),
  lower-cased, spacing unified. Script is kept, because Sudachi reads kanji/kana differently.
- `fold_for_match` is for character n-grams and fuzzy scoring: additionally hiragana → katakana,
  small kana → full size, the long-vowel mark dropped, punctuation removed, so がばくら, ガバクラ and
  ｶﾞﾊﾞｸﾗ all become the same string.
"""

from __future__ import annotations

import re
import unicodedata

_HIRA_START, _HIRA_END = 0x3041, 0x3096
_KATA_OFFSET = 0x60

_SMALL_TO_LARGE = str.maketrans(
    {
        "ァ": "ア", "ィ": "イ", "ゥ": "ウ", "ェ": "エ", "ォ": "オ",
        "ッ": "ツ", "ャ": "ヤ", "ュ": "ユ", "ョ": "ヨ", "ヮ": "ワ", "ヵ": "カ", "ヶ": "ケ",
    }
)
# Long-vowel marks and dash look-alikes that people type for ー.
_LONG_VOWELS = re.compile(r"[ー〜～~\-−‐‑–—―]")
# Anything that is not a letter, digit or kana/kanji is noise for matching.
# A dot between digits is kept: 第1.3版 and 第13版 are different versions.
_NOISE = re.compile(r"(?!(?<=\d)\.(?=\d))[^\w]|_", re.UNICODE)
_SPACES = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """NFKC + lower case + single spaces; the form handed to the tokenizer."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("\u3000", " ")
    return _SPACES.sub(" ", text).strip()


_HIRAGANA_TO_KATAKANA = str.maketrans({chr(c): chr(c + _KATA_OFFSET) for c in range(_HIRA_START, _HIRA_END + 1)})


def hiragana_to_katakana(text: str) -> str:
    return text.translate(_HIRAGANA_TO_KATAKANA)


def fold_kana(text: str) -> str:
    """Katakana script, full-size kana, no long-vowel marks."""
    text = hiragana_to_katakana(text).translate(_SMALL_TO_LARGE)
    return _LONG_VOWELS.sub("", text)


def fold_for_match(text: str) -> str:
    """The most folded form: for character n-grams and fuzzy comparison. Drops spaces and punctuation."""
    text = fold_kana(normalize_text(text))
    return _NOISE.sub("", text)


def char_ngrams(folded: str, n: int = 2) -> list[str]:
    """Character n-grams of an already folded string; a string shorter than n is its own gram."""
    if not folded:
        return []
    if len(folded) < n:
        return [folded]
    return [folded[i : i + n] for i in range(len(folded) - n + 1)]
