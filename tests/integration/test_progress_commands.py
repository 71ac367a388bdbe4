"""Progress commands end to end through the router, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.replies import Message, OpenReportForm, Refusal
from storage.progress import ReportStatus, StaffRole
from tests.integration.conftest import say, snapshot
from tests.rendering import text_of

REPORT_FORM = "/dx 報告 <取組み> <状況> [<n>%] [メモ]"


def test_a_report_is_recorded_with_who_what_when_and_confirmed(staffed, clock) -> None:  # type: ignore[no-untyped-def]
    reply = say(staffed, "ULEAD", "/dx 報告 書かない 実施中 ６０％ 来庁者アンケート実施")

    assert isinstance(reply, Message)
    [report] = staffed.progress.reports.history()
    assert report.initiative_id == "1-02"
    assert report.status is ReportStatus.IN_PROGRESS
    assert report.percent == 60
    assert report.note == "来庁者アンケート実施"
    assert report.department == "市民生活課"
    assert (report.reporter_id, report.reporter_name) == ("ULEAD", "山田 花子")
    assert report.reported_at == clock.now
    assert report.reported_at.tzinfo is not None
    assert report.source == "console" and report.request_id is None
    # the reply says exactly what was recorded, time in Asia/Tokyo (01:00 UTC = 10:00 JST)
    assert f"報告を記録しました（報告ID {report.id}）" in text_of(reply)
    for part in ("1-02 書かない窓口", "実施中 60%", "市民生活課", "山田 花子", "来庁者アンケート実施", "2026-11-24 10:00"):
        assert part in text_of(reply)
    assert "/dx 取消" in text_of(reply)


def test_the_reply_shows_the_previous_status(staffed, clock) -> None:  # type: ignore[no-untyped-def]
    say(staffed, "ULEAD", "報告 1-02 準備中 30%")
    clock.advance(days=7)
    reply = say(staffed, "UMEM", "報告 1-02 実施中 60%")
    assert "前回: 準備中 30%、2026-11-24 10:00" in text_of(reply)  # type: ignore[union-attr]
    assert "2026-12-01 10:00" in text_of(reply)  # type: ignore[union-attr]


def test_report_alone_opens_the_form_for_staff_and_refuses_strangers(staffed) -> None:  # type: ignore[no-untyped-def]
    form = say(staffed, "UMEM", "/dx 報告")
    assert isinstance(form, OpenReportForm)
    hint = text_of(form)
    assert REPORT_FORM in hint and "未着手" in hint and "課:<課名>" in hint
    stranger = say(staffed, "UNOBODY", "/dx 報告")
    assert isinstance(stranger, Refusal) and "職員登録が必要" in text_of(stranger)


@pytest.mark.parametrize(
    ("user", "text", "says"),
    [
        ("UNOBODY", "報告 書かない窓口 実施中 60%", "報告するには職員登録が必要です"),
        (None, "報告 書かない窓口 実施中 60%", "報告するには職員登録が必要です"),
        ("ULEAD", "報告 書かない窓口 やってる 60%", "状況「やってる」はわかりません"),
        ("ULEAD", "報告 書かない窓口", "状況がありません"),
        ("ULEAD", "報告 実施中 60%", "取組みを指定してください"),
        ("ULEAD", "報告 書かない窓口 実施中 101%", "進捗率「101%」は使えません"),
        ("ULEAD", "報告 書かない窓口 実施中 -1%", "進捗率「-1%」は使えません"),
        ("ULEAD", "報告 宇宙開発 実施中 10%", "取組み「宇宙開発」が見つかりませんでした"),
        ("ULEAD", "報告 4-01 実施中", "ID「4-01」の取組みはありません"),
        ("ULEAD", "報告 窓口 実施中 60%", "どれですか"),
        ("UMEM", "報告 書かない窓口 実施中 課:税務課", "管理者（事務局）だけです"),
        ("UADM", "報告 書かない窓口 実施中 課:宇宙課", "課「宇宙課」は登録されていません"),
        ("ULEAD", "報告 書かない窓口 実施中 KPI:5", "KPI が設定されていません"),
        ("UTAX", "取消", "取り消せる報告がありません"),
        ("UNOBODY", "取消", "取り消せる報告がありません"),
        ("ULEAD", "履歴", "取組みを指定してください"),
        ("ULEAD", "履歴 宇宙開発", "見つかりませんでした"),
        ("ULEAD", "状況 宇宙開発", "当てはまる取組みも課も見つかりませんでした"),
        ("ULEAD", "登録 <@UNEW> 税務課 member", "管理者（事務局・政策企画課）だけ"),
        ("UNOBODY", "登録 <@UNEW> 税務課 member", "管理者（事務局・政策企画課）だけ"),
        ("UADM", "登録 <@UNEW> 税務課 社長", "役割がわかりません"),
        ("UADM", "登録 <@UNEW> 市民生活係 member", "もしかして 市民生活課？"),
        ("UADM", "登録 <@UNEW>", "ユーザー・課名・役割を指定してください"),
    ],
)
def test_refusals_say_what_was_wrong_and_change_nothing(staffed, user, text, says) -> None:  # type: ignore[no-untyped-def]
    say(staffed, "ULEAD", "報告 1-10 準備中 20% 既存の報告")  # so "unchanged" has something to keep
    before = snapshot(staffed)

    reply = say(staffed, user, text)

    assert isinstance(reply, Refusal), reply
    assert says in text_of(reply)
    assert snapshot(staffed) == before
    if text.startswith("報告") and ("状況" in says or "進捗率" in says or "見つかりませんでした" in says):
        assert REPORT_FORM in text_of(reply)  # shows the right form


def test_an_ambiguous_name_asks_which_and_records_nothing(staffed) -> None:  # type: ignore[no-untyped-def]
    reply = say(staffed, "ULEAD", "報告 窓口 実施中 60%")
    assert isinstance(reply, Refusal)
    assert "1-02 書かない窓口" in text_of(reply) and "1-04 リモート窓口" in text_of(reply)
    assert "/dx 報告 1-04 実施中 60%" in text_of(reply) or "/dx 報告 1-02 実施中 60%" in text_of(reply)
    assert staffed.progress.reports.count() == 0


def test_admins_report_for_any_department_members_for_their_own(staffed) -> None:  # type: ignore[no-untyped-def]
    admin = say(staffed, "UADM", "報告 書かない窓口 完了 100% 税務課分を代理入力 課:税務課")
    own = say(staffed, "UMEM", "報告 書かない窓口 実施中 課:市民生活課")
    plain_admin = say(staffed, "UADM", "報告 生成AI 検討中")
    assert all(isinstance(r, Message) for r in (admin, own, plain_admin))
    reports = staffed.progress.reports.history()
    assert [(r.department, r.reporter_id, r.note) for r in reports] == [
        ("税務課", "UADM", "税務課分を代理入力"),
        ("市民生活課", "UMEM", ""),
        ("政策企画課", "UADM", ""),
    ]
    assert "課: 税務課" in text_of(admin)  # type: ignore[union-attr]


def test_status_overview_counts_per_reform(staffed, clock) -> None:  # type: ignore[no-untyped-def]
    say(staffed, "ULEAD", "報告 書かない窓口 準備中")
    clock.advance(minutes=1)
    say(staffed, "ULEAD", "報告 書かない窓口 実施中 50%")  # the latest counts, not both
    say(staffed, "UTAX", "報告 がくどう 準備中")
    say(staffed, "UADM", "報告 電子決裁 完了")

    reply = say(staffed, "UNOBODY", "/dx 状況")  # reading needs no registration

    assert isinstance(reply, Message)
    assert "28件中 3件に報告あり" in text_of(reply)
    assert "① 市民サービスの改革（15件）: 準備中 1・実施中 1・未報告 13" in text_of(reply)
    assert "② 業務プロセスの改革（8件）: 完了 1・未報告 7" in text_of(reply)
    assert "③ 人と組織の改革（5件）: 未報告 5" in text_of(reply)


def test_status_of_one_initiative_shows_the_latest_and_each_department(staffed, clock) -> None:  # type: ignore[no-untyped-def]
    say(staffed, "ULEAD", "報告 書かない窓口 準備中 20%")
    clock.advance(hours=1)
    say(staffed, "UTAX", "報告 書かない窓口 実施中 40% 税務窓口で開始")

    reply = say(staffed, None, "状況 かかない窓口")

    assert isinstance(reply, Message)
    assert "*1-02 書かない窓口*" in text_of(reply)
    assert "最新の状況: 実施中 40%（税務課・鈴木 次郎、2026-11-24 11:00）" in text_of(reply)
    assert "メモ: 税務窓口で開始" in text_of(reply)
    assert "• 市民生活課: 準備中 20%" in text_of(reply) and "• 税務課: 実施中 40%" in text_of(reply)
    assert "報告 2件" in text_of(reply)
    nothing = say(staffed, None, "status 1-05")
    assert "まだ報告がありません" in text_of(nothing)  # type: ignore[union-attr]


def test_status_of_a_department(staffed) -> None:  # type: ignore[no-untyped-def]
    say(staffed, "ULEAD", "報告 書かない窓口 実施中 60%")
    say(staffed, "UMEM", "報告 学童 検討中")
    say(staffed, "UTAX", "報告 電子決済 完了")

    reply = say(staffed, None, "状況 市民生活課")
    short = say(staffed, None, "状況 市民生活")  # the trailing 課 may be left out
    empty = say(staffed, None, "状況 政策企画課")

    assert isinstance(reply, Message)
    assert "*市民生活課の取組み状況（2件）*" in text_of(reply)
    assert "1-02 書かない窓口: 実施中 60%" in text_of(reply)
    assert "1-10 放課後児童クラブの連絡手段の追加: 検討中" in text_of(reply)
    assert "電子決済" not in text_of(reply)
    assert short == reply
    assert "政策企画課からの報告はまだありません" in text_of(empty)  # type: ignore[union-attr]


def test_history_lists_every_report_and_marks_withdrawn_ones(staffed, clock) -> None:  # type: ignore[no-untyped-def]
    say(staffed, "ULEAD", "報告 1-02 準備中 10% 仕様検討")
    clock.advance(days=1)
    say(staffed, "ULEAD", "報告 1-02 実施中 50% 誤入力")
    clock.advance(minutes=5)
    say(staffed, "ULEAD", "取消")

    reply = say(staffed, "UNOBODY", "履歴 書かない窓口")

    assert isinstance(reply, Message)
    lines = text_of(reply).splitlines()
    assert "（2件、新しい順）" in lines[0]
    assert lines[1] == "• ~2026-11-25 10:00 市民生活課 山田 花子: 実施中 50% — 誤入力~（取消 2026-11-25 10:05）"
    assert lines[2] == "• 2026-11-24 10:00 市民生活課 山田 花子: 準備中 10% — 仕様検討"


def test_undo_withdraws_only_ones_own_latest_report_and_keeps_the_record(staffed, clock) -> None:  # type: ignore[no-untyped-def]
    say(staffed, "ULEAD", "報告 書かない窓口 準備中 30%")
    clock.advance(minutes=1)
    say(staffed, "ULEAD", "報告 書かない窓口 実施中 60%")
    clock.advance(minutes=1)
    say(staffed, "UMEM", "報告 学童 検討中")  # someone else's, newer
    clock.advance(minutes=1)

    first = say(staffed, "ULEAD", "/dx 取消")

    assert isinstance(first, Message)
    assert "取り消しました: 1-02 書かない窓口 実施中 60%" in text_of(first)
    assert "現在の状況: 準備中 30%" in text_of(first)  # the latest status is derived from what remains
    reports = staffed.progress.reports.history()
    assert len(reports) == 3  # nothing deleted
    assert [(r.reporter_id, r.percent, r.withdrawn) for r in reports] == [
        ("ULEAD", 30, False),
        ("ULEAD", 60, True),
        ("UMEM", None, False),
    ]
    assert reports[1].withdrawn_by == "ULEAD" and reports[1].withdrawn_at == clock.now
    assert "最新の状況: 準備中 30%" in text_of(say(staffed, None, "状況 1-02"))  # type: ignore[union-attr]

    second = say(staffed, "ULEAD", "undo")
    assert "取り消しました: 1-02 書かない窓口 準備中 30%" in text_of(second)  # type: ignore[union-attr]
    assert "この取組みの報告は、ほかにありません" in text_of(second)  # type: ignore[union-attr]
    third = say(staffed, "ULEAD", "取消")
    assert isinstance(third, Refusal)
    assert staffed.progress.reports.count_withdrawals() == 2
    assert not staffed.progress.reports.history()[2].withdrawn  # UMEM's report untouched


def test_list_groups_initiatives_by_reform_with_ids(staffed) -> None:  # type: ignore[no-untyped-def]
    reply = say(staffed, None, "一覧")
    assert isinstance(reply, Message)
    text = text_of(reply)
    assert "28件" in text
    assert text.index("*① 市民サービスの改革*") < text.index("1-02 書かない窓口") < text.index("*② 業務プロセスの改革*")
    assert text.index("*② 業務プロセスの改革*") < text.index("2-04 電子決裁") < text.index("*③ 人と組織の改革*")
    assert "3-05 スマートシティの実現" in text
    assert say(staffed, None, "list") == reply


def test_admins_register_staff_who_can_then_report(staffed) -> None:  # type: ignore[no-untyped-def]
    added = say(staffed, "UADM", "/dx 登録 <@UNEW|tanaka> 税務課 リーダー")
    assert isinstance(added, Message)
    assert text_of(added) == "登録しました: tanaka（UNEW）— 税務課・リーダー"
    staff = staffed.progress.staff.get("UNEW")
    assert (staff.name, staff.department, staff.role) == ("tanaka", "税務課", StaffRole.LEADER)
    assert isinstance(say(staffed, "UNEW", "報告 電子決済 準備中"), Message)

    moved = say(staffed, "UADM", "register UNEW 市民生活課 委員 田中 三郎")
    assert "登録を更新しました: 田中 三郎（UNEW）— 市民生活課・委員（メンバー）（変更前: 税務課・リーダー）" in text_of(moved)  # type: ignore[union-attr]
    # a new department is created only when the admin says so (issue 13)
    created = say(staffed, "UADM", "登録 U777 防災危機管理室 member 新しい課")
    assert "新しい課「防災危機管理室」を作成しました" in text_of(created)  # type: ignore[union-attr]
    assert "防災危機管理室" in [d.name for d in staffed.progress.staff.departments()]
    # the earlier report keeps the name and department it was made with
    [report] = staffed.progress.reports.history()
    assert (report.reporter_name, report.department) == ("tanaka", "税務課")


def test_english_aliases(staffed) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(say(staffed, "ULEAD", "report 1-02 実施中 60%"), Message)
    assert isinstance(say(staffed, "ULEAD", "/dx REPORT テレワーク 検討中"), Message)
    assert "最新の状況: 実施中 60%" in text_of(say(staffed, None, "status 1-02"))  # type: ignore[union-attr]
    assert "報告履歴" in text_of(say(staffed, None, "history 3-01"))  # type: ignore[union-attr]
    assert "3-01 テレワークの導入 検討中" in text_of(say(staffed, "ULEAD", "undo"))  # type: ignore[union-attr]
    assert "取組み一覧" in text_of(say(staffed, None, "list"))  # type: ignore[union-attr]
    assert "登録しました" in text_of(say(staffed, "UADM", "register <@UX> 税務課 member"))  # type: ignore[union-attr]


def test_a_request_id_is_recorded_once(staffed) -> None:  # type: ignore[no-untyped-def]
    first = say(staffed, "ULEAD", "報告 書かない窓口 実施中 60%", request_id="Ev123", platform="slack")
    again = say(staffed, "ULEAD", "報告 書かない窓口 実施中 60%", request_id="Ev123", platform="slack")
    other = say(staffed, "ULEAD", "報告 書かない窓口 実施中 70%", request_id="Ev124", platform="slack")
    console = [say(staffed, "ULEAD", "報告 書かない窓口 実施中 80%") for _ in range(2)]  # no id: both count

    reports = staffed.progress.reports.history()
    assert [(r.percent, r.request_id, r.source) for r in reports] == [
        (60, "Ev123", "slack"),
        (70, "Ev124", "slack"),
        (80, None, "console"),
        (80, None, "console"),
    ]
    assert "報告を記録しました" in text_of(first)  # type: ignore[union-attr]
    assert f"すでに記録済みです（報告ID {reports[0].id}）" in text_of(again)  # type: ignore[union-attr]
    assert "報告を記録しました" in text_of(other) and all("報告を記録しました" in text_of(r) for r in console)  # type: ignore[union-attr]


def test_undo_with_a_request_id_withdraws_once(staffed) -> None:  # type: ignore[no-untyped-def]
    say(staffed, "ULEAD", "報告 1-02 準備中")
    say(staffed, "ULEAD", "報告 1-02 実施中")
    say(staffed, "ULEAD", "取消", request_id="Undo1")
    say(staffed, "ULEAD", "取消", request_id="Undo1")  # redelivered: must not withdraw the older report too
    assert [r.withdrawn for r in staffed.progress.reports.history()] == [False, True]


def test_kpi_values_are_recorded_against_the_initiatives_kpi(make_services, db_url, directory_file, bundled_kb) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from bot.bootstrap import bootstrap
    from bot.settings import Settings
    from knowledge.kb import Kpi

    initiatives = tuple(
        replace(i, kpis=(Kpi("オンライン申請件数", "件", 1200),), departments=("市民生活課",)) if i.id == "1-01" else i
        for i in bundled_kb.initiatives
    )
    kb = replace(bundled_kb, initiatives=initiatives)
    services = bootstrap(
        Settings(database_url=db_url, directory_path=directory_file),
        clock=lambda: datetime(2026, 11, 24, 1, 0, tzinfo=UTC),
        kb=kb,
    )
    try:
        reply = say(services, "ULEAD", "報告 オンライン申請 実施中 40% KPI:350件 窓口で案内")
        assert "KPI: オンライン申請件数 350件（2026年度末目標 1,200件）" in text_of(reply)  # type: ignore[union-attr]
        [report] = services.progress.reports.history()
        assert (report.kpi_name, report.kpi_value, report.kpi_unit, report.note) == (
            "オンライン申請件数",
            350.0,
            "件",
            "窓口で案内",
        )
        named = say(services, "ULEAD", "報告 1-01 実施中 KPI:申請件数=400")
        assert isinstance(named, Message)
        wrong = say(services, "ULEAD", "報告 1-01 実施中 KPI:来庁者数=3")
        assert isinstance(wrong, Refusal) and "KPI「来庁者数」がわかりません" in text_of(wrong)
        # the owning department seeded from the knowledge base shows in the department's status
        assert "1-01 オンライン申請: 実施中" in text_of(say(services, None, "状況 市民生活課"))  # type: ignore[union-attr]
        assert services.progress.reports.count() == 2
    finally:
        services.db.dispose()
