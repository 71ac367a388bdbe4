"""`dxbot serve` as a real process on loopback, for fault tests and benchmarks (kill -9 really kills).

The process is driven only through its public contract (CLI, environment, HTTP), so the same harness
measures any checkout: `root` names the source tree the server runs from.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
SIGNING_SECRET = "process-test-signing-secret-0123456789"
BOT_TOKEN = "xoxb-process-test-token"
BOT_USER_ID = "U0DXBOT01"
TEAM_ID = "T0GOTSU01"
CHANNEL = "C0DXCHAN1"
_READY = re.compile(r"serving Slack on http://127\.0\.0\.1:(\d+)")


def sign(body: bytes, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def write_directory(path: Path, leaders: Sequence[str], department: str = "市民生活課") -> Path:
    """A staff directory (DXBOT_DIRECTORY) with `leaders` as leaders of `department`."""
    lines = ["departments: [政策企画課, 市民生活課, 税務課]", "users:"]
    for number, user_id in enumerate(leaders, 1):
        lines.append(f"  - {{id: {user_id}, name: 職員 {number}, department: {department}, role: leader}}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class Reply:
    status: int | None  # None: no HTTP answer (refused, reset, timed out)
    seconds: float
    body: bytes = b""


@dataclass
class BotProcess:
    process: subprocess.Popen[bytes]
    url: str
    output: list[str] = field(default_factory=list)  # stderr lines, kept for checks on what the process said

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def kill(self) -> None:
        """kill -9: no handler runs, nothing is flushed."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def terminate(self, timeout: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    # ------------------------------------------------------------------ requests

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        timeout: float = 10.0,
        signed: bool = True,
        path: str = "/slack/events",
    ) -> Reply:
        request_headers = {"Content-Type": content_type, **(headers or {})}
        if signed:
            timestamp = int(time.time())
            request_headers["X-Slack-Request-Timestamp"] = str(timestamp)
            request_headers["X-Slack-Signature"] = sign(body, timestamp)
        return self.request("POST", path, body, request_headers, timeout)

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None, timeout: float = 10.0
    ) -> Reply:
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body or None, headers=headers or {})
            response = connection.getresponse()
            data = response.read()
            return Reply(response.status, time.perf_counter() - started, data)
        except (OSError, http.client.HTTPException):
            return Reply(None, time.perf_counter() - started)
        finally:
            connection.close()

    def event(self, payload: dict[str, Any], *, retry_num: int | None = None, timeout: float = 10.0) -> Reply:
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return self.post(body, "application/json", headers=headers, timeout=timeout)

    def command(self, text: str, *, user_id: str, response_url: str, trigger_id: str, timeout: float = 10.0) -> Reply:
        fields = {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "team_domain": "gotsu-city",
            "channel_id": CHANNEL,
            "channel_name": "dx推進",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": "/dx",
            "text": text,
            "api_app_id": "A0DXBOT01",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
        return self.post(urlencode(fields).encode(), "application/x-www-form-urlencoded", timeout=timeout)

    def interact(self, payload: dict[str, Any], timeout: float = 10.0) -> Reply:
        body = urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()
        return self.post(body, "application/x-www-form-urlencoded", timeout=timeout)


def mention(user_id: str, text: str, *, event_id: str, ts: str) -> dict[str, Any]:
    """An app_mention event callback as Slack sends it."""
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "api_app_id": "A0DXBOT01",
        "event": {
            "type": "app_mention",
            "user": user_id,
            "text": f"<@{BOT_USER_ID}> {text}",
            "ts": ts,
            "team": TEAM_ID,
            "channel": CHANNEL,
            "event_ts": ts,
        },
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [
            {"enterprise_id": None, "team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True,
             "is_enterprise_install": False}
        ],
    }


def _drain(stream: Any, into: list[str]) -> None:
    for raw in stream:
        into.append(raw.decode("utf-8", errors="replace"))


def migrate_database(database_url: str, root: Path = ROOT) -> None:
    """`dxbot db upgrade` from `root`."""
    environment = {**os.environ, "DXBOT_DATABASE_URL": database_url, "PYTHONPATH": str(root)}
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"], cwd=root, env=environment, check=True,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120,
    )


def start_bot_process(
    database_url: str,
    api_url: str,
    *,
    directory: Path | None = None,
    root: Path = ROOT,
    args: Sequence[str] = (),
    env: dict[str, str] | None = None,
    startup_timeout: float = 180.0,
) -> BotProcess:
    """`dxbot serve --port 0` from `root`; returns once it logged its address."""
    environment = {
        **os.environ,
        "DXBOT_DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "DXBOT_LOG_LEVEL": "INFO",  # the "serving Slack on …" line tells the port
        "PYTHONPATH": str(root),
        **(env or {}),
    }
    environment.pop("SLACK_APP_TOKEN", None)
    if directory is not None:
        environment["DXBOT_DIRECTORY"] = str(directory)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", "0", *args],
        cwd=root,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    output: list[str] = []
    deadline = time.monotonic() + startup_timeout
    while time.monotonic() < deadline:
        raw = process.stderr.readline()
        if not raw:
            raise RuntimeError("dxbot serve exited before it was ready:\n" + "".join(output[-30:]))
        line = raw.decode("utf-8", errors="replace")
        output.append(line)
        found = _READY.search(line)
        if found:
            # Keep draining stderr so the server never blocks on a full pipe.
            threading.Thread(target=_drain, args=(process.stderr, output), daemon=True).start()
            return BotProcess(process, f"http://127.0.0.1:{found.group(1)}", output)
    process.kill()
    raise RuntimeError(f"dxbot serve did not start within {startup_timeout:.0f} s")
