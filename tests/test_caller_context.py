"""A test's request made inside ``with app.app_context():`` shares that context's ``g``.

As in Flask, where such a request reuses the active application context. Only the
test clients pass it along: a server's requests never share anything.
"""

from __future__ import annotations

import anyio
import pytest

from asyncflask import Flask, g


@pytest.fixture
def g_app(app: Flask) -> Flask:
    @app.route("/set/<value>")
    def set_value(value: str) -> str:
        g.value = value
        g.setdefault("seen", []).append(value)
        return "set"

    @app.route("/async/<value>")
    async def set_async(value: str) -> str:
        g.value = value
        return "set"

    @app.route("/read")
    def read() -> str:
        return str(g.get("value", "none"))

    return app


@pytest.mark.anyio
async def test_async_client_inside_an_app_context_shares_g(g_app: Flask) -> None:
    client = g_app.test_client()
    async with g_app.app_context():
        g.value = "from the test"
        assert (await client.get("/read")).text == "from the test"
        await client.get("/set/from-the-view")
        assert g.value == "from-the-view"
        await client.get("/async/from-async")
        assert g.value == "from-async"


def test_sync_client_inside_an_app_context_shares_g(g_app: Flask) -> None:
    client = g_app.sync_test_client()
    with g_app.app_context():
        client.get("/set/abc")
        assert g.value == "abc"
        assert client.get("/read").get_data(as_text=True) == "abc"


@pytest.mark.anyio
async def test_without_an_app_context_each_request_has_its_own_g(g_app: Flask) -> None:
    client = g_app.test_client()
    await client.get("/set/abc")
    assert (await client.get("/read")).text == "none"
    other = Flask("other")
    async with other.app_context():
        g.value = "other app"
        assert (await client.get("/read")).text == "none"


@pytest.mark.anyio
async def test_a_request_not_from_a_test_client_never_shares_g(g_app: Flask) -> None:
    # As if a server's tasks inherited an app context pushed at import time.
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/read",
        "raw_path": b"/read",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 1),
        "server": ("localhost", 80),
    }
    async with g_app.app_context():
        g.value = "pushed at import"
        await g_app(scope, receive, send)  # type: ignore[arg-type]
    assert sent[1]["body"] == b"none"


@pytest.mark.anyio
async def test_forty_requests_inside_one_app_context_share_its_g(g_app: Flask) -> None:
    client = g_app.test_client()
    async with g_app.app_context():
        async with anyio.create_task_group() as tg:
            for n in range(40):
                tg.start_soon(client.get, f"/set/{n}")
        assert sorted(g.seen, key=int) == [str(n) for n in range(40)]
