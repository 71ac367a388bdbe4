"""Teams end-to-end fixtures: the real Agents SDK app served over HTTP on loopback, against a fake connector.

Activities are Teams-shaped JSON fixtures (payloads/teams/), posted to `/api/messages` with their
`serviceUrl` pointed at the fake connector, where the SDK delivers the replies.
"""

from __future__ import annotations

import copy
import itertools
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from storage.progress import StaffRole
from tests.e2e.fake_connector import ConnectorCall, FakeConnector

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "teams"
APP_ID = "11111111-2222-4333-8444-555555555555"
TENANT_ID = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
LEADER_AAD = "6f1c2a3b-0000-4000-8000-00000000aa01"  # 山田 花子, leader of 市民生活課 (the fixtures' sender)
ADMIN_AAD = "6f1c2a3b-0000-4000-8000-00000000ad01"  # 江津 太郎, 事務局
STAFF_AAD = "6f1c2a3b-0000-4000-8000-00000000ff01"  # asks questions, not registered
CHANNEL = "19:Gotsu-DX-Channel-fedcba9876543210@thread.tacv2"


def load_activity(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class HttpResult:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def post_json(url: str, payload: dict[str, Any], headers: dict[str, str] | None = None) -> HttpResult:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as reply:
            return HttpResult(reply.status, reply.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        return HttpResult(error.code, error.read().decode("utf-8"))


class TeamsSender:
    """Sends what Teams sends to /api/messages: activities from the fixtures, aimed at the fake connector."""

    _ids = itertools.count(1_733_100_000_000)

    def __init__(self, base_url: str, fake: FakeConnector) -> None:
        self.base_url = base_url
        self.fake = fake

    def activity(self, name: str, **changes: Any) -> dict[str, Any]:
        activity = copy.deepcopy(load_activity(name))
        activity["serviceUrl"] = self.fake.service_url
        if activity.get("type") in ("message", "invoke"):
            activity["id"] = str(next(self._ids))
            conversation = activity["conversation"]
            if conversation.get("conversationType") == "channel" and ";messageid=" in conversation["id"]:
                conversation["id"] = f"{CHANNEL};messageid={activity['id']}"
        for key, value in changes.items():
            activity[key] = value
        return activity

    def post(self, activity: dict[str, Any], headers: dict[str, str] | None = None) -> HttpResult:
        return post_json(self.base_url + "/api/messages", activity, headers)

    def say(self, text: str, *, user: str = LEADER_AAD, name: str = "message_personal") -> ConnectorCall:
        """A personal-chat message; returns the bot's reply as the connector received it."""
        activity = self.activity(name, text=text)
        activity["from"] = {**activity["from"], "aadObjectId": user}
        before = len(self.fake.calls)
        result = self.post(activity)
        assert result.status in (200, 202), result
        return self.fake.wait_for(1, where=lambda c: self.fake.calls.index(c) >= before)[0]

    def click(self, action: dict[str, Any], *, user: str = LEADER_AAD, inputs: dict[str, Any] | None = None) -> HttpResult:
        """Press an `Action.Execute` the bot rendered: the invoke Teams sends, with the card's inputs."""
        activity = self.activity("invoke_card_action")
        activity["from"] = {**activity["from"], "aadObjectId": user}
        activity["value"]["action"] = {
            "type": "Action.Execute",
            "id": "",
            "verb": action["verb"],
            "data": {**action.get("data", {}), **(inputs or {})},
        }
        return self.post(activity)


def card_texts(card: dict[str, Any]) -> list[str]:
    """Every TextBlock's text in a card, in order."""
    found: list[str] = []

    def walk(items: list[dict[str, Any]]) -> None:
        for item in items:
            if item.get("type") == "TextBlock":
                found.append(item["text"])
            for key in ("items", "body", "columns"):
                if isinstance(item.get(key), list):
                    walk(item[key])

    walk(card.get("body", []))
    return found


def card_actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    return list(card.get("actions") or [])


def invoke_card(result: HttpResult) -> dict[str, Any]:
    """The card an `adaptiveCard/action` invoke answered with (it replaces the clicked card)."""
    body = result.json()
    assert result.status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive", result
    return dict(body["value"])


@dataclass
class TeamsBot:
    fake: FakeConnector
    services: Any
    agent: Any
    server: Any
    teams: TeamsSender


@pytest.fixture
def fake_connector() -> Iterator[FakeConnector]:
    fake = FakeConnector().start()
    yield fake
    fake.stop()


@pytest.fixture
def start_teams_bot(bundled_kb, plan_engine, fake_connector: FakeConnector, clock):  # type: ignore[no-untyped-def]
    """Start a bot process (services + Teams agent + HTTP server on a free loopback port) on a database."""
    from bot.bootstrap import bootstrap
    from bot.directory import teams_staff_key
    from bot.settings import Settings
    from bot.teams.server import build_teams_agent, start_teams_in_thread, teams_front

    started: list[TeamsBot] = []

    def start(database_url: str, *, register_staff: bool = True, anonymous: bool = True, **settings: Any) -> TeamsBot:
        config = Settings(
            database_url=database_url,
            teams_app_id=APP_ID,
            teams_tenant_id=TENANT_ID,
            teams_allow_anonymous=anonymous,
            digest_channel=CHANNEL,
            **settings,
        )
        services = bootstrap(config, clock=clock, kb=bundled_kb, engine=plan_engine)
        if register_staff:
            staff = services.progress.staff
            staff.register(
                user_id=teams_staff_key(LEADER_AAD), teams_id=LEADER_AAD, name="山田 花子", department="市民生活課",
                role=StaffRole.LEADER, now=clock(),
            )
            staff.register(
                user_id=teams_staff_key(ADMIN_AAD), teams_id=ADMIN_AAD, name="江津 太郎", department="政策企画課",
                role=StaffRole.ADMIN, now=clock(),
            )
        agent = build_teams_agent(services)
        server = start_teams_in_thread(teams_front(agent))
        bot = TeamsBot(fake_connector, services, agent, server, TeamsSender(server.url, fake_connector))
        started.append(bot)
        return bot

    yield start
    for bot in started:
        bot.server.stop()
        bot.services.db.dispose()


@pytest.fixture
def teams_bot(start_teams_bot: Callable[..., TeamsBot], sqlite_url: str) -> TeamsBot:
    return start_teams_bot(sqlite_url)
