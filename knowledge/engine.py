"""The FAQ matching engine: Japanese-aware retrieval, typo-tolerant re-ranking and a calibrated score.

Pipeline for one question:
1. analyze: NFKC/width/case/kana folding, Sudachi content words (normalized forms, modes C and A),
   glossary concepts (ガバクラ → ガバメントクラウド), character bigrams of the folded text;
2. retrieve: BM25 over each phrasing (question and alternates) and over the answer, words and bigrams
   as separate indexes, through inverted postings, so the cost follows the question's terms rather than
   the size of the knowledge base;
3. re-rank the best few with features that make a score comparable across questions: how much of the
   question's information (idf mass) the entry covers, in words and in bigrams, and rapidfuzz similarity
   to the closest phrasing;
4. decide: answered, ambiguous (「もしかして」) or no_answer from the calibrated score and the margin.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from knowledge.analysis import Analysis, Analyzer, Glossary
from knowledge.kb import FaqEntry, KnowledgeBase

ANSWERED = "answered"
AMBIGUOUS = "ambiguous"
NO_ANSWER = "no_answer"


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    question: str
    score: float


@dataclass(frozen=True)
class MatchResult:
    question: str
    status: str
    score: float
    entry: FaqEntry | None
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True)
class Thresholds:
    """Decision bounds on the calibrated score (0..1)."""

    answer: float = 0.62
    margin: float = 0.05
    sure: float = 0.80
    suggest: float = 0.42


@dataclass(frozen=True)
class Features:
    retrieval: float
    word_coverage: float
    bigram_coverage: float
    fuzzy: float

    def confidence(self) -> float:
        # Coverage says whether the entry speaks about everything the question mentions (an unknown
        # word such as 有給 drags it down); fuzzy similarity rescues typos and near-copies.
        coverage = 0.6 * self.word_coverage + 0.4 * self.bigram_coverage
        raw = 0.55 * coverage + 0.25 * self.fuzzy + 0.20 * min(1.0, self.retrieval)
        return max(0.0, min(1.0, raw))


class _Bm25:
    """BM25 with impact-ordered postings in numpy arrays.

    Each posting carries its whole BM25 contribution (idf × saturated tf), precomputed at build time.
    Postings are sorted by contribution and cut at `max_postings`: a term found in thousands of
    documents adds little and is only read where it weighs most, which keeps the cost of a question
    bounded by its number of terms instead of growing with the size of the knowledge base.
    """

    def __init__(
        self,
        docs: Sequence[Sequence[str]],
        idf: dict[str, float],
        k1: float = 1.2,
        b: float = 0.75,
        max_postings: int = 2000,
    ) -> None:
        self.k1, self.b = k1, b
        self.size = len(docs)
        lengths = [len(d) for d in docs]
        self.avg_length = (sum(lengths) / len(docs)) if docs else 1.0
        raw: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        for doc_id, terms in enumerate(docs):
            norm = self._norm(lengths[doc_id])
            for term, tf in Counter(terms).items():
                ids, weights = raw[term]
                ids.append(doc_id)
                weights.append(idf.get(term, 0.0) * tf * (k1 + 1) / (tf + norm))
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, (ids, weights) in raw.items():
            order = np.argsort(-np.asarray(weights, dtype=np.float64), kind="stable")[:max_postings]
            self.postings[term] = (
                np.asarray(ids, dtype=np.int32)[order],
                np.asarray(weights, dtype=np.float64)[order],
            )

    def _norm(self, length: int) -> float:
        return self.k1 * (1 - self.b + self.b * length / max(self.avg_length, 1e-9))

    def gather(self, terms: Iterable[str], scale: float) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Postings of `terms` with weights divided by `scale`, ready to be accumulated."""
        ids: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        for term in terms:
            posting = self.postings.get(term)
            if posting is not None:
                ids.append(posting[0])
                weights.append(posting[1] / scale)
        return ids, weights

    def self_score(self, terms: Sequence[str], idf: dict[str, float], default_idf: float) -> float:
        """What a document identical to the query would score: the scale for normalizing."""
        norm = self._norm(len(terms))
        return sum(idf.get(t, default_idf) * (self.k1 + 1) / (1 + norm) for t in set(terms)) or 1.0


def _accumulate(ids: list[np.ndarray], weights: list[np.ndarray], size: int) -> tuple[np.ndarray, np.ndarray]:
    """(doc ids, summed weights) of the documents that appear in any posting."""
    if not ids:
        return np.empty(0, dtype=np.int32), np.empty(0)
    sums = np.bincount(np.concatenate(ids), weights=np.concatenate(weights), minlength=size)
    # Every BM25 contribution is positive, so the documents hit are exactly the non-zero sums;
    # a vectorized scan is far cheaper than sorting the gathered ids.
    hit = np.flatnonzero(sums)
    return hit, sums[hit]


class FaqEngine:
    """Built once from a knowledge base; `match` answers one question."""

    def __init__(
        self,
        kb: KnowledgeBase,
        analyzer: Analyzer | None = None,
        thresholds: Thresholds | None = None,
        rerank_depth: int = 30,
    ) -> None:
        self.kb = kb
        self.analyzer = analyzer or Analyzer(Glossary(kb.synonyms))
        self.thresholds = thresholds or Thresholds()
        self.rerank_depth = rerank_depth
        self.entries = kb.entries
        self._by_id = {e.id: e for e in kb.entries}

        phrase_words: list[list[str]] = []
        phrase_bigrams: list[list[str]] = []
        self._phrase_entry: list[int] = []
        self._phrase_folded: list[str] = []
        self._phrase_tokens: list[str] = []
        answer_words: list[list[str]] = []
        answer_bigrams: list[list[str]] = []
        self._entry_words: list[frozenset[str]] = []
        self._entry_bigrams: list[frozenset[str]] = []
        self._entry_phrases: list[list[int]] = []
        for index, entry in enumerate(self.entries):
            words: set[str] = set()
            bigrams: set[str] = set()
            phrases: list[int] = []
            for phrase in dict.fromkeys(entry.phrasings):
                a = self.analyzer.analyze(phrase)
                phrases.append(len(self._phrase_entry))
                self._phrase_entry.append(index)
                self._phrase_folded.append(a.folded)
                self._phrase_tokens.append(" ".join(a.word_terms))
                phrase_words.append(list(a.word_terms))
                phrase_bigrams.append(list(a.bigrams))
                words.update(a.word_terms)
                bigrams.update(a.bigrams)
            answer = self.analyzer.analyze(entry.answer)
            answer_words.append(list(answer.word_terms))
            answer_bigrams.append(list(answer.bigrams))
            words.update(answer.word_terms)
            bigrams.update(answer.bigrams)
            self._entry_words.append(frozenset(words))
            self._entry_bigrams.append(frozenset(bigrams))
            self._entry_phrases.append(phrases)

        n = len(self.entries)
        self._unseen_idf = math.log(1 + (n + 0.5) / 0.5)
        self._idf_words = self._idf(self._entry_words, n)
        self._idf_bigrams = self._idf(self._entry_bigrams, n)
        self._phrase_entry_array = np.asarray(self._phrase_entry, dtype=np.int32)
        self._phrase_word_index = _Bm25(phrase_words, self._idf_words)
        self._phrase_bigram_index = _Bm25(phrase_bigrams, self._idf_bigrams)
        self._answer_word_index = _Bm25(answer_words, self._idf_words)
        self._answer_bigram_index = _Bm25(answer_bigrams, self._idf_bigrams)

    @staticmethod
    def _idf(entry_terms: Sequence[frozenset[str]], n: int) -> dict[str, float]:
        df: Counter[str] = Counter()
        for terms in entry_terms:
            df.update(terms)
        return {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}

    def get(self, entry_id: str) -> FaqEntry | None:
        return self._by_id.get(entry_id)

    # ------------------------------------------------------------------ matching

    def match(self, question: str, top: int = 3) -> MatchResult:
        analysis = self.analyzer.analyze(question)
        ranked = self._rank(analysis)
        candidates = tuple(
            Candidate(self.entries[i].id, self.entries[i].question, round(score, 4)) for i, score, _ in ranked[: max(top, 0)]
        )
        return self._decide(question, ranked, candidates)

    def _decide(
        self, question: str, ranked: list[tuple[int, float, Features]], candidates: tuple[Candidate, ...]
    ) -> MatchResult:
        t = self.thresholds
        if not ranked:
            return MatchResult(question, NO_ANSWER, 0.0, None, candidates)
        best_index, best, _ = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        if best >= t.answer and (best - second >= t.margin or best >= t.sure):
            return MatchResult(question, ANSWERED, round(best, 4), self.entries[best_index], candidates)
        if best >= t.suggest:
            return MatchResult(question, AMBIGUOUS, round(best, 4), None, candidates)
        return MatchResult(question, NO_ANSWER, round(best, 4), None, candidates)

    def _rank(self, a: Analysis) -> list[tuple[int, float, Features]]:
        words = list(dict.fromkeys(a.word_terms))
        bigrams = list(dict.fromkeys(a.bigrams))
        if not words and not bigrams:
            return []
        idf_w, idf_b = self._idf_words, self._idf_bigrams
        unseen = self._unseen_idf
        pw_index, pb_index = self._phrase_word_index, self._phrase_bigram_index
        aw_index, ab_index = self._answer_word_index, self._answer_bigram_index
        # Words and bigrams are scored on their own scales (a perfect match = 1 each), then averaged.
        ids_w, weights_w = pw_index.gather(words, 2 * pw_index.self_score(words, idf_w, unseen))
        ids_b, weights_b = pb_index.gather(bigrams, 2 * pb_index.self_score(bigrams, idf_b, unseen))
        phrases, phrase_scores = _accumulate(ids_w + ids_b, weights_w + weights_b, pw_index.size)
        # An entry is as close as its closest phrasing.
        phrase_entries = self._phrase_entry_array[phrases]
        best = np.zeros(len(self.entries))
        np.maximum.at(best, phrase_entries, phrase_scores)
        # The answer text helps a little (0.35): questions often use the answer's words.
        answer_scale = 0.35 / 2
        ids_aw, weights_aw = aw_index.gather(words, aw_index.self_score(words, idf_w, unseen) / answer_scale)
        ids_ab, weights_ab = ab_index.gather(bigrams, ab_index.self_score(bigrams, idf_b, unseen) / answer_scale)
        answered, answer_scores = _accumulate(ids_aw + ids_ab, weights_aw + weights_ab, aw_index.size)
        best[answered] += answer_scores
        hit = np.flatnonzero(best)
        if len(hit) == 0:
            return []
        depth = min(self.rerank_depth, len(hit))
        top = hit[np.argpartition(-best[hit], depth - 1)[:depth]]
        shortlist = [(int(entry), float(best[entry])) for entry in top]

        units = self._coverage_units(a)
        total_w = sum(weight for weight, _, _ in units) or 1.0
        total_b = sum(idf_b.get(t, self._unseen_idf) for t in bigrams) or 1.0
        query_tokens = " ".join(words)
        ranked: list[tuple[int, float, Features]] = []
        for entry, score in shortlist:
            entry_words, entry_bigrams = self._entry_words[entry], self._entry_bigrams[entry]
            fuzzy = 0.0
            for phrase in self._entry_phrases[entry]:
                similarity = max(
                    fuzz.ratio(a.folded, self._phrase_folded[phrase]),
                    fuzz.token_sort_ratio(query_tokens, self._phrase_tokens[phrase]) if words else 0.0,
                )
                fuzzy = max(fuzzy, similarity / 100.0)
            features = Features(
                retrieval=score,
                word_coverage=self._word_coverage(units, entry_words) / total_w if units else 0.0,
                bigram_coverage=sum(idf_b[t] for t in bigrams if t in entry_bigrams) / total_b,
                fuzzy=fuzzy,
            )
            ranked.append((entry, features.confidence(), features))
        ranked.sort(key=lambda item: -item[1])
        return ranked

    def _coverage_units(self, a: Analysis) -> list[tuple[float, frozenset[str], list[tuple[float, frozenset[str]]]]]:
        """Per content word of the question: its weight, the tokens that count as a match (itself and the
        glossary concepts that cover it), and the same for its parts, for partial credit."""
        idf, unseen = self._idf_words, self._unseen_idf

        def alternatives(term: str) -> frozenset[str]:
            return frozenset({term, *(c for c, form in a.concept_forms if term in form)})

        def weight_of(term: str) -> float:
            return max((idf[t] for t in alternatives(term) if t in idf), default=unseen)

        out = []
        for unit in dict.fromkeys(a.units):
            parts = [(weight_of(p), alternatives(p)) for p in unit.parts]
            term_alternatives = alternatives(unit.term)
            if any(t in idf for t in term_alternatives) or not parts:
                weight = weight_of(unit.term)
            else:
                # An unseen compound (申請方法) is as informative as its parts, not as an unknown word.
                weight = sum(w for w, _ in parts) / len(parts)
            out.append((weight, term_alternatives, parts))
        return out

    @staticmethod
    def _word_coverage(
        units: list[tuple[float, frozenset[str], list[tuple[float, frozenset[str]]]]], entry_words: frozenset[str]
    ) -> float:
        covered = 0.0
        for weight, alternatives, parts in units:
            if not alternatives.isdisjoint(entry_words):
                covered += weight
            elif parts:
                total = sum(w for w, _ in parts) or 1.0
                covered += weight * sum(w for w, alts in parts if not alts.isdisjoint(entry_words)) / total
        return covered

    def explain(self, question: str, top: int = 5) -> list[tuple[str, float, Features]]:
        """The ranked entries with their features, for tuning and `ask --explain`-style debugging."""
        return [(self.entries[i].id, s, f) for i, s, f in self._rank(self.analyzer.analyze(question))[:top]]
