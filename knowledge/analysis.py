"""Turns Japanese text into the terms the engine indexes: Sudachi words, glossary concepts, bigrams."""

from __future__ import annotations

import functools
import logging
import marshal
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence, Set
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from sudachipy import Dictionary, Morpheme, SplitMode

from knowledge import patterns
from knowledge.normalize import (
    char_ngrams,
    fold_for_match,
    fold_many,
    hiragana_to_katakana,
    normalize_text,
    normalize_texts,
    split_texts,
)
from knowledge.retrieval import GrowingVocabulary

logger = logging.getLogger(__name__)

# Parts of speech that carry no topic: particles, auxiliaries, symbols, pronouns, interjections…
_HIRAGANA_ONLY = patterns.compile(r"[\u3041-\u309f]+")

_MAX_SYNONYM_GROUPS = 2

_SKIP_POS = {"助詞", "助動詞", "補助記号", "記号", "空白", "代名詞", "感動詞", "接続詞", "連体詞"}

# Words that make a question a question but say nothing about its topic. Compared in folded form.
_QUESTION_WORDS = """
何 なに なん 何人 何名 誰 だれ いつ どこ どう どの どれ どんな どのよう なぜ 何故 いくつ いくら 幾つ
ある いる する なる できる 出来る 言う いう 思う 教える 知る 分かる わかる 聞く 伺う 調べる 見る 下さる くださる
いい 良い よい 欲しい ほしい 方 かた 人 こと もの 物 事 ため 為 よう 様 件 所 ところ 場合 等 など 時 とき
別名 呼ぶ 呼ばれる 正式 名称 略 略称 意味 読み方 定義 詳細 概要 説明
ください 下さい お願い 願う 質問 回答 答え 教え 知りたい 確認 について 関する 関係 的 中 内 以外 以上 感じ
今 現在 ちょっと 少し 具体 具体的 一体 結局 本当 ほんと 実際 それ これ あれ ここ そこ 誰か 何か
です ます でしょう だろう じゃ って っけ か ね よ の
""".split()
_QUESTION_FOLDED = {fold_for_match(word) for word in _QUESTION_WORDS}


@dataclass(frozen=True)
class Unit:
    """One content word (Sudachi mode C) with its parts (mode A) when it is a compound."""

    term: str
    parts: tuple[str, ...] = ()
    weight: float = 1.0
    # Sudachi synonym groups (引っ越し = 転居, 死亡 = 亡くなる, 水漏れ = 漏水), as "sg:<id>" tokens.
    synonyms: tuple[str, ...] = ()


# Sudachi refuses more than 49,149 bytes at once: a sentence longer than this is analyzed in pieces.
ANALYSIS_CHUNK = 12000
_SENTENCE_END = patterns.compile(r"(?<=。)")


def sentences(text: str) -> list[str]:
    """`text` cut after each 。, and no piece longer than `ANALYSIS_CHUNK`."""
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        while len(sentence) > ANALYSIS_CHUNK:
            pieces.append(sentence[:ANALYSIS_CHUNK])
            sentence = sentence[ANALYSIS_CHUNK:]
        if sentence:
            pieces.append(sentence)
    return pieces


@dataclass
class IndexedTexts:
    """What the index needs of many texts (knowledge-base phrasings or answers), analyzed in one go."""

    word_ids: list[np.ndarray]  # per text: its word terms, encoded (Sudachi units, their parts, synonyms; concepts)
    words: list[tuple[str, ...]] | None  # the same as strings, when asked for
    folded: list[str]
    codes: np.ndarray  # the folded texts as code points, flat (for their bigrams: normalize.gram_documents)
    lengths: np.ndarray
    reading_codes: np.ndarray  # the same for the folded readings
    reading_lengths: np.ndarray


# IndexedTexts as marshal carries it: (the words of its vocabulary, its word ids flat, each text's count of
# them, words, folded, codes, lengths, reading codes, reading lengths), arrays as bytes.
_PortableTexts = tuple[
    list[str], bytes, list[int], list[tuple[str, ...]] | None, list[str], bytes, bytes, bytes, bytes
]


def _portable(indexed: IndexedTexts, terms: list[str]) -> _PortableTexts:
    flat = np.concatenate([np.empty(0, dtype=np.int32), *indexed.word_ids]).astype(np.int32, copy=False)
    return (
        terms, flat.tobytes(), [len(ids) for ids in indexed.word_ids], indexed.words, indexed.folded,
        indexed.codes.astype(np.uint32, copy=False).tobytes(), indexed.lengths.astype(np.int64, copy=False).tobytes(),
        indexed.reading_codes.astype(np.uint32, copy=False).tobytes(),
        indexed.reading_lengths.astype(np.int64, copy=False).tobytes(),
    )


def _joined(first: IndexedTexts, second: _PortableTexts, encode: Callable[[Sequence[str]], np.ndarray]) -> IndexedTexts:
    """`first`, then the texts of `second`, its word ids renumbered by `encode` (the words of its vocabulary
    encoded in their order: ids as if one process had met them all, after the first half's)."""
    terms, flat, counts, words, folded, codes, lengths, reading_codes, reading_lengths = second
    ids = encode(terms)[np.frombuffer(flat, dtype=np.int32)] if terms else np.empty(0, dtype=np.int32)
    bounds = np.cumsum(counts).tolist()
    word_ids = [ids[start:end] for start, end in zip([0, *bounds[:-1]], bounds, strict=True)]
    return IndexedTexts(
        first.word_ids + word_ids,
        first.words + words if first.words is not None and words is not None else None,
        first.folded + folded,
        np.concatenate([first.codes, np.frombuffer(codes, dtype=np.uint32)]),
        np.concatenate([first.lengths, np.frombuffer(lengths, dtype=np.int64)]),
        np.concatenate([first.reading_codes, np.frombuffer(reading_codes, dtype=np.uint32)]),
        np.concatenate([first.reading_lengths, np.frombuffer(reading_lengths, dtype=np.int64)]),
    )


# Texts folded together: bounds the temporaries of a long knowledge base's folding.
_FOLD_BATCH = 1_000_000


def _fold_batched(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    codes: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    start = 0
    while start < len(texts):
        end, chars = start, 0
        while end < len(texts) and (chars < _FOLD_BATCH or end == start):
            chars += len(texts[end])
            end += 1
        batch_codes, batch_lengths = fold_many(texts[start:end])
        codes.append(batch_codes)
        lengths.append(batch_lengths)
        start = end
    return (
        np.concatenate([np.empty(0, dtype=np.uint32), *codes]),
        np.concatenate([np.empty(0, dtype=np.int64), *lengths]),
    )


@dataclass(frozen=True)
class Analysis:
    """What the engine needs of one text."""

    folded: str
    units: tuple[Unit, ...]
    words: tuple[str, ...]
    concepts: tuple[str, ...]
    bigrams: tuple[str, ...]
    concept_forms: tuple[tuple[str, str], ...] = ()
    # Bigrams of the reading (katakana): がくどう and 学童, 監時会 and 監事会 meet here.
    reading_bigrams: tuple[str, ...] = ()

    @property
    def word_terms(self) -> tuple[str, ...]:
        return self.words + self.concepts


def _is_katakana(ch: str) -> bool:
    return "\u30a1" <= ch <= "\u30fa" or ch == "\u30fc"


def _word_bounded(text: str, start: int, end: int, katakana: bool = True) -> bool:
    """A form must not be cut out of a longer word: "ai" not inside "mail", マイナ not inside マイナンバー.

    ASCII and katakana runs are words of their own; kanji compounds may contain a form (推進構想)."""
    kinds = (
        (lambda ch: ch.isascii() and ch.isalnum(), _is_katakana)
        if katakana
        else (lambda ch: ch.isascii() and ch.isalnum(),)
    )
    for kind in kinds:
        if kind(text[start]) and start > 0 and kind(text[start - 1]):
            return False
        if kind(text[end - 1]) and end < len(text) and kind(text[end]):
            return False
    return True


class Glossary:
    """Synonym groups: every surface form of a group maps to one concept id (its first term)."""

    def __init__(self, groups: Iterable[Sequence[str]]) -> None:
        self._forms: list[tuple[str, str]] = []
        self.groups: list[tuple[str, ...]] = []
        seen: set[str] = set()
        for group in groups:
            terms = tuple(t for t in group if str(t).strip())
            if not terms:
                continue
            self.groups.append(terms)
            concept = "syn:" + fold_for_match(str(terms[0]))
            for term in terms:
                form = fold_for_match(str(term))
                if not form or (form, concept) in seen:
                    continue
                seen.add((form, concept))  # type: ignore[arg-type]
                self._forms.append((form, concept))
        # Longest first, so ガバメントクラウド wins over クラウド when both are forms.
        self._forms.sort(key=lambda item: -len(item[0]))
        # For rewriting text before tokenizing: forms in tokenizer space (NFKC, lower, katakana).
        rewrites: dict[str, str] = {}
        for terms in self.groups:
            canonical = normalize_text(str(terms[0]))
            for term in terms[1:]:
                key = hiragana_to_katakana(normalize_text(str(term)))
                if key and key != hiragana_to_katakana(canonical):
                    rewrites.setdefault(key, canonical)
        self._rewrites = sorted(rewrites.items(), key=lambda item: -len(item[0]))

    def canonicalize(self, normalized: str) -> str:
        """Replace abbreviations and variants by their group's first term (ガバクラ → ガバメントクラウド),
        so that the question and the knowledge base use the same words. Longest match wins."""
        if not self._rewrites:
            return normalized
        probe = hiragana_to_katakana(normalized)
        taken = [False] * len(normalized)
        spans: list[tuple[int, int, str]] = []
        for form, canonical in self._rewrites:
            start = probe.find(form)
            while start >= 0:
                end = start + len(form)
                if not any(taken[start:end]) and _word_bounded(normalized, start, end):
                    spans.append((start, end, canonical))
                    for i in range(start, end):
                        taken[i] = True
                start = probe.find(form, end)
        if not spans:
            return normalized
        out, last = [], 0
        for start, end, canonical in sorted(spans):
            out.append(normalized[last:start])
            out.append(canonical)
            last = end
        out.append(normalized[last:])
        return "".join(out)

    def concepts_in(self, folded: str) -> list[str]:
        """Concept ids whose surface forms occur in `folded`; cost grows with the glossary, not the KB."""
        return list(dict.fromkeys(concept for concept, _form in self.matches_in(folded)))

    def matches_in(self, folded: str) -> list[tuple[str, str]]:
        """(concept id, surface form found) pairs for `folded`."""
        found: list[tuple[str, str]] = []
        for form, concept in self._forms:
            start = folded.find(form)
            while start >= 0:
                end = start + len(form)
                # Folded text has no hiragana left, so only ASCII runs can be told apart here.
                if _word_bounded(folded, start, end, katakana=False):
                    found.append((concept, form))
                    break
                start = folded.find(form, start + 1)
        return found


POS_MEMO_TEXTS = 512
# Analyses of the last texts asked: a question is read again by the question-type checks (its topic, its
# unknown words), and people ask the same questions. Bounded; the oldest is dropped first.
ANALYSIS_MEMO_TEXTS = 1024
# An index build with at least this many distinct sentences tokenizes half of them in a forked process.
PARALLEL_MIN_SENTENCES = 4000

# Words whose `readings` are remembered (a bound: the words of a few thousand entry texts fit).
READING_MEMO_WORDS = 100_000
# Word ids from this one up are Sudachi's out-of-vocabulary ids (dictionary 15), one per part of speech.
_OOV_WORDS = 15 << 28

_T = TypeVar("_T")
_R = TypeVar("_R")
_A = TypeVar("_A")
_B = TypeVar("_B")

# (word terms, question words, raw reading) of one sentence.
SentenceTerms = tuple[tuple[str, ...], tuple[str, ...], str]


def _can_fork() -> bool:
    """A second core that is free, fork, and no other Python thread (a thread's held lock would stay held in
    the child). On a machine already busy (a load average of at least the other cores) the helper would only
    take turns with this process on the same cores, and its part costs more than here (its results copied
    back, sentences both halves have tokenized twice): a build there is quicker in one process."""
    if not hasattr(os, "fork") or os.environ.get("DXBOT_INDEX_PROCESSES") == "1":
        return False
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores > 1 and threading.active_count() == 1 and os.getloadavg()[0] < cores - 1


def in_two_processes(mine: Callable[[], _A], theirs: Callable[[], _B], what: str) -> tuple[_A, _B]:
    """(`mine()`, `theirs()`), `theirs()` run at the same time in a forked process (the caller has checked
    `_can_fork()`); its result (what marshal can carry) comes back through a pipe. A helper that fails costs
    only time: `theirs()` is then run here. Both must give the same results whichever process runs them."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its part, marshalled to the parent, then out without any clean-up
        status = 1
        try:
            os.close(read_end)
            data = marshal.dumps(theirs())  # type: ignore[arg-type]  # what marshal can carry, by contract
            with os.fdopen(write_end, "wb") as out:
                out.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    try:
        started = time.perf_counter()
        here = mine()
        done = time.perf_counter()
        with os.fdopen(read_end, "rb") as result:
            data = result.read()
    finally:
        _, status = os.waitpid(pid, 0)
    logger.debug("index build: %s: %.2f s here, then %.2f s waiting for the helper", what, done - started,
                 time.perf_counter() - done)
    if status == 0:
        try:
            return here, marshal.loads(data)
        except (EOFError, ValueError, TypeError):
            pass
    logger.warning("index build: the helper process failed (status %s); %s its part here", status, what)
    return here, theirs()


def halves_in_two_processes(
    work: Callable[[Sequence[_T]], list[_R]], items: Sequence[_T], worth_it: bool, what: str
) -> list[_R]:
    """`work(items)`, its second half in a forked process when `worth_it` and `_can_fork()`."""
    half = len(items) // 2
    if not worth_it or not half or not _can_fork():
        return work(items)
    first, second = in_two_processes(lambda: work(items[:half]), lambda: work(items[half:]), what)
    if len(second) != len(items) - half:
        logger.warning("index build: the helper process gave %d results for %d; %s them here", len(second),
                       len(items) - half, what)
        second = work(items[half:])
    return first + second


def can_fork() -> bool:
    """Whether `in_two_processes` may fork here (see `_can_fork`)."""
    return _can_fork()


MORPHEME_FIELDS = ("pos", "normalized_form", "reading_form", "split_a", "synonym_group_ids")


@functools.cache
def sudachi_dictionary() -> Dictionary:
    """The Sudachi core dictionary, opened once per process: it is read-only, and every analyzer (one per
    engine: a reload builds another) and the progress commands' reader make their own tokenizers from it."""
    return Dictionary(dict="core")


class Analyzer:
    """Sudachi-based analysis. Build once: loading the dictionary takes a fraction of a second."""

    def __init__(self, glossary: Glossary | None = None, parts: bool = True, stoplist: bool = True) -> None:
        """`parts` (mode-A parts of compounds) and `stoplist` (question and function words left out) are
        switches for the ablations in benchmarks/tune_retrieval.py; the engine uses both."""
        self._parts = parts
        self._stoplist = _QUESTION_FOLDED if stoplist else frozenset()
        # Only the fields this module reads of a morpheme (besides its surface and ids) are loaded: a build
        # tokenizes millions of morphemes, and each field not decoded saves a little of each. A new use of
        # another field (dictionary_form, split_b, user_data…) must add it here, or it reads empty.
        self._tokenizer = sudachi_dictionary().tokenizer(SplitMode.C, fields=set(MORPHEME_FIELDS))
        # A Sudachi tokenizer refuses to be used by two threads at once ("Tokenizer is already in use"),
        # and the bot answers many people in parallel: under load 1 question in 5 failed without this.
        self._lock = threading.Lock()
        self.glossary = glossary or Glossary([])
        # What each dictionary word becomes (unit, reading, question word), by word id, part of speech and
        # surface: a long FAQ repeats the same few thousand words, and the per-word calls into Sudachi
        # (split, synonym groups, readings) cost more than the tokenization itself.
        # A word made by Sudachi itself (unknown to the dictionary, or a number joined from digits: 2024) has
        # no word id of its own, and its reading depends on where it stands (ニレイニシ or ニレイニヨン), so its
        # reading is part of the key: each word is analyzed the same whatever was read before it. The word id
        # says the part of speech (a dictionary word's entry has one; an unknown word's id is 15 << 28 | its
        # part of speech), so the key does not ask Sudachi for it: one call less per morpheme.
        self._memo: dict[tuple[int, str, str], tuple[Unit | None, str, str | None, tuple[str, ...]]] = {}
        # Parts of speech of the last texts asked (knowledge-base answers, for the question-type check): the
        # same few answers come back question after question, and tokenizing a 500-character answer costs
        # more than ranking the whole knowledge base. Bounded; the oldest is dropped first.
        self._pos_memo: OrderedDict[str, tuple[tuple[str, tuple[str, ...]], ...]] = OrderedDict()
        self._pos_names: dict[int, tuple[str, ...]] = {}
        self._analyses: OrderedDict[tuple[str, bool], Analysis] = OrderedDict()
        # What `readings` gives of each word, keyed as `_memo`: candidate entries' texts are read word by word at
        # query time (knowledge/kana_words.py), and the calls into Sudachi per word cost more than tokenizing.
        self._reading_memo: dict[tuple[int, str, str, bool], tuple[str, str, str, tuple[tuple[str, str], ...]]] = {}

    def parts_of_speech(self, text: str) -> list[tuple[str, tuple[str, ...]]]:
        """(surface, Sudachi part of speech) of each morpheme: for telling a person's name (人名) or a
        product (固有名詞) in an answer (knowledge/intent.py)."""
        with self._lock:
            known = self._pos_memo.get(text)
            if known is not None:
                self._pos_memo.move_to_end(text)
                return list(known)
        normalized = normalize_text(text)
        if not normalized:
            return []
        with self._lock:
            names = self._pos_names
            morphemes = []
            for m in self._tokenizer.tokenize(normalized, SplitMode.C):
                pos_id = m.part_of_speech_id()
                pos = names.get(pos_id)
                if pos is None:
                    pos = names[pos_id] = tuple(m.part_of_speech())
                morphemes.append((m.surface(), pos))
            self._pos_memo[text] = tuple(morphemes)
            if len(self._pos_memo) > POS_MEMO_TEXTS:
                self._pos_memo.popitem(last=False)
            return morphemes

    def readings(self, text: str, parts: bool = False) -> list[tuple[str, str, str, tuple[tuple[str, str], ...]]]:
        """(surface, reading in katakana, first part of speech, and with `parts` the (surface, reading) of its
        mode-A parts when it has several) of each morpheme (mode C) of the normalized text: for reading a word
        typed in hiragana as the knowledge base writes it (knowledge/kana_words.py)."""
        normalized = normalize_text(text)
        if not normalized:
            return []
        out = []
        memo = self._reading_memo
        with self._lock:
            if len(memo) >= READING_MEMO_WORDS:
                memo.clear()
            for m in self._tokenizer.tokenize(normalized, SplitMode.C):
                word_id = m.word_id()
                surface = m.surface()
                key = (word_id, surface, m.reading_form() if word_id >= _OOV_WORDS else "", parts)
                known = memo.get(key)
                if known is None:
                    # Only a noun of three characters or more can be a compound worth splitting.
                    pos = m.part_of_speech()[0]
                    split = m.split(SplitMode.A) if parts and len(surface) >= 3 and pos == "名詞" else ()
                    pieces = tuple((a.surface(), a.reading_form()) for a in split) if len(split) > 1 else ()
                    known = memo[key] = (surface, m.reading_form(), pos, pieces)
                out.append(known)
        return out

    def units(self, text: str) -> list[Unit]:
        """Content words as folded normalized forms (mode C), each with its mode-A parts."""
        return self._tokenize(self.glossary.canonicalize(normalize_text(text)))[0]

    def content_words(self, text: str) -> list[tuple[str, bool]]:
        """(surface, is a noun) of each content word, as written: for pseudo-questions made of keywords."""
        normalized = normalize_text(text)
        if not normalized:
            return []
        with self._lock:
            morphemes = [(m.surface(), m.part_of_speech()) for m in self._tokenizer.tokenize(normalized, SplitMode.C)]
        return [
            (surface, pos[0] == "名詞")
            for surface, pos in morphemes
            if pos[0] not in _SKIP_POS and pos[1] != "非自立可能" and fold_for_match(surface) not in _QUESTION_FOLDED
        ]

    def _tokenize(self, normalized: str) -> tuple[list[Unit], str, list[str]]:
        """Content-word units, the reading of the content words (katakana, folded), and question words."""
        with self._lock:
            return self._tokenize_unlocked(normalized)

    def _tokenize_unlocked(self, normalized: str, fold_reading: bool = True) -> tuple[list[Unit], str, list[str]]:
        """`fold_reading=False`: the reading as Sudachi gives it, for a caller that folds many at once."""
        if not normalized:
            return [], "", []
        out: list[Unit] = []
        readings: list[str] = []
        asking: list[str] = []
        memo = self._memo
        for morpheme in self._tokenizer.tokenize(normalized, SplitMode.C):
            word_id = morpheme.word_id()
            key = (word_id, morpheme.surface(), morpheme.reading_form() if word_id >= _OOV_WORDS else "")
            known = memo.get(key)
            if known is None:
                known = memo[key] = self._memo_word(morpheme)
            unit, reading, question_word, _ = known
            if question_word is not None:
                asking.append(question_word)
            if reading:
                readings.append(reading)
            if unit is not None:
                out.append(unit)
        reading = "".join(readings)
        return out, fold_for_match(reading) if fold_reading else reading, asking

    def _memo_word(self, morpheme: Morpheme) -> tuple[Unit | None, str, str | None, tuple[str, ...]]:
        unit, reading, question_word = self._word(morpheme, self._parts, self._stoplist)
        terms = (unit.term, *unit.parts, *unit.synonyms) if unit is not None else ()
        return unit, reading, question_word, terms

    def _sentence_terms_unlocked(self, normalized: str, question_words: bool) -> SentenceTerms:
        """What the index keeps of one sentence: its word terms as `analyze` lists them (each unit, its parts
        and synonym groups), its question words, and its reading as Sudachi gives it (not folded)."""
        terms: list[str] = []
        readings: list[str] = []
        asking: list[str] = []
        memo = self._memo
        for morpheme in self._tokenizer.tokenize(normalized, SplitMode.C):
            word_id = morpheme.word_id()
            key = (word_id, morpheme.surface(), morpheme.reading_form() if word_id >= _OOV_WORDS else "")
            known = memo.get(key)
            if known is None:
                known = memo[key] = self._memo_word(morpheme)
            if known[3]:
                terms.extend(known[3])
            if known[1]:
                readings.append(known[1])
            if known[2] is not None and question_words:
                asking.append(known[2])
        return tuple(terms), tuple(asking), "".join(readings)

    @staticmethod
    def _word(
        morpheme: Morpheme, with_parts: bool = True, stoplist: Set[str] = _QUESTION_FOLDED
    ) -> tuple[Unit | None, str, str | None]:
        """(content-word unit or None, reading, question word or None) of one morpheme."""
        pos = morpheme.part_of_speech()
        if pos[0] in _SKIP_POS or pos[1] == "非自立可能":
            question_word = fold_for_match(morpheme.normalized_form())
            return None, "", question_word if question_word in _QUESTION_FOLDED and pos[0] == "代名詞" else None
        surface = morpheme.surface()
        reading_form = morpheme.reading_form()
        reading = reading_form if reading_form and reading_form != "キゴウ" else surface
        # Sudachi normalizes 2.0 to 2; in this domain version numbers must stay as written.
        form = surface if pos[1] == "数詞" else morpheme.normalized_form()
        term = fold_for_match(form)
        if not term:
            return None, reading, None
        if term in stoplist:
            return None, reading, term
        parts: list[str] = []
        if _HIRAGANA_ONLY.fullmatch(surface) and fold_for_match(surface) != term:
            # Kana-only words are guessed at: ぎむ → 義務 is right, くす → 樟 is not. Keep the kana
            # as the word and the guess as a part, so a wrong guess costs little.
            parts.append(term)
            term = fold_for_match(surface)
        split = morpheme.split(SplitMode.A) if with_parts else ()
        if len(split) > 1:
            for part in split:
                part_term = fold_for_match(part.normalized_form())
                if part_term and part_term != term and part_term not in _QUESTION_FOLDED:
                    parts.append(part_term)
        # Nouns carry the topic; verbs and adjectives are often just how people talk (なくす, 入る).
        weight = 1.0 if pos[0] in ("名詞", "接頭辞") else 0.4
        groups = morpheme.synonym_group_ids()
        # A word in many groups (PC) is too vague to equate with anything.
        synonyms = tuple(f"sg:{g}" for g in groups) if len(groups) <= _MAX_SYNONYM_GROUPS else ()
        return Unit(term, tuple(parts), weight, synonyms), reading, None

    def index_texts(
        self,
        texts: Sequence[str],
        encode: Callable[[Sequence[str]], np.ndarray],
        question_words: bool = True,
        keep_words: bool = False,
    ) -> IndexedTexts:
        """The terms of many texts, as `analyze` gives them (words, folded text, reading), for the index;
        words are encoded by `encode` (one vocabulary for all the calls of one index).

        Each text is tokenized sentence by sentence, and a sentence seen before (a contact block, a
        paragraph shared by many answers) is not tokenized again; folding runs in numpy. With many
        sentences and a second core, the second half of the texts is indexed whole (normalized, tokenized,
        folded: most of an index build) in a forked process, its words in a vocabulary of its own that is
        merged into `encode`'s here (a sentence both halves have is tokenized in each)."""
        half = len(texts) // 2
        if not half or sum(text.count("。") + 1 for text in texts) < PARALLEL_MIN_SENTENCES or not _can_fork():
            return self._index_part(texts, encode, question_words, keep_words)

        def second_half() -> _PortableTexts:
            vocabulary = GrowingVocabulary()
            indexed = self._index_part(texts[half:], vocabulary.encode, question_words, keep_words)
            return _portable(indexed, list(vocabulary.ids))

        first, second = in_two_processes(
            lambda: self._index_part(texts[:half], encode, question_words, keep_words), second_half, "indexing"
        )
        return _joined(first, second, encode)

    def _index_part(
        self,
        texts: Sequence[str],
        encode: Callable[[Sequence[str]], np.ndarray],
        question_words: bool,
        keep_words: bool,
    ) -> IndexedTexts:
        """`index_texts` of these texts in this process."""
        empty = np.empty(0, dtype=np.int32)
        glossary = self.glossary
        canonical_texts = [glossary.canonicalize(normalized) for normalized in normalize_texts(texts)]
        # After the first, a sentence is read after the 。 that ends the one before, as in the whole text
        # (Sudachi weighs each word against its neighbour): 暮らし stays 暮らし.
        pieces_of = [
            [piece if number == 0 else "。" + piece for number, piece in enumerate(sentences(canonical))]
            for canonical in canonical_texts
        ]
        distinct = list(dict.fromkeys(piece for pieces in pieces_of for piece in pieces))
        with self._lock:
            analyses = [self._sentence_terms_unlocked(piece, question_words) for piece in distinct]
        # Encoded in order of first appearance, as each sentence is met.
        memo: dict[str, tuple[np.ndarray, np.ndarray, str, tuple[str, ...], tuple[str, ...]]] = {
            piece: (encode(terms), encode(asking) if asking else empty, raw, terms, asking)
            for piece, (terms, asking, raw) in zip(distinct, analyses, strict=True)
        }
        del distinct, analyses
        readings: list[str] = []
        word_ids: list[np.ndarray] = []
        words: list[tuple[str, ...]] = []
        for pieces in pieces_of:
            found = [memo[piece] for piece in pieces]
            # Content words in order, then the question words, as `analyze` lists them.
            if len(found) == 1:
                word_ids.append(np.concatenate([found[0][0], found[0][1]]) if len(found[0][1]) else found[0][0])
            else:
                word_ids.append(np.concatenate([*(k[0] for k in found), *(k[1] for k in found if len(k[1]))]))
            if keep_words:
                words.append(tuple(w for k in found for w in k[3]) + tuple(w for k in found for w in k[4]))
            readings.append("".join(k[2] for k in found))
        del memo, pieces_of
        codes, lengths = _fold_batched(canonical_texts)
        del canonical_texts
        folded = split_texts(codes, lengths)
        if glossary.groups:
            for i, text in enumerate(folded):
                concepts = tuple(dict.fromkeys(concept for concept, _ in glossary.matches_in(text)))
                if concepts:
                    word_ids[i] = np.concatenate([word_ids[i], encode(concepts)])
                    if keep_words:
                        words[i] += concepts
        # Readings are katakana and surfaces of normalized text: folding them needs no normalizing.
        reading_codes, reading_lengths = _fold_batched(readings)
        return IndexedTexts(
            word_ids, words if keep_words else None, folded, codes, lengths, reading_codes, reading_lengths
        )

    def analyze(self, text: str, question_words: bool = True) -> Analysis:
        """`question_words=False` for answer text: its する, ある, 方 are not what anyone asks about."""
        key = (text, question_words)
        with self._lock:
            known = self._analyses.get(key)
            if known is not None:
                self._analyses.move_to_end(key)
                return known
        analysis = self._analyze(text, question_words)
        with self._lock:
            self._analyses[key] = analysis
            if len(self._analyses) > ANALYSIS_MEMO_TEXTS:
                self._analyses.popitem(last=False)
        return analysis

    def _analyze(self, text: str, question_words: bool) -> Analysis:
        canonical = self.glossary.canonicalize(normalize_text(text))
        folded = fold_for_match(canonical)
        units, reading, asking = self._tokenize(canonical)
        # Question words (何人, いつ, 誰) say what kind of answer is wanted: they help ranking
        # (何人 finds the entry about how many), but are not topics the answer must cover.
        words = [w for unit in units for w in (unit.term, *unit.parts, *unit.synonyms)]
        if question_words:
            words += asking
        matches = self.glossary.matches_in(folded)
        return Analysis(
            folded=folded,
            units=tuple(units),
            words=tuple(words),
            concepts=tuple(dict.fromkeys(concept for concept, _ in matches)),
            bigrams=tuple(char_ngrams(folded, 2)),
            concept_forms=tuple(matches),
            reading_bigrams=tuple(char_ngrams(reading, 2)),
        )
