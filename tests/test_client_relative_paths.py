"""A test client path without a leading slash is the path under the root, as in Flask."""

from __future__ import annotations

import anyio
import pytest

from asyncflask import Flask, request


@pytest.fixture
def path_app(app: Flask) -> Flask:
    @app.route("/items/<int:n>")
    async def item(n: int) -> str:
        return f"{request.path} {n}"

    return app


@pytest.mark.anyio
async def test_relative_path_on_the_async_client(path_app: Flask) -> None:
    client = path_app.test_client()
    r = await client.get("items/3?x=1")
    assert (r.status_code, r.text) == (200, "/items/3 3")
    seen: list[str] = []

    async def one(n: int) -> None:
        seen.append((await client.get(f"items/{n}")).text)

    async with anyio.create_task_group() as tg:
        for n in range(40):
            tg.start_soon(one, n)
    assert sorted(seen) == sorted(f"/items/{n} {n}" for n in range(40))


def test_relative_path_on_the_sync_client(path_app: Flask) -> None:
    r = path_app.sync_test_client().get("items/4")
    assert (r.status_code, r.get_data(as_text=True)) == (200, "/items/4 4")


@pytest.mark.anyio
async def test_a_raw_request_without_a_leading_slash_is_still_400(path_app: Flask) -> None:
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
        "path": "items/1",
        "raw_path": b"items/1",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 1),
        "server": ("localhost", 80),
    }
    await path_app(scope, receive, send)  # type: ignore[arg-type]
    assert sent[0]["status"] == 400
