"""Retrieval parts on their own: BM25 postings, the index cache, word-vector expansion, long answers."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from knowledge import index_cache
from knowledge.analysis import Analyzer, Glossary
from knowledge.engine import FaqEngine
from knowledge.kb import FaqEntry, KnowledgeBase, load_kb
from knowledge.retrieval import (
    FieldParams,
    FieldPostings,
    GrowingVocabulary,
    Postings,
    Presence,
    _heaviest_first,
    _sort_heaviest_first,
    bm25_idf,
)
from knowledge.vectors import bundled_vectors


def entry(entry_id: str, question: str, answer: str) -> FaqEntry:
    return FaqEntry(id=entry_id, question=question, answer=answer)


KB = KnowledgeBase(
    entries=(
        entry("nursery", "認定こども園の入園申込みはどうすればいいですか", "入園の申込みは子育て支援課の窓口で受け付けます。"),
        entry("garbage", "粗大ごみの出し方を教えてください", "粗大ごみは事前に申し込み、指定の日に出してください。"),
        entry("tax", "固定資産税の納付方法は", "固定資産税は口座振替、コンビニ、スマートフォン決済で納められます。"),
        entry("juminhyo", "住民票の写しを取りたい", "市民課の窓口かコンビニで取得できます。手数料は300円です。"),
        entry("dog", "犬の登録をしたい", "生後91日以上の犬は登録と狂犬病予防注射が必要です。"),
    )
)


def test_postings_hold_the_bm25_contribution_of_each_term() -> None:
    docs = [np.array(d, dtype=np.int32) for d in ([0, 1, 1, 2], [1, 3], [0, 0, 0, 3, 4, 4])]
    params = FieldParams(1.0, 1.2, 0.75)
    df = np.array([2, 2, 1, 2, 1])
    idf = bm25_idf(df, 3)
    postings = Postings.build(docs, 5, idf, params)
    avg = sum(len(d) for d in docs) / 3
    for term in range(5):
        ids, weights = postings.gather(np.array([term]), np.array([1.0]), cap=10)
        got = dict(zip(ids.tolist(), weights.tolist(), strict=True))
        expected = {}
        for doc_id, doc in enumerate(docs):
            tf = Counter(doc.tolist())[term]
            if tf:
                norm = 1.2 * (1 - 0.75 + 0.75 * len(doc) / avg)
                expected[doc_id] = float(idf[term]) * tf * 2.2 / (tf + norm)
        assert got.keys() == expected.keys()
        for doc_id, value in expected.items():
            assert math.isclose(got[doc_id], value, rel_tol=1e-5)
        # Sorted by contribution, so a cap keeps the heaviest postings.
        assert list(got.values()) == sorted(got.values(), reverse=True)


def test_a_warm_engine_from_the_cache_answers_exactly_as_a_fresh_build(tmp_path: Path) -> None:
    fresh = FaqEngine(KB)
    cold = FaqEngine(KB, cache_dir=tmp_path)
    files = list(tmp_path.glob("index-*.idx"))
    assert len(files) == 1
    warm = FaqEngine(KB, cache_dir=tmp_path)
    for question in ("保育園に入りたい", "ごみを出したい", "税金 払い方", "住民票", "わんちゃん 登録"):
        results = [e.match(question, top=5) for e in (fresh, cold, warm)]
        assert results[0] == results[1] == results[2]


def test_a_changed_knowledge_base_does_not_reuse_the_old_index(tmp_path: Path) -> None:
    FaqEngine(KB, cache_dir=tmp_path)
    changed = replace(KB, entries=(*KB.entries, entry("cat", "猫の飼い方", "猫は室内で飼いましょう。")))
    engine = FaqEngine(changed, cache_dir=tmp_path)
    assert engine.match("猫の飼い方").candidates[0].entry_id == "cat"
    assert len(list(tmp_path.glob("index-*.idx"))) == 2


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped byte", "empty", "other key"])
def test_a_corrupt_or_foreign_cache_file_is_rebuilt_not_trusted(tmp_path: Path, damage: str) -> None:
    expected = FaqEngine(KB).match("住民票の写しを取りたい", top=5)
    FaqEngine(KB, cache_dir=tmp_path)
    [path] = tmp_path.glob("index-*.idx")
    if damage == "garbage":
        path.write_bytes(b"not an index")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "flipped byte":
        # One bit of the last array's bytes: the file still parses, only its checksum can tell.
        data = bytearray(path.read_bytes())
        data[-1] ^= 0x01
        path.write_bytes(bytes(data))
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        # A valid archive that claims another knowledge base: the stored key decides, not the file name.
        key = FaqEngine(KB).cache_key()
        arrays = index_cache.load(tmp_path, key)
        assert arrays is not None
        index_cache.save(tmp_path, "0" * 64, arrays)
        (tmp_path / f"index-{'0' * 32}.idx").replace(path)
    assert index_cache.load(tmp_path, FaqEngine(KB).cache_key()) is None
    engine = FaqEngine(KB, cache_dir=tmp_path)
    assert engine.match("住民票の写しを取りたい", top=5) == expected
    assert index_cache.load(tmp_path, engine.cache_key()) is not None


def test_the_cache_key_follows_content_not_object_identity() -> None:
    same = KnowledgeBase(entries=tuple(replace(e) for e in KB.entries))
    assert FaqEngine(KB).cache_key() == FaqEngine(same).cache_key()
    edited = replace(KB, entries=(replace(KB.entries[0], answer="変更しました。"), *KB.entries[1:]))
    assert FaqEngine(edited).cache_key() != FaqEngine(KB).cache_key()


def test_the_shipped_vectors_are_loaded() -> None:
    vectors = bundled_vectors()
    assert vectors is not None
    assert vectors.quantized.shape == (20000, 300)
    assert np.allclose(np.linalg.norm(vectors.of(np.arange(100)), axis=1), 1.0, atol=0.02)


def test_word_vectors_find_an_entry_that_shares_no_word_with_the_question() -> None:
    # 保育園 and こども園 share no word and no character bigram; chiVe puts them side by side, so the
    # question is expanded with こども園 (BM25 rises) and its mean vector is close to the entry's.
    question = "保育園に入りたい"
    assert FaqEngine(KB).match(question, top=3).candidates[0].entry_id == "nursery"
    with_vectors = {entry_id: f for entry_id, _, f in FaqEngine(KB).explain(question, top=5)}
    without = {entry_id: f for entry_id, _, f in FaqEngine(KB, vectors=False).explain(question, top=5)}
    assert with_vectors["nursery"].retrieval > without["nursery"].retrieval
    assert with_vectors["nursery"].cosine > 0.3 and without["nursery"].cosine == 0.0


def test_a_very_long_answer_is_indexed_in_pieces() -> None:
    # Sudachi refuses more than ~48 KB at once; a pasted manual as an answer must still load.
    long_answer = "申請書は市民課で受け付けます。" * 4000 + "最後に特別な単語アルパカ牧場があります。"
    kb = KnowledgeBase(entries=(*KB.entries, entry("manual", "手引き", long_answer)))
    assert FaqEngine(kb).match("アルパカ牧場", top=1).candidates[0].entry_id == "manual"


def test_a_capped_term_keeps_its_heaviest_postings() -> None:
    # Term 0 is in every document, with tf 1..6 in documents of one length: the cap must keep the largest tf.
    docs = [np.array([0] * tf + [1] * (6 - tf), dtype=np.int32) for tf in (3, 1, 6, 2, 5, 4)]
    postings = Postings.build(docs, 2, bm25_idf(np.array([6, 5]), 6), FieldParams(1.0, 1.2, 0.75), cap=2)
    ids, _ = postings.gather(np.array([0]), np.array([1.0]), cap=2)
    assert ids.tolist() == [2, 4]


def test_the_index_analysis_of_many_texts_is_that_of_each_text() -> None:
    kb = load_kb()
    analyzer = Analyzer(Glossary(kb.synonyms))
    texts = [e.answer for e in kb.entries[:60]] + [p for e in kb.entries[:60] for p in e.phrasings]
    vocabulary = GrowingVocabulary()
    indexed = analyzer.index_texts(texts, vocabulary.encode, question_words=False, keep_words=True)
    terms = list(vocabulary.ids)
    assert sum(text.count("。") > 1 for text in texts) > 10  # answers of several sentences
    for text, words, ids, folded in zip(texts, indexed.words or (), indexed.word_ids, indexed.folded, strict=True):
        alone = analyzer.analyze(text, question_words=False)
        assert list(words) == list(alone.word_terms) == [terms[i] for i in ids.tolist()]
        assert folded == alone.folded


def _indexed(analyzer: Analyzer, texts: list[str]) -> tuple[list[list[str]], list[str], list[int]]:
    vocabulary = GrowingVocabulary()
    indexed = analyzer.index_texts(texts, vocabulary.encode, keep_words=True)
    terms = list(vocabulary.ids)
    return [[terms[i] for i in ids.tolist()] for ids in indexed.word_ids], indexed.folded, indexed.reading_codes.tolist()


def count_forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """From now on, the pids of the tokenizer helpers knowledge.analysis forks (the fork itself is real)."""
    import knowledge.analysis as analysis

    forks: list[int] = []
    real_fork = analysis.os.fork

    def counted_fork() -> int:
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(analysis.os, "fork", counted_fork)
    return forks


def test_a_forked_helper_tokenizes_half_a_long_build_with_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    import knowledge.analysis as analysis

    kb = load_kb()
    texts = [e.answer for e in kb.entries] + [p for e in kb.entries for p in e.phrasings]
    analyzer = Analyzer(Glossary(kb.synonyms))
    alone = _indexed(analyzer, texts)  # the bundled KB is under PARALLEL_MIN_SENTENCES: no fork
    forks = count_forks(monkeypatch)
    monkeypatch.setattr(analysis, "PARALLEL_MIN_SENTENCES", 2)
    monkeypatch.setattr(analysis, "_can_fork", lambda: True)
    assert _indexed(Analyzer(Glossary(kb.synonyms)), texts) == alone
    assert len(forks) == 1


def test_a_failed_helper_costs_only_time(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    import knowledge.analysis as analysis

    texts = ["住民票の写しは市民課で受け取れます。手数料は300円です。", "マイナンバーカードの申請。", "ごみの出し方"]
    alone = _indexed(Analyzer(), texts)

    class BrokenMarshal:
        loads = staticmethod(analysis.marshal.loads)

        @staticmethod
        def dumps(value: object) -> bytes:
            raise ValueError("the helper fails")

    monkeypatch.setattr(analysis, "PARALLEL_MIN_SENTENCES", 2)
    monkeypatch.setattr(analysis, "_can_fork", lambda: True)
    monkeypatch.setattr(analysis, "marshal", BrokenMarshal)
    assert _indexed(Analyzer(), texts) == alone
    assert "helper process failed" in caplog.text


@pytest.mark.parametrize("seed", range(20))
def test_heaviest_first_by_one_key_is_lexsort(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_docs = int(rng.integers(1, 5000))
    terms = np.sort(rng.integers(0, 40, int(rng.integers(1, 2000)))).astype(np.int32)
    docs = np.concatenate([
        np.sort(rng.choice(max(n_docs, 2000), int((terms == t).sum()), replace=False)) for t in np.unique(terms)
    ]).astype(np.int32)
    # Ties in weight (a few values) must come by document, as lexsort leaves them.
    values = np.array([0.5, 1.0, 1.5], dtype=np.float32) if seed % 2 else rng.random(50).astype(np.float32) + 0.01
    weights = rng.choice(values, len(terms))
    expected = np.lexsort((-weights, terms))
    assert _heaviest_first(terms, weights, docs, len(np.unique(terms)), max(n_docs, 2000)).tolist() == expected.tolist()
    # The same order read back from the sorted keys: documents and weights, bit for bit.
    sorted_docs, sorted_weights = _sort_heaviest_first(terms, weights, docs, len(np.unique(terms)), max(n_docs, 2000))
    assert sorted_docs.tolist() == docs[expected].tolist()
    assert sorted_weights.dtype == np.float32 and sorted_weights.tobytes() == weights[expected].tobytes()


def test_merged_presence_answers_as_each_kind_does() -> None:
    rng = np.random.default_rng(7)
    kinds = []
    for n_terms in (30, 50, 20):
        pairs_term = rng.integers(0, n_terms, 400)
        pairs_entry = rng.integers(0, 25, 400)
        kinds.append((Presence.build(pairs_term, pairs_entry, 25, n_terms), n_terms))
    offsets = [0, 30, 80]
    merged = Presence.merged([(p.indptr, p.terms, o) for (p, _), o in zip(kinds, offsets, strict=True)])
    candidates = np.array([3, 0, 24, 11, 7])
    for (presence, n_terms), offset in zip(kinds, offsets, strict=True):
        terms = list(range(n_terms))
        assert (merged.contains([t + offset for t in terms], candidates) == presence.contains(terms, candidates)).all()


def test_cold_warm_and_one_process_builds_answer_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same engine three ways: built in one process (DXBOT_INDEX_PROCESSES=1), built with the forked
    helpers (here for any build, not only a long one: tokenizing, the bigrams and readings, and half the
    calibration's rankings) and
    written to the cache, and read back from that cache. Thresholds (fitted on the city FAQ at load), answers, candidates and scores all agree."""
    import knowledge.analysis as analysis
    import knowledge.engine as engine_module
    from knowledge.evaluation import read_jsonl

    eval_dir = Path(__file__).resolve().parents[1] / "eval"
    kb = load_kb(eval_dir / "cityfaq.csv")
    questions = [row["q"] for row in read_jsonl(eval_dir / "cityfaq_queries.jsonl")][:120]
    forks = count_forks(monkeypatch)
    monkeypatch.setattr(analysis, "PARALLEL_MIN_SENTENCES", 2)
    monkeypatch.setenv("DXBOT_INDEX_PROCESSES", "1")
    alone = FaqEngine(kb)
    assert forks == []
    monkeypatch.delenv("DXBOT_INDEX_PROCESSES")
    monkeypatch.setattr(analysis, "_can_fork", lambda: True)  # pytest's own threads would rule the fork out
    monkeypatch.setattr(engine_module, "PARALLEL_ENTRIES", 2)
    cold = FaqEngine(kb, cache_dir=tmp_path)
    assert len(forks) == 4  # the phrasings, the answers, the bigrams and readings, the calibration's rankings
    warm = FaqEngine(kb, cache_dir=tmp_path)
    assert len(forks) == 4 and warm.thresholds.basis == "cached"
    assert (alone.thresholds.answer, alone.thresholds.suggest) == (cold.thresholds.answer, cold.thresholds.suggest)
    assert (cold.thresholds.answer, cold.thresholds.suggest) == (warm.thresholds.answer, warm.thresholds.suggest)
    for question in questions:
        expected = alone.match(question, top=10)
        assert cold.match(question, top=10) == expected
        assert warm.match(question, top=10) == expected


@pytest.mark.parametrize("seed", range(6))
def test_presence_contains_is_membership_in_each_entrys_terms(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_entries, n_terms = 40, int(rng.integers(5, 400))
    pairs_term = rng.integers(0, n_terms, int(rng.integers(0, 900)))
    pairs_entry = rng.integers(0, n_entries, len(pairs_term))
    presence = Presence.build(pairs_term, pairs_entry, n_entries, n_terms)
    has = {(int(e), int(t)) for e, t in zip(pairs_entry, pairs_term, strict=True)}
    candidates = rng.choice(n_entries, int(rng.integers(1, n_entries)), replace=False)
    terms = [int(t) for t in rng.integers(0, n_terms + 5, int(rng.integers(1, 30)))]  # unsorted, some unknown
    expected = np.array([[(int(c), t) in has for c in candidates] for t in terms], dtype=bool).reshape(len(terms), -1)
    mask = presence.contains(terms, candidates)
    assert (mask == expected).all() and mask.flags["C_CONTIGUOUS"]
    # Only terms every entry may have (no term id to set aside), and a negative id among them.
    for asked in ([t for t in terms if t < n_terms] or [0], [*terms[:3], -1]):
        wanted = np.array([[(int(c), t) in has for c in candidates] for t in asked], dtype=bool).reshape(len(asked), -1)
        assert (presence.contains(asked, candidates) == wanted).all()
    # The same answer where the keys no longer fit in 32 bits.
    wide = Presence(presence.indptr, presence.terms, n_terms + 5)
    wide.__dict__["span"] = 1 << 30
    assert (wide.contains(terms, candidates) == expected).all()


def test_field_postings_read_together_are_each_fields_postings_in_turn() -> None:
    rng = np.random.default_rng(3)
    fields = {}
    for name, n_terms in (("qw", 12), ("qb", 30), ("aw", 8)):
        docs = [rng.integers(0, n_terms, int(rng.integers(0, 15))).astype(np.int32) for _ in range(20)]
        idf = bm25_idf(np.bincount(np.concatenate(docs), minlength=n_terms), 20)
        fields[name] = Postings.build(docs, n_terms, idf, FieldParams(1.0, 1.2, 0.75), cap=3)
    queries = [
        ("qb", [4, 0, 29, 4], np.array([0.5, 1.0, 1.0, 2.0], dtype=np.float32)),
        ("aw", [7], np.array([0.3], dtype=np.float32)),
        ("qw", [11, 2, 5], np.array([1.0, 1.0, 1.0], dtype=np.float32)),
    ]
    together = FieldPostings(fields).gather(queries, cap=3)
    apart = [fields[name].gather(np.asarray(ids), scales, cap=3) for name, ids, scales in queries]
    assert together[0].tolist() == np.concatenate([d for d, _ in apart]).tolist()
    assert together[1].tolist() == np.concatenate([w for _, w in apart]).tolist()
    assert FieldPostings(fields).gather([], cap=3)[0].size == 0
    # Two groups in one pass: each group's postings, as gathered alone.
    for cut in range(len(queries) + 1):
        first, second = FieldPostings(fields).gather_two(queries[:cut], queries[cut:], cap=3)
        for part, alone in ((first, queries[:cut]), (second, queries[cut:])):
            expected = FieldPostings(fields).gather(alone, cap=3)
            assert part[0].tolist() == expected[0].tolist() and part[1].tolist() == expected[1].tolist()
    # A prepared reading gathers the same postings every time it is read (the weights are scaled in a copy).
    together_two = FieldPostings(fields).gather_two(queries[:1], queries[1:], cap=3)
    prepared = FieldPostings(fields).prepare_two(queries[:1], queries[1:], cap=3)
    for _ in range(2):
        again = FieldPostings.gather_prepared(prepared)
        for part, expected_part in zip(again, together_two, strict=True):
            assert part[0].tolist() == expected_part[0].tolist() and part[1].tolist() == expected_part[1].tolist()
    assert FieldPostings.gather_prepared(FieldPostings(fields).prepare_two([], [], cap=3))[0][0].size == 0


def test_a_remembered_analysis_is_what_a_fresh_analyzer_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    import knowledge.analysis as analysis

    glossary = [["ガバメントクラウド", "ガバクラ"]]
    analyzer = Analyzer(Glossary(glossary))
    first = analyzer.analyze("ガバクラへの移行はいつ？")
    assert analyzer.analyze("ガバクラへの移行はいつ？") is first
    assert Analyzer(Glossary(glossary)).analyze("ガバクラへの移行はいつ？") == first
    # Question words are kept or not as asked, whatever was remembered before.
    assert "イツ" in first.words or "いつ" in first.words
    assert analyzer.analyze("ガバクラへの移行はいつ？", question_words=False).words != first.words
    monkeypatch.setattr(analysis, "ANALYSIS_MEMO_TEXTS", 3)
    for n in range(10):
        analyzer.analyze(f"住民票の写しを{n}通")
    assert len(analyzer._analyses) == 3


def test_a_cache_file_without_an_array_the_engine_needs_is_rebuilt(tmp_path: Path) -> None:
    """A file of an older layout (here: without the folded phrasings) has a valid key and checksums, yet is
    rebuilt rather than half restored."""
    expected = FaqEngine(KB).match("住民票の写しを取りたい", top=5)
    key = FaqEngine(KB, cache_dir=tmp_path).cache_key()
    arrays = index_cache.load(tmp_path, key)
    assert arrays is not None
    index_cache.save(tmp_path, key, {name: array for name, array in arrays.items() if name != "phrasing_keys"})
    engine = FaqEngine(KB, cache_dir=tmp_path)
    assert engine.thresholds.basis != "cached"
    assert engine.match("住民票の写しを取りたい", top=5) == expected
    restored = index_cache.load(tmp_path, key)
    assert restored is not None and "phrasing_keys" in restored


def test_the_index_cache_gives_back_every_array_as_saved_and_read_only(tmp_path: Path) -> None:
    arrays = {
        "flags": np.array([True, False, True]),
        "bytes": np.frombuffer("住民票\n".encode(), dtype=np.uint8),
        "ids": np.arange(7, dtype=np.int32),
        "offsets": np.array([0, 1 << 40], dtype=np.int64),
        "weights": np.linspace(0, 1, 5, dtype=np.float32),
        "matrix": np.arange(12, dtype=np.float64).reshape(3, 4),
        "columns": np.asfortranarray(np.arange(6, dtype=np.int16).reshape(2, 3)),
        "empty": np.empty(0, dtype=np.int32),
    }
    index_cache.save(tmp_path, "k" * 64, arrays)
    loaded = index_cache.load(tmp_path, "k" * 64)
    assert loaded is not None and loaded.keys() == arrays.keys()
    for name, array in arrays.items():
        assert loaded[name].dtype == array.dtype and loaded[name].shape == array.shape
        assert np.array_equal(loaded[name], array), name
        assert not loaded[name].flags.writeable
        assert loaded[name].ctypes.data % 8 == 0 or not loaded[name].size  # aligned: no slow unaligned access
    assert index_cache.load(tmp_path, "j" * 64) is None  # another key: another file


@pytest.mark.parametrize("text", ["", "ア", "アイ", "ジユウミンヒヨウ", "ああああ", "第1.3版"])
def test_a_phrasings_bigram_set_is_that_of_its_bigrams(text: str) -> None:
    from knowledge.engine import _bigram_set
    from knowledge.normalize import char_ngrams

    assert _bigram_set(text) == frozenset(char_ngrams(text, 2))
