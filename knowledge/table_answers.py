"""Answers computed from the plan's tables (knowledge/tables.py) for questions that combine them.

「WG①とWG③の両方に入っている課」, 「人事課が関わるWGとBPRの年度」, 「2023年度にBPRした課」: such a
question names things the tables know (WGs, departments, years, BPR) and asks for a relation between them.
`TableAnswerer.answer` recognizes that shape and computes the answer; for anything else it returns None
and the question goes to the FAQ entries. It only fires on a question it fully understands: a question
that merely mentions a WG (「WGの役割は？」) is left to the entries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from rapidfuzz import fuzz

from knowledge import patterns
from knowledge.analysis import Analyzer
from knowledge.kb import FaqEntry, Initiative, Reform
from knowledge.normalize import fold_for_match, fold_kana, hiragana_to_katakana, normalize_text
from knowledge.tables import BprYear, PlanTables, Version, WgTable, WorkingGroup, circled

# Entry ids of computed answers: `table:` + what was computed.
WG_MEMBERS = "table:wg-members"
WG_OF_DEPARTMENT = "table:wg-of-department"
BPR_BY_YEAR = "table:bpr-by-year"
BPR_OF_DEPARTMENT = "table:bpr-of-department"
WG_STATUS = "table:wg-status"
APPEARANCES = "table:appearances"
BODIES = "table:bodies"
REVISIONS = "table:revisions"
INITIATIVES = "table:initiatives"
BPR_AND_WG = "table:bpr-and-wg"


_DIGIT_RANGE = patterns.compile(r"(?<=\d)\s*[〜～~\-−‐]\s*(?=[\dwW表])")


def _fold(text: str) -> str:
    """Katakana, no long-vowel marks, no spaces; digits and punctuation kept (WG1と3 ≠ WG13), and a
    range between numbers (2022〜2023, WG1~3) written カラ, since folding drops 〜 with the long vowels."""
    return fold_kana(_DIGIT_RANGE.sub("から", normalize_text(text))).replace(" ", "")


def _words(*words: str) -> re.Pattern[str]:
    return patterns.compile("|".join(re.escape(_fold(w)) for w in sorted(words, key=len, reverse=True)))


_WG_NUMBERS = patterns.compile(
    r"wg(?:ノ)?([1-9])(?![0-9個名人]|ツ(?!テ))((?:(?:ト|・|,|、|及ビ|オヨビ|ヤ|カ|マタハ|or|&|/)(?:wg)?[1-9](?![0-9個名人]|ツ(?!テ)))*)"
    r"|([1-9])(?:ト|・|、)([1-9])(?:ノ|番目ノ)?wg"
)
# 第1WG, 1番目のWG, WG(1), WG No.1: all WG1.
_WG_SPELLINGS = patterns.compile(r"第([1-9])wg|([1-9])番目?ノ?wg|wg\s*(?:no\.?|番号)?\s*[(（]([1-9])[)）]|wg\s*no\.?\s*([1-9])")
_WG_RANGE = patterns.compile(r"wg([1-9])カラ(?:wg)?([1-9])")
# 表①〜③ (表1カラ3 once folded), 表②と③: every table named, each as 表N.
_TABLE_RANGE = patterns.compile(r"表([1-3])(カラ|ト|・|、|及ビ|ヤ)表?([1-3])")


def _tables_of_range(found: re.Match[str]) -> str:
    first, last = int(found.group(1)), int(found.group(3))
    numbers = range(first, last + 1) if found.group(2) == "カラ" else (first, last)
    return "ト".join(f"表{n}" for n in numbers)


_YEARS = patterns.compile(r"(20\d\d)年度?")
_REIWA_YEAR = patterns.compile(r"(?:令和|r)([1-9]|1[0-9])年度")
# 2022〜2023年度, 2022・2023年度: both years.
_YEAR_BOUND = patterns.compile(r"(20\d\d)年度?(マデ|以降|カラ)")
_YEAR_PAIR = patterns.compile(r"(20\d\d)(?:年度?)?(?:カラ|・|、|ト)(20\d\d)(?:年|(?![\d.]))")
# A department the tables do not know: 財政課. Question words ending in 課 are not departments.
_ANY_DEPARTMENT = patterns.compile(r"(?<![一-龥])[一-龥]{2,8}課(?![題長程金税])")  # not 業務課題, 課長
_NOT_DEPARTMENTS = patterns.compile("|".join(("何課", "どの課", "参加課", "各課", "担当課", "所属課", "関係課", "対象課", "実施課", "所管課", "構想担当課")))

_MEMBERSHIP = _words(
    "参加", "入って", "入る", "入つて", "所属", "メンバー", "加わ", "属して", "構成", "関わ", "関係", "携わ", "いる課", "いた課"
)
_ASKS_DEPARTMENT = _words("課", "部署", "部門", "どこ", "誰", "だれ", "メンバー", "所属")
_ASKS_COUNT = _words(
    "何課", "いくつ", "何部署", "数", "何か所", "何個", "何つ", "何チーム", "何団体", "どれくらい", "どのくらい", "何件", "何項目",
)
_ASKS_WHEN = _words("いつ", "何年", "年度", "時期")
_ASKS_STATUS = _words("状況", "どうな", "休止", "保留", "続いて", "続く", "その後", "現在", "今は", "継続", "進んで", "どう")
# 「休止中のWGは」「保留になったWGはいくつ」: the 2024年度 WGs with that status, in the plan's words.
_STATUS_WORDS = (
    (_words("休止", "止まって", "止まっ", "止めた", "中断", "ストップ", "やめた", "やめて", "休んで"), "休止"),
    (_words("保留"), "保留"),
)
# 「どのWGにも入ってない課」: the plan has no list of all departments to take the WGs' ones from.
_IN_NO_GROUP = _words(
    "どのwgにも入って", "どのwgにも参加して", "どこのwgにも", "wgに入ってない", "wgに入っていない", "wgに参加していない",
    "wgに参加してない", "wgに入ってない課", "wgに所属していない", "wgに所属してない",
)
_BOTH = _words(
    "両方", "どちらにも", "どっちにも", "共通", "重複", "かぶ", "被って", "ともに", "共に", "どちらも", "どっちも",
    "いずれにも", "全てに", "すべてに", "全部に", "兼", "掛け持ち", "かけもち",
)
_EITHER = _words("どちらか", "どっちか", "いずれか", "合わせ", "あわせ", "合計", "全体", "足す", "足し", "足した", "総数", "総計")
_ONLY = _words("だけ", "のみ", "しか")
# A number the question asks to confirm, at its end: 「10課？」「4つ？」「8課だけ？」.
_CLAIMED_NUMBER = patterns.compile(r"(?<![\d.])(\d+)(課|ツ|個)(ダケ|デスカ|ナノ|カ|デ合ッテル)?[?？]$")
_MOST = _words("一番多い", "いちばん多い", "最も多い", "もっとも多い", "最多")
_LEAST = _words("一番少ない", "いちばん少ない", "最も少ない", "もっとも少ない", "最少")
_WITHOUT_REPEATS = patterns.compile(
    _fold("重複") + "(" + "|".join(_fold(w) for w in (
        "なし", "無し", "を除いて", "を除いた", "を除く", "を除き", "除いて", "除いた", "除く", "除き", "抜き", "のない", "はなし", "なく",
    )) + ")"
    + "|" + _fold("ダブりなし") + "|" + _fold("ダブり抜き")
)
_ONE_SIDE = _words(
    "共通しない", "共通していない", "共通してない", "重複しない", "重複していない", "重複してない", "かぶらない", "かぶってない",
    "かぶっていない", "被ってない", "被っていない", "ダブってない", "ダブっていない", "どちらか一方", "片方だけ", "一方だけ",
    "どちらか片方",
)
_EXCEPT = _words(
    "以外", "除", "入っていない", "入つていない", "入ってない", "入つてない", "参加していない", "参加してない", "いない", "じゃない",
    "入らない", "含まれない", "含まれていない",
)
_ONE_GROUP_ONLY = _words(
    "1つだけ", "一つだけ", "ひとつだけ", "1つのwgだけ", "1つのみ", "一つのみ", "1つしか", "一つしか", "1つのwgにしか",
    "一つのwgにしか", "1つのwgのみ", "一つのwgのみ",
)
_SEVERAL = _words("複数", "2つ以上", "二つ以上", "2つの", "二つの", "両方", "掛け持ち", "かけもち", "兼")
_ALL = _words("全部", "すべて", "全て", "ぜんぶ", "一覧", "全体", "全")
_BPR = patterns.compile("bpr")
_KEPT_GROUPS = _words("両方にある", "どちらにもある", "どっちにもある", "両方にあった", "にもあった", "にもある", "残っている", "残ってる", "続いている", "続いてる")
_CHANGED_GROUPS = _words("新しくできた", "新しくでき", "新設", "新たにでき", "新しいwg", "増えたwg", "なくなったwg", "なくなった", "減った", "増えた", "前年度から", "前年から", "廃止され")
_PEERS = _words("と同じ年", "と同じ年度", "と同年度", "と同じwg", "と同じワーキング", "と一緒に")
_VERSION_WORD = _words("版", "改訂", "バージョン")
_ONE_VERSION = _words("今回", "最新", "今の版", "現在の版", "現行", "前回", "この版", "初回", "次の改訂", "次回")
_NAMED_VERSION = patterns.compile(r"(\d+\.\d+)版?")
_HOW_MANY_TIMES = _words("何回", "何度", "回数")
_ISSUE_DATE = _words("いつ", "日付", "発行日", "何日", "日にち", "何年何月", "出た", "出され", "発行され")
# Words of any revision, which cannot tell one version from another.
_REVISION_WORDS = {
    _f for _w in ("版", "改訂", "追記", "追加", "変更", "修正", "変わる", "内容", "全部", "全て", "すべて", "発行", "出る",
                  "入る", "加わる", "載る", "行う", "初めて", "最初", "版数", "改訂履歴", "履歴", "どれ", "ある", "為る",
                  "教える", "新た", "新しい", "見直す", "直す", "時", "バージョン", "回", "年", "年度", "月", "日", "何",
                  "いつ", "どこ", "部分", "箇所", "ところ", "こと", "の", "計画", "アクションプラン", "いくつ", "幾つ", "数",
                  "何個", "何回", "全体", "一覧", "リスト", "順番", "順", "今", "現在", "今回", "前回",
                  "回数", "最後", "最近", "直近", "一番", "日付", "発行日")
    for _f in (fold_for_match(_w),)
}
# How the question names the kind of change, and the plan's word for it.
_CHANGE_KINDS = [
    (_words("追加", "追記", "加わ", "加え", "載せ", "入っ", "入れ", "盛り込"), fold_for_match("追記")),
    (_words("修正", "直し", "直さ", "直っ"), fold_for_match("修正")),
    (_words("変更", "変わ", "変え"), fold_for_match("変更")),
]
_THEME_OR_INITIATIVE = _words("テーマ", "取組", "取り組み", "とりくみ")
# 「…のは誰？」「…のは何？」: which of the bodies is described.
_ASKS_WG_NAME = _words("テーマ", "名前", "名称", "何のwg", "なんのwg", "何をするwg", "何を検討")
_FAMILY = patterns.compile(r"([一-龥]{2,4}?)(?:系|関係|関連)?の(?:課|部署)")
_NOT_HELD = patterns.compile(r"(開かれて(い)?ない|開催されて(い)?ない|開催していない|未開催|開いてない|開かれなかった|開催されなかった)")
# 「…のは誰」, not 「…のは何STEP」 (a question word that heads a noun asks for that noun, not for a body).
_WHICH_BODY = patterns.compile(
    r"(のは|なのは)((誰|だれ|どこ|何|なに|どれ|どの組織|どちら)(?![a-z一-龥ァ-ヶ])|[?？]*$)|"
    # 「各課の職員がメンバーの組織」: a question that ends on the kind of body it asks for
    r"(の|な|[うくぐすつぬぶむるた])(組織|会議体|会議|グループ)(は|って)?(どれ|どこ|何|なに|どの組織)?[?？]*$"
)
# A question about the tables that is not a list or a count of them: 「表①〜③の取り組みは増えるだけ？」.
_OTHER_QUESTION = _words(
    "増え", "減", "廃止", "変わ", "変更", "追加", "見直", "だけ", "なぜ", "どうして", "どのよう", "どうやって", "理由",
    "目的", "誰", "いつ", "決ま", "確定", "実現可能", "必ず", "絶対", "実施する", "やるの", "やらな",
)
_EVERY = _words("全部に", "すべてに", "全てに", "3つとも", "三つとも", "いずれにも", "どれにも", "全wg")
_ASKS_SIZE = _words("人数", "何人", "何名", "規模", "人いる", "名いる")
_ASKS_MEMBERS = _words("メンバー", "構成", "誰が", "どんな人", "選ばれ", "選定", "誰で", "誰から", "どこから")
_ASKS_ROLE = _words("役割", "何をする", "何する", "仕事", "役目", "任務", "担う", "何を担")
_ASKS_REFORM = _words("改革", "表", "どこ")
_ASKS_THEME = _words("テーマ")
_ASKS_NOTES = _words("備考")
_EACH = _words("それぞれ", "どちら", "どっち", "各", "ずつ", "違い", "比べ")
# 「フロントヤード改革は計画のどことどこに出てくる？」「SNSは取組みとWGの両方にある？」
_ASKS_WHERE = _words(
    "取組みとwg", "取組とwg", "取り組みとwg", "wgと取組", "wgと取り組み", "どことどこ", "出てく", "載って", "のって", "登場", "両方にある", "どちらにも", "どこにある", "どこに出", "どちらにある",
    "どっちにある", "どちらに", "どっちに",
)
# 「BPRした課は？」 asks which; 「BPRしていない課もDXしてよい？」 asks something else.
_ASKS_WHICH = _words(
    "どこ", "どの課", "どの分野", "どの部署", "何課", "対象", "一覧", "全部", "すべて", "全て", "いつ", "何年度",
    "した課", "やった課", "行った課", "分野", "課は", "課を", "何の課",
)
# What a question may ask of BPR itself, which the table of departments by year does not tell: 「BPRの内製化は
# いつから」「BPRは外部委託？」 are the entries' questions.
_BPR_ITSELF = _words(
    "内製", "委託", "外部", "外注", "自前", "手法", "方法", "やり方", "進め方", "意味", "略", "正式", "継続", "これから", "今後",
    "ずっと", "誰が", "だれが", "業者", "コンサル",
)
_IN_CHARGE_OF = _words("担当課", "担当の課", "担当部署", "所管課", "所管", "担当はどこ", "どこが担当", "担当している課", "担当する課")
_NEGATION = _words("ない課", "してない", "やってない", "していない", "未実施", "実施していない", "以外")


# What a question may ask of a department's WG or BPR that the tables do not say, and how the note names it.
_BEYOND = {
    "役割": "課ごとの役割", "役目": "課ごとの役割", "仕事": "課ごとの仕事の内容", "担当業務": "課ごとの担当業務",
    "結果": "BPRやWGの結果", "成果": "BPRやWGの成果", "効果": "BPRやWGの効果", "内容": "取り組んだ内容",
    "何をした": "取り組んだ内容", "何をやった": "取り組んだ内容", "課題": "課ごとの課題", "理由": "その理由",
    "なぜ": "その理由", "目的": "その目的", "担当者": "担当者の名前", "名前": "担当者の名前", "何人": "参加している人数",
    "人数": "参加している人数", "予算": "費用や予算", "費用": "費用や予算",
    "何してる": "取り組んでいる内容", "何をしてる": "取り組んでいる内容", "何している": "取り組んでいる内容",
    "何をしている": "取り組んでいる内容", "何やってる": "取り組んでいる内容", "何をやってる": "取り組んでいる内容",
}
_BEYOND_WORDS = {_fold(k): v for k, v in _BEYOND.items()}
_BEYOND_MEMBERSHIP = patterns.compile("|".join(re.escape(k) for k in sorted(_BEYOND_WORDS, key=len, reverse=True)))
_MEMBERSHIP_ANSWERS = {"table:wg-of-department", "table:bpr-of-department", "table:bpr-and-wg", "table:bpr-by-year"}


@dataclass(frozen=True)
class TableAnswer:
    """A computed answer (`entry`, synthetic id `table:…`), or a `note` when the plan lacks what is asked."""

    entry: FaqEntry | None = None
    note: str | None = None


def _stem_label(row: BprYear, department: str) -> str:
    return f"{_stem(department)}（{row.label}のBPR）"


@dataclass(frozen=True)
class _Department:
    name: str
    forms: tuple[str, ...]  # folded forms to look for in the question
    reading: str  # folded katakana reading, for a question typed in kana


@dataclass
class _Question:
    text: str  # folded, canonical
    groups: list[int]
    group_tables: set[str]  # "current"/"previous": tables whose WG names were used
    named_forms: list[str]  # the WG names or aliases the question used (フロントヤード改革, SNS)
    years: list[str]
    departments: list[str]
    unknown_departments: list[str]
    rest: str  # the text without the department names found
    distinct: bool = False  # 「重複なし」: each department counted once

    def has(self, pattern: re.Pattern[str], text: str | None = None) -> bool:
        return bool(pattern.search(self.rest if text is None else text))


class TableAnswerer:
    def __init__(
        self,
        tables: PlanTables,
        analyzer: Analyzer,
        initiatives: Sequence[Initiative] = (),
        reforms: Sequence[Reform] = (),
    ) -> None:
        """`initiatives` and `reforms`: the plan's tables ①–③ (initiatives.yaml), for where a name appears."""
        self.tables = tables
        self.analyzer = analyzer
        self.current = tables.wg_current
        self.previous = tables.wg_previous
        self.bpr = tables.bpr
        names = list(tables.departments())
        # BPR fields without a department of that name in the plan (土木建設, 学校教育) are names of their own.
        for year in tables.bpr.years if tables.bpr else ():
            names += [f for f in year.fields if f + "課" not in names]
        self._departments = [self._department(n) for n in dict.fromkeys(names)]
        self.initiatives = tuple(initiatives)
        self.reforms = {r.no: r for r in reforms}
        self._bodies_by_name = {b.name: b for b in tables.bodies.bodies} if tables.bodies else {}
        self._body_forms = sorted(
            ((_fold(self.analyzer.glossary.canonicalize(normalize_text(f))), b.name)
             for b in self._bodies_by_name.values() for f in b.names),
            key=lambda p: -len(p[0]),
        )
        self._initiatives_by_name = {i.name: i for i in self.initiatives}
        self._glossary_names = {"".join(normalize_text(str(t)).split()) for g in analyzer.glossary.groups for t in g}
        # Positions in the bodies' member lists (市長（CDO）、副市長・教育長（副CDO）…): role → (body, segment).
        self._role_seats: dict[str, list[tuple[str, str]]] = {}
        for body in self._bodies_by_name.values():
            for segment in re.split("、", body.members):
                bare = re.sub(r"[（(][^）)]*[）)]|など$", "", segment)
                for role in bare.split("・"):
                    if role and not re.search(r"\d|中から|各課", role):
                        self._role_seats.setdefault(role, []).append((body.name, segment))
                        if role.endswith("相当職"):
                            # 「課長は推進本部でどういう立場？」: the plan's 課長相当職.
                            self._role_seats.setdefault(role.removesuffix("相当職"), []).append((body.name, segment))
        self._role_forms = sorted(((_fold(r), r) for r in self._role_seats), key=lambda p: -len(p[0]))
        themes: list[tuple[str, str]] = []
        for i in self.initiatives:
            key = f"{i.reform}\0{i.theme_no}\0{i.theme}"
            inner = re.findall(r"[（(]([^）)]+)[）)]", i.theme)
            outer = re.sub(r"[（(][^）)]*[）)]", "", i.theme)
            for form in {i.theme, outer, *inner}:
                themes.append((_fold(self.analyzer.glossary.canonicalize(normalize_text(form))), key))
        self._theme_forms = sorted(set(themes), key=lambda p: -len(p[0]))
        self._initiative_forms = sorted(
            ((_fold(self.analyzer.glossary.canonicalize(normalize_text(f))), i.name)
             for i in self.initiatives for f in (i.name, *i.aliases) if len(f) >= 2),
            key=lambda p: -len(p[0]),
        )
        topic_words = [w for i in initiatives for w in (i.name, i.theme, *i.aliases)]
        self._topic_words = "\n".join(_fold(w) for w in topic_words)
        # Each WG's names, folded once: the question is compared with them every time.
        self._group_forms = {
            id(group): [(f, _fold(f)) for f in (group.name, *group.aliases)]
            for table in (self.current, self.previous)
            for group in (table.groups if table else ())
        }

    def _department(self, name: str) -> _Department:
        forms = {_fold(name)}
        stem = name[:-1] if name.endswith("課") else name
        if len(stem) >= 2:
            forms.add(_fold(stem))
        for a, b in (("障がい", "障害"), ("障害", "障がい")):
            forms |= {f.replace(_fold(a), _fold(b)) for f in forms}
        bigrams = self.analyzer.analyze(name).reading_bigrams
        reading = bigrams[0] + "".join(b[1] for b in bigrams[1:]) if bigrams else ""
        return _Department(name, tuple(sorted(forms, key=len, reverse=True)), reading)

    # ------------------------------------------------------------------ reading the question

    def _read(self, question: str) -> _Question:
        canonical = self.analyzer.glossary.canonicalize(normalize_text(question))
        text = _WG_SPELLINGS.sub(lambda m: "wg" + next(g for g in m.groups() if g), _fold(canonical))
        text = _TABLE_RANGE.sub(_tables_of_range, text)
        # 「重複なしで何課」 counts each department once (the union), it does not ask for the overlap.
        distinct = _WITHOUT_REPEATS.search(text) is not None
        text = _WITHOUT_REPEATS.sub("", text)
        groups: list[int] = []
        for found in _WG_RANGE.finditer(text):
            groups += range(int(found.group(1)), int(found.group(2)) + 1)
        for found in _WG_NUMBERS.finditer(text):
            if found.group(1):
                groups.append(int(found.group(1)))
                groups += [int(d) for d in re.findall(r"[1-9]", found.group(2) or "")]
            else:
                groups += [int(found.group(3)), int(found.group(4))]
        group_tables: set[str] = set()
        named_forms: list[str] = []
        # A WG's name (生成AI活用) is also a topic of its own: it names the WG only next to 「WG」 or to a
        # membership word, unless no initiative shares it (ナッジユニット).
        # 「窓口改革のテーマに入ってる取組み」 is about a theme, not WG①.
        named = "wg" in text or (bool(_MEMBERSHIP.search(text)) and not _THEME_OR_INITIATIVE.search(text))
        for key, table in (("current", self.current), ("previous", self.previous)):
            for group in table.groups if table else ():
                used = [f for f, folded in self._group_forms[id(group)] if folded in text]
                if used:
                    named_forms.append(max(used, key=len))
                if used and (named or (group.name in used and self._unique_name(group))):
                    groups.append(group.number)
                    group_tables.add(key)
        # 令和 years the glossary does not list (R3年度, 令和10年度): 令和N年度 is 2018+N年度.
        text = _REIWA_YEAR.sub(lambda m: f"{2018 + int(m.group(1))}年度", text)
        pairs = [y for pair in _YEAR_PAIR.findall(text) for y in pair]
        years = list(dict.fromkeys(f"{y}年度" for y in sorted({*pairs, *_YEARS.findall(text)})))
        departments, rest = self._find_departments(text, question)
        family = _FAMILY.search(normalize_text(question))
        if not departments and family is not None:
            # 「福祉系の課はどのWG？」: every department whose name has that word.
            departments = [d.name for d in self._departments if family.group(1) in d.name]
        known = [f for d in self._departments for f in (d.name, *d.forms)]
        plain = _NOT_DEPARTMENTS.sub("", canonical)
        # A name close to one the plan has (高齢者障害福祉課, 健康医療課) is more likely a typo of it than another
        # department: it is left to the entries rather than said to be absent.
        unknown = [
            d
            for d in _ANY_DEPARTMENT.findall(plain)
            if _fold(d) not in known and not any(fuzz.ratio(_fold(d), k) >= 70 for k in known)
        ]
        return _Question(
            text, list(dict.fromkeys(groups)), group_tables, list(dict.fromkeys(named_forms)), years, departments, unknown, rest,
            distinct,
        )

    def _find_departments(self, text: str, question: str) -> tuple[list[str], str]:
        found: list[tuple[int, str]] = []
        rest = text
        forms = sorted(((f, d) for d in self._departments for f in d.forms), key=lambda p: -len(p[0]))
        for form, department in forms:
            at = rest.find(form)
            if at >= 0:
                found.append((at, department.name))
                rest = rest[:at] + "#" * len(form) + rest[at + len(form) :]
        if not found:
            # Typed in kana (ぜいむか): compare readings.
            kana = fold_for_match(hiragana_to_katakana(normalize_text(question)))
            for department in self._departments:
                if len(department.reading) >= 4 and department.reading in kana:
                    found.append((kana.find(department.reading), department.name))
        if not found:
            # A typo in a long name (高齢障がい者福祉課): nearly all of it is there.
            for department in self._departments:
                form = department.forms[0]
                if len(form) >= 5:
                    hit = fuzz.partial_ratio_alignment(form, text)
                    if hit is not None and hit.score >= 90:
                        found.append((hit.dest_start, department.name))
        names = [name for _, name in sorted(found)]
        return list(dict.fromkeys(names)), rest

    def _unique_name(self, group: WorkingGroup) -> bool:
        """A WG name no initiative and no other table uses: it can only mean the WG."""
        folded = _fold(group.name)
        return folded not in self._topic_words

    # ------------------------------------------------------------------ answering

    def answer(self, question: str) -> TableAnswer | None:
        found = self._answer(question)
        if found is None or found.entry is None or found.entry.id not in _MEMBERSHIP_ANSWERS:
            return found
        # 「税務課のWGでの役割は？」「人事課のBPRの結果は？」: the tables say who takes part, not what they did.
        beyond = _BEYOND_MEMBERSHIP.search(_fold(question))
        if beyond is None:
            return found
        what = _BEYOND_WORDS.get(beyond.group(0), "その内容")
        return TableAnswer(note=f"計画には{what}は書かれていません。{found.entry.answer}（{found.entry.source}）")

    def _answer(self, question: str) -> TableAnswer | None:
        q = self._read(question)
        bpr = q.has(_BPR)
        wg = "wg" in q.text
        bodies = self._find(q.text, self._body_forms)
        initiatives = self._find(q.text, self._initiative_forms)
        revised = q.has(
            _words("追記され", "修正され", "変更され", "追加され", "直され", "追記は", "修正は", "変更は", "追加は", "追記が", "修正が",
                   "変更が", "が入った", "が入っ", "が加わった", "が盛り込まれ"), q.text
        ) and (q.has(_HOW_MANY_TIMES, q.text) or q.has(_words("いつ", "何年", "どの版", "何版", "日付", "発行日", "時期", "日は", "された日", "した日"), q.text))
        if (q.has(_VERSION_WORD, q.text) or revised) and (found := self._revisions(q, question)):
            return found
        if not q.groups and not q.departments and (found := self._roles(q, bodies)):
            return found
        if not q.groups and not q.departments and (found := self._bodies_described(question)):
            return found
        if not q.groups and not q.departments and (found := self._body_figures(q, bodies)):
            return found
        if len(bodies) >= 2 and not q.groups and not q.departments and (found := self._bodies(q, bodies)):
            return found
        if len(initiatives) >= 2 and not wg and not bpr and (found := self._initiatives(q, initiatives)):
            return found
        if len(initiatives) == 1 and not wg and not bpr and (found := self._same_place(q, initiatives[0]) or self._in_reform(q, initiatives[0])):
            return found
        if not initiatives and not wg and not bpr and (
            found := self._theme_by_number(q) or self._initiatives_by_notes(q) or self._themes_by_size(q)
            or self._reforms_and_themes(q) or self._reform_overview(q)
        ):
            return found
        if wg and not q.groups and not q.departments and not bpr and (found := self._groups_changed(q)):
            return found
        # 「総務課はDX推進委員会に入っている？」 is about that body (各課職員1名), not the WGs.
        other_body = any(b not in ("ワーキンググループ", "事務局") for b in bodies)
        if q.departments and (bpr or wg or (q.has(_MEMBERSHIP) and not other_body)):
            return self._department_profile(q, bpr=bpr, wg=wg or not bpr, bodies=bodies)
        which_group = q.has(_words("どのwg", "どこのwg", "何のwg", "wgはどこ", "wgどこ", "wgは何"), q.text)
        if q.unknown_departments and (bpr or (wg and (q.has(_MEMBERSHIP, q.text) or which_group))):
            return self._unknown_department(q, bpr=bpr, wg=wg)
        if bpr and q.has(_BPR_ITSELF):
            return None
        if (bpr or q.groups) and not q.departments and q.has(_IN_CHARGE_OF):
            return None  # 「BPRの担当課」「WG①の担当課」: who is in charge, which the tables do not say
        if bpr and (q.groups or wg) and (found := self._bpr_and_groups(q)):
            return found
        if bpr and not q.groups:
            found = self._bpr_by_year(q)
            if wg and found is not None and found.entry is not None and self.current is not None:
                # A question on BPR and the WGs that the tables could not read as one: the BPR side alone would
                # be half an answer given as a whole, so both tables are shown as a note instead.
                groups = "／".join(f"{g.label}：{'、'.join(g.departments)}" for g in self.current.groups)
                return TableAnswer(
                    note=f"BPRとWGを組み合わせたこの質問には、表から答えを決められませんでした。{found.entry.answer}"
                    f"{self.current.year}のWGの参加課は、{groups}です（{found.entry.source}／{self.current.source}）。"
                )
            return found
        if q.named_forms and q.has(_ASKS_WHERE) and "課" not in q.rest:
            found = self._appearances(q)
            if found is not None:
                return found
        if wg and not q.groups and not bpr and (
            found := self._groups_of_year(q) or self._groups_by_status(q) or self._group_counts(q)
        ):
            return found
        if wg and not q.groups and not bpr and q.has(_IN_NO_GROUP, q.text) and self.current is not None:
            return TableAnswer(
                note="計画には市のすべての課の一覧はないため、どのWGにも入っていない課は計画からはわかりません。"
                f"{self.current.year}のWGの参加課は、"
                + "／".join(f"{g.label}：{'、'.join(g.departments)}" for g in self.current.groups)
                + f"です（{self.current.source}）。"
            )
        if q.groups or (wg and q.group_tables):
            found = self._groups(q)
            asked_text = q.text
            for form, _name in self._initiative_forms:
                asked_text = asked_text.replace(form, "#")  # 「電話改革」 names an initiative, it does not ask 改革
            # 「電話改革はWGにも取組みにもある？」 asks where it stands as an initiative, too.
            asks_place = q.has(_ASKS_THEME, asked_text) or q.has(_ASKS_REFORM, asked_text) or q.has(_THEME_OR_INITIATIVE, asked_text)
            if found is not None and found.entry is not None and initiatives and asks_place:
                # 「ナッジ理論はどのテーマで、ナッジのWGはどうなった？」: the initiative's place, then the WG.
                where = self._initiatives(q, initiatives)
                if where is not None and where.entry is not None:
                    entry = found.entry
                    return self._entry(
                        entry.id, entry.question, where.entry.answer + entry.answer, f"{where.entry.source}／{entry.source}"
                    )
            return found
        if wg and q.has(_ASKS_DEPARTMENT) and (
            q.has(_SEVERAL) or q.has(_ALL) or q.has(_BOTH) or q.has(_EVERY) or q.has(_ASKS_COUNT) or q.has(_ONE_GROUP_ONLY)
            or q.has(_EITHER) or q.has(_MOST) or q.has(_LEAST)
            # 「WGに入っている課」: every WG's departments
            or (not q.groups and q.has(_MEMBERSHIP) and re.search(r"(ル|イル|テル)課(ハ|ッテ|\?|$)", q.text) is not None)
        ):
            return self._all_groups(q)
        return None

    @staticmethod
    def _find(text: str, forms: list[tuple[str, str]]) -> list[str]:
        """Names found in `text` (longest form first, no overlaps), in the order the question says them."""
        found: list[tuple[int, str]] = []
        rest = text
        for form, name in forms:
            at = rest.find(form)
            if at >= 0:
                found.append((at, name))
                rest = rest[:at] + "#" * len(form) + rest[at + len(form) :]
        return list(dict.fromkeys(name for _, name in sorted(found)))

    def _revisions(self, q: _Question, question: str) -> TableAnswer | None:
        """The revision history as a table: which versions changed something, which came out in a year."""
        table = self.tables.revisions
        named = _NAMED_VERSION.findall(q.text)
        one = next((v for v in table.versions if len(named) == 1 and v.version == f"第{named[0]}版"), None) if table else None
        if table is not None and one is not None and q.has(_ASKS_COUNT) and q.has(_words("改訂", "点", "内容", "変更")):
            # 「第1.1版の改訂点はいくつ」: the lines ①②③ of its row.
            listed = " ".join(f"{circled(i + 1)}{c}" for i, c in enumerate(one.changes))
            body = f"{one.version}（{one.issued}）の改訂内容は{len(one.changes)}点です：{listed}。"
            return self._entry(REVISIONS, f"{one.version}の改訂点の数", body, table.source)
        if table is not None and not named and q.has(_words("1つ前の版", "一つ前の版", "ひとつ前の版", "1個前の版", "最新の前の版")):
            # 「1つ前の版は」: the version before the latest, and what the latest changed since it.
            before, latest = table.versions[-2], table.versions[-1]
            body = (
                f"最新の{latest.version}（{latest.issued}）の1つ前は、{before.version}（{before.issued}：{'／'.join(before.changes)}）です。"
                f"{latest.version}の改訂内容は{'／'.join(latest.changes)}です。"
            )
            return self._entry(REVISIONS, "最新の1つ前の版", body, table.source)
        if table is None or (len(named) == 1 and one is None) or q.has(_ONE_VERSION):
            return None  # 今回の改訂, a version the table lacks: an entry's question
        several = [v for name in dict.fromkeys(named) for v in table.versions if v.version == f"第{name}版"]
        if len(several) >= 2 and len(several) == len(set(named)) and q.has(_BOTH) or len(several) >= 2 and q.has(_words("同じ")):
            # 「1.3版と1.41版の共通の変更」: the lines of the revision history every one of them has.
            def shared(line: str, other: str) -> str | None:
                # the same line, or one that says more in its brackets (推進体制図の修正とDX推進リーダーの追記)
                short, long = sorted((line, other), key=len)
                return short if line == other or long.startswith(short.removesuffix("）")) else None

            common = []
            for line in several[0].changes:
                kept: str | None = line
                for v in several[1:]:
                    kept = next((x for x in (shared(kept, c) for c in v.changes) if x), None) if kept else None
                if kept and kept not in common:
                    common.append(kept)
            labels = "と".join(v.version for v in several)
            rows = "／".join(f"{v.version}（{v.issued}）：{'、'.join(v.changes)}" for v in several)
            body = (
                f"{labels}の両方の改訂内容にあるのは、{'、'.join(common)}です。（{rows}）"
                if common
                else f"{labels}の改訂内容に共通するものはありません。（{rows}）"
            )
            return self._entry(REVISIONS, f"{labels}に共通する改訂内容", body, table.source)
        words = [
            fold_for_match(surface)
            for surface, pos in self.analyzer.parts_of_speech(self.analyzer.glossary.canonicalize(normalize_text(question)))
            if pos[0] == "名詞" and pos[1] not in ("数詞", "代名詞")
        ]
        kinds = {kind for pattern, kind in _CHANGE_KINDS if pattern.search(q.text)}
        terms = [w for w in words if w and pos_noun(w) and w not in _REVISION_WORDS and not re.fullmatch(r"[0-9.]+", w)]
        if one is not None and not kinds and q.has(_ISSUE_DATE) and not q.has(_words("何が", "なにが", "内容", "改訂点", "変更点", "どこが", "予定", "改訂する", "次")):
            # 「第1.3版の日付」「第1.2版はいつ出た」: the date of its row, and what it changed.
            listed = "／".join(one.changes)
            body = f"{one.version}の発行日は{one.issued}です（改訂内容：{listed}）。"
            return self._entry(REVISIONS, f"{one.version}の発行日", body, table.source)
        if one is not None:
            if not terms or not kinds or not _is_yes_no(q):
                return None  # 第1.3版の改訂点: the entry of that version
            # 「第1.4版で推進体制図は修正された？」: yes or no from its row, and the versions that did it.
            mine = _changes_with(one, terms, kinds)
            others = [v for v in table.versions if v is not one and _changes_with(v, terms, kinds)]
            if mine:
                body = f"はい。{one.version}（{one.issued}）の改訂内容に「{'／'.join(mine)}」とあります。"
            else:
                listed = "／".join(one.changes)
                body = f"いいえ。{one.version}（{one.issued}）の改訂内容は「{listed}」です。"
                if others:
                    body += f"改訂履歴でこれに当たるのは{'、'.join(f'{v.version}（{v.issued}）' for v in others)}です。"
            return self._entry(REVISIONS, f"{one.version}の改訂内容", body, table.source)
        year = re.search(r"(20\d\d)年(?!度)", q.text)
        day = re.search(r"(?<!\d)(1[0-2]|[1-9])月(?:(3[01]|[12]\d|[1-9])日)?", q.text)
        if day is not None and (year is None or day.group(2) is None) and q.has(_words("版", "バージョン", "改訂", "発行")):
            # 「9月30日に発行された版」「3月に出た版」: every version issued on that day or in that month (of that
            # year if one is named).
            on = f"{day.group(1)}月{day.group(2)}日" if day.group(2) else f"{day.group(1)}月"
            if year is not None:
                on = f"{year.group(1)}年{on}"
            issued = [
                v for v in table.versions
                if re.search(rf"(?<![0-9]){re.escape(on)}{'' if day.group(2) else '(?=[0-9])'}", v.issued)
                and (year is None or v.issued.startswith(f"{year.group(1)}年"))
            ]
            if issued:
                listed = "、".join(f"{v.version}（{v.issued}）" for v in issued)
                if q.has(_words("内容", "改訂点", "変更点", "何が", "なにが", "どこが", "変わ")):
                    # 「2025年3月の改訂内容」: what those versions changed, too.
                    listed = "、".join(f"{v.version}（{v.issued}：{'／'.join(v.changes)}）" for v in issued)
                body = f"{on}に発行されたのは、{listed}です。"
                if q.has(_HOW_MANY_TIMES) or q.has(_ASKS_COUNT):
                    body = f"{on}に発行された版は{len(issued)}つです（{listed}）。"
                return self._entry(REVISIONS, f"{on}に発行された版", body, table.source)
        # How many versions or revisions there are; not how often the plan is revised (年に何回: an entry's
        # question), nor how many times one thing changed (DXの定義は何回: the versions that changed it).
        how_often = q.has(_words("年に", "年間", "毎年", "頻度", "ペース", "ごと", "何か月"))
        if (
            (q.has(_words("何回", "回数")) or q.has(_ASKS_COUNT))
            and set(terms) <= {fold_for_match("初版")}
            and not how_often
            and year is None
        ):
            listed = "、".join(f"{v.version}（{v.issued}）" for v in table.versions)
            body = f"改訂履歴に載っている版は{len(table.versions)}つです：{listed}。"
            if q.has(_words("何回", "回数")) and len(table.versions) > 1:
                first, last = table.versions[0], table.versions[-1]
                body = (
                    f"初版の{first.version}（{first.issued}）のあと、{len(table.versions) - 1}回改訂されています"
                    f"（{last.version}まで）。{body}"
                )
            return self._entry(REVISIONS, "改訂履歴の版の数", body, table.source)
        if terms:
            found = [(v, [c for c in v.changes if all(t in fold_for_match(c) for t in terms)]) for v in table.versions]
            found = [(v, lines) for v, lines in found if lines]
            of_kind = [(v, [c for c in lines if all(k in fold_for_match(c) for k in kinds)]) for v, lines in found]
            of_kind = [(v, lines) for v, lines in of_kind if lines]
            if kinds and of_kind:
                found = of_kind
            if not found or len(found) == len(table.versions):
                return None
            if q.has(_words("初めて", "最初に", "はじめて", "一番最初")):
                found = found[:1]  # 「推進体制図が初めて直された版」: the earliest of them
            elif q.has(_words("最後に", "最近", "直近", "一番最近", "最新の")):
                found = found[-1:]  # 「推進体制図が最後に直されたのはいつ」: the latest of them
            if q.has(_words("てない", "ていない", "されてない", "されていない", "なかった", "しなかった")):
                # 「STEP2の表が追記されていない版」: the versions whose changes do not say it.
                hit = {v.version for v, _ in found}
                rest = [v for v in table.versions if v.version not in hit]
                listed = "、".join(f"{v.version}（{v.issued}：{'／'.join(v.changes)}）" for v in rest)
                body = f"改訂履歴でこれに当たらないのは、{listed}です。"
                return self._entry(REVISIONS, "改訂履歴で当てはまらない版", body, table.source)
            listed = "、".join(f"{v.version}（{v.issued}：{'／'.join(lines)}）" for v, lines in found)
            body = f"改訂履歴でこれに当たるのは、{listed}です。"
            if q.has(_HOW_MANY_TIMES) or q.has(_ASKS_COUNT):
                # 「推進体制図が修正されたのは何回」: the versions that did it.
                body = f"改訂履歴では{len(found)}回（{len(found)}つの版）です。{body}"
            touched = [v for v in table.versions if any(all(t in fold_for_match(c) for t in terms) for c in v.changes)]
            if kinds == {fold_for_match("修正")} and not q.has(_words("修正")) and len(touched) > len(found):
                # 「直した」 may mean any change: the versions with any line on it (追記, 変更 too), as a second reading.
                touched_names = "、".join(v.version for v in touched)
                body += f"追記や変更も含めると、手が入った版は{len(touched)}つ（{touched_names}）です。"
            return self._entry(REVISIONS, "改訂履歴で当てはまる版", body, table.source)
        if year is not None:
            issued = [v for v in table.versions if v.issued.startswith(f"{year.group(1)}年")]
            if not issued and not q.has(_words("版", "バージョン")):
                return None  # 「2022年9月に改訂されたのは」: the national plan's revision, an entry's question
            if not issued:
                return TableAnswer(note=f"計画の改訂履歴には{year.group(1)}年に発行された版は書かれていません。")
            listed = "、".join(f"{v.version}（{v.issued}）" for v in issued)
            body = f"{year.group(1)}年に発行されたのは、{listed}です。"
            if q.has(_HOW_MANY_TIMES) or q.has(_ASKS_COUNT):
                body = f"{year.group(1)}年に発行された版は{len(issued)}つ（{len(issued)}回）です（{listed}）。"
            return self._entry(REVISIONS, f"{year.group(1)}年に発行された版", body, table.source)
        return None

    def _roles(self, q: _Question, bodies: list[str]) -> TableAnswer | None:
        """A position and the bodies it sits in: 「参事はどの組織に入っている？」, 「副市長は推進本部で何？」."""
        roles = self._find(q.text, self._role_forms)
        if len(roles) != 1 or self.tables.bodies is None:
            return None
        role = roles[0]
        # The body a role sits in is asked, or the role inside a body the question names.
        asks_body = q.has(_words(
            "どの組織", "どこの組織", "どこに入", "どこのメンバー", "どの会", "何の組織", "どこに所属", "どこに属",
            "入っている組織", "入ってる組織", "いる組織", "属する組織", "所属する組織", "所属している組織", "メンバーの組織",
            "入っている会議", "入ってる会議", "会議体",
        ))
        named = [b for b in bodies if b != role]
        if (
            len(named) == 1 and _is_yes_no(q)
            and q.has(_words("いる", "入って", "入る", "メンバー", "参加", "所属", "含まれ", "属して"))
        ):
            # 「教育長は監事会にいる？」: yes or no from that body's list of members, and where the role does sit.
            asked_body = self._bodies_by_name[named[0]]
            seats = self._role_seats[role]
            mine = [seg for b, seg in seats if b == asked_body.name]
            elsewhere = "、".join(f"{b}（メンバー：{seg}）" for b, seg in seats if b != asked_body.name)
            text = (
                f"はい。「{role}」は{asked_body.name}のメンバー（{asked_body.members}）に入っています。"
                if mine
                else f"いいえ。{asked_body.name}のメンバーは「{asked_body.members}」と書かれていて、「{role}」は挙げられていません。"
                + (f"「{role}」は{elsewhere}に入っています。" if elsewhere else "")
            )
            return self._entry(BODIES, f"{role}は{asked_body.name}のメンバーか", text, self.tables.bodies.source)
        if not (asks_body or (named and q.has(_words("何", "立場", "役職", "役割", "位置づけ", "どういう")))):
            return None
        places = [(b, seg) for b, seg in self._role_seats[role] if not named or b in named]
        if not places:
            return None
        listed = "、".join(f"{b}（メンバー：{seg}）" for b, seg in places)
        body = f"「{role}」は、{listed}に入っています。"
        return self._entry(BODIES, f"{role}が入っている組織", body, self.tables.bodies.source)

    def _bodies_described(self, question: str) -> TableAnswer | None:
        """Which bodies the plan describes in the question's words: 「全職員の中から選ばれるのは何？」,
        「本部に報告する役割があるのは誰？」 (the bodies whose members or roles share the longest phrase)."""
        if self.tables.bodies is None:
            return None
        if _NOT_HELD.search(normalize_text(question)):
            # 「2025年度に開かれてない会議体ってある？」: the bodies whose status says so.
            held = [b for b in self._bodies_by_name.values() if "未開催" in b.status]
            canonical = self.analyzer.glossary.canonicalize(normalize_text(question))
            named = self._find(_fold(canonical), self._body_forms)
            if named and not {b.name for b in held} & set(named):
                return None  # 「監事会は開かれていない？」: the plan does not say; left to the entries
            if held:
                listed = "、".join(f"{b.name}（{b.status}）" for b in held)
                return self._entry(BODIES, "開催されていない組織", f"推進体制図で開催されていないとされているのは、{listed}です。",
                                   self.tables.bodies.source)
        if not _WHICH_BODY.search(normalize_text(question)):
            return None
        plain = "".join(normalize_text(question).split())
        # A phrase that is only a name (「アクションプラン」 of 「アクションプランを作ったのは誰」) says what the body
        # acts on, not what it does: 推進本部 approves the plan, the plan does not say who wrote it.
        names = {n for b in self._bodies_by_name.values() for n in b.names} | self._glossary_names
        best: list[tuple[str, str]] = []
        longest = 0
        for body in self._bodies_by_name.values():
            for text in (body.members, *body.roles):
                hit = SequenceMatcher(None, plain, text, autojunk=False).find_longest_match(0, len(plain), 0, len(text))
                phrase = plain[hit.a : hit.a + hit.size]
                bare = phrase.strip("のをはがにでとも")
                # four characters, or three kanji (全職員): shorter shared runs are common words
                if (hit.size < 4 and not re.fullmatch(r"[一-龥]{3}", phrase)) or any(phrase in n or bare in n for n in names):
                    continue
                if hit.size > longest:
                    best, longest = [(body.name, text)], hit.size
                elif hit.size == longest and body.name not in {b for b, _ in best}:
                    best.append((body.name, text))
        if not best or len(best) == len(self._bodies_by_name):
            return None
        listed = "、".join(f"{name}（{text}）" for name, text in best)
        return self._entry(BODIES, "当てはまる組織", f"計画の推進体制でこれに当たるのは、{listed}です。", self.tables.bodies.source)

    def _bodies(self, q: _Question, names: list[str]) -> TableAnswer | None:
        """Several bodies and what they are: 「推進本部と監事会の人数」, 「DX推進リーダーとWGのメンバー」."""
        if self.tables.bodies is None:
            return None
        if q.has(_BOTH) and q.has(_words("入って", "いる人", "メンバー", "誰", "役職")):
            # 「推進本部と監事会の両方に入っている人」: the posts named in every one of their member lists.
            common = [
                role for role, seats in self._role_seats.items()
                if all(any(body == name for body, _ in seats) for name in names)
            ]
            joined = "と".join(names)
            text = (
                f"{joined}の両方のメンバーに書かれているのは、{'、'.join(common)}です。"
                if common else f"{joined}の両方のメンバーに書かれている役職はありません。"
            )
            text += "（" + "／".join(f"{n}：{self._bodies_by_name[n].members}" for n in names) + "）"
            return self._entry(BODIES, f"{joined}の両方のメンバー", text, self.tables.bodies.source)
        wanted = [
            key for key, pattern in (("size", _ASKS_SIZE), ("members", _ASKS_MEMBERS), ("roles", _ASKS_ROLE))
            if q.has(pattern)
        ]
        if not wanted and q.has(_words("違い", "違う", "ちがい", "ちがう", "比べ", "比較")):
            wanted = ["size", "members", "roles"]  # 「DX推進リーダーとWGの違い」: everything the plan says of each
        if not wanted:
            return None
        labels = {"size": "人数", "members": "メンバー", "roles": "役割"}
        sentences = []
        for name in names:
            body = self._bodies_by_name[name]
            parts = []
            for key in wanted:
                value = "、".join(body.roles) if key == "roles" else getattr(body, key)
                parts.append(f"{labels[key]}は{value}" if value else f"{labels[key]}は計画に書かれていません")
            sentences.append(f"「{body.name}」の{'、'.join(parts)}。")
        sizes = [re.fullmatch(r"(\d+)人", self._bodies_by_name[n].size) for n in names]
        if "size" in wanted and q.has(_EITHER):
            # 「推進本部と監事会の人数の合計」: a sum only of sizes the plan gives as a number.
            if all(sizes):
                sentences.append(f"合わせて{sum(int(m.group(1)) for m in sizes if m)}人です。")
            else:
                sentences.append("人数が数で書かれていない組織があるため、合計は計画からは出せません。")
        question = f"{'と'.join(names)}の{'・'.join(labels[k] for k in wanted)}"
        return self._entry(BODIES, question, "".join(sentences), self.tables.bodies.source)

    def _body_figures(self, q: _Question, names: list[str]) -> TableAnswer | None:
        """What one body's list or the sizes give by counting or comparing: 「推進本部の役割はいくつ」,
        「推進本部は監事会より何人多い」, 「一番人数が多い組織は」."""
        table = self.tables.bodies
        if table is None:
            return None
        if len(names) == 1 and q.has(_ASKS_ROLE) and q.has(_ASKS_COUNT):
            body = self._bodies_by_name[names[0]]
            listed = "、".join(f"{circled(i + 1)}{r}" for i, r in enumerate(body.roles))
            text = f"「{body.name}」の役割は{_pieces(len(body.roles))}です：{listed}。"
            return self._entry(BODIES, f"{body.name}の役割の数", text, table.source)
        sized = {n: int(m.group(1)) for n in self._bodies_by_name if (m := re.fullmatch(r"(\d+)人", self._bodies_by_name[n].size))}
        if len(names) == 2 and q.has(_words("多い", "少ない", "差", "違う", "違い")) and q.has(_ASKS_SIZE):
            if not all(n in sized for n in names):
                return None
            first, second = names
            text = (
                f"「{first}」は{sized[first]}人、「{second}」は{sized[second]}人で、"
                f"差は{abs(sized[first] - sized[second])}人です（推進体制図の人数、2025年度）。"
            )
            return self._entry(BODIES, f"{first}と{second}の人数の差", text, table.source)
        if not names and q.has(_words("一番", "最も", "もっとも", "いちばん")) and q.has(_words("多い", "大きい")) and q.has(
            _words("人数", "人", "規模", "メンバー")
        ):
            sizes = "、".join(f"{b.name}（{b.size}）" for b in self._bodies_by_name.values() if b.size)
            largest = max(sized, key=sized.__getitem__)
            text = f"推進体制図で人数が一番多いのは{largest}（{sized[largest]}人）です。人数が書かれている組織：{sizes}。"
            return self._entry(BODIES, "人数が一番多い組織", text, table.source)
        return None

    def _initiatives(self, q: _Question, names: list[str]) -> TableAnswer | None:
        """Several initiatives and where they stand: 「テレワークと電子決裁はそれぞれどの改革？」."""
        if not (q.has(_ASKS_REFORM) or q.has(_ASKS_THEME) or q.has(_ASKS_NOTES)) or q.has(_words("違い")):
            return None
        sentences = []
        for name in names:
            initiative = self._initiatives_by_name[name]
            note = f"（備考：{initiative.notes}）" if initiative.notes else "（備考なし）" if q.has(_ASKS_NOTES) else ""
            sentences.append(
                f"「{name}」は{self._table_name(initiative.reform)}のテーマ{initiative.theme_no}「{initiative.theme}」{note}です。"
            )
        if q.has(_words("同じ", "共通", "一緒")) and _is_yes_no(q):
            # 「テレワークと民間人材の活用は同じテーマ？」
            places = [self._initiatives_by_name[n] for n in names]
            by_theme = q.has(_ASKS_THEME)
            keys = {(i.reform, i.theme_no) if by_theme else (i.reform,) for i in places}
            what = "テーマ" if by_theme else "改革（表）"
            sentences.insert(0, f"{'はい。同じ' if len(keys) == 1 else 'いいえ。別の'}{what}です。")
        return self._entry(INITIATIVES, f"{'と'.join(names)}の改革・テーマ", "".join(sentences), "3. DXの進め方 STEP2")

    def _in_reform(self, q: _Question, name: str) -> TableAnswer | None:
        """「MaaSは業務プロセスの改革？」「テレワークは表③？」: yes or no from the initiative's table."""
        one = self._initiatives_by_name.get(name)
        if one is None or not _is_yes_no(q) or q.has(_ASKS_THEME):
            return None
        rest = q.text
        for form, _name in self._initiative_forms:
            rest = rest.replace(form, "#")  # 「電話改革」 names the initiative, not a reform
        named = [r for r in self.reforms.values() if f"表{r.no}" in rest or _fold(r.name) in rest]
        if len(named) != 1:
            return None
        yes = named[0].no == one.reform
        body = (
            f"{'はい' if yes else 'いいえ'}。「{one.name}」は{self._table_name(one.reform)}のテーマ{one.theme_no}「{one.theme}」の取組みです。"
        )
        return self._entry(INITIATIVES, f"{one.name}の改革", body, "3. DXの進め方 STEP2")

    def _same_place(self, q: _Question, name: str) -> TableAnswer | None:
        """「MaaSと同じ表にある取組み」「電子決裁と同じテーマの取組み」: the other initiatives of its table or theme."""
        one = self._initiatives_by_name.get(name)
        if one is None:
            return None
        if q.has(_words("と同じテーマ", "と同じてーま")):
            others = [i for i in self.initiatives if i.reform == one.reform and i.theme_no == one.theme_no and i is not one]
            where = f"{self._table_name(one.reform)}のテーマ{one.theme_no}「{one.theme}」"
        elif q.has(_words("と同じ表", "と同じ改革")):
            others = [i for i in self.initiatives if i.reform == one.reform and i is not one]
            where = self._table_name(one.reform)
        else:
            return None
        listed = "、".join(i.name for i in others)
        body = (
            f"「{one.name}」は{where}の取組みです。同じ{where}のほかの取組みは、{listed}の{_pieces(len(others))}です。"
            if others else f"「{one.name}」は{where}の取組みで、同じところにほかの取組みはありません。"
        )
        return self._entry(INITIATIVES, f"{one.name}と同じところの取組み", body, "3. DXの進め方 STEP2")

    def _reform_overview(self, q: _Question) -> TableAnswer | None:
        """How many themes or initiatives a table ①–③ has: 「表①のテーマ数」, 「市民サービスの改革の取組みはいくつ」."""
        listing = q.has(_ALL) or q.has(_words("何がある", "なにがある", "どんな取組", "どんなテーマ", "教えて", "挙げて", "リスト"))
        if not (q.has(_ASKS_COUNT) or listing) or not self.reforms:
            return None
        reform = next(
            (r for r in self.reforms.values() if f"表{r.no}" in q.text or _fold(r.name) in q.text), None
        )
        if reform is None:
            return None
        mine = [i for i in self.initiatives if i.reform == reform.no]
        table = self._table_name(reform.no)
        if q.has(_ASKS_THEME):
            themes = list(dict.fromkeys((i.theme_no, i.theme) for i in mine))
            listed = "、".join(f"{no}{name}" for no, name in themes)
            body = f"{table}のテーマは{len(themes)}つです：{listed}。"
            return self._entry(INITIATIVES, f"{table}のテーマの数", body, "3. DXの進め方 STEP2")
        if q.has(_words("取組", "取り組み", "とりくみ")):
            if q.has(_ASKS_NOTES):
                # 「備考が空欄の取組み」/「備考がある取組み」
                empty = q.has(_words("空欄", "空白", "ない", "無い", "なし", "書いていない", "書かれていない"))
                mine = [i for i in mine if not i.notes] if empty else [i for i in mine if i.notes]
                what = "備考が空欄の" if empty else "備考に記載がある"
                body = f"{table}で{what}取組みは{_pieces(len(mine), q)}です：{'、'.join(i.name for i in mine)}。"
                return self._entry(INITIATIVES, f"{table}で{what}取組み", body, "3. DXの進め方 STEP2")
            body = f"{table}の具体的な取組みは{_pieces(len(mine), q)}です：{'、'.join(i.name for i in mine)}。"
            return self._entry(INITIATIVES, f"{table}の取組みの数", body, "3. DXの進め方 STEP2")
        return None

    def _theme_by_number(self, q: _Question) -> TableAnswer | None:
        """「表①の3番目のテーマ」「表②の②のテーマの取組み」「2つ目の改革のテーマ」: a table or theme by its number."""
        if not self.reforms or not q.has(_ASKS_THEME):
            return None
        text = q.text
        reform_no: int | None = None
        if len(re.findall(r"表[1-3]", text)) > 1:
            return None  # 「表①〜③のテーマ」: several tables, not a theme by its number
        if (found := re.search(r"表([1-3])", text)) is not None:
            reform_no = int(found.group(1))
            text = text[: found.start()] + text[found.end() :]
        elif (found := re.search(r"([1-3])(?:ツ目|番目)ノ?改革|改革([1-3])", text)) is not None:
            reform_no = int(found.group(1) or found.group(2))
            text = text[: found.start()] + "改革" + text[found.end() :]
        theme = re.search(_fold("テーマ") + r"([1-9])(?![0-9])|(?<![0-9])([1-9])(?:番目|ツ目)?ノ?" + _fold("テーマ"), text)
        number = int(theme.group(1) or theme.group(2)) if theme else None
        if reform_no is None and number is None:
            return None
        if reform_no is None:
            # 「テーマ⑨」 is table ①'s; 「テーマ②」 is in every table: each one's, then.
            owners = sorted({i.reform for i in self.initiatives if i.theme_no == circled(number or 0)})
            if not owners:
                return None
            if len(owners) > 1:
                parts = []
                for owner in owners:
                    names = [i for i in self.initiatives if i.reform == owner and i.theme_no == circled(number or 0)]
                    parts.append(
                        f"{self._table_name(owner)}のテーマ{circled(number or 0)}「{names[0].theme}」"
                        f"（取組み：{'、'.join(i.name for i in names)}）"
                    )
                body = f"テーマ{circled(number or 0)}は表ごとにあります：{'、'.join(parts)}。"
                return self._entry(INITIATIVES, f"テーマ{circled(number or 0)}", body, "3. DXの進め方 STEP2")
            reform_no = owners[0]
        reform = self.reforms.get(reform_no)
        if reform is None:
            return None
        table = self._table_name(reform_no)
        mine = [i for i in self.initiatives if i.reform == reform_no]
        if number is None:
            if not re.search(r"[1-3](?:ツ目|番目)", q.text):
                return None  # 「表①のテーマ」 is the overview's question
            themes = list(dict.fromkeys((i.theme_no, i.theme) for i in mine))
            listed = "、".join(f"{no}{name}" for no, name in themes)
            body = f"{reform_no}つ目の改革は{table}で、テーマは{_pieces(len(themes))}です：{listed}。"
            return self._entry(INITIATIVES, f"{table}のテーマ", body, "3. DXの進め方 STEP2")
        names = [i for i in mine if i.theme_no == circled(number)]
        if not names:
            return TableAnswer(note=f"計画の{table}にテーマ{circled(number)}はありません（{table}のテーマは{len({i.theme_no for i in mine})}つです）。")
        theme_name = names[0].theme
        body = (
            f"{table}のテーマ{circled(number)}は「{theme_name}」で、取組みは{_pieces(len(names), q)}です："
            f"{'、'.join(i.name for i in names)}。"
        )
        return self._entry(INITIATIVES, f"{table}のテーマ{circled(number)}", body, "3. DXの進め方 STEP2")

    def _themes_by_size(self, q: _Question) -> TableAnswer | None:
        """「取組みが1つだけのテーマは」「取組みが一番多いテーマは」: themes by how many initiatives they have."""
        if not q.has(_ASKS_THEME):
            return None
        # 「市民サービスのテーマ」 names the table as well as 「市民サービスの改革」 does.
        named = {
            r.no for r in self.reforms.values()
            if f"表{r.no}" in q.text or _fold(r.name) in q.text or _fold(r.name.removesuffix("の改革")) + _fold("のテーマ") in q.text
        }
        themes: dict[tuple[int, str, str], list[str]] = {}
        for i in self.initiatives:
            if named and i.reform not in named:
                continue
            themes.setdefault((i.reform, i.theme_no, i.theme), []).append(i.name)
        label = {key: f"{self._table_name(key[0])}のテーマ{key[1]}「{key[2]}」" for key in themes}
        sized = re.search(
            "(?:" + _fold("取組") + "ミ?|" + _fold("取り組み") + ")(?:ガ|ハ)?(\\d|一|二|三|四|ヒト|フタ)(?:ツ|個)(以上|以下|ダケ|シカ|ノ|アル)", q.text
        )
        if sized is not None:
            # 「取組みが1つだけのテーマ」「取組みが2つのテーマ」「取組み2つ以上のテーマ」: themes with that many initiatives.
            size = {"一": 1, "ヒト": 1, "二": 2, "フタ": 2, "三": 3, "四": 4}.get(sized.group(1)) or int(sized.group(1))
            bound = sized.group(2)
            fitting = [
                k for k, names in themes.items()
                if (len(names) >= size if bound == "以上" else len(names) <= size if bound == "以下" else len(names) == size)
            ]
            listed = "、".join(f"{label[k]}（{'、'.join(themes[k])}）" for k in fitting)
            only = "だけ" if size == 1 and bound not in ("以上", "以下") else bound if bound in ("以上", "以下") else ""
            if not fitting:
                body = f"取組みが{size}つ{only}のテーマはありません。"
            else:
                body = f"取組みが{size}つ{only}のテーマは{_pieces(len(fitting))}です：{listed}。"
            return self._entry(INITIATIVES, f"取組みが{size}つ{only}のテーマ", body, "3. DXの進め方 STEP2")
        if q.has(_words("一番多い", "最も多い", "もっとも多い", "いちばん多い")) and q.has(_words("取組", "取り組み")):
            most = max(len(names) for names in themes.values())
            top = [k for k, names in themes.items() if len(names) == most]
            listed = "、".join(f"{label[k]}（{'、'.join(themes[k])}）" for k in top)
            body = f"取組みが一番多いテーマは、{listed}の{most}つです。"
            return self._entry(INITIATIVES, "取組みが一番多いテーマ", body, "3. DXの進め方 STEP2")
        return None

    def _initiatives_by_notes(self, q: _Question) -> TableAnswer | None:
        """「備考が空欄の取組みは」「表②で備考があるのは」: the initiatives whose 備考 is empty, or is not, in the
        tables named (every table when none is)."""
        if not q.has(_ASKS_NOTES) or not q.has(_words("取組", "取り組み", "とりくみ", "のは", "どれ", "いくつ", "何件", "何個", "全部", "一覧")):
            return None
        empty = q.has(_words("空欄", "空白", "空の", "空っぽ", "ない", "無い", "なし", "書いていない", "書かれていない", "記載なし"))
        if not empty and not q.has(_words("ある", "あり", "記載", "書いて", "書かれて")):
            return None
        reforms = [r for r in self.reforms.values() if f"表{r.no}" in q.text or _fold(r.name) in q.text]
        reforms = reforms or list(self.reforms.values())
        what = "備考が空欄の" if empty else "備考に記載がある"
        # 「備考に書いてあること」: what each note says, not only which initiatives have one.
        said = not empty and q.has(_words("書いてあること", "書かれていること", "書いてある内容", "内容", "何が書", "なんて書", "中身"))
        parts = []
        total = 0
        for reform in reforms:
            mine = [i for i in self.initiatives if i.reform == reform.no and bool(i.notes) is not empty]
            total += len(mine)
            names = [f"{i.name}（備考：{i.notes}）" if said else i.name for i in mine]
            parts.append(f"{self._table_name(reform.no)}は{_pieces(len(mine), q)}（{'、'.join(names) or 'なし'}）")
        body = f"{what}取組みは、{'、'.join(parts)}です。"
        if len(reforms) > 1:
            body = f"{what}取組みは合わせて{_pieces(total, q)}です。内訳は、{'、'.join(parts)}です。"
        return self._entry(INITIATIVES, f"{what}取組み", body, "3. DXの進め方 STEP2")

    def _reforms_and_themes(self, q: _Question) -> TableAnswer | None:
        """Several tables or several themes at once: 「表②と表③の取組み数」, 「働き方改革と人材育成の取組み」."""
        if not q.has(_words("取組", "取り組み", "とりくみ", "何がある", "一覧", "テーマ")) or q.has(_OTHER_QUESTION):
            return None
        reforms = [r for r in self.reforms.values() if f"表{r.no}" in q.text or _fold(r.name) in q.text]
        only_themes = q.has(_ASKS_THEME) and not q.has(_words("取組", "取り組み", "とりくみ"))
        if not reforms and only_themes and (q.has(_ASKS_COUNT) or q.has(_ALL)) and not self._find(q.text, self._theme_forms):
            # 「テーマはいくつ？」 names no table: every table's themes.
            reforms = list(self.reforms.values())
        if len(reforms) >= 2:
            parts = []
            for reform in reforms:
                mine = [i for i in self.initiatives if i.reform == reform.no]
                if q.has(_ASKS_THEME) and not q.has(_words("取組", "取り組み")):
                    themes = list(dict.fromkeys(f"{i.theme_no}{i.theme}" for i in mine))
                    parts.append(f"{self._table_name(reform.no)}のテーマは{len(themes)}つ（{'、'.join(themes)}）")
                else:
                    parts.append(f"{self._table_name(reform.no)}の取組みは{_pieces(len(mine), q)}（{'、'.join(i.name for i in mine)}）")
            body = "、".join(parts) + "です。"
            if q.has(_ASKS_COUNT) or q.has(_ALL) or q.has(_EITHER):
                counted = [i for i in self.initiatives if i.reform in {r.no for r in reforms}]
                theme_keys = {(i.reform, i.theme_no) for i in counted}
                total = (
                    f"テーマは合わせて{_pieces(len(theme_keys))}です。"
                    if q.has(_ASKS_THEME) and not q.has(_words("取組", "取り組み"))
                    else f"取組みは合わせて{_pieces(len(counted), q)}です。"
                )
                body = f"{total}内訳は、{body}"
            return self._entry(INITIATIVES, "表ごとの取組み", body, "3. DXの進め方 STEP2")
        themes = self._find(q.text, self._theme_forms)
        if len(themes) == 1 and q.has(_words("取組", "取り組み", "とりくみ")) and (
            q.has(_ASKS_COUNT) or q.has(_ALL) or q.has(_words("教えて", "挙げて", "一覧", "何がある", "なにがある", "リスト"))
        ):
            # 「窓口改革の取組みをすべて教えて」「情報発信の取組みは何個」: one theme's initiatives, all of them.
            reform_no, number, name = themes[0].split("\0")
            names = [i.name for i in self.initiatives if i.theme == name and str(i.reform) == reform_no]
            body = (
                f"{self._table_name(int(reform_no))}のテーマ{number}「{name}」の取組みは{_pieces(len(names), q)}です："
                f"{'、'.join(names)}。"
            )
            return self._entry(INITIATIVES, f"テーマ「{name}」の取組み", body, "3. DXの進め方 STEP2")
        if len(themes) >= 2:
            parts = []
            for key in themes:
                reform_no, number, name = key.split("\0")
                names = [i.name for i in self.initiatives if i.theme == name and str(i.reform) == reform_no]
                parts.append(f"{self._table_name(int(reform_no))}のテーマ{number}「{name}」の取組みは{'、'.join(names)}")
            return self._entry(INITIATIVES, "テーマごとの取組み", "。".join(parts) + "です。", "3. DXの進め方 STEP2")
        return None

    def _bpr_departments(self, rows: Sequence[BprYear]) -> list[tuple[str, BprYear]]:
        """BPR fields as department names where the plan has that department (人事 → 人事課)."""
        known = set(self.tables.departments())
        return [(f + "課" if f + "課" in known else f, row) for row in rows for f in row.fields]

    def _bpr_and_groups(self, q: _Question) -> TableAnswer | None:
        """BPR and WG together: 「BPRをした課の中でWG③に入っている課」, 「2022年度にBPRした課はどのWG？」."""
        table, bpr = self.current, self.bpr
        if table is None or bpr is None:
            return None
        rows = [r for r in (bpr.of_year(y) for y in q.years) if r is not None] if q.years else list(bpr.years)
        done = self._bpr_departments(rows)
        where = _membership(table)
        if q.groups:
            groups = [g for g in (table.group(n) for n in q.groups) if g is not None]
            if not groups or not (q.has(_ASKS_DEPARTMENT) or q.has(_MEMBERSHIP)):
                return None
            labels = "と".join(g.label for g in groups)
            # Which side is denied is what follows each word: 「WG③に入っていない課でBPRした課」 denies the WG.
            at_wg, at_bpr = q.text.find("wg"), q.text.find("bpr")
            wg_part = q.text[at_wg : at_bpr if at_bpr > at_wg else len(q.text)]
            bpr_part = q.text[at_bpr : at_wg if at_wg > at_bpr else len(q.text)]
            wg_denied = bool(_NEGATION.search(wg_part) or _EXCEPT.search(wg_part))
            if wg_denied and not (_NEGATION.search(bpr_part) or _EXCEPT.search(bpr_part)):
                in_groups = {d for g in groups for d in g.departments}
                names = [f"{_stem(d)}（{row.label}）" for d, row in done if d not in in_groups]
                lead = f"BPRの対象（{_bpr_span(rows)}）のうち、{table.year}の{labels}の参加課に書かれていない課は"
                body = f"{lead}、{'、'.join(names)}です。" if names else f"{lead}ありません。"
                body += f"（{labels}：{'、'.join(dict.fromkeys(d for g in groups for d in g.departments))}）"
                return self._entry(BPR_AND_WG, f"BPRの対象で{labels}に参加していない課", body, f"{bpr.source}／{table.source}")
            if q.has(_NEGATION) or q.has(_EXCEPT):
                done_names = {d for d, _ in done}
                members = list(dict.fromkeys(d for g in groups for d in g.departments))
                without = [d for d in members if d not in done_names]
                lead = f"{table.year}の{labels}に参加している課のうち、BPRの対象（{_bpr_span(rows)}）に書かれていない課は"
                body = f"{lead}、{'、'.join(without)}の{len(without)}課です。" if without else f"{lead}ありません。"
                body += f"（BPRの対象：{_bpr_all(rows)}）"
                return self._entry(BPR_AND_WG, f"{labels}の課でBPRの対象でない課", body, f"{bpr.source}／{table.source}")
            both = [(d, row) for d, row in done if all(d in g.departments for g in groups)]
            if both:
                listed = "、".join(f"{d}（{row.label}）" for d, row in both)
                body = f"BPRの対象で{table.year}の{labels}にも参加している課は、{listed}の{len(both)}課です。"
            else:
                body = f"BPRの対象で{table.year}の{labels}にも参加している課はありません。"
            if q.has(_ALL) and not q.has(_ASKS_WHAT):
                # 「WG③の課は全部BPRした？」: a yes or no, and the ones that did not.
                done_names = {d for d, _ in done}
                members = list(dict.fromkeys(d for g in groups for d in g.departments))
                without = [d for d in members if d not in done_names]
                body = ("はい。" if not without else "いいえ。") + body
                if without:
                    body += f"{labels}の参加課のうち、BPRの対象に書かれていないのは{'、'.join(without)}です。"
            body += f"（BPRの対象：{_bpr_all(rows)}）"
            return self._entry(BPR_AND_WG, f"BPRの対象で{labels}に参加している課", body, f"{bpr.source}／{table.source}")
        # No WG named: BPR against all WGs. Which side is denied, if any, is what follows each word.
        at_wg, at_bpr = q.text.find("wg"), q.text.find("bpr")
        wg_part = q.text[at_wg : at_bpr if at_bpr > at_wg else len(q.text)]
        bpr_part = q.text[at_bpr : at_wg if at_wg > at_bpr else len(q.text)]
        no_wg, no_bpr = bool(_EXCEPT.search(wg_part)), bool(_EXCEPT.search(bpr_part) or _NEGATION.search(bpr_part))
        in_wg = {d for d in where}
        spans = f"（BPRの対象：{_bpr_all(rows)}）"
        sources = f"{bpr.source}／{table.source}"
        both_denied = re.search(r"(bprモwgモ|wgモbprモ).*(ナイ|未実施)", q.text) is not None
        if both_denied or (no_wg and no_bpr):
            # 「BPRもWGもやっていない課」: the plan lists only the departments that did one or the other.
            return TableAnswer(
                note="計画には、BPRの対象にもWGの参加課にも入っていない課の一覧は書かれていません。"
                f"計画に書かれているのは、BPRの対象（{_bpr_all(rows)}）と{table.year}のWGの参加課です（{sources}）。"
            )
        if no_wg and not no_bpr:
            names = [f"{_stem(d)}（{row.label}）" for d, row in done if d not in in_wg]
            listed = f"{'、'.join(names)}の{len(names)}課" if names else "ありません"
            body = f"BPRの対象のうち、{table.year}のWGの参加課に書かれていないのは、{listed}です。{spans}"
            return self._entry(BPR_AND_WG, "BPRの対象でWGに参加していない課", body, sources)
        if no_bpr and not no_wg:
            done_names = {d for d, _ in done}
            names = [d for d in where if d not in done_names]
            listed = f"{'、'.join(names)}の{len(names)}課" if names else "ありません"
            body = f"{table.year}のWGの参加課のうち、BPRの対象に書かれていないのは、{listed}です。{spans}"
            return self._entry(BPR_AND_WG, "WGに参加していてBPRの対象でない課", body, sources)
        if q.has(_BOTH) or q.has(_words("も", "にも", "両方", "どちらも")) and not re.search(_fold("どの") + "wg", q.text):
            names = [f"{d}（{row.label}、{'・'.join(_short(g) for g in where[d])}）" for d, row in done if d in in_wg]
            listed = f"{'、'.join(names)}の{len(names)}課" if names else "ありません"
            body = f"BPRの対象で{table.year}のWGにも参加している課は、{listed}です。{spans}"
            return self._entry(BPR_AND_WG, "BPRの対象でWGにも参加している課", body, sources)
        # 「2022年度にBPRした課が入ってるWG」: a question that ends on WG asks for the WGs.
        if not re.search(_fold("どの") + "wg|wgニ|wgハ|wgヘ|wgデ|wg(ヲ|ッテ|ツテ)?(教エテ|オシエテ)?[?？]*$|wg(ハ)?ドコ|wg(ノ)?所属|所属(スル|シテイル|シテル)?wg", q.text):
            return None
        parts = []
        for department, row in done:
            groups = where.get(department, [])
            joined = "、".join(g.label for g in groups) if groups else "WGの参加課に記載なし"
            parts.append(f"{_stem_label(row, department)}：{joined}")
        body = f"BPRの対象と{table.year}のWGは、{'、'.join(parts)}です。"
        if q.has(_ASKS_COUNT):
            # 「BPRをした課はWGに何課入っている」: how many of them the WGs' lists name.
            body += f"WGの参加課に書かれているのは{sum(d in where for d, _ in done)}課です。"
        return self._entry(BPR_AND_WG, "BPRの対象の課が参加しているWG", body, f"{bpr.source}／{table.source}")

    def _appearances(self, q: _Question) -> TableAnswer | None:
        """Where a name appears in the tables: as an initiative or a theme (tables ①–③) and as a WG."""
        term = max(q.named_forms, key=len)
        folded = _fold(term)
        places: list[str] = []
        sources: list[str] = []
        themes: dict[tuple[int, str, str], list[str]] = {}
        for initiative in self.initiatives:
            if folded in _fold(initiative.theme) or folded in _fold(initiative.name):
                themes.setdefault((initiative.reform, initiative.theme_no, initiative.theme), []).append(initiative.name)
        for (reform_no, number, name), names in themes.items():
            places.append(f"{self._table_name(reform_no)}のテーマ{number}「{name}」（取組み：{'、'.join(names)}）")
        for initiative in self.initiatives:
            if folded in _fold(initiative.notes) and initiative.name not in {n for ns in themes.values() for n in ns}:
                note = next(n for n in re.split("[／/]", initiative.notes) if folded in _fold(n))
                places.append(f"{self._table_name(initiative.reform)}の「{initiative.name}」の備考（{note}）")
        if places:
            sources.append("3. DXの進め方 STEP2")
        for table in (self.current, self.previous):
            for group in table.groups if table else ():
                if any(folded == _fold(f) or folded in _fold(group.name) for f in (group.name, *group.aliases)):
                    # what became of a WG of 2024年度 (「取組み休止」) is said with it
                    label = group.label
                    if table is self.previous and group.status:
                        label = f"{label[:-1]}、{group.status}）" if label.endswith("）") else f"{label}（{group.status}）"
                    places.append(f"{table.year}の{label}")  # type: ignore[union-attr]
                    sources.append(table.source)  # type: ignore[union-attr]
        if len(places) < 2:
            return None
        body = f"「{term}」は、{'、'.join(places)}に出てきます。"
        return self._entry(APPEARANCES, f"「{term}」が出てくるところ", body, "／".join(dict.fromkeys(sources)))

    def _groups_changed(self, q: _Question) -> TableAnswer | None:
        """The WGs of one year against the year before, by name: 「2025年度に新しくできたWG」「前年度から何個減った」."""
        previous, current = self.previous, self.current
        if previous is None or current is None:
            return None
        if q.has(_KEPT_GROUPS) and set(q.years) == {previous.year, current.year}:
            # 「2024年度と2025年度の両方にあるWG」: the WGs by the same name in both years.
            kept = [g for g in current.groups if any(p.name == g.name for p in previous.groups)]
            listed = "、".join(
                f"{g.label}（{previous.year}は{next(p.label for p in previous.groups if p.name == g.name)}）" for g in kept
            )
            body = f"{previous.year}と{current.year}の両方に同じ名前で記載されているWGは、{listed or 'ありません'}です。"
            moved = [p for p in previous.groups if current.year in p.status]
            body += "".join(f"{previous.year}の{p.label}は「{p.status}」とされています。" for p in moved)
            return self._entry(WG_STATUS, f"{previous.year}と{current.year}の両方にあるWG", body, f"{previous.source}／{current.source}")
        if not q.has(_CHANGED_GROUPS):
            return None
        if q.years and not set(q.years) <= {previous.year, current.year}:
            return None
        before = {g.name for g in previous.groups}
        now = {g.name for g in current.groups}
        new = [g for g in current.groups if g.name not in before]
        gone = [g for g in previous.groups if g.name not in now]
        if new and (q.has(_ASKS_DEPARTMENT) or q.has(_MEMBERSHIP)):
            # 「新しくできたWGの参加課」: the departments of the WGs new in the later year.
            listed = "、".join(f"{g.label}は{'、'.join(g.departments)}" for g in new)
            body = f"{current.year}に新しく記載されたWGの参加課は、{listed}です。"
            return self._entry(WG_STATUS, f"{current.year}に新しく記載されたWGの参加課", body, current.source)
        parts = [f"{previous.year}のWGは{len(previous.groups)}つ、{current.year}のWGは{len(current.groups)}つです"]
        if new:
            parts.append(f"{current.year}に新しく記載されたのは{'、'.join(g.label for g in new)}です")
        if gone:
            parts.append(
                f"{current.year}に記載がなくなったのは{previous.year}の"
                + "、".join(f"{g.label}" + (f"（{g.status}）" if g.status else "") for g in gone)
                + "です"
            )
        change = len(current.groups) - len(previous.groups)
        if change:
            parts.append(f"数は{abs(change)}つ{'減' if change < 0 else '増'}りました")
        body = "。".join(parts) + "。"
        return self._entry(WG_STATUS, f"{previous.year}と{current.year}のWGの違い", body, f"{previous.source}／{current.source}")

    def _groups_of_year(self, q: _Question) -> TableAnswer | None:
        """「2026年度のWGは？」: a year whose WGs the plan does not give (it has 2024年度 and 2025年度 only)."""
        tables = [t for t in (self.previous, self.current) if t is not None]
        if not q.years or not tables or any(t.year in q.years for t in tables):
            return None
        known = "、".join(f"{t.year}のWGは{'、'.join(g.label for g in t.groups)}" for t in tables)
        return TableAnswer(note=f"計画には{q.years[0]}のWGは書かれていません。{known}です（{tables[-1].source}）。")

    def _group_counts(self, q: _Question) -> TableAnswer | None:
        """「2024年度と2025年度のWGの数」: how many WGs each year the plan gives had."""
        tables = [t for t in (self.previous, self.current) if t is not None and t.year in q.years]
        if not (q.has(_ASKS_COUNT) or q.has(_HOW_MANY_TIMES)) or q.has(_words("課", "部署", "人", "名", "メンバー", "規模")):
            return None
        if len(tables) < 2:
            # 「今のWGはいくつ」「2024年度のWGの数」: the WGs of the year named, or of the latest year with no year named.
            # not 「WGの開催回数」 (how often they meet) nor 「WGの参加者数」 (their members)
            if (
                q.years and not tables
                or q.has(_HOW_MANY_TIMES) or q.has(_words("者", "職員", "会議", "開催", "予算", "費用"))
                or q.has(_words("休止", "保留", "状況", "違い", "増え", "減っ", "新しく", "なくな"))
            ):
                return None
            table = tables[0] if tables else self.current
            if table is None:
                return None
            listed = "、".join(g.label for g in table.groups)
            return self._entry(WG_STATUS, f"{table.year}のWGの数", f"{table.year}のWGは{len(table.groups)}つです：{listed}。", table.source)
        parts = "、".join(f"{t.year}は{len(t.groups)}つ（{'、'.join(g.label for g in t.groups)}）" for t in tables)
        return self._entry(WG_STATUS, "年度ごとのWGの数", f"WGの数は、{parts}です。", "／".join(t.source for t in tables))

    def _groups_by_status(self, q: _Question) -> TableAnswer | None:
        """「休止中のWGは」「2024年度に保留になったWGはいくつ」: the 2024年度 WGs whose status says so."""
        table = self.previous
        if table is None or (q.years and q.years != [table.year]):
            return None
        wanted = [word for pattern, word in _STATUS_WORDS if q.has(pattern, q.text)]
        if not wanted:
            return None
        if q.has(_words("していない", "してない", "じゃない", "ではない", "でもない", "でない", "以外", "なっていない", "なってない")):
            # 「休止も保留もしていないWG」: the others, with what the plan says of each.
            others = [g for g in table.groups if not any(word in g.status for word in wanted)]
            listed = "".join(self._status_sentence(table, g) for g in others)
            body = (
                f"{table.year}のWGで{'・'.join(f'「{w}」' for w in wanted)}とされていないのは、"
                f"{'、'.join(g.label for g in others)}の{len(others)}つです。{listed}"
            )
            return self._entry(WG_STATUS, f"{table.year}に{'・'.join(wanted)}とされていないWG", body, table.source)
        sentences = []
        for word in wanted:
            groups = [g for g in table.groups if word in g.status]
            if groups:
                status = "・".join(dict.fromkeys(f"「{g.status}」" for g in groups))
                sentences.append(
                    f"{table.year}のWGで{status}とされているのは、{'、'.join(g.label for g in groups)}の{len(groups)}つです。"
                )
            else:
                sentences.append(f"{table.year}のWGで「{word}」とされているWGはありません。")
        if q.has(_ASKS_COUNT):
            # 「2024年度のWGはいくつで、そのうち休止は？」: the whole that the part is counted from.
            sentences.append(f"{table.year}のWGは全部で{len(table.groups)}つです。")
        return self._entry(WG_STATUS, f"{table.year}に{'・'.join(wanted)}とされたWG", "".join(sentences), table.source)

    def _table_name(self, reform_no: int) -> str:
        reform = self.reforms.get(reform_no)
        return f"表{reform.symbol}「{reform.name}」" if reform else "表"

    def _table_for(self, q: _Question) -> WgTable | None:
        """2024年度 names the previous table, so do its WG names (ナッジユニット) and numbers (WG④)."""
        current, previous = self.current, self.previous
        if previous is not None:
            uses_previous = previous.year in q.years and (current is None or current.year not in q.years)
            beyond_current = current is not None and any(current.group(n) is None for n in q.groups)
            if uses_previous or q.group_tables == {"previous"} or beyond_current:
                return previous
        return current

    def _groups(self, q: _Question) -> TableAnswer | None:
        table = self._table_for(q)
        if table is None:
            return None
        groups = [g for g in (table.group(n) for n in q.groups) if g is not None]
        missing = [n for n in q.groups if table.group(n) is None]
        if missing:
            listed = "、".join(g.label for g in table.groups)
            return TableAnswer(
                note=f"計画には{table.year}のWG{circled(missing[0])}は書かれていません。"
                f"{table.year}のWGは{listed}です（{table.source}）。"
            )
        if not groups:
            return None
        if (
            self.previous is not None and self.current is not None
            and self.previous.year in q.years and self.current.year in q.years
        ):
            return self._compare_years(q)
        if table is self.previous:
            found = self._status(q, table, groups)
            current = self.current
            # gone from the later figure: by number (WG④), or by name when named by name (電話改革のWG is not WG③ 生成AI活用)
            named = {_fold(f) for f in q.named_forms}
            gone = [
                g for g in groups
                if current is not None and (
                    current.group(g.number) is None
                    or (
                        any(_fold(f) in named for f in (g.name, *g.aliases))
                        and all(c.name != g.name for c in current.groups)
                    )
                )
            ]
            if found is not None and found.entry is not None and current is not None and current.year in q.years and gone:
                # 「WG④は2025年度もある？」: not in the 2025年度 figure, then what became of it.
                head = (
                    f"{_no(q)}{current.year}のWGに{'、'.join(g.label for g in gone)}はありません"
                    f"（{current.year}のWGは{'、'.join(g.label for g in current.groups)}）。"
                )
                entry = found.entry
                return self._entry(entry.id, entry.question, head + entry.answer, f"{table.source}／{current.source}")
            return found
        if q.has(_ASKS_SIZE) and table is self.current and (wg_body := self._bodies_by_name.get("ワーキンググループ")):
            # 「WG③は何人？」: the 推進体制図 gives one size for every WG (それぞれ1名~10名程度), no head count each.
            labels = "、".join(g.label for g in groups)
            body = f"推進体制図では、WG（{table.year}の{labels}を含む）の人数は{wg_body.size}とされています。"
            return self._entry(BODIES, f"{labels}の人数", body, table.source)
        if q.has(_ASKS_WG_NAME) and not (q.has(_ASKS_DEPARTMENT) or q.has(_MEMBERSHIP)):
            # 「WG②とWG③のテーマ」: what each WG of the year is about (its name in the 推進体制図).
            labels = "、".join(g.label for g in groups)
            return self._entry(WG_MEMBERS, "WGのテーマ", f"{table.year}の{labels}です。", table.source)
        if not (q.has(_ASKS_DEPARTMENT) or q.has(_MEMBERSHIP)):
            return None
        return self._members(q, table, groups)

    def _members(self, q: _Question, table: WgTable, groups: list[WorkingGroup]) -> TableAnswer:
        labels = "と".join(g.label for g in groups)
        if len(groups) == 1 and re.search(_fold("以外の") + "wg", q.text):
            # 「WG②以外のWGに入っている課」: the other WGs' departments, whether or not also in WG②.
            others = [g for g in table.groups if g is not groups[0]]
            departments = list(dict.fromkeys(d for g in others for d in g.departments))
            lead = f"{table.year}の{labels}以外のWG（{'、'.join(g.label for g in others)}）に参加している課は"
            question = f"{groups[0].label}以外のWGの参加課"
        elif len(groups) == 1 and q.has(_EXCEPT) and not q.has(_ONLY):
            others = [g for g in table.groups if g is not groups[0]]
            departments = [
                d for d in dict.fromkeys(d for g in others for d in g.departments) if d not in groups[0].departments
            ]
            lead = f"{table.year}のWGの参加課のうち、{labels}に参加していない課は"
            question = f"{groups[0].label}に参加していない課"
        elif len(groups) == 1:
            departments = list(groups[0].departments)
            lead = f"{table.year}の{labels}に参加している課は"
            question = f"{groups[0].label}の参加課"
        elif q.has(_ONE_SIDE):
            departments = [
                d for d in dict.fromkeys(d for g in groups for d in g.departments)
                if sum(d in g.departments for g in groups) == 1
            ]
            lead = f"{table.year}の{labels}のどちらか一方だけに参加している課は"
            question = f"{labels}のどちらか一方だけの参加課"
        elif q.has(_EXCEPT) and (negated := self._negated_groups(q, groups)) and len(negated) < len(groups):
            kept = [g for g in groups if g not in negated]
            departments = [
                d for d in kept[0].departments
                if all(d in g.departments for g in kept[1:]) and all(d not in g.departments for g in negated)
            ]
            lead = (
                f"{table.year}の{'と'.join(g.label for g in kept)}に参加していて、"
                f"{'、'.join(g.label for g in negated)}に参加していない課は"
            )
            question = f"{kept[0].label}に参加し{negated[0].label}に参加していない課"
        elif q.has(_EXCEPT) and (negated := self._negated_groups(q, groups)) and len(negated) == len(groups):
            # 「WG①にもWG②にも入っていない課」: the departments of the other WGs in none of these.
            others = [g for g in table.groups if g not in groups]
            departments = [
                d for d in dict.fromkeys(d for g in others for d in g.departments) if all(d not in g.departments for g in groups)
            ]
            lead = f"{table.year}のWGの参加課のうち、{labels}のどれにも参加していない課は"
            question = f"{labels}のどれにも参加していない課"
            if q.has(_words("両方")) and len(groups) == 2:
                # 「両方に入っていない」 may also mean 「両方には入っていない」: the one-sided ones are said after.
                one_side = [
                    d for d in dict.fromkeys(d for g in groups for d in g.departments)
                    if sum(d in g.departments for g in groups) == 1
                ]
                body = (
                    f"{lead}、{'、'.join(departments)}の{len(departments)}課です。" if departments
                    else f"{lead.removesuffix('は')}はありません。"
                )
                body += f"{labels}のどちらか一方だけに参加している課は、{'、'.join(one_side)}です。"
                body += "（" + "／".join(f"{g.label}：{'、'.join(g.departments)}" for g in groups) + "）"
                return self._entry(WG_MEMBERS, question, body, table.source)
        elif q.has(_BOTH) or q.has(_words("にも")):
            # 「WG②にもWG③にも」「WG②の課でWG③にも入っている課」: in all of them.
            departments = [d for d in groups[0].departments if all(d in g.departments for g in groups[1:])]
            lead = f"{table.year}の{labels}の{'両方' if len(groups) == 2 else 'すべて'}に参加している課は"
            question = f"{labels}の両方に参加している課"
        elif q.has(_EITHER) or q.has(_ALL) or (q.distinct and len(groups) > 1):
            departments = list(dict.fromkeys(d for g in groups for d in g.departments))
            lead = f"{table.year}の{labels}のいずれかに参加している課は、合わせて"
            question = f"{labels}の参加課（合計）"
        else:
            each = "。".join(f"{g.label}は{'、'.join(g.departments)}の{len(g.departments)}課" for g in groups)
            body = f"{table.year}のWGに参加している課は、{each}です。"
            if len(groups) > 1 and q.has(_ASKS_COUNT):
                # 「WG①とWG③は何課」 may ask each or both: both counts, the union after the parts.
                union = list(dict.fromkeys(d for g in groups for d in g.departments))
                body += f"重複を除くと合わせて{len(union)}課です。"
            return self._entry(WG_MEMBERS, f"{labels}の参加課", body, table.source)
        if len(groups) == 1 and q.has(_ONLY):
            others = [g for g in table.groups if g is not groups[0]]
            departments = [d for d in departments if all(d not in g.departments for g in others)]
            lead = f"{table.year}のWGのうち{groups[0].label}だけに参加している課は"
            question = f"{groups[0].label}だけに参加している課"
        if departments:
            body = f"{lead}、{'、'.join(departments)}の{len(departments)}課です。"
        else:
            body = f"{lead.removesuffix('は').removesuffix('、合わせて')}はありません。"
        if len(groups) > 1:
            body += "（" + "／".join(f"{g.label}：{'、'.join(g.departments)}" for g in groups) + "）"
        return self._entry(WG_MEMBERS, question, body, table.source)

    def _negated_groups(self, q: _Question, groups: list[WorkingGroup]) -> list[WorkingGroup]:
        """The WGs the question says a department is not in: the ones followed by 「入っていない」 before
        the next WG is named (「WG①に入っていないがWG③に入っている課」: WG①)."""
        spans = []
        for group in groups:
            forms = [f"wg{group.number}", *(_fold(f) for f in (group.name, *group.aliases))]
            at = min((i for i in (q.text.find(f) for f in forms) if i >= 0), default=-1)
            if at >= 0:
                spans.append((at, group))
        spans.sort(key=lambda p: p[0])
        negated = []
        for i, (at, group) in enumerate(spans):
            end = spans[i + 1][0] if i + 1 < len(spans) else len(q.text)
            if _EXCEPT.search(q.text[at:end]):
                negated.append(group)
        # 「WG①にもWG②にも入っていない課」: each WG but the last is followed by にも, and the negation is of them all.
        # 「WG①とWG②のどちらにも入っていない課」 too.
        if negated and len(spans) >= 2 and (
            all(q.text[at : spans[i + 1][0]].endswith(_fold("にも")) for i, (at, _) in enumerate(spans[:-1]))
            or q.has(_words("どちらにも", "どっちにも", "いずれにも", "どれにも", "両方に", "両方とも", "両方"))
        ):
            return [group for _, group in spans]
        return negated

    def _all_groups(self, q: _Question) -> TableAnswer | None:
        table = self.current
        if table is None:
            return None
        where = _membership(table)
        most, least = q.has(_MOST), q.has(_LEAST)
        if most != least and not q.departments:
            # 「参加課がいちばん多いWG」: the WG by the number of its departments.
            size = (max if most else min)(len(g.departments) for g in table.groups)
            picked = [g for g in table.groups if len(g.departments) == size]
            sizes = "、".join(f"{g.label}{len(g.departments)}課" for g in table.groups)
            body = (
                f"{table.year}のWGで参加課が{'一番多い' if most else '一番少ない'}のは、"
                f"{'、'.join(g.label for g in picked)}の{size}課です（{sizes}）。"
            )
            return self._entry(WG_MEMBERS, f"参加課が{'一番多い' if most else '一番少ない'}WG", body, table.source)
        if q.has(_EVERY):
            every = [d for d, gs in where.items() if len(gs) == len(table.groups)]
            names = "、".join(g.label for g in table.groups)
            body = (
                f"{table.year}の{len(table.groups)}つのWG（{names}）すべてに参加している課は、{'、'.join(every)}です。"
                if every
                else f"{table.year}の{len(table.groups)}つのWG（{names}）すべてに参加している課はありません。"
            )
            return self._entry(WG_MEMBERS, "すべてのWGに参加している課", body, table.source)
        if q.has(_ONE_GROUP_ONLY):
            # 「WGに1つだけ入っている課」: the departments in exactly one WG.
            single = [(d, gs[0]) for d, gs in where.items() if len(gs) == 1]
            listed = "、".join(f"{d}（{_short(g)}）" for d, g in single)
            body = f"{table.year}にWGに1つだけ参加している課は、{listed}の{len(single)}課です。"
            return self._entry(WG_MEMBERS, "1つのWGだけに参加している課", body, table.source)
        if q.has(_SEVERAL) or (q.has(_BOTH) and not q.has(_ALL)):
            several = [(d, gs) for d, gs in where.items() if len(gs) > 1]
            if not several:
                return self._entry(WG_MEMBERS, "複数のWGに参加している課", f"{table.year}に複数のWGに参加している課はありません。", table.source)
            listed = "、".join(f"{d}（{'、'.join(_short(g) for g in gs)}）" for d, gs in several)
            body = f"{table.year}に複数のWGに参加している課は、{listed}の{len(several)}課です。"
            return self._entry(WG_MEMBERS, "複数のWGに参加している課", body, table.source)
        body = f"{table.year}のWGに参加している課は、全部で{len(where)}課です：{'、'.join(where)}。"
        if q.has(_words("延べ", "のべ")):
            # 「延べ何課」: a department in two WGs counts twice.
            total = sum(len(g.departments) for g in table.groups)
            body = f"{table.year}のWGの参加課は延べ{total}課です（重複を除くと{len(where)}課：{'、'.join(where)}）。"
        body += "（" + "／".join(f"{g.label}：{'、'.join(g.departments)}" for g in table.groups) + "）"
        return self._entry(WG_MEMBERS, "WGに参加している課（全部）", body, table.source)

    def _compare_years(self, q: _Question) -> TableAnswer | None:
        """A WG number in both years: 「WG③は2024年度と2025年度で何が違う？」."""
        previous, current = self.previous, self.current
        if previous is None or current is None:
            return None
        sentences = []
        for number in q.groups:
            before, now = previous.group(number), current.group(number)
            if before is not None:
                sentences.append(self._status_sentence(previous, before))
            if now is not None:
                sentences.append(f"{current.year}の{now.label}には、{'、'.join(now.departments)}が参加しています。")
            else:
                sentences.append(f"{current.year}にはWG{circled(number)}はありません。")
        return self._entry(WG_STATUS, "WGの2024年度と2025年度", "".join(sentences), f"{previous.source}／{current.source}")

    def _status(self, q: _Question, table: WgTable, groups: list[WorkingGroup]) -> TableAnswer | None:
        if q.has(_words("課", "部署", "メンバー", "参加", "所属", "誰")) and not q.has(_ASKS_STATUS):
            return TableAnswer(
                note=f"計画には{table.year}のWGの参加課は書かれていません。"
                + "".join(self._status_sentence(table, g) for g in groups)
                + f"（{table.source}）"
            )
        body = "".join(self._status_sentence(table, g) for g in groups)
        return self._entry(WG_STATUS, f"{table.year}の{'と'.join(g.label for g in groups)}の状況", body, table.source)

    def _status_sentence(self, table: WgTable, group: WorkingGroup) -> str:
        if group.status:
            return f"{table.year}の{group.label}は「{group.status}」です。"
        later = self.current.group(group.number) if self.current else None
        if later is not None and later.name == group.name and self.current is not None:
            return (
                f"{table.year}の{group.label}には休止や保留の記載はなく、"
                f"{self.current.year}も{later.label}として記載されています。"
            )
        return f"{table.year}の{group.label}の状況は書かれていません。"

    def _department_profile(self, q: _Question, bpr: bool, wg: bool, bodies: Sequence[str] = ()) -> TableAnswer | None:
        sentences: list[str] = []
        sources: list[str] = []
        # 「政策企画課は事務局です」 comes after the answer to what was asked (a yes or no first).
        roles: list[str] = []
        for department in q.departments:
            for body in self._bodies_by_name.values():
                if body.members == department:
                    roles.append(f"{department}は{body.name}です（{'、'.join(body.roles)}）。")
        table = self.current
        if len(q.departments) == 1 and q.has(_PEERS) and (q.has(_ASKS_DEPARTMENT) or q.has(_words("ところ", "どれ"))):
            # 「人事課と同じ年度にBPRした課」「税務課と同じWGの課」: the others of its year or of its WGs.
            department = q.departments[0]
            if bpr and self.bpr is not None:
                for row in (y for y in self.bpr.years if _stem(department) in y.fields):
                    others = [f for f in row.fields if f != _stem(department)]
                    sentences.append(
                        f"{_stem(department)}と同じ{_year_label(row)}のBPRの対象は、{'、'.join(others) or 'ほかにありません'}です。"
                    )
                sources.append(self.bpr.source)
            elif table is not None:
                for group in (g for g in table.groups if department in g.departments):
                    others = [d for d in group.departments if d != department]
                    sentences.append(f"{table.year}の{group.label}で{department}と一緒に参加しているのは、{'、'.join(others)}です。")
                sources.append(table.source)
            if sentences:
                return self._entry(
                    BPR_OF_DEPARTMENT if bpr else WG_OF_DEPARTMENT, f"{department}と同じ{'年度にBPRした' if bpr else 'WGの'}課",
                    "".join(sentences), "／".join(sources),
                )
        if wg and table is not None and len(q.departments) >= 2 and not q.groups and q.has(_words("共通", "同じ", "両方", "どちらも", "一緒", "ともに", "共に")):
            # 「税務課と人事課の共通のWG」「総務課と政策企画課は同じWG？」: the WGs they are all in.
            shared = [g for g in table.groups if all(d in g.departments for d in q.departments)]
            names = "と".join(q.departments)
            yes_no = _is_yes_no(q)
            sentences.append(
                f"{'はい。' if yes_no else ''}{names}がともに参加している{table.year}のWGは、{'、'.join(g.label for g in shared)}です。"
                if shared
                else f"{'いいえ。' if yes_no else ''}{names}がともに参加している{table.year}のWGはありません。"
            )
        if wg and table is not None and len(q.departments) == 1 and not q.groups and not bpr and q.has(_EXCEPT):
            # 「人事課が入っていないWG」: the WGs without it, not the ones it is in.
            department = q.departments[0]
            outside = [g for g in table.groups if department not in g.departments]
            sentences.append(
                f"{department}が参加していない{table.year}のWGは、{'、'.join(g.label for g in outside)}です。"
                if outside
                else f"{department}は{table.year}のすべてのWGに参加しています。"
            )
        if wg and table is not None:
            asked = [table.group(n) for n in q.groups]
            for department in q.departments:
                mine = [g for g in table.groups if department in g.departments]
                if asked and all(a is not None for a in asked):
                    inside = [a for a in asked if a is not None and department in a.departments]
                    outside = [a for a in asked if a is not None and department not in a.departments]
                    # 「WG②に福祉の課はある？」 names two departments: no only when neither is in it.
                    in_none = not any(d in a.departments for a in asked if a is not None for d in q.departments)
                    head = "はい。" if not outside else "いいえ。" if not inside and (len(q.departments) == 1 or in_none) else ""
                    if inside:
                        sentences.append(f"{head}{department}は{table.year}の{'と'.join(a.label for a in inside)}に参加しています。")
                        head = ""
                    if outside:
                        sentences.append(f"{head}{department}は{table.year}の{'と'.join(a.label for a in outside)}には参加していません。")
                if mine:
                    sentences.append(
                        f"{department}が参加している{table.year}のWGは、{'、'.join(g.label for g in mine)}の{len(mine)}つです。"
                    )
                else:
                    sentences.append(
                        f"{_no(q)}{table.year}のWGの参加課に{department}は含まれていません（どのWGの参加課にも書かれていません）。"
                    )
            sources.append(table.source)
        if bpr and self.bpr is not None:
            for department in q.departments:
                years = [y for y in self.bpr.years if _stem(department) in y.fields]
                asked_years = [y for y in self.bpr.years if y.year in q.years]
                if years and asked_years and len(q.departments) == 1 and not q.has(_WHICH, q.text):
                    # 「人事課はR5年度にBPRした？」: yes or no for the year asked, then the year it was.
                    hit = [y for y in asked_years if y in years]
                    sentences.append(
                        f"はい。{'、'.join(_year_label(y) for y in hit)}のBPRの対象に「{_stem(department)}」と記載されています。"
                        if hit
                        else f"いいえ。{'、'.join(_year_label(y) for y in asked_years)}のBPRの対象に{_stem(department)}はありません。"
                        f"BPRは、{'、'.join(_year_label(y) for y in years)}の対象に「{_stem(department)}」と記載されています。"
                    )
                elif years:
                    sentences.append(
                        f"BPRは、{'、'.join(_year_label(y) for y in years)}の対象に「{_stem(department)}」と記載されています。"
                    )
                else:
                    sentences.append(
                        f"{_no(q)}計画のBPRの対象（{_bpr_span(self.bpr.years)}）に{department}は含まれていません"
                        "（どの年度の対象にも書かれていません）。"
                    )
            sources.append(self.bpr.source)
        if roles and self.tables.bodies is not None:
            sentences += roles
            sources.append(self.tables.bodies.source)
        if not sentences:
            return None
        what = "とBPR" if bpr and wg else "BPR" if bpr else "WG"
        entry_id = BPR_OF_DEPARTMENT if bpr and not wg else WG_OF_DEPARTMENT
        question = f"{'・'.join(q.departments)}が関わる{'WG' + what if what == 'とBPR' else what}"
        return self._entry(entry_id, question, "".join(sentences), "／".join(dict.fromkeys(sources)))

    def _unknown_department(self, q: _Question, bpr: bool, wg: bool) -> TableAnswer | None:
        department = q.unknown_departments[0]
        sentences = []
        sources = []
        if wg and self.current is not None:
            sentences.append(f"{self.current.year}のWGの参加課に{department}は書かれていません。")
            sources.append(self.current.source)
        if bpr and self.bpr is not None:
            sentences.append(f"計画のBPRの対象（{_bpr_span(self.bpr.years)}）に{department}は書かれていません。")
            sources.append(self.bpr.source)
        if not sentences:
            return None
        return self._entry(WG_OF_DEPARTMENT, f"{department}が関わるWG・BPR", "".join(sentences), "／".join(sources))

    def _bpr_by_year(self, q: _Question) -> TableAnswer | None:
        table = self.bpr
        if table is not None and q.has(_words("2回", "二回", "複数回", "2度", "二度", "何回も", "複数の年度", "2年続け", "2つの年度")):
            # 「BPRを2回やった課はある？」: a field in the rows of two years.
            seen: dict[str, list[BprYear]] = {}
            for row in table.years:
                for field_name in row.fields:
                    seen.setdefault(field_name, []).append(row)
            twice = {f: rows for f, rows in seen.items() if len(rows) > 1}
            if twice:
                listed = "、".join(f"{f}（{'・'.join(r.label for r in rows)}）" for f, rows in twice.items())
                body = f"2つ以上の年度のBPRの対象に書かれているのは、{listed}です。"
            else:
                body = f"{_no(q)}BPRの対象として2つ以上の年度に書かれている課はありません（{_bpr_all(table.years)}）。"
            return self._entry(BPR_BY_YEAR, "2つ以上の年度でBPRの対象になった課", body, table.source)
        # 「BPRは10課？」「2023年度にBPRした課は4つ？」: a number to confirm, answered with the count.
        claimed = _CLAIMED_NUMBER.search(q.text)
        if table is None or q.has(_NEGATION) or not (q.years or q.has(_ASKS_WHICH) or claimed):
            return None
        wanted: list[BprYear | None] = [table.of_year(y) for y in q.years] if q.years else list(table.years)
        bound = _YEAR_BOUND.search(q.text)
        if bound is not None:
            # 「R6まで」: every year up to it; 「2023年度以降」: from it.
            limit = f"{bound.group(1)}年度"
            upto = bound.group(2) == _fold("まで")
            wanted = [row for row in table.years if (row.year <= limit if upto else row.year >= limit)]
            q.years = []
        missing = [y for y, row in zip(q.years, wanted, strict=True) if row is None] if q.years else []
        if missing:
            return TableAnswer(
                note=f"計画には{missing[0]}のBPRの対象は書かれていません。"
                f"BPRの対象は{_bpr_all(table.years)}です（{table.source}）。"
            )
        rows = [row for row in wanted if row is not None]
        parts = [f"{_year_label(row)}は{'、'.join(row.fields)}" for row in rows]
        body = f"BPRの対象は、{'、'.join(parts)}です。"
        if len(rows) >= 2 and q.has(_BOTH) and not q.has(_EITHER):
            # 「2022年度と2023年度の両方でBPRした課」: the fields every one of those years names.
            common = [f for f in rows[0].fields if all(f in row.fields for row in rows[1:])]
            years = "と".join(_year_label(row) for row in rows)
            body = (
                f"{years}の両方でBPRの対象になったのは、{'、'.join(common)}です。{body}"
                if common
                else f"{_no(q)}{years}の両方でBPRの対象になった課はありません。{body}"
            )
            question = f"{'・'.join(r.label for r in rows)}の両方のBPRの対象"
            return self._entry(BPR_BY_YEAR, question, body, table.source)
        if not q.years and bound is None and q.has(_words("いつから", "何年度から", "何年から", "始ま", "はじま", "開始", "スタート")):
            # 「BPRはいつからやってる？」: the first year of the table.
            body = f"BPRの対象として書かれているのは{_year_label(rows[0])}からです。{body}"
        if claimed is not None:
            total = sum(len(r.fields) for r in rows)
            body = f"{'はい' if int(claimed.group(1)) == total else 'いいえ'}。{body}"
        if len(rows) > 1 and (q.has(_ASKS_COUNT) or claimed):
            body += f"合わせて{sum(len(r.fields) for r in rows)}課です。"
            summary_years = {f"{y}年度" for y in re.findall(r"(20\d\d)年度", table.summary)}
            if table.summary and (not q.years and bound is None or {r.year for r in rows} == summary_years):
                # 「2022年度と2023年度で何課？」 is what STEP1 says in its own words (合計8つの課).
                body += f"なお、STEP1には「{table.summary}」とあります。"
        elif len(rows) == 1 and (q.has(_ASKS_COUNT) or claimed):
            body += f"{len(rows[0].fields)}課です。"
        question = f"{'・'.join(r.label for r in rows)}のBPRの対象"
        return self._entry(BPR_BY_YEAR, question, body, table.source)

    @staticmethod
    def _entry(entry_id: str, question: str, answer: str, source: str) -> TableAnswer:
        return TableAnswer(entry=FaqEntry(id=entry_id, question=question, answer=answer, source=source, tags=("表",)))


_WHICH = _words("どの", "どこ", "何", "いつ", "どれ", "教えて", "一覧", "全部")
# A question word: what follows is not a yes/no question.
_ASKS_WHAT = _words("どの", "どこ", "何", "なに", "いつ", "どれ", "誰", "だれ", "いくつ", "教えて", "挙げて", "のは")


def _no(q: _Question) -> str:
    """「いいえ。」 before what a yes/no question (「土木建設課はWGに入ってる？」) finds absent."""
    return "" if q.has(_WHICH, q.text) else "いいえ。"


def _changes_with(version: Version, terms: Iterable[str], kinds: Iterable[str]) -> list[str]:
    """The lines of a version's row that name every term (folded) and every kind of change (追記, 修正)."""
    return [
        c for c in version.changes
        if all(t in fold_for_match(c) for t in terms) and all(k in fold_for_match(c) for k in kinds)
    ]


def _is_yes_no(q: _Question) -> bool:
    """「総務課と政策企画課は同じWG？」, not 「…の共通のWGは？」 nor a question with a question word."""
    return bool(re.search(r"[^ハ][?？]$", q.text)) and not q.has(_ASKS_WHAT, q.text)


def pos_noun(folded: str) -> bool:
    """Not a bare kana particle-like leftover (ノ, ハ): a word worth looking for."""
    return len(folded) >= 2 or bool(re.fullmatch(r"[一-龥a-z0-9]", folded))


def _membership(table: WgTable) -> dict[str, list[WorkingGroup]]:
    where: dict[str, list[WorkingGroup]] = {}
    for group in table.groups:
        for department in group.departments:
            where.setdefault(department, []).append(group)
    return where


def _pieces(n: int, q: _Question | None = None) -> str:
    """3つ, but 16個 (つ reads only up to 9); 15件 when the question counts 件."""
    if q is not None and q.has(_words("何件", "件数"), q.text):
        return f"{n}件"
    return f"{n}つ" if n < 10 else f"{n}個"


def _short(group: WorkingGroup) -> str:
    return f"WG{circled(group.number)}"


def _stem(department: str) -> str:
    return department[:-1] if department.endswith("課") else department


def _year_label(row: BprYear) -> str:
    return f"{row.label}（{row.year}）"


def _bpr_span(years: Sequence[BprYear]) -> str:
    return f"{years[0].label}〜{years[-1].label}" if years else ""


def _bpr_all(years: Iterable[BprYear]) -> str:
    return "、".join(f"{row.label}：{'、'.join(row.fields)}" for row in years)
