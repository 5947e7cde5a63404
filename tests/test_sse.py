"""Server-Sent Events: the pure encoder, then ``sse()`` responses through the test client."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from typing import Any

import anyio
import pytest

from asyncflask import Flask, ServerSentEvent, g, request, sse
from asyncflask.sse import PING, encode_comment, encode_event
from asyncflask.testing import FlaskClient

TIMEOUT = 5

# -- the encoder (no event loop) -----------------------------------------------------------


def test_plain_text_is_one_data_line() -> None:
    assert encode_event("hello") == b"data: hello\n\n"


def test_every_kind_of_line_break_starts_a_data_line() -> None:
    assert encode_event("a\nb\r\nc\rd") == b"data: a\ndata: b\ndata: c\ndata: d\n\n"


def test_trailing_and_empty_lines_are_kept() -> None:
    assert encode_event("") == b"data: \n\n"
    assert encode_event("a\n") == b"data: a\ndata: \n\n"
    assert encode_event("\r\n\r\n") == b"data: \ndata: \ndata: \n\n"


def test_all_fields_in_order() -> None:
    event = ServerSentEvent("tick", event="clock", id=7, retry=1500)
    assert event.encode() == b"event: clock\nid: 7\nretry: 1500\ndata: tick\n\n"


def test_fields_without_data() -> None:
    assert encode_event(ServerSentEvent(retry=0)) == b"retry: 0\n\n"
    assert encode_event(ServerSentEvent(id="")) == b"id: \n\n"


def test_comments_cannot_inject_fields() -> None:
    assert encode_comment("ping") == PING
    assert encode_event(ServerSentEvent("x", comment="a\ndata: evil")) == (
        b": a\n: data: evil\ndata: x\n\n"
    )


def test_data_cannot_inject_fields() -> None:
    assert encode_event("x\nevent: evil\r\nid: 1") == (
        b"data: x\ndata: event: evil\ndata: id: 1\n\n"
    )


def test_non_text_data_is_json() -> None:
    assert encode_event({"a": [1, 2]}) == b'data: {"a": [1, 2]}\n\n'
    assert encode_event([1, "two"]) == b'data: [1, "two"]\n\n'
    assert encode_event(ServerSentEvent(5)) == b"data: 5\n\n"


def test_json_dumps_is_pluggable_and_its_newlines_split() -> None:
    def dumps(obj: Any) -> str:
        return "{\n  pretty\n}"

    assert encode_event({"a": 1}, dumps) == b"data: {\ndata:   pretty\ndata: }\n\n"


def test_bytes_data_is_utf8_text() -> None:
    assert encode_event(ServerSentEvent("é".encode())) == "data: é\n\n".encode()


def test_unicode_is_utf8() -> None:
    assert encode_event("snow ☃") == "data: snow ☃\n\n".encode()


@pytest.mark.parametrize("value", ["a\nb", "a\rb", "a\r\nb", "\n", "x\r"])
@pytest.mark.parametrize("field", ["event", "id"])
def test_line_break_in_event_or_id_is_a_value_error(field: str, value: str) -> None:
    with pytest.raises(ValueError, match=f"SSE {field} field must not contain CR or LF"):
        ServerSentEvent("data", **{field: value})


def test_nul_in_id_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="NUL"):
        ServerSentEvent("data", id="a\0b")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"retry": -1}, ValueError),
        ({"retry": 1.5}, TypeError),
        ({"retry": True}, TypeError),
        ({"retry": "10"}, TypeError),
        ({"event": 3}, TypeError),
        ({"id": 1.5}, TypeError),
        ({"id": True}, TypeError),
        ({"comment": b"x"}, TypeError),
    ],
)
def test_bad_field_types(kwargs: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        ServerSentEvent("data", **kwargs)


def test_an_event_with_nothing_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="needs data"):
        encode_event(ServerSentEvent())


def test_events_compare_and_repr() -> None:
    assert ServerSentEvent("a", id=1) == ServerSentEvent("a", id="1")
    assert ServerSentEvent("a") != ServerSentEvent("b")
    assert repr(ServerSentEvent("a", event="e")) == "ServerSentEvent(data='a', event='e')"


@pytest.mark.parametrize("source", ["text", b"bytes", 42, None])
def test_sse_needs_an_iterable_of_events(source: Any) -> None:
    with pytest.raises(TypeError, match="iterable of events"):
        sse(source)


@pytest.mark.parametrize(("ping", "error"), [(0, ValueError), (-1, ValueError), ("5", TypeError)])
def test_sse_ping_must_be_positive_seconds(ping: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        sse([], ping=ping)


def test_sse_headers_outside_a_request() -> None:
    response = sse(["a"])
    assert response.headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["X-Accel-Buffering"] == "no"
    assert "Content-Length" not in response.headers
    assert response.is_streamed


# -- sse() responses ------------------------------------------------------------------------


async def read_events(client: FlaskClient, path: str, count: int, **kwargs: Any) -> list[str]:
    """The first ``count`` non-empty lines of the stream at ``path``."""
    lines: list[str] = []
    with anyio.fail_after(TIMEOUT):
        async with client.stream("GET", path, **kwargs) as r:
            assert r.status_code == 200
            async for line in r.iter_lines():
                if line:
                    lines.append(line)
                if len(lines) == count:
                    break
    return lines


@pytest.mark.anyio
async def test_async_source_with_events_text_and_json(app: Flask, client: FlaskClient) -> None:
    @app.get("/events")
    async def events() -> Any:
        async def source() -> AsyncIterator[Any]:
            yield ServerSentEvent("first", event="greeting", id=1)
            yield "two\nlines"
            yield {"n": 3}

        return sse(source())

    r = await client.get("/events")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert r.headers["Cache-Control"] == "no-cache"
    assert r.headers["X-Accel-Buffering"] == "no"
    assert r.data == (
        b'event: greeting\nid: 1\ndata: first\n\ndata: two\ndata: lines\n\ndata: {"n": 3}\n\n'
    )


@pytest.mark.anyio
async def test_sync_source_runs_off_the_loop_with_the_request_context(
    app: Flask, client: FlaskClient
) -> None:
    loop_thread = threading.get_ident()
    threads: list[int] = []

    @app.before_request
    def remember() -> None:
        g.user = "ada"

    @app.get("/events")
    def events() -> Any:
        def source() -> Iterator[str]:
            for n in range(3):
                threads.append(threading.get_ident())
                yield f"{request.args['prefix']}{n} for {g.user}"

        return sse(source())

    r = await client.get("/events?prefix=n")
    assert r.data == b"data: n0 for ada\n\ndata: n1 for ada\n\ndata: n2 for ada\n\n"
    assert threads and loop_thread not in threads


@pytest.mark.anyio
async def test_async_source_sees_the_request_context(app: Flask, client: FlaskClient) -> None:
    @app.get("/events")
    async def events() -> Any:
        async def source() -> AsyncIterator[str]:
            yield request.headers.get("Last-Event-ID", "none")

        return sse(source())

    r = await client.get("/events", headers={"Last-Event-ID": "41"})
    assert r.data == b"data: 41\n\n"


@pytest.mark.anyio
async def test_json_data_uses_the_app_json_provider(app: Flask, client: FlaskClient) -> None:
    @app.get("/events")
    def events() -> Any:
        return sse([{"at": datetime(2024, 5, 17, 12, 30, tzinfo=timezone.utc)}])

    r = await client.get("/events")
    assert r.data == b'data: {"at": "Fri, 17 May 2024 12:30:00 GMT"}\n\n'


@pytest.mark.anyio
async def test_status_and_headers_tuple(app: Flask, client: FlaskClient) -> None:
    @app.get("/events")
    def events() -> Any:
        return sse(["a"]), 201, {"X-Stream": "yes"}

    r = await client.get("/events")
    assert r.status_code == 201
    assert r.headers["X-Stream"] == "yes"
    assert r.headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert r.data == b"data: a\n\n"


@pytest.mark.anyio
async def test_head_request_does_not_run_the_source(app: Flask, client: FlaskClient) -> None:
    started: list[str] = []

    @app.get("/events")
    async def events() -> Any:
        async def source() -> AsyncIterator[str]:
            started.append("yes")
            yield "x"

        return sse(source())

    r = await client.head("/events")
    assert r.status_code == 200
    assert r.data == b""
    assert started == []


@pytest.mark.anyio
async def test_pings_keep_an_idle_stream_alive_without_disturbing_the_source(
    app: Flask, client: FlaskClient
) -> None:
    seen: list[str] = []

    @app.get("/events")
    async def events() -> Any:
        async def source() -> AsyncIterator[str]:
            for n in range(2):
                try:
                    await anyio.sleep(0.25)
                except BaseException as e:
                    seen.append(f"interrupted: {type(e).__name__}")
                    raise
                seen.append(f"produced {n}")
                yield str(n)

        return sse(source(), ping=0.04)

    lines = await read_events(client, "/events", 100)
    assert lines.count(": ping") >= 5
    assert [line for line in lines if line != ": ping"] == ["data: 0", "data: 1"]
    assert seen == ["produced 0", "produced 1"]


@pytest.mark.anyio
async def test_ping_default_comes_from_config(app: Flask, client: FlaskClient) -> None:
    app.config["SSE_PING_INTERVAL"] = 0.03

    @app.get("/events")
    async def events() -> Any:
        async def source() -> AsyncIterator[str]:
            await anyio.sleep(0.2)
            yield "done"

        return sse(source())

    lines = await read_events(client, "/events", 100)
    assert lines[-1] == "data: done"
    assert lines.count(": ping") >= 3


@pytest.mark.anyio
async def test_ping_none_disables_pings(app: Flask, client: FlaskClient) -> None:
    app.config["SSE_PING_INTERVAL"] = 0.01

    @app.get("/events")
    async def events() -> Any:
        async def source() -> AsyncIterator[str]:
            await anyio.sleep(0.1)
            yield "done"

        return sse(source(), ping=None)

    r = await client.get("/events")
    assert r.data == b"data: done\n\n"


@pytest.mark.anyio
async def test_disconnect_closes_an_async_source_promptly(app: Flask, client: FlaskClient) -> None:
    closed = anyio.Event()

    @app.get("/events")
    async def events() -> Any:
        async def source() -> AsyncIterator[str]:
            try:
                n = 0
                while True:
                    yield str(n)
                    n += 1
                    await anyio.sleep(3600)  # the client leaves while the source waits
            finally:
                closed.set()

        return sse(source(), ping=None)

    assert await read_events(client, "/events", 1) == ["data: 0"]
    with anyio.fail_after(1):
        await closed.wait()


@pytest.mark.anyio
async def test_disconnect_closes_a_sync_source_on_its_thread(
    app: Flask, client: FlaskClient
) -> None:
    closed = threading.Event()
    loop_thread = threading.get_ident()
    closing_threads: list[int] = []

    @app.get("/events")
    def events() -> Any:
        def source() -> Iterator[str]:
            try:
                n = 0
                while True:
                    yield str(n)
                    n += 1
            finally:
                closing_threads.append(threading.get_ident())
                closed.set()

        return sse(source(), ping=None)

    assert await read_events(client, "/events", 2) == ["data: 0", "data: 1"]
    with anyio.fail_after(2):
        while not closed.is_set():
            await anyio.sleep(0.01)
    assert closing_threads and closing_threads[0] != loop_thread


@pytest.mark.anyio
async def test_a_slow_client_holds_the_source_back(app: Flask, client: FlaskClient) -> None:
    produced = 0

    @app.get("/events")
    async def events() -> Any:
        async def source() -> AsyncIterator[str]:
            nonlocal produced
            while True:
                produced += 1
                yield "x" * 1000

        return sse(source(), ping=None)

    with anyio.fail_after(TIMEOUT):
        async with client.stream("GET", "/events") as r:
            chunks = r.iter_bytes()
            await chunks.__anext__()
            await anyio.sleep(0.2)  # the client stops reading
            held = produced
            await anyio.sleep(0.2)
            assert produced == held
    # A fixed bound: the test client queues 16 messages, each at most the 8 events the
    # stream buffers (ready events go out together), plus the 8 buffered and a few in flight.
    assert held <= 20 * 8 + 8 + 2


@pytest.mark.anyio
async def test_an_error_in_the_source_propagates_in_testing(
    app: Flask, client: FlaskClient
) -> None:
    @app.get("/events")
    async def events() -> Any:
        async def source() -> AsyncIterator[str]:
            yield "one"
            raise LookupError("source failed")

        return sse(source())

    with anyio.fail_after(TIMEOUT), pytest.raises(LookupError, match="source failed"):
        await client.get("/events")


@pytest.mark.anyio
async def test_stopping_the_server_ends_streams_cleanly(app: Flask, client: FlaskClient) -> None:
    closed = anyio.Event()

    @app.get("/events")
    async def events() -> Any:
        async def source() -> AsyncIterator[str]:
            try:
                yield "first"
                await anyio.sleep(3600)
                yield "never"
            finally:
                closed.set()

        return sse(source(), ping=None)

    with anyio.fail_after(TIMEOUT):
        async with client.stream("GET", "/events") as r:
            lines = r.iter_lines()
            assert await lines.__anext__() == "data: first"
            assert len(app._realtime) == 1
            await app._realtime.stop_all(timeout=2)
            body = await r.read()
    assert body.endswith(b"data: first\n\n")
    assert closed.is_set()
    assert len(app._realtime) == 0
    app._realtime.resume()


@pytest.mark.anyio
async def test_a_hundred_concurrent_streams(app: Flask, client: FlaskClient) -> None:
    @app.get("/events/<int:n>")
    async def events(n: int) -> Any:
        async def source() -> AsyncIterator[ServerSentEvent]:
            for i in range(5):
                await anyio.sleep(0.01)
                yield ServerSentEvent(f"{n}:{i}", id=i)

        return sse(source(), ping=0.005)

    results: dict[int, list[str]] = {}

    async def one(n: int) -> None:
        async with client.stream("GET", f"/events/{n}") as r:
            results[n] = [line async for line in r.iter_lines() if line.startswith("data:")]

    with anyio.fail_after(TIMEOUT * 2):
        async with anyio.create_task_group() as tg:
            for n in range(100):
                tg.start_soon(one, n)
    assert len(results) == 100
    for n, lines in results.items():
        assert lines == [f"data: {n}:{i}" for i in range(5)]


@pytest.mark.anyio
async def test_disconnects_leak_no_generator_task_or_thread(
    app: Flask, client: FlaskClient
) -> None:
    closed: list[str] = []

    @app.get("/sync")
    def sync_events() -> Any:
        def source() -> Iterator[str]:
            try:
                while True:
                    yield "tick"
            finally:
                closed.append("sync")

        return sse(source())

    @app.get("/async")
    async def async_events() -> Any:
        async def source() -> AsyncIterator[str]:
            try:
                while True:
                    yield "tick"
                    await anyio.sleep(0.001)
            finally:
                closed.append("async")

        return sse(source(), ping=0.01)

    await read_events(client, "/sync", 1)  # the worker threads exist from here on
    threads_before = threading.active_count()
    for _ in range(20):
        await read_events(client, "/sync", 2)
        await read_events(client, "/async", 2)
    with anyio.fail_after(TIMEOUT):
        while len(closed) < 41:
            await anyio.sleep(0.01)
    assert sorted(set(closed)) == ["async", "sync"]
    assert len(app._realtime) == 0  # no stream is still registered as open
    assert threading.active_count() <= threads_before + 2
