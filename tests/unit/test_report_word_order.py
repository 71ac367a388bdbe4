"""`報告` keeps every part, whatever the order: status and percent either way round, `課:` and `KPI:`
anywhere, the memo is everything else; contradictions get a question back (issue 13)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UserError
from bot.progress.parsing import ReportDraft, parse_report
from storage.progress import ReportStatus
from tests.rendering import error_text

S = ReportStatus
INITIATIVE = "書かない窓口"
STATUS, PERCENT = "実施中", "60%"
NOTE = ["来庁者アンケート", "実施"]
KPI, DEPARTMENT = "KPI:利用件数=120", "課:税務課"


def drafts_for(parts: frozenset[str]) -> ReportDraft:
    return ReportDraft(
        INITIATIVE,
        S.IN_PROGRESS,
        60 if "percent" in parts else None,
        " ".join(NOTE) if "note" in parts else "",
        department="税務課" if "department" in parts else None,
        kpi_name="利用件数" if "kpi" in parts else None,
        kpi_value=120.0 if "kpi" in parts else None,
    )


SUBSETS = [frozenset(c) for n in range(5) for c in itertools.combinations(["percent", "note", "kpi", "department"], n)]


@pytest.mark.parametrize("parts", SUBSETS, ids=lambda parts: "+".join(sorted(parts)) or "status-only")
@pytest.mark.parametrize("percent_first", [False, True], ids=["status-percent", "percent-status"])
def test_every_order_of_the_parts_gives_the_same_report(parts: frozenset[str], percent_first: bool) -> None:
    """Every permutation: the head either way round, each option at every position (before the initiative,
    in the head, inside the memo, at the end)."""
    head = [STATUS] + ([PERCENT] if "percent" in parts else [])
    if percent_first:
        head.reverse()
    base = [INITIATIVE, *head, *(NOTE if "note" in parts else [])]
    options = [o for o, name in ((KPI, "kpi"), (DEPARTMENT, "department")) if name in parts]
    expected = drafts_for(parts)
    tried = 0
    for order in itertools.permutations(options):
        layouts = [base]
        for option in order:
            layouts = [layout[:i] + [option] + layout[i:] for layout in layouts for i in range(len(layout) + 1)]
        for layout in layouts:
            text = " ".join(layout)
            assert parse_report(text) == expected, text
            tried += 1
    assert tried == {0: 1, 1: len(base) + 1, 2: 2 * (len(base) + 1) * (len(base) + 2)}[len(options)]


def test_the_example_from_the_issue_keeps_percent_and_memo() -> None:
    assert parse_report("書かない窓口 60% 実施中 来庁者アンケート") == ReportDraft(
        "書かない窓口", S.IN_PROGRESS, 60, "来庁者アンケート"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a percent inside the memo stays memo; only the head right after the initiative is status and percent
        ("1-02 実施中 回答率 80%", ReportDraft("1-02", S.IN_PROGRESS, None, "回答率 80%")),
        ("1-02 実施中 60% 回答率 80%", ReportDraft("1-02", S.IN_PROGRESS, 60, "回答率 80%")),
        # a status word inside the memo is memo too, and so is a second one: the head holds one status
        ("1-02 実施中 60% 準備 完了", ReportDraft("1-02", S.IN_PROGRESS, 60, "準備 完了")),
        ("1-02 実施中 準備 完了", ReportDraft("1-02", S.IN_PROGRESS, None, "準備 完了")),
        # a bare number is the percent only right after the status
        ("1-02 実施中 45 途中", ReportDraft("1-02", S.IN_PROGRESS, 45, "途中")),
        ("1-02 60% 実施中 45 件", ReportDraft("1-02", S.IN_PROGRESS, 60, "45 件")),
        ("1-02 実施中 2025 年度に開始", ReportDraft("1-02", S.IN_PROGRESS, None, "2025 年度に開始")),
        # consistent statuses and percents
        ("1-02 完了 100%", ReportDraft("1-02", S.DONE, 100)),
        ("1-02 100% 完了", ReportDraft("1-02", S.DONE, 100)),
        ("1-02 完了", ReportDraft("1-02", S.DONE)),
        ("1-02 未着手 0%", ReportDraft("1-02", S.NOT_STARTED, 0)),
        ("1-02 未着手", ReportDraft("1-02", S.NOT_STARTED)),
    ],
)
def test_what_stays_memo(text: str, expected: ReportDraft) -> None:
    assert parse_report(text) == expected


@pytest.mark.parametrize(
    ("text", "question", "choices"),
    [
        (
            "書かない窓口 完了 50% 窓口で試行",
            "完了なのに 50% です。完了 100% ですか？ 実施中 50% ですか？",
            ["/dx 報告 書かない窓口 完了 100% 窓口で試行", "/dx 報告 書かない窓口 実施中 50% 窓口で試行"],
        ),
        (
            "書かない窓口 50% 完了 KPI:120 課:税務課",
            "完了なのに 50% です。完了 100% ですか？ 実施中 50% ですか？",
            ["/dx 報告 書かない窓口 完了 100% 課:税務課 KPI:120", "/dx 報告 書かない窓口 実施中 50% 課:税務課 KPI:120"],
        ),
        (
            "1-02 未着手 30%",
            "未着手なのに 30% です。未着手 0% ですか？ 実施中 30% ですか？",
            ["/dx 報告 1-02 未着手 0%", "/dx 報告 1-02 実施中 30%"],
        ),
        ("1-02 完了 0%", "完了なのに 0% です。", ["/dx 報告 1-02 完了 100%", "/dx 報告 1-02 実施中 0%"]),
    ],
)
def test_contradictions_get_a_question_back(text: str, question: str, choices: list[str]) -> None:
    with pytest.raises(UserError) as caught:
        parse_report(text)
    said = error_text(caught.value)
    assert question in said and "何も記録していません" in said
    for choice in choices:
        assert choice in said, said


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("書かない窓口 60% 実施中 70%", "進捗率が 2 つあります（60%、70%）"),
        ("書かない窓口 60% 70% 実施中", "進捗率が 2 つあります（60%、70%）"),
        ("60% 実施中", "取組みを指定してください（進捗率「60%」の前に"),
        ("KPI:120 実施中", "取組みを指定してください（状況「実施中」の前に"),
        ("書かない窓口 60%", "状況がありません"),
        ("書かない窓口 150% 実施中", "進捗率「150%」は使えません"),
    ],
)
def test_what_cannot_be_read_is_refused_whole(text: str, says: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_report(text)
    assert says in error_text(caught.value)


WORDS = st.sampled_from(
    # Canonical status labels and explicit percents, so each kept part can be compared with the word sent.
    ["書かない窓口", "1-02", "実施中", "完了", "未着手", "60%", "100%", "0%", "2025", "回答率", "80%",
     "KPI:120", "課:税務課", "窓口で", "試行", "アンケート"]
)


@given(st.lists(WORDS, min_size=1, max_size=8))
def test_no_word_is_lost(words: list[str]) -> None:
    """Whatever is sent, the draft accounts for every word, or the whole report is refused."""
    try:
        draft = parse_report(" ".join(words))
    except UserError:
        return
    kept = [*draft.initiative.split(), draft.status.label, *draft.note.split()]
    if draft.percent is not None:
        kept.append(f"{draft.percent}%")
    if draft.department:
        kept.append(f"課:{draft.department}")
    if draft.kpi_value is not None:
        kept.append(f"KPI:{draft.kpi_value:g}")
    assert sorted(kept) == sorted(words)

