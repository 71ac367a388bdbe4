"""What a user sends under faults: kill -9 in a burst of reports, a stalled database, slow-loris clients.

Runs `dxbot serve` as a real process (from this checkout, or from --root to measure another one, e.g. an
export of main before a change) against a fake Slack on loopback, and prints one line of counts per run.
The scenarios are tests/e2e/intake_scenarios.py; the tests there assert on the same counts.

    .venv/bin/python benchmarks/intake_faults.py crash --db sqlite
    .venv/bin/python benchmarks/intake_faults.py stall --db postgresql      # needs DXBOT_TEST_PG_URL
    .venv/bin/python benchmarks/intake_faults.py slowloris --connections 300 --duration 45
    .venv/bin/python benchmarks/intake_faults.py crash --root /tmp/dxbot-before
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from tests.e2e import intake_scenarios as scenarios  # noqa: E402
from tests.e2e.fake_slack import FakeSlack  # noqa: E402


@contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'faults.sqlite3'}"
        return
    base = os.environ.get("DXBOT_TEST_PG_URL")
    if not base:
        raise SystemExit("set DXBOT_TEST_PG_URL for --db postgresql")
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=["crash", "stall", "slowloris"])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--root", type=Path, default=ROOT, help="source tree to run dxbot serve from")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--reports", type=int, default=None)
    parser.add_argument("--kill-after", type=int, default=40)
    parser.add_argument("--lock-seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=300)
    parser.add_argument("--duration", type=float, default=45.0)
    parser.add_argument("--serve-arg", action="append", default=[], help="extra `dxbot serve` argument")
    args = parser.parse_args(argv)
    if not 1 <= args.repeat <= 20 or not 1 <= args.connections <= 2000 or not 1 <= args.duration <= 300:
        raise SystemExit("keep it bounded: --repeat 1..20, --connections 1..2000, --duration 1..300")

    for run in range(1, args.repeat + 1):
        fake = FakeSlack().start()
        with tempfile.TemporaryDirectory(prefix="dxbot-faults-") as tmp, database(args.db, Path(tmp)) as url:
            start = scenarios.bot_starter(url, fake, Path(tmp), args.root.resolve(), tuple(args.serve_arg))
            if args.scenario == "crash":
                row = scenarios.crash_burst(
                    url, fake, start, reports=args.reports or 60, kill_after=args.kill_after
                ).as_row()
            elif args.scenario == "stall":
                row = scenarios.stalled_database(
                    url, fake, start, lock_seconds=args.lock_seconds, reports=args.reports or 8
                ).as_row()
            else:
                bot = start()
                try:
                    row = scenarios.slow_loris(
                        bot, fake, connections=args.connections, duration=args.duration
                    ).as_row()
                finally:
                    bot.terminate()
        fake.stop()
        print(json.dumps({"scenario": args.scenario, "db": args.db, "run": run, **row}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
