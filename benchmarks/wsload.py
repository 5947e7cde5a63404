"""A websocket echo load generator: what wrk is for HTTP, for a websocket scenario.

    python -m benchmarks.wsload websocket --port 8000 --connections 64 --duration 2

Each of ``--connections`` clients loops until the time is up: open a connection, send the
scenario's messages one at a time, each after the previous one came back, then close (code
1000) and wait for the server to close the TCP connection. Every echo is compared with what
was sent. It prints one line, ``WRK_RESULT {json}``, with the keys wrk's summary has in the
network mode: ``requests`` (echoes within the measured time), ``duration_us``, ``p50_us`` and
``p99_us`` (one echo's round trip), the error counts, and ``connections`` (completed ones),
plus ``first_error`` when something went wrong. Connections still open when the time is up
finish (unmeasured), so the server is never left with half-closed sockets.

The client speaks just enough RFC 6455 for this (no extensions, no fragmentation of its own
messages) and is callback-driven with precomputed frames, so it costs the loaded core far less
than the server it measures. Every wait is bounded by ``--timeout``: the process always ends.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from benchmarks.scenarios import SCENARIOS_BY_NAME

RESULT_MARKER = "WRK_RESULT "
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_MAX_HANDSHAKE = 16 * 1024

OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class ProtocolError(Exception):
    """The server broke the websocket protocol or answered wrongly."""


def accept_key(key: bytes) -> bytes:
    """The ``Sec-WebSocket-Accept`` value a server must answer the handshake ``key`` with."""
    return base64.b64encode(hashlib.sha1(key + _GUID).digest())


def mask(payload: bytes, key: bytes) -> bytes:
    """``payload`` XORed with the 4-byte ``key`` repeated, as client frames are."""
    repeated = (key * (len(payload) // 4 + 1))[: len(payload)]
    masked = int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")
    return masked.to_bytes(len(payload), "big")


def client_frame(opcode: int, payload: bytes, mask_key: bytes) -> bytes:
    """One final client frame (masked, as RFC 6455 requires of clients)."""
    length = len(payload)
    if length < 126:
        header = bytes([0x80 | opcode, 0x80 | length])
    elif length < 1 << 16:
        header = bytes([0x80 | opcode, 0x80 | 126]) + length.to_bytes(2, "big")
    else:
        header = bytes([0x80 | opcode, 0x80 | 127]) + length.to_bytes(8, "big")
    return header + mask_key + mask(payload, mask_key)


class FrameReader:
    """Splits the bytes a server sends into frames, whatever the reads' boundaries."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[tuple[bool, int, bytes]]:
        """Add ``data`` and return the frames it completed, as ``(fin, opcode, payload)``."""
        buffer = self._buffer
        buffer += data
        frames: list[tuple[bool, int, bytes]] = []
        while len(buffer) >= 2:
            first, second = buffer[0], buffer[1]
            if first & 0x70:
                raise ProtocolError("a frame with reserved bits set (no extension was offered)")
            if second & 0x80:
                raise ProtocolError("a masked frame from the server")
            length, offset = second & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    break
                length, offset = int.from_bytes(buffer[2:4], "big"), 4
            elif length == 127:
                if len(buffer) < 10:
                    break
                length, offset = int.from_bytes(buffer[2:10], "big"), 10
            end = offset + length
            if len(buffer) < end:
                break
            frames.append((bool(first & 0x80), first & 0x0F, bytes(buffer[offset:end])))
            del buffer[:end]
        return frames


@dataclass
class Stats:
    """What every connection of one run adds up to."""

    deadline: float
    echoes: int = 0
    round_trips: list[float] = field(default_factory=list)
    connections: int = 0
    errors_connect: int = 0
    errors_status: int = 0
    errors_timeout: int = 0
    first_error: str | None = None

    def failed(self, kind: Literal["connect", "status", "timeout"], message: str) -> None:
        """Count one failure: no connection, a wrong answer, or no answer in time."""
        if kind == "connect":
            self.errors_connect += 1
        elif kind == "status":
            self.errors_status += 1
        else:
            self.errors_timeout += 1
        if self.first_error is None:
            self.first_error = message


@dataclass(frozen=True)
class Exchange:
    """One connection's script: the handshake to send, the frames and the echoes to expect."""

    host: str
    port: int
    target: str
    frames: tuple[bytes, ...]
    echoes: tuple[bytes, ...]
    close_frame: bytes

    @classmethod
    def of(cls, host: str, port: int, target: str, messages: Sequence[str]) -> Exchange:
        """The exchange that sends ``messages`` as text frames and expects them back."""
        # One mask key for every frame: masking protects proxies from cache poisoning, which
        # does not apply on loopback, and precomputed frames keep the client cheap.
        mask_key = os.urandom(4)
        payloads = tuple(message.encode() for message in messages)
        return cls(
            host=host,
            port=port,
            target=target,
            frames=tuple(client_frame(OP_TEXT, payload, mask_key) for payload in payloads),
            echoes=payloads,
            close_frame=client_frame(OP_CLOSE, (1000).to_bytes(2, "big"), mask_key),
        )

    def handshake(self, key: bytes) -> bytes:
        """The opening HTTP request, with ``key`` as ``Sec-WebSocket-Key``."""
        return (
            f"GET {self.target} HTTP/1.1\r\n"
            f"Host: {self.host}:{self.port}\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key.decode()}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()


class EchoClient(asyncio.Protocol):
    """One connection: handshake, every message echoed in turn, close; then ``on_done``.

    ``on_done`` is called once: with None when the server closed the TCP connection after a
    clean close handshake, or with the ProtocolError that ended the connection early.
    """

    def __init__(
        self,
        exchange: Exchange,
        stats: Stats,
        on_done: Callable[[ProtocolError | None], object],
    ) -> None:
        self._exchange = exchange
        self._stats = stats
        self._on_done = on_done
        self._done = False
        self._key = base64.b64encode(os.urandom(16))
        self._transport: asyncio.Transport | None = None
        self._handshake = bytearray()
        self._frames: FrameReader | None = None
        self._fragments: list[bytes] = []
        self._message_opcode = OP_TEXT
        self._next = 0
        self._sent_at = 0.0
        self._closing = False
        self._closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Send the handshake."""
        self._transport = cast(asyncio.Transport, transport)
        self._write(self._exchange.handshake(self._key))

    def _write(self, data: bytes) -> None:
        if self._transport is not None:
            self._transport.write(data)

    def data_received(self, data: bytes) -> None:
        """Finish the handshake, then handle every complete frame."""
        try:
            if self._frames is None:
                data = self._read_handshake(data)
            if self._frames is not None and data:
                for fin, opcode, payload in self._frames.feed(data):
                    self._on_frame(fin, opcode, payload)
        except ProtocolError as exc:
            self._finish(exc)

    def eof_received(self) -> bool | None:
        """The server closed its side: the end of the connection."""
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        """Done: cleanly when the close handshake came first."""
        if self._closed:
            self._finish(None)
        else:
            reason = f": {exc}" if exc else ""
            self._finish(
                ProtocolError(f"the connection was lost after {self._next} echoes{reason}")
            )

    def _finish(self, outcome: ProtocolError | None) -> None:
        if not self._done:
            self._done = True
            self._on_done(outcome)
        if outcome is not None and self._transport is not None:
            self._transport.abort()

    def _read_handshake(self, data: bytes) -> bytes:
        self._handshake += data
        head, separator, rest = bytes(self._handshake).partition(b"\r\n\r\n")
        if not separator:
            if len(self._handshake) > _MAX_HANDSHAKE:
                raise ProtocolError("the handshake response has no end")
            return b""
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        if status_line.split(" ", 2)[1:2] != ["101"]:
            raise ProtocolError(f"the handshake was answered {status_line!r}")
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("sec-websocket-accept", "").encode() != accept_key(self._key):
            raise ProtocolError("wrong Sec-WebSocket-Accept in the handshake response")
        self._frames = FrameReader()
        self._send_next()
        return rest

    def _send_next(self) -> None:
        self._sent_at = time.perf_counter()
        self._write(self._exchange.frames[self._next])

    def _on_frame(self, fin: bool, opcode: int, payload: bytes) -> None:
        if opcode == OP_PING:
            self._write(client_frame(OP_PONG, payload, os.urandom(4)))
        elif opcode == OP_CLOSE:
            if not self._closing:
                code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                raise ProtocolError(f"the server closed (code {code}) after {self._next} echoes")
            self._closed = True
        elif opcode in (OP_TEXT, OP_BINARY, OP_CONTINUATION):
            if opcode != OP_CONTINUATION:
                self._message_opcode = opcode
            self._fragments.append(payload)
            if fin:
                message = b"".join(self._fragments)
                self._fragments.clear()
                self._on_message(message)

    def _on_message(self, message: bytes) -> None:
        now = time.perf_counter()
        exchange = self._exchange
        if self._closing:
            raise ProtocolError(f"a message after the last echo: {message!r:.60}")
        if self._message_opcode != OP_TEXT:
            raise ProtocolError(f"echo {self._next} came back as a binary message")
        if message != exchange.echoes[self._next]:
            expected = exchange.echoes[self._next]
            raise ProtocolError(f"echo {self._next} was {message!r:.60}, expected {expected!r:.60}")
        stats = self._stats
        if now <= stats.deadline:
            stats.echoes += 1
            stats.round_trips.append(now - self._sent_at)
        self._next += 1
        if self._next < len(exchange.frames):
            self._send_next()
        else:
            self._closing = True
            self._write(exchange.close_frame)


async def _one_connection(exchange: Exchange, stats: Stats, timeout: float) -> None:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[ProtocolError | None] = loop.create_future()

    def finish(outcome: ProtocolError | None) -> None:
        if not done.done():  # a timed-out wait cancels it
            done.set_result(outcome)

    client = EchoClient(exchange, stats, finish)
    try:
        transport, _ = await asyncio.wait_for(
            loop.create_connection(lambda: client, exchange.host, exchange.port), timeout
        )
    except (OSError, asyncio.TimeoutError) as exc:
        stats.failed("connect", f"cannot connect: {exc!r}")
        await asyncio.sleep(0.01)
        return
    try:
        outcome = await asyncio.wait_for(done, timeout)
    except asyncio.TimeoutError:
        stats.failed("timeout", f"no answer within {timeout} s")
        transport.abort()
        return
    if outcome is None:
        stats.connections += 1
    else:
        stats.failed("status", str(outcome))


async def _client(exchange: Exchange, stats: Stats, sessions: int, timeout: float) -> None:
    done = 0
    while time.perf_counter() < stats.deadline and (sessions == 0 or done < sessions):
        await _one_connection(exchange, stats, timeout)
        done += 1


async def run(
    exchange: Exchange, connections: int, duration: float, sessions: int, timeout: float
) -> dict[str, Any]:
    """Load the server and return the summary ``main`` prints."""
    start = time.perf_counter()
    stats = Stats(deadline=start + duration)
    clients = [_client(exchange, stats, sessions, timeout) for _ in range(connections)]
    await asyncio.gather(*clients)
    measured = min(time.perf_counter(), stats.deadline) - start
    trips = sorted(stats.round_trips)
    summary: dict[str, Any] = {
        "requests": stats.echoes,
        "duration_us": round(measured * 1e6),
        "p50_us": statistics.median(trips) * 1e6 if trips else 0.0,
        "p99_us": trips[min(len(trips) - 1, int(len(trips) * 0.99))] * 1e6 if trips else 0.0,
        "connections": stats.connections,
        "errors_connect": stats.errors_connect,
        "errors_read": 0,
        "errors_write": 0,
        "errors_status": stats.errors_status,
        "errors_timeout": stats.errors_timeout,
    }
    if stats.first_error is not None:
        summary["first_error"] = stats.first_error
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, run the load and print its summary."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.wsload", description=__doc__)
    parser.add_argument("scenario", choices=list(SCENARIOS_BY_NAME))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=float, default=2.0, help="seconds of load")
    parser.add_argument(
        "--sessions",
        type=int,
        default=0,
        help="connections each client makes at most (default: as many as fit the duration)",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds any wait may take")
    args = parser.parse_args(argv)

    scenario = SCENARIOS_BY_NAME[args.scenario]
    if scenario.websocket_messages is None:
        parser.error(f"{scenario.name!r} is not a websocket scenario")
    if scenario.expect.messages != scenario.websocket_messages:
        parser.error(f"{scenario.name!r} does not expect its messages echoed")
    exchange = Exchange.of(
        args.host, args.port, scenario.request.target, scenario.websocket_messages
    )
    load = run(exchange, args.connections, args.duration, args.sessions, args.timeout)
    try:
        import uvloop
    except ImportError:
        summary = asyncio.run(load)
    else:
        summary = uvloop.run(load)
    print(RESULT_MARKER + json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
