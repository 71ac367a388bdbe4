"""A database that is down at start does not stop the bot (SPEC: First run and operations): it answers
questions, refuses reports with 「記録していません」, says 503 on /healthz, and when the database comes up it
does its start-up work (migrations on the empty schema, initiatives, the directory) by itself.

The outage is a TCP proxy the test cuts before the bot starts (the shared PostgreSQL is never stopped)."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.replies import Answer
from storage.readiness import RETRY_SECONDS
from tests.e2e.bot_process import start_bot_process, write_directory
from tests.e2e.conftest import fake_slack  # noqa: F401 (fixture)
from tests.e2e.fake_slack import FakeSlack
from tests.integration.conftest import say
from tests.integration.test_outages import proxied_pg  # noqa: F401 (fixture)
from tests.rendering import text_of

QUESTION = "DX推進リーダーは何人？"
REPORT = "報告 書かない窓口 実施中 60% 来庁者アンケート実施"


def wait_until(condition, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@pytest.mark.postgres
@pytest.mark.slow
def test_the_bot_starts_while_the_database_is_down_and_recovers_by_itself(make_services, proxied_pg, directory_file: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    url, proxy = proxied_pg
    proxy.cut()
    bot = make_services(url, directory_path=directory_file)  # no exception: a degraded start
    assert not bot.database_started()
    answer = say(bot, "ULEAD", QUESTION)
    assert isinstance(answer, Answer) and "10名程度" in answer.answer
    refused = text_of(say(bot, "ULEAD", REPORT))
    assert "記録していません" in refused and "報告を記録しました" not in refused

    proxy.restore()
    # The next request after the retry interval does the start-up work: schema, initiatives, directory.
    assert wait_until(bot.database_started, RETRY_SECONDS + 10)
    assert len(bot.progress.initiatives.all()) == 28
    assert bot.progress.staff.get("ULEAD") is not None, "DXBOT_DIRECTORY was imported once the database came up"
    assert "報告を記録しました" in text_of(say(bot, "ULEAD", REPORT))
    assert len(bot.progress.reports.history("1-02")) == 1


def healthz(url: str) -> int:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=5) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@pytest.mark.postgres
@pytest.mark.slow
def test_dxbot_serve_starts_on_a_database_that_is_down(proxied_pg, fake_slack: FakeSlack, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    url, proxy = proxied_pg
    proxy.cut()
    directory = write_directory(tmp_path / "staff.yaml", ["U0LEADER1"])
    bot = start_bot_process(url, fake_slack.api_url, directory=directory)  # today: exits with a SQLAlchemy error
    try:
        assert healthz(bot.url) == 503
        proxy.restore()
        assert wait_until(lambda: healthz(bot.url) == 200, RETRY_SECONDS + 15)
    finally:
        bot.terminate()
    log = "".join(bot.output)
    assert "Traceback" not in log
    assert "database unreachable at start" in log and "database reachable again" in log
