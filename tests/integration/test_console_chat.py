"""`dxbot chat` as an operator runs it: a real process, questions piped on stdin, replies on stdout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text


def run_chat(tmp_path: Path, lines: list[str], *extra: str) -> str:
    env = {**os.environ, "DXBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'chat.sqlite3'}", "DXBOT_LOG_LEVEL": "WARNING"}
    for key in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DXBOT_DIRECTORY", "DXBOT_DIGEST_CHANNEL"):
        env.pop(key, None)
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", *extra],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    assert "Traceback" not in done.stderr
    return done.stdout


def test_answer_with_source_choices_and_no_answer(tmp_path: Path) -> None:
    out = run_chat(tmp_path, ["DX推進リーダーは何人？", "/dx WG", "1", "有給休暇の申請方法を教えて"], "--user", "U1")
    replies = out.strip().split("\n\n")
    assert len(replies) == 4
    assert "10名程度" in replies[0] and "出典: 5. 推進体制" in replies[0] and "第1.5版" in replies[0]
    assert "もしかして" in replies[1] and "  1. " in replies[1] and "  2. " in replies[1]
    first_choice = replies[1].splitlines()[1].split(". ", 1)[1]
    assert "出典:" in replies[2], f"picking 1 ({first_choice}) shows that answer"
    assert "事務局（政策企画課）" in replies[3]

    engine = create_engine(f"sqlite:///{tmp_path / 'chat.sqlite3'}")
    with engine.connect() as connection:
        logged = connection.execute(text("SELECT text, status, user_id FROM question_log ORDER BY id")).all()
    engine.dispose()
    assert [row.text for row in logged] == ["DX推進リーダーは何人？", "WG", "有給休暇の申請方法を教えて"]
    assert [row.status for row in logged] == ["answered", "ambiguous", "no_answer"]
    assert {row.user_id for row in logged} == {"U1"}


def test_help_and_too_long_question(tmp_path: Path) -> None:
    out = run_chat(tmp_path, ["ヘルプ", "あ" * 2000])
    replies = out.strip().split("\n\n")
    assert "使い方" in replies[0] and "「報告 <取組み> <状況>" in replies[0]
    # The console writes commands as the console takes them, and no Slack markup.
    assert "/dx" not in out and "`" not in out and "*" not in out
    assert "長すぎます" in replies[1]


def test_a_csv_faq_in_chat_declines_with_the_department_not_the_plan_secretariat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    faq = Path(__file__).resolve().parents[1] / "fixtures" / "small_city_faq.csv"
    monkeypatch.setenv("DXBOT_KB_PATH", str(faq))
    monkeypatch.setenv("DXBOT_INDEX_CACHE_DIR", str(tmp_path / "cache"))
    out = run_chat(tmp_path, ["今日の天気は？", "住民票がほしいんですが"])
    replies = out.strip().split("\n\n")
    assert "担当の部署にお問い合わせください" in replies[0]
    assert "事務局" not in out and "政策企画課" not in out and "アクションプラン" not in out
    assert "1通300円" in replies[-1]
