"""What a question asks for (knowledge/question_types.py), and the engine's check of it."""

from __future__ import annotations

import pytest

from knowledge.engine import ANSWERED, NO_ANSWER, FaqEngine
from knowledge.kb import FaqEntry
from knowledge.question_types import Asks, asked_types, fills

ASKED = [
    ("DX推進リーダーの名前を教えて", {Asks.PERSON_NAME}),
    ("監事会の会長の氏名は？", {Asks.PERSON_NAME}),
    ("WG③の名前は？", set()),
    ("推進本部は何人？", {Asks.COUNT}),
    ("2026年度末の数値目標はどんな目線？", set()),
    ("計画期間はいつから？", {Asks.SINCE}),
    ("計画期間はいつまで？", {Asks.UNTIL}),
    ("デジタル庁はいつできた？", {Asks.WHEN}),
    ("ガバメントクラウドの費用はいくら？", {Asks.AMOUNT}),
    ("ITパスポートの受験料は出る？", {Asks.AMOUNT}),
    ("生成AIはどのサービスを使っている？", {Asks.PRODUCT}),
    ("被災者支援システムのベンダーはどこ？", {Asks.PRODUCT}),
    ("BPRって何の略？", {Asks.LONG_FORM}),
    ("DXのDって何の略？", set()),
    ("政策企画課の電話番号は？", {Asks.CONTACT}),
    ("電子決裁の担当課はどこ？", {Asks.DEPARTMENT}),
    ("DXとは何ですか", set()),
]


@pytest.mark.parametrize(("question", "asks"), ASKED)
def test_what_a_question_asks_for(question: str, asks: set[Asks]) -> None:
    assert asked_types(question) == asks


def _entry(answer: str) -> FaqEntry:
    return FaqEntry(id="x", question="q", answer=answer)


@pytest.mark.parametrize(
    ("asks", "answer", "question", "expected"),
    [
        (Asks.COUNT, "DX推進リーダーは10名程度です。", "何人", True),
        (Asks.COUNT, "全職員の中から選定されます。", "何人", False),
        (Asks.SINCE, "2022年度から2026年度の5年間です。", "いつから", True),
        (Asks.UNTIL, "KPIは2023年度末までに設定します。", "いつまで", True),
        (Asks.SINCE, "KPIは2023年度末までに設定します。", "いつから", False),
        (Asks.LONG_FORM, "BPR（ビジネス・プロセス・リエンジニアリング）は手法です。", "BPRって何の略", True),
        (Asks.LONG_FORM, "推進体制では、市長がCDOです。", "CDOって何の略", False),
        (Asks.AMOUNT, "手数料は300円です。", "いくら", True),
        (Asks.AMOUNT, "キャッシュレス決済の推進です。", "いくら", False),
    ],
)
def test_whether_an_answer_fills_it(plan_engine: FaqEngine, asks: Asks, answer: str, question: str, expected: bool) -> None:
    assert fills(asks, _entry(answer), question, plan_engine.analyzer) is expected


def test_a_person_name_and_a_product_are_told_by_their_part_of_speech(plan_engine: FaqEngine) -> None:
    analyzer = plan_engine.analyzer
    assert fills(Asks.PERSON_NAME, _entry("担当は山田太郎です。"), "名前", analyzer)
    assert not fills(Asks.PERSON_NAME, _entry("DX推進リーダーは10名程度です。"), "名前", analyzer)
    assert fills(Asks.PRODUCT, _entry("ChatGPTを使っています。"), "どのサービス", analyzer)
    assert not fills(Asks.PRODUCT, _entry("生成AIの活用は表②の取組みです。"), "どのサービス", analyzer)


@pytest.mark.parametrize(
    ("question", "statement", "topic"),
    [
        ("DX推進リーダーの名前を教えて", "計画には担当者の名前は書かれていません。", "10名程度"),
        ("生成AIはどのサービスを使っている？", "計画には利用するサービスや製品の名前は書かれていません。", "生成AI"),
        ("CDOって何の略？", "計画にはCDOの正式名称（略さない言い方）は書かれていません。", "市長"),
    ],
)
def test_a_topic_the_plan_covers_without_what_is_asked_gets_a_plain_statement(
    plan_engine: FaqEngine, question: str, statement: str, topic: str
) -> None:
    result = plan_engine.match(question)
    assert result.status == NO_ANSWER and result.entry is None
    assert result.note is not None and result.note.startswith(statement), result.note
    assert topic in result.note


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("DXとは何ですか", "dx-what"),
        ("BPRって何の略？", "proc-step1-bpr-method"),
        ("ビジネスプロセスリエンジニアリングとは", "proc-step1-bpr-method"),
        ("KPIとは", "kpi-what"),
        ("WGとは", "org-wg-role"),
        ("推進本部とは", "org-hq-role"),
        ("ロジックモデルとは", "logic-model-what"),
        ("CDOとは", "org-hq-cdo"),
    ],
)
def test_basic_questions_get_the_basic_answer(plan_engine: FaqEngine, question: str, entry_id: str) -> None:
    result = plan_engine.match(question)
    assert result.status == ANSWERED and result.entry is not None
    assert result.entry.id == entry_id


def test_an_answer_links_its_related_entries_as_follow_ups(plan_engine: FaqEngine) -> None:
    result = plan_engine.match("DXとは何ですか")
    assert [e.id for e in result.related][:1] == ["kind-dx-what"]
    assert all(e.id != "dx-what" for e in result.related)
