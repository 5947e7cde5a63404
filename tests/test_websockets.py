"""Websocket routes: messages, routing, hooks, closing and rejection, over the ASGI interface.

These tests play the server's side of the ASGI websocket protocol directly, so
they check the framework's websocket pipeline independently of the test client.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable
from typing import Any

import anyio
import pytest

from asyncflask import Flask, abort, g, has_request_context, session, websocket
from asyncflask.datastructures import Headers
from asyncflask.exceptions import WebSocketDisconnect
from asyncflask.testing import FlaskClient

pytestmark = pytest.mark.anyio

TIMEOUT = 5
Message = dict[str, Any]


async def converse(
    app: Flask,
    path: str,
    incoming: Iterable[Message | str | bytes] = (),
    *,
    query_string: bytes = b"",
    headers: Iterable[tuple[bytes, bytes]] = (),
    http_response_extension: bool = True,
    subprotocols: Iterable[str] = (),
) -> list[Message]:
    """Connect to ``path``, deliver ``incoming`` then a client close; return what the app sent."""
    inbox: deque[Message] = deque([{"type": "websocket.connect"}])
    for item in incoming:
        if isinstance(item, str):
            inbox.append({"type": "websocket.receive", "text": item})
        elif isinstance(item, bytes):
            inbox.append({"type": "websocket.receive", "bytes": item})
        else:
            inbox.append(item)
    sent: list[Message] = []

    async def receive() -> Message:
        if inbox:
            return inbox.popleft()
        return {"type": "websocket.disconnect", "code": 1000}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Message = {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "scheme": "ws",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query_string,
        "headers": [(b"host", b"localhost"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 80),
        "subprotocols": list(subprotocols),
        "extensions": {"websocket.http.response": {}} if http_response_extension else {},
        "state": {},
    }
    with anyio.fail_after(TIMEOUT):
        await app(scope, receive, send)
    return sent


def kinds(messages: list[Message]) -> list[str]:
    return [m["type"] for m in messages]


@pytest.fixture
def echo_app(app: Flask) -> Flask:
    @app.websocket("/ws")
    async def echo() -> None:
        while True:
            message = await websocket.receive()
            await websocket.send(message)

    return app


# -- messages -----------------------------------------------------------------------------


async def test_echo_text_and_bytes(echo_app: Flask) -> None:
    sent = await converse(echo_app, "/ws", ["hello", b"\x00\xff"])
    assert sent == [
        {"type": "websocket.accept", "subprotocol": None},
        {"type": "websocket.send", "text": "hello"},
        {"type": "websocket.send", "bytes": b"\x00\xff"},
    ]


async def test_json_both_ways(app: Flask) -> None:
    @app.websocket("/ws")
    async def doubler() -> None:
        data = await websocket.receive_json()
        await websocket.send_json({"doubled": [n * 2 for n in data["numbers"]]})

    sent = await converse(app, "/ws", ['{"numbers": [1, 2, 3]}'])
    assert sent[1]["type"] == "websocket.send"
    assert app.json.loads(sent[1]["text"]) == {"doubled": [2, 4, 6]}


async def test_client_disconnect_reaches_the_view(app: Flask) -> None:
    seen: list[Any] = []

    @app.websocket("/ws")
    async def listen() -> None:
        try:
            while True:
                seen.append(await websocket.receive())
        except WebSocketDisconnect as e:
            seen.append(("disconnect", e.code))
            raise

    sent = await converse(app, "/ws", ["one", {"type": "websocket.disconnect", "code": 4002}])
    assert seen == ["one", ("disconnect", 4002)]
    assert kinds(sent) == ["websocket.accept"]


async def test_sending_a_non_text_message_is_a_type_error(app: Flask) -> None:
    errors: list[str] = []

    @app.websocket("/ws")
    async def bad() -> None:
        try:
            await websocket.send(123)  # type: ignore[arg-type]
        except TypeError as e:
            errors.append(str(e))

    await converse(app, "/ws")
    assert errors == ["Websocket messages are str or bytes, not int."]


# -- routing ------------------------------------------------------------------------------


async def test_view_args_from_the_path(app: Flask) -> None:
    @app.websocket("/ws/<int:room>")
    async def room(room: int) -> None:
        await websocket.send_json({"room": room, "type": type(room).__name__})

    sent = await converse(app, "/ws/42")
    assert app.json.loads(sent[1]["text"]) == {"room": 42, "type": "int"}


async def test_args_headers_and_path(app: Flask) -> None:
    @app.websocket("/info")
    async def info() -> None:
        await websocket.send_json(
            {
                "args": websocket.args.to_dict(flat=False),
                "token": websocket.headers.get("X-Token"),
                "path": websocket.path,
                "cookie": websocket.cookies.get("sid"),
                "has_request_context": has_request_context(),
            }
        )

    sent = await converse(
        app,
        "/info",
        query_string=b"a=1&a=2",
        headers=[(b"x-token", b"t0k"), (b"cookie", b"sid=abc")],
    )
    assert app.json.loads(sent[1]["text"]) == {
        "args": {"a": ["1", "2"]},
        "token": "t0k",
        "path": "/info",
        "cookie": "abc",
        "has_request_context": False,
    }


async def test_http_and_websocket_routes_on_the_same_url(app: Flask, client: FlaskClient) -> None:
    @app.get("/chat")
    def chat_page() -> str:
        return "chat page"

    @app.websocket("/chat")
    async def chat_socket() -> None:
        await websocket.send("chat socket")

    r = await client.get("/chat")
    assert r.status_code == 200
    assert r.text == "chat page"
    sent = await converse(app, "/chat")
    assert sent[1] == {"type": "websocket.send", "text": "chat socket"}


async def test_websocket_only_url_is_not_an_http_route(app: Flask, client: FlaskClient) -> None:
    @app.websocket("/only-ws")
    async def only_ws() -> None:
        await websocket.send("x")

    r = await client.get("/only-ws")
    assert r.status_code in (404, 405)


async def test_http_only_url_is_not_a_websocket_route(app: Flask) -> None:
    @app.get("/page")
    def page() -> str:
        return "page"

    sent = await converse(app, "/page")
    assert sent[0]["type"] == "websocket.http.response.start"
    assert sent[0]["status"] == 403


async def test_unknown_path_is_denied_with_403(echo_app: Flask) -> None:
    sent = await converse(echo_app, "/nowhere")
    assert kinds(sent) == ["websocket.http.response.start", "websocket.http.response.body"]
    assert sent[0]["status"] == 403


async def test_unknown_path_is_closed_without_the_http_response_extension(
    echo_app: Flask,
) -> None:
    sent = await converse(echo_app, "/nowhere", http_response_extension=False)
    assert sent == [{"type": "websocket.close", "code": 1008, "reason": ""}]


async def test_websocket_route_rejects_a_methods_argument(app: Flask) -> None:
    with pytest.raises(TypeError, match="methods"):
        app.websocket("/ws", methods=["GET"])


# -- closing ------------------------------------------------------------------------------


async def test_server_close_code_and_reason(app: Flask) -> None:
    @app.websocket("/ws")
    async def closer() -> None:
        await websocket.accept()
        await websocket.close(code=4001, reason="go away")

    sent = await converse(app, "/ws")
    assert sent == [
        {"type": "websocket.accept", "subprotocol": None},
        {"type": "websocket.close", "code": 4001, "reason": "go away"},
    ]


async def test_view_returning_closes_with_1000(app: Flask) -> None:
    @app.websocket("/ws")
    async def once() -> None:
        await websocket.send("only")

    sent = await converse(app, "/ws")
    assert sent[-1] == {"type": "websocket.close", "code": 1000, "reason": ""}


async def test_close_before_accept_denies_the_handshake_with_403(app: Flask) -> None:
    @app.websocket("/ws")
    async def refuse() -> None:
        await websocket.close(code=4003)

    sent = await converse(app, "/ws")
    assert kinds(sent) == ["websocket.http.response.start", "websocket.http.response.body"]
    assert sent[0]["status"] == 403
    sent = await converse(app, "/ws", http_response_extension=False)
    assert sent == [{"type": "websocket.close", "code": 1008, "reason": ""}]


async def test_view_returning_without_accepting_is_403(app: Flask) -> None:
    @app.websocket("/ws")
    async def nothing() -> None:
        return None

    sent = await converse(app, "/ws")
    assert sent[0]["type"] == "websocket.http.response.start"
    assert sent[0]["status"] == 403


async def test_subprotocol_negotiation(app: Flask) -> None:
    @app.websocket("/ws")
    async def negotiate() -> None:
        offered = websocket.requested_subprotocols
        await websocket.accept(subprotocol="chat.v2" if "chat.v2" in offered else None)

    sent = await converse(app, "/ws", subprotocols=["chat.v1", "chat.v2"])
    assert sent[0] == {"type": "websocket.accept", "subprotocol": "chat.v2"}


# -- hooks --------------------------------------------------------------------------------


async def test_before_websocket_runs_with_the_websocket_context(app: Flask) -> None:
    seen: list[Any] = []

    @app.before_websocket
    async def check() -> None:
        seen.append((websocket.path, websocket.args.get("user")))
        g.user = websocket.args.get("user")

    @app.before_websocket
    def sync_check() -> None:
        seen.append(("sync", websocket.path))

    @app.websocket("/ws")
    async def view() -> None:
        await websocket.send(f"hello {g.user}")

    sent = await converse(app, "/ws", query_string=b"user=ada")
    assert sent[1] == {"type": "websocket.send", "text": "hello ada"}
    assert seen == [("/ws", "ada"), ("sync", "/ws")]


async def test_before_websocket_returning_a_response_rejects(app: Flask) -> None:
    ran: list[str] = []

    @app.before_websocket
    def deny() -> Any:
        return "forbidden", 403

    @app.websocket("/ws")
    async def view() -> None:
        ran.append("view")

    sent = await converse(app, "/ws")
    assert sent[0]["type"] == "websocket.http.response.start"
    assert sent[0]["status"] == 403
    assert sent[1]["body"] == b"forbidden"
    assert ran == []


async def test_after_websocket_gets_none_once_accepted(app: Flask) -> None:
    seen: list[Any] = []

    @app.after_websocket
    async def after(response: Any) -> Any:
        seen.append(("after", response, websocket.path))
        return response

    @app.websocket("/ws")
    async def view() -> None:
        await websocket.send("hi")
        seen.append("view done")

    await converse(app, "/ws")
    assert seen == ["view done", ("after", None, "/ws")]


async def test_before_websocket_does_not_run_for_http(app: Flask, client: FlaskClient) -> None:
    seen: list[str] = []
    app.before_websocket(lambda: seen.append("ws hook"))

    @app.get("/")
    def index() -> str:
        return "ok"

    r = await client.get("/")
    assert r.text == "ok"
    assert seen == []


async def test_before_request_does_not_run_for_websockets(app: Flask) -> None:
    seen: list[str] = []
    app.before_request(lambda: seen.append("http hook"))

    @app.websocket("/ws")
    async def view() -> None:
        await websocket.send("x")

    await converse(app, "/ws")
    assert seen == []


async def test_teardown_appcontext_runs_after_a_websocket(app: Flask) -> None:
    seen: list[Any] = []

    @app.teardown_appcontext
    def teardown(exc: BaseException | None) -> None:
        seen.append(("teardown", exc))

    @app.websocket("/ws")
    async def view() -> None:
        await websocket.send("hi")

    await converse(app, "/ws")
    assert seen == [("teardown", None)]


# -- session, accept options ------------------------------------------------------------------


async def test_session_is_readable_and_changes_are_not_saved(
    app: Flask, client: FlaskClient
) -> None:
    app.secret_key = "secret"
    seen: list[Any] = []

    @app.websocket("/ws")
    async def view() -> None:
        seen.append(websocket.session.get("user"))
        seen.append(session.get("user"))
        websocket.session["user"] = "changed"
        await websocket.send("ok")

    async with client.session_transaction() as sess:
        sess["user"] = "ada"
    with anyio.fail_after(TIMEOUT):
        async with client.websocket("/ws") as ws:
            assert await ws.receive() == "ok"
        async with client.websocket("/ws") as ws:
            assert await ws.receive() == "ok"
    assert seen == ["ada", "ada", "ada", "ada"]


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Server": "asyncflask"},
        [("X-Server", "asyncflask")],
        Headers([("X-Server", "asyncflask")]),
    ],
)
async def test_accept_headers_as_dict_list_or_headers(app: Flask, headers: Any) -> None:
    @app.websocket("/ws")
    async def view() -> None:
        await websocket.accept(headers=headers)

    sent = await converse(app, "/ws")
    assert sent[0] == {
        "type": "websocket.accept",
        "subprotocol": None,
        "headers": [(b"x-server", b"asyncflask")],
    }


async def test_accept_header_with_a_line_break_is_refused(app: Flask) -> None:
    errors: list[str] = []

    @app.websocket("/ws")
    async def view() -> None:
        try:
            await websocket.accept(headers={"X-Evil": "a\r\nSet-Cookie: x=1"})
        except ValueError as e:
            errors.append(str(e))
            await websocket.accept()

    sent = await converse(app, "/ws")
    assert errors and sent[0] == {"type": "websocket.accept", "subprotocol": None}


async def test_a_subprotocol_the_client_did_not_offer_is_refused(app: Flask) -> None:
    errors: list[str] = []

    @app.websocket("/ws")
    async def view() -> None:
        try:
            await websocket.accept(subprotocol="chat.v9")
        except ValueError as e:
            errors.append(str(e))
            raise

    app.config["TESTING"] = False
    sent = await converse(app, "/ws", subprotocols=["chat.v1"])
    assert "'chat.v9' was not offered" in errors[0]
    assert sent[0]["status"] == 500


# -- handshake denial --------------------------------------------------------------------------


@pytest.mark.parametrize("extension", [True, False])
async def test_abort_before_accept_denies_with_its_status(app: Flask, extension: bool) -> None:
    @app.websocket("/ws")
    async def view() -> None:
        if "token" not in websocket.args:
            abort(401)
        await websocket.send("in")

    sent = await converse(app, "/ws", http_response_extension=extension)
    if extension:
        assert kinds(sent) == ["websocket.http.response.start", "websocket.http.response.body"]
        assert sent[0]["status"] == 401
        assert b"Unauthorized" in sent[1]["body"]
    else:
        assert sent == [{"type": "websocket.close", "code": 1008, "reason": ""}]
    sent = await converse(app, "/ws", query_string=b"token=1")
    assert sent[1] == {"type": "websocket.send", "text": "in"}


@pytest.mark.parametrize("extension", [True, False])
async def test_error_before_accept_denies_with_500_and_is_logged(
    app: Flask, extension: bool, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["TESTING"] = False

    @app.websocket("/ws")
    async def view() -> None:
        raise RuntimeError("view failed")

    caplog.set_level(logging.ERROR, logger=app.logger.name)
    sent = await converse(app, "/ws", http_response_extension=extension)
    if extension:
        assert sent[0]["status"] == 500
        assert b"view failed" not in sent[1]["body"]
    else:
        assert sent == [{"type": "websocket.close", "code": 1008, "reason": ""}]
    assert any(
        "Exception on websocket /ws" in r.getMessage() and r.exc_info for r in caplog.records
    )


async def test_error_before_accept_propagates_in_testing(app: Flask) -> None:
    @app.websocket("/ws")
    async def view() -> None:
        raise RuntimeError("view failed")

    with pytest.raises(RuntimeError, match="view failed"):
        await converse(app, "/ws")


async def test_error_handler_answers_a_websocket_error(app: Flask) -> None:
    @app.errorhandler(LookupError)
    def lookup_failed(e: Exception) -> Any:
        return f"no such room: {e}", 404

    @app.websocket("/ws/<room>")
    async def view(room: str) -> None:
        if room != "lobby":
            raise LookupError(room)
        await websocket.send("welcome")

    sent = await converse(app, "/ws/attic")
    assert sent[0]["status"] == 404
    assert sent[1]["body"] == b"no such room: attic"
    sent = await converse(app, "/ws/lobby")
    assert sent[1] == {"type": "websocket.send", "text": "welcome"}


async def test_error_handler_after_accept_closes_normally(app: Flask) -> None:
    handled: list[str] = []

    @app.errorhandler(LookupError)
    def lookup_failed(e: Exception) -> Any:
        handled.append(repr(e))
        return "ignored once accepted"

    @app.websocket("/ws")
    async def view() -> None:
        await websocket.accept()
        raise LookupError("late")

    sent = await converse(app, "/ws")
    assert handled == ["LookupError('late')"]
    assert sent == [
        {"type": "websocket.accept", "subprotocol": None},
        {"type": "websocket.close", "code": 1000, "reason": ""},
    ]


async def test_http_status_error_handler_applies_to_websockets(app: Flask) -> None:
    @app.errorhandler(401)
    def unauthorized(e: Exception) -> Any:
        return "log in first", 401, {"WWW-Authenticate": "Bearer"}

    @app.websocket("/ws")
    async def view() -> None:
        abort(401)

    sent = await converse(app, "/ws")
    assert sent[0]["status"] == 401
    assert (b"www-authenticate", b"Bearer") in sent[0]["headers"]
    assert sent[1]["body"] == b"log in first"


async def test_a_group_of_disconnects_is_a_disconnect(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["TESTING"] = False

    @app.websocket("/ws")
    async def view() -> None:
        async def listen() -> None:
            while True:
                await websocket.receive()

        async with anyio.create_task_group() as tg:
            tg.start_soon(listen)
            tg.start_soon(listen)

    caplog.set_level(logging.ERROR, logger=app.logger.name)
    sent = await converse(app, "/ws")
    assert kinds(sent) == ["websocket.accept"]
    assert not caplog.records


async def test_send_after_the_server_lost_the_client_is_a_disconnect(app: Flask) -> None:
    seen: list[Any] = []

    @app.websocket("/ws")
    async def view() -> None:
        await websocket.accept()
        try:
            await websocket.send("into the void")
        except WebSocketDisconnect as e:
            seen.append(e.code)

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        if message["type"] == "websocket.send":
            raise OSError("client disconnected")  # what uvicorn raises

    scope = {"type": "websocket", "path": "/ws", "headers": [], "query_string": b""}
    with anyio.fail_after(TIMEOUT):
        await app(scope, receive, send)
    assert seen == [1006]


# -- message size --------------------------------------------------------------------------


@pytest.fixture
def small_limit_app(echo_app: Flask) -> Flask:
    echo_app.config["WEBSOCKET_MAX_MESSAGE_SIZE"] = 8
    return echo_app


async def test_message_at_the_limit_is_accepted(small_limit_app: Flask) -> None:
    sent = await converse(small_limit_app, "/ws", ["12345678", b"\x00" * 8, "éééé"])
    assert [m.get("text", m.get("bytes")) for m in sent[1:]] == ["12345678", b"\x00" * 8, "éééé"]


@pytest.mark.parametrize("message", ["123456789", b"\x00" * 9, "ééééé", "☃☃☃"])
async def test_message_over_the_limit_closes_with_1009(
    small_limit_app: Flask, message: str | bytes
) -> None:
    sent = await converse(small_limit_app, "/ws", ["ok", message, "never read"])
    assert sent[1] == {"type": "websocket.send", "text": "ok"}
    assert sent[2]["type"] == "websocket.close"
    assert sent[2]["code"] == 1009
    assert len(sent) == 3


async def test_default_limit_is_16_mib(echo_app: Flask) -> None:
    assert echo_app.config["WEBSOCKET_MAX_MESSAGE_SIZE"] == 16 * 1024 * 1024
    sent = await converse(echo_app, "/ws", [b"x" * (16 * 1024 * 1024 + 1)])
    assert sent[1]["code"] == 1009


async def test_no_limit(echo_app: Flask) -> None:
    echo_app.config["WEBSOCKET_MAX_MESSAGE_SIZE"] = None
    big = b"x" * (17 * 1024 * 1024)
    sent = await converse(echo_app, "/ws", [big])
    assert sent[1] == {"type": "websocket.send", "bytes": big}


async def test_message_size_through_the_test_client(
    small_limit_app: Flask, client: FlaskClient
) -> None:
    with anyio.fail_after(TIMEOUT):
        async with client.websocket("/ws") as ws:
            await ws.send("x" * 100)
            with pytest.raises(WebSocketDisconnect) as info:
                await ws.receive()
    assert info.value.code == 1009


# -- stopping and scale ------------------------------------------------------------------------


async def test_stopping_the_server_closes_websockets_with_1001(
    app: Flask, client: FlaskClient
) -> None:
    finished: list[str] = []

    @app.websocket("/ws")
    async def view() -> None:
        try:
            await websocket.send("hello")
            while True:
                await websocket.receive()
        finally:
            finished.append("view finally")

    with anyio.fail_after(TIMEOUT):
        async with client.websocket("/ws") as ws:
            assert await ws.receive() == "hello"
            await app._realtime.stop_all(timeout=2)
            with pytest.raises(WebSocketDisconnect) as info:
                await ws.receive()
    app._realtime.resume()
    assert info.value.code == 1001
    assert finished == ["view finally"]
    assert len(app._realtime) == 0


async def test_a_hundred_concurrent_websockets(echo_app: Flask, client: FlaskClient) -> None:
    async def one(n: int) -> None:
        async with client.websocket("/ws") as ws:
            for i in range(3):
                await ws.send(f"{n}:{i}")
                assert await ws.receive() == f"{n}:{i}"
            results.append(n)

    results: list[int] = []
    with anyio.fail_after(TIMEOUT * 2):
        async with anyio.create_task_group() as tg:
            for n in range(100):
                tg.start_soon(one, n)
    assert sorted(results) == list(range(100))
