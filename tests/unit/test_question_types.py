"""What a question asks for (knowledge/question_types.py), and the engine's check of it."""

from __future__ import annotations

import pytest

from knowledge.engine import ANSWERED, NO_ANSWER, FaqEngine
from knowledge.kb import FaqEntry
from knowledge.question_types import Asks, asked_types, definition_topic, fills

ASKED = [
    # who holds a post now is a name; who may hold it is not
    ("CDO補佐官には誰が就いているの", {Asks.PERSON_NAME}),
    ("WGのメンバーには誰がなれる？", {Asks.WHO}),
    ("DX推進リーダーの名前を教えて", {Asks.PERSON_NAME}),
    ("監事会の会長の氏名は？", {Asks.PERSON_NAME}),
    ("WG③の名前は？", set()),
    ("推進本部は何人？", {Asks.COUNT}),
    ("2026年度末の数値目標はどんな目線？", {Asks.YEAR}),
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
    ("WG①の座長は誰？", {Asks.POSITION}),
    ("ナッジユニットはなぜ休止した？", {Asks.REASON}),
    ("DX推進委員会の次の開催はいつ？", {Asks.NEXT, Asks.WHEN}),
    ("計画はいつからいつまで？", {Asks.SINCE, Asks.UNTIL, Asks.PERIOD}),
    ("児童手当 申請", set()),
    ("コンビニ交付の利用件数", {Asks.COUNT}),
    ("被災者支援システムの導入年度", {Asks.WHEN}),
    ("ガバメントクラウドの移行完了日", {Asks.DAY, Asks.WHEN}),
    ("政策企画課の課長は誰？", {Asks.POSITION}),
    ("WGの会議はどこでやってる？", {Asks.PLACE}),
    ("次期DX推進計画の期間は？", {Asks.PERIOD}),
    ("納付期限すぎた 延滞金", set()),
    ("市議会の資料って紙なくす話ある？", set()),
    ("CDO補佐官は誰？", {Asks.WHO}),
    ("誰一人取り残さないってどこに書いてある？", set()),
    ("社会福祉課はWG何番", set()),
    ("WGの開催頻度は？", {Asks.COUNT}),
    ("推進本部の本部長は誰", {Asks.POSITION}),
    ("2025年12月に何があった", {Asks.YEAR}),
    # 「なんですか」 is not 「なんで」, 「どこですか」 not 「どこでする」, 「何回も」 not a count
    ("BPRってなんですか", set()),
    ("2つ以上のWGに参加している課はどこですか", set()),
    ("同じ書類を何回も出さなきゃいけない？", set()),
    ("キャッシュレスの取組みは何て名前？", set()),
    ("災害の時のデジタル化の取組み", {Asks.INITIATIVE}),
    ("BPRしていない業務でも取組みはできる？", set()),
    ("救急医療ICTネットワーク整備の事業費は", {Asks.AMOUNT}),
    ("副市長は誰", {Asks.PERSON_NAME}),  # a title asked as who: a name
    ("STEP3で構想担当課は何してくれる？", set()),  # names a body in charge, asks what it does
    # a condition is not a question of when: 「始まったら」「スタートしたら」
    ("オンライン申請が始まったら窓口はなくなるの？", set()),
    ("テレワークがスタートしたら何が変わる？", set()),
    ("電子決裁はいつ始まった？", {Asks.SINCE}),
    ("市の職員数は？", {Asks.COUNT}),  # a number of people: 職員数, 委員数, 人口
    ("江津市の人口", {Asks.COUNT}),
    ("事務局をやっているのは何課", {Asks.DEPARTMENT}),
    ("計画を決めるのは誰", {Asks.WHO}),
    ("この計画を作った課は？", {Asks.DEPARTMENT}),  # a department named by what it did
    ("進捗状況はどこに載っている？", set()),  # where a figure is written, not the figure
    ("取組みの進捗はどうやって確認する？", set()),  # how progress is checked, not how far it has come  # 「…のは何課」 asks which one, 「WG②は何課」 how many
    ("WG②は何課", {Asks.COUNT}),
    ("推進本部の顧問って誰？", {Asks.PERSON_NAME}),  # who holds a title: a name
    ("基幹系20業務は具体的にどれ？", {Asks.LIST}),
    # what a thing holds; 「改訂内容」 too (the revision entries say it)
    ("ロジックモデルの中身を教えて", {Asks.CONTENTS}),
    ("次の計画には何が書かれるの", {Asks.CONTENTS}),
    ("第1.1版の改訂内容は？", {Asks.CONTENTS}),
    ("取組みの内容確認の方法", set()),
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
        # 「いくつ」 counts things: a head count does not fill it
        (Asks.COUNT, "推進本部は47人です。", "推進本部に置ける組織はいくつ", False),
        (Asks.COUNT, "基本原則の1つ目です。", "基本原則はいくつ", False),  # an ordinal
        (Asks.COUNT, "監事会、DX推進委員、WGの3つを置くことができます。", "推進本部に置ける組織はいくつ", True),
        (Asks.SINCE, "2022年度から2026年度の5年間です。", "いつから", True),
        (Asks.UNTIL, "KPIは2023年度末までに設定します。", "いつまで", True),
        (Asks.SINCE, "KPIは2023年度末までに設定します。", "いつから", False),
        (Asks.LONG_FORM, "BPR（ビジネス・プロセス・リエンジニアリング）は手法です。", "BPRって何の略", True),
        (Asks.LONG_FORM, "推進体制では、市長がCDOです。", "CDOって何の略", False),
        (Asks.AMOUNT, "手数料は300円です。", "いくら", True),
        (Asks.AMOUNT, "キャッシュレス決済の推進です。", "いくら", False),
        (Asks.WHO, "DX推進リーダーを任命するのは推進本部です。", "誰が任命", True),
        # 「2022年度から」 gives a start, not a reason
        (Asks.REASON, "2022年度から2026年度までの目標を設定します。", "なぜ設定する", False),
        (Asks.REASON, "達成度を確認するために設定します。", "なぜ設定する", True),
        # who decides is a body or a post, not the city or its staff in general
        (Asks.WHO, "江津市の全職員が行動に移すための実行計画です。", "計画を承認するのは誰", False),
        (Asks.WHO, "計画の承認は推進本部が行います。", "計画を承認するのは誰", True),
        (Asks.WHO, "誰一人取り残さないよう、市民の誰もが使えるようにします。", "誰のためのDX", True),
        # The answer itself says the plan lacks what is asked.
        (Asks.WHO, "CDO補佐官は推進本部のメンバーです。CDO補佐官に誰が就くかは記載されていません。", "誰", False),
        (Asks.WHEN, "イベント開催と記載されています。開催時期や内容などの詳細は書かれていません。", "いつ", False),
        (Asks.WHEN, "2024年度に実施しました。備考欄には記載がありません。", "いつ", True),
        # contents in another document, or said to be missing, are not given
        (Asks.CONTENTS, "内容は別ファイル「資料A」にまとめられています。", "資料Aの中身", False),
        (Asks.CONTENTS, "来年度に策定します。その計画の内容は書かれていません。", "計画の中身", False),
        (Asks.CONTENTS, "市議会資料のペーパーレス化、電子決裁、文書管理です。", "ペーパーレス化の中身", True),
        # a day of the month is not given by a month
        (Asks.DAY, "庁は2021年9月に設置されました。", "庁は何日に設置", False),
        (Asks.DAY, "庁は2021年9月1日に設置されました。", "庁は何日に設置", True),
        (Asks.DAY, "庁は2021年9月に設置されました。", "庁は何月に設置", True),
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
        ("救急医療ICTネットワークの参加病院は？", "計画には「病院」についての記載はありません。", "救急医療ICTネットワーク"),
        # where the contents are is what the plan says of them
        ("ロジックモデルの中身を教えて", "計画にはその中身（内容）は書かれていません。", "別ファイル「ロジックモデル」"),
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


@pytest.mark.parametrize(
    "question",
    ["WGの会議はどこでやってる？", "書かない窓口はどの窓口で使える？", "コンビニ交付の利用件数", "被災者支援システムの導入年度",
     "ガバメントクラウドの移行完了日", "政策企画課の課長は誰？", "推進本部の会議は年に何回？", "書かない窓口の進捗は？",
     # the entry says the plan lacks it; a noun of the question (研修) the closest entry never says
     "CDO補佐官は誰？", "eスポーツのイベントはいつ？", "次の改訂はいつ？", "DX推進リーダーの研修はいつ？",
     "外部有識者は誰が入ってる？", "基幹系20業務って具体的にどの業務？", "オンライン申請の26手続を全部挙げて",
     "生成AIの活用の担当課はどこ？", "HP改革のリニューアル公開日", "ハラスメントの相談窓口はどこ？", "KPIの正式名称は？",
     "AI-OCRの設定方法", "RPAのシナリオの作り方", "第1.5版の作成者は？",
     # the next plan's end is not the current plan's 2026年度; BPR's own questions are not its table's
     "次期DX推進計画はいつまで", "BPRの内製化はいつから",
     "WGのリーダーは誰",  # a WG's leader is not the DX推進リーダー
     "災害の時のデジタル化の取組み",  # デジタル庁の設置 is no initiative
     "救急医療ICTネットワーク整備の事業費は", "副市長は誰", "テレワークの申請方法",
     "ロジックモデルは誰が作った",  # an answer naming nobody does not say who
     "フロントヤード改革のWGの成果",
     "構想担当課はどこ", "BPRの担当課は",
     "課はぜんぶで何課ある",
     # what an earlier version meant to do is not the next revision now; a cost of living figure the plan lacks
     "このプランの次の改訂時期", "江津市の職員数",
     # the contents of documents the plan only names; a day where the plan gives a month
     "次期DX推進計画の中身は？", "ロジックモデルの中身を教えて", "デジタル庁は何日に設置された？"],  # 3つの改革 counts no 課  # naming the body asked, or BPR's departments, is not who is in charge
)
def test_traps_on_plan_topics_are_not_answered(plan_engine: FaqEngine, question: str) -> None:
    result = plan_engine.match(question)
    assert result.status != ANSWERED, result.entry


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("CDOは誰", "市長"),  # the phrasing 「CDOって誰？」 but for the particle
        ("職員同士の連絡の改革は何を使う？", "チャットツール"),  # a kind of tool, not a product's name
        ("eスポーツってなんで計画に入ってるの？", "デジタル人材"),  # why it is there: where it stands
        ("R6年度のBPRはどこの課？", "農林水産"),
        ("わからないことは誰に聞けばいい？", "政策企画課"),  # the knowledge base's contact entry
        ("新任です。DXの担当課はどこですか", "政策企画課"),
        ("アクションプランの正式名称は", "スマートシティ江津推進構想アクションプラン"),
        ("推進本部の本部長は誰", "市長"),  # the plan's トップ
        ("推進本部に置ける組織はいくつ", "3つ"),
        ("監事会はなぜあるの", "機動的"),  # 「…記載されたもので」 gives no reason
        ("今回の改訂点はいくつ", "2点"),
        ("BRPってなんですか", "ビジネス・プロセス・リエンジニアリング"),  # two letters of an acronym swapped
        ("フロントヤード改革とは", "窓口改革"),
        # 「外部有識者が誰かは書かれていません」 is about someone else than who hears the citizens
        ("市民の意見を聞くのは誰", "スマートシティ江津推進本部"),
        # the year asked is the year answered: not 2020年12月 for 2025年12月
        ("2025年12月に何があった", "第5.0版"),
        ("2022年9月に改訂されたのは", "第2.0版"),
        ("オンライン申請が始まったら窓口はなくなるの？", "窓口"),
        # far in wording from every phrasing, but the only close entry that gives a start and says プラン
        ("このプランはいつ始まったんですか", "2022年度"),
        ("第1.4版の時点では次の改訂はいつにするつもりだった？", "2025年9月"),
        ("DX推進Lの人数は？", "10名"),  # the staff's short form of DX推進リーダー
        # nouns of manner and categories need not be said: 一緒, 会議体
        ("事務局が政策企画課の会議体を全部", "DX推進委員会"),
        # what a body does, not who is in it
        ("DX推進委員はどんなことをする？", "拾い上げ"),
        ("DX推進リーダーはなにをするの", "けん引"),
        # who decides: a body or a post, not 江津市 or 職員 of a definition
        ("このプランを承認するのは誰ですか", "スマートシティ江津推進本部"),
    ],
)
def test_questions_a_type_check_must_not_stop(plan_engine: FaqEngine, question: str, fact: str) -> None:
    result = plan_engine.match(question)
    assert result.status == ANSWERED and result.entry is not None, result
    assert fact in result.entry.answer


def test_the_head_of_a_body_is_its_top(plan_engine: FaqEngine) -> None:
    result = plan_engine.match("監事会のトップは？")
    assert result.status == ANSWERED and result.entry is not None and "副市長" in result.entry.answer


def test_an_answer_links_its_related_entries_as_follow_ups(plan_engine: FaqEngine) -> None:
    result = plan_engine.match("DXとは何ですか")
    assert [e.id for e in result.related][:1] == ["kind-dx-what"]
    assert all(e.id != "dx-what" for e in result.related)


@pytest.mark.parametrize(
    ("question", "topic"),
    [("KPIって何のこと？", "KPI"), ("「人に優しいDX」とは何ですか？", "人に優しいDX"), ("DXってなに", "DX"),
     ("推進本部の人数は？", None), ("BPRは何課でやった？", None), ("DX 意味", "DX"), ("「構想」って何を指す？", "構想"),
     ("アクションプランって一言でいうと何", "アクションプラン")],
)
def test_the_topic_of_a_definition_question(question: str, topic: str | None) -> None:
    assert definition_topic(question) == topic


def test_a_definition_question_finds_the_entry_that_defines_its_topic(plan_engine: FaqEngine) -> None:
    for question in ("KPIって何のこと？", "スマートシティ江津推進本部って何？", "推進本部監事会って何？"):
        result = plan_engine.match(question)
        assert result.status == ANSWERED and result.entry is not None, question
    assert plan_engine.match("KPIって何のこと？").entry.id == "kpi-what"  # type: ignore[union-attr]


def test_a_faq_without_a_plan_gets_no_notes_but_a_candidate_that_fills_the_type(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from knowledge.kb import load_kb

    path = tmp_path / "faq.csv"
    path.write_text(
        "id,question,answer\n"
        "hours,市役所の開庁時間は？,平日の午前8時30分から午後5時15分までです。\n"
        "place,市役所はどこ？,江津市江津町1166番地にあります。\n"
        "nursery,待機児童の状況は？,各保育施設の空き状況は毎月ホームページで公表しています。\n",
        encoding="utf-8",
    )
    engine = FaqEngine(load_kb(path))
    result = engine.match("待機児童は何人？")
    assert result.note is None


def test_a_question_word_question_gets_no_stray_yes(plan_engine: FaqEngine) -> None:
    """An entry written for 「KPIは見直される？」 opens with 「はい。」; asked 「いつから」, that word answers nothing."""
    asked = plan_engine.match("KPIはいつから見直す")
    assert asked.entry is not None and not asked.entry.answer.startswith("はい")
    yes_no = plan_engine.match("KPIは見直される？")
    assert yes_no.entry is not None and yes_no.entry.answer.startswith("はい。")
    # a yes written for 「BPRしていない業務もDXしていい？」 reads as its opposite to a question in the negative
    negative = plan_engine.match("BPRをしてない業務はDXできない？")
    assert negative.entry is not None and not negative.entry.answer.startswith(("はい", "いいえ"))


def test_a_revision_entry_answers_only_a_question_about_versions(plan_engine: FaqEngine) -> None:
    """「推進体制はどうなってる」 is not about the 第1.3版 that changed the 推進体制図."""
    about_now = plan_engine.match("推進体制はどうなってる")
    assert about_now.entry is None or about_now.entry.source != "改訂履歴", about_now.entry
    about_a_version = plan_engine.match("第1.3版で何が変わった")
    assert about_a_version.entry is not None and about_a_version.entry.source == "改訂履歴"



def test_a_candidate_on_the_revision_history_does_not_take_over_a_question_about_something_else(
    plan_engine: FaqEngine,
) -> None:
    # 「作ったのは誰」 names no version: an entry on how often the plan is revised is no answer to it.
    result = plan_engine.match("このアクションプランを作ったのは誰")
    assert result.entry is None or result.entry.source != "改訂履歴", result.entry


def test_a_count_of_some_members_is_not_the_whole_body(plan_engine: FaqEngine) -> None:
    """「本部員」 are some of the 推進本部's members: its 47人 does not count them."""
    result = plan_engine.match("推進本部にいる本部員の人数は？")
    assert result.status != ANSWERED or "47人" not in result.entry.answer, result.entry  # type: ignore[union-attr]
    whole = plan_engine.match("推進本部の人数は？")
    assert whole.status == ANSWERED and whole.entry is not None and "47人" in whole.entry.answer


def test_a_close_call_decided_by_the_type_still_says_the_question_s_nouns(plan_engine: FaqEngine) -> None:
    """Of two close choices only one gives a count of 課, but it counts the BPR departments, not the city's:
    the city's number of departments is not in the plan."""
    result = plan_engine.match("江津市役所には課が何課ある？")
    assert result.status != ANSWERED, result.entry


@pytest.mark.parametrize(
    ("asks", "answer", "question", "expected"),
    [
        (Asks.COUNT, "推進本部は47人です。メンバーには課長相当職（本部員）がいます。", "本部員は何人", False),
        (Asks.COUNT, "参加者は12人です。", "参加者は何人", True),
        (Asks.COUNT, "DX推進委員会のメンバーは各課職員1名です。", "推進委員は何人", True),
        # a post inside a body is not counted by the body's size
        (Asks.COUNT, "監事会は11人です。メンバーは副市長（会長）、参事などです。", "参事って何人", False),
        # how often is not a total nor a list of dates
        (Asks.COUNT, "第1.2版（2024年3月26日）まで、改訂は2回です。", "年に何回改訂する", False),
        (Asks.COUNT, "会議は年2回開きます。", "年に何回ひらく", True),
        # the thing counted is the word next to the count: 「WGは3つ」 and 「…のテーマは次の3つ」 do not count 改革
        (Asks.COUNT, "2025年度のWGは3つです。", "改革は何個", False),
        (Asks.COUNT, "表③「人と組織の改革」のテーマは次の3つです。①働き方改革、②人材育成、③組織の在り方検討です。", "改革っていくつ", False),
        (Asks.COUNT, "構想では市民サービスの改革、業務プロセスの改革、人と組織の改革の3つを掲げています。", "改革っていくつ", True),
        (Asks.COUNT, "DXは3つのSTEPで進めます。", "ステップっていくつ", True),
        # a counter that is the last word of the thing, and a category counted by its members
        (Asks.COUNT, "基幹系20業務を移行します。", "移行する基幹系業務の数", True),
        (Asks.COUNT, "監事会、DX推進委員、WGの3つを置くことができます。", "置ける組織はいくつ", True),
        # 何種類 counts kinds, not 「この1つだけ」 of a theme's initiatives
        (Asks.COUNT, "このテーマの取組みはこの1つだけです。", "交付できる書類は何種類", False),
        (Asks.COUNT, "交付できる書類は3種類です。", "交付できる書類は何種類", True),
    ],
)
def test_a_head_count_of_members_needs_a_sentence_naming_them(asks: Asks, answer: str, question: str, expected: bool, plan_engine: FaqEngine) -> None:
    assert fills(asks, _entry(answer), question, plan_engine.analyzer) is expected


def test_a_post_s_department_is_asked_like_the_post(plan_engine: FaqEngine) -> None:
    """The plan names the departments in a WG, not which one chairs or coordinates it."""
    for question in ("WG③の幹事課はどこ", "WG①で取りまとめをする課"):
        result = plan_engine.match(question)
        assert result.status != ANSWERED, (question, result.entry)
        assert result.note is not None


def test_the_leaders_of_a_wg_are_not_the_dx_leaders(plan_engine: FaqEngine) -> None:
    """「WGのリーダー」 is a bare word: DX推進リーダーは10名程度 does not count them. Asked by the knowledge base's
    own short name (DXリーダー), the DX推進リーダー are counted."""
    bare = plan_engine.match("各WGのリーダーって何人？")
    assert bare.status != ANSWERED or "10名" not in bare.entry.answer, bare.entry  # type: ignore[union-attr]
    named = plan_engine.match("DXリーダーの人数は？")
    assert named.status == ANSWERED and named.entry is not None and "10名程度" in named.entry.answer


def test_remembered_question_reading_is_the_reading() -> None:
    """asked_types and definition_topic remember their last questions (immutable answers): the same as computed."""
    from knowledge.question_types import asked_types, definition_topic

    for question in ("保育園の申込はいつまで？", "ふるさと納税って何？", "担当課の電話番号を教えて"):
        assert asked_types(question) == asked_types.__wrapped__(question)
        assert isinstance(asked_types(question), frozenset)
        assert definition_topic(question) == definition_topic.__wrapped__(question)
