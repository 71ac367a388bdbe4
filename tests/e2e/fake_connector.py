"""A fake Bot Connector (the Teams side of the Bot Framework) on loopback that records every call.

The SDK posts replies to the activity's `serviceUrl`: `POST /v3/conversations/{id}/activities/{replyToId}`
for a reply, `POST /v3/conversations/{id}/activities` for a new post (proactive). Each gets a fresh message
id back, as Teams answers. `fail_next` scripts errors (429 with Retry-After, 412, 502 …) for the next
posts; tests read `calls` and wait for them with `wait_for`, which blocks on a condition variable.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from tests.loopback import Answer, LoopbackServer, Request


@dataclass(frozen=True)
class ConnectorCall:
    method: str
    conversation_id: str
    reply_to: str | None  # the activity replied to, or None for a new post
    body: dict[str, Any]
    authorization: str | None
    status: int  # what the fake answered
    at: float  # time.monotonic() when it arrived

    @property
    def text(self) -> str:
        return str(self.body.get("text") or "")

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a["content"]
            for a in self.body.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]

    @property
    def images(self) -> list[dict[str, Any]]:
        return [a for a in self.body.get("attachments") or [] if str(a.get("contentType", "")).startswith("image/")]


@dataclass
class FakeConnector:
    calls: list[ConnectorCall] = field(default_factory=list)
    scripted: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (status, headers) to answer next
    _condition: threading.Condition = field(default_factory=threading.Condition)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1_700_000_000_001))
    _server: LoopbackServer | None = None
    # Teams id (29:…) → the member's account, as `GET /v3/conversations/{id}/members/{memberId}` returns it
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    member_lookups: list[tuple[str, str]] = field(default_factory=list)

    def start(self) -> FakeConnector:
        self._server = LoopbackServer(self._respond, name="fake-connector").start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    @property
    def service_url(self) -> str:
        assert self._server is not None
        return f"{self._server.base_url}/"

    def fail_next(self, status: int, *, retry_after: float | None = None, times: int = 1) -> None:
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        with self._condition:
            self.scripted += [(status, headers)] * times

    # -------------------------------------------------------------- handling

    def _respond(self, request: Request) -> Answer:
        if request.method == "GET":
            status, answer = self._member(request.path)
            return Answer(status, json.dumps(answer).encode())
        status, headers, answer = self._handle(request.path, request.body, request.headers.get("Authorization"))
        return Answer(status, json.dumps(answer).encode(), headers)

    def _member(self, path: str) -> tuple[int, dict[str, Any]]:
        parts = [unquote(p) for p in urlsplit(path).path.strip("/").split("/")]
        # v3 / conversations / {id} / members / {memberId}
        if len(parts) != 5 or parts[:2] != ["v3", "conversations"] or parts[3] != "members":
            return 404, {"error": {"code": "NotFound", "message": path}}
        with self._condition:
            self.member_lookups.append((parts[2], parts[4]))
        member = self.members.get(parts[4])
        if member is None:
            return 404, {"error": {"code": "MemberNotFoundInConversation", "message": "not a member"}}
        return 200, member

    def _handle(self, path: str, raw: bytes, authorization: str | None) -> tuple[int, dict[str, str], dict[str, Any]]:
        parts = [unquote(p) for p in urlsplit(path).path.strip("/").split("/")]
        # v3 / conversations / {id} / activities [/ {replyToId}]
        if len(parts) < 4 or parts[:2] != ["v3", "conversations"] or parts[3] != "activities":
            return 404, {}, {"error": {"code": "NotFound", "message": path}}
        body = json.loads(raw.decode("utf-8")) if raw else {}
        with self._condition:
            status, headers = self.scripted.pop(0) if self.scripted else (201, {})
            call = ConnectorCall(
                method="reply" if len(parts) > 4 else "send",
                conversation_id=parts[2],
                reply_to=parts[4] if len(parts) > 4 else None,
                body=body,
                authorization=authorization,
                status=status,
                at=time.monotonic(),
            )
            self.calls.append(call)
            self._condition.notify_all()
            answer = {"id": str(next(self._ids))} if status < 300 else {"error": {"code": str(status), "message": "scripted"}}
        return status, headers, answer

    # -------------------------------------------------------------- reading

    def delivered(self) -> list[ConnectorCall]:
        """Calls the fake accepted (what a user would see), in order."""
        with self._condition:
            return [c for c in self.calls if c.status < 300 and c.body.get("type") == "message"]

    def wait_for(
        self, count: int = 1, where: Callable[[ConnectorCall], bool] | None = None, timeout: float = 10.0
    ) -> list[ConnectorCall]:
        deadline = time.monotonic() + timeout
        with self._condition:
            while True:
                found = [c for c in self.calls if c.status < 300 and (where is None or where(c))]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} connector call(s), got {len(found)}: {self.calls!r}")
                self._condition.wait(left)
