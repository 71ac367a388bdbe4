"""A fake Slack Web API on loopback that records every call.

It answers `ok: true` for the methods the bot uses (auth.test, chat.postMessage, chat.postEphemeral,
views.open / publish / update, apps.connections.open …) and takes posts to response_urls. Tests read
`calls` and wait for them with `wait_for`, which blocks on a condition variable instead of sleeping.
It also takes files_upload_v2 (files.getUploadURLExternal, the upload URL, files.completeUploadExternal)
and conversations.open; `fail_next` scripts rate limits (429 + Retry-After) and server errors.

Messages posted with chat.postMessage are kept as Slack keeps them, so conversations.history (a channel's
top-level messages) and conversations.replies (a thread's) return them, newest first / oldest first, with
`oldest` / `latest` / `inclusive`, `limit` and cursor paging. A message's `metadata` is stored and returned
only with `include_all_metadata`, as Slack does. Message timestamps follow the clock, as Slack's do (unique,
increasing), so a time window means what it means in Slack.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.loopback import Answer, LoopbackServer, Request

BOT_USER_ID = "U0DXBOT01"
BOT_ID = "B0DXBOT01"
TEAM_ID = "T0GOTSU01"
RESPONSE_URL_METHOD = "response_url"
_JSON_FIELDS = ("blocks", "attachments", "view", "metadata")


@dataclass(frozen=True)
class Call:
    method: str  # Web API method ("chat.postMessage"), or "response_url"
    params: dict[str, Any]
    path: str
    authorized: bool  # a bearer token was sent (its value is not kept)

    @property
    def blocks(self) -> list[dict[str, Any]]:
        if "view" in self.params:
            return list(self.params["view"].get("blocks", []))
        return list(self.params.get("blocks") or [])


@dataclass
class FakeSlack:
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # method -> Slack error code to answer with
    # method -> answers given (and recorded) before the normal one: (HTTP status, headers, body), see fail_next
    scripted: dict[str, list[tuple[int, dict[str, str], dict[str, Any]]]] = field(default_factory=dict)
    uploads: list[bytes] = field(default_factory=list)  # file bodies posted to upload URLs (files_upload_v2)
    socket_url: str = "ws://127.0.0.1:9/link"
    _condition: threading.Condition = field(default_factory=threading.Condition)
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))
    _last_ts: float = 0.0
    messages: list[dict[str, Any]] = field(default_factory=list)  # posted with chat.postMessage, as Slack keeps them
    _server: LoopbackServer | None = None

    # -------------------------------------------------------------- lifecycle

    def start(self) -> FakeSlack:
        self._server = LoopbackServer(self._respond, name="fake-slack").start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return self._server.base_url

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.base_url}/response/{name}"

    # -------------------------------------------------------------- reading what the bot did

    def calls_to(self, method: str) -> list[Call]:
        with self._condition:
            return [c for c in self.calls if c.method == method]

    def wait_for(
        self, method: str, count: int = 1, timeout: float = 5.0, where: Callable[[Call], bool] | None = None
    ) -> list[Call]:
        """Block until `count` calls to `method` (matching `where`) have been made; return them."""

        def matching() -> list[Call]:
            return [c for c in self.calls if c.method == method and (where is None or where(c))]

        with self._condition:
            if not self._condition.wait_for(lambda: len(matching()) >= count, timeout=timeout):
                seen = [c.method for c in self.calls]
                raise AssertionError(f"expected {count} call(s) to {method} within {timeout}s; got {seen}")
            return matching()

    def reset(self) -> None:
        with self._condition:
            self.calls.clear()

    def fail_next(
        self,
        method: str,
        times: int = 1,
        status: int = 429,
        retry_after: int | None = 1,
        error: str = "ratelimited",
    ) -> None:
        """Answer the next `times` calls to `method` with HTTP `status` (429 with Retry-After by default)."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        with self._condition:
            self.scripted.setdefault(method, []).extend(
                [(status, headers, {"ok": False, "error": error})] * times
            )

    def _scripted_answer(
        self, path: str, content_type: str, data: bytes
    ) -> tuple[int, dict[str, str], str] | None:
        parts = urlsplit(path)
        method = parts.path.removeprefix("/api/")
        with self._condition:
            queue = self.scripted.get(method)
            if not queue:
                return None
            status, headers, body = queue.pop(0)
        raw = data.decode("utf-8", errors="replace")
        self._record(Call(method, self._params(content_type, raw, parts.query), parts.path, authorized=True))
        return status, headers, json.dumps(body)

    def _upload(self, path: str, data: bytes) -> tuple[int, str]:
        with self._condition:
            self.uploads.append(data)
        self._record(Call("upload", {"size": len(data)}, path, authorized=False))
        return 200, "OK - " + str(len(data))

    # -------------------------------------------------------------- answering

    def _respond(self, request: Request) -> Answer:
        content_type = request.headers.get("Content-Type", "")
        if request.path.startswith("/upload/"):  # files_upload_v2 posts the bytes here
            status, text = self._upload(request.path, request.body)
            return Answer(status, text.encode("utf-8"))
        if (scripted := self._scripted_answer(request.path, content_type, request.body)) is not None:
            status, headers, text = scripted
            return Answer(status, text.encode("utf-8"), headers)
        # slack_sdk reads conversations.history/replies with GET: answered like a POST
        status, text = self._handle(request.path, content_type, request.body.decode("utf-8"), request.headers)
        return Answer(status, text.encode("utf-8"))

    def _handle(self, path: str, content_type: str, raw: str, headers: Any) -> tuple[int, str]:
        parts = urlsplit(path)
        if parts.path.startswith("/response/"):
            params = json.loads(raw) if raw else {}
            self._record(Call(RESPONSE_URL_METHOD, params, parts.path, authorized=False))
            return 200, "ok"
        if not parts.path.startswith("/api/"):
            return 404, json.dumps({"ok": False, "error": "unknown_path"})
        method = parts.path.removeprefix("/api/")
        params = self._params(content_type, raw, parts.query)
        authorized = (headers.get("Authorization") or "").startswith("Bearer ")
        self._record(Call(method, params, parts.path, authorized))
        if method in self.failures:
            return 200, json.dumps({"ok": False, "error": self.failures[method]})
        return 200, json.dumps(self._answer(method, params), ensure_ascii=False)

    @staticmethod
    def _params(content_type: str, raw: str, query: str) -> dict[str, Any]:
        params: dict[str, Any] = {k: v[0] for k, v in parse_qs(query).items()}
        if "json" in content_type:
            params.update(json.loads(raw) if raw else {})
        else:
            params.update({k: v[0] for k, v in parse_qs(raw).items()})
            for key in _JSON_FIELDS:
                if isinstance(params.get(key), str):
                    params[key] = json.loads(params[key])
        return params

    def _next_ts(self) -> str:
        """A message timestamp as Slack makes them: the posting time, unique and increasing."""
        with self._condition:
            self._last_ts = max(round(time.time(), 6), round(self._last_ts + 0.000001, 6))
            return f"{self._last_ts:.6f}"

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        ts = self._next_ts()
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://gotsu-city.slack.com/",
                "team": "江津市役所",
                "user": "dxbot",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        if method == "chat.postMessage":
            self._keep_message(params, ts)
            return {
                "ok": True,
                "channel": params.get("channel"),
                "ts": ts,
                "message": {"text": params.get("text"), "ts": ts},
            }
        if method in ("conversations.history", "conversations.replies"):
            return self._read_conversation(method, params)
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method.startswith("views."):
            view = dict(params.get("view") or {})
            view.setdefault("id", f"V{next(self._ts):08d}")
            return {"ok": True, "view": view}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts):08d}"
            return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = params.get("files")
            files = json.loads(files) if isinstance(files, str) else (files or [])
            return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title")} for f in files]}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(params.get("users", "")).split(",")[0]}}
        return {"ok": True}

    def _keep_message(self, params: dict[str, Any], ts: str) -> None:
        message: dict[str, Any] = {
            "type": "message",
            "channel": params.get("channel"),
            "ts": ts,
            "text": params.get("text") or "",
            "bot_id": BOT_ID,
            "user": BOT_USER_ID,
        }
        if params.get("thread_ts"):
            message["thread_ts"] = str(params["thread_ts"])
        if params.get("blocks"):
            message["blocks"] = params["blocks"]
        metadata = params.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        if isinstance(metadata, dict) and metadata.get("event_type"):
            message["metadata"] = {"event_type": metadata["event_type"], "event_payload": metadata.get("event_payload") or {}}
        with self._condition:
            self.messages.append(message)

    def _read_conversation(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """conversations.history: the channel's top-level messages, newest first; conversations.replies: the
        thread of `ts`, oldest first. Only the bot's own posts are known here (users' messages are not)."""
        channel = params.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        inclusive = _truthy(params.get("inclusive"))
        oldest = float(params.get("oldest") or 0)
        latest = float(params.get("latest") or time.time() + 1)
        with self._condition:
            kept = [dict(m) for m in self.messages if m["channel"] == channel]
        if method == "conversations.replies":
            if not params.get("ts"):
                return {"ok": False, "error": "invalid_arguments"}
            thread = str(params["ts"])
            kept = sorted((m for m in kept if m.get("thread_ts") == thread or m["ts"] == thread), key=lambda m: m["ts"])
        else:
            kept = sorted((m for m in kept if m.get("thread_ts") in (None, m["ts"])), key=lambda m: m["ts"], reverse=True)

        def within(message: dict[str, Any]) -> bool:
            ts = float(message["ts"])
            return (oldest <= ts <= latest) if inclusive else (oldest < ts < latest)

        kept = [m for m in kept if within(m)]
        if not _truthy(params.get("include_all_metadata")):
            for message in kept:
                message.pop("metadata", None)
        limit = max(1, min(int(params.get("limit") or 100), 1000))
        start = int(params.get("cursor") or 0)
        page = kept[start : start + limit]
        more = start + limit < len(kept)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _record(self, call: Call) -> None:
        with self._condition:
            self.calls.append(call)
            self._condition.notify_all()


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("1", "true")
