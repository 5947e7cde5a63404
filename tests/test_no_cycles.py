"""Requests leave nothing for the garbage collector.

Objects freed by reference counting go at once; objects in reference cycles wait for
a collection, and a server that makes a cycle per request runs the collector every
few hundred requests, which shows up as latency spikes under load.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

import pytest

from asyncflask import Flask, jsonify, request, session
from asyncflask.concurrency import SyncRunner

BOUNDARY = "xYzZY"
MULTIPART = (
    f"--{BOUNDARY}\r\n"
    'Content-Disposition: form-data; name="title"\r\n\r\n'
    "hello\r\n"
    f"--{BOUNDARY}\r\n"
    'Content-Disposition: form-data; name="upload"; filename="a.txt"\r\n'
    "Content-Type: text/plain\r\n\r\n"
    f"{'x' * 2048}\r\n"
    f"--{BOUNDARY}--\r\n"
).encode()


def make_app() -> Flask:
    app = Flask(__name__)
    app.secret_key = "cycle-free"

    @app.get("/")
    async def index() -> str:
        return "ok"

    @app.post("/json")
    async def echo() -> Any:
        return jsonify(request.get_json())

    @app.get("/session")
    async def counter() -> str:
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    @app.post("/upload")
    async def upload() -> str:
        return f"{request.form['title']} {len(request.files['upload'].read())}"

    @app.get("/stream")
    async def stream() -> Any:
        async def chunks() -> Any:
            for _ in range(3):
                yield b"chunk"

        return chunks()

    @app.get("/missing")
    async def missing() -> str:
        return request.args["nope"]  # a 400 through the error path

    @app.get("/fail")
    async def fail() -> str:
        raise RuntimeError("boom")

    @app.errorhandler(RuntimeError)
    async def handled(e: RuntimeError) -> tuple[str, int]:
        return "handled", 500

    @app.get("/crash")
    async def crash() -> str:
        raise LookupError("unhandled")

    return app


REQUESTS: dict[str, tuple[str, str, list[tuple[bytes, bytes]], bytes]] = {
    "plain": ("GET", "/", [], b""),
    "json": ("POST", "/json", [(b"content-type", b"application/json")], b'{"a": [1, 2.5]}'),
    "session": ("GET", "/session", [], b""),
    "multipart": (
        "POST",
        "/upload",
        [(b"content-type", f"multipart/form-data; boundary={BOUNDARY}".encode())],
        MULTIPART,
    ),
    "stream": ("GET", "/stream", [], b""),
    "not found": ("GET", "/nowhere", [], b""),
    "bad request": ("GET", "/missing", [], b""),
    "handled error": ("GET", "/fail", [], b""),
    "unhandled error": ("GET", "/crash", [], b""),
}


async def call(app: Flask, method: str, path: str, headers: list[Any], body: bytes) -> int:
    headers = [(b"host", b"testserver"), *headers]
    if body:
        headers.append((b"content-length", str(len(body)).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    sent = False
    status = 0
    done = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"} if done else {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, done
        if message["type"] == "http.response.start":
            status = message["status"]
        elif not message.get("more_body", False):
            done = True

    await app(scope, receive, send)
    return status


def _ours(obj: object) -> bool:
    if isinstance(obj, FrameType):
        return f"{os.sep}asyncflask{os.sep}" in obj.f_code.co_filename
    return type(obj).__module__.split(".")[0] == "asyncflask"


@pytest.fixture
def leftovers() -> Iterator[Callable[[], list[str]]]:
    """Turn the collector off; yield a function listing what of asyncflask's it would free.

    Only asyncflask's objects and frames count: the test runner's own event loops leave
    cycles of their own behind, at times of their choosing.
    """
    gc.collect()
    gc.disable()

    def collect() -> list[str]:
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            gc.collect()
            found = [obj for obj in gc.garbage if _ours(obj)]
            return sorted(
                f"frame {o.f_code.co_name}" if isinstance(o, FrameType) else type(o).__name__
                for o in found
            )
        finally:
            gc.set_debug(0)
            gc.garbage.clear()

    try:
        yield collect
    finally:
        gc.enable()


@pytest.mark.anyio
@pytest.mark.parametrize("kind", list(REQUESTS))
async def test_a_request_leaves_no_reference_cycles(
    kind: str,
    leftovers: Callable[[], list[str]],
    anyio_backend: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app()
    method, path, headers, body = REQUESTS[kind]
    for _ in range(3):  # warm up: first-use caches, lazily built objects
        await call(app, method, path, headers, body)
    gc.collect()
    for _ in range(10):
        await call(app, method, path, headers, body)
    assert leftovers() == []


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.anyio
async def test_a_sync_call_leaves_no_reference_cycles(
    leftovers: Callable[[], list[str]], anyio_backend: str
) -> None:
    runner = SyncRunner(2)
    await runner.run(len, "warm")
    gc.collect()
    for _ in range(10):
        await runner.run(len, "abc")
    assert leftovers() == []
