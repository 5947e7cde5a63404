"""Debug mode: a read-only traceback page, shown only to clients on this machine."""

from __future__ import annotations

import pytest

from asyncflask import Flask
from asyncflask.debughelpers import is_loopback, printable, traceback_page
from asyncflask.testing import build_scope, build_test_request

pytestmark = pytest.mark.anyio


def make_app() -> Flask:
    app = Flask(__name__)
    app.config.update(DEBUG=True, PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom() -> str:
        raise ValueError("<script>alert(1)</script>")

    return app


async def test_debug_page_shows_an_escaped_traceback_to_local_clients() -> None:
    r = await make_app().test_client().get("/boom", headers={"Accept": "text/html"})
    assert r.status_code == 500
    assert "Traceback" in r.text
    assert "ValueError" in r.text
    assert "&lt;script&gt;" in r.text
    assert "<script>" not in r.text


async def test_debug_page_is_not_shown_to_remote_clients() -> None:
    app = make_app()
    scope, body = build_scope(app, "/boom", client_addr=("203.0.113.9", 4000))
    messages: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, object]) -> None:
        messages.append(message)

    await app(scope, receive, send)
    page = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")  # type: ignore[misc]
    assert b"Traceback" not in page
    assert b"Internal Server Error" in page


async def test_without_debug_no_traceback_is_shown() -> None:
    app = make_app()
    app.config["DEBUG"] = False
    r = await app.test_client().get("/boom")
    assert r.status_code == 500
    assert "Traceback" not in r.text


def test_printable_escapes_control_characters() -> None:
    assert printable("/ok") == "/ok"
    assert printable("/a\x1b[31mred\n") == "/a\\x1b[31mred\\n"


def test_is_loopback() -> None:
    app = Flask(__name__)
    local = build_test_request(app, "/")
    assert is_loopback(local)
    remote = build_test_request(app, "/", client_addr=("198.51.100.1", 1))
    assert not is_loopback(remote)
    assert not is_loopback(None)


def test_traceback_page_escapes_html() -> None:
    try:
        raise RuntimeError("<b>")
    except RuntimeError as e:
        page = traceback_page(e)
    assert "&lt;b&gt;" in page
