"""SIGHUP reloads the knowledge base in the background and logs it; a broken one is refused and logged."""

from __future__ import annotations

import logging
import os
import signal
import threading

import pytest

from bot.reload_signal import install_sighup_reload, reload_knowledge
from knowledge.kb import KnowledgeBaseError, Problem

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP on this platform")


def test_sighup_runs_the_reload_and_logs_it(caplog: pytest.LogCaptureFixture) -> None:
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach only the main thread")
    done = threading.Event()
    caplog.set_level(logging.INFO, logger="bot.reload_signal")
    restore = install_sighup_reload(done.set)
    try:
        os.kill(os.getpid(), signal.SIGHUP)
        assert done.wait(10)
        for thread in threading.enumerate():
            if thread.name == "kb-reload":
                thread.join(10)
    finally:
        restore()
    assert "knowledge base reloaded on SIGHUP" in caplog.messages
    assert signal.getsignal(signal.SIGHUP) is not None


def test_a_broken_knowledge_base_is_refused_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> None:
        raise KnowledgeBaseError([Problem("faq/a.yaml", 3, "id「a」が重複しています（最初は 2 行目）")])

    caplog.set_level(logging.INFO, logger="bot.reload_signal")
    assert reload_knowledge(broken) is False
    assert "knowledge base not reloaded: faq/a.yaml:3: id「a」が重複しています（最初は 2 行目）" in caplog.messages
    assert caplog.messages[-1] == "knowledge base not reloaded (1 problems); still serving the previous one"
