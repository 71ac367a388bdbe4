"""Finding an initiative from what staff type: IDs, partial names, kana, typos and aliases (table-driven)."""

from __future__ import annotations

import pytest

from bot.errors import UserError
from bot.progress.matching import AmbiguousInitiative, InitiativeMatcher, SudachiReader, UnknownInitiative
from knowledge.kb import KnowledgeBase
from storage.progress import InitiativeRecord
from tests.rendering import error_text


@pytest.fixture(scope="module")
def matcher(bundled_kb: KnowledgeBase) -> InitiativeMatcher:
    records = [InitiativeRecord(i.id, i.name, i.reform, i.theme) for i in bundled_kb.initiatives]
    return InitiativeMatcher(records, {i.id: i.aliases for i in bundled_kb.initiatives}, SudachiReader())


@pytest.mark.parametrize(
    ("query", "initiative_id"),
    [
        # IDs, as typed or copied from `/dx 一覧`
        ("1-02", "1-02"),
        ("1-2", "1-02"),
        ("１－０２", "1-02"),
        ("1-02 書かない窓口", "1-02"),
        ("3-05", "3-05"),
        # names, partial names, aliases
        ("書かない窓口", "1-02"),
        ("書かない", "1-02"),
        ("かかない窓口", "1-02"),
        ("書かない窓", "1-02"),
        ("書かない窓口の件", "1-02"),
        ("電子決裁", "2-04"),
        ("電子決済", "1-03"),
        ("キャッシュレス", "1-03"),
        ("ガバクラ", "1-14"),
        ("標準化", "1-14"),
        ("生成AI", "2-02"),
        ("テレワーク", "3-01"),
        ("在宅勤務", "3-01"),
        ("SNS", "1-06"),
        ("ｓｎｓ", "1-06"),
        ("MaaS", "1-11"),
        ("コンビニ交付", "1-05"),
        ("ペーパーレス", "2-03"),
        ("放課後児童クラブ", "1-10"),
        # kana for kanji names, through readings
        ("がくどう", "1-10"),
        ("学童", "1-10"),
        ("ほうかご児童クラブ", "1-10"),
        ("ナッジ", "2-06"),
        ("なっじ", "2-06"),
        ("まーす", "1-11"),
        ("てれわーく", "3-01"),
        # typos
        ("書かない窓ロ", "1-02"),
        ("書かない窓ぐち", "1-02"),
        ("オンライン申精", "1-01"),
        ("テレワク", "3-01"),
        ("校務支援システム導入", "1-09"),
    ],
)
def test_resolve(matcher: InitiativeMatcher, query: str, initiative_id: str) -> None:
    assert matcher.resolve(query).id == initiative_id


@pytest.mark.parametrize(
    ("query", "includes"),
    [
        ("窓口", {"1-02", "1-04"}),
        ("電子", {"1-03", "2-04"}),
        ("システム", {"1-09", "1-15"}),
    ],
)
def test_ambiguous_queries_ask_which(matcher: InitiativeMatcher, query: str, includes: set[str]) -> None:
    with pytest.raises(AmbiguousInitiative) as caught:
        matcher.resolve(query, "報告 {id} 実施中")
    ids = {c.id for c in caught.value.candidates}
    assert includes <= ids
    assert 2 <= len(ids) <= InitiativeMatcher.MAX_CHOICES
    assert "どれですか" in error_text(caught.value)
    assert f"/dx 報告 {caught.value.candidates[0].id} 実施中" in error_text(caught.value)


@pytest.mark.parametrize("query", ["宇宙開発", "有給休暇", "ラーメン", "x", "！？"])
def test_unknown_initiatives(matcher: InitiativeMatcher, query: str) -> None:
    with pytest.raises(UnknownInitiative) as caught:
        matcher.resolve(query)
    assert "見つかりませんでした" in error_text(caught.value) and "/dx 一覧" in error_text(caught.value)


def test_an_id_that_does_not_exist_is_named(matcher: InitiativeMatcher) -> None:
    with pytest.raises(UserError) as caught:
        matcher.resolve("4-01")
    assert "ID「4-01」の取組みはありません" in error_text(caught.value)


def test_without_readings_kana_does_not_find_kanji(bundled_kb: KnowledgeBase) -> None:
    """The readings are what make がくどう work: without a reader the same query finds nothing."""
    records = [InitiativeRecord(i.id, i.name, i.reform, i.theme) for i in bundled_kb.initiatives]
    plain = InitiativeMatcher(records, {i.id: i.aliases for i in bundled_kb.initiatives})
    with pytest.raises(UnknownInitiative):
        plain.resolve("がくどう")
