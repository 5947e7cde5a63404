"""The benchmark runner's request driver answers correctly (no timing here)."""

from __future__ import annotations

import json

import pytest

from benchmarks.driver import HTTPRequest, Message, PreparedRequest, Receive, Scope, Send, drive
from benchmarks.driver import lifespan as run_lifespan
from benchmarks.frameworks import bare_apps
from benchmarks.payloads import ECHO_BODY, ECHO_PAYLOAD, HELLO, STREAM_CHUNK, STREAM_CHUNK_COUNT
from benchmarks.scenarios import SCENARIOS_BY_NAME, Expectation


@pytest.mark.anyio
async def test_driving_the_bare_app_returns_its_body() -> None:
    response = await drive(bare_apps.plaintext(), PreparedRequest(HTTPRequest("GET", "/")))

    assert response.status == 200
    assert response.complete
    assert response.body == HELLO.encode()
    assert response.header("Content-Type") == "text/plain; charset=utf-8"


@pytest.mark.anyio
async def test_unknown_path_reaches_the_app_as_a_404() -> None:
    response = await drive(bare_apps.plaintext(), PreparedRequest(HTTPRequest("GET", "/nope")))

    assert response.status == 404


@pytest.mark.anyio
async def test_request_body_and_headers_reach_the_app() -> None:
    request = HTTPRequest(
        "POST", "/echo", headers=(("content-type", "application/json"),), body=ECHO_BODY
    )

    response = await drive(bare_apps.echo(), PreparedRequest(request))

    assert response.status == 200
    assert json.loads(response.body) == ECHO_PAYLOAD


@pytest.mark.anyio
async def test_streamed_chunks_are_all_captured() -> None:
    response = await drive(bare_apps.stream(), PreparedRequest(HTTPRequest("GET", "/stream")))

    assert response.complete
    assert response.body == STREAM_CHUNK * STREAM_CHUNK_COUNT


@pytest.mark.anyio
async def test_sync_view_app_answers_through_a_worker_thread() -> None:
    response = await drive(bare_apps.sync_view(), PreparedRequest(HTTPRequest("GET", "/sync")))

    assert response.body == HELLO.encode()


@pytest.mark.anyio
async def test_scope_is_fresh_for_every_request() -> None:
    seen: list[Scope] = []
    headers_on_entry: list[list[tuple[bytes, bytes]]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)
        headers_on_entry.append(list(scope["headers"]))
        scope["headers"].append((b"x-added", b"1"))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    request = PreparedRequest(HTTPRequest("GET", "/items", query_string="page=2"))
    await drive(app, request)
    await drive(app, request)

    first, second = seen
    assert first is not second
    assert first["path"] == "/items"
    assert first["query_string"] == b"page=2"
    assert headers_on_entry == [[(b"host", b"127.0.0.1:8000")]] * 2


@pytest.mark.anyio
async def test_receive_reports_disconnect_only_after_the_response_is_complete() -> None:
    messages: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        messages.append(await receive())
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})
        messages.append(await receive())

    response = await drive(app, PreparedRequest(HTTPRequest("POST", "/", body=b"abc")))

    assert response.body == b"done"
    assert messages == [
        {"type": "http.request", "body": b"abc", "more_body": False},
        {"type": "http.disconnect"},
    ]


@pytest.mark.anyio
async def test_lifespan_runs_startup_and_shutdown() -> None:
    events: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            events.append(message["type"])
            if message["type"] == "lifespan.startup":
                scope["state"]["ready"] = True
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return

    async with run_lifespan(app) as state:
        assert state == {"ready": True}
        assert events == ["lifespan.startup"]

    assert events == ["lifespan.startup", "lifespan.shutdown"]


@pytest.mark.anyio
async def test_app_without_lifespan_support_is_used_as_is() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("only http")

    async with run_lifespan(app) as state:
        assert state == {}


def test_expectation_reports_a_wrong_body() -> None:
    expect = SCENARIOS_BY_NAME["plaintext"].expect

    assert expect.problem(200, HELLO.encode()) is None
    assert expect.problem(200, b"Goodbye") is not None
    assert expect.problem(500, HELLO.encode()) is not None


def test_expectation_compares_json_by_value() -> None:
    expect = Expectation(json={"a": 1, "b": [1, 2]})

    assert expect.problem(200, b'{"b": [1, 2], "a": 1}') is None
    assert expect.problem(200, b'{"a": 2, "b": [1, 2]}') is not None
    assert expect.problem(200, b"not json") is not None
