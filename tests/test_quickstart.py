"""The Flask quickstart's examples, with only the import line changed."""

from __future__ import annotations

import pytest
from markupsafe import escape

from asyncflask import Flask, abort, redirect, request, url_for

pytestmark = pytest.mark.anyio


def make_app() -> Flask:
    app = Flask(__name__)

    @app.route("/")
    def index():
        return "Index Page"

    @app.route("/hello")
    def hello():
        return "Hello, World"

    @app.route("/user/<username>")
    def show_user_profile(username):
        return f"User {escape(username)}"

    @app.route("/post/<int:post_id>")
    def show_post(post_id):
        return f"Post {post_id}"

    @app.route("/path/<path:subpath>")
    def show_subpath(subpath):
        return f"Subpath {escape(subpath)}"

    @app.route("/projects/")
    def projects():
        return "The project page"

    @app.route("/about")
    def about():
        return "The about page"

    @app.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "POST":
            return "do_the_login"
        return "show_the_login_form"

    return app


async def test_routing_examples() -> None:
    client = make_app().test_client()
    assert (await client.get("/")).text == "Index Page"
    assert (await client.get("/hello")).text == "Hello, World"
    assert (await client.get("/user/<b>")).text == "User &lt;b&gt;"
    assert (await client.get("/post/42")).text == "Post 42"
    assert (await client.get("/post/abc")).status_code == 404
    assert (await client.get("/path/a/b/c")).text == "Subpath a/b/c"


async def test_unique_urls_and_redirection_behaviour() -> None:
    client = make_app().test_client()
    r = await client.get("/projects")
    assert r.status_code == 308
    assert r.headers["Location"] == "/projects/"
    r = await client.get("/projects", follow_redirects=True)
    assert r.text == "The project page"
    assert (await client.get("/about/")).status_code == 404


async def test_http_methods() -> None:
    client = make_app().test_client()
    assert (await client.get("/login")).text == "show_the_login_form"
    assert (await client.post("/login")).text == "do_the_login"
    r = await client.put("/login")
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    r = await client.head("/login")
    assert r.status_code == 200
    assert r.data == b""
    assert r.headers["Content-Length"] == str(len("show_the_login_form"))
    r = await client.options("/login")
    assert r.headers["Allow"] == "GET, HEAD, OPTIONS, POST"


async def test_url_building() -> None:
    app = make_app()
    async with app.test_request_context():
        assert url_for("index") == "/"
        assert url_for("login") == "/login"
        assert url_for("login", next="/") == "/login?next=/"
        assert url_for("show_user_profile", username="John Doe") == "/user/John%20Doe"


def test_url_building_with_sync_context() -> None:
    app = make_app()
    with app.test_request_context():
        assert url_for("show_post", post_id=3) == "/post/3"
        assert url_for("index", _external=True) == "http://localhost/"
        assert url_for("index", _anchor="top") == "/#top"


async def test_redirects_and_errors() -> None:
    app = Flask(__name__)

    @app.route("/")
    def index():
        return redirect(url_for("login"))

    @app.route("/login")
    def login():
        abort(401)

    @app.errorhandler(404)
    def page_not_found(error):
        return "custom not found", 404

    client = app.test_client()
    r = await client.get("/")
    assert r.status_code == 302
    assert r.headers["Location"] == "/login"
    assert (await client.get("/login")).status_code == 401
    r = await client.get("/nowhere")
    assert (r.status_code, r.text) == (404, "custom not found")


async def test_about_responses() -> None:
    app = Flask(__name__)

    @app.route("/me")
    def me_api():
        return {"username": "ada", "theme": "dark"}

    @app.route("/users")
    def users_api():
        return [{"id": 1}, {"id": 2}]

    @app.errorhandler(404)
    def not_found(error):
        from asyncflask import make_response

        resp = make_response("not here", 404)
        resp.headers["X-Something"] = "A value"
        return resp

    client = app.test_client()
    r = await client.get("/me")
    assert r.json == {"username": "ada", "theme": "dark"}
    assert r.mimetype == "application/json"
    assert (await client.get("/users")).get_json() == [{"id": 1}, {"id": 2}]
    r = await client.get("/missing")
    assert r.status_code == 404
    assert r.headers["X-Something"] == "A value"
