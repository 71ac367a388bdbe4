"""A fake Slack Socket Mode endpoint: a minimal WebSocket server (RFC 6455) on loopback.

The fake Web API's apps.connections.open hands out its ws:// URL. It greets with `hello`, sends the
envelopes a test gives it, answers pings, and records what the bot sends back (the acks).
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
from typing import Any

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


class FakeSocketMode:
    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._client: socket.socket | None = None
        self._send_lock = threading.Lock()
        self._condition = threading.Condition()
        self.received: list[dict[str, Any]] = []
        self.handshake_paths: list[str] = []
        self._closed = False
        threading.Thread(target=self._accept, name="fake-socket-mode", daemon=True).start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._listener.getsockname()[1]}/link/?ticket=e2e-ticket&app_id=A0DXBOT01"

    # -------------------------------------------------------------- test side

    def wait_connected(self, timeout: float = 5.0) -> None:
        with self._condition:
            assert self._condition.wait_for(lambda: self._client is not None, timeout), (
                "the bot never connected"
            )

    def send(self, message: dict[str, Any]) -> None:
        assert self._client is not None
        self._send_frame(TEXT, json.dumps(message, ensure_ascii=False).encode("utf-8"))

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        def ack() -> dict[str, Any] | None:
            return next((m for m in self.received if m.get("envelope_id") == envelope_id), None)

        with self._condition:
            assert self._condition.wait_for(lambda: ack() is not None, timeout), f"no ack for {envelope_id}"
            found = ack()
            assert found is not None
            return found

    def close(self) -> None:
        self._closed = True
        for sock in (self._client, self._listener):
            if sock is None:
                continue
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes both ends' blocking reads now
            except OSError:
                pass
            sock.close()

    # -------------------------------------------------------------- server side

    def _accept(self) -> None:
        try:
            client, _ = self._listener.accept()
        except OSError:
            return
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = client.recv(4096)
            if not chunk:
                return
            request += chunk
        lines = request.decode("latin-1").split("\r\n")
        headers = {
            k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)
        }
        accept = base64.b64encode(
            hashlib.sha1((headers["sec-websocket-key"] + _GUID).encode()).digest()
        ).decode()
        client.sendall(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {accept}\r\n\r\n"
            ).encode()
        )
        with self._condition:
            self.handshake_paths.append(lines[0].split(" ")[1])
            self._client = client
            self._condition.notify_all()
        self.send({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0DXBOT01"}})
        self._read_frames(client)

    def _read_frames(self, client: socket.socket) -> None:
        buffer = b""

        def take(n: int) -> bytes:
            nonlocal buffer
            while len(buffer) < n:
                chunk = client.recv(65536)
                if not chunk:
                    raise ConnectionError("closed")
                buffer += chunk
            data, buffer = buffer[:n], buffer[n:]
            return data

        try:
            while not self._closed:
                first, second = take(2)
                opcode, masked, length = first & 0x0F, second & 0x80, second & 0x7F
                if length == 126:
                    length = struct.unpack(">H", take(2))[0]
                elif length == 127:
                    length = struct.unpack(">Q", take(8))[0]
                mask = take(4) if masked else b"\0\0\0\0"
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(take(length)))
                if opcode == PING:
                    self._send_frame(PONG, payload)
                elif opcode == TEXT:
                    with self._condition:
                        self.received.append(json.loads(payload.decode("utf-8")))
                        self._condition.notify_all()
                elif opcode == CLOSE:
                    return
        except (ConnectionError, OSError):
            return

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        length = len(payload)
        if length < 126:
            header = struct.pack(">BB", 0x80 | opcode, length)
        elif length < 1 << 16:
            header = struct.pack(">BBH", 0x80 | opcode, 126, length)
        else:
            header = struct.pack(">BBQ", 0x80 | opcode, 127, length)
        assert self._client is not None
        with self._send_lock:
            self._client.sendall(header + payload)
