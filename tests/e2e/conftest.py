"""End-to-end fixtures: the real Bolt app served over HTTP on loopback, against the fake Slack Web API.

Requests are signed exactly as Slack signs them (v0 HMAC-SHA256 of "v0:{timestamp}:{body}").
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from storage.progress import StaffRole
from tests.e2e.fake_slack import FakeSlack

PAYLOADS = Path(__file__).parent / "payloads"
SIGNING_SECRET = "e2e-test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-e2e-test-token"
LEADER = "U0LEADER1"  # 山田 花子, leader of 市民生活課
ADMIN = "U0ADMIN01"  # 事務局
STAFF = "U0STAFF01"  # asks questions, not registered


def load_payload(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))


def sign(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Response:
    status: int
    body: str
    elapsed: float

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class SlackSender:
    """Sends what Slack sends to /slack/events: slash commands, interactions, events, signed."""

    def __init__(self, base_url: str, fake: FakeSlack) -> None:
        self.base_url = base_url
        self.fake = fake
        self._triggers: set[str] = set()

    def _fresh_trigger(self, payload: dict[str, Any]) -> None:
        """Slack gives every command and interaction a new trigger_id, and the bot takes a repeated one for a
        redelivery (its inbox key): a payload sent again from a fixture gets a new one, as from Slack."""
        trigger = payload.get("trigger_id")
        if trigger in self._triggers:
            payload["trigger_id"] = f"{trigger}.{time.time_ns()}"
        self._triggers.add(payload.get("trigger_id"))

    def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        signed: bool = True,
        headers: dict[str, str] | None = None,
        path: str = "/slack/events",
    ) -> Response:
        ts = int(time.time()) if timestamp is None else timestamp
        request_headers = {"Content-Type": content_type, **(headers or {})}
        if signed:
            request_headers["X-Slack-Request-Timestamp"] = str(ts)
            request_headers["X-Slack-Signature"] = signature or sign(body, ts)
        request = urllib.request.Request(
            self.base_url + path, data=body.encode("utf-8"), headers=request_headers, method="POST"
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return Response(reply.status, reply.read().decode("utf-8"), time.perf_counter() - started)
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read().decode("utf-8"), time.perf_counter() - started)

    def get(self, path: str) -> Response:
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(self.base_url + path, timeout=10) as reply:
                return Response(reply.status, reply.read().decode("utf-8"), time.perf_counter() - started)
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read().decode("utf-8"), time.perf_counter() - started)

    def command(self, text: str, user_id: str = LEADER, response_url: str = "cmd", **fields: str) -> Response:
        """`/dx <text>` as Slack posts it (form-encoded), its response_url pointing at the fake."""
        payload = load_payload("slash_command")
        payload.update(
            text=text, user_id=user_id, response_url=self.fake.response_url(response_url), **fields
        )
        self._fresh_trigger(payload)
        return self.post(urlencode(payload), "application/x-www-form-urlencoded")

    def interact(self, payload: dict[str, Any]) -> Response:
        """An interaction (block_actions, view_submission): form-encoded `payload=<json>`."""
        self._fresh_trigger(payload)
        return self.post(
            urlencode({"payload": json.dumps(payload, ensure_ascii=False)}),
            "application/x-www-form-urlencoded",
        )

    def event(self, payload: dict[str, Any], retry_num: int | None = None) -> Response:
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(json.dumps(payload, ensure_ascii=False), "application/json", headers=headers)

    def click(
        self,
        element: dict[str, Any],
        *,
        template: str = "block_actions_ephemeral",
        user_id: str = LEADER,
        response_url: str = "click",
    ) -> Response:
        """Click a button the bot rendered (its action_id and value, as Slack would send them back)."""
        payload = load_payload(template)
        payload["user"]["id"] = user_id
        if "response_url" in payload:
            payload["response_url"] = self.fake.response_url(response_url)
        payload["actions"] = [
            {
                "action_id": element["action_id"],
                "block_id": element.get("block_id", "b"),
                "text": element["text"],
                "value": element.get("value", ""),
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ]
        return self.interact(payload)


@dataclass
class SlackBot:
    fake: FakeSlack
    services: Any
    app: Any
    server: Any
    slack: SlackSender


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every button in `blocks`, with the block_id it sits in."""
    found = []
    for block in blocks:
        elements = block.get("elements", []) if block.get("type") == "actions" else []
        for element in elements:
            if element.get("type") == "button":
                found.append({**element, "block_id": block.get("block_id", "b")})
        accessory = block.get("accessory")
        if accessory and accessory.get("type") == "button":
            found.append({**accessory, "block_id": block.get("block_id", "b")})
    return found


def block_text(blocks: list[dict[str, Any]]) -> str:
    """All visible text of sections and contexts, as rendered (still escaped)."""
    parts: list[str] = []
    for block in blocks:
        if block.get("type") in ("section", "header") and block.get("text"):
            parts.append(block["text"]["text"])
        if block.get("type") == "context":
            parts += [e.get("text", "") for e in block.get("elements", [])]
    return "\n".join(parts)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def start_bot(bundled_kb, plan_engine, fake_slack: FakeSlack, clock):  # type: ignore[no-untyped-def]
    """Start a bot process (services + Bolt app + HTTP server on a free loopback port) on a database.

    The FAQ engine is shared between bots (it is read-only and slow to build); everything else is new.
    """
    from bot.bootstrap import bootstrap
    from bot.settings import Settings
    from bot.slack.app import build_slack_app
    from bot.slack.http import start_http_in_thread

    started: list[SlackBot] = []

    def start(database_url: str, register_staff: bool = True) -> SlackBot:
        settings = Settings(
            database_url=database_url,
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=fake_slack.api_url,
        )
        services = bootstrap(settings, clock=clock, kb=bundled_kb, engine=plan_engine)
        if register_staff:
            staff = services.progress.staff
            staff.register(
                user_id=LEADER, name="山田 花子", department="市民生活課", role=StaffRole.LEADER, now=clock()
            )
            staff.register(
                user_id=ADMIN, name="江津 太郎", department="政策企画課", role=StaffRole.ADMIN, now=clock()
            )
        app = build_slack_app(services)
        server = start_http_in_thread(app)
        bot = SlackBot(fake_slack, services, app, server, SlackSender(server.url, fake_slack))
        started.append(bot)
        return bot

    yield start
    for bot in started:
        bot.server.stop()
        bot.services.db.dispose()


@pytest.fixture
def bot(start_bot: Callable[..., SlackBot], sqlite_url: str) -> SlackBot:
    return start_bot(sqlite_url)


@pytest.fixture
def payload() -> Callable[[str], dict[str, Any]]:
    return lambda name: copy.deepcopy(load_payload(name))
