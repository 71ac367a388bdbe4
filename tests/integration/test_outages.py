"""Database outages: questions are still answered, writes are refused (never falsely confirmed), lost
question-log writes are counted, and the bot recovers by itself when the database returns.

The real outage runs PostgreSQL behind a TCP proxy on loopback that the test cuts and restores (the shared
PostgreSQL itself is never stopped). The SQLite cases inject the driver's error at the repository.
"""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.console import GENERIC_ERROR, run_console
from bot.errors import STORAGE_UNAVAILABLE
from bot.replies import Answer, Message, refusal
from storage.db import database_reachable
from storage.models import ProgressReport, QuestionLog
from tests.conftest import PG_URL
from tests.integration.conftest import say
from tests.rendering import text_of
from tests.tcp_proxy import TcpProxy

QUESTION = "DX推進リーダーは何人？"
REPORT = "報告 書かない窓口 実施中 60% 来庁者アンケート実施"


def _count(services, model) -> int:  # type: ignore[no-untyped-def]
    with services.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def proxied_pg() -> Iterator[tuple[str, TcpProxy]]:
    """A fresh schema on the shared PostgreSQL, reached only through a proxy the test controls."""
    if not PG_URL:
        pytest.skip("DXBOT_TEST_PG_URL is not set")
    direct = make_url(PG_URL)
    proxy = TcpProxy(direct.host or "127.0.0.1", direct.port or 5432).start()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    proxied = direct.set(host="127.0.0.1", port=proxy.port, query={**direct.query, "options": f"-csearch_path={schema}"})
    yield proxied.render_as_string(hide_password=False), proxy
    proxy.stop()
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.mark.postgres
def test_postgres_outage_and_recovery(make_services, proxied_pg, directory_file: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    url, proxy = proxied_pg
    services = make_services(url, directory_path=directory_file)
    answer = say(services, "ULEAD", QUESTION)
    assert isinstance(answer, Answer) and answer.log_id is not None
    assert "報告を記録しました" in text_of(say(services, "ULEAD", REPORT))  # type: ignore[union-attr]

    proxy.cut()
    caplog.set_level(logging.WARNING)
    # Questions: answered from memory; the lost log write is counted, in the log too.
    during = say(services, "ULEAD", QUESTION)
    assert isinstance(during, Answer) and during.answer == answer.answer and during.log_id is None
    assert services.questions.lost_logs == 1
    assert "question log write failed" in caplog.text and "lost so far: 1" in caplog.text
    # Anything that needs the database: a clear Japanese refusal, never a confirmation.
    for command in (REPORT, "取消", "状況 書かない窓口", "履歴 書かない窓口", "登録 UNEW 税務課 member"):
        reply = say(services, "ULEAD", command)
        assert reply == refusal(STORAGE_UNAVAILABLE), command
    assert not database_reachable(services.db)
    # The console adapter stays up and says the same.
    out = io.StringIO()
    run_console(services, "ULEAD", io.StringIO(f"{QUESTION}\n{REPORT}\n"), out, interactive=False)
    assert answer.answer in out.getvalue() and STORAGE_UNAVAILABLE in out.getvalue()
    assert GENERIC_ERROR not in out.getvalue()
    assert services.questions.lost_logs == 2

    proxy.restore()
    # Recovery by itself: the pool's pre-ping replaces the dead connections.
    assert database_reachable(services.db)
    after = say(services, "ULEAD", QUESTION)
    assert isinstance(after, Answer) and after.log_id is not None
    assert "報告を記録しました" in text_of(say(services, "ULEAD", REPORT.replace("60%", "70%")))  # type: ignore[union-attr]
    # Exactly what was confirmed is stored: two reports, and the two questions logged while up.
    assert _count(services, ProgressReport) == 2
    assert _count(services, QuestionLog) == 2


@pytest.mark.postgres
def test_bot_starts_answering_only_once_the_database_is_back(make_services, proxied_pg, directory_file: Path) -> None:  # type: ignore[no-untyped-def]
    """A connection that died while idle in the pool is not handed out again (pool_pre_ping)."""
    url, proxy = proxied_pg
    services = make_services(url, directory_path=directory_file)
    assert isinstance(say(services, "ULEAD", REPORT), Message)
    proxy.cut()
    proxy.restore()  # a blip: every pooled connection is dead, the server is back
    reply = say(services, "ULEAD", REPORT.replace("60%", "80%"))
    assert isinstance(reply, Message) and "報告を記録しました" in text_of(reply)
    assert services.questions.lost_logs == 0


# ---------------------------------------------------------------- SQLite: injected driver errors


def _unreachable(*_args: object, **_kwargs: object) -> None:
    raise OperationalError("INSERT …", {}, ConnectionRefusedError("connection refused"))


def test_report_during_outage_is_refused_and_not_confirmed(make_services, sqlite_url: str, directory_file: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    services = make_services(sqlite_url, directory_path=directory_file)
    monkeypatch.setattr(services.progress.reports, "add", _unreachable)
    reply = say(services, "ULEAD", REPORT)
    assert reply == refusal(STORAGE_UNAVAILABLE)
    assert "記録していません" in text_of(reply)
    monkeypatch.undo()
    assert _count(services, ProgressReport) == 0


def test_lost_question_log_writes_are_counted_not_silent(make_services, sqlite_url: str, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    services = make_services(sqlite_url)
    monkeypatch.setattr(services.question_log, "record", _unreachable)
    caplog.set_level(logging.WARNING, logger="bot.questions")
    for _ in range(3):
        assert isinstance(say(services, "U1", QUESTION), Answer)
    assert services.questions.lost_logs == 3
    lines = [r.getMessage() for r in caplog.records if "question log write failed" in r.getMessage()]
    assert [line.rsplit(" ", 1)[-1] for line in lines] == ["1", "2", "3"]
    assert all(QUESTION not in line for line in lines)  # the count, not the question


def test_a_bug_is_not_mistaken_for_an_outage(make_services, sqlite_url: str, directory_file: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    services = make_services(sqlite_url, directory_path=directory_file)

    def bug(*_args: object, **_kwargs: object) -> None:
        raise KeyError("not an outage")

    monkeypatch.setattr(services.progress.reports, "add", bug)
    with pytest.raises(KeyError):  # reaches the adapter's single error handler
        say(services, "ULEAD", REPORT)
