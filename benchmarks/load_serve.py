"""Load test for `dxbot serve`: signed `/dx <question>` slash commands over HTTP, on loopback only.

By default it starts everything itself: a fake Slack Web API (auth.test, and the response_urls the answers
are posted to) and `dxbot serve` as a subprocess on a fresh SQLite file. With --url it drives a server
that is already running (give its signing secret with --signing-secret or SLACK_SIGNING_SECRET; answers are
then posted to this script's own fake Slack, so the server's SLACK_API_URL does not matter for that).

It prints the ack latency (what Slack's 3-second limit applies to) at p50 / p99 / max, the throughput,
and how many questions were answered (a reply arrived at the response_url) within the time limit.

    .venv/bin/python benchmarks/load_serve.py                       # 300 questions, 20 at a time
    .venv/bin/python benchmarks/load_serve.py --requests 1000 --concurrency 50
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.console import GENERIC_ERROR  # noqa: E402
from tests.e2e.fake_slack import RESPONSE_URL_METHOD, FakeSlack  # noqa: E402

QUESTIONS = [
    "DX推進リーダーは何人？",
    "ガバクラは義務？",
    "書かない窓口とは",
    "推進本部のメンバーは？",
    "BPRの対象課はどこ？",
    "アクションプランの最新版は？",
    "事務局はどこ？",
    "RPAの取組みは？",
    "フロントヤード改革って何",
    "江津市のスマートシティの目標は？",
]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_REQUESTS = 10_000
MAX_SECONDS = 600


def sign(secret: str, body: str, timestamp: int) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def start_server(fake: FakeSlack, secret: str, data_dir: Path) -> tuple[subprocess.Popen[str], str]:
    env = {
        **os.environ,
        "DXBOT_DATABASE_URL": f"sqlite:///{data_dir / 'load.sqlite3'}",
        "SLACK_BOT_TOKEN": "xoxb-load-test",
        "SLACK_SIGNING_SECRET": secret,
        "SLACK_API_URL": fake.api_url,
        "DXBOT_LOG_LEVEL": "INFO",  # the "serving Slack on …" line tells the port
    }
    env.pop("SLACK_APP_TOKEN", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", "0"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            raise SystemExit("dxbot serve exited before it was ready")
        found = re.search(r"serving Slack on http://127\.0\.0\.1:(\d+)", line)
        if found:
            # Keep draining stderr so the server never blocks on a full pipe.
            threading.Thread(target=lambda: [None for _ in process.stderr], daemon=True).start()  # type: ignore[union-attr]
            return process, f"http://127.0.0.1:{found.group(1)}"
    process.kill()
    raise SystemExit("dxbot serve did not start within 120 s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running `dxbot serve` on loopback, e.g. http://127.0.0.1:3000")
    parser.add_argument("--signing-secret", default=os.environ.get("SLACK_SIGNING_SECRET"))
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds for sending and answers")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= MAX_REQUESTS or not 1 <= args.concurrency <= 200:
        parser.error(f"--requests must be 1..{MAX_REQUESTS} and --concurrency 1..200")
    time_limit = min(args.time_limit, MAX_SECONDS)

    fake = FakeSlack().start()
    process = None
    try:
        if args.url:
            if urlsplit(args.url).hostname not in LOOPBACK:
                parser.error("--url must be on loopback (127.0.0.1 / localhost)")
            if not args.signing_secret:
                parser.error("--url needs --signing-secret (or SLACK_SIGNING_SECRET)")
            base_url, secret = args.url.rstrip("/"), args.signing_secret
        else:
            secret = secrets.token_hex(16)
            data_dir = Path(tempfile.mkdtemp(prefix="dxbot-load-"))
            print("starting dxbot serve …", file=sys.stderr)
            process, base_url = start_server(fake, secret, data_dir)
        figures = run_load(base_url, secret, fake, args.requests, args.concurrency, time_limit)
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        fake.stop()
    if args.json:
        print(json.dumps(figures))
    else:
        print(
            f"requests {figures['requests']} at concurrency {figures['concurrency']}: "
            f"HTTP 200 {figures['ok']}, answered {figures['answered']}, apologies {figures['errors']}\n"
            f"ack latency p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms, max {figures['max_ms']:.1f} ms\n"
            f"throughput {figures['throughput_rps']:.1f} requests/s (acks); all answered after {figures['answered_after_s']:.2f} s"
        )
    passed = figures["ok"] == figures["requests"] == figures["answered"] and figures["p99_ms"] <= 1000
    return 0 if passed else 1


def run_load(base_url: str, secret: str, fake: FakeSlack, total: int, concurrency: int, time_limit: float) -> dict:
    started = time.perf_counter()
    deadline = time.monotonic() + time_limit

    def one(index: int) -> tuple[int, float]:
        if time.monotonic() > deadline:
            return 0, 0.0
        payload = {
            "token": "load",
            "team_id": "T0GOTSU01",
            "channel_id": "C0LOAD001",
            "user_id": f"U0LOAD{index % 50:03d}",
            "command": "/dx",
            "text": QUESTIONS[index % len(QUESTIONS)],
            "response_url": fake.response_url(f"load-{index}"),
            "trigger_id": f"load.{index}.{secrets.token_hex(4)}",
        }
        body = urlencode(payload)
        ts = int(time.time())
        request = urllib.request.Request(
            f"{base_url}/slack/events",
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": str(ts),
                "X-Slack-Signature": sign(secret, body, ts),
            },
        )
        sent = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError:
            status = 0
        return status, time.perf_counter() - sent

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(one, range(total)))
    sent_for = time.perf_counter() - started
    ok = sum(1 for status, _ in results if status == 200)
    try:
        fake.wait_for(RESPONSE_URL_METHOD, count=ok, timeout=max(1.0, deadline - time.monotonic()))
    except AssertionError:
        pass  # counted below
    replies = fake.calls_to(RESPONSE_URL_METHOD)
    # An apology is a reply, not an answer: count only replies without the generic error text.
    answered = sum(1 for c in replies if GENERIC_ERROR not in json.dumps(c.params, ensure_ascii=False))
    latencies = [elapsed * 1000 for status, elapsed in results if status == 200]
    return {
        "requests": total,
        "concurrency": concurrency,
        "ok": ok,
        "answered": answered,
        "errors": len(replies) - answered,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies, default=float("nan")),
        "throughput_rps": ok / sent_for if sent_for else 0.0,
        "answered_after_s": time.perf_counter() - started,
    }


if __name__ == "__main__":
    sys.exit(main())
