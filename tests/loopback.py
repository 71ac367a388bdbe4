"""A JSON web API on loopback, served from a thread: the HTTP part of the platforms' fakes (tests/e2e/fake_slack.py,
tests/e2e/fake_connector.py, the JWKS endpoint of tests/e2e/teams/test_teams_auth.py).

A fake gives `answer(request) -> Answer`; the server reads the body, calls it, and writes the answer with its
length, as a web API does. The fakes keep only what their platform does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: Message
    body: bytes


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)  # besides Content-Type and Content-Length


class LoopbackServer:
    """`ThreadingHTTPServer` on 127.0.0.1 and a free port, answering GET and POST with `answer`."""

    def __init__(self, answer: Callable[[Request], Answer], *, name: str = "loopback") -> None:
        self._answer = answer
        self._name = name
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> LoopbackServer:
        answer = self._answer

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                self._respond()

            def do_POST(self) -> None:  # noqa: N802
                self._respond()

            def _respond(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                found = answer(Request(self.command, self.path, self.headers, body))
                try:
                    self.send_response(found.status)
                    for name, value in found.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(found.body)))
                    self.end_headers()
                    self.wfile.write(found.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the caller is gone (a bot killed mid-call): the call was recorded, as the platform would act on it

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, args=(0.05,), name=self._name, daemon=True).start()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>`, without a trailing slash."""
        assert self._server is not None, "not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"
