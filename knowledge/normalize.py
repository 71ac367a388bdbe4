"""Japanese text folding: width, case, kana script, long vowels and small kana.

Two levels:
- `normalize_text` is what Sudachi sees: NFKC (full-width ASCII and half-width kana become standard),
  lower-cased, spacing unified. Script is kept, because Sudachi reads kanji/kana differently.
- `fold_for_match` is for character n-grams and fuzzy scoring: additionally hiragana → katakana,
  small kana → full size, the long-vowel mark dropped, punctuation removed, so がばくら, ガバクラ and
  ｶﾞﾊﾞｸﾗ all become the same string.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

import numpy as np

from knowledge import patterns

_HIRA_START, _HIRA_END = 0x3041, 0x3096
_KATA_OFFSET = 0x60

_SMALL_TO_LARGE = str.maketrans(
    {
        "ァ": "ア", "ィ": "イ", "ゥ": "ウ", "ェ": "エ", "ォ": "オ",
        "ッ": "ツ", "ャ": "ヤ", "ュ": "ユ", "ョ": "ヨ", "ヮ": "ワ", "ヵ": "カ", "ヶ": "ケ",
    }
)
# Long-vowel marks and dash look-alikes that people type for ー.
_LONG_VOWELS = patterns.compile(r"[ー〜～~\-−‐‑–—―]")  # the same as _LONG_VOWEL_CHARS below
# Anything that is not a letter, digit or kana/kanji is noise for matching.
# A dot between digits is kept: 第1.3版 and 第13版 are different versions.
_NOISE = patterns.compile(r"(?!(?<=\d)\.(?=\d))[^\w]|_", re.UNICODE)
_SPACES = patterns.compile(r"\s+")


# Characters that NFKC leaves as they are and that nothing before or after them composes or reorders with
# (NFKC_QC=Yes, combining class 0, never the second of a composition pair; tests/unit/test_normalize.py
# checks each against the running Python's Unicode data): a text can be cut before any of them and each
# piece normalized alone. Most of a Japanese text is these; full-width ASCII, half-width kana, voiced-sound
# marks, circled numbers and the like are not.
_NFKC_STABLE = "\n\x20-\x7e\u3001\u3002\u300c-\u3011\u3041-\u3096\u30a1-\u30fa\u30fb\u30fc\u4e00-\u9fff"
_NFKC_UNSTABLE = patterns.compile(f"[^{_NFKC_STABLE}]+")


def nfkc(text: str) -> str:
    """`unicodedata.normalize("NFKC", text)`, quicker for a long Japanese text: only the runs of characters
    NFKC may change are normalized, each with the character before it (which a voiced-sound mark may compose
    with). NFKC of a 500-character answer costs more than ranking it."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    out: list[str] = []
    done = 0
    for run in _NFKC_UNSTABLE.finditer(text):
        start = max(run.start() - 1, done)
        out.append(text[done:start])
        out.append(unicodedata.normalize("NFKC", text[start : run.end()]))
        done = run.end()
    out.append(text[done:])
    return "".join(out)


# A dash typed for the long-vowel mark inside a katakana word (ワーキンググル―プ): the tokenizer and the glossary
# see the word only with ー. 〜 and ~ are left alone (2022〜2023 is a range).
_DASH_IN_KATAKANA = patterns.compile(r"(?<=[ァ-ヴ])[―‐‑–—−](?=[ァ-ヴ]|$|[^\w])")


@functools.lru_cache(maxsize=4096)
def normalize_text(text: str) -> str:
    """NFKC + lower case + single spaces; the form handed to the tokenizer. Remembered for the last few
    thousand texts: a question is normalized again by each step that reads it (and people ask the same)."""
    text = nfkc(text).lower()
    text = _DASH_IN_KATAKANA.sub("ー", text.replace("\u3000", " "))
    return _SPACES.sub(" ", text).strip()


def normalize_texts(texts: Sequence[str]) -> list[str]:
    """`normalize_text` of each of many texts, with each sentence NFKC-normalized once: a knowledge base's
    answers share sentences (a contact block, a paragraph of the plan), and NFKC is most of the cost.

    A text is cut after each 。 (a character NFKC neither makes nor composes with what follows, so the pieces
    normalize as the whole does, and no run of spaces spans it)."""
    memo: dict[str, str] = {}
    out: list[str] = []
    for text in texts:
        pieces = text.split("。")
        last = len(pieces) - 1
        for i, piece in enumerate(pieces):
            if i < last:
                piece += "。"
            done = memo.get(piece)
            if done is None:
                done = memo[piece] = _SPACES.sub(" ", _DASH_IN_KATAKANA.sub("ー", nfkc(piece).lower()))
            pieces[i] = done
        out.append("".join(pieces).strip())
    return out


_HIRAGANA_TO_KATAKANA = str.maketrans({chr(c): chr(c + _KATA_OFFSET) for c in range(_HIRA_START, _HIRA_END + 1)})


def hiragana_to_katakana(text: str) -> str:
    return text.translate(_HIRAGANA_TO_KATAKANA)


def fold_kana(text: str) -> str:
    """Katakana script, full-size kana, no long-vowel marks."""
    text = hiragana_to_katakana(text).translate(_SMALL_TO_LARGE)
    return _LONG_VOWELS.sub("", text)


@functools.lru_cache(maxsize=8192)
def fold_for_match(text: str) -> str:
    """The most folded form: for character n-grams and fuzzy comparison. Drops spaces and punctuation.
    Remembered as `normalize_text` (a question and its words are folded by several steps)."""
    text = fold_kana(normalize_text(text))
    return _NOISE.sub("", text)


_FULL_WIDTH_KATAKANA = patterns.compile(r"[ァ-ヺー]+")


def fold_reading(reading: str) -> str:
    """`fold_for_match` of a Sudachi reading, quicker: readings are full-width katakana, which NFKC, lower case
    and the noise pattern leave as they are, so only the small kana and the long-vowel marks fold."""
    if _FULL_WIDTH_KATAKANA.fullmatch(reading):
        return reading.translate(_SMALL_TO_LARGE).replace("ー", "")
    return fold_for_match(reading)


def char_ngrams(folded: str, n: int = 2) -> list[str]:
    """Character n-grams of an already folded string; a string shorter than n is its own gram."""
    if not folded:
        return []
    if len(folded) < n:
        return [folded]
    return [folded[i : i + n] for i in range(len(folded) - n + 1)]


# ---------------------------------------------------------------- whole-corpus folding (index build)
# The index build folds millions of characters; `fold_for_match` does it with three passes of
# str.translate and two regular expressions per text. The same folding as one table lookup per
# character in numpy (code points below _TABLE_SIZE; anything above falls back to `fold_for_match`).
_TABLE_SIZE = 0x10000  # the Basic Multilingual Plane: text with anything above takes `fold_for_match`
_LONG_VOWEL_CHARS = "ー〜～~-−‐‑–—―"


@functools.cache
def _fold_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(folded code of each code point, long-vowel mark?, word character?, decimal digit?), the last two of
    the folded character."""
    codes = np.arange(_TABLE_SIZE, dtype=np.uint32)
    folded = codes.copy()
    folded[_HIRA_START : _HIRA_END + 1] += _KATA_OFFSET
    for small, large in _SMALL_TO_LARGE.items():
        folded[folded == small] = ord(large)
    long_vowel = np.zeros(_TABLE_SIZE, dtype=bool)
    long_vowel[[ord(ch) for ch in _LONG_VOWEL_CHARS]] = True
    # `_NOISE` is "not \\w, or _": a character of \\w other than _ is exactly str.isalnum().
    word = np.fromiter(map(str.isalnum, map(chr, range(_TABLE_SIZE))), dtype=bool, count=_TABLE_SIZE)
    digit = np.fromiter(map(str.isdecimal, map(chr, range(_TABLE_SIZE))), dtype=bool, count=_TABLE_SIZE)
    return folded, long_vowel, word[folded], digit[folded]


def fold_codes(normalized: str) -> np.ndarray:
    """`fold_for_match(normalized)` as code points (uint32), for text already through `normalize_text`."""
    codes = np.frombuffer(normalized.encode("utf-32-le"), dtype=np.uint32)
    if not len(codes):
        return codes
    if int(codes.max()) >= _TABLE_SIZE:
        return np.frombuffer(fold_for_match(normalized).encode("utf-32-le"), dtype=np.uint32)
    folded, long_vowel, word, digit = _fold_tables()
    codes = codes[~long_vowel[codes]]
    keep = word[codes]
    dots = np.flatnonzero(codes == 0x2E)
    if len(dots):
        # A dot between two digits stays: 第1.3版 is not 第13版.
        inner = dots[(dots > 0) & (dots < len(codes) - 1)]
        keep[inner[digit[codes[inner - 1]] & digit[codes[inner + 1]]]] = True
    return folded[codes[keep]]


def codes_text(codes: np.ndarray) -> str:
    return codes.astype(np.uint32).tobytes().decode("utf-32-le")


def text_codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def fold_many(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """`fold_codes` of many texts in one pass: (code points of all of them, flat; how many of each)."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    codes = text_codes("".join(texts))
    if len(codes) and int(codes.max()) >= _TABLE_SIZE:
        each = [fold_codes(text) for text in texts]
        return np.concatenate([np.empty(0, dtype=np.uint32), *each]), np.fromiter(map(len, each), dtype=np.int64)
    folded, long_vowel, word, digit = _fold_tables()
    kept = ~long_vowel[codes]
    codes, lengths = codes[kept], _kept_per_text(kept, lengths)
    keep = word[codes]
    dots = np.flatnonzero(codes == 0x2E)
    if len(dots):
        # A dot between two digits of the same text stays: 第1.3版 is not 第13版.
        ends = np.cumsum(lengths)
        edge = np.zeros(len(codes) + 1, dtype=bool)
        edge[ends - lengths] = True  # first character of a text
        edge[ends] = True  # one past its last: the dot before it is its last character
        inner = dots[~edge[dots] & ~edge[dots + 1]]
        keep[inner[digit[codes[inner - 1]] & digit[codes[inner + 1]]]] = True
    return folded[codes[keep]], _kept_per_text(keep, lengths)


def _kept_per_text(kept: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    running = np.concatenate([[0], np.cumsum(kept, dtype=np.int64)])
    ends = np.cumsum(lengths)
    return running[ends] - running[ends - lengths]


def split_texts(codes: np.ndarray, lengths: np.ndarray) -> list[str]:
    text = codes_text(codes)
    ends = np.cumsum(lengths).tolist()
    return [text[start:end] for start, end in zip([0, *ends][:-1], ends, strict=True)]


_DENSE_CELLS = 1 << 26
_SEARCH_BATCH = 1 << 20
_RANK_CELLS = 1 << 23  # a running count of at most 32 MB (int32)


def gram_documents(texts: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[list[str], list[list[np.ndarray]]]:
    """The character bigrams (`char_ngrams(text, 2)`) of sets of folded texts, each set given flat as (code
    points, how many per text): (the distinct bigrams, sorted; per set, each text's bigram ids, int32).

    No strings and no sort of millions of keys: a knowledge base uses a few thousand characters, so a
    bigram is a cell of a dense characters × characters table, and the cells in use are numbered in order."""
    used = np.zeros(0x110000, dtype=bool)
    used[0] = True  # the second "character" of a one-character text, its own gram
    for codes, _ in texts:
        used[codes] = True
    alphabet = np.flatnonzero(used)
    del used
    size = len(alphabet)
    dense = size * size <= _DENSE_CELLS
    char_id = np.zeros(0x110000, dtype=np.int32 if dense else np.int64)
    char_id[alphabet] = np.arange(size)
    cells_of: list[tuple[np.ndarray, np.ndarray]] = []
    for codes, lengths in texts:
        ids = char_id[codes]
        cells = ids * size
        cells[:-1] += ids[1:]
        # A text's last character starts no bigram, unless it is the whole text.
        ends = np.cumsum(lengths)
        valid = np.ones(len(cells), dtype=bool)
        valid[ends[lengths > 0] - 1] = False
        single = ends[lengths == 1] - 1
        cells[single] = ids[single] * size
        valid[single] = True
        cells_of.append((cells[valid], np.maximum(lengths - 1, 0) + (lengths == 1)))
        del ids, cells, valid
    del char_id
    rank: np.ndarray | None = None
    if dense:
        taken = np.zeros(size * size, dtype=bool)
        for cells, _ in cells_of:
            taken[cells] = True
        in_use = np.flatnonzero(taken)
        if size * size <= _RANK_CELLS:
            # Each cell's number among the cells in use, by one running count: a lookup per bigram instead of
            # a binary search (millions of them in a long FAQ).
            rank = np.cumsum(taken, dtype=np.int32)
            rank -= 1
        del taken
    else:
        in_use = np.unique(np.concatenate([cells for cells, _ in cells_of]))
    documents = []
    for cells, counts in cells_of:
        if rank is not None:
            ids = rank[cells]
        else:
            ids = np.empty(len(cells), dtype=np.int32)
            for start in range(0, len(cells), _SEARCH_BATCH):  # a batch at a time: searchsorted gives int64
                ids[start : start + _SEARCH_BATCH] = np.searchsorted(in_use, cells[start : start + _SEARCH_BATCH])
        documents.append(np.split(ids, np.cumsum(counts)[:-1]) if len(counts) else [])
    del rank
    firsts, seconds = alphabet[in_use // size].tolist(), alphabet[in_use % size].tolist()
    grams = [chr(a) + chr(b) if b else chr(a) for a, b in zip(firsts, seconds, strict=True)]
    return grams, documents
