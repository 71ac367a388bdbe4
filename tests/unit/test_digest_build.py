"""build_digest over the repositories (SQLite), for one week, with injected time."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from jobs.digest import build_digest
from jobs.weeks import IsoWeek
from knowledge.kb import KnowledgeBase, Kpi
from storage.progress import ReportStatus
from tests.digest_fixtures import TOKYO, DigestDb, jst, make_digest_db

W48 = IsoWeek(2026, 48)  # Monday 11/23 – Sunday 11/29
AFTER = jst(2026, 11, 30, 9)


@pytest.fixture
def kb_with_kpi(bundled_kb: KnowledgeBase) -> KnowledgeBase:
    initiatives = tuple(
        replace(i, kpis=(Kpi("オンライン申請件数", "件", 500.0),)) if i.id == "1-01" else i for i in bundled_kb.initiatives
    )
    return replace(bundled_kb, initiatives=initiatives)


@pytest.fixture
def db(sqlite_url: str, kb_with_kpi: KnowledgeBase) -> DigestDb:
    made = make_digest_db(sqlite_url, kb_with_kpi)
    yield made
    made.engine.dispose()


def test_reports_of_the_week_grouped_by_reform_with_status_changes(db: DigestDb) -> None:
    db.report("ULEAD1", "1-02", ReportStatus.PREPARING, jst(2026, 11, 10, 10), percent=20)
    db.report("ULEAD1", "1-02", ReportStatus.IN_PROGRESS, jst(2026, 11, 24, 10), percent=60, note="来庁者アンケート実施")
    db.report("ULEAD2", "2-02", ReportStatus.CONSIDERING, jst(2026, 11, 25, 10))
    db.report("ULEAD2", "3-01", ReportStatus.PREPARING, jst(2026, 11, 30, 10))  # next week: not in W48

    digest = build_digest(db.repos, W48, AFTER, TOKYO)

    assert [r.title for r in digest.reforms] == ["① 市民サービスの改革", "② 業務プロセスの改革", "③ 人と組織の改革"]
    first, second, third = digest.reforms
    assert [(line.initiative_id, line.before, line.after, line.percent, line.reporter_name) for line in first.reports] == [
        ("1-02", ReportStatus.PREPARING, ReportStatus.IN_PROGRESS, 60, "山田 花子")
    ]
    assert first.reports[0].note == "来庁者アンケート実施"
    assert [(line.initiative_id, line.before, line.department) for line in second.reports] == [("2-02", None, "税務課")]
    assert third.reports == ()
    assert digest.report_count == 2
    # The chart's counts: latest status at the end of the week, every active initiative counted once.
    assert first.status_counts[ReportStatus.IN_PROGRESS] == 1
    assert sum(r.total for r in digest.reforms) == 28
    assert third.status_counts[ReportStatus.PREPARING] == 0


def test_week_boundary_is_midnight_in_tokyo(db: DigestDb) -> None:
    db.report("ULEAD1", "1-01", ReportStatus.CONSIDERING, jst(2026, 11, 23, 0, 0, 0))  # Monday 00:00 JST: in
    db.report("ULEAD1", "1-03", ReportStatus.CONSIDERING, jst(2026, 11, 29, 23, 59, 59))  # Sunday 23:59:59: in
    db.report("ULEAD1", "1-04", ReportStatus.CONSIDERING, jst(2026, 11, 22, 23, 59, 59))  # week 47
    db.report("ULEAD1", "1-05", ReportStatus.CONSIDERING, jst(2026, 11, 30, 0, 0, 0))  # week 49

    ids = [line.initiative_id for r in build_digest(db.repos, W48, AFTER, TOKYO).reforms for line in r.reports]
    assert ids == ["1-01", "1-03"]


def test_withdrawn_reports_do_not_count(db: DigestDb) -> None:
    db.report("ULEAD1", "1-02", ReportStatus.PREPARING, jst(2026, 11, 24, 10))
    db.reports.withdraw_latest("ULEAD1", jst(2026, 11, 24, 11))
    digest = build_digest(db.repos, W48, AFTER, TOKYO)
    assert digest.report_count == 0
    assert "市民生活課" in digest.silent_departments


def test_stale_initiatives_have_no_report_for_four_weeks(db: DigestDb) -> None:
    end = jst(2026, 11, 30)
    db.report("ULEAD1", "1-01", ReportStatus.IN_PROGRESS, end - timedelta(weeks=4, minutes=1))  # stale
    db.report("ULEAD1", "1-02", ReportStatus.IN_PROGRESS, end - timedelta(weeks=4) + timedelta(minutes=1))  # fresh
    stale = {s.id: s for s in build_digest(db.repos, W48, AFTER, TOKYO).stale}
    assert "1-01" in stale and stale["1-01"].departments == ("市民生活課",)
    assert stale["1-01"].last_reported_at is not None
    assert "1-02" not in stale
    assert stale["3-05"].last_reported_at is None  # never reported counts as stale
    assert len(stale) == 27


def test_departments_not_reported_this_month(db: DigestDb) -> None:
    db.report("ULEAD1", "1-02", ReportStatus.IN_PROGRESS, jst(2026, 11, 2, 10))
    db.report("ULEAD2", "2-02", ReportStatus.IN_PROGRESS, jst(2026, 10, 30, 10))  # last month
    digest = build_digest(db.repos, W48, AFTER, TOKYO)
    assert digest.month == "2026年11月"
    # 政策企画課 has only an admin: it is not expected to report.
    assert digest.silent_departments == ("税務課", "総務課")


def test_kpi_progress_against_the_target(db: DigestDb) -> None:
    kpi = db.repos.initiatives.all()[0].kpis[0]
    db.report("ULEAD1", "1-01", ReportStatus.IN_PROGRESS, jst(2026, 11, 10), kpi_id=kpi.id, kpi_value=100)
    db.report("ULEAD1", "1-01", ReportStatus.IN_PROGRESS, jst(2026, 11, 25), kpi_id=kpi.id, kpi_value=150)
    db.report("ULEAD1", "1-01", ReportStatus.IN_PROGRESS, jst(2026, 12, 1), kpi_id=kpi.id, kpi_value=400)  # later week
    (progress,) = build_digest(db.repos, W48, AFTER, TOKYO).kpis
    assert (progress.initiative_id, progress.name, progress.value, progress.target) == ("1-01", "オンライン申請件数", 150, 500)
    assert progress.ratio == pytest.approx(0.3)


def test_faq_figures_and_top_unanswered(db: DigestDb) -> None:
    at = jst(2026, 11, 25, 10)
    for _ in range(3):
        db.ask("DX推進リーダーは何人？", "answered", at)
    db.ask("テレワークの申請方法は？", "no_answer", at)
    db.ask("テレワークの申請方法は?", "no_answer", at)  # same question, other punctuation
    db.ask("ＲＰＡの予算は", "no_answer", at)
    db.ask("窓口", "ambiguous", at)
    db.ask("先週の質問", "no_answer", jst(2026, 11, 22, 23))  # week 47
    faq = build_digest(db.repos, W48, AFTER, TOKYO).faq
    assert (faq.asked, faq.answered, faq.ambiguous, faq.unanswered) == (7, 3, 1, 3)
    assert faq.answered_share == pytest.approx(3 / 7)
    assert faq.top_unanswered == (("テレワークの申請方法は？", 2), ("ＲＰＡの予算は", 1))
    # what waits for a curator: every question until the week's end (week 47's too), not only this week's
    db.ask("来週の質問", "no_answer", jst(2026, 12, 1, 9))  # after the week: not counted
    faq = build_digest(db.repos, W48, AFTER, TOKYO).faq
    assert (faq.awaiting_review, faq.awaiting_review_asked) == (4, 5)


def test_digest_names_the_review_command(db: DigestDb) -> None:
    from jobs.digest_layout import render_text

    db.ask("テレワークの申請方法は？", "no_answer", jst(2026, 11, 25, 10))
    text = render_text(build_digest(db.repos, W48, AFTER, TOKYO))
    assert "知識ベースの対応待ち: 質問 1件（のべ 1回）。dxbot kb review --out 要対応の質問.xlsx で一覧の Excel を作り" in text


def test_a_closed_week_builds_the_same_digest_later(db: DigestDb) -> None:
    db.report("ULEAD1", "1-02", ReportStatus.PREPARING, jst(2026, 11, 24, 10))
    first = build_digest(db.repos, W48, AFTER, TOKYO)
    db.report("ULEAD1", "1-02", ReportStatus.DONE, jst(2026, 12, 1, 10))
    db.reports.withdraw_latest("ULEAD1", jst(2026, 12, 1, 11))
    db.reports.withdraw_latest("ULEAD1", jst(2026, 12, 1, 12))  # withdraws the W48 report, after the week
    later = build_digest(db.repos, W48, AFTER + timedelta(days=2), TOKYO)
    assert replace(later, generated_at=first.generated_at) == first
