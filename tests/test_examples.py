"""The example apps under examples/ work as their docs say."""

from __future__ import annotations

import uuid

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


async def test_blog_example_login_flash_templates_and_static() -> None:
    from examples.blog.app import app as blog_app

    client = blog_app.test_client()
    name = f"ada-{uuid.uuid4().hex[:8]}"  # the example keeps users in memory across tests
    home = await client.get("/")
    assert home.status_code == 200
    assert '<link rel="stylesheet" href="/static/style.css">' in home.text
    assert "<title>Posts - asyncflask blog</title>" in home.text
    css = await client.get("/static/style.css")
    assert css.mimetype == "text/css" and b".flash" in css.data
    assert (
        await client.get("/static/style.css", headers={"If-None-Match": css.headers["ETag"]})
    ).status_code == 304

    # Creating a post needs a login.
    r = await client.get("/create", follow_redirects=True)
    assert "Log in first." in r.text and r.request.path == "/auth/login"

    r = await client.post(
        "/auth/register", data={"username": name, "password": "pw"}, follow_redirects=True
    )
    assert "Registered. Now log in." in r.text
    r = await client.post(
        "/auth/login", data={"username": name, "password": "wrong"}, follow_redirects=True
    )
    assert "Incorrect username or password." in r.text
    r = await client.post(
        "/auth/login?next=/create",
        data={"username": name, "password": "pw"},
        follow_redirects=True,
    )
    assert f"Welcome, {name}!" in r.text and "<h1>New post</h1>" in r.text

    r = await client.post("/create", data={"title": "", "body": "x"}, follow_redirects=True)
    assert "A title is required." in r.text
    r = await client.post(
        "/create",
        data={"title": "<Hello>", "body": "one\n\ntwo"},
        follow_redirects=True,
    )
    assert "Post published." in r.text
    assert "&lt;Hello&gt;</a></h2>" in r.text  # escaped by the template
    # The flash message shows once.
    assert "Post published." not in (await client.get("/")).text

    post_url = r.text.split('<h2><a href="')[1].split('"')[0]
    post = await client.get(post_url)
    assert "<p>one</p>" in post.text and "<p>two</p>" in post.text
    assert (await client.get("/posts/999")).status_code == 404

    r = await client.get("/auth/logout", follow_redirects=True)
    assert "Logged out." in r.text and "Log in</a>" in r.text
    r = await client.post(
        "/auth/login?next=//evil.example/",
        data={"username": name, "password": "pw"},
    )
    assert r.headers["Location"] == "/"
