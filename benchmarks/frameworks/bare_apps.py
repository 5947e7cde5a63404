"""Bare ASGI callables: the floor every framework is compared with.

Each does the least work that still answers its endpoint correctly (checks the path, encodes
per request what a framework would encode per request), and speaks the lifespan protocol.
"""

from __future__ import annotations

import json
from functools import partial

import anyio.to_thread

from benchmarks.driver import ASGIApp, Receive, Scope, Send
from benchmarks.frameworks import AppFactory
from benchmarks.payloads import HELLO, JSON_MESSAGE, STREAM_CHUNK, STREAM_CHUNK_COUNT

TEXT = b"text/plain; charset=utf-8"
JSON = b"application/json"


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _respond(send: Send, status: int, content_type: bytes, body: bytes) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _not_found(send: Send) -> None:
    await _respond(send, 404, TEXT, b"Not Found")


def _dumps(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def plaintext(path: str = "/") -> ASGIApp:
    """``GET /`` → ``Hello, world!``."""
    body = HELLO.encode()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
        elif scope["path"] == path:
            await _respond(send, 200, TEXT, body)
        else:
            await _not_found(send)

    return app


def json_message() -> ASGIApp:
    """``GET /json`` → ``{"message": "Hello, world!"}``, encoded per request."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
        elif scope["path"] == "/json":
            await _respond(send, 200, JSON, _dumps(JSON_MESSAGE))
        else:
            await _not_found(send)

    return app


def user(other_routes: int) -> ASGIApp:
    """``GET /users/<int:id>`` → ``user <id>``; no router, so ``other_routes`` costs nothing."""
    del other_routes

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        prefix, _, user_id = scope["path"].rpartition("/")
        if prefix == "/users" and user_id.isdigit():
            await _respond(send, 200, TEXT, f"user {int(user_id)}".encode())
        else:
            await _not_found(send)

    return app


def echo() -> ASGIApp:
    """``POST /echo`` → the request's JSON body, decoded and encoded again."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["path"] != "/echo" or scope["method"] != "POST":
            await _not_found(send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        await _respond(send, 200, JSON, _dumps(json.loads(b"".join(chunks))))

    return app


def stream() -> ASGIApp:
    """``GET /stream`` → 100 chunks of 1 KiB, each sent as its own body message."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["path"] != "/stream":
            await _not_found(send)
            return
        headers = [(b"content-type", TEXT)]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for _ in range(STREAM_CHUNK_COUNT):
            await send({"type": "http.response.body", "body": STREAM_CHUNK, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    return app


def _hello() -> bytes:
    return HELLO.encode()


def sync_view() -> ASGIApp:
    """``GET /sync`` → ``Hello, world!`` computed in a worker thread, as a sync view is."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
        elif scope["path"] == "/sync":
            await _respond(send, 200, TEXT, await anyio.to_thread.run_sync(_hello))
        else:
            await _not_found(send)

    return app


FACTORIES: dict[str, AppFactory] = {
    "plaintext": plaintext,
    "json": json_message,
    "route-10": partial(user, 10),
    "route-100": partial(user, 100),
    "route-1000": partial(user, 1000),
    "echo": echo,
    "stream": stream,
    "sync": sync_view,
}
