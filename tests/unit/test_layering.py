"""The core does not know Slack: knowledge/, storage/ and jobs/ never import slack_bolt or slack_sdk.

In bot/, only the Slack adapter (bot/slack/) may import them; the CLI reaches Slack through bot.slack.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SLACK_PACKAGES = ("slack_bolt", "slack_sdk", "slack")
CORE = ("knowledge", "storage", "jobs", "curation")


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, at any depth (function-level imports included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__" and node.args:
            if isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                found.add(node.args[0].value)
    return found


def imports_slack(path: Path) -> list[str]:
    return sorted(m for m in imported_modules(path) if m.split(".")[0] in SLACK_PACKAGES)


def python_files(*packages: str) -> list[Path]:
    return sorted(p for package in packages for p in (ROOT / package).rglob("*.py"))


def test_the_scanner_sees_imports_of_every_form(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\nimport slack_sdk.web as web\n"
        "def f():\n    from slack_bolt.adapter.socket_mode import SocketModeHandler\n"
        "    return __import__('slack')\n",
        encoding="utf-8",
    )
    assert imports_slack(sample) == ["slack", "slack_bolt.adapter.socket_mode", "slack_sdk.web"]


@pytest.mark.parametrize("package", CORE)
def test_core_packages_never_import_slack(package: str) -> None:
    files = python_files(package)
    assert files or package == "jobs", f"no Python files found under {package}/"
    offenders = {str(p.relative_to(ROOT)): imports_slack(p) for p in files if imports_slack(p)}
    assert offenders == {}


def test_only_the_slack_adapter_imports_slack_in_bot() -> None:
    offenders = {
        str(p.relative_to(ROOT)): imports_slack(p)
        for p in python_files("bot")
        if imports_slack(p) and "slack" not in p.relative_to(ROOT / "bot").parts[:1]
    }
    assert offenders == {}
    adapter = python_files("bot/slack")
    assert any(imports_slack(p) for p in adapter)  # the scan does find the adapter's own imports


# ---------------------------------------------------------------- bot/: one composition root, no import cycle


def bot_module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def bot_import_graph() -> dict[str, set[str]]:
    """Which bot modules each bot module imports (at any depth, TYPE_CHECKING imports included)."""
    modules = {bot_module(p): p for p in python_files("bot")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges = set()
        for imported in imported_modules(path):
            # `from bot.handlers import faq` names the module bot.handlers.faq, not only the package.
            candidates = [imported, *(f"{imported}.{n}" for n in _imported_names(path, imported))]
            edges |= {c for c in candidates if c in modules and c != name}
        graph[name] = edges
    return graph


def _imported_names(path: Path, module: str) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == module and node.level == 0
        for alias in node.names
    ]


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path (first module repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_between_bot_modules() -> None:
    graph = bot_import_graph()
    assert "bot.bootstrap" in graph and "bot.handlers.progress" in graph["bot.bootstrap"]  # the scan sees edges
    assert find_cycle(graph) is None


def test_handlers_and_services_never_import_the_composition_root() -> None:
    graph = bot_import_graph()
    importers = sorted(m for m, edges in graph.items() if "bot.bootstrap" in edges)
    # Only what is built *from* the root may name it: the CLI, the adapters and the scheduler wiring.
    allowed = ("bot.cli", "bot.console", "bot.scheduling", "bot.slack.", "bot.teams.")
    assert [m for m in importers if not m.startswith(allowed)] == []


# ---------------------------------------------------------------- the core, through everything it imports

PROJECT_PACKAGES = ("bot", "knowledge", "storage", "jobs", "curation")
CHAT_SDKS = (*SLACK_PACKAGES, "microsoft_agents")
# What the core may use of bot/: the neutral reply model, which SPEC's layout places in bot/ and which
# imports nothing of ours (tests/unit/test_layering_jobs.py).
CORE_MAY_USE_OF_BOT = {"bot.replies"}


def module_path(module: str) -> Path | None:
    """The file of one of our modules (`jobs.digest`, `knowledge`), or None for anything else."""
    if module.split(".")[0] not in PROJECT_PACKAGES:
        return None
    base = ROOT.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def reached_from(package: str) -> tuple[set[str], set[str]]:
    """Our modules that the package's files import, directly or through each other, and the other modules those
    import (third-party and standard library)."""
    ours: set[str] = set()
    others: set[str] = set()
    todo = [(bot_module(p), p) for p in python_files(package)]
    while todo:
        name, path = todo.pop()
        if name in ours:
            continue
        ours.add(name)
        for imported, candidates in _import_candidates(path).items():
            found = [(c, p) for c in candidates if (p := module_path(c)) is not None]
            if not found:
                others.add(imported)
            todo += [(c, p) for c, p in found if c not in ours]
    return ours, others


def _import_candidates(path: Path) -> dict[str, list[str]]:
    """Each module `path` imports, with the submodules its `from … import` may name (`from bot import replies`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: dict[str, list[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.setdefault(node.module, []).extend(f"{node.module}.{alias.name}" for alias in node.names)
    return {m: [m, *names.get(m, [])] for m in imported_modules(path)}


def test_the_closure_follows_imports_through_our_modules() -> None:
    ours, others = reached_from("jobs")
    assert {"jobs.schedule", "jobs.digest", "storage.progress", "bot.replies"} <= ours
    assert any(m.startswith("apscheduler") for m in others)  # and sees what is not ours


@pytest.mark.parametrize("package", ("knowledge", "storage", "jobs", "curation"))
def test_core_packages_reach_no_adapter_and_no_chat_sdk_even_indirectly(package: str) -> None:
    ours, others = reached_from(package)
    assert sorted(m for m in ours if m.split(".")[0] == "bot" and m not in CORE_MAY_USE_OF_BOT) == []
    assert sorted(m for m in others if m.split(".")[0] in CHAT_SDKS) == []
