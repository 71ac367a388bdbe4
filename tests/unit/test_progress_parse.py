"""Parsing `/dx 報告` and `/dx 登録` text: what is understood, and what is refused with a Japanese reason."""

from __future__ import annotations

import pytest

from bot.directory import parse_role
from bot.errors import UserError
from bot.progress.parsing import ReportDraft, parse_percent, parse_registration, parse_report, parse_status
from storage.progress import ReportStatus, StaffRole
from tests.rendering import error_text, with_mentions

S = ReportStatus


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("書かない窓口 実施中", ReportDraft("書かない窓口", S.IN_PROGRESS)),
        ("書かない窓口 実施中 60%", ReportDraft("書かない窓口", S.IN_PROGRESS, 60)),
        (
            "書かない窓口 実施中 60% 来庁者アンケート実施",
            ReportDraft("書かない窓口", S.IN_PROGRESS, 60, "来庁者アンケート実施"),
        ),
        # full-width digits, ％ and a full-width space
        ("書かない窓口　準備中　６０％　説明会", ReportDraft("書かない窓口", S.PREPARING, 60, "説明会")),
        ("1-02 完了 100%", ReportDraft("1-02", S.DONE, 100)),
        ("1-02 未着手 0%", ReportDraft("1-02", S.NOT_STARTED, 0)),
        ("1-02 実施中 60 %", ReportDraft("1-02", S.IN_PROGRESS, 60)),
        ("1-02 実施中 60パーセント", ReportDraft("1-02", S.IN_PROGRESS, 60)),
        # a bare number right after the status is the percent …
        ("1-02 実施中 45 途中", ReportDraft("1-02", S.IN_PROGRESS, 45, "途中")),
        # … but a year or a count starts the memo, and a percent inside the memo stays memo
        ("1-02 実施中 2025 年度に開始", ReportDraft("1-02", S.IN_PROGRESS, None, "2025 年度に開始")),
        ("1-02 実施中 回答率 80%", ReportDraft("1-02", S.IN_PROGRESS, None, "回答率 80%")),
        # names with a space, the first status word splits
        ("学童 連絡 検討中", ReportDraft("学童 連絡", S.CONSIDERING)),
        # status spellings people use
        ("1-02 進行中", ReportDraft("1-02", S.IN_PROGRESS)),
        ("1-02 完了済み", ReportDraft("1-02", S.DONE)),
        ("1-02 着手前", ReportDraft("1-02", S.NOT_STARTED)),
        ("1-02 休止 予算待ち", ReportDraft("1-02", S.PAUSED, None, "予算待ち")),
        ("1-02 保留", ReportDraft("1-02", S.ON_HOLD)),
        # options: another department (admin) and a KPI value, before or after the memo
        (
            "1-02 実施中 50% 課:税務課 窓口で試行",
            ReportDraft("1-02", S.IN_PROGRESS, 50, "窓口で試行", department="税務課"),
        ),
        (
            "1-02 実施中 窓口で試行 課：税務課",
            ReportDraft("1-02", S.IN_PROGRESS, None, "窓口で試行", department="税務課"),
        ),
        ("1-02 実施中 KPI:120", ReportDraft("1-02", S.IN_PROGRESS, kpi_value=120.0)),
        (
            "1-02 実施中 40% KPI:利用件数=1,200件 順調",
            ReportDraft("1-02", S.IN_PROGRESS, 40, "順調", kpi_name="利用件数", kpi_value=1200.0),
        ),
    ],
)
def test_parse_report(text: str, expected: ReportDraft) -> None:
    assert parse_report(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "取組みと状況を指定してください"),
        ("書かない窓口", "状況がありません"),
        ("書かない窓口 やってる 50%", "状況「やってる」はわかりません"),
        ("書かない窓口 ぼちぼち", "状況「ぼちぼち」はわかりません"),
        ("実施中 60%", "取組みを指定してください"),
        ("書かない窓口 実施中 150%", "進捗率「150%」は使えません"),
        ("書かない窓口 実施中 -5%", "進捗率「-5%」は使えません"),
        ("書かない窓口 実施中 33.3%", "進捗率「33.3%」は使えません"),
        ("書かない窓口 実施中 １０１％", "進捗率「101%」は使えません"),
        ("書かない窓口 実施中 課:", "値がありません"),
        ("書かない窓口 実施中 課:税務課 課:市民課", "課: は1つだけ"),
        ("書かない窓口 実施中 KPI:たくさん", "KPI の値「たくさん」を読み取れません"),
        ("書かない窓口 実施中 " + "あ" * 1001, "メモが長すぎます"),
    ],
)
def test_parse_report_refusals_say_what_was_wrong(text: str, says: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_report(text)
    assert says in error_text(caught.value)
    if "進捗率" in says or "状況" in says:
        assert "/dx 報告 <取組み> <状況> [<n>%] [メモ]" in error_text(caught.value)


def test_every_status_word_of_the_spec_is_understood() -> None:
    labels = ["未着手", "検討中", "準備中", "実施中", "完了", "休止", "保留"]
    assert [parse_status(label) for label in labels] == list(ReportStatus)
    assert [s.label for s in ReportStatus] == labels
    assert parse_status("やってる") is None


def test_parse_percent_only_takes_numbers_meant_as_percent() -> None:
    assert parse_percent("７５％", bare=False) == 75
    assert parse_percent("75", bare=False) is None
    assert parse_percent("75", bare=True) == 75
    assert parse_percent("101", bare=True) is None
    assert parse_percent("メモ", bare=True) is None


@pytest.mark.parametrize(
    ("text", "user_id", "department", "role", "name"),
    [
        ("<@U012ABC> 市民生活課 leader", "U012ABC", "市民生活課", StaffRole.LEADER, None),
        ("<@U012ABC|yamada> 市民生活課 リーダー", "U012ABC", "市民生活課", StaffRole.LEADER, "yamada"),
        ("<@U012ABC> 市民生活課 委員 山田 花子", "U012ABC", "市民生活課", StaffRole.MEMBER, "山田 花子"),
        ("U012ABC 税務課 メンバー", "U012ABC", "税務課", StaffRole.MEMBER, None),
        ("@U012ABC 政策企画課 事務局", "U012ABC", "政策企画課", StaffRole.ADMIN, None),
        ("U012ABC 管理者 政策企画課", "U012ABC", "政策企画課", StaffRole.ADMIN, None),
        ("U012ABC 政策企画課 ADMIN", "U012ABC", "政策企画課", StaffRole.ADMIN, None),
    ],
)
def test_parse_registration(text: str, user_id: str, department: str, role: StaffRole, name: str | None) -> None:
    draft = parse_registration(*with_mentions(text))
    assert (draft.user_id, draft.department, draft.role, draft.name) == (user_id, department, role, name)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("<@U012ABC> 市民生活課", "ユーザー・課名・役割を指定してください"),
        ("<@U012ABC> 市民生活課 社長", "役割がわかりません"),
        ("山田さん 市民生活課 leader", "ユーザー「山田さん」を読み取れません"),
        ("U012ABC leader admin", "課名がありません"),
    ],
)
def test_parse_registration_refusals(text: str, says: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_registration(*with_mentions(text))
    assert says in error_text(caught.value)
    assert "/dx 登録 <@ユーザー> <課名> <役割>" in error_text(caught.value) or "課名" in error_text(caught.value)


@pytest.mark.parametrize(
    ("word", "role"),
    [
        ("member", StaffRole.MEMBER),
        ("委員", StaffRole.MEMBER),
        ("メンバー", StaffRole.MEMBER),
        ("ﾒﾝﾊﾞｰ", StaffRole.MEMBER),
        ("DX推進委員", StaffRole.MEMBER),
        ("leader", StaffRole.LEADER),
        ("リーダー", StaffRole.LEADER),
        ("admin", StaffRole.ADMIN),
        ("管理者", StaffRole.ADMIN),
        ("事務局", StaffRole.ADMIN),
        ("boss", None),
    ],
)
def test_parse_role(word: str, role: StaffRole | None) -> None:
    assert parse_role(word) is role
