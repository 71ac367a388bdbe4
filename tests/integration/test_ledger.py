"""The delivery ledger on SQLite and PostgreSQL: claims, take-overs, and two processes racing."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from storage.db import create_db_engine, create_session_factory, upgrade_database
from storage.ledger import DeliveryLedger

NOW = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
KEY = ("digest", "2026-W48", "C0DX")


@pytest.fixture
def ledger(sessions: sessionmaker[Session]) -> DeliveryLedger:
    return DeliveryLedger(sessions)


def test_first_claim_wins_and_posted_is_final(ledger: DeliveryLedger) -> None:
    claim = ledger.claim(*KEY, NOW)
    assert claim is not None and claim.steps_done == 0
    assert ledger.claim(*KEY, NOW) is None  # being posted
    assert ledger.record_progress(claim, 1, "111.1")
    assert ledger.mark_posted(claim, NOW, "111.1")
    assert ledger.claim(*KEY, NOW + timedelta(days=3)) is None
    record = ledger.get(*KEY)
    assert record is not None and (record.status, record.message_ts, record.times_posted) == ("posted", "111.1", 1)
    assert ledger.is_posted(*KEY)
    assert ledger.claim("digest", "2026-W48", "C0OTHER", NOW) is not None  # keyed by channel too
    assert ledger.claim("reminder", "2026-W48", "C0DX", NOW) is not None  # and by kind


def test_a_failure_releases_the_claim_and_keeps_progress(ledger: DeliveryLedger) -> None:
    claim = ledger.claim(*KEY, NOW)
    assert claim is not None
    ledger.record_progress(claim, 2, "111.1")
    assert ledger.release(claim, "step 3/4: ratelimited")
    record = ledger.get(*KEY)
    assert record is not None and record.status == "failed" and record.last_error == "step 3/4: ratelimited"
    again = ledger.claim(*KEY, NOW + timedelta(minutes=1))
    assert again is not None and (again.steps_done, again.message_ts, again.attempts) == (2, "111.1", 2)
    assert not ledger.mark_posted(claim, NOW, "x")  # the old token is no longer ours
    assert ledger.mark_posted(again, NOW, "111.1")


def test_a_stale_claim_can_be_taken_over(ledger: DeliveryLedger) -> None:
    dead = ledger.claim(*KEY, NOW)
    assert dead is not None
    assert ledger.claim(*KEY, NOW + ledger.stale_after - timedelta(seconds=1)) is None
    taken = ledger.claim(*KEY, NOW + ledger.stale_after + timedelta(seconds=1))
    assert taken is not None and taken.token != dead.token
    assert not ledger.release(dead, "late")  # the dead claimer cannot undo the new one


def test_force_claims_a_posted_week_anew(ledger: DeliveryLedger) -> None:
    claim = ledger.claim(*KEY, NOW)
    assert claim is not None
    ledger.record_progress(claim, 3, "111.1")
    ledger.mark_posted(claim, NOW, "111.1")
    forced = ledger.claim(*KEY, NOW, force=True)
    assert forced is not None and (forced.steps_done, forced.message_ts) == (0, None)
    assert ledger.claim(*KEY, NOW, force=True) is None  # force does not break a claim in progress
    ledger.mark_posted(forced, NOW, "222.2")
    record = ledger.get(*KEY)
    assert record is not None and (record.times_posted, record.message_ts) == (2, "222.2")


def test_two_processes_claiming_at_once_get_one_claim(db_url: str) -> None:
    setup = create_db_engine(db_url)
    upgrade_database(setup)
    setup.dispose()
    engines = [create_db_engine(db_url) for _ in range(4)]
    ledgers = [DeliveryLedger(create_session_factory(e)) for e in engines]
    barrier = threading.Barrier(len(ledgers))
    results: list[object] = []
    lock = threading.Lock()

    def contend(ledger: DeliveryLedger) -> None:
        barrier.wait()
        for round_ in range(5):
            claim = ledger.claim("digest", f"2026-W{40 + round_}", "C0DX", NOW)
            with lock:
                results.append((round_, claim is not None))

    threads = [threading.Thread(target=contend, args=(ledger,)) for ledger in ledgers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for engine in engines:
        engine.dispose()
    assert len(results) == 20
    for round_ in range(5):
        assert sum(1 for r, won in results if r == round_ and won) == 1
