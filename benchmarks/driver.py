"""Drive an ASGI app directly: a synthetic scope, receive and send, no server and no sockets.

The scope is the one uvicorn's httptools protocol builds, so the in-process numbers measure
the same work the app does behind a real server.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import anyio

Scope: TypeAlias = MutableMapping[str, Any]
Message: TypeAlias = MutableMapping[str, Any]
Receive: TypeAlias = Callable[[], Awaitable[Message]]
Send: TypeAlias = Callable[[Message], Awaitable[None]]
ASGIApp: TypeAlias = Callable[[Scope, Receive, Send], Awaitable[None]]

SERVER = ("127.0.0.1", 8000)
CLIENT = ("127.0.0.1", 50000)


@dataclass(frozen=True)
class HTTPRequest:
    """What a benchmark sends: used both for the in-process driver and for wrk."""

    method: str
    path: str
    query_string: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    @property
    def target(self) -> str:
        """The request target as it appears on the request line."""
        return f"{self.path}?{self.query_string}" if self.query_string else self.path


@dataclass
class CapturedResponse:
    """Everything an app sent for one request."""

    status: int = 0
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    chunks: list[bytes] = field(default_factory=list)
    complete: bool = False

    @property
    def body(self) -> bytes:
        """The response body, all chunks joined."""
        return b"".join(self.chunks)

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        wanted = name.lower().encode("latin-1")
        for key, value in self.headers:
            if key.lower() == wanted:
                return value.decode("latin-1")
        return None


def _headers(request: HTTPRequest) -> list[tuple[bytes, bytes]]:
    """``Host`` and the request's own headers, as a server hands them over."""
    headers = [(b"host", f"{SERVER[0]}:{SERVER[1]}".encode())]
    headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in request.headers]
    return headers


def _scope(
    kind: str,
    spec_version: str,
    request: HTTPRequest,
    headers: list[tuple[bytes, bytes]],
    state: dict[str, Any] | None,
) -> dict[str, Any]:
    """The keys uvicorn puts in both an HTTP and a websocket scope."""
    return {
        "type": kind,
        "asgi": {"version": "3.0", "spec_version": spec_version},
        "http_version": "1.1",
        "server": SERVER,
        "client": CLIENT,
        "scheme": "http" if kind == "http" else "ws",
        "root_path": "",
        "headers": headers,
        "state": dict(state or {}),
        "path": request.path,
        "raw_path": request.path.encode(),
        "query_string": request.query_string.encode(),
    }


class PreparedRequest:
    """An :class:`HTTPRequest` turned into the ASGI pieces once, so each call only copies them."""

    __slots__ = ("_request_message", "_scope")

    def __init__(self, request: HTTPRequest, state: dict[str, Any] | None = None) -> None:
        headers = _headers(request)
        if request.body and not any(name == b"content-length" for name, _ in headers):
            headers.append((b"content-length", str(len(request.body)).encode()))
        self._scope = _scope("http", "2.3", request, headers, state)
        self._scope["method"] = request.method
        self._request_message = {"type": "http.request", "body": request.body, "more_body": False}

    def new_scope(self) -> dict[str, Any]:
        """A fresh scope: apps may add keys to it, and the header list, state and asgi dicts."""
        scope = self._scope.copy()
        scope["headers"] = list(scope["headers"])
        scope["state"] = scope["state"].copy()
        scope["asgi"] = scope["asgi"].copy()
        return scope

    def request_message(self) -> dict[str, Any]:
        """The one ``http.request`` message that carries the whole body."""
        return self._request_message.copy()


class PreparedWebSocket:
    """A websocket handshake and the text messages the client sends, as ASGI pieces, built once.

    The scope is the one uvicorn's websockets protocol builds for the handshake request.
    """

    __slots__ = ("_scope", "messages")

    def __init__(
        self, request: HTTPRequest, messages: Sequence[str], state: dict[str, Any] | None = None
    ) -> None:
        handshake = [
            (b"connection", b"Upgrade"),
            (b"upgrade", b"websocket"),
            (b"sec-websocket-version", b"13"),
            (b"sec-websocket-key", b"dGhlIHNhbXBsZSBub25jZQ=="),
        ]
        headers = _headers(request)
        headers[1:1] = handshake
        self._scope = _scope("websocket", "2.4", request, headers, state)
        self._scope["subprotocols"] = []
        self._scope["extensions"] = {"websocket.http.response": {}}
        self.messages = tuple(messages)

    def new_scope(self) -> dict[str, Any]:
        """A fresh scope: apps may add keys to it and to its lists and dicts."""
        scope = self._scope.copy()
        for key in ("headers", "subprotocols"):
            scope[key] = list(scope[key])
        for key in ("state", "asgi", "extensions"):
            scope[key] = scope[key].copy()
        return scope


@dataclass
class CapturedWebSocket:
    """Everything an app sent on one websocket connection."""

    accepted: bool = False
    received: list[str | bytes] = field(default_factory=list)
    #: The code of the app's ``websocket.close``; None when it never closed.
    close_code: int | None = None
    #: The status of the HTTP response the app refused the handshake with, if it did.
    rejected_status: int | None = None

    @property
    def closed(self) -> bool:
        """Whether the app closed the connection or refused the handshake."""
        return self.close_code is not None or self.rejected_status is not None


async def drive(app: ASGIApp, request: PreparedRequest) -> CapturedResponse:
    """Run one request through ``app`` and return what it sent.

    ``receive`` hands over the body in one message; a later call waits until the response is
    complete and then reports a disconnect, as a server does for a client that keeps the
    connection open, so apps that watch for disconnects while streaming behave normally.
    """
    response = CapturedResponse()
    body_pending = True
    finished: anyio.Event | None = None

    async def receive() -> Message:
        nonlocal body_pending, finished
        if body_pending:
            body_pending = False
            return request.request_message()
        if not response.complete:
            if finished is None:
                finished = anyio.Event()
            await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            response.status = message["status"]
            response.headers = list(message.get("headers", ()))
        elif kind == "http.response.body":
            response.chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                response.complete = True
                if finished is not None:
                    finished.set()

    await app(request.new_scope(), receive, send)
    return response


async def drive_websocket(app: ASGIApp, session: PreparedWebSocket) -> CapturedWebSocket:
    """Run one websocket connection through ``app``: connect, the messages, then a disconnect.

    The client is a ping-pong one: it hands over its next message only once the app has
    answered the previous one, and disconnects (code 1000) after the last answer, as a client
    that waits for each echo does. An echo app asks for the next message after answering, so
    it never waits; an app that reads ahead in a task of its own (Quart) waits for its own
    answers. After the app closes the connection, every ``receive`` reports the disconnect.
    """
    captured = CapturedWebSocket()
    messages = session.messages
    handed = -1  # messages handed over; -1 until the connect event is
    answered: anyio.Event | None = None

    async def receive() -> Message:
        nonlocal handed, answered
        if handed < 0:
            handed = 0
            return {"type": "websocket.connect"}
        while len(captured.received) < handed and not captured.closed:
            answered = anyio.Event()
            await answered.wait()
        if handed < len(messages) and not captured.closed:
            text = messages[handed]
            handed += 1
            return {"type": "websocket.receive", "text": text}
        return {"type": "websocket.disconnect", "code": captured.close_code or 1000, "reason": ""}

    async def send(message: Message) -> None:
        nonlocal answered
        kind = message["type"]
        if kind == "websocket.send":
            text = message.get("text")
            captured.received.append(text if text is not None else message.get("bytes") or b"")
        elif kind == "websocket.accept":
            captured.accepted = True
        elif kind == "websocket.close":
            captured.close_code = int(message.get("code", 1000))
        elif kind == "websocket.http.response.start":
            captured.rejected_status = int(message["status"])
        if answered is not None:
            answered.set()
            answered = None

    await app(session.new_scope(), receive, send)
    return captured


@asynccontextmanager
async def lifespan(app: ASGIApp) -> AsyncIterator[dict[str, Any]]:
    """Run the app's lifespan startup, yield its state, then run its shutdown.

    An app that does not speak the lifespan protocol (it returns or raises at once) is used
    as is, the way uvicorn's ``lifespan="auto"`` treats it.
    """
    state: dict[str, Any] = {}
    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": state}
    to_app, app_receives = anyio.create_memory_object_stream[Message](math.inf)
    app_sends, from_app = anyio.create_memory_object_stream[Message](math.inf)

    async def run_app() -> None:
        try:
            await app(scope, app_receives.receive, app_sends.send)
        except Exception as exc:  # the app does not support lifespan
            await app_sends.send({"type": "lifespan.unsupported", "message": repr(exc)})
        else:
            await app_sends.send({"type": "lifespan.returned"})

    with to_app, app_receives, app_sends, from_app:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(run_app)
            await to_app.send({"type": "lifespan.startup"})
            reply = await from_app.receive()
            if reply["type"] == "lifespan.startup.failed":
                raise RuntimeError(f"lifespan startup failed: {reply.get('message', '')}")
            supported = reply["type"] == "lifespan.startup.complete"
            try:
                yield state
            finally:
                if supported:
                    await to_app.send({"type": "lifespan.shutdown"})
                    await from_app.receive()
                tasks.cancel_scope.cancel()
