"""The CLI for Teams: `dxbot serve --platform teams` as a real process, `dxbot run` picking Teams, and
`dxbot teams manifest` building the app package."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import time
import zipfile
from pathlib import Path

import pytest

from bot.cli import main
from knowledge.kb import BUNDLED_KB
from tests.e2e.fake_connector import FakeConnector
from tests.e2e.teams.conftest import APP_ID, TENANT_ID, TeamsSender, card_texts
from tests.e2e.test_cli_slack import free_port, start, stop, wait_healthy


@pytest.fixture
def teams_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DXBOT_", "TEAMS_"))}
    env.update(
        DXBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        DXBOT_LOG_LEVEL="DEBUG",
        TEAMS_APP_ID=APP_ID,
        TEAMS_TENANT_ID=TENANT_ID,
        TEAMS_ALLOW_ANONYMOUS="1",
    )
    return env


@pytest.mark.slow
@pytest.mark.parametrize("command", [["serve", "--platform", "teams"], ["run"]])
def test_the_cli_serves_teams(command: list[str], teams_env: dict[str, str], fake_connector: FakeConnector) -> None:
    port = free_port()
    option = "--port" if command[0] == "serve" else "--teams-port"
    process = start([*command, "--host", "127.0.0.1", option, str(port)], teams_env)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, process, timeout=60)
        teams = TeamsSender(url, fake_connector)
        reply = teams.say("DX推進リーダーは何人？")
        assert any("10名程度" in t for t in card_texts(reply.cards[0]))
        assert teams.post(teams.activity("message_personal"), {"Authorization": "Bearer not-a-jwt"}).status == 401
    finally:
        log = stop(process)
    assert "TEAMS_ALLOW_ANONYMOUS=1" in log  # the warning at start
    assert "Traceback" not in log


def test_manifest_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from matplotlib.image import imread

    monkeypatch.setenv("TEAMS_APP_ID", APP_ID)
    out = tmp_path / "dxbot-teams.zip"
    assert main(["teams", "manifest", "--out", str(out)]) == 0
    assert "dxbot-teams.zip" in capsys.readouterr().out
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        color = imread(io.BytesIO(package.read("color.png")))
        outline = imread(io.BytesIO(package.read("outline.png")))
    assert manifest["manifestVersion"] == "1.19" and "v1.19" in manifest["$schema"]
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert color.shape[:2] == (192, 192) and outline.shape[:2] == (32, 32)
    assert outline.shape[2] == 4 and outline[0, 0, 3] == 0  # transparent background
    assert set(map(tuple, outline[..., :3][outline[..., 3] > 0.5].round(1))) <= {(1.0, 1.0, 1.0)}  # white only


def test_manifest_without_an_app_id_says_what_to_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("TEAMS_APP_ID", raising=False)
    assert main(["teams", "manifest", "--out", str(tmp_path / "x.zip")]) == 2
    assert "TEAMS_APP_ID" in capsys.readouterr().err
    assert not (tmp_path / "x.zip").exists()


def test_serve_teams_without_credentials_names_them(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    monkeypatch.setenv("DXBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    monkeypatch.setenv("TEAMS_APP_ID", APP_ID)
    for name in ("TEAMS_APP_PASSWORD", "TEAMS_TENANT_ID", "TEAMS_ALLOW_ANONYMOUS"):
        monkeypatch.delenv(name, raising=False)
    assert main(["serve", "--platform", "teams"]) == 2
    err = capsys.readouterr().err
    assert "TEAMS_APP_PASSWORD" in err and "Traceback" not in err


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP")
def test_serve_teams_reloads_the_knowledge_base_on_sighup(
    teams_env: dict[str, str], fake_connector: FakeConnector, tmp_path: Path
) -> None:
    from tests.e2e.test_kb_reload import ANSWER, QUESTION, curator_sheet

    kb_dir = tmp_path / "kb"
    shutil.copytree(BUNDLED_KB, kb_dir)
    teams_env.update(DXBOT_KB_PATH=str(kb_dir), DXBOT_LOG_LEVEL="INFO")
    port = free_port()
    process = start(["serve", "--platform", "teams", "--host", "127.0.0.1", "--port", str(port)], teams_env)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, process, timeout=60)
        teams = TeamsSender(url, fake_connector)

        def answer() -> str:
            reply = teams.say(QUESTION)
            return reply.text + json.dumps(reply.cards, ensure_ascii=False)

        assert ANSWER not in answer()
        assert main(["kb", "apply", str(curator_sheet(tmp_path, kb_dir)), "--kb", str(kb_dir)]) == 0
        os.kill(process.pid, signal.SIGHUP)
        deadline = time.monotonic() + 60
        while ANSWER not in answer():
            assert time.monotonic() < deadline, "the Teams server did not reload"
            time.sleep(0.5)
    finally:
        log = stop(process)
    assert "knowledge base reloaded on SIGHUP" in log
