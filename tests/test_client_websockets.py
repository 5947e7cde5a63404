"""The test client's websockets and streams, and the errors they surface in testing.

Regression tests: test websockets close every stream they open; with
``TESTING=True`` an error raised by a streamed body or a websocket view reaches
the test as itself; breaking out of ``iter_bytes``/``iter_lines`` leaves
nothing to clean up, on trio too.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

from asyncflask import Flask, g, has_request_context, request, websocket
from asyncflask.exceptions import WebSocketDisconnect
from asyncflask.testing import FlaskClient

pytestmark = pytest.mark.anyio

TIMEOUT = 5


# -- 2. exceptions mid-stream in testing --------------------------------------------------


async def test_error_mid_stream_propagates_as_itself_in_testing(
    app: Flask, client: FlaskClient
) -> None:
    @app.get("/s")
    async def stream() -> Any:
        async def generate() -> AsyncIterator[str]:
            yield "partial"
            raise ValueError("stream broke")

        return generate()

    with anyio.fail_after(TIMEOUT), pytest.raises(ValueError, match="stream broke"):
        await client.get("/s")


async def test_sync_error_mid_stream_propagates_as_itself_in_testing(
    app: Flask, client: FlaskClient
) -> None:
    @app.get("/s")
    def stream() -> Any:
        def generate() -> Any:
            yield "partial"
            raise ValueError("stream broke")

        return generate()

    with anyio.fail_after(TIMEOUT), pytest.raises(ValueError, match="stream broke"):
        await client.get("/s")


# -- 3. websocket view errors in testing --------------------------------------------------


async def test_websocket_view_error_before_accept_propagates_in_testing(
    app: Flask, client: FlaskClient
) -> None:
    @app.websocket("/ws")
    async def broken() -> None:
        raise RuntimeError("view failed")

    with anyio.fail_after(TIMEOUT), pytest.raises(RuntimeError, match="view failed"):
        async with client.websocket("/ws"):
            pass


async def test_websocket_view_error_after_accept_propagates_in_testing(
    app: Flask, client: FlaskClient
) -> None:
    @app.websocket("/ws")
    async def broken() -> None:
        await websocket.accept()
        await websocket.receive()
        raise RuntimeError("view failed")

    with anyio.fail_after(TIMEOUT), pytest.raises(RuntimeError, match="view failed"):
        async with client.websocket("/ws") as ws:
            await ws.send("trigger")
            await ws.receive()


# -- 4. breaking out of iter_lines ---------------------------------------------------------


async def test_break_out_of_iter_lines_leaves_nothing_unclosed(
    app: Flask, client: FlaskClient
) -> None:
    finished = anyio.Event()

    @app.get("/events")
    async def events() -> Any:
        async def generate() -> AsyncIterator[str]:
            try:
                while True:
                    yield "data: tick\n\n"
                    await anyio.sleep(0.01)
            finally:
                finished.set()

        return generate()

    with anyio.fail_after(TIMEOUT):
        async with client.stream("GET", "/events") as r:
            async for line in r.iter_lines():
                assert line == "data: tick"
                break
        await finished.wait()


async def test_break_out_of_iter_bytes_leaves_nothing_unclosed(
    app: Flask, client: FlaskClient
) -> None:
    @app.get("/s")
    async def stream() -> Any:
        async def generate() -> AsyncIterator[str]:
            while True:
                yield "x"
                await anyio.sleep(0.01)

        return generate()

    with anyio.fail_after(TIMEOUT):
        async with client.stream("GET", "/s") as r:
            async for chunk in r.iter_bytes():
                assert chunk == b"x"
                break


# -- 1. websockets through the test client -------------------------------------------------


@pytest.fixture
def echo_app(app: Flask) -> Flask:
    @app.websocket("/ws")
    async def echo() -> None:
        while True:
            message = await websocket.receive()
            await websocket.send(message)

    return app


async def test_echo_text(echo_app: Flask, client: FlaskClient) -> None:
    with anyio.fail_after(TIMEOUT):
        async with client.websocket("/ws") as ws:
            await ws.send("hello")
            assert await ws.receive() == "hello"
            await ws.send("again")
            assert await ws.receive() == "again"


async def test_echo_bytes(echo_app: Flask, client: FlaskClient) -> None:
    with anyio.fail_after(TIMEOUT):
        async with client.websocket("/ws") as ws:
            await ws.send(b"\x00\xffbinary")
            assert await ws.receive() == b"\x00\xffbinary"


async def test_json_both_ways(app: Flask, client: FlaskClient) -> None:
    @app.websocket("/ws")
    async def doubler() -> None:
        data = await websocket.receive_json()
        await websocket.send_json({"doubled": [n * 2 for n in data["numbers"]]})

    with anyio.fail_after(TIMEOUT):
        async with client.websocket("/ws") as ws:
            await ws.send_json({"numbers": [1, 2, 3]})
            assert await ws.receive_json() == {"doubled": [2, 4, 6]}


async def test_server_sends_first(app: Flask, client: FlaskClient) -> None:
    @app.websocket("/ws")
    async def greet() -> None:
        await websocket.accept()
        await websocket.send("welcome")
        await websocket.send("second")

    with anyio.fail_after(TIMEOUT):
        async with client.websocket("/ws") as ws:
            assert await ws.receive() == "welcome"
            assert await ws.receive() == "second"


async def test_sending_a_non_text_message_is_a_type_error(app: Flask, client: FlaskClient) -> None:
    errors: list[str] = []

    @app.websocket("/ws")
    async def bad() -> None:
        try:
            await websocket.send(123)  # type: ignore[arg-type]
        except TypeError as e:
            errors.append(str(e))
        await websocket.send("done")

    with anyio.fail_after(TIMEOUT):
        async with client.websocket("/ws") as ws:
            assert await ws.receive() == "done"
    assert errors == ["Websocket messages are str or bytes, not int."]


async def test_view_args_from_the_path(app: Flask, client: FlaskClient) -> None:
    @app.websocket("/ws/<int:room>")
    async def room(room: int) -> None:
        await websocket.send_json({"room": room, "type": type(room).__name__})

    with anyio.fail_after(TIMEOUT):
        async with client.websocket("/ws/42") as ws:
            assert await ws.receive_json() == {"room": 42, "type": "int"}


async def test_view_arg_converter_mismatch_is_rejected(app: Flask, client: FlaskClient) -> None:
    @app.websocket("/ws/<int:room>")
    async def room(room: int) -> None:
        await websocket.send("unreachable")

    with anyio.fail_after(TIMEOUT), pytest.raises(WebSocketDisconnect):
        async with client.websocket("/ws/lobby"):
            pass


async def test_args_headers_path_and_cookies(app: Flask, client: FlaskClient) -> None:
    @app.websocket("/info")
    async def info() -> None:
        await websocket.send_json(
            {
                "args": websocket.args.to_dict(flat=False),
                "token": websocket.headers.get("X-Token"),
                "path": websocket.path,
                "cookie": websocket.cookies.get("sid"),
                "scheme": websocket.scheme,
                "has_request_context": has_request_context(),
            }
        )

    client.set_cookie("sid", "abc")
    with anyio.fail_after(TIMEOUT):
        async with client.websocket(
            "/info", query_string={"a": ["1", "2"]}, headers={"X-Token": "t0k"}
        ) as ws:
            assert await ws.receive_json() == {
                "args": {"a": ["1", "2"]},
                "token": "t0k",
                "path": "/info",
                "cookie": "abc",
                "scheme": "ws",
                "has_request_context": False,
            }


async def test_secure_base_url_gives_wss(app: Flask, client: FlaskClient) -> None:
    @app.websocket("/info")
    async def info() -> None:
        await websocket.send_json({"scheme": websocket.scheme, "secure": websocket.is_secure})

    with anyio.fail_after(TIMEOUT):
        async with client.websocket("/info", base_url="https://example.com") as ws:
            assert await ws.receive_json() == {"scheme": "wss", "secure": True}


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
    with anyio.fail_after(TIMEOUT):
        async with client.websocket("/chat") as ws:
            assert await ws.receive() == "chat socket"


async def test_http_only_url_is_not_a_websocket_route(app: Flask, client: FlaskClient) -> None:
    @app.get("/page")
    def page() -> str:
        return "page"

    with anyio.fail_after(TIMEOUT), pytest.raises(WebSocketDisconnect):
        async with client.websocket("/page"):
            pass


async def test_unknown_path_is_rejected_on_entering(echo_app: Flask, client: FlaskClient) -> None:
    entered = False
    with anyio.fail_after(TIMEOUT), pytest.raises(WebSocketDisconnect) as info:
        async with client.websocket("/nowhere"):
            entered = True
    assert not entered
    assert info.value.status_code == 403


async def test_server_close_code_reaches_the_client(app: Flask, client: FlaskClient) -> None:
    @app.websocket("/ws")
    async def closer() -> None:
        await websocket.accept()
        await websocket.close(code=4001, reason="go away")

    with anyio.fail_after(TIMEOUT):
        async with client.websocket("/ws") as ws:
            with pytest.raises(WebSocketDisconnect) as info:
                await ws.receive()
    assert info.value.code == 4001
    assert info.value.reason == "go away"
    assert ws.close_code == 4001


async def test_view_returning_closes_with_1000(app: Flask, client: FlaskClient) -> None:
    @app.websocket("/ws")
    async def once() -> None:
        await websocket.send("only")

    with anyio.fail_after(TIMEOUT):
        async with client.websocket("/ws") as ws:
            assert await ws.receive() == "only"
            with pytest.raises(WebSocketDisconnect) as info:
                await ws.receive()
    assert info.value.code == 1000


async def test_leaving_the_block_disconnects_the_view(app: Flask, client: FlaskClient) -> None:
    seen: list[Any] = []

    @app.websocket("/ws")
    async def listen() -> None:
        try:
            while True:
                seen.append(await websocket.receive())
        except WebSocketDisconnect as e:
            seen.append(("disconnect", e.code))
            raise

    with anyio.fail_after(TIMEOUT):
        async with client.websocket("/ws") as ws:
            await ws.send("one")
    assert seen == ["one", ("disconnect", 1000)]


async def test_client_close_with_a_code(app: Flask, client: FlaskClient) -> None:
    seen: list[int] = []

    @app.websocket("/ws")
    async def listen() -> None:
        try:
            await websocket.receive()
        except WebSocketDisconnect as e:
            seen.append(e.code)

    with anyio.fail_after(TIMEOUT):
        async with client.websocket("/ws") as ws:
            await ws.close(4002)
    assert seen == [4002]


async def test_close_before_accept_is_rejected_on_entering(app: Flask, client: FlaskClient) -> None:
    @app.websocket("/ws")
    async def refuse() -> None:
        await websocket.close(code=4003)

    with anyio.fail_after(TIMEOUT), pytest.raises(WebSocketDisconnect) as info:
        async with client.websocket("/ws"):
            pytest.fail("the block must not run")
    assert info.value.status_code == 403


async def test_view_returning_without_accepting_is_rejected(
    app: Flask, client: FlaskClient
) -> None:
    @app.websocket("/ws")
    async def nothing() -> None:
        return None

    with anyio.fail_after(TIMEOUT), pytest.raises(WebSocketDisconnect) as info:
        async with client.websocket("/ws"):
            pytest.fail("the block must not run")
    assert getattr(info.value, "status_code", None) == 403


async def test_exception_before_accept_is_rejected_when_not_testing(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["TESTING"] = False

    @app.websocket("/ws")
    async def broken() -> None:
        raise RuntimeError("view failed")

    caplog.set_level(logging.ERROR, logger=app.logger.name)
    with anyio.fail_after(TIMEOUT), pytest.raises(WebSocketDisconnect) as info:
        async with app.test_client().websocket("/ws"):
            pytest.fail("the block must not run")
    assert getattr(info.value, "status_code", None) == 500
    assert "view failed" not in str(info.value)
    assert any("/ws" in r.getMessage() for r in caplog.records)


async def test_exception_after_accept_closes_with_1011_when_not_testing(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["TESTING"] = False

    @app.websocket("/ws")
    async def broken() -> None:
        await websocket.accept()
        await websocket.receive()
        raise RuntimeError("view failed")

    caplog.set_level(logging.ERROR, logger=app.logger.name)
    with anyio.fail_after(TIMEOUT):
        async with app.test_client().websocket("/ws") as ws:
            await ws.send("trigger")
            with pytest.raises(WebSocketDisconnect) as info:
                await ws.receive()
    assert info.value.code in (1000, 1011)


async def test_subprotocol_negotiation(app: Flask, client: FlaskClient) -> None:
    @app.websocket("/ws")
    async def negotiate() -> None:
        offered = websocket.requested_subprotocols
        await websocket.accept(subprotocol="chat.v2" if "chat.v2" in offered else None)
        await websocket.send(",".join(offered))

    with anyio.fail_after(TIMEOUT):
        async with client.websocket("/ws", subprotocols=["chat.v1", "chat.v2"]) as ws:
            assert ws.accepted_subprotocol == "chat.v2"
            assert await ws.receive() == "chat.v1,chat.v2"


async def test_accept_headers_reach_the_client(app: Flask, client: FlaskClient) -> None:
    @app.websocket("/ws")
    async def with_headers() -> None:
        await websocket.accept(headers=[("X-Server", "asyncflask")])
        await websocket.send("hi")

    with anyio.fail_after(TIMEOUT):
        async with client.websocket("/ws") as ws:
            assert ws.response_headers["X-Server"] == "asyncflask"
            assert await ws.receive() == "hi"


async def test_before_websocket_runs_with_the_websocket_context(
    app: Flask, client: FlaskClient
) -> None:
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

    with anyio.fail_after(TIMEOUT):
        async with client.websocket("/ws", query_string={"user": "ada"}) as ws:
            assert await ws.receive() == "hello ada"
    assert seen == [("/ws", "ada"), ("sync", "/ws")]


async def test_before_request_does_not_run_for_websockets(app: Flask, client: FlaskClient) -> None:
    seen: list[str] = []
    app.before_request(lambda: seen.append("http hook"))

    @app.websocket("/ws")
    async def view() -> None:
        await websocket.send("x")

    with anyio.fail_after(TIMEOUT):
        async with client.websocket("/ws") as ws:
            assert await ws.receive() == "x"
    assert seen == []


async def test_before_websocket_returning_a_response_rejects(
    app: Flask, client: FlaskClient
) -> None:
    ran: list[str] = []

    @app.before_websocket
    def deny() -> Any:
        if "token" not in websocket.args:
            return "forbidden", 403
        return None

    @app.websocket("/ws")
    async def view() -> None:
        ran.append("view")
        await websocket.send("in")

    with anyio.fail_after(TIMEOUT):
        with pytest.raises(WebSocketDisconnect) as info:
            async with client.websocket("/ws"):
                pytest.fail("the block must not run")
        assert getattr(info.value, "status_code", None) == 403
        assert ran == []
        async with client.websocket("/ws", query_string={"token": "1"}) as ws:
            assert await ws.receive() == "in"
    assert ran == ["view"]


async def test_after_websocket_gets_none_once_accepted(app: Flask, client: FlaskClient) -> None:
    seen: list[Any] = []

    @app.after_websocket
    async def after(response: Any) -> Any:
        seen.append(("after", response, websocket.path))
        return response

    @app.websocket("/ws")
    async def view() -> None:
        await websocket.send("hi")
        seen.append("view done")

    with anyio.fail_after(TIMEOUT):
        async with client.websocket("/ws") as ws:
            assert await ws.receive() == "hi"
    assert seen == ["view done", ("after", None, "/ws")]


async def test_teardown_appcontext_runs_after_a_websocket(app: Flask, client: FlaskClient) -> None:
    seen: list[Any] = []

    @app.teardown_appcontext
    def teardown(exc: BaseException | None) -> None:
        seen.append(("teardown", exc))

    @app.websocket("/ws")
    async def view() -> None:
        await websocket.send("hi")

    with anyio.fail_after(TIMEOUT):
        async with client.websocket("/ws") as ws:
            assert await ws.receive() == "hi"
    assert seen == [("teardown", None)]


async def test_request_proxy_is_unbound_in_a_websocket(app: Flask, client: FlaskClient) -> None:
    seen: list[str] = []

    @app.websocket("/ws")
    async def view() -> None:
        try:
            request.path  # noqa: B018
        except RuntimeError:
            seen.append("no request")
        await websocket.send("ok")

    with anyio.fail_after(TIMEOUT):
        async with client.websocket("/ws") as ws:
            assert await ws.receive() == "ok"
    assert seen == ["no request"]


async def test_concurrent_websockets_are_independent(echo_app: Flask, client: FlaskClient) -> None:
    with anyio.fail_after(TIMEOUT):
        async with client.websocket("/ws") as first, client.websocket("/ws") as second:
            await first.send("to first")
            await second.send("to second")
            assert await second.receive() == "to second"
            assert await first.receive() == "to first"
