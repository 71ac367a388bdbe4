"""The deployment files of docs/deploy.md, checked offline: there is no Docker engine or `docker compose` on
this machine or in CI, so compose.yaml goes through a Compose Specification parser (compose-spec), the
Dockerfile through BuildKit's parser (dockerfile), the systemd unit through `systemd-analyze verify`; the
backup and restore commands of the guide run for real against PostgreSQL."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import tomllib
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import dockerfile
import pytest
from compose_spec import PyCompose
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from bot.console import render_text
from tests.conftest import PG_URL
from tests.integration.conftest import say

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")


def compose() -> dict:  # type: ignore[type-arg]
    return PyCompose.from_yaml((ROOT / "compose.yaml").read_text(encoding="utf-8")).to_dict()


def test_compose_file_is_valid_and_safe_by_default() -> None:
    services = compose()["services"]
    assert set(services) == {"db", "bot", "bot-http"}
    assert services["db"]["image"].startswith("postgres:") and "healthcheck" in services["db"]
    for name in ("bot", "bot-http"):
        bot = services[name]
        assert bot["restart"] == "on-failure"
        assert bot["depends_on"]["db"]["condition"] == "service_healthy"
        assert [str(f) for f in bot["env_file"]] == ["deploy/dxbot.env"]
    assert "ports" not in services["bot"], "Socket Mode needs no inbound port, so it scales with --scale bot=N"
    assert services["bot-http"]["profiles"] == ["http"]
    for port in services["bot-http"]["ports"]:
        assert str(port).startswith("127.0.0.1:"), "published for the reverse proxy on this host only"
    assert "/healthz" in " ".join(services["bot-http"]["healthcheck"]["test"])
    for env_file in ("deploy/dxbot.env", "deploy/postgres.env"):
        assert (ROOT / f"{env_file}.example").is_file()
        ignored = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", env_file], timeout=30)
        assert ignored.returncode == 0, f"{env_file} (secrets) must stay out of git"


def test_compose_parser_refuses_what_compose_would() -> None:
    """The linter is not a rubber stamp: a wrong restart policy or a misspelt key is refused."""
    good = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    for bad in (good.replace("restart: on-failure", "restart: sometimes", 1), good.replace("image: postgres", "imagee: postgres")):
        with pytest.raises(ValueError):
            PyCompose.from_yaml(bad)


def test_dockerfile_builds_the_package_and_runs_unprivileged() -> None:
    commands = dockerfile.parse_file(str(ROOT / "Dockerfile"))
    stages = [i for i, c in enumerate(commands) if c.cmd == "FROM"]
    final = commands[stages[-1] :]
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]["find"]
    copied = set()
    for command in commands:
        if command.cmd == "COPY" and not any(flag.startswith("--from") for flag in command.flags):
            *sources, _target = command.value
            for source in sources:
                assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
                copied.add(source.rstrip("/"))
    assert {p.rstrip("*") for p in packages["include"]} <= copied, "every package of pyproject.toml is copied"
    users = [c.value[0] for c in final if c.cmd == "USER"]
    assert users and users[-1] not in ("root", "0")
    cmd = next(c for c in reversed(final) if c.cmd == "CMD")
    assert cmd.json and list(cmd.value[:2]) == ["dxbot", "run"] and "0.0.0.0" in cmd.value
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert {".git", ".venv", "data", "deploy/*.env"} <= set(ignored), "no secrets, database or venv in the build context"


@pytest.mark.slow
def test_the_package_installs_with_its_data_outside_the_checkout(tmp_path: Path) -> None:
    """What the Dockerfile's `pip install .` gets: a wheel that carries the knowledge base and the migrations."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("dxbot-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    migrations = {p.name for p in (ROOT / "storage" / "migrations" / "versions").glob("*.py")}
    assert {f"storage/migrations/versions/{m}" for m in migrations} <= names
    assert "storage/migrations/env.py" in names and "storage/migrations/script.py.mako" in names
    kb = {str(p.relative_to(ROOT)) for p in (ROOT / "knowledge" / "data").rglob("*.yaml")}
    assert kb and kb <= names


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(ROOT / "deploy" / "dxbot.service", encoding="utf-8")
    return parser


def test_systemd_unit_restarts_on_failure_and_keeps_secrets_in_an_environment_file() -> None:
    service = unit()["Service"]
    assert service["Restart"] == "on-failure"
    assert service["EnvironmentFile"] == "/etc/dxbot/dxbot.env"
    assert service["User"] == "dxbot"
    assert service["ExecStart"].split()[:2] == ["/opt/dxbot/bin/dxbot", "run"]
    assert "--host 127.0.0.1" in service["ExecStart"]
    assert "install -o dxbot -g dxbot -m 0400" in GUIDE, "the guide installs the file readable by the service user only"
    assert "SLACK_BOT_TOKEN" not in (ROOT / "deploy" / "dxbot.service").read_text(encoding="utf-8").split("EnvironmentFile")[1]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    # verify checks that ExecStart exists: point it at this checkout's dxbot, and instantiate the template.
    dxbot = Path(sys.executable).with_name("dxbot")
    body = (ROOT / "deploy" / "dxbot.service").read_text(encoding="utf-8").replace("/opt/dxbot/bin/dxbot", str(dxbot))
    template = tmp_path / "dxbot@.service"
    template.write_text(body, encoding="utf-8")
    done = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / "dxbot@1.service")], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr
    broken = tmp_path / "broken@.service"
    broken.write_text(body.replace("Restart=on-failure", "Restart=sometimes"), encoding="utf-8")
    done = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "broken@1.service")], capture_output=True, text=True, timeout=60)
    assert "sometimes" in done.stderr, "verify would have caught a mistake"


def test_the_example_environment_names_only_documented_settings() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for line in (ROOT / "deploy" / "dxbot.env.example").read_text(encoding="utf-8").splitlines():
        name = line.lstrip("# ").split("=", 1)[0]
        if "=" in line and name.isupper():
            assert f"`{name}`" in readme, f"{name} is not in the README's settings table"


# ------------------------------------------------------------------ backup and restore, as the guide says


@pytest.fixture
def databases() -> Iterator[tuple[str, str]]:
    if not PG_URL or shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("needs DXBOT_TEST_PG_URL and the PostgreSQL client tools")
    names = [f"dxbot_backup_{uuid.uuid4().hex[:8]}", f"dxbot_restored_{uuid.uuid4().hex[:8]}"]
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL)
    yield tuple(url.set(database=name).render_as_string(hide_password=False) for name in names)  # type: ignore[misc]
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def libpq(url: str) -> str:
    """The guide's rule: pg_dump takes the URL without SQLAlchemy's `+psycopg`."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def test_backup_with_pg_dump_and_restore_with_pg_restore(databases: tuple[str, str], tmp_path: Path, make_services, directory_file: Path) -> None:  # type: ignore[no-untyped-def]
    from storage.models import ProgressReport, QuestionLog

    source, restored = databases
    services = make_services(source, directory_path=directory_file)
    say(services, "ULEAD", "DX推進リーダーは何人？")
    say(services, "ULEAD", "報告 書かない窓口 実施中 60% 来庁者アンケート実施")

    def counts(svc) -> tuple[int, int]:  # type: ignore[no-untyped-def]
        with svc.sessions() as session:
            return tuple(int(session.scalar(select(func.count()).select_from(m)) or 0) for m in (QuestionLog, ProgressReport))  # type: ignore[return-value]

    before = counts(services)
    assert before == (1, 1)
    dump = tmp_path / "dxbot.dump"
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", libpq(source)], check=True, timeout=120)
    subprocess.run(["pg_restore", "--no-owner", f"--dbname={libpq(restored)}", str(dump)], check=True, timeout=120)
    again = make_services(restored, directory_path=directory_file)  # starts on the restored copy, nothing to migrate
    assert counts(again) == before
    history = render_text(say(again, "ULEAD", "履歴 書かない窓口"))
    assert "60%" in history and "来庁者アンケート実施" in history
