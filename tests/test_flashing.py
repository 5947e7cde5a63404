from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from markupsafe import Markup

from asyncflask import Flask, session
from asyncflask.flashing import flash, get_flashed_messages
from asyncflask.sessions import SecureCookieSessionInterface

NO_KEY_MESSAGE = (
    "The session is unavailable because no secret key was set. Set the secret_key on"
    " the application to something unique and secret."
)


def flash_app(**config: Any) -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "flash-key"
    app.config.update(config)
    app.session_interface = SecureCookieSessionInterface()

    @app.route("/flash")
    async def add_messages() -> str:
        flash("plain")
        flash("broken", "error")
        flash("careful", "warning")
        return "flashed"

    @app.route("/messages")
    def messages() -> dict[str, Any]:  # a sync view runs in a worker thread
        return {"messages": get_flashed_messages()}

    @app.route("/categories")
    async def categories() -> dict[str, Any]:
        return {"messages": get_flashed_messages(with_categories=True)}

    @app.route("/filtered")
    async def filtered() -> dict[str, Any]:
        return {
            "problems": get_flashed_messages(category_filter=["error", "warning"]),
            "with_categories": get_flashed_messages(
                with_categories=True, category_filter=["error"]
            ),
            "one_category": get_flashed_messages(category_filter="warning"),
            "all": get_flashed_messages(),
        }

    return app


@pytest.mark.anyio
async def test_flashed_messages_are_shown_on_the_next_request_only() -> None:
    client = flash_app().test_client()
    r = await client.get("/flash")
    assert r.status_code == 200
    assert "Set-Cookie" in r.headers
    r = await client.get("/messages")
    assert r.json == {"messages": ["plain", "broken", "careful"]}
    r = await client.get("/messages")
    assert r.json == {"messages": []}


@pytest.mark.anyio
async def test_messages_come_with_their_categories() -> None:
    client = flash_app().test_client()
    await client.get("/flash")
    r = await client.get("/categories")
    assert r.json == {
        "messages": [["message", "plain"], ["error", "broken"], ["warning", "careful"]]
    }


@pytest.mark.anyio
async def test_category_filter_and_repeated_calls_in_one_request() -> None:
    client = flash_app().test_client()
    await client.get("/flash")
    r = await client.get("/filtered")
    assert r.json == {
        "problems": ["broken", "careful"],
        "with_categories": [["error", "broken"]],
        "one_category": ["careful"],
        "all": ["plain", "broken", "careful"],
    }
    assert (await client.get("/messages")).json == {"messages": []}


@pytest.mark.anyio
async def test_taking_messages_removes_them_from_the_cookie() -> None:
    client = flash_app().test_client()
    await client.get("/flash")
    r = await client.get("/messages")
    ((name, value),) = [
        header.split(";", 1)[0].split("=", 1) for header in r.headers.getlist("Set-Cookie")
    ]
    assert (name, value) == ("session", "")
    assert r.headers["Vary"] == "Cookie"


@pytest.mark.anyio
async def test_reading_without_messages_sets_no_cookie_but_varies() -> None:
    client = flash_app().test_client()
    r = await client.get("/messages")
    assert r.json == {"messages": []}
    assert "Set-Cookie" not in r.headers
    assert r.headers["Vary"] == "Cookie"


@pytest.mark.anyio
async def test_messages_flashed_in_this_request_are_returned_with_the_stored_ones() -> None:
    app = flash_app()

    @app.route("/same-request")
    async def same_request() -> dict[str, Any]:
        flash("now", "info")
        first = get_flashed_messages(with_categories=True)
        flash("too late")
        return {"first": first, "again": get_flashed_messages(), "left": "_flashes" in session}

    client = app.test_client()
    await client.get("/flash")
    r = await client.get("/same-request")
    assert r.json == {
        "first": [
            ["message", "plain"],
            ["error", "broken"],
            ["warning", "careful"],
            ["info", "now"],
        ],
        "again": ["plain", "broken", "careful", "now"],
        "left": True,
    }
    assert (await client.get("/messages")).json == {"messages": ["too late"]}


@pytest.mark.anyio
async def test_markup_messages_stay_markup() -> None:
    app = flash_app()

    @app.route("/markup")
    async def add_markup() -> str:
        flash(Markup("<b>done</b>"))
        return "ok"

    @app.route("/markup-types")
    async def markup_types() -> str:
        return json.dumps([type(m).__name__ for m in get_flashed_messages()])

    client = app.test_client()
    await client.get("/markup")
    r = await client.get("/markup-types")
    assert r.text == '["Markup"]'


@pytest.mark.anyio
async def test_flash_without_secret_key_is_a_logged_500(caplog: pytest.LogCaptureFixture) -> None:
    client = flash_app(SECRET_KEY=None).test_client()
    with caplog.at_level(logging.ERROR):
        r = await client.get("/flash")
    assert r.status_code == 500
    assert NO_KEY_MESSAGE in caplog.text


@pytest.mark.anyio
async def test_flash_without_secret_key_raises_when_testing() -> None:
    client = flash_app(SECRET_KEY=None, TESTING=True).test_client()
    with pytest.raises(RuntimeError) as info:
        await client.get("/flash")
    assert str(info.value) == NO_KEY_MESSAGE


@pytest.mark.anyio
async def test_reading_messages_without_secret_key_finds_none() -> None:
    client = flash_app(SECRET_KEY=None).test_client()
    r = await client.get("/messages")
    assert (r.status_code, r.json) == (200, {"messages": []})


def test_flash_outside_a_request_explains_the_fix() -> None:
    with pytest.raises(RuntimeError, match="Working outside of request context"):
        flash("nowhere")
    with pytest.raises(RuntimeError, match="Working outside of request context"):
        get_flashed_messages()


def test_flash_in_an_app_context_without_a_request_explains_the_fix() -> None:
    with flash_app().app_context(), pytest.raises(RuntimeError, match="outside of request"):
        flash("nowhere")


def test_flash_in_a_test_request_context() -> None:
    app = flash_app()
    with app.test_request_context("/"):
        flash("hello", "info")
        assert session["_flashes"] == [("info", "hello")]
        assert get_flashed_messages(with_categories=True) == [("info", "hello")]
        assert "_flashes" not in session
