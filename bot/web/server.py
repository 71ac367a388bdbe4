"""The HTTP front: one aiohttp server hosting every platform's route and `GET /healthz`.

Why aiohttp. The Microsoft 365 Agents SDK hosts Teams' `POST /api/messages` on aiohttp, so one aiohttp
application serves Slack and Teams on one port. Measured on loopback with benchmarks/intake_faults.py
(300 connections each sending a request line, then one header byte a second):

- the standard library's ThreadingHTTPServer (before): 0 of 300 dropped after 45 s, one thread each;
- waitress 3.0.2 (defaults): 0 of 300 dropped after 30 s (`channel_timeout` is reset by every byte
  read), and `/healthz` timed out, because `connection_limit` (100) stops accepting altogether;
- aiohttp 3.14 with `keepalive_timeout=10`: all 300 dropped at 10.0 s, `/healthz` under 35 ms. Its
  keep-alive timer is armed when a connection opens and again after each response, and it is not
  reset by incoming bytes (aiohttp/web_protocol.py `connection_made`, `_process_keepalive`), so it is
  a per-request deadline for the request line and headers. (uvicorn, by contrast, resets its timer on
  every byte: `_unset_keepalive_if_required` in `data_received`.)

What aiohttp does not do is added here, small and explicit: a deadline for the body (per request,
counted from the end of the headers, not per read), a limit on open connections (`_LimitedSite`:
over it, a connection gets 503 and is closed at once, so descriptors never run out), a route-level
`precheck` that answers from the headers alone (Slack: 401 before an unsigned body is read), 413 before
reading a body declared too large (chunked bodies are cut at the limit), and a graceful drain on
SIGTERM (stop accepting; let requests in flight, and then the work after their acks, finish).

HTTP/1.1 itself (chunked bodies, keep-alive, pipelining, a body never parsed as the next request) is
aiohttp's parser. One concurrency model still holds: the front is asynchronous only up to the point
where it hands a request to the (synchronous) adapter in a thread.
"""

from __future__ import annotations

import asyncio
import json
import logging
import resource
import signal
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.web.health import HealthProbe

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
DEFAULT_HOST = "127.0.0.1"  # behind a reverse proxy (TLS, the public name); `--host` to change

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Precheck = Callable[[web.Request], web.StreamResponse | None]


@dataclass(frozen=True)
class FrontLimits:
    """What one client may cost. Slack's payloads are a few KB and arrive in one piece on loopback."""

    header_timeout: float = 10.0  # connection open (or previous response sent) → end of the headers
    body_timeout: float = 10.0  # end of the headers → end of the body
    max_body_bytes: int = 1 << 20  # a modal's state stays well under this
    max_connections: int = 512  # systemd's default descriptor limit is 1,024
    drain_seconds: float = 20.0  # on SIGTERM, how long requests in flight and their work may take
    backlog: int = 128  # 20 people asking at once must not overflow the listen queue


@dataclass(frozen=True)
class Mount:
    """A platform's route on the front, named in the start-up log line (`serving Slack on …`)."""

    name: str
    method: str
    path: str
    handler: Handler
    precheck: Precheck | None = None


def json_response(status: int, body: dict[str, Any], *, close: bool = False) -> web.Response:
    response = web.Response(
        status=status, text=json.dumps(body, ensure_ascii=False), content_type="application/json", charset="utf-8"
    )
    if close:
        response.force_close()  # a body we did not read is never parsed as the next request
    return response


class Front:
    def __init__(
        self,
        health_check: Callable[[], bool] | None = None,
        limits: FrontLimits | None = None,
    ) -> None:
        self.limits = limits or FrontLimits()
        self.health = HealthProbe(health_check or (lambda: True))
        self.mounts: list[Mount] = []
        self.fallback: Handler | None = None  # every other path and method (a platform may sign-check it)
        self._on_drain: list[Callable[[float], bool]] = []
        self.app = web.Application(client_max_size=self.limits.max_body_bytes, middlewares=[self._errors])
        self.app.router.add_get(HEALTH_PATH, self._healthz, allow_head=False)
        self._runner: web.AppRunner | None = None
        self._site: _LimitedSite | None = None
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._draining = False

    # ------------------------------------------------------------------ composition

    def mount(self, mount: Mount) -> None:
        self.mounts.append(mount)
        self.app.router.add_route(mount.method, mount.path, self.guarded(mount))

    def on_drain(self, wait: Callable[[float], bool]) -> None:
        """After the server stopped: `wait(seconds)` finishes work that outlives its request (True when done)."""
        self._on_drain.append(wait)

    # ------------------------------------------------------------------ requests

    async def _healthz(self, _request: web.Request) -> web.Response:
        healthy = await self.health.healthy()
        return json_response(200 if healthy else 503, {"status": "ok" if healthy else "database unavailable"})

    def guarded(self, mount: Mount) -> Handler:
        """`mount`'s handler behind the precheck, the body limit and the body deadline."""
        limits = self.limits

        async def guarded(request: web.Request) -> web.StreamResponse:
            if mount.precheck is not None and (early := mount.precheck(request)) is not None:
                return early
            if request.content_length is not None and request.content_length > limits.max_body_bytes:
                return json_response(413, {"error": "payload too large"}, close=True)
            try:
                async with asyncio.timeout(limits.body_timeout):
                    await request.read()  # kept by aiohttp: the handler (and an SDK) reads it again for free
            except TimeoutError:
                logger.info("request body not received within %.0f s; connection closed", limits.body_timeout)
                return json_response(408, {"error": "request timeout"}, close=True)
            except web.HTTPRequestEntityTooLarge:  # a chunked body that grew past the limit
                return json_response(413, {"error": "payload too large"}, close=True)
            return await mount.handler(request)

        return guarded

    @web.middleware
    async def _errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        # In flight from the end of its headers (its body may still be arriving) until its response.
        self._in_flight += 1
        self._idle.clear()
        try:
            response = await self._answer(request, handler)
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()
        if self._draining:
            response.force_close()  # a keep-alive client gets its answer, then the connection ends
        return response

    async def _answer(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except (web.HTTPNotFound, web.HTTPMethodNotAllowed) as error:
            # GET and POST anywhere else go to the fallback (Slack answers 401 unless signed, then 404);
            # any other method is the client's mistake wherever it is sent.
            if request.method not in ("GET", "POST"):
                return json_response(405, {"error": "method not allowed"})
            if self.fallback is not None:
                return await self.fallback(request)
            return json_response(error.status, {"error": error.reason.lower()})
        except web.HTTPException:
            raise
        except (ConnectionError, asyncio.CancelledError):
            raise  # the client went away, or the server is stopping
        except Exception:  # the single last resort: logged with its traceback, never shown
            logger.exception("request %s %s failed", request.method, request.path)
            return json_response(500, {"error": "internal error"})
        return response

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str, port: int) -> str:
        """Bound and serving; returns the base URL (port 0 picks a free one)."""
        _raise_descriptor_limit(self.limits.max_connections)
        # keepalive_timeout is the header deadline (see the module docstring); access_log off: the core
        # logs one line per request itself, without the user's words.
        self._runner = web.AppRunner(
            self.app, keepalive_timeout=self.limits.header_timeout, access_log=None, handle_signals=False,
            shutdown_timeout=1.0,  # stop() has waited for requests in flight already
            # A body left unread (401 before it, 413, 408) closes the connection after the answer rather
            # than being read and dropped for up to 10 s: it is never parsed as a request either way.
            lingering_time=0,
        )
        await self._runner.setup()
        self._site = _LimitedSite(self._runner, host, port, self.limits)
        await self._site.start()
        for mount in self.mounts:
            logger.info("serving %s on %s%s", mount.name, self.url, mount.path)
        logger.info("health: %s%s", self.url, HEALTH_PATH)
        return self.url

    @property
    def url(self) -> str:
        assert self._site is not None, "start() first"
        host, port = self._site.address
        return f"http://{host}:{port}"

    async def stop(self) -> bool:
        """Stop accepting, let requests in flight finish, then the work after them. True when all finished."""
        deadline = time.monotonic() + self.limits.drain_seconds
        self._draining = True
        if self._site is not None:
            await self._site.stop()  # new connections are refused from here on
        # Requests in flight finish first, a body still arriving included: aiohttp's own shutdown stops
        # reading from every connection at once, so it runs only when nothing is in flight (or time is up).
        try:
            async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                await self._idle.wait()
        except TimeoutError:
            logger.warning("shutdown: %d request(s) still in flight", self._in_flight)
        if self._runner is not None:
            await self._runner.cleanup()  # closes idle keep-alive connections
            self._runner = None
        finished = True
        for wait in self._on_drain:
            remaining = max(0.0, deadline - time.monotonic())
            finished = await asyncio.to_thread(wait, remaining) and finished
        self.health.close()
        if not finished:
            logger.warning("shutdown: gave up waiting after %.0fs; unfinished work is resumed at the next start",
                           self.limits.drain_seconds)
        return finished


def serve(front: Front, host: str, port: int) -> bool:
    """Serve in this (the main) thread until SIGTERM or Ctrl-C, then drain. True when the drain finished."""

    async def main() -> bool:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        def on_signal(signum: int) -> None:
            logger.info("%s received", signal.Signals(signum).name)
            stop.set()

        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, on_signal, signum)
        await front.start(host, port)
        await stop.wait()
        logger.info("shutdown: no new connections; finishing what is in flight")
        finished = await front.stop()
        if finished:
            logger.info("shutdown: in-flight requests finished")
        return finished

    return asyncio.run(main())


@dataclass
class RunningFront:
    """A front serving in a background thread (tests, and hosts whose main thread is busy)."""

    front: Front
    url: str
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread
    stopped: bool = field(default=False)

    def stop(self) -> bool:
        if self.stopped:
            return True
        self.stopped = True
        finished = asyncio.run_coroutine_threadsafe(self.front.stop(), self.loop).result(
            self.front.limits.drain_seconds + 10
        )
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        return finished


def start_in_thread(front: Front, host: str = DEFAULT_HOST, port: int = 0) -> RunningFront:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=_run_until_stopped, args=(loop,), name="dxbot-front", daemon=True)
    thread.start()
    url = asyncio.run_coroutine_threadsafe(front.start(host, port), loop).result(30)
    return RunningFront(front, url, loop, thread)


def _run_until_stopped(loop: asyncio.AbstractEventLoop) -> None:
    """Run the loop until `RunningFront.stop`, then close it: its self-pipe and selector are sockets and
    descriptors, which a loop that is only stopped keeps open."""
    try:
        loop.run_forever()
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()


# ---------------------------------------------------------------- the connection limit


class _Refuse(asyncio.Protocol):
    """A connection over the limit: one 503 and closed, before any of its bytes is read."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        body = b'{"error": "too many connections"}'
        transport.write(
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        transport.close()


class _LimitedSite(web.BaseSite):
    """aiohttp's TCP site with a cap on open connections (aiohttp has none)."""

    __slots__ = ("_host", "_port", "_limits", "_refused", "_last_warning", "_listener")

    def __init__(self, runner: web.AppRunner, host: str, port: int, limits: FrontLimits) -> None:
        super().__init__(runner, backlog=limits.backlog)
        self._host = host
        self._port = port
        self._limits = limits
        self._refused = 0
        self._last_warning = 0.0
        self._listener: asyncio.Server | None = None

    @property
    def name(self) -> str:
        host, port = self.address
        return f"http://{host}:{port}"

    @property
    def address(self) -> tuple[str, int]:
        assert self._listener is not None and self._listener.sockets
        host, port = self._listener.sockets[0].getsockname()[:2]
        return str(host), int(port)

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        assert server is not None
        limit = self._limits.max_connections

        def protocol() -> asyncio.BaseProtocol:
            if len(server.connections) >= limit:
                self._refused += 1
                now = time.monotonic()
                if now - self._last_warning > 10:
                    self._last_warning = now
                    logger.warning("connection limit (%d) reached; refused %d so far", limit, self._refused)
                return _Refuse()
            return server()

        loop = asyncio.get_running_loop()
        self._listener = await loop.create_server(
            protocol, self._host, self._port, backlog=self._backlog, reuse_address=True
        )
        self._server = self._listener  # BaseSite.stop() closes it


def _raise_descriptor_limit(connections: int) -> None:
    """Room for the connection limit plus the database, the log and the Slack client (soft ≤ hard)."""
    wanted = connections + 256
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new_soft = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new_soft, hard))
        if new_soft < wanted:
            logger.warning("descriptor limit %d is low for %d connections", new_soft, connections)
