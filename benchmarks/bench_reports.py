"""Record 10,000 progress reports through the chat command, then build 状況 overviews over them.

    python benchmarks/bench_reports.py                      # a fresh SQLite file in a temp folder
    python benchmarks/bench_reports.py --url postgresql+psycopg://postgres@127.0.0.1:5432/test

On PostgreSQL the run uses a throw-away schema, dropped afterwards. Each report goes the whole way a chat
line goes: router, parsing, initiative matching, permission check, one transaction. Targets: ≤ 5 ms per
report on SQLite, ≤ 200 ms per overview.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.bootstrap import bootstrap  # noqa: E402
from bot.replies import ChatContext, Text  # noqa: E402
from bot.settings import Settings  # noqa: E402
from knowledge.kb import load_kb  # noqa: E402
from storage.progress import DirectoryEntry, StaffRole  # noqa: E402

DEPARTMENTS = ["政策企画課", "市民生活課", "税務課", "健康福祉課", "建設課"]
STATUSES = ["未着手", "検討中", "準備中", "実施中", "完了", "休止", "保留"]


class StepClock:
    """Moves one minute per call, so the history spans weeks like a real one."""

    def __init__(self) -> None:
        self.now = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@contextmanager
def database(url: str | None) -> Iterator[str]:
    if url is None:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        return
    if not url.startswith("postgresql"):
        yield url
        return
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--overviews", type=int, default=50)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    kb = load_kb()
    with database(args.url) as url:
        services = bootstrap(Settings(database_url=url), clock=StepClock(), kb=kb)
        progress = services.progress
        assert progress is not None
        staff = [
            DirectoryEntry(f"U{d}{n}", f"職員{d}-{n}", name, StaffRole.LEADER if n == 0 else StaffRole.MEMBER)
            for d, name in enumerate(DEPARTMENTS)
            for n in range(4)
        ]
        progress.staff.import_directory(DEPARTMENTS, staff, services.clock())
        initiatives = progress.list_initiatives()

        lines = []
        for i in range(args.reports):
            initiative = initiatives[i % len(initiatives)]
            # alternate ID and name so that matching is part of the measured path
            target = initiative.id if i % 2 else initiative.name
            status = STATUSES[(i // len(initiatives)) % len(STATUSES)]
            lines.append((staff[i % len(staff)].user_id, f"報告 {target} {status} {i % 101}% 定例報告 {i}"))

        started = time.perf_counter()
        for user_id, line in lines:
            reply = services.handle(ChatContext(user_id=user_id), line)
            if not isinstance(reply, Text):
                raise SystemExit(f"unexpected reply for {line!r}: {reply}")
        report_seconds = time.perf_counter() - started
        recorded = progress.reports.count()
        assert recorded == args.reports, recorded

        reader = ChatContext(user_id=None)
        overview = services.handle(reader, "状況")
        started = time.perf_counter()
        for _ in range(args.overviews):
            services.handle(reader, "状況")
        overview_seconds = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(args.overviews):
            services.handle(reader, "状況 書かない窓口")
        initiative_seconds = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(args.overviews):
            services.handle(reader, "状況 市民生活課")
        department_seconds = time.perf_counter() - started

        backend = services.db.url.get_backend_name()
        print(f"database: {backend}")
        print(
            f"reports:  {recorded} recorded in {report_seconds:.2f}s = "
            f"{1000 * report_seconds / args.reports:.2f} ms per report (target ≤ 5 ms on SQLite)"
        )
        print(
            f"overview: {1000 * overview_seconds / args.overviews:.1f} ms per 状況 overview over {recorded} reports "
            f"(target ≤ 200 ms)"
        )
        print(f"          {1000 * initiative_seconds / args.overviews:.1f} ms per 状況 <取組み>")
        print(f"          {1000 * department_seconds / args.overviews:.1f} ms per 状況 <課名>")
        print()
        print(overview.text if isinstance(overview, Text) else overview)
        services.db.dispose()


if __name__ == "__main__":
    main()
