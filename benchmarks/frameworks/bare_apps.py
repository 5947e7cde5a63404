"""Bare ASGI callables: the floor every framework is compared with.

Each does the least work that still answers its endpoint correctly (checks the path, encodes
per request what a framework would encode per request), and speaks the lifespan protocol.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from functools import partial
from typing import TYPE_CHECKING

import anyio.to_thread
import jinja2
from python_multipart.multipart import MultipartParser, parse_options_header

from benchmarks.driver import ASGIApp, Message, Receive, Scope, Send
from benchmarks.frameworks import AppFactory
from benchmarks.payloads import (
    HELLO,
    HOOK_HEADER,
    HOOK_VALUE,
    JSON_MESSAGE,
    SECRET_KEY,
    SESSION_COUNTER,
    SSE_EVENT_COUNT,
    STATIC_FILE_NAME,
    STREAM_CHUNK,
    STREAM_CHUNK_COUNT,
    TEMPLATE_DIR,
    TEMPLATE_NAME,
    TEMPLATE_ROWS,
    TEMPLATE_TITLE,
    sse_event,
    static_dir,
)

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

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
        await _respond(send, 200, JSON, _dumps(json.loads(await _read_body(receive))))

    return app


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


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


def server_sent_events() -> ASGIApp:
    """``GET /sse`` → 100 events, each encoded by hand and sent as its own body message."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["path"] != "/sse":
            await _not_found(send)
            return
        headers = [(b"content-type", b"text/event-stream; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for n in range(SSE_EVENT_COUNT):
            event = sse_event(n).encode()
            await send({"type": "http.response.body", "body": event, "more_body": True})
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


def _load_greeting(state: dict[str, str]) -> None:
    state["greeting"] = HELLO


def _greet(state: dict[str, str]) -> bytes:
    return state["greeting"].encode()


def _mark(headers: list[tuple[bytes, bytes]]) -> None:
    headers.append((HOOK_HEADER.lower().encode(), HOOK_VALUE.encode()))


def sync_hooks() -> ASGIApp:
    """``GET /sync-hooks``: three sync callables, each run with ``anyio.to_thread.run_sync``.

    The before step leaves the greeting in a per-request dict for the view; the after step
    adds a header.
    """

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["path"] != "/sync-hooks":
            await _not_found(send)
            return
        state: dict[str, str] = {}
        await anyio.to_thread.run_sync(_load_greeting, state)
        body = await anyio.to_thread.run_sync(_greet, state)
        headers = [(b"content-type", TEXT), (b"content-length", str(len(body)).encode())]
        await anyio.to_thread.run_sync(_mark, headers)
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def _b64encode(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _b64decode(data: bytes) -> bytes:
    return base64.urlsafe_b64decode(data + b"=" * (-len(data) % 4))


class _SignedCookie:
    """A JSON dict in a cookie, signed with HMAC-SHA256: ``base64(json).base64(mac)``."""

    def __init__(self, name: bytes, key: str) -> None:
        self.name = name
        self._prefix = name + b"="
        self._key = key.encode()

    def _mac(self, payload: bytes) -> bytes:
        return _b64encode(hmac.new(self._key, payload, hashlib.sha256).digest())

    def load(self, cookie_header: bytes) -> dict[str, object]:
        """The dict in this cookie of a ``Cookie`` header; empty when absent or tampered with."""
        for pair in cookie_header.split(b";"):
            pair = pair.strip()
            if not pair.startswith(self._prefix):
                continue
            payload, _, mac = pair[len(self._prefix) :].rpartition(b".")
            if not hmac.compare_digest(mac, self._mac(payload)):
                return {}
            try:
                data = json.loads(_b64decode(payload))
            except (binascii.Error, ValueError):
                return {}
            return data if isinstance(data, dict) else {}
        return {}

    def dump(self, data: dict[str, object]) -> bytes:
        """A ``Set-Cookie`` value that stores ``data``."""
        payload = _b64encode(_dumps(data))
        return self._prefix + payload + b"." + self._mac(payload) + b"; Path=/; HttpOnly"


def session() -> ASGIApp:
    """``GET /session`` → the counter in a signed cookie, incremented and stored again."""
    cookie = _SignedCookie(b"session", SECRET_KEY)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["path"] != "/session":
            await _not_found(send)
            return
        data: dict[str, object] = {}
        for name, value in scope["headers"]:
            if name == b"cookie":
                data = cookie.load(value)
                break
        counter = data.get(SESSION_COUNTER, 0)
        data[SESSION_COUNTER] = counter = (counter if isinstance(counter, int) else 0) + 1
        body = str(counter).encode()
        headers = [
            (b"content-type", TEXT),
            (b"content-length", str(len(body)).encode()),
            (b"set-cookie", cookie.dump(data)),
            (b"vary", b"Cookie"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


class _UploadCollector:
    """Keeps a multipart body's text fields and its files' sizes, from the parser's callbacks."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}
        self.file_sizes: dict[str, int] = {}
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._name = ""
        self._is_file = False
        self._data = bytearray()
        self._size = 0

    def callbacks(self) -> MultipartCallbacks:
        """The callbacks to hand to ``MultipartParser``."""
        return {
            "on_part_begin": self._on_part_begin,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
        }

    def _on_part_begin(self) -> None:
        self._name, self._is_file, self._size = "", False, 0
        self._data.clear()

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            _, params = parse_options_header(bytes(self._header_value))
            self._name = params.get(b"name", b"").decode()
            self._is_file = b"filename" in params
        self._header_name.clear()
        self._header_value.clear()

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file:
            self._size += end - start
        else:
            self._data += data[start:end]

    def _on_part_end(self) -> None:
        if self._is_file:
            self.file_sizes[self._name] = self._size
        else:
            self.fields[self._name] = self._data.decode()


def upload() -> ASGIApp:
    """``POST /upload`` → ``title=<field> size=<file size>``, parsed with python-multipart."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["path"] != "/upload" or scope["method"] != "POST":
            await _not_found(send)
            return
        content_type = b""
        for name, value in scope["headers"]:
            if name == b"content-type":
                content_type = value
                break
        mimetype, params = parse_options_header(content_type)
        boundary = params.get(b"boundary")
        if mimetype != b"multipart/form-data" or not boundary:
            await _respond(send, 400, TEXT, b"expected a multipart/form-data body")
            return
        collector = _UploadCollector()
        parser = MultipartParser(boundary, collector.callbacks())
        parser.write(await _read_body(receive))
        parser.finalize()
        text = f"title={collector.fields.get('title')} size={collector.file_sizes.get('file')}"
        await _respond(send, 200, TEXT, text.encode())

    return app


def websocket_echo() -> ASGIApp:
    """Websocket ``/ws``: accept, then send every text or binary message back."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "websocket":
            await _not_found(send)
            return
        await receive()  # websocket.connect
        if scope["path"] != "/ws":
            await send({"type": "websocket.close", "code": 1008})
            return
        await send({"type": "websocket.accept"})
        while True:
            message: Message = await receive()
            if message["type"] != "websocket.receive":
                return
            text = message.get("text")
            if text is not None:
                await send({"type": "websocket.send", "text": text})
            else:
                await send({"type": "websocket.send", "bytes": message.get("bytes") or b""})

    return app


def template_page() -> ASGIApp:
    """``GET /template``: Jinja alone, the template compiled once."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True)
    template = env.get_template(TEMPLATE_NAME)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
        elif scope["path"] == "/template":
            page = template.render(title=TEMPLATE_TITLE, rows=TEMPLATE_ROWS)
            await _respond(send, 200, b"text/html; charset=utf-8", page.encode())
        else:
            await _not_found(send)

    return app


def static_file() -> ASGIApp:
    """``GET /static/<file>``: the file read in 64 KiB chunks in a worker thread, streamed."""
    path = static_dir() / STATIC_FILE_NAME
    target = f"/static/{STATIC_FILE_NAME}"

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["path"] != target:
            await _not_found(send)
            return
        size = (await anyio.to_thread.run_sync(path.stat)).st_size
        headers = [(b"content-type", b"application/octet-stream")]
        headers.append((b"content-length", str(size).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        file = await anyio.to_thread.run_sync(path.open, "rb")
        try:
            while chunk := await anyio.to_thread.run_sync(file.read, 65536):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        finally:
            file.close()
        await send({"type": "http.response.body", "body": b""})

    return app


FACTORIES: dict[str, AppFactory] = {
    "plaintext": plaintext,
    "json": json_message,
    "route-10": partial(user, 10),
    "route-100": partial(user, 100),
    "route-1000": partial(user, 1000),
    "echo": echo,
    "stream": stream,
    "sse": server_sent_events,
    "sync": sync_view,
    "sync-hooks": sync_hooks,
    "session": session,
    "multipart": upload,
    "websocket": websocket_echo,
    "template": template_page,
    "static": static_file,
}
