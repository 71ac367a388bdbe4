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

from knowledge.analysis import Analyzer
from knowledge.kb import FaqEntry, Initiative, Reform
from knowledge.normalize import fold_for_match, fold_kana, hiragana_to_katakana, normalize_text
from knowledge.tables import BprYear, PlanTables, WgTable, WorkingGroup, circled

# Entry ids of computed answers: `table:` + what was computed.
WG_MEMBERS = "table:wg-members"
WG_OF_DEPARTMENT = "table:wg-of-department"
BPR_BY_YEAR = "table:bpr-by-year"
BPR_OF_DEPARTMENT = "table:bpr-of-department"
WG_STATUS = "table:wg-status"
APPEARANCES = "table:appearances"


_DIGIT_RANGE = re.compile(r"(?<=\d)\s*[〜～~\-−‐]\s*(?=[\dwW])")


def _fold(text: str) -> str:
    """Katakana, no long-vowel marks, no spaces; digits and punctuation kept (WG1と3 ≠ WG13), and a
    range between numbers (2022〜2023, WG1~3) written カラ, since folding drops 〜 with the long vowels."""
    return fold_kana(_DIGIT_RANGE.sub("から", normalize_text(text))).replace(" ", "")


def _words(*words: str) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(_fold(w)) for w in sorted(words, key=len, reverse=True)))


_WG_NUMBERS = re.compile(
    r"wg(?:ノ)?([1-9])(?![0-9ツ個名人])((?:(?:ト|・|,|、|及ビ|オヨビ|ヤ|カ|マタハ|or|&|/)(?:wg)?[1-9](?![0-9ツ個名人]))*)"
    r"|([1-9])(?:ト|・|、)([1-9])(?:ノ|番目ノ)?wg"
)
_WG_RANGE = re.compile(r"wg([1-9])カラ(?:wg)?([1-9])")
_YEARS = re.compile(r"(20\d\d)年度?")
# 2022〜2023年度, 2022・2023年度: both years.
_YEAR_BOUND = re.compile(r"(20\d\d)年度?(マデ|以降|カラ)")
_YEAR_PAIR = re.compile(r"(20\d\d)(?:年度?)?(?:カラ|・|、|ト)(20\d\d)年")
# A department the tables do not know: 財政課. Question words ending in 課 are not departments.
_ANY_DEPARTMENT = re.compile(r"(?<![一-龥])[一-龥]{2,8}課")
_NOT_DEPARTMENTS = re.compile("|".join(("何課", "どの課", "参加課", "各課", "担当課", "所属課", "関係課", "対象課", "実施課", "所管課", "構想担当課")))

_MEMBERSHIP = _words(
    "参加", "入って", "入る", "入つて", "所属", "メンバー", "加わ", "属して", "構成", "関わ", "関係", "携わ", "いる課", "いた課"
)
_ASKS_DEPARTMENT = _words("課", "部署", "部門", "どこ", "誰", "だれ", "メンバー", "所属")
_ASKS_COUNT = _words("何課", "いくつ", "何部署", "数", "何か所", "何個", "何つ", "何チーム", "何団体", "どれくらい", "どのくらい")
_ASKS_WHEN = _words("いつ", "何年", "年度", "時期")
_ASKS_STATUS = _words("状況", "どうな", "休止", "保留", "続いて", "続く", "その後", "現在", "今は", "継続", "進んで", "どう")
_BOTH = _words(
    "両方", "どちらにも", "どっちにも", "共通", "重複", "かぶ", "被って", "ともに", "共に", "どちらも", "どっちも",
    "いずれにも", "全てに", "すべてに", "全部に", "兼", "掛け持ち", "かけもち",
)
_EITHER = _words("どちらか", "どっちか", "いずれか", "合わせ", "あわせ", "合計", "全体")
_ONLY = _words("だけ", "のみ")
_EXCEPT = _words("以外", "除", "入っていない", "入つていない", "参加していない", "いない", "じゃない")
_SEVERAL = _words("複数", "2つ以上", "二つ以上", "2つの", "二つの", "両方", "掛け持ち", "かけもち", "兼")
_ALL = _words("全部", "すべて", "全て", "ぜんぶ", "一覧", "全体", "全")
_BPR = re.compile("bpr")
# 「フロントヤード改革は計画のどことどこに出てくる？」「SNSは取組みとWGの両方にある？」
_ASKS_WHERE = _words("どことどこ", "出てく", "載って", "のって", "登場", "両方にある", "どちらにも", "どこにある", "どこに出")
# 「BPRした課は？」 asks which; 「BPRしていない課もDXしてよい？」 asks something else.
_ASKS_WHICH = _words(
    "どこ", "どの課", "どの分野", "どの部署", "何課", "対象", "一覧", "全部", "すべて", "全て", "いつ", "何年度",
    "した課", "やった課", "行った課", "分野", "課は", "課を", "何の課",
)
_NEGATION = _words("ない課", "してない", "やってない", "していない", "未実施", "実施していない", "以外")


@dataclass(frozen=True)
class TableAnswer:
    """A computed answer (`entry`, synthetic id `table:…`), or a `note` when the plan lacks what is asked."""

    entry: FaqEntry | None = None
    note: str | None = None


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
        for year in tables.bpr.years if tables.bpr else ():
            names += [f + "課" if f + "課" not in names else f for f in year.fields]
        self._departments = [self._department(n) for n in dict.fromkeys(names)]
        self.initiatives = tuple(initiatives)
        self.reforms = {r.no: r for r in reforms}
        topic_words = [w for i in initiatives for w in (i.name, i.theme, *i.aliases)]
        self._topic_words = "\n".join(_fold(w) for w in topic_words)

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
        text = _fold(canonical)
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
        named = "wg" in text or bool(_MEMBERSHIP.search(text))
        for key, table in (("current", self.current), ("previous", self.previous)):
            for group in table.groups if table else ():
                used = [f for f in (group.name, *group.aliases) if _fold(f) in text]
                if used:
                    named_forms.append(max(used, key=len))
                if used and (named or (group.name in used and self._unique_name(group))):
                    groups.append(group.number)
                    group_tables.add(key)
        pairs = [y for pair in _YEAR_PAIR.findall(text) for y in pair]
        years = list(dict.fromkeys(f"{y}年度" for y in sorted({*pairs, *_YEARS.findall(text)})))
        departments, rest = self._find_departments(text, question)
        known = [f for d in self._departments for f in (d.name, *d.forms)]
        plain = _NOT_DEPARTMENTS.sub("", canonical)
        unknown = [d for d in _ANY_DEPARTMENT.findall(plain) if _fold(d) not in known]
        return _Question(
            text, list(dict.fromkeys(groups)), group_tables, list(dict.fromkeys(named_forms)), years, departments, unknown, rest
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
        names = [name for _, name in sorted(found)]
        return list(dict.fromkeys(names)), rest

    def _unique_name(self, group: WorkingGroup) -> bool:
        """A WG name no initiative and no other table uses: it can only mean the WG."""
        folded = _fold(group.name)
        return folded not in self._topic_words

    # ------------------------------------------------------------------ answering

    def answer(self, question: str) -> TableAnswer | None:
        q = self._read(question)
        bpr = q.has(_BPR)
        wg = "wg" in q.text
        if q.departments and (bpr or wg or q.has(_MEMBERSHIP)):
            return self._department_profile(q, bpr=bpr, wg=wg or not bpr)
        if q.unknown_departments and (bpr or (wg and q.has(_MEMBERSHIP, q.text))):
            return self._unknown_department(q, bpr=bpr, wg=wg)
        if bpr and not q.groups:
            return self._bpr_by_year(q)
        if q.named_forms and q.has(_ASKS_WHERE) and "課" not in q.rest:
            found = self._appearances(q)
            if found is not None:
                return found
        if q.groups or (wg and q.group_tables):
            return self._groups(q)
        if wg and q.has(_ASKS_DEPARTMENT) and (q.has(_SEVERAL) or q.has(_ALL) or q.has(_BOTH)):
            return self._all_groups(q)
        return None

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
                    places.append(f"{table.year}の{group.label}")  # type: ignore[union-attr]
                    sources.append(table.source)  # type: ignore[union-attr]
        if len(places) < 2:
            return None
        body = f"「{term}」は、{'、'.join(places)}に出てきます。"
        return self._entry(APPEARANCES, f"「{term}」が出てくるところ", body, "／".join(dict.fromkeys(sources)))

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
        if table is self.previous:
            return self._status(q, table, groups)
        if not (q.has(_ASKS_DEPARTMENT) or q.has(_MEMBERSHIP)):
            return None
        return self._members(q, table, groups)

    def _members(self, q: _Question, table: WgTable, groups: list[WorkingGroup]) -> TableAnswer:
        labels = "と".join(g.label for g in groups)
        if len(groups) == 1:
            departments = list(groups[0].departments)
            lead = f"{table.year}の{labels}に参加している課は"
            question = f"{groups[0].label}の参加課"
        elif q.has(_EXCEPT):
            first, others = groups[0], groups[1:]
            departments = [d for d in first.departments if all(d not in g.departments for g in others)]
            lead = f"{table.year}の{first.label}に参加していて、{'、'.join(g.label for g in others)}に参加していない課は"
            question = f"{first.label}だけの参加課"
        elif q.has(_BOTH):
            departments = [d for d in groups[0].departments if all(d in g.departments for g in groups[1:])]
            lead = f"{table.year}の{labels}の{'両方' if len(groups) == 2 else 'すべて'}に参加している課は"
            question = f"{labels}の両方に参加している課"
        elif q.has(_EITHER) or q.has(_ALL):
            departments = list(dict.fromkeys(d for g in groups for d in g.departments))
            lead = f"{table.year}の{labels}のいずれかに参加している課は、合わせて"
            question = f"{labels}の参加課（合計）"
        else:
            each = "。".join(f"{g.label}は{'、'.join(g.departments)}の{len(g.departments)}課" for g in groups)
            body = f"{table.year}のWGに参加している課は、{each}です。"
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

    def _all_groups(self, q: _Question) -> TableAnswer | None:
        table = self.current
        if table is None:
            return None
        where = _membership(table)
        if q.has(_SEVERAL) or (q.has(_BOTH) and not q.has(_ALL)):
            several = [(d, gs) for d, gs in where.items() if len(gs) > 1]
            if not several:
                return self._entry(WG_MEMBERS, "複数のWGに参加している課", f"{table.year}に複数のWGに参加している課はありません。", table.source)
            listed = "、".join(f"{d}（{'、'.join(_short(g) for g in gs)}）" for d, gs in several)
            body = f"{table.year}に複数のWGに参加している課は、{listed}の{len(several)}課です。"
            return self._entry(WG_MEMBERS, "複数のWGに参加している課", body, table.source)
        body = f"{table.year}のWGに参加している課は、全部で{len(where)}課です：{'、'.join(where)}。"
        body += "（" + "／".join(f"{g.label}：{'、'.join(g.departments)}" for g in table.groups) + "）"
        return self._entry(WG_MEMBERS, "WGに参加している課（全部）", body, table.source)

    def _status(self, q: _Question, table: WgTable, groups: list[WorkingGroup]) -> TableAnswer | None:
        if q.has(_ASKS_DEPARTMENT) and not q.has(_ASKS_STATUS):
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

    def _department_profile(self, q: _Question, bpr: bool, wg: bool) -> TableAnswer | None:
        sentences: list[str] = []
        sources: list[str] = []
        table = self.current
        if wg and table is not None:
            asked = [table.group(n) for n in q.groups]
            for department in q.departments:
                mine = [g for g in table.groups if department in g.departments]
                if asked and all(a is not None for a in asked):
                    inside = [a for a in asked if a is not None and department in a.departments]
                    outside = [a for a in asked if a is not None and department not in a.departments]
                    head = "はい。" if not outside else "いいえ。" if not inside and len(q.departments) == 1 else ""
                    if inside:
                        sentences.append(f"{head}{department}は{table.year}の{'と'.join(a.label for a in inside)}に参加しています。")
                        head = ""
                    if outside:
                        sentences.append(f"{head}{department}は{table.year}の{'と'.join(a.label for a in outside)}には参加していません。")
                if mine:
                    sentences.append(f"{department}が参加している{table.year}のWGは、{'、'.join(g.label for g in mine)}です。")
                elif department.endswith("課"):
                    sentences.append(f"{table.year}のWGの参加課に{department}は書かれていません。")
            sources.append(table.source)
        if bpr and self.bpr is not None:
            for department in q.departments:
                years = [y for y in self.bpr.years if _stem(department) in y.fields]
                if years:
                    sentences.append(
                        f"BPRは、{'、'.join(_year_label(y) for y in years)}の対象に「{_stem(department)}」と記載されています。"
                    )
                else:
                    sentences.append(f"計画のBPRの対象（{_bpr_span(self.bpr.years)}）に{department}は書かれていません。")
            sources.append(self.bpr.source)
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
        if table is None or q.has(_NEGATION) or not (q.years or q.has(_ASKS_WHICH)):
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
        if len(rows) > 1 and q.has(_ASKS_COUNT):
            body += f"合わせて{sum(len(r.fields) for r in rows)}課です。"
        elif len(rows) == 1 and q.has(_ASKS_COUNT):
            body += f"{len(rows[0].fields)}課です。"
        question = f"{'・'.join(r.label for r in rows)}のBPRの対象"
        return self._entry(BPR_BY_YEAR, question, body, table.source)

    @staticmethod
    def _entry(entry_id: str, question: str, answer: str, source: str) -> TableAnswer:
        return TableAnswer(entry=FaqEntry(id=entry_id, question=question, answer=answer, source=source, tags=("表",)))


def _membership(table: WgTable) -> dict[str, list[WorkingGroup]]:
    where: dict[str, list[WorkingGroup]] = {}
    for group in table.groups:
        for department in group.departments:
            where.setdefault(department, []).append(group)
    return where


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
