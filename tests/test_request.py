"""The request object as views see it: URL pieces, headers, query, cookies and the body."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest

from asyncflask import Flask, Request, Response, request, url_for
from asyncflask.datastructures import MultiDict

pytestmark = pytest.mark.anyio

Message = dict[str, Any]


async def call_with_chunks(
    app: Flask,
    chunks: list[bytes],
    *,
    path: str = "/",
    method: str = "POST",
    headers: list[tuple[bytes, bytes]] | None = None,
    complete: bool = True,
    disconnect_after_chunks: bool = False,
) -> tuple[int, dict[str, str], bytes]:
    """Call the ASGI app directly, sending the body as several ``http.request`` messages.

    With ``complete=False`` the last chunk says more is coming, and then nothing comes;
    with ``disconnect_after_chunks`` the client disconnects instead.
    """
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "scheme": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"localhost"), *(headers or [])],
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 80),
    }
    incoming: list[Message] = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1 or not complete}
        for i, chunk in enumerate(chunks)
    ]
    if disconnect_after_chunks:
        incoming.append({"type": "http.disconnect"})
    done = anyio.Event()
    sent: list[Message] = []

    async def receive() -> Message:
        if incoming:
            return incoming.pop(0)
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            done.set()

    with anyio.fail_after(5):
        await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    response_headers = {k.decode(): v.decode() for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], response_headers, body


# -- URL ----------------------------------------------------------------------------


async def test_url_attributes(app: Flask) -> None:
    @app.get("/items/<int:item_id>")
    def view(item_id: int) -> dict[str, Any]:
        return {
            "method": request.method,
            "path": request.path,
            "full_path": request.full_path,
            "url": request.url,
            "base_url": request.base_url,
            "url_root": request.url_root,
            "host": request.host,
            "host_url": request.host_url,
            "scheme": request.scheme,
            "is_secure": request.is_secure,
            "remote_addr": request.remote_addr,
        }

    r = await app.test_client().get("/items/5?a=1&b=two")
    assert r.status_code == 200
    assert r.json == {
        "method": "GET",
        "path": "/items/5",
        "full_path": "/items/5?a=1&b=two",
        "url": "http://localhost/items/5?a=1&b=two",
        "base_url": "http://localhost/items/5",
        "url_root": "http://localhost/",
        "host": "localhost",
        "host_url": "http://localhost/",
        "scheme": "http",
        "is_secure": False,
        "remote_addr": "127.0.0.1",
    }


async def test_full_path_without_query_ends_with_question_mark(app: Flask) -> None:
    @app.get("/plain")
    def view() -> str:
        return request.full_path

    r = await app.test_client().get("/plain")
    assert r.text == "/plain?"


async def test_base_url_on_a_client_request_sets_scheme_host_and_root_path(app: Flask) -> None:
    @app.get("/page")
    def page() -> dict[str, Any]:
        return {
            "scheme": request.scheme,
            "is_secure": request.is_secure,
            "host": request.host,
            "root_path": request.root_path,
            "path": request.path,
            "url": request.url,
            "url_root": request.url_root,
            "url_for": url_for("page"),
            "external": url_for("page", _external=True),
        }

    r = await app.test_client().get("/page?x=1", base_url="https://example.com/prefix/")
    assert r.status_code == 200
    assert r.json == {
        "scheme": "https",
        "is_secure": True,
        "host": "example.com",
        "root_path": "/prefix",
        "path": "/page",
        "url": "https://example.com/prefix/page?x=1",
        "url_root": "https://example.com/prefix/",
        "url_for": "/prefix/page",
        "external": "https://example.com/prefix/page",
    }


async def test_base_url_on_the_client_applies_to_every_request(app: Flask) -> None:
    @app.get("/where")
    def where() -> str:
        return request.url

    client = app.test_client(base_url="https://example.com:8443/root")
    r = await client.get("/where")
    assert r.text == "https://example.com:8443/root/where"


def test_base_url_on_test_request_context(app: Flask) -> None:
    @app.get("/page")
    def page() -> str:
        return ""

    with app.test_request_context("/page", base_url="https://example.com/prefix/"):
        assert request.scheme == "https"
        assert request.is_secure
        assert request.host == "example.com"
        assert request.root_path == "/prefix"
        assert request.path == "/page"
        assert request.url == "https://example.com/prefix/page"
        assert url_for("page") == "/prefix/page"
        assert url_for("page", _external=True) == "https://example.com/prefix/page"


def test_default_port_is_dropped_and_other_ports_kept(app: Flask) -> None:
    with app.test_request_context("/", base_url="https://example.com:443"):
        assert request.host == "example.com"
    with app.test_request_context("/", base_url="http://example.com:8080"):
        assert request.host == "example.com:8080"
        assert request.host_url == "http://example.com:8080/"


async def test_path_is_percent_decoded_and_url_reencoded(app: Flask) -> None:
    @app.get("/<name>")
    def view(name: str) -> dict[str, str]:
        return {"name": name, "path": request.path, "url": request.url}

    r = await app.test_client().get("/caf%C3%A9%20bar")
    assert r.json == {
        "name": "café bar",
        "path": "/café bar",
        "url": "http://localhost/caf%C3%A9%20bar",
    }


# -- routing info -------------------------------------------------------------------


async def test_routing_attributes(app: Flask) -> None:
    @app.route("/users/<name>", endpoint="user_page", methods=["GET", "POST"])
    def view(name: str) -> dict[str, Any]:
        rule = request.url_rule
        assert rule is not None
        return {
            "endpoint": request.endpoint,
            "view_args": request.view_args,
            "rule": rule.rule,
            "methods": sorted(rule.methods or ()),
            "blueprint": request.blueprint,
        }

    r = await app.test_client().get("/users/ann")
    assert r.json == {
        "endpoint": "user_page",
        "view_args": {"name": "ann"},
        "rule": "/users/<name>",
        "methods": ["GET", "HEAD", "OPTIONS", "POST"],
        "blueprint": None,
    }


# -- query, headers, cookies --------------------------------------------------------


async def test_args_is_a_multidict(app: Flask) -> None:
    @app.get("/")
    def view() -> dict[str, Any]:
        args = request.args
        assert isinstance(args, MultiDict)
        return {
            "first": args["tag"],
            "all": args.getlist("tag"),
            "page": args.get("page", type=int),
            "bad_int": args.get("name", default=-1, type=int),
            "missing": args.get("missing"),
            "ints": args.getlist("n", type=int),
            "blank": args["blank"],
        }

    r = await app.test_client().get(
        "/", query_string="tag=a&tag=b&page=3&name=x&n=1&n=oops&n=2&blank="
    )
    assert r.json == {
        "first": "a",
        "all": ["a", "b"],
        "page": 3,
        "bad_int": -1,
        "missing": None,
        "ints": [1, 2],
        "blank": "",
    }


async def test_args_from_a_dict_query_string(app: Flask) -> None:
    @app.get("/")
    def view() -> dict[str, Any]:
        return {"q": request.args["q"], "list": request.args.getlist("l")}

    r = await app.test_client().get("/", query_string={"q": "a b&c", "l": ["1", "2"]})
    assert r.json == {"q": "a b&c", "list": ["1", "2"]}


async def test_missing_arg_is_400(app: Flask) -> None:
    @app.get("/")
    def view() -> str:
        return request.args["required"]

    r = await app.test_client().get("/")
    assert r.status_code == 400
    assert "Bad Request" in r.text


async def test_headers_are_case_insensitive_and_multi_valued(app: Flask) -> None:
    @app.get("/")
    def view() -> dict[str, Any]:
        return {
            "lower": request.headers["x-token"],
            "upper": request.headers["X-TOKEN"],
            "get": request.headers.get("X-Token"),
            "missing": request.headers.get("X-Missing"),
            "multi": request.headers.getlist("x-multi"),
            "contains": "X-TOKEN" in request.headers,
        }

    r = await app.test_client().get(
        "/", headers=[("X-Token", "secret"), ("X-Multi", "a"), ("X-Multi", "b")]
    )
    assert r.json == {
        "lower": "secret",
        "upper": "secret",
        "get": "secret",
        "missing": None,
        "multi": ["a", "b"],
        "contains": True,
    }


async def test_missing_header_is_400(app: Flask) -> None:
    @app.get("/")
    def view() -> str:
        return request.headers["X-Required"]

    r = await app.test_client().get("/")
    assert r.status_code == 400


async def test_cookies(app: Flask) -> None:
    @app.get("/")
    def view() -> dict[str, Any]:
        return {"cookies": dict(request.cookies), "one": request.cookies.get("one")}

    r = await app.test_client().get("/", headers={"Cookie": 'one=1; two="a b"'})
    assert r.json == {"cookies": {"one": "1", "two": "a b"}, "one": "1"}


async def test_client_cookie_jar_is_sent(app: Flask) -> None:
    @app.get("/")
    def view() -> str:
        return request.cookies.get("flavour", "none")

    client = app.test_client()
    client.set_cookie("flavour", "oat")
    r = await client.get("/")
    assert r.text == "oat"


async def test_user_agent(app: Flask) -> None:
    @app.get("/")
    def view() -> str:
        return request.user_agent.string

    r = await app.test_client().get("/", headers={"User-Agent": "Mozilla/5.0 Test"})
    assert r.text == "Mozilla/5.0 Test"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/json", "application/json"),
        ("text/html,application/json;q=0.5", "text/html"),
        ("text/*;q=0.1, application/json;q=0.9", "application/json"),
        ("image/png", "none"),
        ("*/*", "text/html"),
    ],
)
async def test_accept_mimetypes_best_match(app: Flask, accept: str, expected: str) -> None:
    @app.get("/")
    def view() -> str:
        return request.accept_mimetypes.best_match(["text/html", "application/json"]) or "none"

    r = await app.test_client().get("/", headers={"Accept": accept})
    assert r.text == expected


# -- body ---------------------------------------------------------------------------


async def test_content_headers_and_raw_body(app: Flask) -> None:
    @app.post("/")
    def view() -> dict[str, Any]:
        return {
            "content_type": request.content_type,
            "mimetype": request.mimetype,
            "mimetype_params": request.mimetype_params,
            "content_length": request.content_length,
            "is_json": request.is_json,
            "data": request.data.decode(),
            "text": request.get_data(as_text=True),
        }

    r = await app.test_client().post("/", data="héllo", content_type="text/plain; charset=utf-8")
    assert r.json == {
        "content_type": "text/plain; charset=utf-8",
        "mimetype": "text/plain",
        "mimetype_params": {"charset": "utf-8"},
        "content_length": len("héllo".encode()),
        "is_json": False,
        "data": "héllo",
        "text": "héllo",
    }


async def test_json_body(app: Flask) -> None:
    @app.post("/")
    async def view() -> dict[str, Any]:
        return {
            "is_json": request.is_json,
            "json": request.json,
            "get_json": request.get_json(),
            "mimetype": request.mimetype,
        }

    r = await app.test_client().post("/", json={"a": [1, 2], "b": "ü"})
    assert r.json == {
        "is_json": True,
        "json": {"a": [1, 2], "b": "ü"},
        "get_json": {"a": [1, 2], "b": "ü"},
        "mimetype": "application/json",
    }


async def test_json_suffix_mimetype_is_json(app: Flask) -> None:
    @app.post("/")
    def view() -> dict[str, Any]:
        return {"is_json": request.is_json, "json": request.get_json()}

    r = await app.test_client().post(
        "/", data='{"x": 1}', content_type="application/merge-patch+json"
    )
    assert r.json == {"is_json": True, "json": {"x": 1}}


async def test_get_json_force_ignores_the_content_type(app: Flask) -> None:
    @app.post("/")
    def view() -> dict[str, Any]:
        return {"forced": request.get_json(force=True)}

    r = await app.test_client().post("/", data='{"x": 1}', content_type="text/plain")
    assert r.json == {"forced": {"x": 1}}


async def test_urlencoded_form_and_values(app: Flask) -> None:
    @app.post("/")
    def view() -> dict[str, Any]:
        return {
            "name": request.form["name"],
            "tags": request.form.getlist("tag"),
            "values_name": request.values["name"],
            "values_q": request.values["q"],
            "values_tag": request.values.getlist("tag"),
            "mimetype": request.mimetype,
        }

    r = await app.test_client().post(
        "/?q=search&tag=fromquery", data={"name": "Zoë & co", "tag": ["a", "b"]}
    )
    assert r.json == {
        "name": "Zoë & co",
        "tags": ["a", "b"],
        "values_name": "Zoë & co",
        "values_q": "search",
        "values_tag": ["fromquery", "a", "b"],
        "mimetype": "application/x-www-form-urlencoded",
    }


async def test_values_on_get_holds_only_args(app: Flask) -> None:
    @app.get("/")
    def view() -> dict[str, Any]:
        return {"values": dict(request.values), "form": dict(request.form)}

    r = await app.test_client().get("/?a=1")
    assert r.json == {"values": {"a": "1"}, "form": {}}


async def test_missing_form_field_is_400(app: Flask) -> None:
    @app.post("/")
    def view() -> str:
        return request.form["missing"]

    r = await app.test_client().post("/", data={"other": "x"})
    assert r.status_code == 400


async def test_body_is_read_in_sync_and_async_views(app: Flask) -> None:
    @app.post("/sync")
    def sync_view() -> str:
        return request.get_data(as_text=True)

    @app.post("/async")
    async def async_view() -> str:
        return request.get_data(as_text=True)

    client = app.test_client()
    assert (await client.post("/sync", data=b"sync body")).text == "sync body"
    assert (await client.post("/async", data=b"async body")).text == "async body"


async def test_body_is_readable_in_before_request(app: Flask) -> None:
    seen: list[str] = []

    @app.before_request
    def check() -> None:
        seen.append(request.form.get("token", ""))

    @app.post("/")
    def view() -> str:
        return "ok"

    r = await app.test_client().post("/", data={"token": "t0k"})
    assert r.text == "ok"
    assert seen == ["t0k"]


async def test_body_sent_in_several_chunks_is_joined(app: Flask) -> None:
    @app.post("/")
    def view() -> str:
        return request.get_data(as_text=True)

    status, _, body = await call_with_chunks(app, [b"one ", b"two ", b"three"])
    assert status == 200
    assert body == b"one two three"


# -- bad JSON -----------------------------------------------------------------------


async def test_malformed_json_is_400_with_clear_message_and_no_traceback(app: Flask) -> None:
    @app.post("/")
    def view() -> Any:
        return request.get_json()

    r = await app.test_client().post("/", data="{not json", content_type="application/json")
    assert r.status_code == 400
    assert "Failed to decode JSON object" in r.text
    assert "Traceback" not in r.text
    assert 'File "' not in r.text


async def test_malformed_json_through_json_property_is_400(app: Flask) -> None:
    @app.post("/")
    async def view() -> Any:
        return request.json

    r = await app.test_client().post("/", data=b"[1, 2", content_type="application/json")
    assert r.status_code == 400
    assert "Failed to decode JSON object" in r.text


async def test_invalid_utf8_json_is_400(app: Flask) -> None:
    @app.post("/")
    def view() -> Any:
        return request.get_json()

    r = await app.test_client().post("/", data=b'{"a": "\xff"}', content_type="application/json")
    assert r.status_code == 400


async def test_get_json_with_non_json_content_type_is_415(app: Flask) -> None:
    @app.post("/")
    def view() -> Any:
        return request.get_json()

    r = await app.test_client().post("/", data='{"a": 1}', content_type="text/plain")
    assert r.status_code == 415
    assert "application/json" in r.text


async def test_json_property_with_form_body_is_415(app: Flask) -> None:
    @app.post("/")
    def view() -> Any:
        return request.json

    r = await app.test_client().post("/", data={"a": "1"})
    assert r.status_code == 415


async def test_get_json_silent_returns_none_for_bad_input(app: Flask) -> None:
    @app.post("/")
    def view() -> dict[str, Any]:
        return {"silent": request.get_json(silent=True)}

    client = app.test_client()
    malformed = await client.post("/", data="{nope", content_type="application/json")
    assert malformed.status_code == 200
    assert malformed.json == {"silent": None}
    wrong_type = await client.post("/", data='{"a": 1}', content_type="text/plain")
    assert wrong_type.status_code == 200
    assert wrong_type.json == {"silent": None}


@pytest.mark.parametrize(
    "body",
    ["[" * 100_000, "[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000],
    ids=["unclosed-lists", "closed-lists", "objects"],
)
async def test_deeply_nested_json_is_400_not_500(app: Flask, body: str) -> None:
    @app.post("/")
    def view() -> Any:
        request.get_json()
        return "parsed"

    r = await app.test_client().post("/", data=body, content_type="application/json")
    assert r.status_code == 400
    assert "Traceback" not in r.text


async def test_deeply_nested_json_is_400_outside_testing() -> None:
    app = Flask("nested_json")

    @app.post("/")
    async def view() -> Any:
        return request.json

    r = await app.test_client().post("/", data="[" * 100_000, content_type="application/json")
    assert r.status_code == 400


# -- query string -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (b"q=%ff", "\ufffd"),
        (b"q=%C3%28", "\ufffd("),
        (b"q=\xff\xfe", "\ufffd\ufffd"),
        (b"q=caf%C3%A9", "café"),
    ],
)
async def test_bad_percent_encoding_in_query_is_200_with_replacement(
    app: Flask, query: bytes, expected: str
) -> None:
    @app.get("/")
    def view() -> dict[str, str]:
        return {"q": request.args["q"]}

    r = await app.test_client().get("/", query_string=query)
    assert r.status_code == 200
    assert r.json == {"q": expected}


async def test_semicolon_is_not_a_query_separator(app: Flask) -> None:
    @app.get("/")
    def view() -> dict[str, str]:
        return dict(request.args)

    r = await app.test_client().get("/", query_string=b"a=1;admin=true&b=2")
    assert r.json == {"a": "1;admin=true", "b": "2"}


async def test_incomplete_percent_escape_in_query_is_kept_literally(app: Flask) -> None:
    @app.get("/")
    def view() -> dict[str, str]:
        return dict(request.args)

    r = await app.test_client().get("/", query_string=b"a=%zz&b=%4&c=%")
    assert r.status_code == 200
    assert r.json == {"a": "%zz", "b": "%4", "c": "%"}


# -- body size limits ---------------------------------------------------------------


async def test_body_over_max_content_length_with_content_length_is_413(app: Flask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 100
    calls: list[str] = []

    @app.post("/")
    def view() -> str:
        calls.append("view")
        return "read"

    client = app.test_client()
    r = await client.post("/", data=b"x" * 101)
    assert r.status_code == 413
    assert "Request Entity Too Large" in r.text or "Too Large" in r.text
    assert calls == []
    ok = await client.post("/", data=b"x" * 100)
    assert ok.status_code == 200
    assert calls == ["view"]


async def test_chunked_body_over_max_content_length_is_413(app: Flask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 100
    calls: list[str] = []

    @app.post("/")
    def view() -> str:
        calls.append("view")
        return "read"

    status, _, body = await call_with_chunks(
        app,
        [b"x" * 40, b"x" * 40, b"x" * 40, b"x" * 40],
        headers=[(b"transfer-encoding", b"chunked")],
    )
    assert status == 413
    assert b"Too Large" in body
    assert calls == []


async def test_chunked_body_under_max_content_length_is_read(app: Flask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 100

    @app.post("/")
    def view() -> str:
        return str(len(request.data))

    status, _, body = await call_with_chunks(app, [b"x" * 50, b"x" * 50])
    assert status == 200
    assert body == b"100"


async def test_lying_content_length_does_not_bypass_the_limit(app: Flask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 100

    @app.post("/")
    def view() -> str:
        return str(len(request.data))

    status, _, body = await call_with_chunks(
        app, [b"x" * 60, b"x" * 60], headers=[(b"content-length", b"10")]
    )
    assert status == 400
    assert b"longer than its Content-Length" in body


@pytest.mark.parametrize(
    "chunks",
    [[b"x" * 11], [b"x" * 5, b"x" * 6], [b"x" * 10, b"y"]],
    ids=["one message", "two messages", "one byte more"],
)
@pytest.mark.parametrize("stream", [False, True], ids=["buffered", "streamed"])
async def test_body_longer_than_content_length_is_400(
    app: Flask, chunks: list[bytes], stream: bool
) -> None:
    calls: list[str] = []

    @app.post("/", stream_request=stream)
    async def view() -> str:
        calls.append("view")
        return str(len(await request.load_body()))

    status, _, body = await call_with_chunks(app, chunks, headers=[(b"content-length", b"10")])
    assert status == 400
    assert b"longer than its Content-Length" in body
    assert calls == (["view"] if stream else [])


@pytest.mark.parametrize(
    "chunks", [[b"x" * 9], [b"x" * 4, b"x" * 5], [b""]], ids=["one message", "two", "empty"]
)
@pytest.mark.parametrize("stream", [False, True], ids=["buffered", "streamed"])
async def test_body_shorter_than_content_length_is_400(
    app: Flask, chunks: list[bytes], stream: bool
) -> None:
    @app.post("/", stream_request=stream)
    async def view() -> str:
        total = 0
        async for chunk in request.stream:
            total += len(chunk)
        return str(total)

    status, _, body = await call_with_chunks(app, chunks, headers=[(b"content-length", b"10")])
    assert status == 400
    assert b"ended before the length its Content-Length" in body


@pytest.mark.parametrize("chunks", [[b"x" * 10], [b"x" * 3, b"", b"x" * 7]])
async def test_body_matching_content_length_is_read(app: Flask, chunks: list[bytes]) -> None:
    @app.post("/")
    def view() -> str:
        return str(len(request.data))

    status, _, body = await call_with_chunks(app, chunks, headers=[(b"content-length", b"10")])
    assert (status, body) == (200, b"10")


@pytest.mark.parametrize("value", [b"-3", b"abc", b"1e3", b"3 3", b"\xd9\xa3"])
async def test_invalid_content_length_is_400(app: Flask, value: bytes) -> None:
    calls: list[str] = []

    @app.post("/")
    def view() -> str:
        calls.append("view")
        return "read"

    status, _, body = await call_with_chunks(app, [b"abc"], headers=[(b"content-length", value)])
    assert status == 400
    assert b"Content-Length" in body
    assert calls == []


async def test_body_that_never_arrives_is_408(app: Flask) -> None:
    app.config["BODY_TIMEOUT"] = 0.05
    calls: list[str] = []

    @app.post("/")
    def view() -> str:
        calls.append("view")
        return "read"

    status, _, body = await call_with_chunks(app, [b"partial"], complete=False)
    assert status == 408
    assert b"0.05 seconds" in body
    assert calls == []


async def test_client_disconnect_while_sending_the_body_does_not_run_the_view(
    app: Flask,
) -> None:
    calls: list[str] = []

    @app.post("/")
    def view() -> str:
        calls.append("view")
        return "read"

    status, _, _ = await call_with_chunks(
        app, [b"partial"], complete=False, disconnect_after_chunks=True
    )
    assert status == 400
    assert calls == []


async def test_per_route_max_content_length(app: Flask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1000

    @app.post("/small", max_content_length=10)
    def small() -> str:
        return f"small:{request.max_content_length}"

    @app.post("/big", max_content_length=5000)
    def big() -> str:
        return f"big:{len(request.data)}"

    @app.post("/default")
    def default() -> str:
        return f"default:{request.max_content_length}"

    client = app.test_client()
    assert (await client.post("/small", data=b"x" * 10)).text == "small:10"
    assert (await client.post("/small", data=b"x" * 11)).status_code == 413
    assert (await client.post("/big", data=b"x" * 3000)).text == "big:3000"
    assert (await client.post("/default", data=b"x" * 1000)).text == "default:1000"
    assert (await client.post("/default", data=b"x" * 1001)).status_code == 413
    status, _, _ = await call_with_chunks(app, [b"x" * 6, b"x" * 6], path="/small")
    assert status == 413


async def test_max_content_length_none_means_no_limit(app: Flask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = None

    @app.post("/")
    def view() -> str:
        return str(len(request.data))

    r = await app.test_client().post("/", data=b"x" * (17 * 1024 * 1024))
    assert r.text == str(17 * 1024 * 1024)


async def test_default_max_content_length_is_16_mib(app: Flask) -> None:
    @app.post("/")
    def view() -> str:
        return str(request.max_content_length)

    client = app.test_client()
    assert (await client.post("/", data=b"x")).text == str(16 * 1024 * 1024)
    r = await client.post("/", data=b"x" * (16 * 1024 * 1024 + 1))
    assert r.status_code == 413


def test_request_json_is_parsed_with_the_app_provider(app: Flask) -> None:
    with app.test_request_context("/", method="POST", json={"n": 1}):
        assert request.get_json() == {"n": 1}
        assert json.loads(request.data) == {"n": 1}


async def test_request_is_a_request_instance(app: Flask) -> None:
    @app.get("/")
    def view() -> str:
        current = request._get_current_object()  # type: ignore[attr-defined]
        return type(current).__name__ if isinstance(current, Request) else "other"

    assert (await app.test_client().get("/")).text == "Request"


async def test_custom_request_and_response_classes_are_used(app: Flask) -> None:
    class MyRequest(Request):
        @property
        def shout(self) -> str:
            return self.path.upper()

    class MyResponse(Response):
        default_mimetype = "text/plain"

    app.request_class = MyRequest
    app.response_class = MyResponse

    @app.get("/hello")
    def view() -> str:
        return request.shout  # type: ignore[attr-defined,no-any-return]

    r = await app.test_client().get("/hello")
    assert r.text == "/HELLO"
    assert r.mimetype == "text/plain"
