"""The benchmark runner's request driver answers correctly (no timing here)."""

from __future__ import annotations

import json

import anyio
import pytest

from benchmarks.driver import (
    HTTPRequest,
    Message,
    PreparedRequest,
    PreparedWebSocket,
    Receive,
    Scope,
    Send,
    drive,
    drive_websocket,
)
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


def _websocket(*messages: str) -> PreparedWebSocket:
    return PreparedWebSocket(HTTPRequest("GET", "/ws", query_string="room=1"), messages)


@pytest.mark.anyio
async def test_websocket_driver_sends_connect_messages_then_disconnect() -> None:
    seen: list[Message] = []
    scopes: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        scopes.append(scope)
        seen.append(await receive())
        await send({"type": "websocket.accept"})
        while True:
            message = await receive()
            seen.append(message)
            if message["type"] == "websocket.disconnect":
                return
            await send({"type": "websocket.send", "text": message["text"].upper()})

    captured = await drive_websocket(app, _websocket("one", "two"))

    assert captured.accepted
    assert captured.received == ["ONE", "TWO"]
    assert captured.close_code is None
    assert [message["type"] for message in seen] == [
        "websocket.connect",
        "websocket.receive",
        "websocket.receive",
        "websocket.disconnect",
    ]
    assert seen[-1]["code"] == 1000
    scope = scopes[0]
    assert (scope["type"], scope["path"], scope["query_string"]) == ("websocket", "/ws", b"room=1")
    assert (b"upgrade", b"websocket") in scope["headers"]


@pytest.mark.anyio
async def test_websocket_driver_waits_for_each_answer_before_the_next_message() -> None:
    """An app that reads ahead in its own task gets message n+1 only after answering n."""
    order: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        queue_send, queue_receive = anyio.create_memory_object_stream[Message](10)

        async def read_ahead() -> None:
            with queue_send:
                while True:
                    message = await receive()
                    order.append(f"got {message.get('text', message['type'])}")
                    await queue_send.send(message)
                    if message["type"] == "websocket.disconnect":
                        return

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(read_ahead)
            with queue_receive:
                async for message in queue_receive:
                    if message["type"] == "websocket.disconnect":
                        break
                    order.append(f"echo {message['text']}")
                    await send({"type": "websocket.send", "bytes": message["text"].encode()})

    captured = await drive_websocket(app, _websocket("a", "b"))

    assert captured.received == [b"a", b"b"]
    assert order == ["got a", "echo a", "got b", "echo b", "got websocket.disconnect"]


@pytest.mark.anyio
async def test_websocket_driver_reports_disconnect_once_the_app_closes() -> None:
    seen: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        seen.append(await receive())
        await send({"type": "websocket.close", "code": 1001})
        seen.append(await receive())

    captured = await drive_websocket(app, _websocket("a", "b", "c"))

    assert captured.close_code == 1001
    assert captured.closed
    assert seen[-1] == {"type": "websocket.disconnect", "code": 1001, "reason": ""}


@pytest.mark.anyio
async def test_websocket_driver_captures_a_refused_handshake() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.http.response.start", "status": 403, "headers": []})
        await send({"type": "websocket.http.response.body", "body": b"no"})

    captured = await drive_websocket(app, _websocket("a"))

    assert not captured.accepted
    assert captured.rejected_status == 403
    assert captured.received == []


@pytest.mark.anyio
async def test_bare_websocket_app_echoes_every_message() -> None:
    captured = await drive_websocket(bare_apps.websocket_echo(), _websocket("hi", "there"))

    assert captured.accepted
    assert captured.received == ["hi", "there"]
