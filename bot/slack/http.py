"""`dxbot serve`: Slack over HTTP with the standard library's ThreadingHTTPServer.

`POST /slack/events` takes events, slash commands and interactivity alike; Bolt verifies the signature
(unsigned, wrongly signed or stale: 401) and routes. `GET /healthz` says whether the bot and its database
are up. One thread per request, so a slow listener never holds up another request's ack. A web framework
would add nothing here that these ~100 lines do not.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from slack_bolt import App
from slack_bolt.request import BoltRequest

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY_BYTES = 1 << 20  # Slack payloads are a few KB; a modal's state stays well under this

HealthCheck = Callable[[], bool]


class SlackHttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: App, health_check: HealthCheck | None = None) -> None:
        super().__init__(address, _SlackRequestHandler)
        self.app = app
        self.health_check: HealthCheck = health_check or (lambda: True)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class _SlackRequestHandler(BaseHTTPRequestHandler):
    server: SlackHttpServer
    protocol_version = "HTTP/1.1"
    server_version = "dxbot"
    sys_version = ""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if urlsplit(self.path).path != HEALTH_PATH:
            self._send(404, {"error": "not found"})
            return
        healthy = self.server.health_check()
        self._send(200 if healthy else 503, {"status": "ok" if healthy else "database unavailable"})

    def do_POST(self) -> None:  # noqa: N802
        target = urlsplit(self.path)
        if target.path != EVENTS_PATH:
            self._send(404, {"error": "not found"})
            return
        length_header = self.headers.get("Content-Length")
        if length_header is None or not length_header.isdigit():
            self._send(411, {"error": "length required"})
            return
        length = int(length_header)
        if length > MAX_BODY_BYTES:
            self._send(413, {"error": "payload too large"})
            self.close_connection = True
            return
        body = self.rfile.read(length).decode("utf-8", errors="replace")
        headers: dict[str, list[str]] = {}
        for name, value in self.headers.items():
            headers.setdefault(name.lower(), []).append(value)
        try:
            response = self.server.app.dispatch(BoltRequest(body=body, query=target.query, headers=headers))
        except Exception:  # Bolt handles listener errors itself; this is a last resort for the connection
            logger.exception("Slack request dispatch failed")
            self._send(500, {"error": "internal error"})
            return
        payload = (response.body or "").encode("utf-8")
        self.send_response(response.status)
        for name, values in response.headers.items():
            if name.lower() in ("content-length", "connection"):
                continue
            for value in values:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _send(self, status: int, body: dict[str, str]) -> None:
        payload = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's signature
        # Request lines carry no secrets (Slack signs in headers, which are not logged).
        logger.debug("%s %s", self.address_string(), format % args)


def make_http_server(app: App, host: str, port: int, health_check: HealthCheck | None = None) -> SlackHttpServer:
    """Bound and listening (port 0 picks a free one); call `serve_forever()` to start."""
    return SlackHttpServer((host, port), app, health_check)


def start_in_thread(server: SlackHttpServer) -> threading.Thread:
    # A short poll interval makes shutdown() prompt; the server itself does not poll for requests.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="dxbot-http", daemon=True)
    thread.start()
    return thread


def serve_http(app: App, host: str, port: int, health_check: HealthCheck | None = None) -> None:
    """Serve until interrupted (Ctrl-C / SIGTERM via KeyboardInterrupt in the CLI)."""
    server = make_http_server(app, host, port, health_check)
    logger.info("serving Slack on http://%s:%d%s (health: %s)", host, server.server_address[1], EVENTS_PATH, HEALTH_PATH)
    try:
        server.serve_forever()
    finally:
        server.server_close()
