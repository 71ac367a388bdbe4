"""A report in any word order through the whole bot (SQLite): recorded whole, or a question and nothing stored."""

from __future__ import annotations

from storage.progress import ReportStatus as S


def test_through_the_bot_the_issue_example_is_recorded_whole_and_a_contradiction_records_nothing(
    make_services, sqlite_url: str, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.conftest import DIRECTORY, say, snapshot
    from tests.rendering import text_of

    directory = tmp_path / "staff.yaml"
    directory.write_text(DIRECTORY, encoding="utf-8")
    services = make_services(sqlite_url, directory_path=directory)
    said = text_of(say(services, "ULEAD", "報告 書かない窓口 60% 実施中 来庁者アンケート"))
    assert "報告を記録しました" in said and "60%" in said
    (report,) = services.progress.reports.history("1-02")
    assert (report.status, report.percent, report.note) == (S.IN_PROGRESS, 60, "来庁者アンケート")

    before = snapshot(services)
    said = text_of(say(services, "ULEAD", "報告 書かない窓口 完了 50% 来庁者アンケート"))
    assert "完了なのに 50% です。完了 100% ですか？ 実施中 50% ですか？" in said
    assert "/dx 報告 書かない窓口 実施中 50% 来庁者アンケート" in said
    assert snapshot(services) == before
