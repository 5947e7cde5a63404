"""Debug mode: errors propagate to tests, and servers show a read-only traceback page."""

from __future__ import annotations

import anyio
import httpx
import pytest

from asyncflask import Flask
from asyncflask.debughelpers import debug_error_body, traceback_page, traceback_text, wants_html
from asyncflask.testing import build_scope
from asyncflask.typing import Message, Scope

pytestmark = pytest.mark.anyio


def make_error() -> ValueError:
    try:
        secret_local = "<script>alert(1)</script>"
        raise ValueError(f"bad value {secret_local}")
    except ValueError as e:
        return e


@pytest.fixture
def debug_app() -> Flask:
    app = Flask("debug_app")
    app.debug = True

    @app.route("/")
    def index() -> str:
        return "fine"

    @app.route("/boom")
    def boom() -> str:
        items: list[int] = []
        return str(items[3])

    @app.route("/async-boom")
    async def async_boom() -> str:
        raise KeyError("missing-key")

    return app


async def call(app: Flask, scope: Scope) -> tuple[int, dict[str, str], bytes]:
    """Send one request through the app's outermost layer, as a server does."""
    messages: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        messages.append(message)

    await app(scope, receive, send)
    start = next(m for m in messages if m["type"] == "http.response.start")
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return start["status"], headers, body


def scope_for(app: Flask, path: str, accept: str | None, client: str = "127.0.0.1") -> Scope:
    headers = {"Accept": accept} if accept is not None else None
    scope, _ = build_scope(app, path, headers=headers, client_addr=(client, 5000))
    return scope


# -- the page itself --------------------------------------------------------------


def test_wants_html_only_when_text_html_is_named() -> None:
    assert wants_html("text/html,application/xhtml+xml,*/*;q=0.8")
    assert wants_html("application/xhtml+xml")
    assert not wants_html("*/*")
    assert not wants_html("application/json")
    assert not wants_html("text/html;q=0")
    assert not wants_html(None)


def test_page_shows_the_source_lines_escaped() -> None:
    page = traceback_page(make_error())
    assert "ValueError: bad value &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>" not in page
    assert "make_error" in page
    assert "current" in page  # the raising line is marked
    assert "raise ValueError(f&quot;bad value {secret_local}&quot;)" in page
    # the lines around it are shown too
    assert "secret_local = &quot;&lt;script&gt;" in page


def test_page_shows_chained_errors() -> None:
    try:
        try:
            raise KeyError("inner")
        except KeyError as inner:
            raise RuntimeError("outer") from inner
    except RuntimeError as e:
        page = traceback_page(e)
    assert "KeyError: &#x27;inner&#x27;" in page
    assert "RuntimeError: outer" in page
    assert page.index("KeyError") < page.index("<h2>RuntimeError")


def test_plain_text_for_other_clients() -> None:
    body, content_type = debug_error_body(make_error(), "*/*")
    assert content_type == "text/plain; charset=utf-8"
    assert body.decode().endswith(traceback_text(make_error()).splitlines()[-1] + "\n")
    assert b"Traceback (most recent call last)" in body


# -- served through the app's outermost layer ------------------------------------


async def test_browser_gets_the_html_page(debug_app: Flask) -> None:
    status, headers, body = await call(debug_app, scope_for(debug_app, "/boom", "text/html"))
    assert status == 500
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert b"IndexError: list index out of range" in body
    assert b"return str(items[3])" in body
    assert b"<script" not in body


async def test_other_clients_get_plain_text(debug_app: Flask) -> None:
    status, headers, body = await call(debug_app, scope_for(debug_app, "/async-boom", "*/*"))
    assert status == 500
    assert headers["content-type"] == "text/plain; charset=utf-8"
    assert b"KeyError: 'missing-key'" in body
    assert b'raise KeyError("missing-key")' in body


async def test_the_error_is_logged(debug_app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    await call(debug_app, scope_for(debug_app, "/boom", None))
    assert any("Exception on /boom [GET]" in r.getMessage() for r in caplog.records)


async def test_never_off_debug(debug_app: Flask) -> None:
    debug_app.debug = False
    status, _, body = await call(debug_app, scope_for(debug_app, "/boom", "text/html"))
    assert status == 500
    assert b"items[3]" not in body
    assert b"IndexError" not in body


async def test_never_to_another_machine(debug_app: Flask) -> None:
    with pytest.raises(IndexError):
        await call(debug_app, scope_for(debug_app, "/boom", "text/html", client="192.0.2.7"))


async def test_working_requests_are_untouched(debug_app: Flask) -> None:
    status, _, body = await call(debug_app, scope_for(debug_app, "/", "text/html"))
    assert (status, body) == (200, b"fine")


async def test_test_clients_reraise_in_debug_mode(debug_app: Flask) -> None:
    assert not debug_app.testing
    assert debug_app.propagate_exceptions
    with pytest.raises(IndexError):
        await debug_app.test_client().get("/boom")


def test_sync_client_reraises_in_debug_mode(debug_app: Flask) -> None:
    with pytest.raises(KeyError, match="missing-key"):
        debug_app.sync_test_client().get("/async-boom")


async def test_propagate_exceptions_false_keeps_errors_in(debug_app: Flask) -> None:
    debug_app.config["PROPAGATE_EXCEPTIONS"] = False
    client = debug_app.test_client()
    rv = await client.get("/boom", headers={"Accept": "text/html"})
    assert rv.status_code == 500
    assert rv.mimetype == "text/html"
    assert b"return str(items[3])" in rv.data
    rv = await client.get("/boom")
    assert rv.mimetype == "text/plain"
    assert b"IndexError" in rv.data
    debug_app.debug = False
    rv = await client.get("/boom")
    assert rv.status_code == 500
    assert b"IndexError" not in rv.data


async def test_many_failing_requests_at_once(debug_app: Flask) -> None:
    results: list[int] = []

    async def one(i: int) -> None:
        path = "/boom" if i % 2 else "/"
        status, _, _ = await call(debug_app, scope_for(debug_app, path, "text/html"))
        results.append(status)

    async with anyio.create_task_group() as tg:
        for i in range(40):
            tg.start_soon(one, i)
    assert sorted(results) == [200] * 20 + [500] * 20


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_over_a_real_server(debug_app: Flask, anyio_backend: str) -> None:
    from tests.test_server import serve

    with serve(debug_app) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            html = await client.get("/boom", headers={"Accept": "text/html"})
            text = await client.get("/boom")
            fine = await client.get("/")
    assert html.status_code == 500
    assert "IndexError" in html.text and html.headers["content-type"].startswith("text/html")
    assert text.status_code == 500 and text.headers["content-type"].startswith("text/plain")
    assert fine.text == "fine"


# -- debug-mode hints -------------------------------------------------------------


def test_file_sent_without_multipart_is_explained_in_debug_mode(debug_app: Flask) -> None:
    from asyncflask import request
    from asyncflask.debughelpers import DebugFilesKeyError

    @debug_app.post("/upload")
    def upload() -> str:
        return str(request.files["doc"].filename)

    client = debug_app.sync_test_client()
    with pytest.raises(DebugFilesKeyError) as info:
        client.post("/upload", data={"doc": "report.pdf"})
    message = str(info.value)
    assert "no file contents were transmitted" in message
    assert "This was submitted: 'report.pdf'" in message
    assert isinstance(info.value, KeyError)
    debug_app.debug = False
    assert client.post("/upload", data={"doc": "report.pdf"}).status_code == 400


def test_redirect_that_drops_form_data_is_explained_in_debug_mode(
    debug_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from asyncflask import request
    from asyncflask.debughelpers import FormDataRoutingRedirect
    from asyncflask.exceptions import RequestRedirect

    @debug_app.route("/user/", methods=["GET", "POST"])
    def user() -> str:
        return request.form.get("status", "none")

    client = debug_app.sync_test_client()
    rv = client.post("/user", data={"status": "kept"}, follow_redirects=True)
    assert rv.data == b"kept"  # the default 308 keeps the body
    monkeypatch.setattr(RequestRedirect, "code", 301)
    with pytest.raises(FormDataRoutingRedirect, match="canonical URL 'http://localhost/user/'"):
        client.post("/user", data={"status": "lost"})
    assert client.get("/user").status_code == 301


def test_framework_frames_are_dimmed_and_the_app_frames_are_not() -> None:
    import asyncflask

    app = Flask("dim")

    @app.route("/")
    def index() -> str:
        raise RuntimeError("in the view")

    with app.test_request_context(), pytest.raises(RuntimeError) as info:
        app.make_response(index())
    page = traceback_page(info.value)
    assert '<div class="frame"><div class="where">File "' + __file__ in page
    try:
        app.make_response(object())
    except TypeError as error:
        page = traceback_page(error)
    package = asyncflask.__file__.rsplit("/", 1)[0]
    assert f'<div class="frame library"><div class="where">File "{package}' in page
