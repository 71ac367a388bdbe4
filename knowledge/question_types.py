"""What a question asks for, and whether an entry's answer can give it.

「DX推進リーダーの名前を教えて」 asks for a person's name; the entry that says 「10名程度です」 is about the
right topic but gives a count, and a count is not a name. 「いつまで」 needs an end, 「いつから」 a start.
`asked_types` reads the question; `fills` reads an answer. `QuestionTypeCheck.check` is the engine's last
step: an answer that cannot fill what is asked is replaced by a close candidate that can, or by a plain
statement that the plan does not say it (`MatchResult.note`, status no_answer: not counted as answered).

Only types an answer visibly has or lacks are checked (a count, a date, a name, an amount, a product, a
long form, a department). Definitions, yes/no and lists are left to the ranking: any answer on the topic
can serve them.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum
from typing import TYPE_CHECKING

from knowledge import patterns
from knowledge.kb import FaqEntry
from knowledge.normalize import fold_for_match, nfkc, normalize_text

if TYPE_CHECKING:
    from knowledge.analysis import Analyzer
    from knowledge.engine import MatchResult


class Asks(Enum):
    PERSON_NAME = "person_name"
    PLACE = "place"  # 開催場所, 会場
    POSITION = "position"  # 座長は誰, 会長は誰: the answer must name that position
    WHO = "who"  # CDOって誰: a person, a position or a body, which the answer must not say the plan lacks
    COUNT = "count"
    VALUE = "value"  # 目標値, 何%: a figure the plan would have to give
    PERIOD = "period"  # 期間: a start and an end, or a length
    PROGRESS = "progress"  # 進捗, 実績, 効果: how far something has come, which the plan does not report
    DAY = "day"  # 開催日, 何月何日: a day or a month, not only a year
    WHEN = "when"
    SINCE = "since"
    UNTIL = "until"
    AMOUNT = "amount"
    PRODUCT = "product"
    CONTACT = "contact"
    LONG_FORM = "long_form"
    DEPARTMENT = "department"
    REASON = "reason"
    NEXT = "next"  # 次の開催, 次回: a date still to come
    HOW_TO = "how_to"  # 設定方法, 使い方: a procedure, which only an entry written for a how question gives
    LIST = "list"  # 全部挙げて: every item, which an answer saying the plan does not list them cannot give
    INITIATIVE = "initiative"  # 災害の時の取組みは: one of the plan's initiatives, which the answer must name
    YEAR = "year"  # 2025年12月に何があった: an answer about that year, not another one
    CONTENTS = "contents"  # 次期DX推進計画の中身は: what a document holds, which an answer pointing elsewhere lacks
    UNKNOWN_TERM = "unknown_term"  # 参加病院: a thing the knowledge base never mentions


@functools.lru_cache(maxsize=4096)
def _plain(text: str) -> str:
    """NFKC, lower case, no spaces: how both questions and answers are read here. Remembered for the last
    few thousand texts: the candidates' answers come back question after question, and NFKC of a 500-character
    answer with full-width brackets costs more than ranking it."""
    return "".join(nfkc(text).lower().split())


def _any(*alternatives: str) -> re.Pattern[str]:
    return patterns.compile("|".join(alternatives))


# ---------------------------------------------------------------- reading the question

_THING_BEFORE_NAME = _any(
    r"(wg|[1-9]|取組み?|取り組み|テーマ|システム|計画|法|版|改革|組織|会議|プロジェクト|サービス|ツール|ファイル|資料|"
    r"事業|施策|制度|アプリ|ソフト|課|部署|団体|会社|本部|委員会|監事会|グループ)(の|って|は)?(何て|なんて|何という|なんという|どういう)?(名前|なまえ|名称)"
)
# 「副市長は誰？」: a person's title asked as who, which only a name can answer (the plan names nobody). Roles
# held by a title (CDO, 会長, トップ) are positions instead: 「CDOは誰」 is answered by 市長.
# 「監事会の参事って誰」 asks who holds a title: a name (not 「推進本部の本部長は誰」, which is a title).
_WHO_HOLDS_TITLE = patterns.compile(r"(^|(?<!課)の)(市長|副市長|教育長|参事|顧問|危機管理監|課長|部長|係長)(って|は)(誰|だれ|どなた|どんな人)")
_PERSON_NAME = _any(
    r"名前|なまえ|氏名|フルネーム|実名|誰さん|どなたさん|作成者|著者|執筆者|(作っ|書い|関わっ|携わっ|担当し)た人|"
    # 「DX推進リーダーって誰がなってる」 asks who holds it now: a name (not 「誰がなれる」, who may)
    r"(誰|だれ)が(なって(い|る|ま)|なった|就いて|就任し|務めて|選ばれた|選ばれて)"
)
_COUNT = _any(
    r"(?<!のは)何課(?!が担当|の担当)|何人(?!も)|なんにん|何名|なんめい|人数|何個(?!も)|何件(?!も)|何つ|いくつ|幾つ|何か所|何カ所|何ヶ所|何回(?!も)|何チーム|何グループ|"
    r"何業務|何手続|何年間|何分野|何団体|何種類|何社|何部署|何テーマ|何項目|何本|何組織|(?<![値字])(の数|数は|数って)(?![値字式学])|"
    r"件数|台数|箇所数|者数|員数|枚数|項目数|人数|人口(?![減増])|頻度"
)
_VALUE = _any(r"目標値|数値は|何%|何パーセント|何割|達成率|割合|普及率|交付率|利用率|進捗率|進み具合|進捗状況は")
_PROGRESS = _any(r"進捗|進み具合|どこまで進|実績|成果(は|って|[?？]|$)|効果は|効果って|どれくらい(減|増)|削減(量|効果)|達成状況|達成率")
_DAY = _any(r"開催日|日程|日時|何日|何月|何曜|日付|開催予定|次回|完了日|開始日|実施日|導入日|締切日|期日|公開日|リリース日|稼働日|運用開始日")
# A day of the month, not only the month: 「何日に」「開催日」「日付」.
_DAY_OF_MONTH = patterns.compile(r"(?<!週)何日(?!間)|(開催|完了|開始|実施|導入|締切|公開|リリース|稼働|発行|設置|成立)日|日付|日にち|期日")
# 「進捗状況はどこ（に載っている）」 asks where a figure is written, not the figure.
_WHERE_WRITTEN = patterns.compile(r"(進捗状況|進み具合|目標値|数値)(は|って|が)?(どこ|どの章|どこに|何に載)")
# 「進捗はどう確認する」 asks how progress is checked, not how far things have come.
_HOW_CHECKED = patterns.compile(r"(進捗|実績|成果|効果)(は|を)?(どう|どのよう|どうやって|どんなふう)")
_PERIOD = _any(r"期間(は|って|を|が|[?？]|$)|何年間|いつからいつまで")
# The counter a count question names, and the counters of an answer that can fill it.
_COUNTERS = (
    (patterns.compile(r"何人|何名|人数|なんにん|なんめい|者数|員数|人口(?![減増])"), "人名"),
    (patterns.compile(r"件数|何件"), "件手続"),
    (patterns.compile(r"項目数"), "項目つ"),
    (patterns.compile(r"何課|何部署|課の数|課数"), "課"),
    (patterns.compile(r"何回|回数|頻度"), "回"),
    (patterns.compile(r"何種類|種類数"), "種類"),
    (patterns.compile(r"何か所|何カ所|何ヶ所|箇所数"), "か所カ所箇所"),
    (patterns.compile(r"何団体"), "団体"),
    (patterns.compile(r"何社"), "社"),
    (patterns.compile(r"何分野"), "分野つ"),
    (patterns.compile(r"何組織"), "組織つ"),
    (patterns.compile(r"何テーマ"), "テーマつ"),
    (patterns.compile(r"何年間"), "年間"),
    (patterns.compile(r"何業務"), "業務"),
    (patterns.compile(r"何手続|手続の数|手続き数"), "手続"),
    # 「推進本部に置ける組織はいくつ」 counts things, not people: 47人 does not fill it.
    (patterns.compile(r"いくつ|幾つ|何個|何つ"), "つ個件課業務手続か所カ所箇所分野種類団体回組織テーマ項目社部署本点"),
)
# 「始まったら窓口はなくなる？」 is a condition, not a question of when.
_SINCE = _any(
    r"いつから|何年から|何年度から|何月から|開始時期|始まっ(?!たら|ても)|始まる(?!と|なら|前|まで)|"
    r"はじま(?!ったら|っても|ると|るなら)|スタート(?!したら|しても|すると)|いつ始|いつ頃から"
)
_UNTIL = _any(
    r"いつまで|何年まで|何年度まで|何月まで|何日まで|何時まで|期限(は|って|を|が|いつ|$)|締め?切り?(は|って|を|$)|"
    r"〆切|終了(は|って|予定|時期)|完了予定|いつ終"
)
_WHEN = _any(
    r"いつ|何年|何月|何日|時期|日付|日程|何年度|何時|開催日|日時|次回|"
    r"(導入|実施|開始|完了|移行|設置|策定|運用開始|公開|リニューアル|稼働|リリース)(年度|時期|日|年月)"
)
# Names of benefits and fees (児童手当, 水道料金) are topics, not a question about an amount.
_AMOUNT = _any(
    r"いくら|何円|金額|値段|費用|予算|コスト|経費|単価|何万|額は|手数料|受験料|受講料|利用料|使用料|委託料|参加費|"
    r"会費|交通費|旅費|人件費|維持費|運用費|導入費|報酬|給料|給与|料金(は|って|が|を教え)|"
    r"(?<![消])[一-龥]費(は|って|が|を|[?？]|$)"  # 事業費, 整備費: what it costs
)
# 「職員同士の連絡の改革は何を使う？」 asks which kind of tool (チャットツール); 「どのサービス」 asks for a product.
_PRODUCT_GENERIC = patterns.compile(r"(何|なに|どれ)を(使|導入|採用)|何使")
_TOOL_KIND = patterns.compile(r"[ァ-ヶー]*(ツール|システム|アプリ|ネットワーク|クラウド)|(?<![a-z])(ai|sns|rpa|ocr|gis|maas|hp)(?![a-z])")
_PRODUCT = _any(
    r"(どの|どこの|何の|なんの|何という|なんという)(サービス|製品|ツール|ソフト|アプリ|ai|チャット|sns|クラウド|プラットフォーム|会社)|"
    r"ベンダー|メーカー|業者|委託先|(サービス|製品|ツール|ソフト|アプリ|会社|企業)(名|の名前)|"
    r"(何|なに|どれ)を(使|導入|採用|契約)|何使|どこと契約"
)
# 「WG何番」「表の何番」 ask which one of a numbered list, not a phone number.
_PRODUCT_SPECIFIC = _any(
    r"(どの|どこの|何の|なんの|何という|なんという)(サービス|製品|ツール|ソフト|アプリ|ai|チャット|sns|クラウド|プラットフォーム|会社)|"
    r"ベンダー|メーカー|業者|委託先|(サービス|製品|ツール|ソフト|アプリ|会社|企業)(名|の名前)|契約"
)
_CONTACT = _any(r"電話番号|(?<!wg)(?<!wgは)(?<!wgの)(?<!表)(?<!テーマ)(?<!no)何番(?!目)|メールアドレス|メアド|url|ファックス|fax|内線|アドレス")
_LONG_FORM = _any(r"何の略|なんの略|略称|正式名称|正式名|正式には|略さず|略さない|何を略|略語|の略\?|の略？")
# 「STEP3で構想担当課は何してくれる？」 names a body (構想担当課) and asks what it does, not which it is.
_NAMES_A_BODY_IN_CHARGE = patterns.compile(r"^(?!.*(どこ|どの|何課|誰|だれ)).*[一-龥a-z]担当課")
_DEPARTMENT = _any(
    r"どの課|どこの課|何課が|何課の|のは何課|担当課|所管課|担当部署|どの部署|どこの部署|どの部局|所管は|所管部署|"
    r"どこが担当|担当はどこ|どこの担当|担当の課|"
    # 「計画を作った課」: a department named by what it did
    r"(た|る|てる|ている)課(は|って)?[?？]*$"
)
_POSITION = patterns.compile(
    r"(座長|委員長|議長|本部長|会長|責任者|代表者?|トップ|まとめ役|取りまとめ役|とりまとめ役|班長|部会長|リーダー|事務局長|窓口担当|担当者|"
    r"策定委員|委員|課長|部長|係長|取りまとめ|とりまとめ|取り纏め|幹事|主担当)(って|は|を|が|に)?(誰|だれ|どなた|どこ|どの人|何者|[?？]|$)"
)
# 「WG①の座長の課」「とりまとめ課はどこ」: the department that holds a post is asked like the post.
_POSITION_DEPARTMENT = patterns.compile(
    r"(座長|委員長|議長|会長|責任者|代表|まとめ役|取りまとめ役|とりまとめ役|取りまとめ|とりまとめ|取り纏め|幹事|主担当|リーダー)"
    r"(の|を務める|をする|をやる)?(課|部署)(?!長)"
)


def _find_position(plain_question: str) -> re.Match[str] | None:
    return _POSITION.search(plain_question) or _POSITION_DEPARTMENT.search(plain_question)
# 「市長はどの組織のトップ？」 asks which body, not who its head is.
_WHICH_BODY_HEADED = patterns.compile(r"(どの|どこの|何の|なんの)(組織|会議|会|グループ|本部)の")
_HOW_TO = _any(r"作り方|使い方|設定方法|設定の仕方|やり方|手順|申請方法|申込方法|申し込み方法|ログイン|操作方法|インストール|登録方法")
_NAMED_PROCEDURE = patterns.compile(r"申請方法|申込方法|申し込み方法|登録方法|ログイン|インストール|操作方法|設定方法")
# A phrasing that asks how (not one that names a method: 「設定方法を習得するのはなぜ」).
_HOW_PHRASING = patterns.compile(r"どう|どのよう|やり方|手順|進め方|仕方|流れ|方法(は|を教え|って|[?？]|$)")
# 「ロジックモデルの中身は」「次期計画には何が書かれる」: what a document or a thing holds.
_CONTENTS = _any(
    r"中身|内容(は|って|を教え|が知りたい|[?？]|$)|どんな内容|どういう内容|"
    r"(何|なに|どんなこと|どういうこと)が(書|載|記載|盛り込|含ま)"
)
_LIST = _any(r"全部|ぜんぶ|すべて|全て|一覧|挙げて|あげて|列挙|リストアップ|個々の|それぞれの名|具体的にどの|具体的にどれ|どれとどれ|内訳|どれが含まれ|何が含まれ")
_WHO = _any(r"誰(?!一人|ひとり|でも|にとって|も)|だれ(?!ひとり|でも)|どなた|どの人")
_PLACE = _any(r"場所|会場|開催地|どこで(開催|や|行|する|して|し|実施|使|利用)|所在地|どの窓口|どこの窓口")
_REASON = _any(r"なぜ|なんで(?!す)|どうして|理由|わけは|訳は")  # 「なんですか」 is not 「なんで」
# 「eスポーツってなんで計画に入ってるの？」: why it is there is where it stands (a theme), which any answer gives.
_WHY_INCLUDED = _any(r"(計画|プラン|表|アクションプラン|ここ)に(入って|入る|ある|載って|あるの|出て)")
# 「次期」 names the plan after this one: its dates are not the current plan's.
_NEXT_ONE = patterns.compile(r"次期|次の計画")
_NEXT = _any(r"次の|次回|今度の|今後の予定|予定日|開催予定|いつ開催|次はいつ")
# An ASCII acronym (BPR, CDO, KPI) whose long form a 「何の略」 question asks for.
_ACRONYM = patterns.compile(r"[a-z][a-z0-9\-]*[a-z0-9]")
# 「DXのDは何の略」 asks what one letter stands for, not for the long form.
_LETTER_OF = patterns.compile(r"[a-z]{2,}の[a-z](?![a-z])|「[a-z]」")


@functools.lru_cache(maxsize=4096)
def asked_types(question: str) -> frozenset[Asks]:
    """The checked types a question asks for (possibly none). Remembered for the last few thousand texts: the
    check reads a question's types several times, and people ask the same questions."""
    q = _plain(question)
    asks: set[Asks] = set()
    if (_PERSON_NAME.search(q) and not _THING_BEFORE_NAME.search(q)) or _WHO_HOLDS_TITLE.search(q):
        asks.add(Asks.PERSON_NAME)
    if _COUNT.search(q):
        asks.add(Asks.COUNT)
    if _SINCE.search(q):
        asks.add(Asks.SINCE)
    if _UNTIL.search(q):
        asks.add(Asks.UNTIL)
    if not asks & {Asks.SINCE, Asks.UNTIL} and _WHEN.search(q):
        asks.add(Asks.WHEN)
    if _VALUE.search(q) and not _WHERE_WRITTEN.search(q):
        asks.add(Asks.VALUE)
    if _DAY.search(q):
        asks.add(Asks.DAY)
    if _PROGRESS.search(q) and not _HOW_CHECKED.search(q) and not _WHERE_WRITTEN.search(q):
        asks.add(Asks.PROGRESS)
    # 「計画期間はいつから？」 asks the start: the period is asked when nothing narrower is.
    if _PERIOD.search(q) and (not asks & {Asks.SINCE, Asks.UNTIL} or "いつからいつまで" in q):
        asks.add(Asks.PERIOD)
    if _AMOUNT.search(q):
        asks.add(Asks.AMOUNT)
    if _PRODUCT.search(q):
        asks.add(Asks.PRODUCT)
    if _CONTACT.search(q):
        asks.add(Asks.CONTACT)
    if _LONG_FORM.search(q) and not _LETTER_OF.search(q) and _acronyms(q):
        asks.add(Asks.LONG_FORM)
    if _DEPARTMENT.search(q) and not _NAMES_A_BODY_IN_CHARGE.search(q):
        asks.add(Asks.DEPARTMENT)
    if _find_position(q) and not _WHICH_BODY_HEADED.search(q):
        asks.add(Asks.POSITION)
    elif _WHO.search(q) and Asks.PERSON_NAME not in asks:
        asks.add(Asks.WHO)
    if _PLACE.search(q):
        asks.add(Asks.PLACE)
    if _REASON.search(q) and not _WHY_INCLUDED.search(q):
        asks.add(Asks.REASON)
    if _LIST.search(q):
        asks.add(Asks.LIST)
    if _CONTENTS.search(q):
        asks.add(Asks.CONTENTS)
    if _HOW_TO.search(q) and not re.search(r"目的|ねらい|狙い|習得|学ぶ|覚える|なぜ|なんで|理由", q):
        asks.add(Asks.HOW_TO)  # 「設定方法を習得する目的」 names a method, it does not ask for one
    if _NEXT.search(q) and (asks & {Asks.WHEN, Asks.SINCE, Asks.UNTIL} or "開催" in q):
        asks.add(Asks.NEXT)
    if _years(q):
        asks.add(Asks.YEAR)
    if _WHICH_INITIATIVE.search(q):
        asks.add(Asks.INITIATIVE)
    return frozenset(asks)


# 「窓口に行かずに相談できる取組み」「どの取組み？」: which initiative (not 「取組みはできる？」).
_WHICH_INITIATIVE = patterns.compile(
    r"(どの|何という|なんという|何て|なんて)(取組|取り組み|とりくみ)|"
    r"(取組み?|取り組み|とりくみ)(は|って)?(何|なに|どれ|ある|あります|ありますか)?(か|の)?[?？]?$"
)
_YEAR_NAMED = patterns.compile(r"(?<![\d.])((?:19|20)\d\d)(?![\d.])")


def _years(plain_question: str) -> list[str]:
    """The years a question names (2025年12月, 2024年度): an answer must be about them."""
    return list(dict.fromkeys(_YEAR_NAMED.findall(plain_question)))


_DEFINITION = patterns.compile(
    r"^(?P<topic>.+?)\s*(?:とは(?:何|なに|なん)?(?:ですか|でしょうか|のこと|か)?|"
    r"って(?:何|なに|なん)(?:ですか|のこと|なの|だっけ|でしょう|でしょうか|ですか)?|"
    r"ってどういう(?:意味|こと)(?:ですか)?|(?:の|\s)意味(?:は|って)?(?:何|なに)?(?:ですか)?|"
    r"って(?:一言で|簡単に|ざっくり)(?:いうと|言うと|いえば|言えば)(?:何|なに|なん)(?:ですか|なの)?|"
    r"(?:って|とは)(?:何|なに)を(?:指す|さす|指している)(?:の)?(?:ですか)?|って)[?？!！。]*$"
)


# 「改革は何がある？」「どんな改革がある？」: a list of what a basic concept covers, answered like its definition.
_WHAT_THERE_IS = patterns.compile(
    r"^(?:(?P<topic>[^のに]+?)(?:は|って)(?:何|なに|どんなの|どんなもの|どういうもの)が(?:ある|あります|あるの)(?:か|の)?|"
    r"どんな(?P<topic2>.+?)が(?:ある|あります)(?:の|か)?)[?？!！。]*$"
)


# 「わからないことは誰に聞けばいい？」「DXの担当課はどこ？」: whom to ask about the plan, not about one of its topics.
_WHOM_TO_ASK = patterns.compile(
    r"(誰|だれ|どこ|どの課|どなた)に(聞|き|相談|問い?合わせ|質問|確認)|問い?合わせ先|相談先|相談窓口|"
    r"^(新任です。?)?(dx|アクションプラン|計画|推進体制)(全般)?の?(担当課|担当部署|所管課|担当)(は|って)?(どこ|どの課)"
)
# Words a general 「誰に聞けばいい？」 may have besides: about the plan or DX as a whole, or the asker.
_GENERAL_WORDS = patterns.compile(
    r"dx|アクションプラン|このプラン|プラン|計画|推進体制|新任|着任|異動|職員|担当課|担当部署|所管課|わから|分から|"
    r"困った|迷った|疑問|質問|相談|窓口|問い?合わせ|とき|時|場合|こと|全般|ボット|最初|まず"
)


def asks_whom_to_ask(question: str) -> bool:
    """Whom to ask in general (or about DX, the plan): not 「ハラスメントの相談窓口は？」 or 「書かない窓口のことは
    誰に聞けば？」, which ask for a topic's owner."""
    q = _plain(question)
    found = _WHOM_TO_ASK.search(q)
    if found is None:
        return False
    rest = _GENERAL_WORDS.sub("", q[: found.start()] + q[found.end() :])
    return not re.search(r"[一-龥]{2,}|[ァ-ヶー]{3,}|[a-z]{2,}", rest)


@functools.lru_cache(maxsize=4096)
def definition_topic(question: str) -> str | None:
    """「KPIって何のこと？」 → 「KPI」: what a definition question asks about (None for other questions).
    Remembered as `asked_types`."""
    text = unicodedata.normalize("NFKC", question).strip().strip("「」『』\"'")
    listing = _WHAT_THERE_IS.match(text)
    if listing is not None:
        return (listing.group("topic") or listing.group("topic2") or "").strip() or None
    found = _DEFINITION.match(text) or _FULL_NAME_OF.match(text)
    if found is None:
        return None
    topic = found.group("topic").strip().strip("「」『』\"'")
    return topic or None


# 「アクションプランの正式名称は」: the entry that defines it names it in full (an acronym's long form is a type
# the check reads instead: 「KPIの正式名称は？」 may be something the plan lacks).
_FULL_NAME_OF = patterns.compile(r"^(?P<topic>[^a-zA-Z]+?)の(?:正式名称|正式な名前|正式名)(?:は|って)?(?:何|なに)?(?:ですか)?[?？]*$")


_DEFINED_IN_PHRASING = patterns.compile(r"^(?P<topic>[^、。？?]+?)\s*とは")


def defined_topic(phrasing: str) -> str | None:
    """The topic an entry's phrasing defines: 「書かない窓口とはどんな取組みで…」 → 「書かない窓口」."""
    text = unicodedata.normalize("NFKC", phrasing).strip()
    found = _DEFINED_IN_PHRASING.match(text) or _DEFINITION.match(text)
    if found is None:
        return None
    topic = found.group("topic").strip().strip("「」『』\"'")
    return topic or None


def _acronyms(plain_question: str) -> list[str]:
    return [a for a in _ACRONYM.findall(plain_question) if len(a) >= 2]


# ---------------------------------------------------------------- reading an answer

_COUNTED = patterns.compile(
    r"(\d+(\.\d+)?|[一二三四五六七八九十]+)\s*(人|名|課|つ|件|個|業務|手続|年間|か所|カ所|箇所|分野|種類|団体|回|倍|割|%|組織|テーマ|項目|社|部署|本|点)(?!目)"
)  # 「1つ目」 is an ordinal, not a count
# The people a head count asks about, when a word for members names them: 「本部員は何人」「参加者の人数」.
# Members are named by a word for a member (…員, …者) or by a post (参事, 課長相当職, CDO補佐官, 危機管理監).
_MEMBERS_COUNTED = patterns.compile(
    r"(?P<who>[一-龥ァ-ヶーa-z0-9]*(員|者|職|官|監|参事|長|リーダー|メンバー))(は|って|が|の)?(何人|何名|なんにん|なんめい|人数)"
)
# The thing a count of things asks about, named just before the count word: 「改革って何個」「stepはいくつ」.
_THING_COUNTED = patterns.compile(
    r"(?<![一-龥ァ-ヶーa-z0-9])(?P<what>[一-龥ァ-ヶーa-z0-9]{2,})(は|って|が|の)?(いくつ|幾つ|何個|何つ|の数|数は|数って)"
)


_WORD_BEFORE = patterns.compile(r"([一-龥ァ-ヶーa-z0-9]+)[」』）)]?(は|が|の|、|:|：)?(次の|全部で|合わせて|計|で)?$")
_WORD_AFTER = patterns.compile(r"^の[「『]?([一-龥ァ-ヶーa-z0-9]+)")
# The plan writes some words in letters that a question types in katakana.
_SPELLED = {"ステップ": "step"}


_CIRCLED = patterns.compile(r"[①-⑳]")
# The kinds of things the plan counts: a count next to one of them counts that kind.
_COUNTED_KINDS = ("wg", "ワーキンググループ", "テーマ", "取組み", "取組", "取り組み", "改革", "版", "組織", "step", "役割", "表")


def _counts_thing(what: str, sentence: str) -> bool:
    """A sentence counts `what` when the word next to a count is it (「…の改革の3つ」, 「3つのSTEP」), the counter
    is its last word (「20業務」 counts 基幹系業務, 「5課」 counts 参加課), or it names `what` and the count is not
    next to another kind of thing: 「WGは3つ」 does not count 改革, nor does 「人と組織の改革のテーマは3つ」."""
    what = _SPELLED.get(what, what)
    for m in _COUNTED.finditer(sentence):
        if what.endswith(m.group(3)):
            return True
        before = _WORD_BEFORE.search(sentence[: m.start()])
        after = _WORD_AFTER.search(sentence[m.end():])
        if (before and before.group(1).endswith(what)) or (after and after.group(1).startswith(what)):
            return True
        other_kind = any(
            word is not None and word.endswith(kind) and not what.endswith(kind)
            for word in (before.group(1) if before else None, after.group(1) if after else None)
            for kind in _COUNTED_KINDS
        )
        if what in sentence and not other_kind:
            return True
    return False


# 「いくつのWGに」: the thing counted follows the count word.
_COUNT_OF_THING = patterns.compile(r"(いくつ|幾つ|何個)の(?P<what>[一-龥ァ-ヶーa-z0-9]{2,})")
# Words for members that say nothing of whose: 「WGのリーダー」 is not the DX推進リーダー, so the word must
# stand alone in the sentence, not inside another name.
_BARE_MEMBER_WORDS = frozenset(("リーダー", "メンバー", "委員", "職員", "参加者", "担当者", "会長", "委員長", "座長", "責任者"))


def _names_members(who: str, sentence: str) -> bool:
    if who not in _BARE_MEMBER_WORDS:
        return who in sentence
    return any(
        at == 0 or not re.match(r"[一-龥ァ-ヶーa-z0-9]", sentence[at - 1])
        for at in (m.start() for m in re.finditer(re.escape(who), sentence))
    )
_RATE_ASKED = patterns.compile(r"(?<!\d{4})年に?(何回|何度|なんかい)|(?<!\d)(月|週|日)に?(何回|何度|なんかい|何日)|(毎年|毎月|毎週|1年|一年|ひと月|1か月)(に)?(何回|何度)")
_RATE_SAID = patterns.compile(r"(年|月|週)(に)?\d+\s*(回|度)|週\d+日|毎(年|月|週|日)|随時|定期")
_DATE = patterns.compile(
    r"\d+\s*(年|年度|月|日|時|か月|ヶ月|カ月|週間?|回目)|年度末|令和\d|r\d+年度|毎(年|月|週|日)|年\d+回|半年|前年度|今年度|"
    r"来年度|曜日|誕生日|以内|午前|午後|翌日|前日|当日|随時"
)
_START = patterns.compile(r"から|以降|開始|始ま|成立|設置|策定|発行|閣議決定|改訂|追記|より|以来")
_END = patterns.compile(r"まで|末|終了|期限|迄")
_RANGE = patterns.compile(r"\d{4}年度?(から|~|〜|-)\d{4}年度?")
_MONEY = patterns.compile(r"\d[\d,]*\s*(円|万円|億円)|無料|有料|無償|円|負担|助成|割引|免除|実費")
_CONTACT_VALUE = patterns.compile(r"\d{2,4}-\d{2,4}-\d{3,4}|@|https?://|内線\d")
_BECAUSE = patterns.compile(r"ため|(?<!も)ので|(?<![0-9年度月日])から|理由|目的|により|によって|結果|受け|踏まえ|べく|よう(?!にな)")  # 「…したもので」 gives no reason
_PAST_INTENT = patterns.compile(r"(予定|こととし|することとし)(ていました|ていた|でした)")
_PAST_ASKED = patterns.compile(r"だった|でした|てた|ていた|時点|当時|前の版|版では")
_TO_COME = patterns.compile(r"予定|次期|今後|以降|これから|行います|行う|策定|こととし|することと")
_SOMEONE = patterns.compile(
    r"[一-龥]課|事務局|本部|委員会|委員|監事会|市長|教育長|参事|顧問|補佐官|職員|市民|住民|事業者|有識者|リーダー|"
    r"wg|ワーキンググループ|グループ|チーム|人材|江津市|国|庁|担当|cdo|本人|申請者|誰|人"
)
_ACTOR_ASKED = patterns.compile(
    r"(決め|決定|承認|選ぶ|選ば|選定|任命|設置|判断|評価|チェック|確認|作っ|作る|作成|まとめ|進め)[ぁ-ん]{0,5}(誰|だれ|どこ)|"
    r"(誰|だれ)(が|に)(決め|決定|承認|選|任命|設置|判断|評価|チェック|確認)"
)
_SOMEONE_SPECIFIC = patterns.compile(
    r"[一-龥]課|事務局|本部|委員会|委員|監事会|市長|教育長|参事|顧問|補佐官|有識者|リーダー|wg|ワーキンググループ|cdo|申請者|事業者"
)
# Names of bodies in an answer (政策企画課, 推進本部, 事務局) and the ones that name no particular department.
_ORGANIZATION_NAME = patterns.compile(r"[一-龥ァ-ヶーa-z]*(課|事務局|本部|委員会|監事会)|市長")
_GENERIC_BODIES = frozenset(("各課", "関係課", "担当課", "所管課", "所属課", "参加課", "対象課", "全課"))
_ORGANIZATION = patterns.compile(r"[一-龥]課|事務局|本部|委員会|監事会|市長|各課|関係課|担当課")


# A sentence of an answer that says the plan lacks something (「開催時期や内容などの詳細は、アクションプランには
# 書かれていません」), and the words by which it names what is lacking, per type asked.
_IN_CHARGE = patterns.compile(r"担当課|所管課|担当部署|所管部署|所管は|どこが担当|担当はどこ|どこの担当|担当の課|担当する課|担当している課")
_IN_CHARGE_SAID = patterns.compile(r"担当|所管|事務局|が行|が担|が進め|伴走")
_LACKS = patterns.compile(r"(記載されていません|書かれていません|記載はありません|明記されていません|示されていません)")
_LACKED_WORDS = {
    Asks.WHO: patterns.compile(r"誰|だれ|氏名|名前|担当者"),
    Asks.PERSON_NAME: patterns.compile(r"誰|だれ|氏名|名前|担当者"),
    Asks.POSITION: patterns.compile(r"誰|だれ|氏名|名前|担当者"),
    Asks.WHEN: patterns.compile(r"時期|いつ|日程|期限|頻度|開催日|年度より後"),
    Asks.SINCE: patterns.compile(r"時期|いつ|日程|開始"),
    Asks.UNTIL: patterns.compile(r"時期|いつ|期限|終了"),
    Asks.DAY: patterns.compile(r"時期|いつ|日程|開催日"),
    Asks.NEXT: patterns.compile(r"時期|いつ|日程|次回|頻度"),
    Asks.AMOUNT: patterns.compile(r"費用|金額|予算"),
    Asks.PRODUCT: patterns.compile(r"システム名|製品|サービス名|名称"),
    Asks.COUNT: patterns.compile(r"人数|件数|の数|頻度|回数"),
    Asks.LIST: patterns.compile(r"個々|それぞれ|名称|一覧|内訳"),
    Asks.CONTENTS: patterns.compile(r"内容|中身|詳細|個々|それぞれ|名称"),
}
# An answer that says a thing's contents are in another document (別ファイル「ロジックモデル」, the 構想) does not
# give them.
_HELD_ELSEWHERE = patterns.compile(r"別ファイル|構想に記載")

def says_lacking(asks: Asks, entry: FaqEntry, question: str = "") -> bool:
    """The answer itself says the plan does not give what `asks` wants: of what the question names, when a
    sentence names a thing (「外部有識者が誰かは書かれていません」 does not answer 「市民の意見を聞くのは誰」)."""
    words = _LACKED_WORDS.get(asks)
    if words is None:
        return False
    named = _NAMED_RUN.findall(_plain(question))
    return any(
        _LACKS.search(s) and words.search(s) and not _names_another(s, named)
        for s in _plain(entry.answer).split("。")
    )


_NAMED_RUN = patterns.compile(r"[一-龥ァ-ヶーa-z0-9]{2,}")
_SUBJECT = patterns.compile(r"([一-龥ァ-ヶーa-z0-9]{2,})(が|に)(誰|だれ)")


def _names_another(sentence: str, named: list[str]) -> bool:
    """「外部有識者が誰かは…」 names whom it is about; a question naming none of it asks of someone else."""
    found = _SUBJECT.search(sentence)
    return bool(named) and found is not None and not any(n in found.group(1) or found.group(1) in n for n in named)


def fills(asks: Asks, entry: FaqEntry, question: str, analyzer: Analyzer) -> bool:
    """Whether `entry`'s answer can give what `asks` wants."""
    if says_lacking(asks, entry, question):
        return False
    answer = _plain(entry.answer)
    if asks is Asks.HOW_TO:
        # 「テレワークの申請方法」: a procedure by name is answered only by an answer that names it too.
        named = _NAMED_PROCEDURE.search(_plain(question))
        if named is not None and named.group(0) not in answer and "手順" not in answer:
            return False
        # 「AI-OCRの設定方法」 is not answered by why the plan names it: the entry must be one that says how.
        return any(_HOW_PHRASING.search(_plain(p)) for p in entry.phrasings) if entry.phrasings else True
    if asks is Asks.LIST:
        return True  # any answer on the topic lists what the plan lists, unless it says the plan does not
    if asks is Asks.CONTENTS:
        return not _HELD_ELSEWHERE.search(answer)
    if asks is Asks.WHO:
        # Who a thing is may be a person, a position, a body or 「市民」; an answer that names none of them
        # (「ロジックモデルは…一覧として理解するために作成したもの」 for 「誰が作った」) cannot fill it.
        # Who decides or does something is a body or a post: 「江津市」「職員」 of a definition does not say it.
        if _ACTOR_ASKED.search(_plain(question)):
            return bool(_SOMEONE_SPECIFIC.search(answer))
        return bool(_SOMEONE.search(answer))
    if asks is Asks.COUNT:
        # 「①組織の在り方検討」 is a list mark, not 「1組織」: circled numbers count nothing.
        answer = _plain(_CIRCLED.sub("", entry.answer))
        # 「年に何回」 is not answered by 「47人」: the counter asked must be the one counted.
        counted = [m.group(3) for m in _COUNTED.finditer(answer)]
        asked = _plain(question)
        # 「本部員は何人」 counts some of a body's members, not the body (「推進本部は47人」): the people named
        # by a word for a member (…員, …者) are counted only by a sentence that names them.
        # (in the knowledge base's words: 「DXリーダー」 is its DX推進リーダー)
        members = _MEMBERS_COUNTED.search(_plain(analyzer.glossary.canonicalize(normalize_text(question))))
        if members is not None and not any(
            _names_members(members.group("who"), s) and _COUNTED.search(s) for s in answer.split("。")
        ):
            return False
        # 「改革って何個」 counts 改革: 「WGは3つです」 counts something else. The thing named just before the
        # count word must be said in a sentence that gives a count.
        canonical = _plain(analyzer.glossary.canonicalize(normalize_text(question)))
        thing = _COUNT_OF_THING.search(canonical) or _THING_COUNTED.search(canonical)
        what = thing.group("what") if thing is not None else ""
        # a category (組織, 取組み) is counted by naming its members: 「監事会、DX推進委員、WGの3つ」
        if what and fold_for_match(what) not in _GENERIC_NOUNS and not any(_counts_thing(what, s) for s in answer.split("。")):
            return False
        # 「年に何回」 asks how often: a total (「6回改訂」) or a list of dates does not say it.
        if _RATE_ASKED.search(asked) and not _RATE_SAID.search(answer):
            return False
        wanted = next((units for pattern, units in _COUNTERS if pattern.search(asked)), None)
        if wanted is None:
            return bool(counted)
        # 「8つの課」 counts 課; 「3つの改革」 does not.
        return any(c in wanted for c in counted) or (wanted == "課" and bool(re.search(r"[0-9一二三四五六七八九十]つの課", answer)))
    if asks is Asks.VALUE:
        return bool(re.search(r"\d+(\.\d+)?\s*(%|パーセント|割|倍|ポイント)", answer))
    if asks in (Asks.PERIOD, Asks.SINCE, Asks.UNTIL) and _NEXT_ONE.search(_plain(question)):
        # 「次期DX推進計画はいつまで」: the current plan's 2022年度から2026年度, said in the same answer, is not
        # the next one's end; only a sentence about the next one can give it.
        answer = "。".join(s for s in answer.split("。") if _NEXT_ONE.search(s))
    if asks is Asks.PERIOD:
        return bool(_RANGE.search(answer) or re.search(r"\d+\s*(年間|か月|ヶ月|カ月|週間|日間)", answer))
    if asks is Asks.PROGRESS:
        return bool(re.search(r"\d+(\.\d+)?\s*(%|パーセント|割)|実績|進捗状況|達成度", answer))
    if asks is Asks.DAY:
        # 「デジタル庁は何日に設置された」 asks the day of the month: 「2021年9月」 gives only the month.
        if _DAY_OF_MONTH.search(_plain(question)):
            return _said_of_topic(r"\d+\s*日|曜日|毎月|毎週", entry, question, analyzer)
        return _said_of_topic(r"\d+\s*(月|日)|曜日|毎月|毎週", entry, question, analyzer)
    if asks is Asks.WHEN:
        return bool(_DATE.search(answer))
    if asks is Asks.SINCE:
        return bool(_DATE.search(answer) and (_START.search(answer) or _RANGE.search(answer)))
    if asks is Asks.UNTIL:
        return bool(_DATE.search(answer) and (_END.search(answer) or _RANGE.search(answer)))
    if asks is Asks.AMOUNT:
        return bool(_MONEY.search(answer))
    if asks is Asks.CONTACT:
        return bool(_CONTACT_VALUE.search(answer))
    if asks is Asks.DEPARTMENT:
        if entry.id.startswith("table:"):
            return True  # the tables name departments as the plan does (BPR's 農林水産, without 課)
        asked = _plain(question)
        bodies = {m.group(0) for m in _ORGANIZATION_NAME.finditer(asked)}
        if _IN_CHARGE.search(asked):
            # 「生成AIの活用の担当課」: a body that takes part (WG③'s departments) is not one in charge.
            return any(_names_a_body(s, bodies) and _IN_CHARGE_SAID.search(s) for s in answer.split("。"))
        return any(_names_a_body(s, bodies) for s in answer.split("。"))
    if asks is Asks.PLACE:
        # 「DX推進リーダー養成は2025年度どこでやる」: in which WG (「2025年度のWG②と③で実施」).
        return _said_of_topic(
            r"場所|会場|センター|会館|ホール|庁舎|市役所|[一-龥]館|会議室|別ファイル|wg.{0,6}で実施", entry, question, analyzer
        )
    if asks is Asks.REASON:
        return bool(_BECAUSE.search(answer))
    if asks is Asks.NEXT:
        if not _PAST_ASKED.search(_plain(question)):
            # 「次の改訂時期」 now is not what an earlier version meant to do (「改訂することとしていました」).
            answer = _PAST_INTENT.sub("", answer)
        return bool(_DATE.search(answer) and _TO_COME.search(answer))
    if asks is Asks.UNKNOWN_TERM:
        return False  # no answer of the knowledge base has a word it never uses
    if asks is Asks.INITIATIVE:
        # An answer on one of the plan's initiatives says where it stands (取組み, 表①…): デジタル庁の設置 is not one.
        return bool(re.search(r"取組|取り組み|表[①②③]|備考", answer))
    if asks is Asks.YEAR:
        # 「2025年12月に何があった」 is not answered by what happened in 2020年12月.
        return all(year in answer for year in _years(_plain(question)))
    if asks is Asks.POSITION:
        found = _find_position(_plain(question))
        if found is None:
            return False
        # The head of a body is its トップ, 会長 or 長 in the plan's words; and it must be said of what the
        # question asks about (監事会の会長 is not DX推進委員会の会長): in a sentence with another of its words.
        heads = ("トップ", "会長", "本部長")
        same = ("トップ", "会長", "本部長", "委員長") if found.group(1) in heads else (found.group(1),)
        topic = [u.term for u in analyzer.analyze(question).units if u.term not in {fold_for_match(w) for w in same}]
        # 「WGのリーダーは誰」 is not answered by DX推進リーダー: a bare word must stand bare in the answer.
        asked_compound = _compound_before(_plain(question), found.start(1))
        return any(
            any(_stands_as(word, asked_compound, sentence) for word in same)
            and (not topic or any(t in fold_for_match(sentence) for t in topic))
            for sentence in answer.split("。")
        )
    if asks is Asks.LONG_FORM:
        return any(_has_long_form(answer, a) for a in _acronyms(_plain(question)))
    asked = _plain(question)
    if asks is Asks.PERSON_NAME:
        return any(pos[1:3] == ("固有名詞", "人名") for _, pos in analyzer.parts_of_speech(entry.answer))
    if asks is Asks.PRODUCT:
        if _PRODUCT_GENERIC.search(asked) and not _PRODUCT_SPECIFIC.search(asked):
            return any(m.group(0) not in asked for m in _TOOL_KIND.finditer(answer))
        return any(
            pos[1] == "固有名詞" and pos[2] in ("一般", "組織名") and len(surface) >= 2 and _plain(surface) not in asked
            for surface, pos in analyzer.parts_of_speech(entry.answer)
        )
    return True


_COMPOUND_CHAR = patterns.compile(r"[一-龥ァ-ヶーa-z0-9]")


def _compound_before(text: str, end: int) -> str:
    """The kanji, katakana or letters just before `end`: 「dx推進」 of 「dx推進リーダー」."""
    start = end
    while start > 0 and _COMPOUND_CHAR.match(text[start - 1]):
        start -= 1
    return text[start:end]


def _stands_as(word: str, compound: str, sentence: str) -> bool:
    """`word` in `sentence`, bare where the question has it bare (「WGのリーダー」 is not DX推進リーダー); a
    compound in the question (DXリーダー) may be written out in the answer (DX推進リーダー)."""
    at = sentence.find(word)
    while at >= 0:
        if compound or not _compound_before(sentence, at):
            return True
        at = sentence.find(word, at + 1)
    return False


def _names_a_body(sentence: str, asked: set[str]) -> bool:
    """A department or body other than the ones the question names and 各課: 「構想担当課はどこ」 is not
    answered by 「構想担当課が…伴走し」."""
    return any(
        m.group(0) not in _GENERIC_BODIES and not any(m.group(0) in a for a in asked)
        for m in _ORGANIZATION_NAME.finditer(sentence)
    )


def _said_of_topic(pattern: str, entry: FaqEntry, question: str, analyzer: Analyzer) -> bool:
    """The answer states `pattern` in a sentence about what the question names: the period of the next plan
    is not the current plan's period said in the same answer. The topic is the question's words the entry
    has at all (a typo or a word it lacks says nothing)."""
    everything = fold_for_match(entry.question + entry.answer)
    topic = [u.term for u in analyzer.analyze(question).units if u.term in everything]
    for sentence in _plain(entry.answer).split("。"):
        if re.search(pattern, sentence) and (not topic or any(t in fold_for_match(sentence) for t in topic)):
            return True
    return False


def _has_long_form(answer: str, acronym: str) -> bool:
    """BPR（ビジネス・プロセス・リエンジニアリング） or デジタル・トランスフォーメーション（DX）."""
    a = re.escape(acronym)
    return bool(
        re.search(rf"{a}[(（][^)）]{{4,}}[)）]", answer) or re.search(rf"[ァ-ヶー・]{{4,}}[(（]{a}[)）]", answer)
    )


# ---------------------------------------------------------------- what the reply says

# A question word: what is asked is not a yes or no (「KPIはいつから見直す？」).
_QUESTION_WORD = patterns.compile(r"いつ|どう|どこ|どの|どれ|どんな|何(?!回も|度も)|なに|なん|誰|だれ|なぜ|いくつ|いくら|教えて")
_YES_NO_HEAD = patterns.compile(r"^(はい|いいえ)[。、]\s*")
# 「BPRをしてない業務はDXできない？」: a yes to a question asked in the negative reads as its opposite.
_NEGATIVE_QUESTION = patterns.compile(r"(ない|なく|ダメ|だめ|駄目|いけない|無理)(の|んですか|ですか|か)?[?？]?$")


def without_stray_yes_no(question: str, entry: FaqEntry) -> FaqEntry:
    """The entry without the 「はい。」 it opens with for its own yes/no phrasing, when the question asks a
    question word (「KPIはいつから見直す？」 → 「KPI設定は、2024年度以降も…」) or is asked in the negative."""
    plain = _plain(question)
    if entry.id.startswith("table:") or not _YES_NO_HEAD.match(entry.answer):
        return entry
    if not _QUESTION_WORD.search(plain) and not _NEGATIVE_QUESTION.search(plain):
        return entry
    return replace(entry, answer=_YES_NO_HEAD.sub("", entry.answer, count=1))


def missing_statement(asks: Asks, question: str, source_name: str = "計画") -> str:
    """「計画には…は書かれていません」: what the plan lacks, in the question's terms."""
    q = _plain(question)
    what = {
        Asks.PERSON_NAME: "担当者の名前",
        Asks.COUNT: "人数" if re.search(r"何人|何名|人数|なんにん|なんめい", q) else "頻度や回数" if re.search(r"頻度|何回|回数", q) else "その数",
        Asks.VALUE: "その数値（目標値や割合）",
        Asks.DAY: "その日程",
        Asks.PROGRESS: "進み具合や実績",
        Asks.PERIOD: "その期間",
        Asks.WHEN: "その時期",
        Asks.SINCE: "いつから始めるか（開始の時期）",
        Asks.UNTIL: "いつまでか（期限・終了の時期）",
        Asks.AMOUNT: "費用や金額",
        Asks.PRODUCT: "利用するサービスや製品の名前",
        Asks.CONTACT: "電話番号やメールアドレス",
        Asks.LONG_FORM: f"{'・'.join(a.upper() for a in _acronyms(q))}の正式名称（略さない言い方）",
        Asks.DEPARTMENT: "担当の課",
        Asks.PLACE: "場所",
        Asks.POSITION: f"{_position(q)}が誰か",
        Asks.WHO: f"{_who_of(q)}が誰か",
        Asks.LIST: "その一つ一つ（一覧）",
        Asks.CONTENTS: "その中身（内容）",
        Asks.HOW_TO: "具体的な方法や手順",
        Asks.REASON: "その理由",
        Asks.NEXT: "次の予定（日程）",
        Asks.INITIATIVE: "この質問に当たる取組みの名前",
        Asks.YEAR: f"{'・'.join(_years(q))}年のことで質問に合う記載",
    }[asks]
    return f"{source_name}には{what}は書かれていません。"


# A sentence that leans on the question or on the sentence before cannot stand alone in a note.
_NOT_SELF_CONTAINED = patterns.compile(r"^(両方|はい|いいえ|また|なお|これ|それ|つまり|このため|その|ただし|さらに)")


_WHO_OF = patterns.compile(r"^(?P<topic>[^、。]+?)(?:って|は|の担当は|を担当するのは)(?:誰|だれ|どなた|どの人)")


def _who_of(plain_question: str) -> str:
    found = _WHO_OF.search(plain_question)
    return found.group("topic") if found else "担当する人"


def _position(plain_question: str) -> str:
    found = _find_position(plain_question)
    return found.group(1) if found else "担当者"


def topic_summary(entries: list[FaqEntry], question: str, analyzer: Analyzer) -> str:
    """What the plan does say on the topic: the sentence of the closest entries that covers most of the
    question's words (the first one on a tie) that stands on its own, with its section."""
    terms = {u.term for u in analyzer.analyze(question).units}
    # The topic is what the closest entry shares with the question; the rest (効果, 名前) is what is missing.
    first = fold_for_match(entries[0].question + entries[0].answer) if entries else ""
    terms = {t for t in terms if t in first} or terms
    best: tuple[int, str, FaqEntry] | None = None
    for entry in entries:
        for sentence in (s.strip() for s in entry.answer.split("。")):
            if not sentence or _NOT_SELF_CONTAINED.match(sentence):
                continue
            folded = fold_for_match(sentence)
            covered = sum(1 for t in terms if t in folded)
            if best is None or covered > best[0]:
                best = (covered, sentence, entry)
    if best is None:
        entry = entries[0]
        sentence = entry.answer.split("。")[0].strip()
    else:
        _, sentence, entry = best
    return f"{sentence}（{entry.source}）" if entry.source else f"{sentence}。"


# ---------------------------------------------------------------- the engine's last step

# The section of the plan's revision history, and the words by which a question is about it.
REVISION_SOURCE = "改訂履歴"
_ABOUT_VERSIONS = patterns.compile(
    r"版|改訂|履歴|発行|バージョン|追記|修正|変更|変わ|直し|直さ|直っ|加わ|載っ|初版|最新|いつから|いつ(追加|入っ)|ver|v\d"
)
# What a body does (not who is in it): asked of a body or a post, said in an answer.
_ASKS_ROLE = patterns.compile(r"(何|なに|なん)(を)?(する|して|やる|やって)|役割|役目|仕事|任務|どんなこと")
_ORGANIZATION_WORD = patterns.compile(r"委員|本部|監事会|リーダー|wg|ワーキンググループ|事務局|cdo|補佐官|顧問|参事|市長|教育長")
_ROLE_SAID = patterns.compile(r"役割|役目|担う|担い|推進する|を推進|検討し|報告|サポート|支援|見える化|拾い上げ|けん引|承認")

# A question that names the versions themselves (not 「いつから」, which the rescue reads as when a thing began).
_NAMES_VERSIONS = patterns.compile(r"版|改訂|履歴|発行|バージョン|ver|v\d")

# How far down the candidates an entry that fills the type may come from, and how close it must be.
CANDIDATES_CONSIDERED = 5
CLOSE_ENOUGH = 0.6
# Of close 「もしかして」 choices, the only one that fills the type is answered when it is this close to the first.
CLOSE_CALL = 0.9
# The least confidence at which a question's type may pick the answer alone (QuestionTypeCheck._typed_rescue).
RESCUE_FLOOR = 0.05


# A word the knowledge base never uses is a thing it says nothing about, when it is clearly a word: two
# kanji or more (病院, 予算) or three katakana (アカウント). Shorter ones are too often a typo or a guess
# of Sudachi at kana input (ジカ of じんじか).
_CLEAR_WORD = patterns.compile(r"[一-龥]{2,}|[ァ-ヶ]{3,}")


# Nouns of intention and manner written in kana (「するつもりだった」): no topic the knowledge base could lack.
_FUNCTION_NOUNS = frozenset(fold_for_match(w) for w in ("つもり", "積もり", "はず", "わけ", "おつもり", "ところ", "かんじ"))

# Nouns that say how a question asks, not what about: an answer need not repeat them.
_GENERIC_NOUNS = frozenset(
    fold_for_match(w)
    for w in ("正式名称", "正式名", "名称", "予定", "内容", "全部", "計画", "ポイント", "役目", "役職", "駄目", "具体",
              "詳細", "情報", "状況", "一覧", "場合", "関係", "最新", "現在", "今後", "次回", "全体", "以外",
              # categories whose members an answer names instead (推進本部 for 組織)
              "組織", "団体", "会議体", "会議", "取組", "取組み", "取り組み", "項目", "種類", "担当", "部署",
              # how, not what: 「一緒に研究する」
              "一緒", "共同", "互い",
              # what a body is made of: 「何人で構成」 asks its size, 「構成は」 its members
              "構成")
)


@dataclass(frozen=True)
class QuestionTypeCheck:
    get_entry: Callable[[str], FaqEntry | None]
    analyzer: Analyzer
    # Whether the knowledge base uses a word (folded, as the analyzer gives it); None: never say so.
    known_word: Callable[[str], bool] | None = None
    # Notes only for a knowledge base that is the whole of its source (the plan: what its entries lack,
    # the plan lacks). A city's FAQ often answers by pointing elsewhere (「空き状況はホームページで公表」),
    # which still helps: there an answer that cannot fill the type only gives way to a candidate that can.
    notes: bool = True
    # How the reply names the source in 「…には…は書かれていません」.
    source_name: str = "計画"

    def unknown_terms(self, question: str) -> list[str]:
        """Clear nouns of the question that no entry, synonym or glossary term of the knowledge base has."""
        if self.known_word is None:
            return []
        known = self.known_word
        a = self.analyzer.analyze(question)
        if not any(_CLEAR_WORD.fullmatch(u.term) and not known(u.term) for u in a.units):
            return []
        return [
            u.term
            for u in a.units
            if u.weight == 1.0
            and _CLEAR_WORD.fullmatch(u.term)
            and u.term not in _FUNCTION_NOUNS
            and not known(u.term)
            and not any(known(t) for t in (*u.synonyms, *u.parts))
            and not any(u.term in form for _, form in a.concept_forms)
        ]

    def uncovered_terms(self, question: str, entry: FaqEntry) -> list[str]:
        """Clear nouns of the question (not the words of what it asks: 時期, 人数) that the entry never says,
        nor any synonym or part of them: 「DX推進リーダーの研修はいつ」 is not about when the leaders were added."""
        text = fold_for_match(" ".join((entry.question, *entry.alternates, entry.answer)))
        return [
            u.term
            for u in self.analyzer.analyze(question).units
            if u.weight == 1.0
            and _CLEAR_WORD.fullmatch(u.term)
            and u.term not in text
            and not asked_types(u.term)
            and u.term not in _GENERIC_NOUNS
            and u.term not in _FUNCTION_NOUNS
            and not any(t in text for t in (*u.synonyms, *u.parts) if len(t) >= 2)
        ]

    def check(self, question: str, result: MatchResult) -> MatchResult:
        """`result` as the entries gave it, kept, moved to a candidate that fills the type, or a note."""
        from knowledge.engine import AMBIGUOUS, ANSWERED, NO_ANSWER

        if not result.candidates:
            return result
        if result.status == NO_ANSWER:
            return self._typed_rescue(question, result)
        if result.status == ANSWERED and result.entry is not None and self._off_revision(question, result.entry):
            # 「推進体制はどうなってる」 is not a question about the 第1.3版 that changed the 推進体制図.
            for candidate in result.candidates[1:CANDIDATES_CONSIDERED]:
                entry = self.get_entry(candidate.entry_id)
                if (
                    entry is not None
                    and candidate.score >= CLOSE_ENOUGH * result.candidates[0].score
                    and not self._off_revision(question, entry)
                ):
                    return self.check(question, replace(result, entry=entry, score=candidate.score))
            return replace(result, status=AMBIGUOUS, entry=None)
        if self.notes and (result.status == AMBIGUOUS or (result.status == ANSWERED and result.entry is not None)):
            result = self._to_a_role(question, result)
        # An unknown word only stops an answer: choices still help when it is a typo (行動変格).
        unknown = self.unknown_terms(question) if result.status == ANSWERED else []
        asks = asked_types(question) | ({Asks.UNKNOWN_TERM} if unknown else set())
        if not asks:
            return result
        entries = [(c, self.get_entry(c.entry_id)) for c in result.candidates[:CANDIDATES_CONSIDERED]]
        if result.status == ANSWERED and result.entry is not None:
            if self._fits(asks, result.entry, question):
                return result
            best = result.candidates[0].score
            # What a document holds is told by the entry on that document: when it points elsewhere, another
            # entry on the topic (how the ロジックモデル is revised) does not say it either.
            held_elsewhere = Asks.CONTENTS in asks and not fills(Asks.CONTENTS, result.entry, question, self.analyzer)
            for candidate, entry in [] if held_elsewhere else entries[1:]:
                if (
                    entry is not None
                    and candidate.score >= CLOSE_ENOUGH * best
                    and not self._off_revision(question, entry)
                    and self._fits(asks, entry, question)
                ):
                    return replace(result, entry=entry, score=candidate.score, asked=asks)
        elif result.status == AMBIGUOUS:
            filling = [(c, e) for c, e in entries[:3] if e is not None and self._fills_all(asks, e, question)]
            if (
                self.notes
                and len(filling) == 1
                and filling[0][0].score >= CLOSE_CALL * result.candidates[0].score
                and not self.uncovered_terms(question, filling[0][1])
            ):
                # A close call that the type decides: of the choices only the first can give what is asked.
                candidate, entry = filling[0]
                return replace(result, status=ANSWERED, entry=entry, score=candidate.score, asked=asks)
            if filling:
                return result
        top = result.entry or entries[0][1]
        if top is None or not self.notes:
            return result
        # The first type the top entry cannot fill; when it fills them all, it is about something else
        # (a noun of the question it never says), and what the plan lacks is the first type asked.
        unfilled = next(
            (a for a in Asks if a in asks and not fills(a, top, question, self.analyzer)),
            next(a for a in Asks if a in asks),
        )
        if says_lacking(unfilled, top, question) and not self.uncovered_terms(question, top):
            # The entry itself says the plan lacks what is asked: its own words are the note.
            note = self.lacking_note(question, top) or top.answer
            return replace(result, status=NO_ANSWER, entry=None, note=note, asked=asks)
        closest = [e for _, e in entries[:3] if e is not None]
        # What the plan says on the topic, not on a revision of it (「WGの開催頻度は」 is not how often it is revised).
        closest = [e for e in closest if not self._off_revision(question, e)] or closest
        statement = (
            f"{self.source_name}には「{'」「'.join(unknown)}」についての記載はありません。"
            if unfilled is Asks.UNKNOWN_TERM
            else missing_statement(unfilled, question, self.source_name)
        )
        elsewhere = [s for s in top.answer.split("。") if _HELD_ELSEWHERE.search(_plain(s))] if unfilled is Asks.CONTENTS else []
        if elsewhere:
            # Where the contents are is what the plan does say: 「内容は別ファイル「ロジックモデル」にまとめられています」.
            summary = f"{elsewhere[0].strip()}（{top.source}）" if top.source else f"{elsewhere[0].strip()}。"
        else:
            summary = topic_summary(closest, question, self.analyzer)
        note = statement + summary
        return replace(result, status=NO_ANSWER, entry=None, note=note, asked=asks)

    def _to_a_role(self, question: str, result: MatchResult) -> MatchResult:
        """「DX推進委員ってなにするの」 asks what a body does: an answer on who is in it gives way to a close
        candidate that says its role."""
        from knowledge.engine import AMBIGUOUS, ANSWERED

        q = _plain(question)
        if not (_ASKS_ROLE.search(q) and _ORGANIZATION_WORD.search(q)):
            return result
        best = result.candidates[0].score if result.candidates else 0.0
        if result.status == AMBIGUOUS:
            # A close call that the role decides: of the first two choices only one says what the body does.
            saying = [
                (c, e) for c, e in ((c, self.get_entry(c.entry_id)) for c in result.candidates[:2])
                if e is not None and _ROLE_SAID.search(_plain(e.answer))
            ]
            if len(saying) == 1 and saying[0][0].score >= CLOSE_CALL * best:
                return replace(result, status=ANSWERED, entry=saying[0][1], score=saying[0][0].score)
            return result
        assert result.entry is not None
        if _ROLE_SAID.search(_plain(result.entry.answer)):
            return result
        for candidate in result.candidates[1:CANDIDATES_CONSIDERED]:
            entry = self.get_entry(candidate.entry_id)
            if entry is not None and candidate.score >= CLOSE_ENOUGH * best and _ROLE_SAID.search(_plain(entry.answer)):
                return replace(result, entry=entry, score=candidate.score)
        return result

    def _typed_rescue(self, question: str, result: MatchResult) -> MatchResult:
        """A question too far in wording from every phrasing (「アクションプランはいつ始まった」) is answered by its
        first candidate when that is the only one of the first three that gives the type asked (a year, a count,
        a department) and says every clear noun of the question. Lists and initiatives do not count: every
        answer on a topic lists something."""
        from knowledge.engine import ANSWERED

        if not self.notes or result.score < RESCUE_FLOOR or self.unknown_terms(question):
            return result
        asks = asked_types(question) - {Asks.LIST, Asks.INITIATIVE, Asks.YEAR, Asks.CONTENTS}
        if not asks:
            return result
        fitting = [
            (candidate, entry)
            for candidate, entry in ((c, self.get_entry(c.entry_id)) for c in result.candidates[:3])
            if entry is not None
            and not (entry.source == REVISION_SOURCE and not _NAMES_VERSIONS.search(_plain(question)))
            and self._fills_all(asks, entry, question)
            and not self.uncovered_terms(question, entry)
        ]
        if len(fitting) != 1 or fitting[0][0] is not result.candidates[0]:
            return result
        candidate, entry = fitting[0]
        return replace(result, status=ANSWERED, entry=entry, score=candidate.score, asked=asks)

    def _off_revision(self, question: str, entry: FaqEntry) -> bool:
        """An entry on the revision history, for a question that says nothing of versions or revisions."""
        return self.notes and entry.source == REVISION_SOURCE and not _ABOUT_VERSIONS.search(_plain(question))

    def lacking_note(self, question: str, entry: FaqEntry) -> str | None:
        """The note for an entry whose own answer says the plan lacks what the question asks (the entry of a
        phrasing typed word for word, too: 「次の改訂はいつ？」 is answered by 「…時期は記載されていません」)."""
        if not self.notes or not any(says_lacking(a, entry, question) for a in asked_types(question)):
            return None
        said = re.sub(r"^(はい|いいえ)[。、]", "", entry.answer)  # the yes or no was to another question
        return f"{said}（{entry.source}）" if entry.source else said

    def check_entry(self, question: str, entry: FaqEntry) -> str | None:
        """For an answer that was not ranked (computed from a table): the note when it cannot fill the type."""
        # A computed answer names the years it was asked about in the plan's own way (R6年度).
        asks = asked_types(question) - {Asks.YEAR}
        unfilled = next((a for a in Asks if a in asks and not fills(a, entry, question, self.analyzer)), None)
        if unfilled is None:
            return None
        return missing_statement(unfilled, question, self.source_name) + topic_summary([entry], question, self.analyzer)

    def _fits(self, asks: frozenset[Asks], entry: FaqEntry, question: str) -> bool:
        """Fills every type asked, and says every clear noun of the question (it is about the same thing)."""
        # Only where the knowledge base is the whole source: a city's FAQ answers in other words than asked.
        # 「学童との連絡をデジタル化する取組みは？」 says in other words what the entry names: asking which
        # initiative alone does not ask the entry to repeat the question's nouns.
        return self._fills_all(asks, entry, question) and (
            not self.notes
            or entry.id.startswith("table:")
            or asks <= {Asks.INITIATIVE}
            or not self.uncovered_terms(question, entry)
        )

    def _fills_all(self, asks: frozenset[Asks], entry: FaqEntry, question: str) -> bool:
        return all(fills(a, entry, question, self.analyzer) for a in asks)
