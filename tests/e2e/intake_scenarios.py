"""Fault scenarios against a real `dxbot serve` process: what a user sends must be stored and confirmed
exactly once, or refused and absent. Used by tests/e2e/test_intake_faults.py (assertions) and
benchmarks/intake_faults.py (figures, before and after a change).

Each scenario returns plain counts; the caller decides what is acceptable.
"""

from __future__ import annotations

import itertools
import selectors
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from tests.e2e.bot_process import (
    BotProcess,
    Reply,
    mention,
    migrate_database,
    start_bot_process,
    write_directory,
)
from tests.e2e.fake_slack import RESPONSE_URL_METHOD, Call, FakeSlack

LEADER = "U0LEADER1"
ASKER = "U0STAFF01"
CONFIRMED = ("報告を記録しました", "記録済み")
SLACK_ACK_SECONDS = 3.0

Starter = Callable[[], BotProcess]


def reply_text(call: Call) -> str:
    """The visible words of a message the bot posted (text and section blocks)."""
    parts = [str(call.params.get("text") or "")]
    for block in call.params.get("blocks") or []:
        body = block.get("text") if isinstance(block, dict) else None
        if isinstance(body, dict):
            parts.append(str(body.get("text") or ""))
        for element in block.get("elements") or [] if isinstance(block, dict) else []:
            if isinstance(element, dict) and isinstance(element.get("text"), str):
                parts.append(element["text"])
    return "\n".join(parts)


def stored_notes(database_url: str, prefix: str) -> Counter[str]:
    """How many progress reports carry each note that starts with `prefix`."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT note FROM progress_reports WHERE note LIKE :p"), {"p": prefix + "%"}
            ).scalars()
            return Counter(str(note) for note in rows)
    finally:
        engine.dispose()


def bot_starter(
    database_url: str, fake: FakeSlack, workdir: Path, root: Path, args: tuple[str, ...] = ()
) -> Starter:
    directory = write_directory(workdir / "staff.yaml", [LEADER])
    # Migrate first, as an operator would: a checkout from before migrations-at-start needs it.
    migrate_database(database_url, root)
    return lambda: start_bot_process(database_url, fake.api_url, directory=directory, root=root, args=args)


def wait_quiet(fake: FakeSlack, done: Callable[[], bool], quiet: float = 4.0, limit: float = 90.0) -> None:
    """Until `done()`, or nothing new reached the fake Slack for `quiet` seconds (at most `limit`)."""
    deadline = time.monotonic() + limit
    last_count, last_change = -1, time.monotonic()
    while time.monotonic() < deadline and not done():
        count = len(fake.calls)
        if count != last_count:
            last_count, last_change = count, time.monotonic()
        elif time.monotonic() - last_change > quiet:
            return
        time.sleep(0.2)


# ---------------------------------------------------------------- kill -9 in a burst of reports


@dataclass
class CrashCounts:
    sent: int
    acked_before_kill: int
    redelivered: int
    stored: int  # distinct reports in the database
    duplicated: int  # reports stored more than once
    lost: int  # acknowledged (first or redelivered) but never stored
    confirmed_once: int
    unconfirmed: int  # stored but no confirmation reached the user
    confirmed_twice: int
    confirmed_absent: int  # confirmed but not stored
    looked_up: int = 0  # conversations.history/.replies calls: deliveries found pending after the restart

    def as_row(self) -> dict[str, int]:
        return dict(self.__dict__)


def crash_burst(
    database_url: str,
    fake: FakeSlack,
    start: Starter,
    *,
    reports: int = 60,
    kill_after: int = 40,
    concurrency: int = 10,
    tag: str = "crash",
) -> CrashCounts:
    """`reports` reports by @mention, kill -9 after `kill_after` acks, restart, redeliver what got no 200
    (as Slack does, up to three retries), then count what was stored and confirmed."""
    bot = start()
    events = [
        mention(
            LEADER,
            f"報告 書かない窓口 実施中 {i % 100}% {tag}-{i:03d}",
            event_id=f"Ev{tag.upper()}{i:05d}",
            ts=f"1732770400.{i:06d}",
        )
        for i in range(reports)
    ]
    answers: dict[int, Reply] = {}
    lock = threading.Lock()
    killed = threading.Event()

    def send(index: int) -> None:
        reply = bot.event(events[index], timeout=SLACK_ACK_SECONDS) if not killed.is_set() else Reply(None, 0.0)
        with lock:
            answers[index] = reply
            acked = sum(1 for r in answers.values() if r.status == 200)
            if acked >= kill_after and not killed.is_set():
                killed.set()
                bot.kill()

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(send, range(reports)))
    if not killed.is_set():
        bot.kill()
    acked_first = {i for i, r in answers.items() if r.status == 200}

    bot = start()
    redelivered = 0
    pending = [i for i in range(reports) if i not in acked_first]
    acked = set(acked_first)
    for retry in (1, 2, 3):
        still: list[int] = []
        for index in pending:
            redelivered += 1
            if bot.event(events[index], retry_num=retry, timeout=SLACK_ACK_SECONDS).status == 200:
                acked.add(index)
            else:
                still.append(index)
        pending = still
        if not pending:
            break

    def confirmations() -> Counter[str]:
        counts: Counter[str] = Counter()
        for call in fake.calls_to("chat.postMessage"):
            if any(word in reply_text(call) for word in CONFIRMED):
                counts[str(call.params.get("thread_ts"))] += 1
        return counts

    wait_quiet(fake, lambda: len(confirmations()) >= reports and len(stored_notes(database_url, tag)) >= reports)
    time.sleep(1.0)  # a late duplicate would show up now
    bot.terminate()

    notes = stored_notes(database_url, f"{tag}-")
    confirmed = confirmations()
    stored_ids = {int(note.rsplit("-", 1)[1]) for note in notes}
    counts_by_index = {i: confirmed.get(events[i]["event"]["ts"], 0) for i in range(reports)}
    return CrashCounts(
        sent=reports,
        acked_before_kill=len(acked_first),
        redelivered=redelivered,
        stored=len(stored_ids),
        duplicated=sum(1 for n in notes.values() if n > 1),
        lost=len(acked - stored_ids),
        confirmed_once=sum(1 for i in stored_ids if counts_by_index[i] == 1),
        unconfirmed=sum(1 for i in stored_ids if counts_by_index[i] == 0),
        confirmed_twice=sum(1 for i in stored_ids if counts_by_index[i] > 1),
        confirmed_absent=sum(1 for i, n in counts_by_index.items() if n and i not in stored_ids),
        looked_up=len(fake.calls_to("conversations.replies")) + len(fake.calls_to("conversations.history")),
    )


# ---------------------------------------------------------------- a stalled database


@dataclass
class StallCounts:
    reports: int
    questions: int
    acked_in_time: int  # HTTP 200 within Slack's 3 seconds
    not_acked: int  # no HTTP 200 at all (within 30 s)
    stored_after_late_ack: int  # Slack showed the user a failure, and the report was stored anyway
    ack_seconds_max: float
    ack_seconds: list[float]
    stored_and_confirmed: int
    refused_and_absent: int
    stored_unconfirmed: int
    confirmed_absent: int
    refused_but_stored: int
    report_without_reply: int
    questions_answered: int
    duplicated: int

    def as_row(self) -> dict[str, Any]:
        row = dict(self.__dict__)
        row.pop("ack_seconds")
        row["ack_seconds_max"] = round(self.ack_seconds_max, 2)
        return row


def hold_lock(database_url: str, seconds: float, ready: threading.Event) -> None:
    """Hold the tables for `seconds`: on PostgreSQL an ACCESS EXCLUSIVE lock on every table of the schema
    (what a long migration takes), on SQLite the write lock (a long writer, a backup)."""
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                connection.exec_driver_sql("BEGIN EXCLUSIVE")
            else:
                tables = connection.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
                ).scalars().all()
                connection.exec_driver_sql("BEGIN")
                names = ", ".join(f'"{name}"' for name in tables)
                connection.exec_driver_sql(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
            ready.set()
            time.sleep(seconds)
            connection.exec_driver_sql("COMMIT")
    finally:
        ready.set()
        engine.dispose()


def stalled_database(
    database_url: str,
    fake: FakeSlack,
    start: Starter,
    *,
    lock_seconds: float = 10.0,
    reports: int = 8,
    questions: int = 12,
    tag: str = "stall",
    settle: float = 45.0,
) -> StallCounts:
    """While the tables are locked for `lock_seconds`, `reports` reports and `questions` questions arrive
    as slash commands; count acks within 3 s and how each report ended."""
    bot = start()
    # One question first, so the engine and the pools are warm (a cold start is not what is measured).
    bot.command("DX推進リーダーは何人？", user_id=ASKER, response_url=fake.response_url("warm"), trigger_id="warm")
    fake.wait_for(RESPONSE_URL_METHOD, where=lambda c: c.path.endswith("/warm"), timeout=30)

    ready = threading.Event()
    locker = threading.Thread(target=hold_lock, args=(database_url, lock_seconds, ready), daemon=True)
    locker.start()
    ready.wait(30)
    texts = [(f"r{i}", f"報告 書かない窓口 実施中 {10 + i}% {tag}-{i:03d}", LEADER) for i in range(reports)]
    texts += [(f"q{i}", "DX推進リーダーは何人？" if i % 2 else "書かない窓口とは", ASKER) for i in range(questions)]
    texts = [texts[i] for i in _interleave(reports, questions)]

    def send(item: tuple[str, str, str]) -> tuple[str, Reply]:
        name, words, user = item
        return name, bot.command(
            words, user_id=user, response_url=fake.response_url(name), trigger_id=f"trigger.{tag}.{name}", timeout=30
        )

    with ThreadPoolExecutor(len(texts)) as pool:
        replies = dict(pool.map(send, texts))
    locker.join(lock_seconds + 30)

    def replies_for(name: str) -> list[str]:
        return [reply_text(c) for c in fake.calls_to(RESPONSE_URL_METHOD) if c.path.endswith(f"/{name}")]

    names = [name for name, _, _ in texts]
    wait_quiet(fake, lambda: all(replies_for(n) for n in names), quiet=8.0, limit=settle)
    time.sleep(1.0)
    bot.terminate()

    notes = stored_notes(database_url, f"{tag}-")
    outcome: Counter[str] = Counter()
    for i in range(reports):
        said = replies_for(f"r{i}")
        stored = notes.get(f"{tag}-{i:03d}", 0) > 0
        confirmed = any(any(w in s for w in CONFIRMED) for s in said)
        if not said:
            outcome["report_without_reply"] += 1
        if stored and confirmed:
            outcome["stored_and_confirmed"] += 1
        elif stored and not said:
            outcome["stored_unconfirmed"] += 1
        elif stored:
            outcome["refused_but_stored"] += 1
        elif confirmed:
            outcome["confirmed_absent"] += 1
        elif said:
            outcome["refused_and_absent"] += 1
    seconds = [r.seconds for r in replies.values()]
    late = {n for n, r in replies.items() if r.status != 200 or r.seconds > SLACK_ACK_SECONDS}
    return StallCounts(
        reports=reports,
        questions=questions,
        acked_in_time=len(replies) - len(late),
        not_acked=sum(1 for r in replies.values() if r.status != 200),
        stored_after_late_ack=sum(1 for i in range(reports) if f"r{i}" in late and notes.get(f"{tag}-{i:03d}")),
        ack_seconds_max=max(seconds),
        ack_seconds=seconds,
        stored_and_confirmed=outcome["stored_and_confirmed"],
        refused_and_absent=outcome["refused_and_absent"],
        stored_unconfirmed=outcome["stored_unconfirmed"],
        confirmed_absent=outcome["confirmed_absent"],
        refused_but_stored=outcome["refused_but_stored"],
        report_without_reply=outcome["report_without_reply"],
        questions_answered=sum(1 for i in range(questions) if any("DX" in s or "窓口" in s for s in replies_for(f"q{i}"))),
        duplicated=sum(1 for n in notes.values() if n > 1),
    )


def _interleave(reports: int, questions: int) -> list[int]:
    order = list(range(reports + questions))
    reps, qs = order[:reports], order[reports:]
    mixed: list[int] = []
    for r, q in itertools.zip_longest(reps, qs):
        mixed += [x for x in (r, q) if x is not None]
    return mixed


# ---------------------------------------------------------------- slow-loris


@dataclass
class SlowLorisCounts:
    connections: int
    opened: int
    dropped_by: dict[str, int]  # seconds after opening -> connections the server had closed by then
    still_open_at_end: int
    drop_seconds_max: float | None
    healthz_max_seconds: float
    healthz_failures: int
    questions: int
    questions_answered: int
    answer_seconds_max: float
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def as_row(self) -> dict[str, Any]:
        row = dict(self.__dict__)
        row["healthz_max_seconds"] = round(self.healthz_max_seconds, 3)
        row["answer_seconds_max"] = round(self.answer_seconds_max, 2)
        if self.drop_seconds_max is not None:
            row["drop_seconds_max"] = round(self.drop_seconds_max, 1)
        return row


def slow_loris(
    bot: BotProcess,
    fake: FakeSlack,
    *,
    connections: int = 300,
    duration: float = 45.0,
    questions: int = 10,
    checkpoints: tuple[float, ...] = (5, 10, 15, 30, 45),
) -> SlowLorisCounts:
    """`connections` clients that send a request line and then one header byte a second, for `duration`
    seconds; meanwhile /healthz is polled twice a second and `questions` questions are asked, one every
    half second from the start (while the connections are open)."""
    sockets: dict[socket.socket, float] = {}
    closed_after: list[float] = []
    notes: list[str] = []
    for _ in range(connections):
        try:
            sock = socket.create_connection(("127.0.0.1", bot.port), timeout=2)
            sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            sock.setblocking(False)
            sockets[sock] = time.monotonic()
        except OSError as error:
            notes.append(f"connect failed: {error.__class__.__name__}")
    opened = len(sockets)
    started = time.monotonic()
    stop = threading.Event()
    health: list[float] = []
    health_failures = 0

    def poll_health() -> None:
        nonlocal health_failures
        while not stop.is_set():
            reply = bot.request("GET", "/healthz", timeout=5)
            if reply.status != 200:  # the database is up here: anything else is the front failing
                health_failures += 1
            health.append(reply.seconds)
            stop.wait(0.5)

    asked: list[float] = []

    def ask() -> None:
        for i in range(questions):
            if stop.wait(0.5):  # while the connections are still open
                return
            name = f"loris{i}"
            began = time.monotonic()
            reply = bot.command(
                "DX推進リーダーは何人？", user_id=ASKER, response_url=fake.response_url(name), trigger_id=f"t.{name}"
            )
            if reply.status == 200:
                try:
                    fake.wait_for(RESPONSE_URL_METHOD, where=lambda c, n=name: c.path.endswith(f"/{n}"), timeout=10)
                    asked.append(time.monotonic() - began)
                except AssertionError:
                    pass

    workers = [threading.Thread(target=poll_health, daemon=True), threading.Thread(target=ask, daemon=True)]
    for worker in workers:
        worker.start()
    next_drip = started
    while time.monotonic() - started < duration:
        if not sockets:
            time.sleep(0.1)
            continue
        readable = _readable(list(sockets), 0.1)
        for sock in readable:
            try:
                data = sock.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:  # closed by the server (a response before closing counts as closed too)
                closed_after.append(time.monotonic() - sockets.pop(sock))
                sock.close()
        if time.monotonic() >= next_drip:
            next_drip += 1.0
            for sock in list(sockets):
                try:
                    sock.send(b"a")
                except BlockingIOError:
                    pass
                except OSError:
                    closed_after.append(time.monotonic() - sockets.pop(sock))
                    sock.close()
    elapsed = time.monotonic() - started
    stop.set()
    for worker in workers:
        worker.join(15)
    still_open = len(sockets)
    for sock in sockets:
        sock.close()
    return SlowLorisCounts(
        connections=connections,
        opened=opened,
        dropped_by={f"{t:g}s": sum(1 for c in closed_after if c <= t) for t in checkpoints if t <= duration},
        still_open_at_end=still_open,
        drop_seconds_max=max(closed_after) if closed_after else None,
        healthz_max_seconds=max(health) if health else float("nan"),
        healthz_failures=health_failures,
        questions=questions,
        questions_answered=len(asked),
        answer_seconds_max=max(asked) if asked else float("nan"),
        seconds=round(elapsed, 1),
        notes=notes,
    )


def _readable(socks: list[socket.socket], timeout: float) -> list[socket.socket]:
    """The sockets with something to read (or closed), by poll/epoll: select() cannot watch a descriptor ≥ 1024,
    and a test worker may hold that many by the time this runs."""
    with selectors.DefaultSelector() as selector:
        for sock in socks:
            selector.register(sock, selectors.EVENT_READ)
        return [key.fileobj for key, _ in selector.select(timeout)]  # type: ignore[misc]
