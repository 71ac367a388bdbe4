"""Reports sent at the same moment are all recorded; the same request is recorded once — on both databases."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from bot.replies import Message
from tests.integration.conftest import say
from tests.rendering import text_of


def run_together(actions: list[Callable[[], Any]]) -> list[Any]:
    """Start every action at the same instant (a barrier), return their results in order."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = actions[index]()
        except BaseException as error:  # re-raised in the test thread below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results


def test_two_reports_at_the_same_moment_are_both_recorded(staffed) -> None:  # type: ignore[no-untyped-def]
    for round_no in range(5):
        replies = run_together(
            [
                lambda n=round_no: say(staffed, "ULEAD", f"報告 書かない窓口 実施中 {n * 10}% 山田"),
                lambda n=round_no: say(staffed, "UTAX", f"報告 書かない窓口 準備中 {n * 10 + 5}% 鈴木"),
            ]
        )
        assert all(isinstance(r, Message) and "報告を記録しました" in text_of(r) for r in replies), replies
    reports = staffed.progress.reports.history()
    assert len(reports) == 10
    assert sorted(r.note for r in reports) == ["山田"] * 5 + ["鈴木"] * 5
    assert len({r.id for r in reports}) == 10


def test_the_same_request_delivered_twice_at_once_is_recorded_once(staffed) -> None:  # type: ignore[no-untyped-def]
    for round_no in range(5):
        request = f"Ev{round_no}"
        replies = run_together(
            [lambda r=request: say(staffed, "ULEAD", "報告 書かない窓口 実施中 60%", request_id=r, platform="slack")] * 2
        )
        assert all(isinstance(r, Message) for r in replies), replies
        texts = sorted(text_of(r).splitlines()[0] for r in replies)
        # one recorded it, the other found it already there — both name the same report
        assert texts[0].startswith("この報告はすでに記録済みです") or texts[1].startswith("この報告はすでに記録済みです")
    reports = staffed.progress.reports.history()
    assert [r.request_id for r in reports] == [f"Ev{i}" for i in range(5)]


def test_two_undos_at_once_withdraw_two_different_reports(staffed) -> None:  # type: ignore[no-untyped-def]
    say(staffed, "ULEAD", "報告 1-02 準備中")
    say(staffed, "ULEAD", "報告 1-02 実施中")
    say(staffed, "ULEAD", "報告 1-02 完了")
    replies = run_together([lambda: say(staffed, "ULEAD", "取消")] * 2)
    assert all(isinstance(r, Message) and "取り消しました" in text_of(r) for r in replies), replies
    assert [r.withdrawn for r in staffed.progress.reports.history()] == [False, True, True]
    assert staffed.progress.reports.count_withdrawals() == 2
