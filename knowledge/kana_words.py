"""Words typed in hiragana, read as the knowledge base writes them: じどうてあて → 児童手当.

Residents type a word in kana when they do not know or cannot be bothered with its kanji (そだいごみ,
げんつき はいしゃ, しゅっしょうとどけ). Sudachi guesses at kana (じどう + てあて, は + いしゃ), so the question's
words miss the knowledge base's, and even when the reading bigrams find the right entry, the evidence looks
too thin to answer. The entries the first ranking found say which words the question may mean: a run of
hiragana whose reading is the reading of a noun in one of those entries (its question or the head of its
answer) is written as that noun, and the question is ranked again. The engine asks only for a question it
would not answer as typed and whose content words Sudachi left in kana (a second ranking costs as much as
the first).

Only nouns with a kanji in them and a reading of three kana or more are taken, longest first. Kana that
Sudachi reads as mostly inflection (し + ない: a verb and an auxiliary) are left as typed: 「申告 しないとだめ？」
is not about 市内.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence

from knowledge import patterns
from knowledge.analysis import Analyzer
from knowledge.normalize import fold_for_match, fold_reading, normalize_text

_HIRAGANA_RUN = patterns.compile(r"[ぁ-ゖー]{3,}")
_KANJI = patterns.compile(r"[一-龥々〆]")
_KATAKANA = patterns.compile(r"[ァ-ヺー]+")
_NOUNISH = ("名詞", "接頭辞", "接尾辞")
MIN_READING = 3
MAX_SPAN = 3  # morphemes joined into one noun: 粗大 + ごみ, 出生 + 届
ENTRY_TEXT_CHARS = 120  # of an answer: where its main words are
CANDIDATES_READ = 3
MAX_LEFT_OVER = 2
_TEXTS_KEPT = 4096


class KanaWords:
    """Rewrites the hiragana runs of a question with the nouns of a few candidate entries that read the same."""

    def __init__(self, analyzer: Analyzer) -> None:
        self._analyzer = analyzer
        # Nouns of the entry texts read so far, by text: the same entries come back question after question.
        # Bounded, the oldest dropped first; the bot asks from several threads at once.
        self._nouns: OrderedDict[str, dict[str, str]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def applies(question: str, terms: Iterable[str]) -> bool:
        """Whether Sudachi read a word of the question's hiragana runs as kana (`terms`: the question's content
        words, folded): じどうてあて gives ジドウ and テアテ; ほしい, できる and ください give words in kanji or none."""
        return _applies(question, tuple(terms))

    @staticmethod
    def folded_runs(question: str) -> list[str]:
        """The question's hiragana runs that `rewrite` reads, folded (katakana)."""
        return [folded for _, _, folded in _folded_runs(normalize_text(question))]

    def rewrite(self, question: str, texts: Sequence[str]) -> str:
        """`question` (normalized) with each hiragana run that reads as a noun of `texts` written as that noun;
        the question unchanged (normalized) if none does."""
        normalized = normalize_text(question)
        # Folding must keep positions, to put the noun where the kana was.
        folded_runs = _folded_runs(normalized)
        if not folded_runs:
            return normalized
        nouns: dict[str, str] = {}
        for text in texts:
            for reading, surface in self._nouns_of(text).items():
                nouns.setdefault(reading, surface)
        if not nouns:
            return normalized
        # Sudachi is asked where the verbs are only when some run reads as a noun at all (few questions do).
        if not any(reading in folded for _, _, folded in folded_runs for reading in nouns):
            return normalized
        longest = max(len(r) for r in nouns)
        inflected = self._inflected_spans(normalized)
        out: list[str] = []
        done = 0
        for start, end, folded in folded_runs:
            run = normalized[start:end]
            out.append(normalized[done:start])
            pieces: list[str] = []
            left = 0
            k = 0
            while k < len(run):
                size = next(
                    (
                        size for size in range(min(longest, len(run) - k), MIN_READING - 1, -1)
                        if folded[k : k + size] in nouns and not _inflection(start + k, start + k + size, inflected)
                    ),
                    0,
                )
                if size:
                    pieces.append(nouns[folded[k : k + size]])
                    k += size
                else:
                    pieces.append(run[k])
                    left += 1
                    k += 1
            # A run read as nouns but for a particle or two; more kana left over means the noun was found
            # inside another word (じゅうみんひょう: 自由 + みんひょう).
            out.append("".join(pieces) if left <= MAX_LEFT_OVER else run)
            done = end
        out.append(normalized[done:])
        return "".join(out)

    def _nouns_of(self, text: str) -> dict[str, str]:
        """Folded reading → surface of each noun (up to `MAX_SPAN` morphemes) with a kanji, in `text`."""
        with self._lock:
            known = self._nouns.get(text)
            if known is not None:
                self._nouns.move_to_end(text)
                return known
        morphemes = self._analyzer.readings(text, parts=True)
        found: dict[str, str] = {}
        nouns = [(m[0], m[1]) if m[2] in _NOUNISH else None for m in morphemes]
        _add_spans(nouns, found)
        for _surface, _reading, pos, parts in morphemes:
            # The parts of a compound noun too: 学童 in 学童保育, 粗大 in 粗大ごみ処理券.
            if parts and pos in _NOUNISH:
                _add_spans(list(parts), found)
        with self._lock:
            self._nouns[text] = found
            if len(self._nouns) > _TEXTS_KEPT:
                self._nouns.popitem(last=False)
        return found

    def _inflected_spans(self, normalized: str) -> list[tuple[int, int]]:
        """Where Sudachi reads the question as a verb or an auxiliary (し, ない, たい, ます)."""
        spans = []
        at = 0
        for surface, _reading, pos, _parts in self._analyzer.readings(normalized):
            start = normalized.find(surface, at)
            if start < 0:
                continue
            at = start + len(surface)
            if pos in ("動詞", "助動詞"):
                spans.append((start, at))
        return spans


def _add_spans(morphemes: Sequence[tuple[str, str] | None], found: dict[str, str]) -> None:
    """Each run of up to `MAX_SPAN` nouns (None: not a noun) with a kanji, by folded reading, into `found`."""
    # Folding is character by character: each reading is folded once, and a run's is the join of its parts'.
    folded = [_folded_word(*m) if m else None for m in morphemes]
    for i, first in enumerate(folded):
        if first is None:
            continue
        surface, reading, kanji = first
        for j in range(i + 1, min(len(folded), i + MAX_SPAN) + 1):
            if j > i + 1:
                nxt = folded[j - 1]
                if nxt is None:
                    break
                surface, reading, kanji = surface + nxt[0], reading + nxt[1], kanji or nxt[2]
            if kanji and len(reading) >= MIN_READING:
                found.setdefault(reading, surface)


@functools.lru_cache(maxsize=_TEXTS_KEPT)
def _applies(question: str, terms: tuple[str, ...]) -> bool:
    """`KanaWords.applies`, remembered for the last questions asked (people ask the same ones)."""
    folded_runs = [fold_for_match(run) for run in _HIRAGANA_RUN.findall(normalize_text(question))]
    return any(
        len(term) >= 2 and _KATAKANA.fullmatch(term) and any(term in run for run in folded_runs)
        for term in terms
    ) if folded_runs else False


@functools.lru_cache(maxsize=100_000)
def _folded_word(surface: str, reading: str) -> tuple[str, str, bool]:
    """(surface, folded reading, has a kanji) of one morpheme: the same words come back text after text."""
    return surface, fold_reading(reading), _KANJI.search(surface) is not None


def _folded_runs(normalized: str) -> list[tuple[int, int, str]]:
    """(start, end, folded) of each hiragana run of `normalized` whose folding keeps its length (positions hold)."""
    return [
        (m.start(), m.end(), folded) for m in _HIRAGANA_RUN.finditer(normalized)
        if len(folded := fold_for_match(m.group())) == m.end() - m.start()
    ]


def _inflection(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """Whether more than half of [start, end) is verbs and auxiliaries."""
    covered = sum(max(0, min(end, b) - max(start, a)) for a, b in spans)
    return 2 * covered > end - start
