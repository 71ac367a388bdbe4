"""Only the Teams adapter (bot/teams/) imports the Agents SDK; knowledge/, storage/ and jobs/ import no chat
SDK at all, and the Slack and Teams adapters do not import each other."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_layering import ROOT, SLACK_PACKAGES, imported_modules, python_files

TEAMS_PACKAGES = ("microsoft_agents",)
CHAT_SDKS = SLACK_PACKAGES + TEAMS_PACKAGES


def imports_from(path: Path, packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in imported_modules(path) if m.split(".")[0] in packages)


@pytest.mark.parametrize("package", ("knowledge", "storage", "jobs"))
def test_core_packages_import_no_chat_sdk(package: str) -> None:
    offenders = {str(p.relative_to(ROOT)): imports_from(p, CHAT_SDKS) for p in python_files(package)}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_only_the_teams_adapter_imports_the_agents_sdk() -> None:
    outside = {
        str(p.relative_to(ROOT)): imports_from(p, TEAMS_PACKAGES)
        for p in python_files("bot")
        if p.relative_to(ROOT / "bot").parts[:1] != ("teams",)
    }
    assert {k: v for k, v in outside.items() if v} == {}
    assert any(imports_from(p, TEAMS_PACKAGES) for p in python_files("bot/teams"))  # the scan finds them


def test_the_adapters_do_not_import_each_other() -> None:
    teams_to_slack = {str(p): imports_from(p, ("bot",)) for p in python_files("bot/teams")}
    assert not [m for mods in teams_to_slack.values() for m in mods if m.startswith("bot.slack")]
    slack_to_teams = [m for p in python_files("bot/slack") for m in imported_modules(p) if m.startswith("bot.teams")]
    assert slack_to_teams == []
