"""View helpers: url_for, redirect, make_response, stream_with_context."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from asyncflask import (
    Flask,
    Response,
    make_response,
    redirect,
    request,
    stream_with_context,
    url_for,
)
from asyncflask.routing import BuildError

pytestmark = pytest.mark.anyio


def make_app() -> Flask:
    app = Flask("helpers_app")
    app.testing = True

    @app.get("/")
    def index() -> str:
        return "index"

    @app.get("/users/<int:user_id>")
    def user(user_id: int) -> str:
        return f"user {user_id}"

    def items() -> str:
        return request.method

    app.add_url_rule("/items", "items", items, methods=["GET"])
    app.add_url_rule("/items/new", "items", items, methods=["POST"])

    @app.get("/files/<path:name>")
    def files(name: str) -> str:
        return name

    return app


# -- url_for ------------------------------------------------------------------------


def test_url_for_in_a_request_is_a_path() -> None:
    app = make_app()
    with app.test_request_context("/"):
        assert url_for("index") == "/"
        assert url_for("user", user_id=5) == "/users/5"
        assert url_for("files", name="a b/ü.txt") == "/files/a%20b/%C3%BC.txt"


def test_url_for_extra_values_become_the_query_string() -> None:
    app = make_app()
    with app.test_request_context("/"):
        assert url_for("index", q="a b", page=2) in ("/?q=a+b&page=2", "/?q=a%20b&page=2")
        assert url_for("index", tag=["x", "y"]) == "/?tag=x&tag=y"
        assert url_for("index", skipped=None) == "/"


def test_url_for_external_uses_the_request_host_and_scheme() -> None:
    app = make_app()
    with app.test_request_context("/", base_url="http://example.com:8080"):
        assert url_for("user", user_id=1, _external=True) == "http://example.com:8080/users/1"
        assert url_for("index", _scheme="https", _external=True) == "https://example.com:8080/"


def test_url_for_scheme_without_external_is_value_error() -> None:
    app = make_app()
    with app.test_request_context("/"), pytest.raises(ValueError, match="_external"):
        url_for("index", _scheme="https", _external=False)


def test_url_for_anchor() -> None:
    app = make_app()
    with app.test_request_context("/"):
        assert url_for("index", _anchor="section 2") == "/#section%202"
        assert url_for("user", user_id=3, _anchor="top") == "/users/3#top"


def test_url_for_method_picks_the_rule() -> None:
    app = make_app()
    with app.test_request_context("/"):
        assert url_for("items", _method="GET") == "/items"
        assert url_for("items", _method="POST") == "/items/new"


def test_url_for_unknown_endpoint_is_build_error() -> None:
    app = make_app()
    with app.test_request_context("/"), pytest.raises(BuildError) as info:
        url_for("no_such_endpoint")
    assert "no_such_endpoint" in str(info.value)


def test_url_for_missing_argument_is_build_error() -> None:
    app = make_app()
    with app.test_request_context("/"), pytest.raises(BuildError):
        url_for("user")


def test_url_build_error_handler_can_supply_a_url() -> None:
    app = make_app()

    def external_docs(error: Exception, endpoint: str, values: dict[str, Any]) -> str | None:
        if endpoint == "docs":
            return "https://docs.example.com/"
        return None

    app.url_build_error_handlers.append(external_docs)
    with app.test_request_context("/"):
        assert url_for("docs") == "https://docs.example.com/"
        with pytest.raises(BuildError):
            url_for("other")


def test_url_for_outside_a_request_needs_server_name() -> None:
    app = make_app()
    with app.app_context(), pytest.raises(RuntimeError, match="SERVER_NAME"):
        url_for("index")


def test_url_for_outside_a_request_uses_server_name_and_application_root() -> None:
    app = make_app()
    app.config.update(
        SERVER_NAME="example.com", APPLICATION_ROOT="/app", PREFERRED_URL_SCHEME="https"
    )
    with app.app_context():
        assert url_for("user", user_id=2) == "https://example.com/app/users/2"
        assert url_for("index", _scheme="http") == "http://example.com/app/"


def test_url_for_outside_any_context_is_runtime_error() -> None:
    with pytest.raises(RuntimeError, match="application context"):
        url_for("index")


def test_app_url_for_works_like_url_for() -> None:
    app = make_app()
    with app.test_request_context("/"):
        assert app.url_for("user", user_id=9) == "/users/9"


async def test_url_for_in_views_respects_root_path() -> None:
    app = make_app()

    @app.get("/links")
    async def links() -> dict[str, str]:
        return {"rel": url_for("user", user_id=1), "abs": url_for("index", _external=True)}

    r = await app.test_client().get("/links", base_url="http://example.com/mounted")
    assert r.json == {"rel": "/mounted/users/1", "abs": "http://example.com/mounted/"}


# -- redirect -----------------------------------------------------------------------


def test_redirect_defaults_to_302_with_html_body() -> None:
    response = redirect("/target?a=1&b=2")
    assert response.status_code == 302
    assert response.headers["Location"] == "/target?a=1&b=2"
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert '<a href="/target?a=1&amp;b=2">' in body


@pytest.mark.parametrize("code", [301, 303, 307, 308])
def test_redirect_codes(code: int) -> None:
    assert redirect("/x", code=code).status_code == code


def test_redirect_quotes_unsafe_characters_in_location() -> None:
    response = redirect("/search?q=a b&x=<script>")
    location = response.headers["Location"]
    assert " " not in location
    assert "<" not in location
    assert location.startswith("/search?q=a%20b")
    assert "<script>" not in response.get_data(as_text=True)


def test_redirect_keeps_absolute_urls() -> None:
    response = redirect("https://example.com/päth#frag")
    assert response.headers["Location"] == "https://example.com/p%C3%A4th#frag"


def test_redirect_with_a_response_class() -> None:
    class MyResponse(Response):
        pass

    response = redirect("/x", Response=MyResponse)
    assert isinstance(response, MyResponse)


async def test_redirect_from_a_view_is_followed(app: Flask) -> None:
    @app.get("/old")
    def old() -> Response:
        return redirect(url_for("new", n=request.args["n"]))

    @app.get("/new")
    def new() -> str:
        return f"new {request.args['n']}"

    client = app.test_client()
    r = await client.get("/old?n=1")
    assert r.status_code == 302
    assert r.headers["Location"] == "/new?n=1"
    r = await client.get("/old?n=1", follow_redirects=True)
    assert r.status_code == 200
    assert r.text == "new 1"


async def test_redirect_uses_the_app_response_class(app: Flask) -> None:
    class AppResponse(Response):
        pass

    app.response_class = AppResponse
    seen: list[type] = []

    @app.get("/")
    def view() -> Response:
        response = redirect("/elsewhere")
        seen.append(type(response))
        return response

    r = await app.test_client().get("/")
    assert r.status_code == 302
    assert seen == [AppResponse]


# -- make_response ------------------------------------------------------------------


async def test_make_response_lets_a_view_add_headers(app: Flask) -> None:
    @app.get("/")
    def view() -> Response:
        response = make_response("body", 201)
        response.headers["X-Added"] = "yes"
        response.set_cookie("c", "1")
        return response

    r = await app.test_client().get("/")
    assert r.status_code == 201
    assert r.text == "body"
    assert r.headers["X-Added"] == "yes"
    assert r.headers["Set-Cookie"] == "c=1; Path=/"


def test_make_response_variants(app: Flask) -> None:
    with app.test_request_context("/"):
        empty = make_response()
        assert empty.status_code == 200
        assert empty.data == b""
        text = make_response("hi")
        assert text.data == b"hi"
        as_json = make_response({"a": 1})
        assert as_json.json == {"a": 1}
        listed = make_response(["x"])
        assert listed.json == ["x"]
        full = make_response("hello", 404, {"X-A": "1"})
        assert full.status_code == 404
        assert full.headers["X-A"] == "1"
        tupled = make_response(("t", 202))
        assert tupled.status_code == 202
        existing = Response("same")
        assert make_response(existing) is existing


def test_make_response_with_invalid_value_is_type_error(app: Flask) -> None:
    with app.test_request_context("/"), pytest.raises(TypeError, match="valid response"):
        make_response(None)


def test_make_response_outside_app_context_is_runtime_error() -> None:
    with pytest.raises(RuntimeError, match="application context"):
        make_response("x")


# -- stream_with_context ------------------------------------------------------------


async def test_stream_with_context_wrapping_a_generator(app: Flask) -> None:
    @app.get("/stream")
    def view() -> Response:
        def generate() -> Iterator[str]:
            yield "Hello "
            yield request.args["name"]
            yield "!"

        return Response(stream_with_context(generate()), mimetype="text/plain")

    r = await app.test_client().get("/stream?name=ann")
    assert r.status_code == 200
    assert r.text == "Hello ann!"
    assert r.mimetype == "text/plain"


async def test_stream_with_context_as_a_decorator(app: Flask) -> None:
    @app.get("/stream")
    def view() -> Response:
        @stream_with_context
        def generate() -> Iterator[str]:
            yield request.path
            yield "|"
            yield request.method

        return Response(generate())

    r = await app.test_client().get("/stream")
    assert r.text == "/stream|GET"


async def test_stream_with_context_async_generator(app: Flask) -> None:
    @app.get("/stream")
    async def view() -> Response:
        @stream_with_context
        async def generate() -> AsyncIterator[str]:
            yield request.args.get("a", "")
            yield "-done"

        return Response(generate())

    r = await app.test_client().get("/stream?a=start")
    assert r.text == "start-done"


async def test_generator_sees_the_request_without_stream_with_context(app: Flask) -> None:
    @app.get("/stream")
    def view() -> Iterator[str]:
        def generate() -> Iterator[str]:
            yield request.args["x"]

        return generate()

    r = await app.test_client().get("/stream?x=plain")
    assert r.text == "plain"


async def test_streamed_generator_cleanup_runs(app: Flask) -> None:
    cleaned: list[str] = []

    @app.get("/stream")
    def view() -> Iterator[str]:
        def generate() -> Iterator[str]:
            try:
                yield "a"
                yield "b"
            finally:
                cleaned.append("closed")

        return generate()

    r = await app.test_client().get("/stream")
    assert r.text == "ab"
    assert cleaned == ["closed"]
