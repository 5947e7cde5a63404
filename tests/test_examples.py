"""The example apps under examples/ work as their docs say."""

from __future__ import annotations

import pytest

from examples.hello import app as hello_app
from examples.quickstart import app as quickstart_app

pytestmark = pytest.mark.anyio


async def test_hello_example() -> None:
    client = hello_app.test_client()
    r = await client.get("/")
    assert r.status_code == 200
    assert r.text == "<p>Hello, World!</p>"
    r = await client.get("/hello/ada", headers={"User-Agent": "pytest"})
    assert r.json == {"hello": "ada", "agent": "pytest"}
    r = await client.post("/echo", json={"a": [1, 2]})
    assert r.json == {"a": [1, 2]}


async def test_quickstart_login_flow_uses_the_session() -> None:
    client = quickstart_app.test_client()
    assert (await client.get("/")).text == "You are not logged in"
    r = await client.post("/login", data={"username": "ada"})
    assert r.status_code == 302
    assert r.headers["Location"] == "/"
    assert (await client.get("/")).text == "Logged in as ada"
    r = await client.get("/logout", follow_redirects=True)
    assert r.text == "You are not logged in"


async def test_quickstart_routes_cookies_and_errors() -> None:
    client = quickstart_app.test_client()
    assert (await client.get("/user/<script>")).text == "User &lt;script&gt;"
    assert (await client.get("/post/7")).text == "Post 7"
    assert (await client.get("/path/a/b")).text == "Subpath a/b"
    assert (await client.get("/projects")).headers["Location"] == "/projects/"
    assert (await client.get("/about/")).status_code == 404
    assert (await client.get("/search", query_string={"key": "asgi"})).json == {"key": "asgi"}
    await client.get("/set-theme/dark")
    assert (await client.get("/theme")).text == "dark"
    assert (await client.get("/secret")).status_code == 401
    r = await client.get("/missing")
    assert (r.status_code, r.text, r.headers["X-Something"]) == (
        404,
        "This page does not exist",
        "A value",
    )
    assert (await client.get("/users")).json[1]["name"] == "grace"


async def test_login_with_missing_field_is_400_not_500() -> None:
    client = quickstart_app.test_client()
    r = await client.post("/login", data={})
    assert r.status_code == 400
    assert "username" in r.text
