"""The application as a whole: routing outcomes, sync and async code, threads, hostile requests."""

from __future__ import annotations

import threading
import time
from typing import Any

import anyio
import pytest

from asyncflask import AsyncFlask, Flask, current_app, request, url_for

pytestmark = pytest.mark.anyio

Message = dict[str, Any]


async def call_asgi(
    app: Flask,
    path: str,
    *,
    raw_path: bytes | None = None,
    method: str = "GET",
    headers: list[tuple[bytes, bytes]] | None = None,
    query_string: bytes = b"",
) -> tuple[int, dict[str, str], bytes]:
    """Call the ASGI app directly with a hand-built scope, as a server would."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "scheme": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode("utf-8", "surrogateescape") if raw_path is None else raw_path,
        "root_path": "",
        "query_string": query_string,
        "headers": [(b"host", b"localhost")] if headers is None else headers,
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 80),
    }
    done = anyio.Event()
    sent: list[Message] = []
    body_sent = False

    async def receive() -> Message:
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
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


def test_asyncflask_alias_is_flask() -> None:
    assert AsyncFlask is Flask


def test_repr_and_name() -> None:
    app = Flask("my_app")
    assert app.name == "my_app"
    assert repr(app) == "<Flask 'my_app'>"


# -- sync and async views -----------------------------------------------------------


async def test_async_view(app: Flask) -> None:
    @app.get("/")
    async def view() -> str:
        await anyio.sleep(0)
        return f"async {request.method} {request.path}"

    r = await app.test_client().get("/")
    assert r.status_code == 200
    assert r.text == "async GET /"


async def test_sync_view_runs_in_a_worker_thread_and_sees_the_request(app: Flask) -> None:
    @app.get("/<name>")
    def view(name: str) -> dict[str, Any]:
        return {
            "thread": threading.get_ident(),
            "name": name,
            "path": request.path,
            "arg": request.args.get("a"),
            "app": current_app.name,
        }

    r = await app.test_client().get("/bob?a=1")
    assert r.status_code == 200
    data = r.json
    assert data["thread"] != threading.get_ident()
    assert data == {**data, "name": "bob", "path": "/bob", "arg": "1", "app": "test_app"}


async def test_async_view_runs_on_the_loop_thread(app: Flask) -> None:
    @app.get("/")
    async def view() -> str:
        return str(threading.get_ident())

    r = await app.test_client().get("/")
    assert r.text == str(threading.get_ident())


async def test_async_callable_object_is_awaited(app: Flask) -> None:
    class View:
        async def __call__(self) -> str:
            return str(threading.get_ident())

    app.add_url_rule("/", "callable_view", View())
    r = await app.test_client().get("/")
    assert r.text == str(threading.get_ident())


async def test_sync_view_does_not_block_async_views(app: Flask) -> None:
    release = threading.Event()

    @app.get("/slow")
    def slow() -> str:
        release.wait(5)
        return "slow"

    @app.get("/fast")
    async def fast() -> str:
        return "fast"

    client = app.test_client()
    results: dict[str, str] = {}

    async def get(path: str) -> None:
        results[path] = (await client.get(path)).text

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(get, "/slow")
            await anyio.sleep(0.01)
            await get("/fast")
            assert results == {"/fast": "fast"}
            release.set()
    assert results == {"/fast": "fast", "/slow": "slow"}


async def test_sync_thread_limit_bounds_concurrent_sync_views(app: Flask) -> None:
    app.config["SYNC_THREAD_LIMIT"] = 2
    lock = threading.Lock()
    running = 0
    max_running = 0

    two_running = threading.Event()

    @app.get("/")
    def view() -> str:
        nonlocal running, max_running
        with lock:
            running += 1
            max_running = max(max_running, running)
            if running >= 2:
                two_running.set()
        # Make sure two views overlap, then give a third (if allowed) time to start too.
        two_running.wait(2)
        time.sleep(0.05)
        with lock:
            running -= 1
        return "done"

    client = app.test_client()
    statuses: list[int] = []

    async def get() -> None:
        statuses.append((await client.get("/")).status_code)

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            for _ in range(6):
                tg.start_soon(get)
    assert statuses == [200] * 6
    assert max_running == 2


async def test_many_sync_views_waiting_on_each_other_do_not_deadlock(app: Flask) -> None:
    app.config["SYNC_THREAD_LIMIT"] = 20
    barrier = threading.Barrier(20)

    @app.get("/")
    def view() -> str:
        barrier.wait(timeout=5)
        return "passed"

    client = app.test_client()
    bodies: list[str] = []

    async def get() -> None:
        bodies.append((await client.get("/")).text)

    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            for _ in range(20):
                tg.start_soon(get)
    assert bodies == ["passed"] * 20


async def test_sync_views_at_their_limit_leave_the_default_thread_pool_free(app: Flask) -> None:
    """Sync views filling SYNC_THREAD_LIMIT do not starve other thread work of the process."""
    app.config["SYNC_THREAD_LIMIT"] = 2
    release = threading.Event()

    @app.get("/block")
    def block() -> str:
        release.wait(5)
        return "blocked"

    @app.get("/async")
    async def async_view() -> str:
        await anyio.to_thread.run_sync(lambda: None)
        return "ok"

    client = app.test_client()
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(client.get, "/block")
            tg.start_soon(client.get, "/block")
            await anyio.sleep(0.02)
            assert (await client.get("/async")).text == "ok"
            release.set()


# -- routing outcomes ---------------------------------------------------------------


async def test_unknown_path_is_404(app: Flask) -> None:
    @app.get("/known")
    def known() -> str:
        return "known"

    r = await app.test_client().get("/unknown")
    assert r.status_code == 404
    assert r.status == "404 NOT FOUND"
    assert "Not Found" in r.text
    assert r.mimetype == "text/html"


async def test_wrong_method_is_405_with_allow(app: Flask) -> None:
    @app.route("/thing", methods=["GET", "POST"])
    def thing() -> str:
        return "thing"

    r = await app.test_client().delete("/thing")
    assert r.status_code == 405
    assert "Method Not Allowed" in r.text
    allowed = {m.strip() for m in r.headers["Allow"].split(",")}
    assert allowed == {"GET", "HEAD", "OPTIONS", "POST"}


@pytest.mark.parametrize("method", ["FOO", "DISPATCH", "__INIT__", "CONNECT"])
async def test_unknown_method_is_405(app: Flask, method: str) -> None:
    @app.get("/")
    def index() -> str:
        return "index"

    status, headers, _ = await call_asgi(app, "/", method=method)
    assert status == 405
    assert {m.strip() for m in headers["allow"].split(",")} == {"GET", "HEAD", "OPTIONS"}


async def test_head_is_answered_without_body(app: Flask) -> None:
    @app.get("/")
    def view() -> str:
        return "content"

    r = await app.test_client().head("/")
    assert r.status_code == 200
    assert r.data == b""
    assert r.headers["Content-Length"] == "7"


async def test_automatic_options_lists_methods(app: Flask) -> None:
    @app.route("/thing", methods=["GET", "PUT"])
    def thing() -> str:
        return "thing"

    r = await app.test_client().options("/thing")
    assert r.status_code == 200
    assert {m.strip() for m in r.headers["Allow"].split(",")} == {
        "GET",
        "HEAD",
        "OPTIONS",
        "PUT",
    }


async def test_strict_slashes_redirect_keeps_the_query(app: Flask) -> None:
    @app.get("/folder/")
    def folder() -> str:
        return "folder"

    client = app.test_client()
    r = await client.get("/folder?x=1")
    assert r.status_code == 308
    assert r.headers["Location"].endswith("/folder/?x=1")
    followed = await client.get("/folder?x=1", follow_redirects=True)
    assert followed.text == "folder"


def test_methods_as_a_string_is_type_error(app: Flask) -> None:
    with pytest.raises(TypeError, match="list of strings"):
        app.add_url_rule("/", "index", lambda: "x", methods="POST")


def test_overwriting_an_endpoint_is_an_error(app: Flask) -> None:
    @app.get("/a", endpoint="same")
    def first() -> str:
        return "a"

    with pytest.raises(AssertionError, match="overwriting an existing endpoint"):

        @app.get("/b", endpoint="same")
        def second() -> str:
            return "b"


async def test_route_decorators_for_each_method(app: Flask) -> None:
    @app.post("/r")
    def post() -> str:
        return "post"

    @app.put("/r")
    def put() -> str:
        return "put"

    @app.patch("/r")
    def patch() -> str:
        return "patch"

    @app.delete("/r")
    def delete() -> str:
        return "delete"

    client = app.test_client()
    assert (await client.post("/r")).text == "post"
    assert (await client.put("/r")).text == "put"
    assert (await client.patch("/r")).text == "patch"
    assert (await client.delete("/r")).text == "delete"
    assert (await client.get("/r")).status_code == 405


# -- hostile requests ---------------------------------------------------------------


@pytest.mark.parametrize("raw_path", [b"/a%zz", b"/a%", b"/a%4", b"/a%ff", b"/%C3%28"])
async def test_invalid_percent_encoding_in_path_is_400(app: Flask, raw_path: bytes) -> None:
    @app.get("/<name>")
    def view(name: str) -> str:
        return name

    path = raw_path.decode("latin-1")
    status, headers, body = await call_asgi(app, path, raw_path=raw_path)
    assert status == 400
    assert b"percent-encoding" in body
    assert headers["content-type"].startswith("text/html")


async def test_valid_percent_encoding_in_path_is_routed(app: Flask) -> None:
    @app.get("/<name>")
    def view(name: str) -> str:
        return name

    status, _, body = await call_asgi(app, "/a b", raw_path=b"/a%20b")
    assert status == 200
    assert body == b"a b"


@pytest.mark.parametrize("path", ["@evil.com", "evil.com/x", "*"])
async def test_path_not_starting_with_slash_is_400(app: Flask, path: str) -> None:
    @app.get("/")
    def index() -> str:
        return request.url

    @app.get("/<path:rest>")
    def anything(rest: str) -> str:
        return request.url

    status, _, body = await call_asgi(app, path)
    assert status == 400
    assert b"evil.com" not in body


@pytest.mark.parametrize(
    "host",
    [b"exa mple.com", b"evil.com/x", b"evil.com\\x", b"a@evil.com", b"evil.com:abc", b"[::1"],
)
async def test_malformed_host_is_400_when_request_host_is_used(app: Flask, host: bytes) -> None:
    @app.get("/secret")
    def view() -> str:
        return request.host

    status, _, body = await call_asgi(app, "/secret", headers=[(b"host", host)])
    assert status == 400
    assert b"Host" in body


@pytest.mark.parametrize("host", [b"exa mple.com", b"evil.com/x", b"evil.com?x"])
async def test_malformed_host_is_400_for_external_url_for(app: Flask, host: bytes) -> None:
    @app.get("/link")
    def link() -> str:
        return url_for("link", _external=True)

    status, _, _ = await call_asgi(app, "/link", headers=[(b"host", host)])
    assert status == 400


@pytest.mark.parametrize("host", [b"exa mple.com", b"evil.com/x", b"evil.com/admin?"])
async def test_malformed_host_never_changes_the_path(app: Flask, host: bytes) -> None:
    @app.get("/public")
    def public() -> dict[str, Any]:
        return {"path": request.path, "relative": url_for("public"), "rule": request.endpoint}

    status, _, body = await call_asgi(app, "/public", headers=[(b"host", host)])
    assert status == 200
    assert body == b'{"path":"/public","relative":"/public","rule":"public"}\n'


async def test_malformed_host_url_attributes_are_400(app: Flask) -> None:
    @app.get("/u")
    def view() -> str:
        return request.url

    status, _, _ = await call_asgi(app, "/u", headers=[(b"host", b"evil.com/x")])
    assert status == 400


@pytest.mark.parametrize(
    "host", [b"example.com", b"example.com:8080", b"127.0.0.1:5000", b"[::1]:80"]
)
async def test_valid_hosts_are_accepted(app: Flask, host: bytes) -> None:
    @app.get("/")
    def view() -> str:
        return request.host

    status, _, body = await call_asgi(app, "/", headers=[(b"host", host)])
    assert status == 200
    assert body == host.removesuffix(b":80")


async def test_missing_host_header_falls_back_to_the_server_address(app: Flask) -> None:
    @app.get("/")
    def view() -> str:
        return request.host

    status, _, body = await call_asgi(app, "/", headers=[])
    assert status == 200
    assert body == b"localhost"


async def test_trusted_hosts_accept_listed_hosts_and_subdomains(app: Flask) -> None:
    app.config["TRUSTED_HOSTS"] = ["example.com", ".trusted.org"]

    @app.get("/")
    def view() -> str:
        return request.host

    client = app.test_client()
    assert (await client.get("/", base_url="http://example.com")).text == "example.com"
    assert (await client.get("/", base_url="http://api.trusted.org")).text == "api.trusted.org"
    assert (await client.get("/", base_url="http://trusted.org:8000")).text == "trusted.org:8000"
    assert (await client.get("/", base_url="http://notexample.com")).status_code == 400
    assert (await client.get("/", base_url="http://nottrusted.org")).status_code == 400


async def test_trusted_hosts_reject_when_the_view_reads_the_host(app: Flask) -> None:
    app.config["TRUSTED_HOSTS"] = ["example.com"]

    @app.get("/")
    def view() -> str:
        return request.host

    client = app.test_client()
    assert (await client.get("/", base_url="http://example.com")).text == "example.com"
    assert (await client.get("/", base_url="http://evil.com")).status_code == 400


# -- logging ------------------------------------------------------------------------


async def test_logger_is_named_after_the_app(app: Flask) -> None:
    assert app.logger.name == "test_app"


async def test_unhandled_exception_is_logged_and_500(caplog: pytest.LogCaptureFixture) -> None:
    app = Flask("logging_app")

    @app.get("/boom")
    def boom() -> str:
        raise ZeroDivisionError("kaboom")

    r = await app.test_client().get("/boom")
    assert r.status_code == 500
    assert "kaboom" not in r.text
    assert "Traceback" not in r.text
    records = [rec for rec in caplog.records if rec.name == "logging_app"]
    assert len(records) == 1
    record = records[0]
    assert record.levelname == "ERROR"
    assert "Exception on /boom [GET]" in record.getMessage()
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], ZeroDivisionError)


async def test_logged_path_escapes_control_characters(caplog: pytest.LogCaptureFixture) -> None:
    app = Flask("logging_escape_app")

    @app.get("/<path:rest>")
    def boom(rest: str) -> str:
        raise RuntimeError("x")

    status, _, _ = await call_asgi(app, "/a\x1b[31mred", raw_path=b"/a%1B[31mred")
    assert status == 500
    messages = [rec.getMessage() for rec in caplog.records if rec.name == "logging_escape_app"]
    assert messages
    assert all("\x1b" not in message for message in messages)


async def test_a_wrapped_asgi_app_sees_every_http_request(app: Flask) -> None:
    seen: list[str] = []
    inner = app.asgi_app

    async def middleware(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["path"])
        await inner(scope, receive, send)

    app.asgi_app = middleware  # type: ignore[method-assign]

    @app.get("/")
    async def index() -> str:
        return "ok"

    assert (await app.test_client().get("/")).text == "ok"
    assert seen == ["/"]


async def test_a_subclass_overriding_asgi_app_sees_every_http_request() -> None:
    seen: list[str] = []

    class Traced(Flask):
        async def asgi_app(self, scope: Any, receive: Any, send: Any) -> None:
            seen.append(scope["path"])
            await super().asgi_app(scope, receive, send)

    app = Traced(__name__)

    @app.get("/")
    async def index() -> str:
        return "ok"

    assert (await app.test_client().get("/")).text == "ok"
    assert seen == ["/"]


def test_an_unused_app_is_freed_without_the_garbage_collector() -> None:
    import gc
    import weakref

    gc.collect()
    gc.disable()
    try:
        app = Flask("freed")
        assert app.view_functions["static"]
        ref = weakref.ref(app)
        del app
        assert ref() is None
    finally:
        gc.enable()
