"""The report form and the home screen are the core's: Slack and Teams draw them, the rules live here."""

from __future__ import annotations

import pytest

from bot.errors import UserError
from bot.home import home_for
from bot.progress.form import report_form, submit_report_form, validate_report_form
from bot.replies import UserRef, plain_blocks
from tests.integration.conftest import say

LEADER = UserRef("console", "ULEAD")  # 山田 花子, 市民生活課
ADMIN = UserRef("console", "UADM")


def test_the_form_offers_initiatives_by_reform_and_departments_to_admins_only(staffed) -> None:  # type: ignore[no-untyped-def]
    form = report_form(staffed.progress, LEADER)
    assert [g.label for g in form.initiatives] == ["① 市民サービスの改革", "② 業務プロセスの改革", "③ 人と組織の改革"]
    assert sum(len(g.options) for g in form.initiatives) == len(staffed.progress.list_initiatives())
    assert form.initiatives[0].options[1].value == "1-02" and form.initiatives[0].options[1].label == "1-02 書かない窓口"
    assert [s.label for s in form.statuses] == ["未着手", "検討中", "準備中", "実施中", "完了", "休止", "保留"]
    assert form.departments == () and form.reporter_label == "山田 花子（市民生活課）"
    admin = report_form(staffed.progress, ADMIN)
    assert "市民生活課" in admin.departments and admin.own_department == "政策企画課"
    with pytest.raises(UserError) as caught:
        report_form(staffed.progress, UserRef("console", "UNOBODY"))
    assert "職員登録が必要" in caught.value.message


def test_field_errors_come_all_at_once_and_record_nothing(staffed) -> None:  # type: ignore[no-untyped-def]
    draft, errors = validate_report_form({"initiative": "", "status": None, "percent": "120", "note": "あ" * 1001})
    assert draft is None and set(errors) == {"initiative", "status", "percent", "note"}
    result = submit_report_form(staffed.progress, LEADER, {"status": "in_progress"}, request_id="f-1", source="teams")
    assert result.outcome is None and set(result.errors) == {"initiative"}
    assert staffed.progress.reports.count() == 0


def test_a_submission_records_once_through_the_same_service_as_the_command(staffed) -> None:  # type: ignore[no-untyped-def]
    values = {"initiative": "1-02", "status": "in_progress", "percent": "６０％", "note": " アンケート ", "department": "市民生活課"}
    first = submit_report_form(staffed.progress, LEADER, values, request_id="teams:activity:9", source="teams")
    again = submit_report_form(staffed.progress, LEADER, values, request_id="teams:activity:9", source="teams")
    assert first.outcome is not None and first.outcome.created and first.errors == {}
    assert again.outcome is not None and not again.outcome.created  # a redelivery is not recorded twice
    (report,) = staffed.progress.reports.history("1-02")
    assert (report.percent, report.note, report.department, report.source) == (60, "アンケート", "市民生活課", "teams")


@pytest.mark.parametrize(
    ("values", "field", "says"),
    [
        ({"initiative": "1-02", "status": "done", "percent": "50"}, "percent", "完了なのに 50% です"),
        ({"initiative": "1-02", "status": "in_progress", "department": "税務課"}, "department", "管理者（事務局）だけ"),
    ],
)
def test_what_the_service_refuses_goes_next_to_its_field(staffed, values, field: str, says: str) -> None:  # type: ignore[no-untyped-def]
    result = submit_report_form(staffed.progress, LEADER, values, request_id=None, source="slack")
    assert result.outcome is None and list(result.errors) == [field]
    assert says in plain_blocks(result.errors[field])
    assert staffed.progress.reports.count() == 0


def test_home_shows_the_department_and_its_latest_status(staffed) -> None:  # type: ignore[no-untyped-def]
    say(staffed, "ULEAD", "報告 書かない窓口 実施中 60% 来庁者アンケート実施")
    home = home_for(staffed.progress, LEADER)
    assert home.can_report and home.department == "市民生活課"
    assert "山田 花子 さん（市民生活課・リーダー）" == plain_blocks(home.greeting)
    row = next(r for r in home.rows if r.initiative_id == "1-02")
    assert (row.status, row.note) == ("実施中 60%", "来庁者アンケート実施") and "山田 花子" in (row.reported or "")
    stranger = home_for(staffed.progress, UserRef("teams", "99999999-9999-4999-8999-999999999999"))
    assert not stranger.can_report and stranger.department is None and stranger.rows == ()
    assert "職員登録がまだ" in plain_blocks(stranger.greeting) and "登録" in plain_blocks(stranger.greeting)
