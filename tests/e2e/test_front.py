"""The HTTP front over real sockets: header and body deadlines per request, the connection limit,
HTTP/1.1 (chunked bodies, keep-alive, a body never read as the next request), 401 and 413 before a body
is read, /healthz within its budget while the database stalls, and the drain on stop."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit

import pytest
from aiohttp import web

from bot.cli import build_parser
from bot.web.server import Front, FrontLimits, Mount, RunningFront, json_response, start_in_thread
from tests.e2e.conftest import SlackBot, load_payload, sign
from tests.e2e.fake_slack import RESPONSE_URL_METHOD

FAST = FrontLimits(header_timeout=2.0, body_timeout=1.5, max_body_bytes=4096, max_connections=40, drain_seconds=5)


async def echo(request: web.Request) -> web.Response:
    body = await request.read()
    return json_response(200, {"length": str(len(body))})


@pytest.fixture
def front() -> Iterator[RunningFront]:
    app = Front(limits=FAST)
    app.mount(Mount("Echo", "POST", "/echo", echo))
    running = start_in_thread(app)
    yield running
    running.stop()


def connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    _leftovers.pop(sock.fileno(), None)  # a closed socket's number is reused
    _opened.append(sock)
    return sock


_leftovers: dict[int, bytes] = {}  # bytes read past one response (pipelined answers), per socket
_opened: list[socket.socket] = []  # every client socket of the test, closed after it (closing twice is fine)


@pytest.fixture(autouse=True)
def _close_client_sockets() -> Iterator[None]:
    yield
    while _opened:
        _opened.pop().close()


def read_response(sock: socket.socket, timeout: float = 10.0) -> bytes:
    """One whole response (headers and a Content-Length body), or what came before the peer closed."""
    sock.settimeout(timeout)
    data = _leftovers.pop(sock.fileno(), b"")
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0
    )
    while len(body) < length:
        chunk = sock.recv(4096)
        if not chunk:
            break
        body += chunk
    if len(body) > length:
        _leftovers[sock.fileno()] = body[length:]
    return head + b"\r\n\r\n" + body[:length]


def closed_by_peer(sock: socket.socket, timeout: float = 10.0) -> bool:
    sock.settimeout(timeout)
    try:
        while sock.recv(4096):
            pass
        return True
    except TimeoutError:
        return False
    except OSError:
        return True


def healthz_seconds(url: str) -> float:
    sock = connect(url)
    started = time.perf_counter()
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert read_response(sock).startswith(b"HTTP/1.1 200")
    sock.close()
    return time.perf_counter() - started


# ---------------------------------------------------------------- deadlines


def test_slow_headers_are_dropped_at_the_header_deadline_however_they_drip(front: RunningFront) -> None:
    clients = [connect(front.url) for _ in range(30)]
    for sock in clients:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        sock.setblocking(False)
    started = time.monotonic()
    open_clients = set(clients)
    slowest_health = 0.0
    while open_clients and time.monotonic() - started < 6:
        for sock in list(open_clients):
            try:
                sock.send(b"a")  # one byte every 0.2 s: never idle, never done
                if sock.recv(1) == b"":
                    open_clients.discard(sock)
            except BlockingIOError:
                pass
            except OSError:
                open_clients.discard(sock)
        slowest_health = max(slowest_health, healthz_seconds(front.url))
        time.sleep(0.2)
    elapsed = time.monotonic() - started
    for sock in clients:
        sock.close()
    assert not open_clients, f"{len(open_clients)} still open after {elapsed:.1f} s"
    assert elapsed < FAST.header_timeout + 1.5
    assert slowest_health < 1.0


def test_a_body_that_does_not_arrive_in_time_gets_408_and_the_connection_closed(front: RunningFront) -> None:
    sock = connect(front.url)
    sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
    started = time.monotonic()
    for _ in range(8):  # a byte every 0.5 s: each read is quick, the whole body is not
        try:
            sock.sendall(b"x")
        except OSError:  # the server gave up and closed
            break
        time.sleep(0.5)
    response = read_response(sock)
    assert response.startswith(b"HTTP/1.1 408"), response
    assert time.monotonic() - started < FAST.body_timeout + 1.5
    assert closed_by_peer(sock, 3)


def test_chunked_requests_and_keep_alive(front: RunningFront) -> None:
    sock = connect(front.url)
    chunked = b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    sock.sendall(chunked)
    assert b'"length": "11"' in read_response(sock)
    # The same connection serves the next request (HTTP/1.1 keep-alive), and a pipelined one after it.
    sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" + chunked)
    assert b'"length": "3"' in read_response(sock)
    assert b'"length": "11"' in read_response(sock)
    sock.close()


def test_a_chunked_body_over_the_limit_gets_413_and_is_not_read_as_a_request(front: RunningFront) -> None:
    sock = connect(front.url)
    big = b"1000\r\n" + b"x" * 4096 + b"\r\n"
    sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + big + big)
    assert read_response(sock).startswith(b"HTTP/1.1 413")
    assert closed_by_peer(sock, 5)


def test_a_declared_length_over_the_limit_gets_413_before_the_body_is_sent(front: RunningFront) -> None:
    sock = connect(front.url)
    sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n\r\n")
    started = time.monotonic()
    assert read_response(sock, timeout=3).startswith(b"HTTP/1.1 413")
    assert time.monotonic() - started < 1.0
    assert closed_by_peer(sock, 3)


# ---------------------------------------------------------------- the connection limit


def test_connections_over_the_limit_get_503_and_are_closed_at_once(front: RunningFront) -> None:
    held = [connect(front.url) for _ in range(FAST.max_connections)]
    time.sleep(0.3)
    extra = [connect(front.url) for _ in range(5)]
    for sock in extra:
        assert read_response(sock, timeout=3).startswith(b"HTTP/1.1 503")
        assert closed_by_peer(sock, 3)
        sock.close()
    for sock in held[:10]:
        sock.close()
    time.sleep(0.3)
    assert healthz_seconds(front.url) < 1.0  # room again
    for sock in held[10:]:
        sock.close()


# ---------------------------------------------------------------- health


def test_healthz_answers_within_a_second_while_the_database_stalls() -> None:
    calls: list[float] = []
    release = threading.Event()

    def stalled() -> bool:
        calls.append(time.monotonic())
        release.wait(10)
        return True

    running = start_in_thread(Front(stalled, FAST))
    try:
        for _ in range(5):
            sock = connect(running.url)
            started = time.perf_counter()
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            response = read_response(sock)
            assert response.startswith(b"HTTP/1.1 503") and b"database unavailable" in response
            assert time.perf_counter() - started < 1.0
            sock.close()
        assert len(calls) == 1  # one check in flight, not one thread per probe
        release.set()
        time.sleep(0.2)
        sock = connect(running.url)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock).startswith(b"HTTP/1.1 200")
        sock.close()
    finally:
        release.set()
        running.stop()


# ---------------------------------------------------------------- drain


def test_stop_lets_a_request_whose_body_is_arriving_finish_and_refuses_new_connections() -> None:
    app = Front(limits=FAST)
    app.mount(Mount("Echo", "POST", "/echo", echo))
    running = start_in_thread(app)
    sock = connect(running.url)
    sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabc")
    time.sleep(0.2)
    stopper = threading.Thread(target=running.stop)
    stopper.start()
    time.sleep(0.3)
    with pytest.raises(OSError):
        connect(running.url).close()
    sock.sendall(b"def")
    response = read_response(sock)
    assert response.startswith(b"HTTP/1.1 200") and b'"length": "6"' in response
    stopper.join(10)
    assert not stopper.is_alive()
    sock.close()
    # and the loop is closed with it: a stopped loop that is never closed keeps its self-pipe's sockets open
    running.thread.join(10)
    assert running.loop.is_closed()


# ---------------------------------------------------------------- Slack on the front


def _signed_slash(text: str, response_url: str) -> tuple[bytes, dict[str, str]]:
    payload = load_payload("slash_command")
    payload.update(text=text, response_url=response_url, trigger_id=f"trig.{time.time_ns()}")
    body = urlencode(payload).encode()
    ts = int(time.time())
    return body, {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": sign(body.decode(), ts)}


def test_unsigned_slack_requests_get_401_before_their_body_is_sent(bot: SlackBot) -> None:
    sock = connect(bot.server.url)
    sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n")
    started = time.monotonic()
    assert read_response(sock, timeout=3).startswith(b"HTTP/1.1 401")
    assert time.monotonic() - started < 1.0
    assert closed_by_peer(sock, 3)


def test_a_body_smuggled_after_a_refused_request_is_never_served(bot: SlackBot) -> None:
    sock = connect(bot.server.url)
    smuggled = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    sock.sendall(
        b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: " + str(len(smuggled)).encode() + b"\r\n\r\n" + smuggled
    )
    assert read_response(sock).startswith(b"HTTP/1.1 401")
    sock.settimeout(2)
    try:
        rest = sock.recv(4096)
    except OSError:
        rest = b""
    assert b"HTTP/1.1 200" not in rest


def test_a_signed_chunked_slash_command_is_answered(bot: SlackBot) -> None:
    body, headers = _signed_slash("DX推進リーダーは何人？", bot.fake.response_url("chunked"))
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    half = len(body) // 2
    sock = connect(bot.server.url)
    sock.sendall(
        b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        + head.encode()
        + b"Transfer-Encoding: chunked\r\n\r\n"
        + f"{half:x}\r\n".encode() + body[:half] + b"\r\n"
        + f"{len(body) - half:x}\r\n".encode() + body[half:] + b"\r\n0\r\n\r\n"
    )
    assert read_response(sock).startswith(b"HTTP/1.1 200")
    bot.fake.wait_for(RESPONSE_URL_METHOD, where=lambda c: c.path.endswith("/chunked"), timeout=10)
    sock.close()


def test_serve_binds_loopback_unless_told_otherwise() -> None:
    parser = build_parser()
    assert parser.parse_args(["serve"]).host == "127.0.0.1"
    assert parser.parse_args(["run"]).host == "127.0.0.1"
    args = parser.parse_args(["serve", "--host", "0.0.0.0", "--max-connections", "100", "--header-timeout", "5"])
    assert (args.host, args.max_connections, args.header_timeout) == ("0.0.0.0", 100, 5.0)
