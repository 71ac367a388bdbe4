"""Slack over HTTP: the `POST /slack/events` route on the front (bot/web/server.py).

Events, slash commands and interactivity all arrive at one path; Bolt routes them. Every path and method
but `GET /healthz` needs Slack's signature: headers that cannot be a fresh Slack signature get 401 before
the body is read, and the signature itself is checked on the body before it is parsed. A signed request
that is not Slack-shaped gets 400, never a 500. Bolt's `dispatch` is synchronous: it runs in a bounded
pool of threads (`ACK_THREADS`), so the event loop keeps serving everyone else meanwhile. There it only
writes the request to the inbox and acknowledges it (bot/slack/intake.py); the work runs in the intake's
workers, which the front's drain waits for on SIGTERM.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web
from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.intake import ACCEPTING_THREADS
from bot.slack.intake import IntakeApp
from bot.slack.shutdown import drain_listeners
from bot.web.server import Front, FrontLimits, Mount, RunningFront, json_response, serve, start_in_thread

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
SIGNATURE_MAX_AGE = 60 * 5  # what Slack's SDK accepts
ACK_THREADS = ACCEPTING_THREADS  # requests being acknowledged at once; each holds a thread only until its ack

HealthCheck = Callable[[], bool]


class SlackRoute:
    def __init__(self, app: App, threads: int = ACK_THREADS) -> None:
        self.app = app
        # The app's own secret (Bolt has no public accessor): one source of truth for both checks.
        self.verifier = SignatureVerifier(app._signing_secret)
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="dxbot-ack")

    def mount(self, front: Front) -> None:
        front.mount(Mount("Slack", "POST", EVENTS_PATH, self.events, precheck=self.precheck))
        front.fallback = front.guarded(Mount("Slack", "*", "*", self.elsewhere, precheck=self.precheck))
        front.on_drain(self.drain)

    # ------------------------------------------------------------------ checks

    def precheck(self, request: web.Request) -> web.Response | None:
        """401 from the headers alone when they cannot carry a fresh Slack signature (no body read)."""
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) <= SIGNATURE_MAX_AGE
        if not (fresh and signature.startswith("v0=") and len(signature) == 67):
            return json_response(401, {"error": "invalid signature"}, close=True)
        return None

    def _signed(self, request: web.Request, body: bytes) -> bool:
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        try:
            return self.verifier.is_valid(body, timestamp, signature)
        except (ValueError, TypeError):
            return False

    # ------------------------------------------------------------------ handlers

    async def elsewhere(self, request: web.Request) -> web.Response:
        """Any other path (or GET on ours): 404 for Slack, 401 for anyone else."""
        if not self._signed(request, await request.read()):
            return json_response(401, {"error": "invalid signature"}, close=True)
        return json_response(404, {"error": "not found"})

    async def events(self, request: web.Request) -> web.Response:
        raw = await request.read()  # already read by the front, within its body deadline
        if not self._signed(request, raw):
            return json_response(401, {"error": "invalid signature"}, close=True)
        headers: dict[str, str | Sequence[str]] = {}
        for name in set(request.headers.keys()):
            headers[name.lower()] = request.headers.getall(name)
        try:
            bolt_request = BoltRequest(body=raw.decode("utf-8", errors="replace"), query=request.query_string,
                                       headers=headers)
        except Exception:  # signed, but not a payload Bolt can parse (`payload=` that is not JSON, a list)
            logger.debug("unparseable Slack payload", exc_info=True)
            return json_response(400, {"error": "malformed payload"})
        if not plausible_payload(bolt_request.body):
            return json_response(400, {"error": "malformed payload"})
        loop = asyncio.get_running_loop()
        response = await loop.run_in_executor(self.executor, self.app.dispatch, bolt_request)
        reply = web.Response(status=response.status, body=(response.body or "").encode("utf-8"))
        for name, values in response.headers.items():
            if name.lower() in ("content-length", "connection"):
                continue
            for value in values:
                reply.headers.add(name, value)
        return reply

    def drain(self, timeout: float) -> bool:
        """After the front stopped: the work that runs after each ack (the reply someone awaits); what is not
        finished in time stays in the inbox and is resumed at the next start."""
        self.executor.shutdown(wait=False)
        glue = self.app.slack_intake if isinstance(self.app, IntakeApp) else None
        if glue is not None:
            return glue.intake.drain(timeout)
        return drain_listeners(self.app, timeout)


# Parts of a payload that Bolt dereferences before any listener runs: wrongly shaped, Bolt itself fails.
_OBJECT_FIELDS = ("event", "view", "user", "team", "enterprise", "container", "channel", "message", "state")


def plausible_payload(body: object) -> bool:
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


def slack_front(app: App, health_check: HealthCheck | None = None, limits: FrontLimits | None = None) -> Front:
    front = Front(health_check, limits)
    SlackRoute(app).mount(front)
    start_intake(app)
    return front


def start_intake(app: App) -> None:
    """Resume what was accepted but not answered (a previous run's), now and on a timer."""
    glue = app.slack_intake if isinstance(app, IntakeApp) else None
    if glue is not None:
        glue.intake.start()


def start_http_in_thread(
    app: App, host: str = "127.0.0.1", port: int = 0, health_check: HealthCheck | None = None,
    limits: FrontLimits | None = None,
) -> RunningFront:
    """Serving in a background thread (tests); `.url`, `.stop()`."""
    return start_in_thread(slack_front(app, health_check, limits), host, port)


def serve_http(
    app: App, host: str, port: int, health_check: HealthCheck | None = None, limits: FrontLimits | None = None
) -> bool:
    """Serve until SIGTERM (graceful: in-flight work finishes) or Ctrl-C; True when the drain finished."""
    return serve(slack_front(app, health_check, limits), host, port)
