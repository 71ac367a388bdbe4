"""Every message a knowledge-base problem is reported with: Japanese, and each says what to do.

`dxbot kb check`, `dxbot ask --kb`, the bot at start and `dxbot kb apply` all report problems as
`file:line: message`; the messages come from here only, so one test can check every template.
"""

from __future__ import annotations

import yaml

MESSAGES: dict[str, str] = {
    # reading files
    "file_missing": "ファイルが見つかりません。パスを確かめてください",
    "file_unreadable": "ファイルを読み込めません。読み取りの権限があるか確かめてください",
    "not_utf8": "文字コードが UTF-8 ではありません。UTF-8 で保存し直してください",
    "not_a_kb": "知識ベースのディレクトリでも、FAQ の CSV・xlsx ファイルでもありません。パスを確かめてください",
    # YAML syntax
    "yaml_syntax": "YAML の書き方が正しくありません（{column} 文字目付近）。{hint}",
    "yaml_hint_colon": "値に「:」を含むときは、値全体を引用符で囲んでください",
    "yaml_hint_indent": "字下げがそろっているか確かめてください",
    "yaml_hint_tab": "字下げにタブは使えません。空白にしてください",
    "yaml_hint_quote": "引用符やかっこが閉じられているか確かめてください",
    "yaml_hint_alias": "「&」「*」「!」で始まる値は引用符で囲んでください",
    "yaml_hint_general": "字下げ・「:」・「- 」・引用符を確かめてください",
    # structure
    "top_not_mapping": "最上位は「キー: 値」の形にしてください",
    "top_key_missing": "最上位に「{key}:」がありません",
    "entries_not_list": "「entries:」の下は「- id: …」で始まる項目のリストにしてください",
    "entry_not_mapping": "項目は「id:」「question:」「answer:」などを持つ形にしてください",
    "unknown_field": "「{name}」は使えない項目名です（使えるのは {allowed}）",
    "missing_field": "項目に「{name}:」がありません",
    "field_not_string": "「{name}」は空でない文字列にしてください",
    "field_not_list": "「{name}」は文字列のリストにしてください",
    "duplicate_id": "id「{id}」が重複しています（最初は {first} 行目）。どちらかの id を変えてください",
    "no_entries": "FAQ の項目が1つもありません",
    "plan_needs_title": "「plan:」には title と version を書いてください",
    "synonym_group": "同義語のグループには2語以上を並べてください",
    "invalid_initiative": "取組みには id、name、reform（数字）、theme を書いてください",
    "out_of_scope_not_list": "「examples:」の下は「- question: …」のリストにしてください",
    "out_of_scope_item": "対象外の例は「question:」に空でない質問を書いてください",
    # checks of a loaded knowledge base (kb check)
    "no_source": "項目「{id}」に出典（source）がありません",
    "few_alternates": "項目「{id}」の言い換え（alternates）が {count} 個です。{minimum} 個以上にしてください",
    "no_tags": "項目「{id}」にタグ（tags）がありません",
    "unknown_related": "項目「{id}」の関連項目（related）「{related}」がありません。ある項目のidを書いてください",
    "indistinguishable": (
        "項目「{id}」は「{other}」（{where}）と区別できません。この項目の質問で「{other}」が上位になります"
        "（{other_score} 対 {own_score}）。質問か言い換えを書き分けてください"
    ),
    # FAQ files a city already has (CSV, xlsx)
    "csv_encoding": "文字コードを判別できません。UTF-8 か Shift_JIS（CP932）で保存し直してください",
    "csv_syntax": "CSV の書き方が正しくありません。引用符「\"」が閉じられているか確かめてください",
    "faq_header": "見出し行に「{missing}」の列がありません。1行目を「id,question,answer」か「番号,質問,回答」にしてください",
    "faq_cell_empty": "{column}が空です。書き足すか、この行を削除してください",
    "faq_empty_rows": "空の行を {count} 行読み飛ばしました（{lines} 行目）",
    "xlsx_unreadable": "Excel ファイルとして読み込めません。Excel で開いて .xlsx で保存し直してください",
    "xlsx_empty": "シートが空です。1行目に「id,question,answer」か「番号,質問,回答」の見出しを書いてください",
}


def msg(template: str, /, **values: object) -> str:
    return MESSAGES[template].format(**values)


def yaml_error_message(error: yaml.YAMLError) -> tuple[int, str]:
    """The line and a Japanese message for a YAML syntax error (PyYAML's own text is English)."""
    problem = f"{getattr(error, 'problem', '')} {getattr(error, 'context', '')}"
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if "end of stream" in problem or "quoted scalar" in problem or "flow" in problem:
        # An unclosed bracket or quote is found at the end of the file; where it was opened helps more.
        mark = getattr(error, "context_mark", None) or mark
    line = mark.line + 1 if mark is not None else 1
    column = mark.column + 1 if mark is not None else 1
    if "mapping values are not allowed" in problem:
        hint = "yaml_hint_colon"
    elif "'\\t'" in problem or "\\t" in problem:
        hint = "yaml_hint_tab"
    elif "block end" in problem or "expected <block" in problem or "indentation" in problem:
        hint = "yaml_hint_indent"
    elif "end of stream" in problem or "quoted scalar" in problem or "flow" in problem:
        hint = "yaml_hint_quote"
    elif "alias" in problem or "anchor" in problem or "tag" in problem:
        hint = "yaml_hint_alias"
    else:
        hint = "yaml_hint_general"
    return line, msg("yaml_syntax", column=column, hint=MESSAGES[hint])
