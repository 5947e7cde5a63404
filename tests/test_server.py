"""asyncflask behind a real uvicorn server: streaming, disconnects, limits, hostile input.

uvicorn runs on asyncio, so these tests run on asyncio only. Every server
binds 127.0.0.1 on a free port and is stopped in a ``finally`` block.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import uvicorn
from websockets.asyncio.client import connect as ws_connect

from asyncflask import Flask, current_app, request, websocket

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 5


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(
    app: Flask, server_class: type[uvicorn.Server] = uvicorn.Server, **options: Any
) -> Iterator[str]:
    """Run ``app`` under uvicorn in a background thread; yield its base URL."""
    port = free_port()
    options.setdefault("lifespan", "on")
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **options)
    server = server_class(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + TIMEOUT
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("uvicorn exited before it started serving")
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start within the timeout")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(TIMEOUT)
        if thread.is_alive():
            server.force_exit = True
            thread.join(TIMEOUT)


def raw_request(base_url: str, data: bytes) -> bytes:
    """Send raw bytes (a request with ``Connection: close``) and read until the server closes."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as sock:
        sock.sendall(data)
        chunks: list[bytes] = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def status_of(raw: bytes) -> int:
    first_line = raw.split(b"\r\n", 1)[0]
    assert first_line.startswith(b"HTTP/1.1 "), raw[:200]
    return int(first_line.split()[1])


# -- the app served in these tests --------------------------------------------------------


class Signals:
    def __init__(self) -> None:
        self.release = threading.Event()
        self.finished = threading.Event()


@pytest.fixture
def signals() -> Signals:
    return Signals()


@pytest.fixture
def served_app(signals: Signals) -> Flask:
    app = Flask("served_app")
    app.config["MAX_CONTENT_LENGTH"] = 1024
    events: list[str] = []
    app.extensions["events"] = events

    @app.before_serving
    async def startup() -> None:
        events.append("before_serving")
        current_app.extensions["ready"] = True

    @app.after_serving
    def shutdown() -> None:
        events.append("after_serving")

    @app.get("/")
    def index() -> Any:
        return {"ready": current_app.extensions.get("ready", False), "events": list(events)}

    @app.get("/host")
    def host() -> str:
        return request.host

    @app.get("/stream")
    async def stream() -> Any:
        async def generate() -> AsyncIterator[bytes]:
            yield b"first\n"
            # Longer than the test's own timeout, so a buffered body fails the test.
            deadline = anyio.current_time() + 2 * TIMEOUT
            while not signals.release.is_set() and anyio.current_time() < deadline:
                await anyio.sleep(0.01)
            yield b"second\n"

        return generate()

    @app.get("/forever")
    async def forever() -> Any:
        async def generate() -> AsyncIterator[bytes]:
            try:
                while True:
                    yield b"tick\n"
                    await anyio.sleep(0.01)
            finally:
                signals.finished.set()

        return generate()

    @app.get("/forever-sync")
    def forever_sync() -> Any:
        def generate() -> Iterator[bytes]:
            try:
                while True:
                    yield b"tick\n"
                    time.sleep(0.01)
            finally:
                signals.finished.set()

        return generate()

    @app.post("/upload")
    async def upload() -> Any:
        return {"size": len(request.get_data())}

    @app.websocket("/ws")
    async def echo() -> None:
        while True:
            message = await websocket.receive()
            await websocket.send(message)

    return app


# -- lifespan and plain requests ----------------------------------------------------------


async def test_lifespan_hooks_run_around_serving(served_app: Flask) -> None:
    events = served_app.extensions["events"]
    with serve(served_app) as base_url:
        async with httpx.AsyncClient(base_url=base_url) as client:
            r = await client.get("/")
        assert r.status_code == 200
        assert r.json() == {"ready": True, "events": ["before_serving"]}
        assert r.headers["content-type"] == "application/json"
    assert events == ["before_serving", "after_serving"]


async def test_failing_startup_stops_the_server() -> None:
    app = Flask("failing_app")

    @app.before_serving
    def broken() -> None:
        raise RuntimeError("no database")

    config = uvicorn.Config(
        app, host="127.0.0.1", port=free_port(), lifespan="on", log_level="critical"
    )
    server = uvicorn.Server(config)
    exits: list[BaseException] = []

    def run() -> None:
        try:
            server.run()
        except SystemExit as e:
            exits.append(e)

    thread = threading.Thread(target=run, daemon=True)
    app.logger.disabled = True
    try:
        thread.start()
        await anyio.to_thread.run_sync(thread.join, TIMEOUT)
    finally:
        app.logger.disabled = False
        server.should_exit = True
        thread.join(TIMEOUT)
    assert not thread.is_alive()
    assert not server.started
    assert len(exits) == 1
    assert exits[0].code not in (0, None)


# -- streaming over the wire --------------------------------------------------------------


async def test_streamed_response_streams_over_the_wire(served_app: Flask, signals: Signals) -> None:
    with serve(served_app) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT) as client:
            with anyio.fail_after(TIMEOUT):
                async with client.stream("GET", "/stream") as r:
                    assert r.status_code == 200
                    chunks = r.aiter_raw()
                    first = await chunks.__anext__()
                    # The app has not finished: it waits for this event.
                    assert first == b"first\n"
                    assert not signals.release.is_set()
                    signals.release.set()
                    rest = b"".join([chunk async for chunk in chunks])
                    assert rest == b"second\n"
                    await chunks.aclose()
        assert r.headers.get("transfer-encoding") == "chunked"


async def test_client_disconnect_runs_the_async_generator_finally(
    served_app: Flask, signals: Signals
) -> None:
    with serve(served_app) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT) as client:
            with anyio.fail_after(TIMEOUT):
                async with client.stream("GET", "/forever") as r:
                    chunks = r.aiter_raw()
                    assert (await chunks.__anext__()).startswith(b"tick")
                    await chunks.aclose()
        finished = await anyio.to_thread.run_sync(signals.finished.wait, TIMEOUT)
        assert finished, "the generator's finally did not run after the client left"


async def test_client_disconnect_runs_the_sync_generator_finally(
    served_app: Flask, signals: Signals
) -> None:
    with serve(served_app) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT) as client:
            with anyio.fail_after(TIMEOUT):
                async with client.stream("GET", "/forever-sync") as r:
                    chunks = r.aiter_raw()
                    assert (await chunks.__anext__()).startswith(b"tick")
                    await chunks.aclose()
        finished = await anyio.to_thread.run_sync(signals.finished.wait, TIMEOUT)
        assert finished, "the sync generator's finally did not run after the client left"


# -- body limits --------------------------------------------------------------------------


async def test_body_over_max_content_length_is_413(served_app: Flask) -> None:
    with serve(served_app) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT) as client:
            small = await client.post("/upload", content=b"x" * 512)
            assert small.status_code == 200
            assert small.json() == {"size": 512}
            try:
                r = await client.post("/upload", content=b"x" * (1024 * 1024))
            except httpx.TransportError as e:  # pragma: no cover - depends on socket buffers
                pytest.fail(f"the server dropped the connection instead of answering 413: {e!r}")
            assert r.status_code == 413
            assert "1024" in r.text


async def test_chunked_body_over_max_content_length_is_413(served_app: Flask) -> None:
    async def body() -> AsyncIterator[bytes]:
        for _ in range(64):
            yield b"y" * 1024

    with serve(served_app) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT) as client:
            try:
                r = await client.post("/upload", content=body())
            except httpx.TransportError as e:  # pragma: no cover - depends on socket buffers
                pytest.fail(f"the server dropped the connection instead of answering 413: {e!r}")
            assert r.status_code == 413


# -- hostile requests ---------------------------------------------------------------------


@pytest.mark.parametrize("http", ["h11", "httptools"])
async def test_malformed_host_header_is_400(served_app: Flask, http: str) -> None:
    with serve(served_app, http=http) as base_url:
        good = await anyio.to_thread.run_sync(
            raw_request,
            base_url,
            b"GET /host HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
        )
        assert status_of(good) == 200
        assert good.endswith(b"example.com")
        bad = await anyio.to_thread.run_sync(
            raw_request,
            base_url,
            b"GET /host HTTP/1.1\r\nHost: exa mple.com\r\nConnection: close\r\n\r\n",
        )
    assert status_of(bad) == 400
    assert b"The Host header is not a valid host name." in bad


@pytest.mark.parametrize("http", ["h11", "httptools"])
async def test_path_without_leading_slash_is_400_never_500(served_app: Flask, http: str) -> None:
    with serve(served_app, http=http) as base_url:
        raw = await anyio.to_thread.run_sync(
            raw_request,
            base_url,
            b"GET @evil.com HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        )
        # The server still answers normal requests afterwards.
        async with httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT) as client:
            assert (await client.get("/")).status_code == 200
    assert status_of(raw) == 400


@pytest.mark.parametrize("http", ["h11", "httptools"])
async def test_invalid_percent_encoding_in_the_path_is_400(served_app: Flask, http: str) -> None:
    with serve(served_app, http=http) as base_url:
        raw = await anyio.to_thread.run_sync(
            raw_request,
            base_url,
            b"GET /host%zz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        )
    assert status_of(raw) == 400
    assert b"invalid percent-encoding" in raw


# -- websockets ---------------------------------------------------------------------------


async def test_websocket_echo_over_the_wire(served_app: Flask) -> None:
    with serve(served_app) as base_url:
        ws_url = base_url.replace("http://", "ws://") + "/ws"
        with anyio.fail_after(TIMEOUT):
            async with ws_connect(ws_url) as ws:
                await ws.send("hello")
                assert await ws.recv() == "hello"
                await ws.send(b"\x01\x02")
                assert await ws.recv() == b"\x01\x02"


async def test_websocket_to_an_unknown_path_is_refused(served_app: Flask) -> None:
    from websockets.exceptions import InvalidStatus

    with serve(served_app) as base_url:
        ws_url = base_url.replace("http://", "ws://") + "/nowhere"
        with anyio.fail_after(TIMEOUT), pytest.raises(InvalidStatus) as info:
            async with ws_connect(ws_url):
                pass
    assert info.value.response.status_code == 403


# -- the example app as a subprocess ------------------------------------------------------


async def test_examples_hello_runs_under_the_uvicorn_command() -> None:
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "examples.hello:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=TIMEOUT) as c:
            deadline = time.monotonic() + 15
            while True:
                if proc.poll() is not None:
                    _, err = proc.communicate()
                    pytest.fail(f"uvicorn exited early: {err.decode(errors='replace')}")
                try:
                    r = await c.get("/")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        pytest.fail("uvicorn did not start serving examples.hello in time")
                    await anyio.sleep(0.05)
            assert r.status_code == 200
            assert r.text == "<p>Hello, World!</p>"
            assert r.headers["content-type"] == "text/html; charset=utf-8"
            hello = await c.get("/hello/ada", headers={"User-Agent": "probe/1.0"})
            assert hello.json() == {"hello": "ada", "agent": "probe/1.0"}
            echo = await c.post("/echo", json={"a": 1})
            assert echo.json() == {"a": 1}
    finally:
        proc.terminate()
        try:
            proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
