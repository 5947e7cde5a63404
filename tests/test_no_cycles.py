"""Requests leave nothing for the garbage collector.

Objects freed by reference counting go at once; objects in reference cycles wait for
a collection, and a server that makes a cycle per request runs the collector every
few hundred requests, which shows up as latency spikes under load.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import subprocess
import sys
from types import FrameType
from typing import Any

import anyio
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

    @app.get("/sync")
    def sync_view() -> str:
        return "ok"

    @app.get("/sync-fail")
    def sync_fail() -> str:
        raise SyncFailure("boom")

    @app.errorhandler(SyncFailure)
    def sync_handled(e: SyncFailure) -> tuple[str, int]:
        return "handled", 500

    return app


class SyncFailure(Exception):
    """Raised by a sync view and handled by a sync error handler."""


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
    "sync view": ("GET", "/sync", [], b""),
    "sync handled error": ("GET", "/sync-fail", [], b""),
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
        if done:
            return {"type": "http.disconnect"}
        await anyio.lowlevel.checkpoint()  # a worker thread's result needs the loop
        return {"type": "http.request", "body": b""}

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


def _left_for_the_collector() -> list[str]:
    """What of asyncflask's the collector would free now (the collector must be off)."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        return sorted(
            f"frame {o.f_code.co_name}" if isinstance(o, FrameType) else type(o).__name__
            for o in gc.garbage
            if _ours(o)
        )
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


async def _measure(backend: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for kind, (method, path, headers, body) in REQUESTS.items():
        app = make_app()
        for _ in range(3):  # warm up: first-use caches, lazily built objects
            await call(app, method, path, headers, body)
        gc.collect()
        gc.disable()
        for _ in range(10):
            await call(app, method, path, headers, body)
        found[kind] = _left_for_the_collector()
        gc.enable()
    if backend == "asyncio":
        runner = SyncRunner(2)
        await runner.run(len, "warm")
        gc.collect()
        gc.disable()
        for _ in range(10):
            await runner.run(len, "abc")
        found["sync call"] = _left_for_the_collector()
        gc.enable()
    return found


@pytest.fixture(scope="module")
def leftovers() -> dict[str, dict[str, list[str]]]:
    """Per backend and request kind, what the collector had to free after ten requests.

    Each backend runs in a fresh interpreter: in the test process, other tests' apps and
    event loops become garbage at times of their own choosing.
    """
    results = {}
    for backend in ("asyncio", "trio"):
        done = subprocess.run(
            [sys.executable, __file__, backend],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        results[backend] = json.loads(done.stdout.splitlines()[-1])
    return results


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@pytest.mark.parametrize("kind", list(REQUESTS))
def test_a_request_leaves_no_reference_cycles(
    kind: str, backend: str, leftovers: dict[str, dict[str, list[str]]]
) -> None:
    assert leftovers[backend][kind] == []


def test_a_sync_call_leaves_no_reference_cycles(
    leftovers: dict[str, dict[str, list[str]]],
) -> None:
    assert leftovers["asyncio"]["sync call"] == []


if __name__ == "__main__":
    logging.disable(logging.CRITICAL)  # the unhandled error's report
    print(json.dumps(anyio.run(_measure, sys.argv[1], backend=sys.argv[1])))
