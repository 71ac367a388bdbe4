"""No traceback for expected failures (SPEC: First run and operations): every CLI command against each
broken configuration answers in one Japanese line and a non-zero exit, or does its job when the broken part
is not its business (`ask` needs no database). An unreadable knowledge base lists its problems first, one
`file:line: message` each, as `kb check` does."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import build_parser, main
from curation.sheet import write_review_sheet
from knowledge.kb import KnowledgeBase

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
PROBLEM = re.compile(r"^\S+:\d+: .*[\u3040-\u30ff\u4e00-\u9fff]")
KB_PROBLEMS = {"unreadable-kb", "missing-kb"}
DIRECTORY = "departments: [政策企画課]\nusers:\n  - {id: U1, name: 山田 花子, department: 政策企画課, role: admin}\n"
UNREACHABLE_PG = "postgresql+psycopg://dxbot:secret-pw@127.0.0.1:1/dxbot"  # nothing listens on port 1

# Each broken configuration: the environment, and what the one line must name.
CONFIGURATIONS = {
    "bad-url": ({"DXBOT_DATABASE_URL": "nosuchdb://x"}, "DXBOT_DATABASE_URL を読めません"),
    "unparsable-url": ({"DXBOT_DATABASE_URL": "not a url"}, "DXBOT_DATABASE_URL を読めません"),
    "unreachable-database": ({"DXBOT_DATABASE_URL": UNREACHABLE_PG}, "データベースに接続できません"),
    "missing-directory": ({"DXBOT_DIRECTORY": "{tmp}/no-such-staff.yaml"}, "DXBOT_DIRECTORY の職員名簿が見つかりません"),
    "unreadable-kb": ({"DXBOT_KB_PATH": "{tmp}/broken-kb"}, "知識ベースを読み込めません"),
    "missing-kb": ({"DXBOT_KB_PATH": "{tmp}/no-such-kb"}, "知識ベースを読み込めません"),
}

# Every command (and subcommand) of the CLI, with the arguments it needs; which configurations are its business.
DATABASE = {"bad-url", "unparsable-url", "unreachable-database"}
APP = DATABASE | {"missing-directory", "unreadable-kb", "missing-kb"}  # what builds the whole bot reads it all
# A conversation starts while the database is down (degraded: questions answered, reports refused); a
# server would then serve, so `serve` on a down database is tested as a process (test_degraded_start.py).
DEGRADED = APP - {"unreachable-database"}
COMMANDS: dict[str, tuple[list[str], set[str]]] = {
    "run": (["run"], DEGRADED),
    "chat": (["chat"], DEGRADED),
    "serve": (["serve", "--host", "127.0.0.1", "--port", "0"], DEGRADED),
    "ask": (["ask", "DX推進リーダーは何人？"], {"unreadable-kb", "missing-kb"}),
    "kb check": (["kb", "check", "{kb}"], {"unreadable-kb", "missing-kb"}),
    "kb review": (["kb", "review", "--out", "{tmp}/review.xlsx"], DATABASE | {"unreadable-kb", "missing-kb"}),
    "kb apply": (["kb", "apply", "{tmp}/empty-review.xlsx"], {"unreadable-kb", "missing-kb"}),  # changes nothing
    "db upgrade": (["db", "upgrade"], DATABASE),
    "db purge": (["db", "purge"], DATABASE),
    "digest preview": (["digest", "preview"], APP),
    "digest post": (["digest", "post"], APP),
    "users import": (["users", "import", "{tmp}/staff.yaml"], DATABASE),
    "export": (["export", "--format", "csv", "--out", "{tmp}/out.csv"], APP),
    "teams manifest": (["teams", "manifest", "--out", "{tmp}/dxbot-teams.zip"], set()),  # reads no database or KB
}


def cli_commands() -> set[str]:
    """Every leaf command the parser knows, as `kb check`."""

    def leaves(parser: argparse.ArgumentParser, prefix: str) -> set[str]:
        found: set[str] = set()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found |= leaves(sub, f"{prefix} {name}".strip()) or {f"{prefix} {name}".strip()}
        return found

    return leaves(build_parser(), "")


def test_the_table_covers_every_cli_command() -> None:
    missing = cli_commands() - set(COMMANDS)
    assert not missing, f"add these commands to COMMANDS in {__file__}: {sorted(missing)}"


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    (tmp_path / "broken-kb").mkdir()
    (tmp_path / "broken-kb" / "faq.yaml").write_text("entries: [\n", encoding="utf-8")
    (tmp_path / "staff.yaml").write_text(DIRECTORY, encoding="utf-8")
    write_review_sheet([], KnowledgeBase(entries=()), tmp_path / "empty-review.xlsx", ZoneInfo("Asia/Tokyo"))
    for key in list(os.environ):
        if key.startswith(("DXBOT_", "SLACK_", "TEAMS_")):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # the default SQLite file goes under ./data here

    def apply(configuration: str, command: str) -> list[str]:
        env, _ = CONFIGURATIONS[configuration]
        for key, value in env.items():
            monkeypatch.setenv(key, value.format(tmp=tmp_path))
        if command in ("serve", "digest post"):  # credentials present, so the configuration is what fails
            monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-not-used")
            monkeypatch.setenv("SLACK_SIGNING_SECRET", "not-used")
            monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:1/api/")
            monkeypatch.setenv("DXBOT_DIGEST_CHANNEL", "C0DIGEST")
        if command == "teams manifest":
            monkeypatch.setenv("TEAMS_APP_ID", "11111111-2222-4333-8444-555555555555")
        kb = env.get("DXBOT_KB_PATH", str(Path(__file__).resolve().parents[2] / "knowledge" / "data"))
        return [arg.format(tmp=tmp_path, kb=kb.format(tmp=tmp_path)) for arg in COMMANDS[command][0]]

    return apply


@pytest.mark.parametrize("configuration", sorted(CONFIGURATIONS))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_against_a_broken_configuration(
    command: str, configuration: str, broken, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    if command == "serve" and configuration == "unreachable-database":
        pytest.skip("serve starts degraded and serves: tests/integration/test_degraded_start.py")
    args = broken(configuration, command)
    with open(os.devnull, encoding="utf-8") as nothing:  # an empty stdin, closed after the command
        monkeypatch.setattr(sys, "stdin", nothing)
        code = main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "secret-pw" not in out + err, "a password is never shown"
    if configuration not in COMMANDS[command][1]:
        assert code == 0, (out, err)
        return
    assert code != 0, (out, err)
    lines = err.strip().splitlines()
    if command == "kb check":  # its contract: each problem as `file:line: message` on stdout, then the count
        assert PROBLEM.match(out.splitlines()[0]) and lines[-1].endswith("件の問題があります。"), (out, err)
        return
    assert out == "", (out, err)
    if configuration in KB_PROBLEMS:  # each problem as `file:line: message` first, as kb check prints them
        assert all(PROBLEM.match(line) for line in lines[:-1]) and len(lines) >= 2, lines
    else:
        assert len(lines) == 1, lines
    assert CONFIGURATIONS[configuration][1] in lines[-1] and JAPANESE.search(lines[-1])


@pytest.mark.parametrize("configuration", ["bad-url", "missing-directory", "unreadable-kb"])
def test_a_real_chat_process_says_one_japanese_line(configuration: str, tmp_path: Path) -> None:
    (tmp_path / "broken-kb").mkdir()
    (tmp_path / "broken-kb" / "faq.yaml").write_text("entries: [\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DXBOT_", "SLACK_", "TEAMS_"))}
    env.update({key: value.format(tmp=tmp_path) for key, value in CONFIGURATIONS[configuration][0].items()})
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat"],
        input="DX推進リーダーは何人？\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == (2 if configuration in KB_PROBLEMS else 1), lines
    assert CONFIGURATIONS[configuration][1] in lines[-1]
