"""Streamed responses: order, incremental delivery, disconnects, HEAD, context and errors."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing
from typing import Any

import anyio
import pytest

from asyncflask import Flask, Response, request, stream_with_context
from asyncflask.testing import AsyncFlaskClient as FlaskClient

pytestmark = pytest.mark.anyio

TIMEOUT = 5


# -- complete responses -------------------------------------------------------------------


async def test_sync_generator_chunks_arrive_in_order(app: Flask, client: FlaskClient) -> None:
    @app.get("/s")
    def stream() -> Any:
        def generate() -> Iterator[str]:
            for i in range(5):
                yield f"{i},"

        return generate()

    with anyio.fail_after(TIMEOUT):
        r = await client.get("/s")
    assert r.status_code == 200
    assert r.text == "0,1,2,3,4,"
    assert r.mimetype == "text/html"
    assert "Content-Length" not in r.headers


async def test_async_generator_chunks_arrive_in_order(app: Flask, client: FlaskClient) -> None:
    @app.get("/s")
    async def stream() -> Any:
        async def generate() -> AsyncIterator[bytes]:
            for i in range(5):
                await anyio.sleep(0)
                yield f"{i};".encode()

        return generate()

    with anyio.fail_after(TIMEOUT):
        r = await client.get("/s")
    assert r.status_code == 200
    assert r.data == b"0;1;2;3;4;"


async def test_streamed_response_object_keeps_status_and_headers(
    app: Flask, client: FlaskClient
) -> None:
    @app.get("/s")
    async def stream() -> Any:
        async def generate() -> AsyncIterator[str]:
            yield "a"
            yield "b"

        return Response(generate(), status=201, headers={"X-Stream": "1"}, mimetype="text/plain")

    r = await client.get("/s")
    assert r.status_code == 201
    assert r.headers["X-Stream"] == "1"
    assert r.mimetype == "text/plain"
    assert r.text == "ab"


async def test_generator_with_status_tuple(app: Flask, client: FlaskClient) -> None:
    @app.get("/s")
    def stream() -> Any:
        def generate() -> Iterator[str]:
            yield "x"
            yield "y"

        return generate(), 202, {"X-Kind": "tuple"}

    r = await client.get("/s")
    assert r.status_code == 202
    assert r.headers["X-Kind"] == "tuple"
    assert r.text == "xy"


async def test_empty_chunks_are_skipped(app: Flask, client: FlaskClient) -> None:
    @app.get("/s")
    async def stream() -> Any:
        async def generate() -> AsyncIterator[str]:
            yield ""
            yield "a"
            yield b""  # type: ignore[misc]
            yield "b"

        return generate()

    async with client.stream("GET", "/s") as r:
        chunks = [chunk async for chunk in r.iter_bytes()]
    assert chunks == [b"a", b"b"]


# -- incremental delivery with client.stream ----------------------------------------------


async def test_async_stream_is_delivered_incrementally(app: Flask, client: FlaskClient) -> None:
    release = anyio.Event()

    @app.get("/s")
    async def stream() -> Any:
        async def generate() -> AsyncIterator[bytes]:
            yield b"first"
            await release.wait()
            yield b"second"

        return generate()

    received: list[bytes] = []
    with anyio.fail_after(TIMEOUT):
        async with client.stream("GET", "/s") as r:
            assert r.status_code == 200
            async for chunk in r.iter_bytes():
                received.append(chunk)
                if chunk == b"first":
                    # The app is blocked until this point: the first chunk was not buffered.
                    release.set()
    assert received == [b"first", b"second"]


async def test_sync_stream_is_delivered_incrementally(app: Flask, client: FlaskClient) -> None:
    release = threading.Event()

    @app.get("/s")
    def stream() -> Any:
        def generate() -> Iterator[str]:
            yield "first"
            if not release.wait(TIMEOUT):
                raise RuntimeError("the client never read the first chunk")
            yield "second"

        return generate()

    received: list[bytes] = []
    with anyio.fail_after(TIMEOUT):
        async with client.stream("GET", "/s") as r:
            async for chunk in r.iter_bytes():
                received.append(chunk)
                release.set()
    assert received == [b"first", b"second"]


async def test_stream_read_returns_the_whole_body(app: Flask, client: FlaskClient) -> None:
    @app.get("/s")
    async def stream() -> Any:
        async def generate() -> AsyncIterator[str]:
            for part in ("a", "b", "c"):
                yield part

        return generate()

    with anyio.fail_after(TIMEOUT):
        async with client.stream("GET", "/s") as r:
            assert await r.read() == b"abc"
            assert r.text == "abc"


async def test_stream_of_a_plain_response(app: Flask, client: FlaskClient) -> None:
    @app.get("/plain")
    def plain() -> str:
        return "whole"

    with anyio.fail_after(TIMEOUT):
        async with client.stream("GET", "/plain") as r:
            chunks = [chunk async for chunk in r.iter_bytes()]
    assert b"".join(chunks) == b"whole"


async def test_iter_lines_yields_lines_without_endings(app: Flask, client: FlaskClient) -> None:
    @app.get("/lines")
    async def lines() -> Any:
        async def generate() -> AsyncIterator[str]:
            for part in ("ab", "c\nd", "\r\n", "e\r", "\nf\r", "g\n", "", "last"):
                yield part

        return generate()

    with anyio.fail_after(TIMEOUT):
        async with client.stream("GET", "/lines") as r:
            lines_read = [line async for line in r.iter_lines()]
    assert lines_read == ["abc", "d", "e", "f", "g", "last"]


async def test_iter_lines_keeps_blank_lines(app: Flask, client: FlaskClient) -> None:
    @app.get("/events")
    async def events() -> Any:
        async def generate() -> AsyncIterator[str]:
            yield "data: 1\n\n"
            yield "data: 2\n\n"

        return generate()

    with anyio.fail_after(TIMEOUT):
        async with client.stream("GET", "/events") as r:
            lines_read = [line async for line in r.iter_lines()]
    assert lines_read == ["data: 1", "", "data: 2", ""]


async def test_iter_lines_is_incremental(app: Flask, client: FlaskClient) -> None:
    release = anyio.Event()

    @app.get("/lines")
    async def lines() -> Any:
        async def generate() -> AsyncIterator[str]:
            yield "one\n"
            await release.wait()
            yield "two\n"

        return generate()

    seen: list[str] = []
    with anyio.fail_after(TIMEOUT):
        async with client.stream("GET", "/lines") as r:
            async for line in r.iter_lines():
                seen.append(line)
                release.set()
    assert seen == ["one", "two"]


# -- disconnects --------------------------------------------------------------------------


async def test_leaving_the_stream_runs_the_async_generator_finally(
    app: Flask, client: FlaskClient
) -> None:
    finished = anyio.Event()
    produced = 0

    @app.get("/forever")
    async def forever() -> Any:
        async def generate() -> AsyncIterator[str]:
            nonlocal produced
            try:
                while True:
                    produced += 1
                    yield "tick\n"
                    await anyio.sleep(0.01)
            finally:
                finished.set()

        return generate()

    with anyio.fail_after(TIMEOUT):
        async with client.stream("GET", "/forever") as r, aclosing(r.iter_bytes()) as chunks:
            async for chunk in chunks:
                assert chunk.startswith(b"tick")
                break
        await finished.wait()
    count = produced
    await anyio.sleep(0.05)
    assert produced == count


async def test_leaving_the_stream_runs_the_sync_generator_finally(
    app: Flask, client: FlaskClient
) -> None:
    finished = threading.Event()

    @app.get("/forever")
    def forever() -> Any:
        def generate() -> Iterator[str]:
            try:
                while True:
                    yield "tick"
                    time.sleep(0.005)
            finally:
                finished.set()

        return generate()

    with anyio.fail_after(TIMEOUT):
        async with client.stream("GET", "/forever") as r, aclosing(r.iter_bytes()) as chunks:
            async for _ in chunks:
                break
        while not finished.is_set():
            await anyio.sleep(0.01)
    assert finished.is_set()


async def test_leaving_the_stream_without_reading_stops_the_generator(
    app: Flask, client: FlaskClient
) -> None:
    finished = anyio.Event()

    @app.get("/forever")
    async def forever() -> Any:
        async def generate() -> AsyncIterator[str]:
            try:
                while True:
                    yield "x"
                    await anyio.sleep(0.01)
            finally:
                finished.set()

        return generate()

    with anyio.fail_after(TIMEOUT):
        async with client.stream("GET", "/forever") as r:
            assert r.status_code == 200
        await finished.wait()


async def test_generator_finally_runs_after_a_complete_response(
    app: Flask, client: FlaskClient
) -> None:
    closed: list[str] = []

    @app.get("/s")
    async def stream() -> Any:
        async def generate() -> AsyncIterator[str]:
            try:
                yield "done"
            finally:
                closed.append("closed")

        return generate()

    r = await client.get("/s")
    assert r.text == "done"
    assert closed == ["closed"]


async def test_teardown_runs_after_the_stream_ends(app: Flask, client: FlaskClient) -> None:
    events: list[str] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        events.append("teardown")

    @app.get("/s")
    async def stream() -> Any:
        async def generate() -> AsyncIterator[str]:
            events.append("start")
            yield "a"
            events.append("end")

        return generate()

    r = await client.get("/s")
    assert r.text == "a"
    assert events == ["start", "end", "teardown"]


# -- HEAD ---------------------------------------------------------------------------------


async def test_head_on_a_streaming_route_sends_no_body(app: Flask, client: FlaskClient) -> None:
    produced: list[str] = []

    @app.get("/s")
    async def stream() -> Any:
        async def generate() -> AsyncIterator[str]:
            produced.append("body")
            yield "body"

        return generate(), {"X-Stream": "yes"}

    r = await client.head("/s")
    assert r.status_code == 200
    assert r.headers["X-Stream"] == "yes"
    assert r.data == b""
    assert produced == []


async def test_head_on_a_sync_streaming_route_sends_no_body(
    app: Flask, client: FlaskClient
) -> None:
    @app.get("/s")
    def stream() -> Any:
        def generate() -> Iterator[str]:
            yield "body"

        return generate()

    with anyio.fail_after(TIMEOUT):
        async with client.stream("HEAD", "/s") as r:
            chunks = [chunk async for chunk in r.iter_bytes()]
    assert r.status_code == 200
    assert chunks == []


# -- request context while streaming ------------------------------------------------------


async def test_request_is_available_in_a_sync_generator(app: Flask, client: FlaskClient) -> None:
    @app.get("/s")
    def stream() -> Any:
        def generate() -> Iterator[str]:
            yield "hello "
            yield request.args["name"]
            yield f" via {request.path}"

        return generate()

    r = await client.get("/s", query_string={"name": "ada"})
    assert r.text == "hello ada via /s"


async def test_request_is_available_in_an_async_generator(app: Flask, client: FlaskClient) -> None:
    @app.get("/s")
    async def stream() -> Any:
        async def generate() -> AsyncIterator[str]:
            yield "hello "
            await anyio.sleep(0)
            yield request.args["name"]
            yield f" {request.headers['X-Extra']}"

        return generate()

    r = await client.get("/s", query_string={"name": "ada"}, headers={"X-Extra": "!"})
    assert r.text == "hello ada !"


async def test_stream_with_context_as_a_decorator(app: Flask, client: FlaskClient) -> None:
    @app.get("/s")
    def stream() -> Any:
        @stream_with_context
        def generate() -> Iterator[str]:
            yield "hello "
            yield request.args["name"]

        return generate()

    r = await client.get("/s", query_string={"name": "grace"})
    assert r.status_code == 200
    assert r.text == "hello grace"


async def test_stream_with_context_on_a_generator(app: Flask, client: FlaskClient) -> None:
    @app.get("/s")
    def stream() -> Any:
        def generate() -> Iterator[str]:
            yield "hello "
            yield request.args["name"]

        return stream_with_context(generate())

    r = await client.get("/s", query_string={"name": "linus"})
    assert r.text == "hello linus"


async def test_stream_with_context_on_an_async_generator(app: Flask, client: FlaskClient) -> None:
    @app.get("/s")
    async def stream() -> Any:
        @stream_with_context
        async def generate() -> AsyncIterator[str]:
            yield request.method
            yield " "
            yield request.args["name"]

        return generate()

    r = await client.get("/s", query_string={"name": "guido"})
    assert r.text == "GET guido"


async def test_stream_with_context_keeps_the_wrapped_name(app: Flask) -> None:
    def generate() -> Iterator[str]:
        yield "x"

    wrapped = stream_with_context(generate)
    assert wrapped.__name__ == "generate"
    assert list(wrapped()) == ["x"]


# -- errors while streaming ---------------------------------------------------------------


async def test_error_mid_stream_truncates_the_body_and_is_logged(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["TESTING"] = False

    @app.get("/s")
    async def stream() -> Any:
        async def generate() -> AsyncIterator[str]:
            yield "partial"
            raise ValueError("stream broke")

        return generate()

    with caplog.at_level(logging.ERROR, logger=app.logger.name), anyio.fail_after(TIMEOUT):
        r = await app.test_client().get("/s")
    assert r.status_code == 200
    assert r.data == b"partial"
    errors = [rec for rec in caplog.records if rec.levelno >= logging.ERROR]
    assert errors, "the error mid-stream was not logged"
    assert any("/s" in rec.getMessage() for rec in errors)


async def test_sync_error_mid_stream_truncates_the_body_and_is_logged(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["TESTING"] = False

    @app.get("/s")
    def stream() -> Any:
        def generate() -> Iterator[str]:
            yield "partial"
            raise ValueError("stream broke")

        return generate()

    with caplog.at_level(logging.ERROR, logger=app.logger.name), anyio.fail_after(TIMEOUT):
        r = await app.test_client().get("/s")
    assert r.status_code == 200
    assert r.data == b"partial"
    assert any(rec.levelno >= logging.ERROR for rec in caplog.records)


async def test_error_mid_stream_through_client_stream(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["TESTING"] = False

    @app.get("/s")
    async def stream() -> Any:
        async def generate() -> AsyncIterator[str]:
            yield "one\n"
            raise ValueError("stream broke")

        return generate()

    with caplog.at_level(logging.ERROR, logger=app.logger.name), anyio.fail_after(TIMEOUT):
        async with app.test_client().stream("GET", "/s") as r:
            lines = [line async for line in r.iter_lines()]
    assert lines == ["one"]


async def test_app_still_serves_after_an_error_mid_stream(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["TESTING"] = False

    @app.get("/s")
    async def stream() -> Any:
        async def generate() -> AsyncIterator[str]:
            yield "partial"
            raise ValueError("stream broke")

        return generate()

    @app.get("/ok")
    def ok() -> str:
        return "fine"

    client = app.test_client()
    with caplog.at_level(logging.CRITICAL + 1, logger=app.logger.name):
        await client.get("/s")
    r = await client.get("/ok")
    assert r.text == "fine"
