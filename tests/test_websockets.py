"""Websocket routes: messages, routing, hooks, closing and rejection, over the ASGI interface.

These tests play the server's side of the ASGI websocket protocol directly, so
they check the framework's websocket pipeline independently of the test client.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

import anyio
import pytest

from asyncflask import Flask, g, has_request_context, websocket
from asyncflask.exceptions import WebSocketDisconnect
from asyncflask.testing import AsyncFlaskClient as FlaskClient

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
    assert sent[0]["status"] == 404


async def test_unknown_path_is_rejected_with_404(echo_app: Flask) -> None:
    sent = await converse(echo_app, "/nowhere")
    assert kinds(sent) == ["websocket.http.response.start", "websocket.http.response.body"]
    assert sent[0]["status"] == 404
    assert b"Not Found" in sent[1]["body"]


async def test_unknown_path_is_closed_without_the_http_response_extension(
    echo_app: Flask,
) -> None:
    sent = await converse(echo_app, "/nowhere", http_response_extension=False)
    assert kinds(sent) == ["websocket.close"]


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


async def test_close_before_accept_rejects_the_handshake(app: Flask) -> None:
    @app.websocket("/ws")
    async def refuse() -> None:
        await websocket.close(code=4003)

    sent = await converse(app, "/ws")
    assert kinds(sent) == ["websocket.close"]
    assert sent[0]["code"] == 4003


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
