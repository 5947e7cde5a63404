"""The async test client: methods, bodies, redirects, cookies, base_url and responses."""

from __future__ import annotations

import io
from typing import Any

import anyio
import pytest

from asyncflask import Flask, jsonify, make_response, redirect, request
from asyncflask.testing import AsyncFlaskClient as FlaskClient
from asyncflask.testing import TestResponse

pytestmark = pytest.mark.anyio


@pytest.fixture
def echo_app(app: Flask) -> Flask:
    @app.route("/echo", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def echo() -> Any:
        return {
            "method": request.method,
            "args": request.args.to_dict(flat=False),
            "form": request.form.to_dict(flat=False),
            "data": request.get_data(as_text=True),
            "content_type": request.content_type,
            "x_custom": request.headers.get("X-Custom"),
            "cookie_header": request.headers.get("Cookie"),
            "cookies": dict(request.cookies),
        }

    return app


# -- methods ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
async def test_each_method_helper_sends_its_method(
    echo_app: Flask, client: FlaskClient, method: str
) -> None:
    r = await getattr(client, method)("/echo")
    assert r.status_code == 200
    assert r.json["method"] == method.upper()


async def test_open_sends_the_given_method(echo_app: Flask, client: FlaskClient) -> None:
    r = await client.open("/echo", method="PATCH")
    assert r.status_code == 200
    assert r.json["method"] == "PATCH"


async def test_open_defaults_to_get(echo_app: Flask, client: FlaskClient) -> None:
    r = await client.open("/echo")
    assert r.json["method"] == "GET"


async def test_head_returns_headers_without_body(app: Flask, client: FlaskClient) -> None:
    @app.get("/page")
    def page() -> str:
        return "hello body"

    r = await client.head("/page")
    assert r.status_code == 200
    assert r.data == b""
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"


async def test_options_lists_allowed_methods(app: Flask, client: FlaskClient) -> None:
    @app.route("/thing", methods=["GET", "POST"])
    def thing() -> str:
        return "x"

    r = await client.options("/thing")
    assert r.status_code == 200
    allowed = {m.strip() for m in r.headers["Allow"].split(",")}
    assert {"GET", "POST", "HEAD", "OPTIONS"} <= allowed


async def test_wrong_method_is_405(echo_app: Flask, client: FlaskClient) -> None:
    @echo_app.get("/only-get")
    def only_get() -> str:
        return "x"

    r = await client.post("/only-get")
    assert r.status_code == 405
    assert r.status == "405 METHOD NOT ALLOWED"


# -- query strings and headers ------------------------------------------------------------


async def test_query_string_as_dict(echo_app: Flask, client: FlaskClient) -> None:
    r = await client.get("/echo", query_string={"a": "1", "b": ["x", "y"], "sp": "a b&c"})
    assert r.json["args"] == {"a": ["1"], "b": ["x", "y"], "sp": ["a b&c"]}


async def test_query_string_as_str(echo_app: Flask, client: FlaskClient) -> None:
    r = await client.get("/echo", query_string="a=1&a=2&c=%20")
    assert r.json["args"] == {"a": ["1", "2"], "c": [" "]}


async def test_query_string_in_the_path(echo_app: Flask, client: FlaskClient) -> None:
    r = await client.get("/echo?q=search")
    assert r.json["args"] == {"q": ["search"]}


async def test_headers_are_sent(echo_app: Flask, client: FlaskClient) -> None:
    r = await client.get("/echo", headers={"X-Custom": "value"})
    assert r.json["x_custom"] == "value"


async def test_headers_as_a_list_of_pairs(echo_app: Flask, client: FlaskClient) -> None:
    r = await client.get("/echo", headers=[("X-Custom", "pair")])
    assert r.json["x_custom"] == "pair"


async def test_default_host_is_localhost(app: Flask, client: FlaskClient) -> None:
    @app.get("/where")
    def where() -> Any:
        return {"host": request.host, "url": request.url, "scheme": request.scheme}

    r = await client.get("/where")
    assert r.json == {"host": "localhost", "url": "http://localhost/where", "scheme": "http"}


# -- bodies -------------------------------------------------------------------------------


async def test_json_body_sets_content_type(app: Flask, client: FlaskClient) -> None:
    @app.post("/json")
    async def json_view() -> Any:
        return jsonify(got=request.get_json(), mimetype=request.mimetype)

    r = await client.post("/json", json={"a": [1, 2], "b": None})
    assert r.status_code == 200
    assert r.json == {"got": {"a": [1, 2], "b": None}, "mimetype": "application/json"}


async def test_json_and_data_together_is_a_type_error(client: FlaskClient) -> None:
    with pytest.raises(TypeError, match="either 'data' or 'json'"):
        await client.post("/", data="x", json={"a": 1})


async def test_data_dict_is_sent_as_a_form(echo_app: Flask, client: FlaskClient) -> None:
    r = await client.post("/echo", data={"name": "Ada", "tags": ["a", "b"]})
    assert r.json["form"] == {"name": ["Ada"], "tags": ["a", "b"]}
    assert r.json["content_type"] == "application/x-www-form-urlencoded"


async def test_data_str_is_sent_raw(echo_app: Flask, client: FlaskClient) -> None:
    r = await client.post("/echo", data="raw text", content_type="text/plain")
    assert r.json["data"] == "raw text"
    assert r.json["content_type"] == "text/plain"


async def test_data_bytes_is_sent_raw(echo_app: Flask, client: FlaskClient) -> None:
    r = await client.put("/echo", data=b"\x00\x01binary")
    assert r.status_code == 200
    assert r.json["data"] == "\x00\x01binary"


@pytest.fixture
def upload_app(app: Flask) -> Flask:
    @app.post("/upload")
    def upload() -> Any:
        f = request.files["f"]
        return {
            "filename": f.filename,
            "content": f.read().decode(),
            "content_type": f.content_type,
            "field": request.form.get("field"),
            "mimetype": request.mimetype,
        }

    return app


async def test_file_tuple_is_sent_as_multipart(upload_app: Flask, client: FlaskClient) -> None:
    r = await client.post(
        "/upload", data={"f": (io.BytesIO(b"file body"), "a.txt"), "field": "value"}
    )
    assert r.status_code == 200
    assert r.json == {
        "filename": "a.txt",
        "content": "file body",
        "content_type": "text/plain",
        "field": "value",
        "mimetype": "multipart/form-data",
    }


async def test_file_tuple_with_content_type(upload_app: Flask, client: FlaskClient) -> None:
    r = await client.post(
        "/upload", data={"f": (io.BytesIO(b"{}"), "data.bin", "application/x-custom")}
    )
    assert r.status_code == 200
    assert r.json["filename"] == "data.bin"
    assert r.json["content"] == "{}"
    assert r.json["content_type"] == "application/x-custom"


async def test_file_with_unknown_extension_is_octet_stream(
    upload_app: Flask, client: FlaskClient
) -> None:
    r = await client.post("/upload", data={"f": (io.BytesIO(b"zz"), "blob.unknownext")})
    assert r.json["content_type"] == "application/octet-stream"


async def test_several_files_under_one_name(app: Flask, client: FlaskClient) -> None:
    @app.post("/many")
    def many() -> Any:
        return [[f.filename, f.read().decode()] for f in request.files.getlist("f")]

    r = await client.post(
        "/many",
        data={"f": [(io.BytesIO(b"one"), "1.txt"), (io.BytesIO(b"two"), "2.txt")]},
    )
    assert r.json == [["1.txt", "one"], ["2.txt", "two"]]


async def test_filename_with_quotes_survives_multipart(
    upload_app: Flask, client: FlaskClient
) -> None:
    r = await client.post("/upload", data={"f": (io.BytesIO(b"q"), 'we"ird.txt')})
    assert r.status_code == 200
    assert r.json["content"] == "q"
    assert r.json["filename"] in ('we"ird.txt', "we%22ird.txt")


# -- redirects ----------------------------------------------------------------------------


@pytest.fixture
def redirect_app(app: Flask) -> Flask:
    @app.route("/from/<int:code>", methods=["GET", "POST", "PUT"])
    def start(code: int) -> Any:
        return redirect("/to", code=code)

    @app.route("/to", methods=["GET", "POST", "PUT"])
    async def target() -> Any:
        return {"method": request.method, "data": request.get_data(as_text=True)}

    @app.get("/chain")
    def chain() -> Any:
        return redirect("/from/302")

    @app.get("/loop")
    def loop() -> Any:
        return redirect("/loop")

    return app


async def test_redirect_is_not_followed_by_default(
    redirect_app: Flask, client: FlaskClient
) -> None:
    r = await client.get("/from/302")
    assert r.status_code == 302
    assert r.headers["Location"] == "/to"
    assert r.history == ()


async def test_302_after_post_becomes_get(redirect_app: Flask, client: FlaskClient) -> None:
    r = await client.post("/from/302", data="payload", follow_redirects=True)
    assert r.status_code == 200
    assert r.json == {"method": "GET", "data": ""}
    assert [h.status_code for h in r.history] == [302]
    assert r.request.path == "/to"


@pytest.mark.parametrize("code", [307, 308])
async def test_307_and_308_keep_method_and_body(
    redirect_app: Flask, client: FlaskClient, code: int
) -> None:
    r = await client.put(
        f"/from/{code}", data="payload", content_type="text/plain", follow_redirects=True
    )
    assert r.status_code == 200
    assert r.json == {"method": "PUT", "data": "payload"}
    assert [h.status_code for h in r.history] == [code]


async def test_307_keeps_a_json_body(app: Flask, client: FlaskClient) -> None:
    @app.post("/old")
    def old() -> Any:
        return redirect("/new", code=307)

    @app.post("/new")
    async def new() -> Any:
        return {"got": request.get_json()}

    r = await client.post("/old", json={"k": "v"}, follow_redirects=True)
    assert r.status_code == 200
    assert r.json == {"got": {"k": "v"}}


async def test_cookie_set_by_a_redirect_is_sent_to_its_target(
    app: Flask, client: FlaskClient
) -> None:
    @app.get("/login")
    def login() -> Any:
        response = redirect("/home")
        response.set_cookie("user", "ada")
        return response

    @app.get("/home")
    def home() -> Any:
        return {"user": request.cookies.get("user")}

    r = await client.get("/login", follow_redirects=True)
    assert r.json == {"user": "ada"}


async def test_redirect_keeps_the_query_string_of_the_location(
    app: Flask, client: FlaskClient
) -> None:
    @app.get("/go")
    def go() -> Any:
        return redirect("/dest?x=1&y=2")

    @app.get("/dest")
    def dest() -> Any:
        return request.args.to_dict()

    r = await client.get("/go", follow_redirects=True)
    assert r.json == {"x": "1", "y": "2"}


async def test_redirect_chain_history(redirect_app: Flask, client: FlaskClient) -> None:
    r = await client.get("/chain", follow_redirects=True)
    assert r.status_code == 200
    assert [h.request.path for h in r.history] == ["/chain", "/from/302"]
    assert r.request.path == "/to"


async def test_redirect_loop_raises(redirect_app: Flask, client: FlaskClient) -> None:
    with anyio.fail_after(5), pytest.raises(RuntimeError, match="Too many redirects"):
        await client.get("/loop", follow_redirects=True)


async def test_external_redirect_is_not_followed(app: Flask, client: FlaskClient) -> None:
    @app.get("/out")
    def out() -> Any:
        return redirect("https://elsewhere.example/")

    r = await client.get("/out", follow_redirects=True)
    assert r.status_code == 302
    assert r.headers["Location"] == "https://elsewhere.example/"


# -- cookies ------------------------------------------------------------------------------


@pytest.fixture
def cookie_app(echo_app: Flask) -> Flask:
    @echo_app.get("/set")
    def set_view() -> Any:
        response = make_response("set")
        response.set_cookie("flavour", "oat")
        return response

    @echo_app.get("/set-scoped")
    def set_scoped() -> Any:
        response = make_response("scoped")
        response.set_cookie("scoped", "yes", path="/admin")
        return response

    @echo_app.get("/admin/echo")
    def admin_echo() -> Any:
        return {"cookies": dict(request.cookies)}

    @echo_app.get("/delete")
    def delete_view() -> Any:
        response = make_response("deleted")
        response.delete_cookie("flavour")
        return response

    @echo_app.get("/expire")
    def expire_view() -> Any:
        response = make_response("expired")
        response.set_cookie("flavour", "", max_age=0)
        return response

    return echo_app


async def test_cookie_set_by_a_response_is_sent_back(
    cookie_app: Flask, client: FlaskClient
) -> None:
    r = await client.get("/set")
    assert "flavour=oat" in r.headers["Set-Cookie"]
    r = await client.get("/echo")
    assert r.json["cookies"] == {"flavour": "oat"}
    cookie = client.get_cookie("flavour")
    assert cookie is not None
    assert cookie.value == "oat"


async def test_cookie_deleted_by_the_app_is_not_sent(
    cookie_app: Flask, client: FlaskClient
) -> None:
    await client.get("/set")
    await client.get("/delete")
    r = await client.get("/echo")
    assert r.json["cookies"] == {}
    assert client.get_cookie("flavour") is None


async def test_cookie_with_max_age_zero_is_dropped(cookie_app: Flask, client: FlaskClient) -> None:
    await client.get("/set")
    await client.get("/expire")
    r = await client.get("/echo")
    assert r.json["cookies"] == {}


async def test_cookie_path_scoping(cookie_app: Flask, client: FlaskClient) -> None:
    await client.get("/set-scoped")
    r = await client.get("/echo")
    assert r.json["cookies"] == {}
    r = await client.get("/admin/echo")
    assert r.json["cookies"] == {"scoped": "yes"}
    assert client.get_cookie("scoped", path="/admin") is not None
    assert client.get_cookie("scoped") is None


async def test_cookies_are_disabled_with_use_cookies_false(cookie_app: Flask) -> None:
    client = cookie_app.test_client(use_cookies=False)
    await client.get("/set")
    r = await client.get("/echo")
    assert r.json["cookies"] == {}
    with pytest.raises(TypeError, match="use_cookies=True"):
        client.set_cookie("a", "b")


async def test_set_get_delete_cookie_on_the_client(echo_app: Flask, client: FlaskClient) -> None:
    client.set_cookie("token", "abc")
    cookie = client.get_cookie("token")
    assert cookie is not None
    assert cookie.value == "abc"
    r = await client.get("/echo")
    assert r.json["cookies"] == {"token": "abc"}
    client.delete_cookie("token")
    assert client.get_cookie("token") is None
    r = await client.get("/echo")
    assert r.json["cookies"] == {}


async def test_secure_cookie_only_sent_over_https(echo_app: Flask, client: FlaskClient) -> None:
    client.set_cookie("s", "1", secure=True)
    r = await client.get("/echo")
    assert r.json["cookies"] == {}
    r = await client.get("/echo", base_url="https://localhost")
    assert r.json["cookies"] == {"s": "1"}


async def test_cookie_for_another_domain_is_not_sent(echo_app: Flask, client: FlaskClient) -> None:
    client.set_cookie("other", "1", domain="example.org")
    r = await client.get("/echo")
    assert r.json["cookies"] == {}


async def test_explicit_cookie_header_is_merged_with_the_jar(
    echo_app: Flask, client: FlaskClient
) -> None:
    client.set_cookie("jar", "1")
    r = await client.get("/echo", headers={"Cookie": "explicit=2"})
    assert r.json["cookies"] == {"jar": "1", "explicit": "2"}


async def test_explicit_cookie_header_alone_is_sent_as_given(
    echo_app: Flask, client: FlaskClient
) -> None:
    r = await client.get("/echo", headers={"Cookie": "a=1; b=2"})
    assert r.json["cookie_header"] == "a=1; b=2"
    assert r.json["cookies"] == {"a": "1", "b": "2"}


# -- base_url -----------------------------------------------------------------------------


@pytest.fixture
def where_app(app: Flask) -> Flask:
    @app.get("/where")
    def where() -> Any:
        return {
            "scheme": request.scheme,
            "host": request.host,
            "root_path": request.root_path,
            "path": request.path,
            "url": request.url,
            "is_secure": request.is_secure,
        }

    return app


async def test_base_url_sets_scheme_host_and_root_path(
    where_app: Flask, client: FlaskClient
) -> None:
    r = await client.get("/where", base_url="https://example.com/prefix/")
    assert r.status_code == 200
    assert r.json == {
        "scheme": "https",
        "host": "example.com",
        "root_path": "/prefix",
        "path": "/where",
        "url": "https://example.com/prefix/where",
        "is_secure": True,
    }


async def test_base_url_on_the_client(where_app: Flask) -> None:
    client = where_app.test_client(base_url="https://example.com/prefix/")
    r = await client.get("/where")
    assert r.json["url"] == "https://example.com/prefix/where"


async def test_absolute_url_as_path(where_app: Flask, client: FlaskClient) -> None:
    r = await client.get("https://api.example.com:8443/where")
    assert r.json["host"] == "api.example.com:8443"
    assert r.json["scheme"] == "https"


async def test_cookie_set_under_base_url_is_scoped_to_its_host(
    cookie_app: Flask, client: FlaskClient
) -> None:
    await client.get("/set", base_url="http://example.com")
    r = await client.get("/echo", base_url="http://example.com")
    assert r.json["cookies"] == {"flavour": "oat"}
    r = await client.get("/echo")
    assert r.json["cookies"] == {}


# -- responses ----------------------------------------------------------------------------


async def test_response_accessors(app: Flask, client: FlaskClient) -> None:
    @app.get("/json")
    def json_view() -> Any:
        return {"name": "café"}

    r = await client.get("/json")
    assert isinstance(r, TestResponse)
    assert r.status_code == 200
    assert r.status == "200 OK"
    assert r.mimetype == "application/json"
    assert r.json == {"name": "café"}
    assert r.get_json() == {"name": "café"}
    assert r.text == r.get_data(as_text=True)
    assert r.text.startswith('{"name":')
    assert r.data == r.get_data()
    assert isinstance(r.data, bytes)


async def test_text_response_accessors(app: Flask, client: FlaskClient) -> None:
    @app.get("/text")
    def text() -> Any:
        return "nöpe", 404, {"X-Reason": "missing"}

    r = await client.get("/text")
    assert r.status_code == 404
    assert r.status == "404 NOT FOUND"
    assert r.headers["X-Reason"] == "missing"
    assert r.mimetype == "text/html"
    assert r.text == "nöpe"
    assert r.get_data(as_text=True) == "nöpe"
    assert r.data == "nöpe".encode()
    assert r.get_json(silent=True) is None


async def test_response_carries_the_request(echo_app: Flask, client: FlaskClient) -> None:
    r = await client.get("/echo", query_string={"a": "1"})
    assert r.request.path == "/echo"
    assert r.request.method == "GET"
    assert r.request.args["a"] == "1"


async def test_iter_bytes_and_lines_on_a_complete_response(app: Flask, client: FlaskClient) -> None:
    @app.get("/lines")
    def lines() -> str:
        return "a\nb\r\nc"

    r = await client.get("/lines")
    assert [chunk async for chunk in r.iter_bytes()] == [b"a\nb\r\nc"]
    assert [line async for line in r.iter_lines()] == ["a", "b", "c"]


async def test_unhandled_error_propagates_in_testing(app: Flask, client: FlaskClient) -> None:
    @app.get("/boom")
    def boom() -> str:
        raise LookupError("kaboom")

    with pytest.raises(LookupError, match="kaboom"):
        await client.get("/boom")


async def test_unhandled_error_is_500_when_not_testing(app: Flask) -> None:
    app.config["TESTING"] = False

    @app.get("/boom")
    def boom() -> str:
        raise LookupError("kaboom")

    r = await app.test_client().get("/boom")
    assert r.status_code == 500
    assert "kaboom" not in r.text


# -- lifespan through the client ----------------------------------------------------------


async def test_async_with_client_runs_serving_hooks(app: Flask) -> None:
    events: list[str] = []

    @app.before_serving
    async def start() -> None:
        events.append("before")

    @app.after_serving
    def stop() -> None:
        events.append("after")

    @app.get("/")
    def index() -> str:
        events.append("request")
        return "ok"

    async with app.test_client() as client:
        assert events == ["before"]
        r = await client.get("/")
        assert r.text == "ok"
        assert events == ["before", "request"]
    assert events == ["before", "request", "after"]


async def test_plain_client_does_not_run_serving_hooks(app: Flask) -> None:
    events: list[str] = []
    app.before_serving(lambda: events.append("before"))

    @app.get("/")
    def index() -> str:
        return "ok"

    r = await app.test_client().get("/")
    assert r.text == "ok"
    assert events == []


async def test_async_with_client_runs_shutdown_after_an_error(app: Flask) -> None:
    events: list[str] = []
    app.after_serving(lambda: events.append("after"))
    with pytest.raises(KeyError):
        async with app.test_client():
            raise KeyError("inside")
    assert events == ["after"]


# -- session_transaction --------------------------------------------------------------


def session_app() -> Flask:
    from asyncflask import session

    app = Flask(__name__)
    app.secret_key = "test secret"

    @app.get("/whoami")
    def whoami() -> str:
        return str(session.get("user", "nobody"))

    @app.get("/login/<name>")
    def login(name: str) -> str:
        session["user"] = name
        return "ok"

    return app


async def test_session_transaction_edits_the_next_requests_session() -> None:
    app = session_app()
    client = app.test_client()
    async with client.session_transaction() as sess:
        sess["user"] = "ada"
    assert (await client.get("/whoami")).text == "ada"


async def test_session_transaction_reads_what_a_request_stored() -> None:
    app = session_app()
    client = app.test_client()
    await client.get("/login/grace")
    async with client.session_transaction() as sess:
        assert sess["user"] == "grace"
        del sess["user"]
    assert (await client.get("/whoami")).text == "nobody"


async def test_session_transaction_without_secret_key_is_a_clear_error() -> None:
    app = session_app()
    app.secret_key = None
    with pytest.raises(RuntimeError, match="secret_key"):
        async with app.test_client().session_transaction():
            pass


async def test_session_transaction_needs_cookies() -> None:
    with pytest.raises(TypeError, match="use_cookies"):
        async with session_app().test_client(use_cookies=False).session_transaction():
            pass


def test_test_request_context_matches_the_url() -> None:
    app = Flask("matched", static_folder=None)

    @app.route("/items/<int:item>")
    def item(item: int) -> str:
        return str(item)

    with app.test_request_context("/items/7"):
        assert request.endpoint == "item"
        assert request.view_args == {"item": 7}
    with app.test_request_context("/missing"):
        assert request.endpoint is None
        assert request.routing_exception is not None
        assert request.routing_exception.code == 404  # type: ignore[attr-defined]
