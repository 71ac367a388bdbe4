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
import logging
import math
import operator
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.process import cdist

from knowledge import index_cache, patterns
from knowledge.analysis import (
    Analysis,
    Analyzer,
    Glossary,
    can_fork,
    halves_in_two_processes,
    in_two_processes,
)
from knowledge.decision import PseudoQuestion, Thresholds, choose_thresholds, pool_digest, pseudo_questions
from knowledge.gc_pause import collection_paused
from knowledge.kana_words import CANDIDATES_READ, ENTRY_TEXT_CHARS, MIN_READING, KanaWords
from knowledge.kb import FaqEntry, KnowledgeBase
from knowledge.normalize import (
    fold_for_match,
    fold_many,
    gram_documents,
    normalize_text,
    normalize_texts,
    split_texts,
)
from knowledge.question_types import (
    CANDIDATES_CONSIDERED,
    Asks,
    QuestionTypeCheck,
    asks_whom_to_ask,
    defined_topic,
    definition_topic,
    without_stray_yes_no,
)
from knowledge.retrieval import (
    CURATED_FIELDS,
    CURATED_KANA_SHARES,
    DEFAULT_FIELDS,
    FIELDS,
    KANA_SHARES,
    PHRASING_FIELDS,
    FieldParams,
    FieldPostings,
    GrowingVocabulary,
    Postings,
    PreparedGather,
    Presence,
    Vocabulary,
    bm25_idf,
    entry_vectors,
)
from knowledge.table_answers import TableAnswerer
from knowledge.typos import TypoCorrector
from knowledge.vectors import WordVectors, bundled_vectors

logger = logging.getLogger(__name__)

_NUMBER = patterns.compile(r"\d+(?:\.\d+)?")

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
    # `decision` for such a FAQ set: its off-topic questions look different from the plan's.
    single_decision: dict[str, float] | None = None
    # Default thresholds for such a FAQ set, before its own calibration at load moves them.
    single_answer: float | None = None
    single_suggest: float | None = None

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
            data.get("single_decision"),
            data.get("single_answer"),
            data.get("single_suggest"),
        )


def _is_kana_only(folded: str) -> bool:
    """Folded text is in katakana script: kana-only input has no other character left."""
    return bool(folded) and all("\u30a1" <= ch <= "\u30fa" for ch in folded)


_MAX_ABBREVIATED = 3
_ABBREVIATIONS_KEPT = 50_000
# Questions whose `_Query` is kept (a bound; the analyzer keeps as many analyses).
_QUERIES_KEPT = 1024
# Bigram sets of phrasings kept for Dice (a bound: a large FAQ's every phrasing would otherwise stay).
_PHRASE_SETS_KEPT = 20_000
MAX_MATCH_CHARS = 2000
# Phrasings of one entry compared with rapidfuzz and Dice, closest first (by BM25).
_PHRASINGS_COMPARED = 4


def _is_katakana_char(ch: str) -> bool:
    return "\u30a1" <= ch <= "\u30fa"


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def _logistic(weights: dict[str, float], names: Sequence[str], values: Sequence[float]) -> float:
    return _sigmoid(weights.get("bias", 0.0) + sum(weights.get(n, 0.0) * v for n, v in zip(names, values, strict=True)))


@dataclass(slots=True)
class Features:
    """Evidence that one entry answers the question. (Not frozen: a frozen dataclass sets each field
    through object.__setattr__, and a question builds a dozen of these.)"""

    retrieval: float  # BM25 of the closest phrasing (+ a little of the answer), 1 = the question itself
    word_coverage: float  # share of the question's content words (idf-weighted) the entry has
    bigram_coverage: float  # the same for character bigrams: robust to typos and kana-only input
    reading_coverage: float  # the same for bigrams of the reading: がくどう = 学童, 監時会 ≈ 監事会
    fuzzy: float  # rapidfuzz similarity to the closest phrasing
    dice: float  # bigram overlap with the closest phrasing, symmetric: penalizes phrasings that say more
    known: float  # share of the question's words the knowledge base knows at all (有給, 天気: no)
    numbers: float = 1.0  # share of the question's numbers (第1.3版, 2024年, 47人) the entry has
    cosine: float = 0.0  # cosine of the mean word vectors (chiVe): other words for the same thing
    # The heaviest question word the entry lacks, relative to the heaviest question word: 「住民票 英語で」
    # against the 住民票 entry lacks 英語, which a real answer to it would have.
    uncovered: float = 0.0

    NAMES: ClassVar[tuple[str, ...]] = (
        "retrieval", "word_coverage", "bigram_coverage", "reading_coverage", "fuzzy", "dice", "known",
        "coverage_product", "numbers", "cosine", "uncovered",
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
            self.cosine,
            self.uncovered,
        ]


ENGINE_VERSION = "retrieval-6"
# Candidates: the BM25 best, re-ranked by BM25 mixed with the vector cosine, then the best of those scored
# with every feature (`feature_depth`), of which the `rerank_depth` best are kept.
SHORTLIST = 50
# The features cost most of a question. For a FAQ set the 20 best of the shortlist are scored, chosen on the
# FAQ proxies' dev splits and cityfaq: 12 and 16 lose a top-1, top-3 or top-10 there against all 50, 20 and
# 25 none. A curated knowledge base (the plan, a few hundred entries) keeps the whole shortlist.
FAQ_FEATURE_DEPTH = 20
COSINE_MIX = 0.15
POSTINGS_CAP = 1000
# From this many entries, a build makes its bigrams and readings in a forked process, and half the
# calibration's rankings (knowledge/decision.py; each ranks the whole knowledge base) run in one.
PARALLEL_ENTRIES = 1000
# Query expansion: knowledge-base words whose vector row is among a question word's nearest rows.
EXPAND_MIN_SIMILARITY = 0.6
EXPAND_PER_WORD = 3
EXPAND_WEIGHT = 0.35
def _join(strings: Sequence[str]) -> np.ndarray:
    return np.frombuffer("\n".join(strings).encode("utf-8"), dtype=np.uint8)


def _split(array: np.ndarray) -> list[str]:
    text = array.tobytes().decode("utf-8")
    return text.split("\n") if text else []


class FaqEngine:
    """Built once from a knowledge base (or loaded from the index cache); `match` answers one question."""

    def __init__(
        self,
        kb: KnowledgeBase,
        analyzer: Analyzer | None = None,
        calibration: Calibration | None = None,
        rerank_depth: int | None = None,
        feature_depth: int | None = None,
        fields: dict[str, FieldParams] | None = None,
        vectors: WordVectors | bool | None = None,  # None: by kind of knowledge base; False: none
        cache_dir: Path | None = None,
        calibrate: bool = True,
    ) -> None:
        self.kb = kb
        self.analyzer = analyzer or Analyzer(Glossary(kb.synonyms))
        self.calibration = calibration or Calibration.load()
        # Two kinds of knowledge base. A curated one (entries with many alternates: the plan) keeps the
        # configuration its evaluation floors were measured with: phrasing-heavy fields, no word vectors,
        # question words in answers too, 20 re-ranked candidates of the whole shortlist scored with every
        # feature, its offline-fitted thresholds. A FAQ set of one phrasing per entry (a city's CSV) gets
        # answer-heavy fields, the chiVe vectors, 12 re-ranked candidates of the 20 best of the shortlist
        # (`FAQ_FEATURE_DEPTH`) and thresholds calibrated on itself at load.
        self.curated = sum(len(e.phrasings) for e in kb.entries) >= 1.5 * max(len(kb.entries), 1)
        curated = self.curated
        self.rerank_depth = rerank_depth if rerank_depth is not None else (20 if curated else 12)
        self.feature_depth = feature_depth if feature_depth is not None else (SHORTLIST if curated else FAQ_FEATURE_DEPTH)
        self.fields = dict(fields or (CURATED_FIELDS if curated else DEFAULT_FIELDS))
        self._field_shares = {name: params.weight for name, params in self.fields.items()}
        self._kana_shares = CURATED_KANA_SHARES if curated else KANA_SHARES
        if vectors is None:
            vectors = not curated
        self.vectors: WordVectors | None = bundled_vectors() if vectors is True else (vectors or None)
        self._answer_question_words = curated
        calibrate = calibrate and not curated
        self.entries = kb.entries
        self._by_id = {e.id: e for e in kb.entries}
        self._ranking_made: tuple[dict[str, float], np.ndarray] | None = None
        n = len(self.entries)
        self._unseen_idf = math.log(1 + (n + 0.5) / 0.5)
        self.thresholds = self._default_thresholds()
        arrays = index_cache.load(cache_dir, self.cache_key()) if cache_dir else None
        if arrays is not None and self._restored(arrays):
            self._prepare_around_ranking()
            return
        # One BLAS thread while building: OpenBLAS's own threads spin for a core, and on a busy machine its
        # threaded products (the vectors' principal component, thousands of small ones) took several times
        # longer than on one thread. It also makes the built vectors the same bits whatever the core count.
        from threadpoolctl import threadpool_limits

        # And no cyclic garbage collection while building (knowledge/gc_pause.py): 3% of a long build.
        with threadpool_limits(limits=1, user_api="blas"), collection_paused():
            arrays = self._build_arrays()
            self._restore(arrays)
            self._prepare_around_ranking()
            if calibrate:
                self.thresholds = self._fit_thresholds()
                logger.info("decision thresholds %s", self.thresholds)
        arrays["thresholds"] = np.asarray([self.thresholds.answer, self.thresholds.suggest])
        if cache_dir:
            index_cache.save(cache_dir, self.cache_key(), arrays)

    def _restored(self, arrays: dict[str, np.ndarray]) -> bool:
        """The index and thresholds from the cache's arrays; False when one is missing (a file of an older
        layout), to be rebuilt."""
        try:
            self._restore(arrays)
            answer, suggest = (float(x) for x in arrays["thresholds"])
            self.thresholds = Thresholds(answer, suggest, "cached")
        except KeyError as missing:
            logger.info("index cache lacks %s: rebuilding", missing)
            return False
        return True

    def _prepare_around_ranking(self) -> None:
        kb = self.kb
        # Answers computed from the plan's tables, and the check of what a question asks for
        # (knowledge/table_answers.py, knowledge/question_types.py): the steps around the ranking.
        self._tables = (
            TableAnswerer(kb.tables, self.analyzer, kb.initiatives, kb.reforms)
            if kb.tables is not None
            else None
        )
        complete = kb.plan is not None
        # Typos of the plan's names are put right for a question that got no answer as typed (a plan only:
        # a city's FAQ is calibrated on the questions as typed).
        self._typos = TypoCorrector(_plan_names(kb, self.analyzer.glossary.groups)) if complete else None
        self._question_types = QuestionTypeCheck(
            self.get, self.analyzer, self._vocabulary.__contains__ if complete else None, notes=complete
        )
        # A question that is word for word one of an entry's phrasings (after folding) is that entry's:
        # curators wrote it for exactly this question (「ロジックモデルとは」), whatever the ranking says.
        self._exact: dict[str, FaqEntry] = {}
        # The same for a definition question by its topic: 「KPIって何のこと？」 finds the entry with the phrasing
        # 「KPIとは」 (the intent-level entry of KPI); a topic two entries define is nobody's.
        definitions: dict[str, set[str]] = defaultdict(set)
        # Word for word but for the particle and the ending (「CDOは誰」 and the phrasing 「CDOって誰？」), when
        # only one entry has that phrasing.
        loose: dict[str, set[str]] = defaultdict(set)
        phrasings = [p for entry in self.entries for p in entry.phrasings]
        keys = self._phrasing_keys if len(self._phrasing_keys) == len(phrasings) else _fold_all(phrasings)
        folded_phrasings = iter(keys)
        for entry in self.entries:
            for phrase in entry.phrasings:
                folded = next(folded_phrasings)
                self._exact.setdefault(folded, entry)
                loose[_loose_key(folded)].add(entry.id)
                topic = defined_topic(phrase)
                if topic is not None:
                    definitions[self._topic_key(topic)].add(entry.id)
        self._definitions = {key: self._by_id[ids.pop()] for key, ids in definitions.items() if len(ids) == 1}
        self._loose = {key: self._by_id[ids.pop()] for key, ids in loose.items() if len(ids) == 1 and len(key) >= 3}
        # The entry that says whom to ask (tagged 問い合わせ), when the knowledge base is a whole plan and has one.
        # Hiragana words read as a city FAQ's nouns (knowledge/kana_words.py); a plan keeps its typo correction.
        self._kana_words = KanaWords(self.analyzer) if not self.curated else None
        contacts = [e for e in self.entries if "問い合わせ" in e.tags]
        self._contact_entry = contacts[0] if complete and len(contacts) == 1 else None

    def _topic_key(self, topic: str) -> str:
        return fold_for_match(self.analyzer.glossary.canonicalize(normalize_text(topic)))

    def _unscrambled(self, question: str) -> str:
        """「BRPってなんですか」 → 「BPRってなんですか」: a definition question about an acronym the knowledge base
        never uses, with the letters of exactly one it does use."""
        topic = definition_topic(question)
        key = self._topic_key(topic) if topic else ""
        if not re.fullmatch(r"[a-z]{3,5}", key) or key in self._vocabulary:
            return question
        found = [w for w in self._vocabulary if len(w) == len(key) and w != key and sorted(w) == sorted(key)]
        if len(found) != 1 or topic is None:
            return question
        return unicodedata.normalize("NFKC", question).replace(topic, found[0].upper(), 1)

    @classmethod
    def cached(cls, kb: KnowledgeBase, cache_dir: Path | None) -> FaqEngine:
        return cls(kb, cache_dir=cache_dir)

    # ------------------------------------------------------------------ building

    def cache_key(self) -> str:
        """Hash of everything the built index depends on: KB content, engine, dictionary, vectors."""
        if getattr(self, "_cache_key", None) is None:
            parts = [
                ENGINE_VERSION, index_cache.FORMAT, index_cache.dictionary_version(), self.vectors.version if self.vectors else "-",
                json.dumps({k: vars(v) for k, v in sorted(self.fields.items())}),
                json.dumps(self.kb.synonyms, ensure_ascii=False),
                json.dumps([self.calibration.ranking, self.calibration.single_ranking, self.calibration.decision,
                            self.calibration.single_decision, self.calibration.single_answer,
                            self.calibration.single_suggest,
                            self.calibration.answer, self.calibration.suggest], sort_keys=True),
                pool_digest(self.kb.out_of_scope),
            ]
            for e in self.entries:
                parts.extend((e.id, e.question, *e.alternates, "\x1e", e.answer))
            self._cache_key = index_cache.digest(parts)
        return self._cache_key

    def _build_arrays(self) -> dict[str, np.ndarray]:
        phrase_entry: list[int] = []
        phrase_texts: list[str] = []
        # The same answer text (a shared contact block, a FAQ merged from several towns) is analyzed once.
        answer_of: list[int] = []
        answer_texts: dict[str, int] = {}
        for index, entry in enumerate(self.entries):
            for phrase in dict.fromkeys(entry.phrasings):
                phrase_entry.append(index)
                phrase_texts.append(phrase[:MAX_MATCH_CHARS])
            answer_of.append(answer_texts.setdefault(entry.answer, len(answer_texts)))
        word_vocabulary = GrowingVocabulary()
        phrases = self.analyzer.index_texts(phrase_texts, word_vocabulary.encode, keep_words=True)
        answers = self.analyzer.index_texts(
            list(answer_texts), word_vocabulary.encode, question_words=self._answer_question_words
        )
        del phrase_texts, answer_texts
        n = len(self.entries)
        phrase_of = np.asarray(phrase_entry, dtype=np.int32)
        phrase_folded, phrase_words = phrases.folded, phrases.words or []
        docs: dict[str, list[np.ndarray]] = {"qw": phrases.word_ids, "aw": answers.word_ids}
        texts_of = {
            "b": ((phrases.codes, phrases.lengths), (answers.codes, answers.lengths)),
            "r": ((phrases.reading_codes, phrases.reading_lengths), (answers.reading_codes, answers.reading_lengths)),
        }
        del phrases, answers

        def gram_kinds() -> tuple[dict[str, list[str]], dict[str, np.ndarray]]:
            """The bigrams' and the readings' vocabularies and arrays (presence, idf, postings)."""
            terms: dict[str, list[str]] = {}
            arrays: dict[str, np.ndarray] = {}
            for kind, (phrase_texts_of, answer_texts_of) in texts_of.items():
                terms[kind], (phrase_docs, answer_docs) = gram_documents([phrase_texts_of, answer_texts_of])
                answer_docs = [answer_docs[i] for i in answer_of]
                arrays.update(self._kind_arrays(kind, len(terms[kind]), phrase_of, phrase_docs, answer_docs))
                del phrase_docs, answer_docs
            return terms, arrays

        def word_kind() -> tuple[Vocabulary, dict[str, np.ndarray]]:
            """The words, the phrasings' arrays, the words' arrays and the entries' vectors made of them."""
            words = self._words_in_entry_order(word_vocabulary.frozen(), docs, phrase_entry, answer_of)
            arrays: dict[str, np.ndarray] = {
                "phrase_entry": phrase_of,
                "phrase_folded": _join(phrase_folded),
                # Every phrasing as written, folded (`fold_for_match`), for the word-for-word lookups around the
                # ranking (`_prepare_around_ranking`): made here, in one numpy pass, rather than at every start.
                "phrasing_keys": _join(_fold_all([p for entry in self.entries for p in entry.phrasings])),
                # Sorted once here: token_sort_ratio is the ratio of the sorted words, and the question's are
                # sorted once.
                "phrase_tokens": _join([" ".join(sorted(words)) for words in phrase_words]),
                "words": _join(words.terms),
            }
            arrays.update(
                self._kind_arrays("w", len(words.terms), phrase_of, docs.pop("qw"), [docs["aw"][i] for i in answer_of])
            )
            del docs["aw"]
            if self.vectors is not None:
                word_rows = self.vectors.rows_of(words.terms)
                idf_w = arrays["idf_w"]
                p_indptr, p_terms = arrays["presence_w_indptr"], arrays["presence_w_terms"]
                # Each entry's words that have a vector, all entries at once.
                has_vector = word_rows[p_terms] >= 0
                kept = np.concatenate([[0], np.cumsum(has_vector, dtype=np.int64)])[p_indptr]
                terms = p_terms[has_vector]
                arrays["entry_vectors"], arrays["vector_component"] = entry_vectors(
                    word_rows[terms], idf_w[terms], kept, self.vectors
                )
                arrays["word_rows"] = word_rows.astype(np.int32)
            return words, arrays

        # A long knowledge base's bigrams and readings are made in a forked process while the words, their
        # vectors and the phrasings' arrays are made here (each about half of what is left after tokenizing).
        if n >= PARALLEL_ENTRIES and can_fork():
            (words, word_arrays), portable = in_two_processes(
                word_kind, lambda: _portable_arrays(*gram_kinds()), "making the bigrams of"
            )
            gram_terms, gram_arrays = _from_portable(*portable)
        else:
            words, word_arrays = word_kind()
            gram_terms, gram_arrays = gram_kinds()
        bigrams, readings = Vocabulary(gram_terms["b"]), Vocabulary(gram_terms["r"])
        # In the order the arrays always had: the phrasings', the vocabularies, each kind's, the vectors.
        first = ("phrase_entry", "phrase_folded", "phrasing_keys", "phrase_tokens", "words")
        later = ("entry_vectors", "vector_component", "word_rows")
        out = {key: word_arrays[key] for key in first}
        out["bigrams"], out["readings"] = _join(bigrams.terms), _join(readings.terms)
        out.update((key, array) for key, array in word_arrays.items() if key not in first and key not in later)
        out.update(gram_arrays)
        out.update((key, word_arrays[key]) for key in later if key in word_arrays)
        # Words, bigrams and readings in one forward index (bigram and reading ids after the words'), merged
        # here rather than at every start.
        offsets = _presence_offsets(words, bigrams)
        merged = Presence.merged([
            (out.pop(f"presence_{kind}_indptr"), out.pop(f"presence_{kind}_terms"), offsets[kind]) for kind in "wbr"
        ])
        out["presence_indptr"], out["presence_terms"] = merged.indptr, merged.terms
        return out

    def _kind_arrays(
        self, kind: str, n_terms: int, phrase_of: np.ndarray, phrase_docs: list[np.ndarray], answer_docs: list[np.ndarray]
    ) -> dict[str, np.ndarray]:
        """One kind of term's arrays: which entries have each term anywhere (presence), its idf, and the
        postings of its fields (the readings of answers have none)."""
        q, a = f"q{kind}", f"a{kind}"
        n = len(answer_docs)
        out: dict[str, np.ndarray] = {}
        lengths_q = np.fromiter((len(d) for d in phrase_docs), dtype=np.int64, count=len(phrase_docs))
        lengths_a = np.fromiter((len(d) for d in answer_docs), dtype=np.int64, count=n)
        terms = np.concatenate([*phrase_docs, *answer_docs, np.empty(0, dtype=np.int32)])
        owners = np.concatenate([np.repeat(phrase_of, lengths_q), np.repeat(np.arange(n, dtype=np.int32), lengths_a)])
        presence = Presence.build(terms, owners, n, n_terms)
        del terms, owners
        out[f"presence_{kind}_indptr"], out[f"presence_{kind}_terms"] = presence.indptr, presence.terms
        idf = bm25_idf(presence.df(n_terms), n)
        out[f"idf_{kind}"] = idf
        for name, field_docs in ((q, phrase_docs), (a, answer_docs)):
            if name == "ar":
                continue
            postings = Postings.build(field_docs, n_terms, idf, self.fields[name], cap=POSTINGS_CAP)
            out[f"{name}_indptr"], out[f"{name}_docs"], out[f"{name}_weights"] = (
                postings.indptr, postings.docs, postings.weights
            )
            out[f"{name}_shape"] = np.asarray([postings.avg_length, postings.k1, postings.b])
        return out

    @staticmethod
    def _words_in_entry_order(
        vocabulary: Vocabulary, docs: dict[str, list[np.ndarray]], phrase_entry: list[int], answer_of: list[int]
    ) -> Vocabulary:
        """The words numbered as first met entry by entry (its phrasings, then its answer), `docs` renumbered:
        where two words are equally good (query expansion takes the first few knowledge-base words of a
        vector row), the earlier entry's word is taken, whatever order the texts were analyzed in."""
        order: list[np.ndarray] = []
        phrase = 0
        answers_seen: set[int] = set()
        for index, answer in enumerate(answer_of):
            while phrase < len(phrase_entry) and phrase_entry[phrase] == index:
                order.append(docs["qw"][phrase])
                phrase += 1
            if answer not in answers_seen:
                answers_seen.add(answer)
                order.append(docs["aw"][answer])
        met = np.concatenate([np.empty(0, dtype=np.int32), *order])
        ids, first = np.unique(met, return_index=True)
        renumber = np.zeros(len(vocabulary.terms), dtype=np.int32)
        ordered = ids[np.argsort(first, kind="stable")]
        renumber[ordered] = np.arange(len(ordered), dtype=np.int32)
        for name in ("qw", "aw"):
            docs[name] = [renumber[doc] for doc in docs[name]]
        return Vocabulary([vocabulary.terms[i] for i in ordered.tolist()])

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        self._phrase_entry_array = arrays["phrase_entry"]
        self._phrase_folded = _split(arrays["phrase_folded"])
        # Bigram sets of the phrasings compared so far (Dice), made on first use.
        self._phrase_bigram_sets: dict[int, frozenset[str]] = {}
        self._phrase_tokens = _split(arrays["phrase_tokens"])
        self._phrasing_keys = _split(arrays["phrasing_keys"])
        self._words = Vocabulary(_split(arrays["words"]))
        self._bigrams = Vocabulary(_split(arrays["bigrams"]))
        self._readings = Vocabulary(_split(arrays["readings"]))
        self._idf_w, self._idf_b, self._idf_r = arrays["idf_w"], arrays["idf_b"], arrays["idf_r"]
        self._idf_lists = {"w": self._idf_w.tolist(), "b": self._idf_b.tolist(), "r": self._idf_r.tolist()}
        self._presence_offsets = _presence_offsets(self._words, self._bigrams)
        self._presence = Presence(
            arrays["presence_indptr"], arrays["presence_terms"], self._presence_offsets["r"] + len(self._readings.terms)
        )
        self._postings: dict[str, Postings] = {}
        for name in FIELDS:
            kind = name[1]
            avg, k1, b = (float(x) for x in arrays[f"{name}_shape"])
            self._postings[name] = Postings(
                arrays[f"{name}_indptr"], arrays[f"{name}_docs"], arrays[f"{name}_weights"],
                arrays[f"idf_{kind}"], avg, k1, b,
            )
        self._field_postings = FieldPostings(self._postings)
        n = len(self.entries)
        # Phrasings are stored entry by entry: where each entry's run of phrasings starts.
        self._phrase_starts = np.searchsorted(self._phrase_entry_array, np.arange(n)).astype(np.int64)
        self._single_phrasing_layout = len(self._phrase_entry_array) == n
        self.single_phrasing = len(self._phrase_entry_array) < 1.5 * max(n, 1)
        starts = self._phrase_starts.tolist()
        self._entry_phrases: list[list[int]] = [
            list(range(start, end)) for start, end in zip(starts, [*starts[1:], len(self._phrase_entry_array)], strict=True)
        ]
        self._entry_vectors = arrays.get("entry_vectors")
        self._vector_component = arrays.get("vector_component")
        self._word_rows = arrays.get("word_rows")
        self._vocabulary = self._words.ids
        self._row_words: dict[int, list[int]] = defaultdict(list)
        if self._word_rows is not None:
            for term_id in np.flatnonzero(self._word_rows >= 0):
                self._row_words[int(self._word_rows[term_id])].append(int(term_id))
        # Longer words by first character, for abbreviations: マイナ → マイナンバーカード, 生保 → 生活保護.
        # One line per word, searched with a regular expression: the scan runs in C, not per word in Python.
        by_first: dict[str, list[str]] = defaultdict(list)
        for word in self._words.terms:
            if len(word) >= 4 and ":" not in word:
                by_first[word[0]].append(word)
        self._by_first = {first: "\n".join(words) for first, words in by_first.items()}
        self._abbreviations: dict[str, tuple[str, ...]] = {}
        self._rows_memo: dict[str, int] = {}
        # `_prepared` of the last questions ranked, by their analysis (the object, which the analyzer remembers).
        self._queries: dict[int, _Query] = {}
        # `_near_words` of the vector rows met so far (bounded as the abbreviations).
        self._expansion_memo: dict[int, list[tuple[int, float]]] = {}

    def _default_thresholds(self) -> Thresholds:
        c = self.calibration
        if not self.curated and c.single_answer is not None:
            return Thresholds(c.single_answer, c.single_suggest if c.single_suggest is not None else c.suggest)
        return Thresholds(c.answer, c.suggest)

    def _fit_thresholds(self) -> Thresholds:
        """The answer / 「もしかして」 thresholds for this knowledge base (knowledge/decision.py)."""
        counts = np.diff(np.append(self._phrase_starts, len(self._phrase_entry_array)))
        questions = pseudo_questions(
            self.entries, self._phrase_starts.tolist(), counts.tolist(), self.analyzer.content_words,
            self.kb.out_of_scope, self._knows_topic,
        )

        def scores(batch: Sequence[PseudoQuestion]) -> list[tuple[float, bool]]:
            """(decision score, the top entry is the question's own) of each question, as Python values (marshal
            would carry a numpy float as its bytes)."""
            out = []
            for q in batch:
                ranked = self._rank(self.analyzer.analyze(q.text[:MAX_MATCH_CHARS]), exclude_phrase=q.exclude_phrase)
                score = float(self.decision_score(ranked)) if ranked else 0.0
                out.append((score, bool(ranked) and bool(ranked[0][0] == q.entry)))
            return out

        positive, right, off_topic = [], [], []
        parallel = len(self.entries) >= PARALLEL_ENTRIES
        for q, (score, top_is_its_entry) in zip(
            questions, halves_in_two_processes(scores, questions, parallel, "ranking"), strict=True
        ):
            if q.entry is None:
                off_topic.append(score)
            else:
                positive.append(score)
                right.append(top_is_its_entry)
        return choose_thresholds(
            np.asarray(positive), np.asarray(right, dtype=bool), np.asarray(off_topic),
            self._default_thresholds(),
            curated=not self.single_phrasing,
        )

    def _knows_topic(self, question: str) -> bool:
        """Whether the question's first noun (or a synonym of it) is a word of this knowledge base."""
        units = self.analyzer.analyze(question).units
        topic = next((u for u in units if u.weight >= 1.0), None)
        return topic is None or any(t in self._words.ids for t in (topic.term, *topic.synonyms))

    def ranking_weights(self) -> dict[str, float]:
        if self.single_phrasing and self.calibration.single_ranking:
            return self.calibration.single_ranking
        return self.calibration.ranking

    def _ranking_vector(self, ranking: dict[str, float]) -> np.ndarray:
        """The ranking model's weights in the order of `Features.NAMES`, made once per model (a calibration
        gives new dicts; none is changed in place)."""
        made = self._ranking_made
        if made is None or made[0] is not ranking:
            made = self._ranking_made = (ranking, np.asarray([ranking.get(name, 0.0) for name in Features.NAMES]))
        return made[1]

    def get(self, entry_id: str) -> FaqEntry | None:
        return self._by_id.get(entry_id)

    # ------------------------------------------------------------------ matching

    def match(self, question: str, top: int = 3) -> MatchResult:
        """Tables first (a combination question is computed), then the entries, then the question type; a
        question that gets no answer as typed is tried once more with its typos of the plan's names put right."""
        unscrambled = self._unscrambled(question[:MAX_MATCH_CHARS])
        if unscrambled != question[:MAX_MATCH_CHARS]:
            return replace(self._match(unscrambled, top), question=question)
        result = self._match(question, top)
        # A word the plan never uses may be a typo of one it does (フロントヤート): that note is tried again too.
        unknown_word = Asks.UNKNOWN_TERM in result.asked
        if result.status == ANSWERED or (result.note is not None and not unknown_word) or self._typos is None:
            return result
        corrected = self._typos.correct(question[:MAX_MATCH_CHARS])
        if corrected == question[:MAX_MATCH_CHARS]:
            return result
        again = self._match(corrected, top)
        return replace(again, question=question) if again.status == ANSWERED or again.note else result

    def _match(self, question: str, top: int = 3) -> MatchResult:
        question_head = question[:MAX_MATCH_CHARS]
        result = self.match_entries(question, top=max(top, CANDIDATES_CONSIDERED))
        computed = self._tables.answer(question_head) if self._tables is not None else None
        folded = fold_for_match(question_head)
        exact = self._exact.get(folded) or self._loose.get(_loose_key(folded))
        if exact is None and (topic := definition_topic(question_head)) is not None:
            exact = self._definitions.get(self._topic_key(topic))
        if exact is None and self._contact_entry is not None and asks_whom_to_ask(question_head):
            # 「わからないことは誰に聞けばいい？」: the knowledge base's own contact entry (the plan's 事務局).
            exact = self._contact_entry
        if computed is not None and computed.entry is not None:
            note = self._question_types.check_entry(question_head, computed.entry)
            if note is None:
                result = replace(result, status=ANSWERED, score=1.0, entry=computed.entry)
            else:
                result = replace(result, status=NO_ANSWER, score=0.0, entry=None, note=note)
        elif computed is not None:
            result = replace(result, status=NO_ANSWER, score=0.0, entry=None, note=computed.note)
        elif exact is not None and (lacking := self._question_types.lacking_note(question_head, exact)) is not None:
            result = replace(result, status=NO_ANSWER, score=0.0, entry=None, note=lacking)
        elif exact is not None:
            result = _answer_with(result, exact)
        else:
            result = self._question_types.check(question_head, result)
        related = tuple(e for e in (self.get(i) for i in result.entry.related) if e) if result.entry else ()
        entry = without_stray_yes_no(question_head, result.entry) if result.entry else None
        return replace(result, entry=entry, candidates=result.candidates[: max(top, 0)], related=related)

    def match_entries(self, question: str, top: int = 3) -> MatchResult:
        """The best entries for `question` and the answer / 「もしかして」 / decline decision."""
        # Only the head of a pasted wall of text is matched: Sudachi refuses input over ~48 KB (a traceback
        # for `dxbot ask --batch`), and no real question is longer than this.
        analysis, ranked = self.ranked(question, top)
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
        if confidence >= self.thresholds.answer and not tie:
            return MatchResult(question, ANSWERED, score, self.entries[ranked[0][0]], candidates)
        if confidence >= self.thresholds.suggest:
            return MatchResult(question, AMBIGUOUS, score, None, candidates)
        return MatchResult(question, NO_ANSWER, score, None, candidates)

    def ranked(self, question: str, depth: int = 0) -> tuple[Analysis, list[tuple[int, float, Features]]]:
        """The question's analysis and its best candidates with their features, as `match_entries` decides on
        them (benchmarks/calibrate.py fits the decision model on these)."""
        head = question[:MAX_MATCH_CHARS]
        analysis = self.analyzer.analyze(head)
        ranked = self._rank(analysis, depth=depth)
        # Hiragana words are read again only for a question that would not be answered as typed: one already
        # answered needs no second ranking.
        if (
            ranked and self._kana_words is not None
            and KanaWords.applies(head, (u.term for u in analysis.units))
            and self.decision_score(ranked) < self.thresholds.answer
        ):
            analysis, ranked = self._read_kana_words(head, analysis, ranked, depth)
        return analysis, ranked

    def _read_kana_words(
        self, question: str, analysis: Analysis, ranked: list[tuple[int, float, Features]], top: int
    ) -> tuple[Analysis, list[tuple[int, float, Features]]]:
        """The question ranked again with its hiragana words written as the nouns of the first candidates that
        read the same (じどうてあて → 児童手当), when there are any."""
        assert self._kana_words is not None
        texts = [
            text for index in self._may_read_as_kana(question, [index for index, _, _ in ranked[:CANDIDATES_READ]])
            for text in (self.entries[index].question, self.entries[index].answer[:ENTRY_TEXT_CHARS])
        ]
        if not texts:
            return analysis, ranked
        rewritten = self._kana_words.rewrite(question, texts)
        if rewritten == normalize_text(question):
            return analysis, ranked
        again = self.analyzer.analyze(rewritten)
        reranked = self._rank(again, depth=top)
        return (again, reranked) if reranked else (analysis, ranked)

    def _may_read_as_kana(self, question: str, candidates: list[int]) -> list[int]:
        """The `candidates` that may have a noun read as one of the question's hiragana runs: reading the
        candidates' texts with Sudachi costs most of the step, and most candidates have no such noun.

        A noun's reading is part of its entry's reading (the index's reading bigrams, from the same Sudachi
        readings), so an entry none of whose readings has two bigrams in a row of a run (a reading of three
        kana) has none. Not where the index read other text than the entry's (a glossary rewrites it), nor for
        a run reading キゴウ (a word read so is indexed as written)."""
        runs = self._kana_words.folded_runs(question) if self._kana_words is not None else []
        if self.analyzer.glossary.groups or any("キゴウ" in run for run in runs):
            return candidates
        ids = self._readings.ids
        windows = {
            (first, second) for run in runs for k in range(len(run) - MIN_READING + 1)
            if (first := ids.get(run[k : k + 2], -1)) >= 0 and (second := ids.get(run[k + 1 : k + 3], -1)) >= 0
        }
        if not windows or not candidates:
            return []
        terms = sorted({t for pair in windows for t in pair})
        row = {t: k for k, t in enumerate(terms)}
        offset = self._presence_offsets["r"]
        mask = self._presence.contains([t + offset for t in terms], np.asarray(candidates))
        return [
            entry for j, entry in enumerate(candidates)
            if any(mask[row[first], j] and mask[row[second], j] for first, second in windows)
        ]

    def decision_score(self, ranked: list[tuple[int, float, Features]]) -> float:
        """Probability that the best candidate's answer is right for this question."""
        weights = self.calibration.decision
        if self.single_phrasing and self.calibration.single_decision:
            weights = self.calibration.single_decision
        return _logistic(weights, Features.DECISION_NAMES, decision_vector(ranked))

    def _abbreviated(self, term: str) -> tuple[str, ...]:
        """Knowledge-base words `term` may abbreviate: a katakana word's longer forms (マイナ → マイナンバ
        カド), or for a word the knowledge base does not know, longer words with its characters in order
        (生保 → 生活保護, クレカ → クレジツトカド). Only when few words fit: a guess, not a rule."""
        if not 2 <= len(term) <= 4 or ":" in term:
            return ()
        # Remembered per word: each word's pattern is a new regular expression, and compiling it costs more
        # than the search (re's own cache holds 512 and is shared with everything else).
        known = self._abbreviations.get(term)
        if known is None:
            if len(self._abbreviations) >= _ABBREVIATIONS_KEPT:
                self._abbreviations.clear()
            known = self._abbreviations[term] = self._find_abbreviated(term)
        return known

    def _vector_rows(self, terms: list[str]) -> np.ndarray:
        """`WordVectors.rows_of`, remembered per word: hashing a word and searching half a million keys
        costs more than the dictionary lookup, and questions keep using the same words."""
        known = self._rows_memo
        if len(known) >= _ABBREVIATIONS_KEPT:
            known.clear()
        missing = [t for t in dict.fromkeys(terms) if t not in known]
        if missing and self.vectors is not None:
            # A knowledge-base word's row was found at the build (`word_rows`); only the others are searched.
            ids, word_rows = self._words.ids, self._word_rows
            if word_rows is not None:
                found = [t for t in missing if t in ids]
                known.update(zip(found, word_rows[[ids[t] for t in found]].tolist(), strict=True))
                missing = [t for t in missing if t not in ids]
            if missing:
                known.update(zip(missing, self.vectors.rows_of(missing).tolist(), strict=True))
        return np.fromiter((known[t] for t in terms), dtype=np.int32, count=len(terms))

    def _find_abbreviated(self, term: str) -> tuple[str, ...]:
        lines = self._by_first.get(term[0])
        if lines is None:
            return ()
        if term in self._vocabulary:
            if len(term) < 3 or not all(_is_katakana_char(ch) for ch in term):
                return ()
            pattern = re.escape(term)
        else:
            pattern = "[^\n]*?".join(re.escape(ch) for ch in term)
        found = [
            w for w in re.findall(f"^{pattern}[^\n]*$", lines, flags=re.MULTILINE) if len(w) >= len(term) + 2
        ]
        return tuple(found) if 0 < len(found) <= _MAX_ABBREVIATED else ()

    def _expansions(self, rows: np.ndarray | None, taken: set[int]) -> tuple[list[int], list[float]]:
        """Knowledge-base words near the question's content words (their vector `rows`), with their weights."""
        if self.vectors is None or self._word_rows is None or rows is None:
            return [], []
        ids, weights = [], []
        known = self._expansion_memo
        for row in rows.tolist():
            if row < 0:
                continue
            near = known.get(row)
            if near is None:
                if len(known) >= _ABBREVIATIONS_KEPT:
                    known.clear()
                near = known[row] = self._near_words(row)
            added = 0
            for word, weight in near:
                if added >= EXPAND_PER_WORD:
                    break
                if word not in taken:
                    taken.add(word)
                    ids.append(word)
                    weights.append(weight)
                    added += 1
        return ids, weights

    def _near_words(self, row: int) -> list[tuple[int, float]]:
        """(knowledge-base word, expansion weight) of the words of `row` and of its nearest rows, nearest first:
        what `_expansions` takes from, the same for every question (remembered per row)."""
        assert self.vectors is not None
        vectors = self.vectors
        # The word's own row first: spaCy's pruning mapped near-synonyms onto it (入門書 → 入門).
        neighbours = [(int(row), 1.0)] + [
            (int(r), float(s))
            for r, s in zip(vectors.neighbours[row].tolist(), vectors.similarities[row].tolist(), strict=True)
            if s >= EXPAND_MIN_SIMILARITY
        ]
        return [
            (word, EXPAND_WEIGHT * similarity)
            for neighbour, similarity in neighbours
            for word in self._row_words.get(neighbour, ())
        ]

    def _query_vector(self, a: Analysis, rows: np.ndarray | None) -> np.ndarray | None:
        if self.vectors is None or self._vector_component is None or rows is None:
            return None
        terms = [u.term for u in a.units]
        keep = rows >= 0
        if not keep.any():
            return None
        ids, idf_w, unseen = self._words.ids, self._idf_lists["w"], self._unseen_idf
        idf = np.asarray(
            [idf_w[i] if (i := ids.get(t, -1)) >= 0 else unseen for t in terms], dtype=np.float32
        ) * np.asarray([u.weight for u in a.units], dtype=np.float32)
        vector = idf[keep] @ self.vectors.of(rows[keep])
        vector -= (vector @ self._vector_component) * self._vector_component
        norm = float(np.sqrt(vector.dot(vector)))  # np.linalg.norm's own computation, without its checks
        return vector / norm if norm > 0 else None

    def _field_query(
        self, a: Analysis, expansions: dict[str, tuple[str, ...]], rows: np.ndarray | None
    ) -> _FieldQuery | None:
        """What `_field_scores` reads of the postings for the question: (the phrasing fields' and the entry fields'
        (field, term ids, scales), the question's terms of each kind as the knowledge base knows them, where their
        postings are); None for a question with no words and no bigrams."""
        words = list(dict.fromkeys([*a.word_terms, *(w for found in expansions.values() for w in found)]))
        bigrams = list(dict.fromkeys(a.bigrams))
        readings = list(dict.fromkeys(a.reading_bigrams))
        if not words and not bigrams:
            return None
        shares = self._kana_shares if _is_kana_only(a.folded) else self._field_shares
        unseen = self._unseen_idf
        # Per kind of term: the ids the knowledge base knows, and every term's idf (unseen ones included,
        # so a question with words the KB lacks cannot reach a perfect score).
        idf_lists = self._idf_lists
        queries: dict[str, _KnownTerms] = {
            kind: _known_terms(terms, vocab.ids, idf_lists[kind], unseen)
            for kind, terms, vocab in (("w", words, self._words), ("b", bigrams, self._bigrams), ("r", readings, self._readings))
        }
        ex_ids, ex_weights = self._expansions(rows, set(queries["w"][1]))
        # (field, term ids, scales) of each field the question reads, phrasing fields first.
        phrase_queries: list[tuple[str, list[int], np.ndarray]] = []
        entry_queries: list[tuple[str, list[int], np.ndarray]] = []
        for name in FIELDS:
            kind = name[1]
            _, ids, idf_all, idf_sum, _ = queries[kind]
            expanded = name in ("qw", "aw") and bool(ex_ids)
            if expanded:
                ids = ids + ex_ids
            if not ids or shares[name] <= 0:
                continue
            factor = shares[name] / self._postings[name].self_score_of(idf_sum, len(idf_all))
            scales = (
                np.asarray([1.0] * (len(ids) - len(ex_ids)) + ex_weights, dtype=np.float32) * factor
                if expanded
                else np.full(len(ids), factor, dtype=np.float32)  # = ones × factor
            )
            query = (name, ids, scales)
            (phrase_queries if name in PHRASING_FIELDS else entry_queries).append(query)
        # Where each term's postings run starts and ends: the same for every asking of the question.
        prepared = self._field_postings.prepare_two(phrase_queries, entry_queries, POSTINGS_CAP)
        return phrase_queries, entry_queries, queries, prepared

    def _field_scores(
        self, field_query: _FieldQuery, exclude_phrase: int | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(entry scores, phrasing ids hit, their scores), each field normalized to 1 = a perfect match."""
        phrase_queries, entry_queries, _, _ = field_query
        n_phrases = len(self._phrase_entry_array)
        n = len(self.entries)
        best: np.ndarray | None = None
        hit_phrases: np.ndarray = np.empty(0, dtype=np.int64)
        phrase_scores: np.ndarray = np.empty(0)
        # Both kinds of fields' postings in one gather (each numpy call costs more than the postings it moves).
        (phrase_docs, phrase_weights), (entry_docs, entry_weights) = self._field_postings.gather_prepared(
            field_query[3]
        )
        if phrase_queries:
            sums = np.bincount(phrase_docs, weights=phrase_weights, minlength=n_phrases)
            if exclude_phrase is not None:
                # Calibration asks a held-out phrasing: it must not find itself.
                sums[exclude_phrase] = 0.0
            if self._single_phrasing_layout:
                # One phrasing per entry: each entry's closest phrasing is its only one.
                best = sums.astype(np.float64, copy=False)
            else:
                # An entry is as close as its closest phrasing.
                best = np.maximum.reduceat(sums, self._phrase_starts).astype(np.float64, copy=False)
                hit_phrases = np.flatnonzero(sums)
                phrase_scores = sums[hit_phrases]
        if best is None:
            best = np.zeros(n, dtype=np.float64)
        if entry_queries:
            best += np.bincount(entry_docs, weights=entry_weights, minlength=n)
        return best, hit_phrases, phrase_scores

    def _rank(
        self, a: Analysis, exclude_phrase: int | None = None, depth: int = 0
    ) -> list[tuple[int, float, Features]]:
        """The best candidates, scored with every feature: at least `rerank_depth`, or `depth` if more, of the
        `feature_depth` best by BM25 and cosine."""
        query = self._prepared(a)
        if query.fields is None:
            return []
        best, phrases, phrase_scores = self._field_scores(query.fields, exclude_phrase)
        # Scores are sums of positive weights: > 0 is a hit (and numpy finds it several times faster than != 0).
        hit = np.flatnonzero(best > 0)
        if len(hit) == 0:
            return []
        short = _shortlist(hit, best[hit])
        cosines = np.zeros(len(short), dtype=np.float64)
        query_vector = query.vector
        if query_vector is not None and self._entry_vectors is not None:
            cosines = np.maximum(self._entry_vectors[short] @ query_vector, 0.0).astype(np.float64)
        mixed = best[short] + COSINE_MIX * cosines
        featured = min(max(self.feature_depth, self.rerank_depth, depth), len(short))
        keep = np.argpartition(-mixed, featured - 1)[:featured]
        top, top_cosines = short[keep], cosines[keep]
        closest = (
            self._closest_phrasings(top, phrases, self._phrase_entry_array[phrases], phrase_scores)
            if len(phrases) else {}
        )
        return self._score_candidates(query, top, best[top], top_cosines, closest, keep=max(self.rerank_depth, depth))

    def _prepared(self, a: Analysis) -> _Query:
        """What ranking needs of the question alone (`_Query`), made once per analysis: the analyzer remembers
        the analyses of the last questions, and people ask the same questions. The ranking itself (postings,
        candidates, their features) is done for every question asked."""
        memo = self._queries
        known = memo.get(id(a))
        if known is not None and known.analysis is a:
            return known
        expansions = {u.term: self._abbreviated(u.term) for u in a.units}
        # Vector rows of the content words: for the expansion and for the question's mean vector.
        rows = self._vector_rows([u.term for u in a.units]) if self.vectors is not None else None
        fields = self._field_query(a, expansions, rows)
        query = _Query(
            a, fields, self._query_vector(a, rows) if fields is not None else None,
            self._candidate_query(a, expansions, fields[2]) if fields is not None else None,
        )
        if len(memo) >= _QUERIES_KEPT:
            memo.clear()
        memo[id(a)] = query
        return query

    def _candidate_query(
        self, a: Analysis, expansions: dict[str, tuple[str, ...]], terms: dict[str, _KnownTerms]
    ) -> _CandidateQuery:
        """What `_score_candidates` needs of the question alone (`terms`: as `_field_query` looked them up)."""
        words_vocab = self._words.ids
        units = self._coverage_units(a, expansions)
        total_w = sum(weight for weight, _, _ in units) or 1.0
        # How much of the question the knowledge base knows at all: words it has never seen (有給,
        # 天気, 費用) mean the question is about something else, however well the rest matches.
        known = sum(
            weight if any(t in words_vocab for t in alternatives)
            else weight * (sum(w for w, alts in parts if any(t in words_vocab for t in alts))
                           / (sum(w for w, _ in parts) or 1.0))
            for weight, alternatives, parts in units
        ) / total_w if units else 0.0
        numbers = [u.term for u in dict.fromkeys(a.units) if _NUMBER.fullmatch(u.term)]
        # Which candidates have which of the question's words, bigrams and readings: one lookup for all.
        vocab = self._words.ids
        needed = sorted({vocab[t] for _, alts, parts in units for t in (*alts, *(x for _, ps in parts for x in ps))
                         if t in vocab} | {vocab[t] for t in numbers if t in vocab})
        bigram_terms = self._term_weights(terms["b"])
        reading_terms = self._term_weights(terms["r"])
        offsets = self._presence_offsets
        presence_terms = [
            *needed, *(i + offsets["b"] for i in bigram_terms[0]), *(i + offsets["r"] for i in reading_terms[0])
        ]
        query_tokens = " ".join(sorted({*a.word_terms, *(w for f in expansions.values() for w in f)}))
        return _CandidateQuery(
            units, total_w, known, numbers, needed, bigram_terms, reading_terms, presence_terms, query_tokens,
            frozenset(dict.fromkeys(a.bigrams)), self._coverage_plan(units, numbers, needed),
        )

    def _score_candidates(
        self,
        query: _Query,
        top: np.ndarray,
        retrieval: np.ndarray,
        cosines: np.ndarray,
        closest: dict[int, list[int]],
        keep: int,
    ) -> list[tuple[int, float, Features]]:
        """Every feature of every candidate, computed column by column (numpy, rapidfuzz cdist); the `keep`
        best, best first."""
        a, q = query.analysis, query.candidates
        assert q is not None
        units, total_w, known, numbers, needed = q.units, q.total_w, q.known, q.numbers, q.needed
        bigram_terms, reading_terms = q.bigram_terms, q.reading_terms
        mask = self._presence.contains(q.presence_terms, top)
        bigram_rows = len(needed) + len(bigram_terms[0])
        word_cov = self._coverage(q.coverage, len(top), mask[: len(needed)])
        word_coverage = word_cov[0] / total_w if units else np.zeros(len(top))
        number_coverage = word_cov[1] if numbers else np.ones(len(top))
        uncovered = word_cov[2]
        bigram_coverage = self._term_coverage(bigram_terms, mask[len(needed) : bigram_rows], len(top))
        reading_coverage = self._term_coverage(reading_terms, mask[bigram_rows:], len(top))
        # Character comparison with each candidate's closest phrasings: one C call per measure.
        top_ids = top.tolist()
        if self._single_phrasing_layout:
            # One phrasing per entry, numbered as the entries.
            phrases, flat = [], top_ids
        else:
            entry_phrases = self._entry_phrases
            phrases = [closest.get(e) or entry_phrases[e][:_PHRASINGS_COMPARED] for e in top_ids]
            flat = [p for group in phrases for p in group]
        one_each = len(flat) == len(top_ids)
        query_tokens = q.query_tokens
        ratio = cdist([a.folded], list(map(self._phrase_folded.__getitem__, flat)), scorer=fuzz.ratio)[0]
        if query_tokens:
            tokens = cdist([query_tokens], list(map(self._phrase_tokens.__getitem__, flat)), scorer=fuzz.ratio)[0]
            ratio = np.maximum(ratio, tokens)
        query_bigrams = q.query_bigrams
        # Dice on bigram sets is symmetric: a phrasing that says much more than the question
        # (DX推進リーダーの選び方 for DX推進リーダーは何人) loses to one that says just as much.
        dice_each = np.zeros(len(flat))
        if query_bigrams:
            cache = self._phrase_bigram_sets
            if len(cache) >= _PHRASE_SETS_KEPT:
                cache.clear()
            asked = len(query_bigrams)
            get = cache.get
            # (An empty set, of a phrasing with no bigram, is made again each time: there are next to none.)
            sets = [get(p) or self._phrase_bigram_set(p) for p in flat]
            dice_each = np.asarray(
                [2 * len(phrase & query_bigrams) / (len(phrase) + asked) if phrase else 0.0 for phrase in sets],
                dtype=np.float64,
            )
        if one_each:
            fuzzy, dice = ratio / 100.0, dice_each
        else:
            owner = np.repeat(np.arange(len(top)), [len(g) for g in phrases])
            fuzzy = np.zeros(len(top))
            dice = np.zeros(len(top))
            np.maximum.at(fuzzy, owner, ratio / 100.0)
            np.maximum.at(dice, owner, dice_each)
        # Candidates × features, C-ordered as column_stack makes it (one np.array of the columns costs a tenth).
        matrix = np.ascontiguousarray(np.array([
            np.minimum(1.5, retrieval), word_coverage, bigram_coverage, reading_coverage, fuzzy, dice,
            np.full(len(top), known), word_coverage * bigram_coverage, number_coverage, cosines, uncovered,
        ], dtype=np.float64).T)
        ranking = self.ranking_weights()
        weights = self._ranking_vector(ranking)
        z = ranking.get("bias", 0.0) + matrix @ weights
        # np.clip's values, without its Python wrappers (a few microseconds of a question's few hundred).
        np.minimum(np.maximum(z, -30.0, out=z), 30.0, out=z)
        probabilities = 1.0 / (1.0 + np.exp(-z))
        # Best first (ties in the order scored), and only the `keep` best become Features.
        order = np.argsort(-probabilities, kind="stable")[:keep]
        # One array of the kept rows, read back as Python floats in one call.
        rows = np.array([
            probabilities, retrieval, word_coverage, bigram_coverage, reading_coverage, fuzzy, dice, number_coverage,
            cosines, uncovered,
        ], dtype=np.float64)[:, order].T.tolist()
        return [
            (entry, probability, Features(
                retrieval=r, word_coverage=w, bigram_coverage=b, reading_coverage=rc, fuzzy=f, dice=d, known=known,
                numbers=nc, cosine=c, uncovered=u,
            ))
            for entry, (probability, r, w, b, rc, f, d, nc, c, u) in zip(top[order].tolist(), rows, strict=True)
        ]

    def _phrase_bigram_set(self, phrase: int) -> frozenset[str]:
        """The bigram set of a phrasing (Dice), remembered (`_phrase_bigram_sets`)."""
        made = self._phrase_bigram_sets[phrase] = _bigram_set(self._phrase_folded[phrase])
        return made

    def _term_weights(self, terms: _KnownTerms) -> tuple[list[int], np.ndarray, np.ndarray]:
        """(ids of the terms the knowledge base knows, their idf, the idf of every term: unseen ones too), in
        float64 (the unseen idf unrounded)."""
        found, ids, _, _, values = terms
        weights = np.asarray(values, dtype=np.float64)
        if len(ids) == len(found):
            return ids, weights, weights
        return ids, weights[[k for k, i in enumerate(found) if i >= 0]], weights

    @staticmethod
    def _term_coverage(terms: tuple[list[int], np.ndarray, np.ndarray], mask: np.ndarray, n: int) -> np.ndarray:
        """Share of the idf mass of the terms (`_term_weights`) each candidate contains (`mask`: known terms ×
        candidates)."""
        known_ids, known_weights, weights = terms
        if not len(weights):
            return np.zeros(n)
        covered = known_weights @ mask if known_ids else np.zeros(n)
        return covered / weights.sum()

    def _coverage_plan(
        self,
        units: list[tuple[float, frozenset[str], list[tuple[float, frozenset[str]]]]],
        numbers: list[str],
        needed: list[int],
    ) -> _CoveragePlan:
        """What `_coverage` reads of the question alone: its groups of tokens (a unit's alternatives, then each
        part's, then each number) as rows of the presence mask (`needed`: the word ids of the units, sorted),
        and the weights that combine them."""
        vocab = self._words.ids
        row = {term_id: i for i, term_id in enumerate(needed)}
        groups: list[Iterable[str]] = [alternatives for _, alternatives, _ in units]
        groups += [alts for _, _, parts in units for _, alts in parts]
        groups += [(t,) for t in numbers]
        flat: list[int] = []
        starts: list[int] = []
        filled: list[int] = []
        for g, tokens in enumerate(groups):
            rows = [row[vocab[t]] for t in tokens if t in vocab]
            if rows:
                filled.append(g)
                starts.append(len(flat))
                flat.extend(rows)
        # The parts of the units, column by column (a unit's first part, its second…): the group of each (the
        # row after the last group, never filled, where a unit has fewer parts) and its weight (0 there).
        widest = max((len(parts) for _, _, parts in units), default=0)
        part_groups: list[list[int]] = [[len(groups)] * len(units) for _ in range(widest)]
        part_weights: list[list[float]] = [[0.0] * len(units) for _ in range(widest)]
        next_part = len(units)
        for k, (_, _, parts) in enumerate(units):
            for j, (w, _) in enumerate(parts):
                part_groups[j][k] = next_part + j
                part_weights[j][k] = w
            next_part += len(parts)
        return _CoveragePlan(
            flat, starts, filled, len(groups),
            np.asarray([weight for weight, _, _ in units], dtype=np.float64),
            np.asarray([(sum(w for w, _ in parts) or 1.0) if parts else 1.0 for _, _, parts in units]),
            np.asarray(part_groups, dtype=np.intp).reshape(widest, len(units)),
            np.asarray(part_weights, dtype=np.float64).reshape(widest, len(units), 1),
            max((weight for weight, _, _ in units), default=0.0) or 1.0,
            next_part,
        )

    @staticmethod
    def _coverage(plan: _CoveragePlan, n: int, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(idf mass of the question's content words each of the `n` candidates covers: a word, else its parts;
        share of the question's numbers each candidate has; the heaviest word it misses, relative).
        `mask`: whether each candidate has each word of the plan's `needed`.

        All units at once, each sum in the order the units and parts are listed (the same floating-point sums
        as one unit at a time)."""
        # Whether each candidate has any token of each group, and a last row that no candidate has.
        has = np.zeros((plan.groups + 1, n), dtype=bool)
        if plan.flat:
            has[plan.filled] = np.logical_or.reduceat(mask[plan.flat], plan.starts, axis=0)
        units = len(plan.weights)
        covered = np.zeros(n)
        missing = np.zeros(n)
        if units:
            whole = has[:units]
            parts_sum = np.zeros((units, n))
            for groups, weights in zip(plan.part_groups, plan.part_weights, strict=True):
                parts_sum += weights * has[groups]
            # A unit without parts has a sum of 0 (its columns weigh 0) over 1: its share is whether it is there.
            share = np.where(whole, 1.0, parts_sum / plan.part_totals[:, None])
            for weighted in plan.weights[:, None] * share:
                covered += weighted
            np.maximum(missing, (plan.weights[:, None] * (1.0 - share) / plan.heaviest).max(axis=0), out=missing)
        numbers = has[plan.numbers_from : plan.groups]
        number_share = numbers.sum(axis=0, dtype=np.float64) / len(numbers) if len(numbers) else np.zeros(n)
        return covered, number_share, missing

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
        ids, idf, unseen = self._words.ids, self._idf_lists["w"], self._unseen_idf
        forms = a.concept_forms

        def alternatives(term: str) -> frozenset[str]:
            return frozenset({term, *(c for c, form in forms if term in form)}) if forms else frozenset((term,))

        def weight_of(tokens: frozenset[str]) -> float:
            return max((idf[ids[t]] for t in tokens if t in ids), default=unseen)

        out = []
        for unit in dict.fromkeys(a.units):
            parts = [(weight_of(alts), alts) for alts in map(alternatives, unit.parts)]
            term_alternatives = alternatives(unit.term) | set(unit.synonyms) | set((expansions or {}).get(unit.term, ()))
            if any(t in ids for t in term_alternatives) or not parts:
                weight = weight_of(term_alternatives)
            else:
                # An unseen compound (申請方法) is as informative as its parts, not as an unknown word.
                weight = sum(w for w, _ in parts) / len(parts)
            out.append((weight * unit.weight, term_alternatives, parts))
        return out

    def explain(self, question: str, top: int = 5) -> list[tuple[str, float, Features]]:
        """The ranked entries with their features, for tuning and `ask --explain`-style debugging."""
        return [(self.entries[i].id, s, f) for i, s, f in self._rank(self.analyzer.analyze(question))[:top]]


# Arrays as marshal carries them: (dtype, shape, bytes) by name.
_PortableArrays = dict[str, tuple[str, tuple[int, ...], bytes]]


def _portable_arrays(
    terms: dict[str, list[str]], arrays: dict[str, np.ndarray]
) -> tuple[dict[str, list[str]], _PortableArrays]:
    return terms, {name: (a.dtype.str, a.shape, a.tobytes()) for name, a in arrays.items()}


def _from_portable(
    terms: dict[str, list[str]], arrays: _PortableArrays
) -> tuple[dict[str, list[str]], dict[str, np.ndarray]]:
    """The arrays back, read-only views of the bytes (the cache's arrays are read-only maps too)."""
    return terms, {
        name: np.frombuffer(data, dtype=np.dtype(dtype)).reshape(shape) for name, (dtype, shape, data) in arrays.items()
    }


# A question's terms of one kind as the knowledge base knows them: (the id of each term, -1 where unknown; the
# known ids; the idf of every term in float32, the unseen idf where unknown; their sum; the same idf values as
# Python floats, the unseen idf unrounded).
_KnownTerms = tuple[list[int], list[int], np.ndarray, np.floating, list[float]]


# What `_field_scores` reads for a question: the phrasing fields' and the entry fields' (field, term ids, scales),
# the question's terms of each kind as the knowledge base knows them, and where their postings are.
_FieldQuery = tuple[
    list[tuple[str, list[int], np.ndarray]], list[tuple[str, list[int], np.ndarray]], dict[str, _KnownTerms],
    PreparedGather,
]


@dataclass(slots=True)
class _CandidateQuery:
    """What `_score_candidates` reads of the question alone (see there)."""

    units: list[tuple[float, frozenset[str], list[tuple[float, frozenset[str]]]]]
    total_w: float
    known: float
    numbers: list[str]
    needed: list[int]
    bigram_terms: tuple[list[int], np.ndarray, np.ndarray]
    reading_terms: tuple[list[int], np.ndarray, np.ndarray]
    presence_terms: list[int]
    query_tokens: str
    query_bigrams: frozenset[str]
    coverage: _CoveragePlan


@dataclass(slots=True)
class _CoveragePlan:
    """What `FaqEngine._coverage` reads of the question alone (`FaqEngine._coverage_plan`)."""

    flat: list[int]  # rows of the presence mask, group by group
    starts: list[int]  # where each filled group's rows start in `flat`
    filled: list[int]  # the groups with a row
    groups: int
    weights: np.ndarray  # of each unit
    part_totals: np.ndarray  # the weight of each unit's parts (1 where none)
    part_groups: np.ndarray  # per column of parts (a row): the group of each unit's part
    part_weights: np.ndarray  # per column of parts: its weight for each unit, as a column
    heaviest: float
    numbers_from: int  # the first group of a number


@dataclass(slots=True)
class _Query:
    """A question's analysis in the knowledge base's terms (`FaqEngine._prepared`): read only."""

    analysis: Analysis
    fields: _FieldQuery | None  # None: nothing to look up
    vector: np.ndarray | None
    candidates: _CandidateQuery | None


def _known_terms(terms: Sequence[str], vocab: dict[str, int], idf: list[float], unseen: float) -> _KnownTerms:
    """`idf`: the kind's idf as a list (float32 values as Python floats): a list reads a value quicker than
    numpy does, and a question has only a few dozen terms."""
    found = [vocab.get(t, -1) for t in terms]
    values = [idf[i] if i >= 0 else unseen for i in found]
    idf_all = np.asarray(values, dtype=np.float32)
    return found, [i for i in found if i >= 0], idf_all, idf_all.sum(), values


def _fold_all(texts: Sequence[str]) -> list[str]:
    """`fold_for_match` of each text, in one pass of numpy (knowledge/normalize.py: `fold_many`)."""
    return split_texts(*fold_many(normalize_texts(texts)))


def _presence_offsets(words: Vocabulary, bigrams: Vocabulary) -> dict[str, int]:
    """Where the ids of each kind of term start in the merged forward index (`Presence.merged`)."""
    return {"w": 0, "b": len(words.terms), "r": len(words.terms) + len(bigrams.terms)}


def _shortlist(hit: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """The `SHORTLIST` best of the hits (`scores`: theirs). A long FAQ has thousands of hits (its common bigrams),
    and selecting among all of them cost more than the rest of the ranking's numpy: the hits at or above a
    bound from a sample of them (an eighth: its tenth best, some eighty hits) are selected among, when they are
    enough. Every hit above the fiftieth best score is among them, and every hit with that score."""
    if len(hit) > _SAMPLED_SHORTLIST_FROM:
        sample = scores[:: _SHORTLIST_SAMPLE]
        bound = np.partition(sample, len(sample) - _SHORTLIST_SAMPLE_RANK)[len(sample) - _SHORTLIST_SAMPLE_RANK]
        above = np.flatnonzero(scores >= bound)
        if len(above) >= SHORTLIST:
            hit, scores = hit[above], scores[above]
    shortlisted = min(SHORTLIST, len(hit))
    return hit[np.argpartition(-scores, shortlisted - 1)[:shortlisted]]


_SAMPLED_SHORTLIST_FROM = 16 * SHORTLIST
_SHORTLIST_SAMPLE = 8
_SHORTLIST_SAMPLE_RANK = 10


def _bigram_set(folded: str) -> frozenset[str]:
    """`frozenset(char_ngrams(folded, 2))`, made by pairing the string with itself shifted (a quarter faster:
    a question's first look at fifty phrasings makes most of their sets)."""
    if len(folded) < 2:
        return frozenset((folded,)) if folded else frozenset()
    return frozenset(map(operator.add, folded, folded[1:]))


def _plan_names(kb: KnowledgeBase, glossary: Iterable[Sequence[str]]) -> list[str]:
    """The names a plan's questions use: glossary terms, initiatives and themes, departments, bodies, WGs."""
    names = [t for group in glossary for t in group]
    for initiative in kb.initiatives:
        names += [initiative.name, initiative.theme, *initiative.aliases]
    names += [r.name for r in kb.reforms]
    tables = kb.tables
    if tables is not None:
        names += list(tables.departments())
        names += [n for b in (tables.bodies.bodies if tables.bodies else ()) for n in b.names]
        for table in (tables.wg_current, tables.wg_previous):
            names += [n for g in (table.groups if table else ()) for n in (g.name, *g.aliases)]
    return names


_PARTICLE = patterns.compile(r"(?<=[一-龥a-z0-9])(ツテ|トハ|ハ)(?=[一-龥ア-ンa-z0-9])")
_ENDING = patterns.compile(r"(デスカ|デシヨウカ|ダツケ|ナノ|ナン|カナ|ノ)$")


def _loose_key(folded: str) -> str:
    """A folded phrasing without its topic particle and polite ending: 「cdoハ誰」 = 「cdoツテ誰」."""
    return _ENDING.sub("", _PARTICLE.sub("", folded))


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
