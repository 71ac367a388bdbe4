"""A running `dxbot serve` reloads its knowledge base on SIGHUP after `dxbot kb apply`, and says so in its log;
a knowledge base with a mistake is refused, logged, and the previous one keeps answering."""

from __future__ import annotations

import os
import shutil
import signal
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot.cli import main
from curation.review import Reason, ReviewGroup
from curation.sheet import write_review_sheet
from knowledge.kb import BUNDLED_KB, read_kb
from tests.e2e.conftest import SlackSender, block_text
from tests.e2e.fake_slack import RESPONSE_URL_METHOD, FakeSlack
from tests.e2e.test_cli_slack import bot_env, free_port, processes, start, stop, wait_healthy  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP")]

QUESTION = "公用車の予約はどうすればいい？"
ANSWER = "公用車の予約は、庁内ポータルの施設予約から行います。"


def curator_sheet(tmp_path: Path, kb_dir: Path) -> Path:
    kb, _ = read_kb(kb_dir)
    group = ReviewGroup(QUESTION, (), 1, datetime(2026, 11, 20, tzinfo=UTC), ((Reason.NO_ANSWER, None, 1),))
    path = tmp_path / "review.xlsx"
    write_review_sheet([group], kb, path, ZoneInfo("Asia/Tokyo"))
    workbook = load_workbook(path)
    sheet = workbook["要対応の質問"]
    header = [c.value for c in sheet[1]]
    for column, value in (("対応", "新規"), ("回答", ANSWER), ("出典", "庁内の運用")):
        sheet.cell(2, header.index(column) + 1, value)
    workbook.save(path)
    return path


def ask(slack: SlackSender, fake: FakeSlack, text: str) -> str:
    fake.reset()
    assert slack.command(text).status == 200
    return block_text(fake.wait_for(RESPONSE_URL_METHOD, timeout=15)[0].params["blocks"])


def test_sighup_reloads_the_applied_knowledge_base(
    bot_env: dict[str, str], fake_slack: FakeSlack, processes, tmp_path: Path  # type: ignore[no-untyped-def]  # noqa: F811
) -> None:
    kb_dir = tmp_path / "kb"
    shutil.copytree(BUNDLED_KB, kb_dir)
    bot_env["DXBOT_KB_PATH"] = str(kb_dir)
    bot_env["DXBOT_LOG_LEVEL"] = "INFO"
    port = free_port()
    process = start(["serve", "--host", "127.0.0.1", "--port", str(port)], bot_env)
    processes.append(process)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, process, timeout=60)
    slack = SlackSender(url, fake_slack)
    assert ANSWER not in ask(slack, fake_slack, QUESTION)

    assert main(["kb", "apply", str(curator_sheet(tmp_path, kb_dir)), "--kb", str(kb_dir)]) == 0
    assert ANSWER not in ask(slack, fake_slack, QUESTION)  # the running bot still has the old one
    os.kill(process.pid, signal.SIGHUP)
    deadline = time.monotonic() + 60
    while ANSWER not in ask(slack, fake_slack, QUESTION):
        assert time.monotonic() < deadline, "the bot did not reload"
        time.sleep(0.5)

    # a mistake in the knowledge base: refused on SIGHUP, the applied one keeps answering
    curated = kb_dir / "faq" / "90_curated.yaml"
    curated.write_text(curated.read_text(encoding="utf-8") + "  - id: org-hq-top\n    question: 重複\n    answer: x\n", encoding="utf-8")
    os.kill(process.pid, signal.SIGHUP)
    time.sleep(8)  # the reload reads and fails within a few seconds; nothing to wait on from outside
    assert ANSWER in ask(slack, fake_slack, QUESTION)
    assert process.poll() is None
    log = stop(process)
    assert "knowledge base reloaded on SIGHUP" in log
    assert "knowledge base not reloaded: faq/90_curated.yaml:" in log and "org-hq-top" in log
    assert "still serving the previous one" in log
    assert "Traceback" not in log
