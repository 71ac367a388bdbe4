"""The FAQ matching engine: Japanese-aware retrieval, typo-tolerant re-ranking and a calibrated score.

Pipeline for one question:
1. analyze: NFKC/width/case/kana folding, Sudachi content words (normalized forms, modes C and A),
   glossary concepts (ガバクラ → ガバメントクラウド), character bigrams of the folded text;
2. retrieve: BM25 over each phrasing (question and alternates) and over the answer, words and bigrams
   as separate indexes, through inverted postings, so the cost follows the question's terms rather than
   the size of the knowledge base; a kana-only question leans on its reading; a clipped or abbreviated
   word (マイナ, 生保, クレカ) also looks for the few longer knowledge-base words it may stand for;
3. re-rank the best few with features that make a score comparable across questions: how much of the
   question's information (idf mass) the entry covers, in words and in bigrams, and rapidfuzz similarity
   to the closest phrasing;
4. decide: answered, ambiguous (「もしかして」) or no_answer from the calibrated score and the margin.

The re-ranking model is fitted per kind of knowledge base (benchmarks/calibrate.py): one for entries with
alternates (the plan), one for FAQ sets of a single phrasing per entry (a CSV: id,question,answer).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

import numpy as np
from rapidfuzz import fuzz

from knowledge.analysis import Analysis, Analyzer, Glossary
from knowledge.kb import FaqEntry, KnowledgeBase
from knowledge.normalize import fold_for_match, normalize_text
from knowledge.question_types import (
    CANDIDATES_CONSIDERED,
    Asks,
    QuestionTypeCheck,
    defined_topic,
    definition_topic,
)
from knowledge.table_answers import TableAnswerer

_NUMBER = re.compile(r"\d+(?:\.\d+)?")

CALIBRATION_FILE = Path(__file__).resolve().parent / "calibration.json"

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
    # When the plan covers the topic but not what is asked (a name, a cost…): the plain statement to show,
    # e.g. 「計画には担当者の名前は書かれていません。DX推進リーダーは10名程度です（5. 推進体制）」.
    # The status is then no_answer: it is not counted as answered.
    note: str | None = None
    # Entries to offer as follow-up choices after the answer (the entry's `related`), in order.
    related: tuple[FaqEntry, ...] = ()
    # What the question asks for (knowledge/question_types.py), when the engine checked it.
    asked: frozenset[Asks] = frozenset()


@dataclass(frozen=True)
class Calibration:
    """Two small logistic models, fitted by benchmarks/calibrate.py (never on the plan evaluation set).

    `ranking` scores one candidate: is this the entry that answers the question?
    `decision` scores the question: will the best candidate's answer be right? It sees the best
    candidate's features plus how far it stands above the runner-up, so it can tell a clear winner from
    a close call between related entries, and an in-vocabulary question from one about something else.
    `answer` and `suggest` are the thresholds on the decision score for answered and 「もしかして」;
    `tie`: a runner-up whose ranking score is at least this share of the best one makes it a close call.
    """

    ranking: dict[str, float]
    decision: dict[str, float]
    answer: float
    suggest: float
    tie: float = 0.9
    # `ranking` for a knowledge base of one phrasing per entry (a CSV FAQ: no alternates), where the
    # answer text and the single question carry the evidence differently; None: use `ranking`.
    single_ranking: dict[str, float] | None = None

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> Calibration:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            data["ranking"],
            data["decision"],
            float(data["answer"]),
            float(data["suggest"]),
            float(data.get("tie", 0.9)),
            data.get("single_ranking"),
        )


# Shares of the phrasing score: words, character bigrams, reading bigrams (a perfect match = 1).
_SHARES = (0.4, 0.4, 0.2)
_KANA_SHARES = (0.2, 0.3, 0.5)


def _is_kana_only(folded: str) -> bool:
    """Folded text is in katakana script: kana-only input has no other character left."""
    return bool(folded) and all("\u30a1" <= ch <= "\u30fa" for ch in folded)


_MAX_ABBREVIATED = 3
MAX_MATCH_CHARS = 2000
# Phrasings of one entry compared with rapidfuzz and Dice, closest first (by BM25).
_PHRASINGS_COMPARED = 4


def _is_katakana_char(ch: str) -> bool:
    return "\u30a1" <= ch <= "\u30fa"


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def _logistic(weights: dict[str, float], names: Sequence[str], values: Sequence[float]) -> float:
    return _sigmoid(weights.get("bias", 0.0) + sum(weights.get(n, 0.0) * v for n, v in zip(names, values, strict=True)))


@dataclass(frozen=True)
class Features:
    """Evidence that one entry answers the question."""

    retrieval: float  # BM25 of the closest phrasing (+ a little of the answer), 1 = the question itself
    word_coverage: float  # share of the question's content words (idf-weighted) the entry has
    bigram_coverage: float  # the same for character bigrams: robust to typos and kana-only input
    reading_coverage: float  # the same for bigrams of the reading: がくどう = 学童, 監時会 ≈ 監事会
    fuzzy: float  # rapidfuzz similarity to the closest phrasing
    dice: float  # bigram overlap with the closest phrasing, symmetric: penalizes phrasings that say more
    known: float  # share of the question's words the knowledge base knows at all (有給, 天気: no)
    numbers: float = 1.0  # share of the question's numbers (第1.3版, 2024年, 47人) the entry has

    NAMES: ClassVar[tuple[str, ...]] = (
        "retrieval", "word_coverage", "bigram_coverage", "reading_coverage", "fuzzy", "dice", "known",
        "coverage_product", "numbers",
    )
    DECISION_NAMES: ClassVar[tuple[str, ...]] = (*NAMES, "rank_score", "rank_gap")

    def vector(self) -> list[float]:
        return [
            min(1.5, self.retrieval),
            self.word_coverage,
            self.bigram_coverage,
            self.reading_coverage,
            self.fuzzy,
            self.dice,
            self.known,
            self.word_coverage * self.bigram_coverage,
            self.numbers,
        ]


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
        max_postings: int = 1000,
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
        calibration: Calibration | None = None,
        rerank_depth: int = 20,
        answer_weight: float = 0.5,
    ) -> None:
        self.kb = kb
        self.analyzer = analyzer or Analyzer(Glossary(kb.synonyms))
        self.calibration = calibration or Calibration.load()
        self.rerank_depth = rerank_depth
        self.answer_weight = answer_weight
        self.entries = kb.entries
        self._by_id = {e.id: e for e in kb.entries}

        phrase_words: list[list[str]] = []
        phrase_bigrams: list[list[str]] = []
        phrase_readings: list[list[str]] = []
        self._phrase_entry: list[int] = []
        self._phrase_folded: list[str] = []
        self._phrase_bigram_sets: list[frozenset[str]] = []
        self._phrase_tokens: list[str] = []
        answer_words: list[list[str]] = []
        answer_bigrams: list[list[str]] = []
        self._entry_words: list[frozenset[str]] = []
        self._entry_bigrams: list[frozenset[str]] = []
        self._entry_readings: list[frozenset[str]] = []
        self._entry_phrases: list[list[int]] = []
        for index, entry in enumerate(self.entries):
            words: set[str] = set()
            bigrams: set[str] = set()
            readings: set[str] = set()
            phrases: list[int] = []
            for phrase in dict.fromkeys(entry.phrasings):
                a = self.analyzer.analyze(phrase)
                phrases.append(len(self._phrase_entry))
                self._phrase_entry.append(index)
                self._phrase_folded.append(a.folded)
                self._phrase_bigram_sets.append(frozenset(a.bigrams))
                self._phrase_tokens.append(" ".join(a.word_terms))
                phrase_words.append(list(a.word_terms))
                phrase_bigrams.append(list(a.bigrams))
                phrase_readings.append(list(a.reading_bigrams))
                readings.update(a.reading_bigrams)
                words.update(a.word_terms)
                bigrams.update(a.bigrams)
            answer = self.analyzer.analyze(entry.answer)
            answer_words.append(list(answer.word_terms))
            answer_bigrams.append(list(answer.bigrams))
            words.update(answer.word_terms)
            bigrams.update(answer.bigrams)
            self._entry_words.append(frozenset(words))
            self._entry_bigrams.append(frozenset(bigrams))
            readings.update(answer.reading_bigrams)
            self._entry_readings.append(frozenset(readings))
            self._entry_phrases.append(phrases)

        n = len(self.entries)
        # One phrasing per entry on average (a CSV FAQ): the ranking model fitted on such a knowledge base.
        self.single_phrasing = len(self._phrase_entry) < 1.5 * max(n, 1)
        self._unseen_idf = math.log(1 + (n + 0.5) / 0.5)
        self._idf_words = self._idf(self._entry_words, n)
        self._idf_bigrams = self._idf(self._entry_bigrams, n)
        self._idf_readings = self._idf(self._entry_readings, n)
        self._vocabulary = frozenset(self._idf_words)
        # Longer words by first character, for abbreviations: マイナ → マイナンバーカード, 生保 → 生活保護.
        # One line per word, searched with a regular expression: the scan runs in C, not per word in Python.
        by_first: dict[str, list[str]] = defaultdict(list)
        for word in sorted(self._vocabulary):
            if len(word) >= 4 and ":" not in word and "\n" not in word:
                by_first[word[0]].append(word)
        self._by_first = {first: "\n".join(words) for first, words in by_first.items()}
        self._phrase_entry_array = np.asarray(self._phrase_entry, dtype=np.int32)
        self._phrase_word_index = _Bm25(phrase_words, self._idf_words)
        self._phrase_bigram_index = _Bm25(phrase_bigrams, self._idf_bigrams)
        self._phrase_reading_index = _Bm25(phrase_readings, self._idf_readings)
        self._answer_word_index = _Bm25(answer_words, self._idf_words)
        self._answer_bigram_index = _Bm25(answer_bigrams, self._idf_bigrams)
        # Answers computed from the plan's tables, and the check of what a question asks for
        # (knowledge/table_answers.py, knowledge/question_types.py): the steps around the ranking.
        self._tables = (
            TableAnswerer(kb.tables, self.analyzer, kb.initiatives, kb.reforms)
            if kb.tables is not None
            else None
        )
        complete = kb.plan is not None
        self._question_types = QuestionTypeCheck(
            self.get, self.analyzer, self._vocabulary.__contains__ if complete else None, notes=complete
        )
        # A question that is word for word one of an entry's phrasings (after folding) is that entry's:
        # curators wrote it for exactly this question (「ロジックモデルとは」), whatever the ranking says.
        self._exact: dict[str, FaqEntry] = {}
        # The same for a definition question by its topic: 「KPIって何のこと？」 finds the entry with the phrasing
        # 「KPIとは」 (the intent-level entry of KPI); a topic two entries define is nobody's.
        definitions: dict[str, set[str]] = defaultdict(set)
        for entry in self.entries:
            for phrase in entry.phrasings:
                self._exact.setdefault(fold_for_match(phrase), entry)
                topic = defined_topic(phrase)
                if topic is not None:
                    definitions[self._topic_key(topic)].add(entry.id)
        self._definitions = {key: self._by_id[ids.pop()] for key, ids in definitions.items() if len(ids) == 1}

    @staticmethod
    def _idf(entry_terms: Sequence[frozenset[str]], n: int) -> dict[str, float]:
        df: Counter[str] = Counter()
        for terms in entry_terms:
            df.update(terms)
        return {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}

    def _topic_key(self, topic: str) -> str:
        return fold_for_match(self.analyzer.glossary.canonicalize(normalize_text(topic)))

    def ranking_weights(self) -> dict[str, float]:
        if self.single_phrasing and self.calibration.single_ranking:
            return self.calibration.single_ranking
        return self.calibration.ranking

    def get(self, entry_id: str) -> FaqEntry | None:
        return self._by_id.get(entry_id)

    # ------------------------------------------------------------------ matching

    def match(self, question: str, top: int = 3) -> MatchResult:
        """Tables first (a combination question is computed), then the entries, then the question type."""
        question_head = question[:MAX_MATCH_CHARS]
        result = self.match_entries(question, top=max(top, CANDIDATES_CONSIDERED))
        computed = self._tables.answer(question_head) if self._tables is not None else None
        exact = self._exact.get(fold_for_match(question_head))
        if exact is None and (topic := definition_topic(question_head)) is not None:
            exact = self._definitions.get(self._topic_key(topic))
        if computed is not None and computed.entry is not None:
            note = self._question_types.check_entry(question_head, computed.entry)
            if note is None:
                result = replace(result, status=ANSWERED, score=1.0, entry=computed.entry)
            else:
                result = replace(result, status=NO_ANSWER, score=0.0, entry=None, note=note)
        elif computed is not None:
            result = replace(result, status=NO_ANSWER, score=0.0, entry=None, note=computed.note)
        elif exact is not None:
            result = _answer_with(result, exact)
        else:
            result = self._question_types.check(question_head, result)
        related = tuple(e for e in (self.get(i) for i in result.entry.related) if e) if result.entry else ()
        return replace(result, candidates=result.candidates[: max(top, 0)], related=related)

    def match_entries(self, question: str, top: int = 3) -> MatchResult:
        """The best entries for `question` and the answer / 「もしかして」 / decline decision."""
        # Only the head of a pasted wall of text is matched: Sudachi refuses input over ~48 KB (a traceback
        # for `dxbot ask --batch`), and no real question is longer than this.
        analysis = self.analyzer.analyze(question[:MAX_MATCH_CHARS])
        ranked = self._rank(analysis)
        if not ranked:
            return MatchResult(question, NO_ANSWER, 0.0, None, ())
        confidence = self.decision_score(ranked)
        # Candidate scores are the ranking probabilities, rescaled so that the first one is the
        # decision confidence: one 0..1 scale, order kept.
        scale = confidence / ranked[0][1] if ranked[0][1] > 0 else 0.0
        candidates = tuple(
            Candidate(self.entries[i].id, self.entries[i].question, round(min(1.0, p * scale), 4))
            for i, p, _ in ranked[: max(top, 0)]
        )
        score = round(confidence, 4)
        # A bare topic (「WG」, 「DX推進リーダー」) that fits two entries (nearly) equally well is a question
        # for the user, however well they fit: how many WGs there are, or what they do? A question that
        # says more (「WG③ 参加課」) is left to the decision model.
        tie = (
            len(ranked) > 1
            and ranked[1][1] >= self.calibration.tie * ranked[0][1]
            and _is_bare_topic(analysis)
        )
        if confidence >= self.calibration.answer and not tie:
            return MatchResult(question, ANSWERED, score, self.entries[ranked[0][0]], candidates)
        if confidence >= self.calibration.suggest:
            return MatchResult(question, AMBIGUOUS, score, None, candidates)
        return MatchResult(question, NO_ANSWER, score, None, candidates)

    def decision_score(self, ranked: list[tuple[int, float, Features]]) -> float:
        """Probability that the best candidate's answer is right for this question."""
        return _logistic(self.calibration.decision, Features.DECISION_NAMES, decision_vector(ranked))

    def _abbreviated(self, term: str) -> tuple[str, ...]:
        """Knowledge-base words `term` may abbreviate: a katakana word's longer forms (マイナ → マイナンバ
        カド), or for a word the knowledge base does not know, longer words with its characters in order
        (生保 → 生活保護, クレカ → クレジツトカド). Only when few words fit: a guess, not a rule."""
        if not 2 <= len(term) <= 4 or ":" in term:
            return ()
        lines = self._by_first.get(term[0])
        if lines is None:
            return ()
        if term in self._idf_words:
            if len(term) < 3 or not all(_is_katakana_char(ch) for ch in term):
                return ()
            pattern = re.escape(term)
        else:
            pattern = "[^\n]*?".join(re.escape(ch) for ch in term)
        found = [
            w for w in re.findall(f"^{pattern}[^\n]*$", lines, flags=re.MULTILINE) if len(w) >= len(term) + 2
        ]
        return tuple(found) if 0 < len(found) <= _MAX_ABBREVIATED else ()

    def _rank(self, a: Analysis) -> list[tuple[int, float, Features]]:
        expansions = {u.term: self._abbreviated(u.term) for u in a.units}
        words = list(dict.fromkeys([*a.word_terms, *(w for found in expansions.values() for w in found)]))
        bigrams = list(dict.fromkeys(a.bigrams))
        if not words and not bigrams:
            return []
        idf_w, idf_b = self._idf_words, self._idf_bigrams
        unseen = self._unseen_idf
        pw_index, pb_index = self._phrase_word_index, self._phrase_bigram_index
        aw_index, ab_index = self._answer_word_index, self._answer_bigram_index
        # Words and bigrams are scored on their own scales (a perfect match = 1 each), then averaged.
        readings = list(dict.fromkeys(a.reading_bigrams))
        pr_index, idf_r = self._phrase_reading_index, self._idf_readings
        # Words 0.4, bigrams 0.4, reading bigrams 0.2: the reading only helps where the script differs.
        # A question in kana alone (じゅうみんひょう とりたい) is mostly its reading: Sudachi guesses at
        # kana words, and their bigrams never meet the kanji of the knowledge base.
        share_w, share_b, share_r = _KANA_SHARES if _is_kana_only(a.folded) else _SHARES
        ids_w, weights_w = pw_index.gather(words, pw_index.self_score(words, idf_w, unseen) / share_w)
        ids_b, weights_b = pb_index.gather(bigrams, pb_index.self_score(bigrams, idf_b, unseen) / share_b)
        ids_r, weights_r = pr_index.gather(readings, pr_index.self_score(readings, idf_r, unseen) / share_r)
        phrases, phrase_scores = _accumulate(ids_w + ids_b + ids_r, weights_w + weights_b + weights_r, pw_index.size)
        # An entry is as close as its closest phrasing.
        phrase_entries = self._phrase_entry_array[phrases]
        best = np.zeros(len(self.entries))
        np.maximum.at(best, phrase_entries, phrase_scores)
        # The answer text helps a little (0.35): questions often use the answer's words.
        answer_scale = self.answer_weight / 2
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
        closest = self._closest_phrasings(top, phrases, phrase_entries, phrase_scores)

        units = self._coverage_units(a, expansions)
        total_w = sum(weight for weight, _, _ in units) or 1.0
        # How much of the question the knowledge base knows at all: words it has never seen (有給,
        # 天気, 費用) mean the question is about something else, however well the rest matches.
        known = self._word_coverage(units, self._vocabulary) / total_w if units else 0.0
        total_b = sum(idf_b.get(t, self._unseen_idf) for t in bigrams) or 1.0
        total_r = sum(idf_r.get(t, self._unseen_idf) for t in readings) or 1.0
        query_tokens = " ".join(words)
        query_bigrams = frozenset(bigrams)
        query_readings = frozenset(readings)
        # A number in the question (1.3版, 2024年) names one thing; an entry without it is about another.
        numbers = {u.term for u in a.units if _NUMBER.fullmatch(u.term)}
        ranking = self.ranking_weights()
        # The weights in feature order, looked up once per question rather than once per candidate.
        ranking_bias = ranking.get("bias", 0.0)
        ranking_vector = [ranking.get(name, 0.0) for name in Features.NAMES]
        ranked: list[tuple[int, float, Features]] = []
        for entry, score in shortlist:
            entry_words, entry_bigrams = self._entry_words[entry], self._entry_bigrams[entry]
            fuzzy = 0.0
            dice = 0.0
            for phrase in closest.get(entry) or self._entry_phrases[entry][:_PHRASINGS_COMPARED]:
                # Dice on bigram sets is symmetric: a phrasing that says much more than the question
                # (DX推進リーダーの選び方 for DX推進リーダーは何人) loses to one that says just as much.
                phrase_bigrams = self._phrase_bigram_sets[phrase]
                if phrase_bigrams and query_bigrams:
                    dice = max(dice, 2 * len(phrase_bigrams & query_bigrams) / (len(phrase_bigrams) + len(query_bigrams)))
                similarity = max(
                    fuzz.ratio(a.folded, self._phrase_folded[phrase]),
                    fuzz.token_sort_ratio(query_tokens, self._phrase_tokens[phrase]) if words else 0.0,
                )
                fuzzy = max(fuzzy, similarity / 100.0)
            features = Features(
                retrieval=score,
                word_coverage=self._word_coverage(units, entry_words) / total_w if units else 0.0,
                # Set intersections run in C; only the few shared bigrams are summed in Python.
                bigram_coverage=sum(idf_b[t] for t in query_bigrams & entry_bigrams) / total_b,
                reading_coverage=sum(idf_r[t] for t in query_readings & self._entry_readings[entry]) / total_r,
                fuzzy=fuzzy,
                dice=dice,
                known=known,
                numbers=len(numbers & entry_words) / len(numbers) if numbers else 1.0,
            )
            z = ranking_bias + sum(w * v for w, v in zip(ranking_vector, features.vector(), strict=True))
            ranked.append((entry, _sigmoid(z), features))
        ranked.sort(key=lambda item: -item[1])
        return ranked

    @staticmethod
    def _closest_phrasings(
        top: np.ndarray, phrases: np.ndarray, phrase_entries: np.ndarray, phrase_scores: np.ndarray
    ) -> dict[int, list[int]]:
        """For each shortlisted entry, its few phrasings closest to the question by BM25. Only these are
        compared character by character: an entry may have ten phrasings, most of them far off."""
        mask = np.isin(phrase_entries, top)
        entries, candidates, scores = phrase_entries[mask], phrases[mask], phrase_scores[mask]
        closest: dict[int, list[int]] = {}
        for i in np.lexsort((-scores, entries)):
            kept = closest.setdefault(int(entries[i]), [])
            if len(kept) < _PHRASINGS_COMPARED:
                kept.append(int(candidates[i]))
        return closest

    def _coverage_units(
        self, a: Analysis, expansions: dict[str, tuple[str, ...]] | None = None
    ) -> list[tuple[float, frozenset[str], list[tuple[float, frozenset[str]]]]]:
        """Per content word of the question: its weight, the tokens that count as a match (itself, its
        Sudachi synonym groups and the glossary concepts that cover it), and the same for its parts."""
        idf, unseen = self._idf_words, self._unseen_idf

        def alternatives(term: str) -> frozenset[str]:
            return frozenset({term, *(c for c, form in a.concept_forms if term in form)})

        def weight_of(tokens: frozenset[str]) -> float:
            return max((idf[t] for t in tokens if t in idf), default=unseen)

        out = []
        for unit in dict.fromkeys(a.units):
            parts = [(weight_of(alternatives(p)), alternatives(p)) for p in unit.parts]
            term_alternatives = alternatives(unit.term) | set(unit.synonyms) | set((expansions or {}).get(unit.term, ()))
            if any(t in idf for t in term_alternatives) or not parts:
                weight = weight_of(term_alternatives)
            else:
                # An unseen compound (申請方法) is as informative as its parts, not as an unknown word.
                weight = sum(w for w, _ in parts) / len(parts)
            out.append((weight * unit.weight, term_alternatives, parts))
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


def _answer_with(result: MatchResult, entry: FaqEntry) -> MatchResult:
    """`result` answered by `entry`, which becomes the first candidate."""
    first = next((c for c in result.candidates if c.entry_id == entry.id), None)
    score = max(result.score, first.score if first else 0.0)
    others = tuple(c for c in result.candidates if c.entry_id != entry.id)
    candidates = (Candidate(entry.id, entry.question, round(score, 4)), *others)
    return replace(result, status=ANSWERED, score=round(score, 4), entry=entry, candidates=candidates)


def decision_vector(ranked: list[tuple[int, float, Features]]) -> list[float]:
    """What the decision model sees: the best candidate's features, its score and its lead."""
    best = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    return [*best[2].vector(), best[1], best[1] - second]


def _is_bare_topic(a: Analysis) -> bool:
    """A question that only names something: one content word, or only words of glossary terms."""
    terms = {u.term for u in a.units}
    if len(terms) <= 1:
        return True
    return all(any(term in form for _, form in a.concept_forms) for term in terms)
