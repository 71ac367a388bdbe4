"""What the review sheet lists: reasons, grouping (normalized and fuzzy), sort order, what is already covered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from curation.review import Reason, review_groups
from knowledge.kb import FaqEntry, KnowledgeBase
from storage.feedback import FeedbackRecord, Verdict
from storage.repositories import LoggedQuestion

T0 = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
KB = KnowledgeBase(
    entries=(
        FaqEntry("hq-size", "推進本部は何人ですか", "47人です。", ("本部の人数",)),
        FaqEntry("leader-size", "DX推進リーダーは何人ですか", "10名程度です。"),
    ),
    out_of_scope=("今日の天気は？",),
)


def logged(n: int, text: str, status: str = "no_answer", entry_id: str | None = None, user: str = "U1") -> LoggedQuestion:
    return LoggedQuestion(n, T0 + timedelta(hours=n), user, text, status, 0.1, entry_id)


def feedback(log_id: int, verdict: Verdict, entry_id: str | None) -> FeedbackRecord:
    return FeedbackRecord(log_id, log_id, entry_id, "U1", verdict, "slack", T0 + timedelta(hours=log_id, minutes=1))


def test_reasons_and_what_is_left_out() -> None:
    questions = [
        logged(1, "公用車の予約方法", "no_answer"),
        logged(2, "WGの数", "ambiguous"),  # choices shown, none picked
        logged(3, "本部のメンバー数", "ambiguous"),  # a choice was picked
        logged(4, "リーダーの人数", "answered", "leader-size"),  # answered and marked 違った
        logged(5, "推進本部は何人ですか", "answered", "hq-size"),  # answered, no feedback
        logged(6, "今日の天気は？", "no_answer"),  # already an out-of-scope example
        logged(7, "本部の人数", "no_answer"),  # already a phrasing
        logged(8, "   ", "no_answer"),
    ]
    marks = [feedback(3, Verdict.PICKED, "hq-size"), feedback(4, Verdict.WRONG, "leader-size"), feedback(5, Verdict.HELPFUL, "hq-size")]
    groups = review_groups(questions, marks, KB)
    assert {g.question: g.state for g in groups} == {
        "公用車の予約方法": "回答なし×1",
        "WGの数": "もしかして（選ばれず）×1",
        "本部のメンバー数": "もしかしてから選択（hq-size）×1",
        "リーダーの人数": "違った（leader-size）×1",
    }


def test_a_wrong_answer_stays_until_the_question_points_elsewhere() -> None:
    questions = [logged(1, "本部の人数", "answered", "hq-size")]  # word for word a phrasing of hq-size
    marks = [feedback(1, Verdict.WRONG, "hq-size")]
    assert [g.question for g in review_groups(questions, marks, KB)] == ["本部の人数"]
    # a change of mind (役に立った after 違った) takes it off
    marks.append(FeedbackRecord(2, 1, "hq-size", "U1", Verdict.HELPFUL, "slack", T0 + timedelta(hours=3)))
    assert review_groups(questions, marks, KB) == []


def test_near_identical_questions_are_one_group_sorted_by_count_then_recency() -> None:
    questions = [
        logged(1, "公用車の予約はどうすればいい？"),
        logged(2, "公用車の予約はどうすればいい"),  # normalized: the same
        logged(3, "公用車の予約は　どうすればいい?"),  # full-width space, ASCII ?: the same wording
        logged(4, "公用車の予約はどうすればいいですか"),  # fuzzy: near-identical
        logged(5, "庁舎の駐車場は何台"),
        logged(6, "議会の日程"),
        logged(7, "WG"),
        logged(8, "WG③"),  # short: only identical ones group
        logged(9, "庁舎の駐車場は何台"),
    ]
    groups = review_groups(questions, [], KB)
    assert [(g.question, g.count) for g in groups] == [
        ("公用車の予約は　どうすればいい?", 4),  # the wording asked most, as last typed
        ("庁舎の駐車場は何台", 2),
        ("WG③", 1),
        ("WG", 1),
        ("議会の日程", 1),
    ]
    top = groups[0]
    assert top.variants == ("公用車の予約はどうすればいいですか",)
    assert top.last_asked == T0 + timedelta(hours=4)
    assert top.reasons == ((Reason.NO_ANSWER, None, 4),)


def test_no_user_id_reaches_a_group() -> None:
    groups = review_groups([logged(1, "公用車の予約", user="USECRET123")], [], KB)
    assert "USECRET123" not in repr(groups)
