"""Routes with ``stream_request=True``: the body is read as it arrives, never buffered first."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from asyncflask import Flask, request
from asyncflask.testing import build_scope

pytestmark = pytest.mark.anyio


def chunked_receive(chunks: list[bytes], gate: anyio.Event | None = None) -> Any:
    """An ASGI receive sending ``chunks`` one by one, waiting on ``gate`` after the first."""
    pending = list(chunks)
    sent_first = False

    async def receive() -> dict[str, Any]:
        nonlocal sent_first
        if sent_first and gate is not None:
            await gate.wait()
        sent_first = True
        if pending:
            chunk = pending.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(pending)}
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    return receive


async def call(app: Flask, receive: Any, path: str = "/upload", **kwargs: Any) -> tuple[int, bytes]:
    scope, _ = build_scope(app, path, method="POST", **kwargs)
    messages: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    await app(scope, receive, send)
    status = next(m["status"] for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return status, body


async def test_stream_yields_chunks_as_they_arrive() -> None:
    app = Flask(__name__)
    seen: list[bytes] = []
    gate = anyio.Event()

    @app.post("/upload", stream_request=True)
    async def upload() -> str:
        async for chunk in request.stream:
            seen.append(chunk)
            # The first chunk reached the view before the client sent the rest.
            gate.set()
        return str(sum(len(c) for c in seen))

    with anyio.fail_after(5):
        status, body = await call(app, chunked_receive([b"abc", b"de", b"f"], gate))
    assert (status, body) == (200, b"6")
    assert seen == [b"abc", b"de", b"f"]


async def test_sync_accessor_before_loading_raises_a_clear_runtime_error() -> None:
    app = Flask(__name__)
    app.config["TESTING"] = True

    @app.post("/upload", stream_request=True)
    async def upload() -> bytes:
        return request.get_data()

    with pytest.raises(RuntimeError, match="stream_request=True"):
        await call(app, chunked_receive([b"x"]))


async def test_load_body_buffers_on_demand() -> None:
    app = Flask(__name__)

    @app.post("/upload", stream_request=True)
    async def upload() -> Any:
        await request.load_body()
        return {"json": request.get_json(), "size": len(request.data)}

    client = app.test_client()
    r = await client.post("/upload", json={"a": 1})
    assert r.json == {"json": {"a": 1}, "size": len(b'{"a": 1}')}


async def test_streamed_body_over_the_route_limit_is_413() -> None:
    app = Flask(__name__)

    @app.post("/upload", stream_request=True, max_content_length=5)
    async def upload() -> str:
        total = 0
        async for chunk in request.stream:
            total += len(chunk)
        return str(total)

    with anyio.fail_after(5):
        status, body = await call(app, chunked_receive([b"abc", b"def", b"ghi"]))
    assert status == 413
    assert b"5 bytes" in body


async def test_declared_length_over_the_limit_is_413_before_reading() -> None:
    app = Flask(__name__)
    read: list[bytes] = []

    @app.post("/upload", stream_request=True, max_content_length=5)
    async def upload() -> str:
        async for chunk in request.stream:
            read.append(chunk)
        return "ok"

    status, _ = await call(app, chunked_receive([b"x" * 100]), headers={"Content-Length": "100"})
    assert status == 413
    assert read == []


async def test_stream_on_a_buffered_route_yields_the_body() -> None:
    app = Flask(__name__)

    @app.post("/echo")
    async def echo() -> bytes:
        return b"".join([chunk async for chunk in request.stream])

    r = await app.test_client().post("/echo", data=b"hello")
    assert r.data == b"hello"


async def test_reading_the_stream_twice_is_an_error() -> None:
    app = Flask(__name__)
    app.config["TESTING"] = True

    @app.post("/upload", stream_request=True)
    async def upload() -> str:
        async for _ in request.stream:
            pass
        async for _ in request.stream:
            pass
        return "ok"

    with pytest.raises(RuntimeError, match="already consumed"):
        await app.test_client().post("/upload", data=b"abc")
