"""Log lines and where they go (SPEC: First run and operations): a person's console shows only the
conversation; a server logs one line per request; Alembic's plugin chatter never shows at INFO."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.logs import Surface, log_level
from tests.e2e.conftest import BOT_TOKEN, SIGNING_SECRET, SlackSender, block_text
from tests.e2e.fake_slack import RESPONSE_URL_METHOD, FakeSlack
from tests.e2e.test_cli_slack import free_port, start, stop, wait_healthy

QUESTION = "DX推進リーダーは何人？"


def operator_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """An operator's environment: nothing of ours set, so every default applies (DXBOT_LOG_LEVEL included)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DXBOT_", "TEAMS_"))}
    return {**env, "DXBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}", **extra}


def run(args: list[str], env: dict[str, str], stdin: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.mark.parametrize("args", [["chat"], ["run"], ["ask", QUESTION], ["ask", "--batch"]])
def test_the_console_and_ask_print_no_log_lines_by_default(args: list[str], tmp_path: Path) -> None:
    # Two questions and a report without a registered user: a refusal is a reply, not a log line either.
    done = run(args, operator_env(tmp_path), f"{QUESTION}\n報告 書かない窓口 実施中 60%\n{QUESTION}\n")
    assert done.stderr == ""
    assert done.stdout.count("10名程度") == (1 if args == ["ask", QUESTION] else 2)


@pytest.mark.parametrize("how", ["--verbose", "DXBOT_LOG_LEVEL"])
def test_verbose_or_the_log_level_brings_the_lines_back(how: str, tmp_path: Path) -> None:
    if how == "--verbose":
        done = run(["chat", "--verbose"], operator_env(tmp_path), f"{QUESTION}\n")
    else:
        done = run(["chat"], operator_env(tmp_path, DXBOT_LOG_LEVEL="INFO"), f"{QUESTION}\n")
    assert "database migrated from empty to" in done.stderr
    assert done.stderr.count("request platform=console command=question status=answered") == 1
    assert "alembic.runtime.plugins" not in done.stderr and "setup plugin" not in done.stderr
    assert "Context impl" not in done.stderr
    assert "10名程度" in done.stdout and "INFO" not in done.stdout


def test_a_server_logs_one_line_per_request_and_no_alembic_chatter(tmp_path: Path, fake_slack: FakeSlack) -> None:
    env = operator_env(
        tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake_slack.api_url
    )
    port = free_port()
    process = start(["serve", "--host", "127.0.0.1", "--port", str(port)], env)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, process)
        slack = SlackSender(url, fake_slack)
        for _ in range(3):
            assert slack.command(QUESTION).status == 200
        replies = fake_slack.wait_for(RESPONSE_URL_METHOD, count=3, timeout=10)
        assert all("10名程度" in block_text(r.params["blocks"]) for r in replies)
    finally:
        log = stop(process)
    assert log.count("request platform=slack") == 3, log
    assert "setup plugin" not in log and "Context impl" not in log
    assert "database migrated from empty to" in log


def test_log_levels() -> None:
    assert log_level(Surface.CONSOLE, environ={}) == logging.ERROR
    assert log_level(Surface.CONSOLE, verbose=True, environ={}) == logging.INFO
    assert log_level(Surface.SERVER, environ={}) == logging.INFO
    assert log_level(Surface.COMMAND, environ={}) == logging.ERROR
    assert log_level(Surface.CONSOLE, environ={"DXBOT_LOG_LEVEL": "debug"}) == logging.DEBUG
    assert log_level(Surface.SERVER, verbose=True, environ={"DXBOT_LOG_LEVEL": "WARNING"}) == logging.WARNING
    assert log_level(Surface.CONSOLE, environ={"DXBOT_LOG_LEVEL": "loud"}) == logging.ERROR, "unknown: the default"
