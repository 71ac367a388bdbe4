"""`dxbot serve` and `dxbot run` as an operator starts them: real processes, configured by environment."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from tests.e2e.conftest import BOT_TOKEN, SIGNING_SECRET, SlackSender, block_text, load_payload
from tests.e2e.fake_slack import RESPONSE_URL_METHOD, FakeSlack
from tests.e2e.fake_socket_mode import FakeSocketMode

ROOT = Path(__file__).resolve().parents[2]
APP_TOKEN = "xapp-1-A0DXBOT01-e2e-cli-app-token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def bot_env(tmp_path: Path, fake_slack: FakeSlack) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DXBOT_"))}
    env.update(
        DXBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        DXBOT_LOG_LEVEL="DEBUG",  # even at DEBUG, no secret may appear in the log
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.api_url,
    )
    return env


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(process: subprocess.Popen[str]) -> str:
    process.terminate()
    _out, err = process.communicate(timeout=10)
    return err


def wait_healthy(url: str, process: subprocess.Popen[str], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the bot exited: {process.communicate()[1][-2000:]}"
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.05)  # the process is still starting; nothing to wait on but the port
    raise AssertionError("the bot did not become healthy")


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)


def test_dxbot_serve_answers_signed_requests_over_http(bot_env, fake_slack: FakeSlack, processes) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    process = start(["serve", "--host", "127.0.0.1", "--port", str(port)], bot_env)
    processes.append(process)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, process)
    slack = SlackSender(url, fake_slack)
    assert slack.command("DX推進リーダーは何人？").status == 200
    reply = fake_slack.wait_for(RESPONSE_URL_METHOD, timeout=10)[0].params
    assert "10名程度" in block_text(reply["blocks"])
    assert slack.post("{}", "application/json", signed=False).status == 401
    log = stop(process)
    assert "serving Slack on http://127.0.0.1" in log
    assert BOT_TOKEN not in log and SIGNING_SECRET not in log


def test_dxbot_run_uses_socket_mode_when_an_app_token_is_set(
    bot_env, fake_slack: FakeSlack, processes
) -> None:  # type: ignore[no-untyped-def]
    endpoint = FakeSocketMode()
    fake_slack.socket_url = endpoint.url
    env = {**bot_env, "SLACK_APP_TOKEN": APP_TOKEN}
    del env["SLACK_SIGNING_SECRET"]  # Socket Mode does not need it
    process = start(["run"], env)
    processes.append(process)
    try:
        endpoint.wait_connected(timeout=30)
        envelope = load_payload("socket_mode_slash_commands")
        envelope["payload"]["response_url"] = fake_slack.response_url("socket")
        endpoint.send(envelope)
        endpoint.wait_for_ack(envelope["envelope_id"], timeout=10)
        reply = fake_slack.wait_for(RESPONSE_URL_METHOD, timeout=10)[0].params
        assert "10名程度" in block_text(reply["blocks"])
        assert fake_slack.calls_to("apps.connections.open")[0].authorized
        # SIGTERM (systemd's stop): a clean exit after the work in flight, not a kill.
        process.terminate()
        _out, log = process.communicate(timeout=30)
    finally:
        endpoint.close()
    assert process.returncode == 0, log[-2000:]
    assert "SIGTERM received" in log and "in-flight work finished" in log
    assert "Traceback" not in log
    assert APP_TOKEN not in log and BOT_TOKEN not in log


@pytest.mark.parametrize(
    ("argv", "env", "missing"),
    [
        (["serve"], {}, "SLACK_BOT_TOKEN、SLACK_SIGNING_SECRET"),
        (["serve"], {"SLACK_BOT_TOKEN": "xoxb-x"}, "SLACK_SIGNING_SECRET"),
        (
            ["run"],
            {"SLACK_BOT_TOKEN": "xoxb-x"},
            "SLACK_SIGNING_SECRET",
        ),  # no app token: HTTP needs the secret
    ],
)
def test_missing_credentials_are_named_in_japanese(monkeypatch, capsys, argv, env, missing) -> None:  # type: ignore[no-untyped-def]
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"環境変数 {missing} を設定してください" in err
    assert "xoxb-x" not in err


def test_a_rejected_token_is_reported_without_the_token(
    bot_env, fake_slack: FakeSlack, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    fake_slack.failures["auth.test"] = "invalid_auth"
    for name, value in bot_env.items():
        monkeypatch.setenv(name, value)
    assert main(["serve", "--host", "127.0.0.1", "--port", str(free_port())]) == 1
    err = capsys.readouterr().err
    assert "Slack に接続できませんでした" in err and "invalid_auth" in err
    assert BOT_TOKEN not in err
    assert [c.method for c in fake_slack.calls] == ["auth.test"]  # checked once, nothing served


def test_unreachable_slack_is_a_japanese_message_not_a_traceback(bot_env, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    for name, value in bot_env.items():
        monkeypatch.setenv(name, value)
    closed = free_port()  # nothing listens there
    monkeypatch.setenv("SLACK_API_URL", f"http://127.0.0.1:{closed}/api/")
    assert main(["serve", "--host", "127.0.0.1", "--port", str(free_port())]) == 1
    err = capsys.readouterr().err
    assert "Slack に接続できませんでした" in err and "SLACK_API_URL を確認してください" in err
    assert "Traceback" not in err and BOT_TOKEN not in err
