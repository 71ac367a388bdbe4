"""`dxbot serve`: Slack over HTTP with the standard library's ThreadingHTTPServer.

`POST /slack/events` takes events, slash commands and interactivity alike; Bolt routes them.
`GET /healthz` says whether the bot and its database are up, and is the only path served without a valid
Slack signature: every other request (any path, any method) is checked before its body is parsed
(unsigned, wrongly signed or stale: 401). One thread per request, so a slow listener never holds up
another request's ack. A web framework would add nothing here that these lines do not.

SIGTERM (`serve_http`): stop accepting, let in-flight requests and the work after their acks finish,
then return, so the CLI shuts the scheduler down, closes the database and exits 0.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.slack.shutdown import DRAIN_SECONDS, drain_listeners, on_sigterm

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY_BYTES = 1 << 20  # Slack payloads are a few KB; a modal's state stays well under this
IDLE_TIMEOUT_SECONDS = 30  # a connection that sends nothing for this long is closed (slow-loris)

HealthCheck = Callable[[], bool]


class SlackHttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog is 5: with 20 people asking at once, SYNs were dropped and retried
    # by the client a second later (p99 ≈ 1.1 s in benchmarks/load_serve.py, and a few resets).
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: App, health_check: HealthCheck | None = None) -> None:
        super().__init__(address, _SlackRequestHandler)
        self.app = app
        self.health_check: HealthCheck = health_check or (lambda: True)
        # The app's own secret (Bolt has no public accessor): one source of truth for both checks.
        self.verifier = SignatureVerifier(app._signing_secret)
        self._in_flight = 0
        self._idle = threading.Condition()

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up mid-request is routine; anything else is logged (not printed to stderr)."""
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            logger.debug("client %s went away", client_address)
            return
        logger.exception("HTTP request from %s failed", client_address)

    def request_started(self) -> None:
        with self._idle:
            self._in_flight += 1

    def request_finished(self) -> None:
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Block until no request is being handled (idle keep-alive connections do not count)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class _SlackRequestHandler(BaseHTTPRequestHandler):
    server: SlackHttpServer
    protocol_version = "HTTP/1.1"
    server_version = "dxbot"
    sys_version = ""
    timeout = IDLE_TIMEOUT_SECONDS
    _counted = False

    def handle_one_request(self) -> None:
        self._counted = False
        try:
            super().handle_one_request()
        finally:
            if self._counted:
                self.server.request_finished()

    def parse_request(self) -> bool:
        # Called once a request line has arrived: from here until the response is written it is in flight.
        self.server.request_started()
        self._counted = True
        return super().parse_request()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # http.server answers an unknown method with 501; it is the client's mistake, not ours.
        if code == 501:
            code, message = 405, "method not allowed"
        super().send_error(code, message, explain)

    def _signed(self, body: bytes) -> bool:
        """True when the request carries a valid, fresh Slack signature for `body`."""
        timestamp = self.headers.get("X-Slack-Request-Timestamp") or ""
        signature = self.headers.get("X-Slack-Signature") or ""
        try:
            return self.server.verifier.is_valid(body, timestamp, signature)
        except (ValueError, TypeError):  # a timestamp that is not a number
            return False

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if urlsplit(self.path).path != HEALTH_PATH:
            if self._signed(b""):
                self._send(404, {"error": "not found"})
            else:
                self._send(401, {"error": "invalid signature"})
            return
        healthy = self.server.health_check()
        self._send(200 if healthy else 503, {"status": "ok" if healthy else "database unavailable"})

    def do_POST(self) -> None:  # noqa: N802
        target = urlsplit(self.path)
        length_header = self.headers.get("Content-Length")
        if length_header is None or not length_header.isdigit():
            self._send(411, {"error": "length required"})
            return
        length = int(length_header)
        if length > MAX_BODY_BYTES:
            self._send(413, {"error": "payload too large"})
            self.close_connection = True
            return
        raw = self.rfile.read(length)
        if not self._signed(raw):
            self._send(401, {"error": "invalid signature"})
            return
        if target.path != EVENTS_PATH:
            self._send(404, {"error": "not found"})
            return
        body = raw.decode("utf-8", errors="replace")
        headers: dict[str, str | Sequence[str]] = {}
        for name in set(self.headers.keys()):
            headers[name.lower()] = self.headers.get_all(name) or []
        try:
            request = BoltRequest(body=body, query=target.query, headers=headers)
        except Exception:  # signed, but not a payload Bolt can parse (`payload=` that is not JSON, a JSON list)
            logger.debug("unparseable Slack payload", exc_info=True)
            self._send(400, {"error": "malformed payload"})
            return
        if not _plausible_payload(request.body):
            self._send(400, {"error": "malformed payload"})
            return
        try:
            response = self.server.app.dispatch(request)
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


# Parts of a payload that Bolt dereferences before any listener runs: wrongly shaped, Bolt itself fails.
_OBJECT_FIELDS = ("event", "view", "user", "team", "enterprise", "container", "channel", "message", "state")


def _plausible_payload(body: object) -> bool:
    """Slack's shape at the top level (signed requests only: Slack does not send anything else)."""
    if not isinstance(body, dict):
        return False
    for key in _OBJECT_FIELDS:
        if key not in body:
            continue
        value = body[key]
        # Slack sends `"enterprise": null` and the like; a null event is never sent (and trips Bolt).
        if not (isinstance(value, dict) or (value is None and key != "event")):
            return False
    if "actions" in body:
        actions = body["actions"]
        return isinstance(actions, list) and all(isinstance(a, dict) for a in actions)
    return True


def make_http_server(
    app: App, host: str, port: int, health_check: HealthCheck | None = None
) -> SlackHttpServer:
    """Bound and listening (port 0 picks a free one); call `serve_forever()` to start."""
    return SlackHttpServer((host, port), app, health_check)


def start_in_thread(server: SlackHttpServer) -> threading.Thread:
    # A short poll interval makes shutdown() prompt; the server itself does not poll for requests.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="dxbot-http", daemon=True)
    thread.start()
    return thread


def drain(server: SlackHttpServer, app: App, timeout: float = DRAIN_SECONDS) -> bool:
    """After `serve_forever` returned: close the socket, then wait for in-flight requests and the listener
    work Bolt runs after each ack (the reply a user is waiting for). True when everything finished in time."""
    deadline = time.monotonic() + timeout
    server.server_close()  # new connections are refused from here on
    requests_done = server.wait_idle(timeout)
    listeners_done = drain_listeners(app, deadline - time.monotonic())
    if not (requests_done and listeners_done):
        logger.warning("shutdown: gave up waiting after %.0fs; unfinished work is dropped", timeout)
    return requests_done and listeners_done


def serve_http(app: App, host: str, port: int, health_check: HealthCheck | None = None) -> None:
    """Serve until SIGTERM (graceful: in-flight work finishes) or Ctrl-C (KeyboardInterrupt in the CLI)."""
    server = make_http_server(app, host, port, health_check)
    # shutdown() waits for serve_forever, which runs in this very thread: call it from another.
    restore = on_sigterm(lambda: threading.Thread(target=server.shutdown, name="dxbot-shutdown", daemon=True).start())
    logger.info(
        "serving Slack on http://%s:%d%s (health: %s)",
        host,
        server.server_address[1],
        EVENTS_PATH,
        HEALTH_PATH,
    )
    try:
        server.serve_forever()
    finally:
        restore()
        if drain(server, app):
            logger.info("shutdown: in-flight requests finished")
