"""Retrieval: BM25 per field over inverted postings, query expansion with word vectors, and a
re-rank that mixes BM25 with the cosine of mean word vectors.

Fields, each with its own weight, k1 and b (`FieldParams`):
- `qw` words of each phrasing (question and alternates), `qb` their character bigrams, `qr` bigrams of
  their reading (がくどう meets 学童): scored per phrasing, an entry counts its closest phrasing;
- `aw` words of the answer, `ab` its bigrams: scored per entry. Resident questions often use the
  answer's words rather than the question's, so `aw` weighs heavily.

Words are Sudachi mode-C words plus their mode-A parts (knowledge/analysis.py), without question and
function words. Each content word of a question also looks for the knowledge-base words nearest to it
in the chiVe vectors (knowledge/vectors): 紙をなくす finds ペーパーレス.

Postings are numpy arrays in CSR form (one row per term, sorted by contribution, so a very common term is
only read where it weighs most); a question costs its terms' postings, not the size of the knowledge base.
Everything an `Index` holds is arrays and string lists, saved to the on-disk cache without pickle.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from knowledge.vectors import WordVectors

FIELDS = ("qw", "qb", "qr", "aw", "ab")
PHRASING_FIELDS = ("qw", "qb", "qr")


@dataclass(frozen=True)
class FieldParams:
    weight: float
    k1: float
    b: float


# Tuned on the development halves only (benchmarks/tune_retrieval.py); weights are shares of the score.
DEFAULT_FIELDS: dict[str, FieldParams] = {
    "qw": FieldParams(0.30, 1.2, 0.5),
    "qb": FieldParams(0.22, 1.2, 0.5),
    "qr": FieldParams(0.08, 1.2, 0.5),
    "aw": FieldParams(0.30, 1.2, 0.75),
    "ab": FieldParams(0.10, 1.2, 0.75),
}
# A curated knowledge base (entries with many alternates, the plan) says most in its phrasings: words,
# bigrams and readings share 1, each answer field adds a quarter (the scale its ranking model was fitted on).
CURATED_FIELDS: dict[str, FieldParams] = {
    "qw": FieldParams(0.40, 1.2, 0.75),
    "qb": FieldParams(0.40, 1.2, 0.75),
    "qr": FieldParams(0.20, 1.2, 0.75),
    "aw": FieldParams(0.25, 1.2, 0.75),
    "ab": FieldParams(0.25, 1.2, 0.75),
}
CURATED_KANA_SHARES = {"qw": 0.2, "qb": 0.3, "qr": 0.5, "aw": 0.25, "ab": 0.25}
# A question in kana alone leans on its reading: Sudachi guesses at kana words.
KANA_SHARES = {"qw": 0.15, "qb": 0.15, "qr": 0.45, "aw": 0.15, "ab": 0.10}


@dataclass
class Vocabulary:
    """Terms of one kind (words, bigrams, readings) and their ids."""

    terms: list[str]

    def __post_init__(self) -> None:
        self.ids = {t: i for i, t in enumerate(self.terms)}

    @classmethod
    def of(cls, docs: Iterable[Iterable[str]]) -> Vocabulary:
        seen: dict[str, None] = {}
        for doc in docs:
            seen.update(dict.fromkeys(doc))
        return cls(sorted(seen))

    def encode(self, doc: Iterable[str]) -> np.ndarray:
        ids = self.ids
        return np.fromiter((ids[t] for t in doc if t in ids), dtype=np.int32)


class GrowingVocabulary:
    """Ids given as terms are first seen, so texts are encoded as they are analyzed (a 10,000-entry FAQ
    never holds all its words as strings at once)."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def encode(self, doc: Sequence[str]) -> np.ndarray:
        ids = self.ids
        for term in dict.fromkeys(doc):  # new terms in order of appearance; a text repeats most of its terms
            if term not in ids:
                ids[term] = len(ids)
        return np.fromiter(map(ids.__getitem__, doc), dtype=np.int32, count=len(doc))

    def frozen(self) -> Vocabulary:
        return Vocabulary(list(self.ids))


@dataclass
class Postings:
    """Term id → documents, with each posting's whole BM25 contribution (idf × saturated tf)."""

    indptr: np.ndarray  # int64, one more than the terms
    docs: np.ndarray  # int32
    weights: np.ndarray  # float32, descending within a term
    idf: np.ndarray  # float32 per term
    avg_length: float
    k1: float
    b: float

    @classmethod
    def build(
        cls, docs: Sequence[np.ndarray], n_terms: int, idf: np.ndarray, params: FieldParams, cap: int = 0
    ) -> Postings:
        """`cap`: `gather` reads at most this many postings of a term, so only those terms' postings are
        put heaviest first (0: every term's)."""
        # Written for memory: a 10,000-entry FAQ of long answers has millions of postings, and each
        # temporary int64/float64 array of that length costs tens of MB.
        n_docs = max(len(docs), 1)
        lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
        avg = float(lengths.mean()) if len(docs) and lengths.sum() else 1.0
        key_type = _key_type((n_terms + 1) * n_docs)
        keys = np.concatenate([*docs, np.empty(0, dtype=np.int32)]).astype(key_type)
        keys *= n_docs
        keys += np.repeat(np.arange(len(docs), dtype=key_type), lengths)
        # tf per (term, doc): count the pairs.
        pair, tf = _unique_counts(keys)
        del keys
        term_of = (pair // n_docs).astype(np.int32)
        doc_ids = (pair % n_docs).astype(np.int32)
        del pair
        norm = (params.k1 * (1 - params.b + params.b * lengths[doc_ids] / avg)).astype(np.float32)
        tf32 = tf.astype(np.float32)
        weights = idf[term_of] * tf32 * np.float32(params.k1 + 1) / (tf32 + norm)
        del norm, tf32, tf
        # The pairs come by term (then document). Within a term heaviest first, where it matters: only a
        # term with more than `cap` postings is ever cut (a document's sum is the same in any order).
        counts = np.bincount(term_of, minlength=n_terms)
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        long_terms = np.flatnonzero(counts > cap)
        if len(long_terms):
            at = np.flatnonzero(np.repeat(counts > cap, counts))
            doc_ids[at], weights[at] = _sort_heaviest_first(term_of[at], weights[at], doc_ids[at], len(long_terms), n_docs)
            del at
        return cls(indptr, doc_ids, weights.astype(np.float32, copy=False), idf, avg, params.k1, params.b)

    def self_score(self, idf_values: np.ndarray, query_length: int) -> float:
        """What a document identical to the query would score: the scale that makes 1 a perfect match."""
        return self.self_score_of(idf_values.sum(), query_length)

    def self_score_of(self, idf_sum: np.floating, query_length: int) -> float:
        """`self_score` from the sum of the query's idf values (a question's fields of one kind share it)."""
        norm = self.k1 * (1 - self.b + self.b * query_length / max(self.avg_length, 1e-9))
        return float(idf_sum * (self.k1 + 1) / (1 + norm)) or 1.0

    def gather(self, ids: np.ndarray, scales: np.ndarray, cap: int) -> tuple[np.ndarray, np.ndarray]:
        """(documents, weights × scale) of every posting of `ids`, at most `cap` per term (the heaviest).

        A question has a handful of terms per field: each term's run is sliced (no index array of every
        posting), and where every term has the same scale it is one multiplication by a number."""
        starts = self.indptr[ids]
        lengths = np.minimum(self.indptr[ids + 1] - starts, cap)
        runs = list(zip(starts.tolist(), (starts + lengths).tolist(), strict=True))
        if not runs:
            return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32)
        docs, weights = self.docs, self.weights
        found = np.concatenate([docs[start:end] for start, end in runs])
        gathered = np.concatenate([weights[start:end] for start, end in runs])
        scales = np.asarray(scales, dtype=np.float32)
        if len(scales) and (scales == scales[0]).all():
            gathered *= scales[0]
        else:
            gathered *= np.repeat(scales, lengths)
        return found, gathered


class FieldPostings:
    """The postings of several fields read together: a question's terms of every field cost one lookup of
    their runs and one concatenation, not a handful of numpy calls per field (each costs more than the
    few thousand postings it moves)."""

    def __init__(self, fields: dict[str, Postings]) -> None:
        self.fields = fields
        sizes = [len(p.indptr) for p in fields.values()]
        self._base = dict(zip(fields, np.cumsum([0, *sizes[:-1]]).tolist(), strict=True))
        self._indptr = np.concatenate([p.indptr for p in fields.values()]) if fields else np.zeros(1, np.int64)

    def gather(
        self, queries: Sequence[tuple[str, list[int], np.ndarray]], cap: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """`Postings.gather` of each (field, term ids, float32 scales), concatenated in that order."""
        return self._gather(queries, cap)[:2]

    def gather_two(
        self,
        first: Sequence[tuple[str, list[int], np.ndarray]],
        second: Sequence[tuple[str, list[int], np.ndarray]],
        cap: int,
    ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """`gather` of `first` and of `second` (say the phrasing fields and the entry fields) in one pass: the
        two (documents, weights) are views of one concatenation."""
        return self.gather_prepared(self.prepare_two(first, second, cap))

    def prepare_two(
        self,
        first: Sequence[tuple[str, list[int], np.ndarray]],
        second: Sequence[tuple[str, list[int], np.ndarray]],
        cap: int,
    ) -> PreparedGather:
        """What `gather_two` reads of the queries alone (where each term's run of postings starts and ends, the
        scales), for a caller that reads the same queries' postings again."""
        queries = [*first, *second]
        at = np.asarray([self._base[name] + i for name, ids, _ in queries for i in ids], dtype=np.int64)
        if not len(at):
            return PreparedGather([], np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32), 0)
        starts = self._indptr[at]
        lengths = np.minimum(self._indptr[at + 1] - starts, cap)
        firsts, lasts = starts.tolist(), (starts + lengths).tolist()
        # Per query (a field): its arrays and its terms' runs, as lists of numbers (a tuple per term would be
        # one more object for the garbage collector to visit, per term of every question remembered).
        runs: list[tuple[np.ndarray, np.ndarray, list[int], list[int]]] = []
        k = 0
        for name, ids, _ in queries:
            postings = self.fields[name]
            runs.append((postings.docs, postings.weights, firsts[k : k + len(ids)], lasts[k : k + len(ids)]))
            k += len(ids)
        scales = np.concatenate([scales for _, _, scales in queries]).astype(np.float32, copy=False)
        terms = sum(len(ids) for _, ids, _ in first)
        split = int(lengths[:terms].sum()) if terms else 0
        return PreparedGather(runs, lengths, scales, split)

    @staticmethod
    def gather_prepared(
        prepared: PreparedGather,
    ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """`gather_two` of the queries `prepare_two` read: a run per term, sliced (cheaper than an index array of
        every posting and a gather per field), concatenated, weighted by its term's scale."""
        if not prepared.runs:
            docs, weights = np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32)
            return (docs, weights), (docs, weights)
        doc_runs: list[np.ndarray] = []
        weight_runs: list[np.ndarray] = []
        for docs, weights, firsts, lasts in prepared.runs:
            doc_runs += [docs[first:last] for first, last in zip(firsts, lasts, strict=True)]
            weight_runs += [weights[first:last] for first, last in zip(firsts, lasts, strict=True)]
        found = np.concatenate(doc_runs)
        gathered = np.concatenate(weight_runs)
        gathered *= np.repeat(prepared.scales, prepared.lengths)
        split = prepared.split
        return (found[:split], gathered[:split]), (found[split:], gathered[split:])

    def _gather(
        self, queries: Sequence[tuple[str, list[int], np.ndarray]], cap: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(documents, weights × scale, postings per term) of the queries' terms in order."""
        prepared = self.prepare_two(queries, (), cap)
        (found, gathered), _ = self.gather_prepared(prepared)
        return found, gathered, prepared.lengths


@dataclass(frozen=True, slots=True)
class PreparedGather:
    """`FieldPostings.prepare_two`: per query, its field's documents and weights and where each of its terms' runs
    of postings starts and ends (capped); the number of postings of each term, each term's scale, and how many
    postings the first queries have."""

    runs: list[tuple[np.ndarray, np.ndarray, list[int], list[int]]]
    lengths: np.ndarray
    scales: np.ndarray
    split: int


@dataclass
class Presence:
    """Which terms each entry contains anywhere (question or answer): for the coverage features.

    A forward index (entry → its sorted term ids), so a question's few candidates are checked with one
    small binary search each instead of searches in a term-major array of millions."""

    indptr: np.ndarray  # int64, one more than the entries
    terms: np.ndarray  # int32, sorted within each entry
    n_terms: int = 0  # how many term ids there are; 0: not said (then the largest id + 1)

    @classmethod
    def build(cls, pairs_term: np.ndarray, pairs_entry: np.ndarray, n_entries: int, n_terms: int) -> Presence:
        key_type = _key_type((n_entries + 1) * max(n_terms, 1))
        keys = pairs_entry.astype(key_type)
        keys *= max(n_terms, 1)
        keys += pairs_term.astype(key_type)
        unique = _unique_sorted(keys)
        del keys
        indptr = np.searchsorted(unique, np.arange(n_entries + 1, dtype=key_type) * max(n_terms, 1)).astype(np.int64)
        unique %= max(n_terms, 1)  # in place: the term of each (entry, term) key
        return cls(indptr, unique.astype(np.int32), n_terms)

    @classmethod
    def merged(cls, parts: Sequence[tuple[np.ndarray, np.ndarray, int]]) -> Presence:
        """One forward index of several kinds of terms, each (indptr, terms, offset of its ids): an entry's row
        is its rows of each kind in turn, ids shifted by the kind's offset (increasing offsets keep it
        sorted), so a question looks up all its kinds of terms in one `contains`."""
        lengths = sum(np.diff(indptr) for indptr, _, _ in parts)
        indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        terms = np.empty(int(indptr[-1]), dtype=np.int32)
        filled = np.zeros(len(indptr) - 1, dtype=np.int64)
        for part_indptr, part_terms, offset in parts:
            part_lengths = np.diff(part_indptr)
            at = np.repeat(indptr[:-1] + filled - part_indptr[:-1], part_lengths)
            at += np.arange(len(part_terms), dtype=np.int64)
            terms[at] = part_terms + np.int32(offset)
            filled += part_lengths
        return cls(indptr, terms)

    def df(self, n_terms: int) -> np.ndarray:
        return np.bincount(self.terms, minlength=n_terms)

    def row(self, entry: int) -> np.ndarray:
        return self.terms[self.indptr[entry] : self.indptr[entry + 1]]

    def contains(self, terms: Sequence[int], candidates: np.ndarray) -> np.ndarray:
        """Boolean [terms × candidates]: does that entry contain that term?

        The candidates' rows are joined into one sorted array (candidate j's terms offset by j × the number of
        term ids), then every (candidate, term) pair is found by one binary search of sorted keys, all in
        numpy. A question has some fifty candidates of a few hundred terms each: the rows are sliced rather
        than gathered by an index, and the keys are int32 where they fit, which halves the memory touched."""
        if not len(terms) or not len(candidates):
            return np.zeros((len(terms), len(candidates)), dtype=bool)
        candidates = np.asarray(candidates)
        starts, ends = self.indptr[candidates], self.indptr[candidates + 1]
        lengths = ends - starts
        if not lengths.any():
            return np.zeros((len(terms), len(candidates)), dtype=bool)
        span = self.span
        dtype: type[np.signedinteger] = np.int32 if span * len(candidates) < 1 << 31 else np.int64
        rows = self.terms
        hay: np.ndarray = np.concatenate(
            [rows[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
        ).astype(dtype, copy=False)
        base: np.ndarray = np.arange(len(candidates), dtype=dtype) * span
        hay += np.repeat(base, lengths)
        # Keys candidate by candidate, the terms in the order asked: each key is searched on its own, so they
        # need no sorting (sorting them and putting the answers back in order cost more than the search).
        # A term id no entry has (beyond the span) would read as a term of the next candidate.
        known = None if min(terms) >= 0 and max(terms) < span else np.asarray([0 <= t < span for t in terms])
        asked = np.asarray(terms if known is None else [t if 0 <= t < span else 0 for t in terms], dtype=dtype)
        wanted = (base[:, None] + asked[None, :]).ravel()
        at = np.searchsorted(hay, wanted)
        np.minimum(at, len(hay) - 1, out=at)
        found = (hay[at] == wanted).reshape(len(candidates), len(terms))
        if known is not None:
            found &= known[None, :]
        # Terms × candidates, C-ordered as before (a product with it then runs the same BLAS path).
        return np.ascontiguousarray(found.T)

    @cached_property
    def span(self) -> int:
        """Above every term id: the offset between two candidates' keys. Known from the vocabularies where
        given: the largest id would read every page of a memory-mapped index."""
        if self.n_terms:
            return self.n_terms
        return int(self.terms.max()) + 1 if len(self.terms) else 1


def _first_component(vectors: np.ndarray, steps: int = 100) -> np.ndarray:
    """The first principal component, uncentered as in SIF: the top eigenvector of XᵀX by power iteration
    (LAPACK's first call alone costs a second or two here; this costs a millisecond)."""
    gram = (vectors.T @ vectors).astype(np.float64)
    component = vectors.sum(axis=0).astype(np.float64)
    if not np.any(component):
        return np.zeros(vectors.shape[1], dtype=np.float32)
    for _ in range(steps):
        component = gram @ component
        component /= np.linalg.norm(component)
    return component.astype(np.float32)


def _heaviest_first(
    terms: np.ndarray, weights: np.ndarray, docs: np.ndarray, n_long_terms: int, n_docs: int
) -> np.ndarray:
    """The order that sorts postings (given by term, then document) by term, heaviest first, ties by
    document: `np.lexsort((-weights, terms))`, by one sort of a 64-bit key where it fits (several times
    faster). Weights are positive, so their float32 bits sort as they do."""
    key = _heaviest_key(terms, weights, docs, n_long_terms, n_docs)
    if key is None:
        return np.lexsort((-weights, terms))
    return np.argsort(key)  # keys are distinct: any sort gives the one order


def _sort_heaviest_first(
    terms: np.ndarray, weights: np.ndarray, docs: np.ndarray, n_long_terms: int, n_docs: int
) -> tuple[np.ndarray, np.ndarray]:
    """(documents, weights) in the order of `_heaviest_first`. Where the key fits, the sorted keys themselves
    give each posting's document and weight back: one sort in place, no argsort and no gathers (a long FAQ
    sorts millions of postings so)."""
    key = _heaviest_key(terms, weights, docs, n_long_terms, n_docs)
    if key is None:
        order = np.lexsort((-weights, terms))
        return docs[order], weights[order]
    key.sort()
    doc_bits = _doc_bits(n_docs)
    sorted_docs = (key & ((1 << doc_bits) - 1)).astype(np.int32)
    key >>= doc_bits
    key &= 0x7FFFFFFF
    sorted_weights = (np.int64(0x7FFFFFFF) - key).astype(np.int32).view(np.float32)
    return sorted_docs, sorted_weights


def _doc_bits(n_docs: int) -> int:
    return max(int(n_docs - 1).bit_length(), 1)


def _heaviest_key(
    terms: np.ndarray, weights: np.ndarray, docs: np.ndarray, n_long_terms: int, n_docs: int
) -> np.ndarray | None:
    """One int64 per posting that sorts as (term, heaviest first, document): the term's rank (0, 1, 2… as
    they come: the postings are by term), the float32 weight bits inverted, the document; None when it does
    not fit in 63 bits (or a weight is not positive)."""
    doc_bits = _doc_bits(n_docs)
    rank_bits = max(int(n_long_terms - 1).bit_length(), 1)
    if rank_bits + 31 + doc_bits > 63 or not len(terms) or float(weights.min()) <= 0:
        return None
    new_term = np.empty(len(terms), dtype=bool)
    new_term[0] = False
    np.not_equal(terms[1:], terms[:-1], out=new_term[1:])
    key = np.cumsum(new_term, dtype=np.int64)
    key <<= 31 + doc_bits
    inverted = np.int64(0x7FFFFFFF) - weights.astype(np.float32).view(np.int32).astype(np.int64)
    inverted <<= doc_bits
    key |= inverted
    key |= docs.astype(np.int64)
    return key


def _key_type(bound: int) -> type[np.unsignedinteger] | type[np.signedinteger]:
    """The narrowest type for sort keys below `bound`: 32-bit keys sort almost twice as fast as 64-bit ones,
    and every build sorts millions of them."""
    return np.uint32 if bound < 1 << 32 else np.int64


def _unique_counts(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique keys and their counts (int32), by one sort in place (numpy's hash-based unique is
    several times slower on millions of int64 keys). `keys` is sorted as a side effect."""
    if not len(keys):
        return keys, np.empty(0, dtype=np.int32)
    new = _sort_and_mark_new(keys)
    unique = keys[new]
    starts = np.flatnonzero(new)
    del new
    counts = np.empty(len(starts), dtype=np.int32)
    np.subtract(starts[1:], starts[:-1], out=counts[:-1], casting="unsafe")
    counts[-1] = len(keys) - starts[-1]
    return unique, counts


def _unique_sorted(keys: np.ndarray) -> np.ndarray:
    """Sorted unique keys; `keys` is sorted in place."""
    return keys[_sort_and_mark_new(keys)] if len(keys) else keys


def _sort_and_mark_new(keys: np.ndarray) -> np.ndarray:
    keys.sort()  # in place: callers hand over a temporary
    new = np.empty(len(keys), dtype=bool)
    new[0] = True
    np.not_equal(keys[1:], keys[:-1], out=new[1:])
    return new


def bm25_idf(df: np.ndarray, n: int) -> np.ndarray:
    return np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)


def entry_vectors(
    rows: np.ndarray, weights: np.ndarray, indptr: np.ndarray, vectors: WordVectors
) -> tuple[np.ndarray, np.ndarray]:
    """Idf-weighted mean word vector of each entry, its first principal component removed, unit length.

    Entry i's words are the vector rows `rows[indptr[i]:indptr[i + 1]]` with their `weights`.
    Returns (vectors float32 [entries × dims], the removed component)."""
    dims = vectors.dims
    n = len(indptr) - 1
    out = np.zeros((n, dims), dtype=np.float32)
    # Each distinct row made float32 once (a row recurs in thousands of entries), then gathered per entry.
    used, at = np.unique(rows, return_inverse=True)
    table = vectors.of(used)
    bounds = indptr.tolist()
    for i, (start, end) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        if end > start:
            out[i] = weights[start:end] @ table[at[start:end]]
    component = _first_component(out)
    out -= np.outer(out @ component, component)
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
    return out, component
