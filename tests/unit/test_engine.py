"""The matching engine on a small FAQ of its own (table-driven), independent of the bundled plan."""

from __future__ import annotations

import pytest

from knowledge.analysis import Analyzer, Glossary
from knowledge.engine import AMBIGUOUS, ANSWERED, NO_ANSWER, FaqEngine
from knowledge.kb import FaqEntry, KnowledgeBase


def entry(entry_id: str, question: str, answer: str, *alternates: str) -> FaqEntry:
    return FaqEntry(id=entry_id, question=question, answer=answer, alternates=alternates, source="test")


KB = KnowledgeBase(
    entries=(
        entry("cloud", "ガバメントクラウドの利用は義務ですか？", "ガバメントクラウド利用は努力義務です。",
              "ガバクラは義務？", "ガバメントクラウド 義務"),
        entry("leader-size", "DX推進リーダーは何人ですか？", "DX推進リーダーは10名程度です。",
              "DXリーダーの人数", "DX推進リーダーって何人いる？"),
        entry("leader-role", "DX推進リーダーの役割は何ですか？", "各課の課題をもとに全庁のDX施策を検討して本部に報告します。",
              "DXリーダーは何をする人？", "DX推進リーダー 役割"),
        entry("hq-size", "推進本部は何人ですか？", "スマートシティ江津推進本部は47人です。",
              "本部の人数", "推進本部 メンバー数"),
        entry("kanjikai-size", "推進本部監事会は何人ですか？", "推進本部監事会は11人です。",
              "監事会の人数", "監事会って何人？"),
        entry("payment", "電子決済の取組みは何ですか？", "キャッシュレス決済の推進です。",
              "キャッシュレス決済", "電子決済って何"),
        entry("approval", "電子決裁の取組みはどのテーマですか？", "事務のペーパーレス化のテーマです。",
              "決裁の電子化", "電子決裁 テーマ"),
        entry("convenience", "住民票をコンビニで取れるようにする取組みはありますか？", "住民票等のコンビニ交付です。",
              "コンビニ交付", "コンビニで住民票"),
    ),
    synonyms=(("ガバメントクラウド", "ガバクラ"), ("DX推進リーダー", "DXリーダー")),
)


@pytest.fixture(scope="module")
def engine() -> FaqEngine:
    return FaqEngine(KB)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("ガバクラは義務？", "cloud"),
        ("がばくら ぎむ", "cloud"),  # all hiragana
        ("ｶﾞﾊﾞｸﾗの利用って義務なの", "cloud"),  # half-width kana
        ("ＤＸ推進リーダーの人数", "leader-size"),  # full-width
        ("DXリーダー何人？", "leader-size"),
        ("DXリーダーの役割って", "leader-role"),
        ("監事会の人数は？", "kanjikai-size"),
        ("監時会って何人", "kanjikai-size"),  # typo
        ("推進本部の人数", "hq-size"),
        ("電子決裁はどのテーマ", "approval"),
        ("キャッシュレス", "payment"),
        ("コンビニで住民票がとれる？", "convenience"),
    ],
)
def test_question_finds_its_entry_first(engine: FaqEngine, question: str, expected: str) -> None:
    result = engine.match(question)
    assert result.candidates[0].entry_id == expected


@pytest.mark.parametrize(
    "question",
    ["有給休暇の申請方法を教えて", "プリンターが壊れた", "明日の天気は？", "江津市の観光名所は", "駐車場の場所"],
)
def test_unrelated_questions_are_not_answered(engine: FaqEngine, question: str) -> None:
    assert engine.match(question).status != ANSWERED


def test_clear_question_is_answered_with_entry(engine: FaqEngine) -> None:
    result = engine.match("ガバクラは義務？")
    assert result.status == ANSWERED
    assert result.entry is not None and result.entry.id == "cloud"
    assert 0.0 <= result.score <= 1.0


def test_scores_are_probabilities_and_ranked(engine: FaqEngine) -> None:
    for question in ["DX推進リーダー", "監事会", "有給", "ガバクラ"]:
        result = engine.match(question, top=5)
        scores = [c.score for c in result.candidates]
        assert all(0.0 <= s <= 1.0 for s in scores)
        assert scores == sorted(scores, reverse=True)


def test_vague_keyword_gets_choices_not_an_answer(plan_engine: FaqEngine) -> None:
    # 「WG」 alone fits how many WGs there are, what they do, who is in them…
    result = plan_engine.match("WG")
    assert result.status == AMBIGUOUS
    assert result.entry is None
    assert len(result.candidates) == 3
    assert all(c.entry_id.startswith("org-wg") for c in result.candidates)


def test_both_readings_of_a_vague_question_are_offered(engine: FaqEngine) -> None:
    result = engine.match("DXリーダー")
    assert {c.entry_id for c in result.candidates[:2]} == {"leader-size", "leader-role"}


def test_top_controls_number_of_candidates(engine: FaqEngine) -> None:
    assert len(engine.match("DX推進リーダー", top=1).candidates) == 1
    assert len(engine.match("DX推進リーダー", top=5).candidates) <= 5
    assert engine.match("DX推進リーダー", top=0).candidates == ()


@pytest.mark.parametrize("question", ["", "   ", "？？？", "!!!", "\u3000"])
def test_empty_or_symbol_only_input_gives_no_answer(engine: FaqEngine, question: str) -> None:
    result = engine.match(question)
    assert result.status == NO_ANSWER
    assert result.entry is None


def test_glossary_expands_abbreviations() -> None:
    analyzer = Analyzer(Glossary([("ガバメントクラウド", "ガバクラ", "ガバクラウド")]))
    assert analyzer.analyze("がばくらは？").concepts == analyzer.analyze("ガバメントクラウドは？").concepts
    assert analyzer.analyze("ガバクラ").concepts != ()


def test_ascii_glossary_terms_need_word_boundaries() -> None:
    glossary = Glossary([("人工知能", "AI")])
    assert glossary.concepts_in("aiの活用") != []
    assert glossary.concepts_in("mailの送り方") == []


SINGLE = KnowledgeBase(
    entries=(
        entry("mynumber-lost", "マイナンバーカードをなくしました。", "警察に遺失届を出し、市民課で再交付を申請してください。"),
        entry("welfare", "生活保護の相談はどこですか。", "福祉課の窓口で相談を受け付けています。"),
        entry("resident-card", "住民票の写しを取りたいのですが。", "市民課窓口で請求できます。手数料は300円です。"),
        entry("tax-card", "市税をクレジットカードで払えますか。", "納付書のバーコードでスマホ決済やカード払いができます。"),
    ),
)


@pytest.fixture(scope="module")
def single_engine() -> FaqEngine:
    return FaqEngine(SINGLE)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("マイナ なくした", "mynumber-lost"),  # katakana clipped word: マイナ → マイナンバーカード
        ("生保 相談", "welfare"),  # an unknown word whose characters come in order in a known one
        ("クレカで市税", "tax-card"),
        ("じゅうみんひょう とりたい", "resident-card"),  # kana only: the reading carries it
    ],
)
def test_abbreviations_and_kana_find_their_entry(single_engine: FaqEngine, question: str, expected: str) -> None:
    assert single_engine.match(question).candidates[0].entry_id == expected


def test_single_phrasing_faq_uses_its_own_ranking_model(single_engine: FaqEngine, engine: FaqEngine) -> None:
    assert single_engine.single_phrasing and not engine.single_phrasing
    assert single_engine.ranking_weights() is not engine.ranking_weights()


def test_abbreviation_guess_needs_few_fits(single_engine: FaqEngine) -> None:
    assert single_engine._abbreviated("マイナ") != ()
    assert single_engine._abbreviated("住民票") == ()  # a known word that is no katakana clip
    assert single_engine._abbreviated("ラーメン") == ()


def test_abbreviation_guesses_are_remembered_per_word(single_engine: FaqEngine) -> None:
    first = single_engine._abbreviated("マイナ")
    assert single_engine._abbreviated("マイナ") == first == single_engine._find_abbreviated("マイナ")
    assert single_engine._abbreviations["マイナ"] == first


def test_parts_of_speech_are_remembered_and_the_same() -> None:
    analyzer = Analyzer()
    text = "窓口は市民課です。担当は山田太郎さんです。"
    first = analyzer.parts_of_speech(text)
    assert ("山田", ("名詞", "固有名詞", "人名", "姓", "*", "*")) in first
    assert analyzer.parts_of_speech(text) == first == Analyzer().parts_of_speech(text)
    first.clear()  # a caller's list is its own: the memo keeps its copy
    assert analyzer.parts_of_speech(text) != []


def test_word_id_says_the_part_of_speech() -> None:
    """The analyzer's word memo is keyed by word id without the part of speech: a dictionary word's id has one
    part of speech, and Sudachi numbers an unknown word 15 << 28 | its part of speech."""
    from sudachipy import SplitMode

    from knowledge.analysis import _OOV_WORDS, sudachi_dictionary

    tokenizer = sudachi_dictionary().tokenizer(SplitMode.C)
    seen: dict[int, int] = {}
    unknown = 0
    for text in ("ぴよぴよ体操とﾎﾟﾌﾟﾘｶ教室の申込", "zqxv社のクラウド基盤をモダナイズする", "2031年度に改定"):
        for m in tokenizer.tokenize(text, SplitMode.C):
            word_id, pos_id = m.word_id(), m.part_of_speech_id()
            assert seen.setdefault(word_id, pos_id) == pos_id
            if word_id >= _OOV_WORDS:
                unknown += 1
                assert word_id - _OOV_WORDS == pos_id
    assert unknown  # the texts have words the dictionary lacks


def test_expansion_neighbours_are_remembered_per_row() -> None:
    engine = FaqEngine(SINGLE, vectors=True)
    rows = engine._vector_rows(["申請", "窓口"])
    engine._expansion_memo.clear()  # the build's calibration asked questions too
    first = engine._expansions(rows, set())
    assert first[0]  # some knowledge-base word is near
    assert set(engine._expansion_memo) == {r for r in rows.tolist() if r >= 0}
    assert engine._expansions(rows, set()) == first
    engine._expansion_memo.clear()
    assert engine._expansions(rows, set()) == first  # made again the same
    # A word already taken is not taken again, and each question word adds at most EXPAND_PER_WORD.
    taken = set(first[0][:1])
    again = engine._expansions(rows, taken)
    assert first[0][0] not in again[0]
    assert len(again[0]) <= 3 * len([r for r in rows.tolist() if r >= 0])


def test_phrase_bigram_sets_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import knowledge.engine as engine_module

    engine = FaqEngine(SINGLE)
    question = "住民票の写しを取りたい"
    expected = engine.match(question).candidates
    kept = dict(engine._phrase_bigram_sets)
    assert kept  # Dice's sets of the phrasings compared
    engine.match("マイナンバーカード なくした")
    assert set(kept) <= set(engine._phrase_bigram_sets)  # under the bound nothing is dropped
    monkeypatch.setattr(engine_module, "_PHRASE_SETS_KEPT", 1)
    engine._phrase_bigram_sets["stale"] = frozenset({"古い"})  # type: ignore[index]
    assert engine.match(question).candidates == expected  # the full sets were dropped, made again the same
    assert "stale" not in engine._phrase_bigram_sets
    assert set(engine._phrase_bigram_sets) <= set(range(len(SINGLE.entries)))


def test_prepared_question_is_remembered_per_analysis() -> None:
    engine = FaqEngine(SINGLE, vectors=True)
    analysis = engine.analyzer.analyze("マイナンバーカード なくした")
    first = engine._rank(analysis)
    prepared = engine._queries[id(analysis)]
    assert prepared.analysis is analysis and engine._prepared(analysis) is prepared
    engine._queries.clear()
    again = engine._rank(analysis)  # made again: the same ranking
    assert [(i, p) for i, p, _ in again] == [(i, p) for i, p, _ in first]
    # An entry left by another analysis under the same key is not taken for this one.
    other = engine.analyzer.analyze("生活保護の相談")
    engine._queries[id(other)] = engine._queries[id(analysis)]
    assert engine._prepared(other).analysis is other


def test_prepared_questions_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import knowledge.engine as engine_module

    engine = FaqEngine(SINGLE)
    monkeypatch.setattr(engine_module, "_QUERIES_KEPT", 2)
    for question in ("住民票の写し", "市税 カード", "生活保護 相談", "マイナ なくした"):
        engine.match(question)
    assert len(engine._queries) <= 2
