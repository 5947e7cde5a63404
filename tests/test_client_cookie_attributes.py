"""The test clients read a Set-Cookie's attributes: ``get_cookie(key).expires`` and flags."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import anyio
import pytest

from asyncflask import Flask, Response

pytestmark = pytest.mark.anyio


@pytest.fixture
def cookie_app(app: Flask) -> Flask:
    @app.route("/set/<name>")
    async def set_cookie(name: str) -> Response:
        response = Response("set")
        response.set_cookie(
            name,
            "v",
            expires=datetime.now(timezone.utc) + timedelta(days=2),
            domain=".example.test",
            path="/area",
            httponly=True,
        )
        response.set_cookie("aged", "1", max_age=3600)
        response.set_cookie("secure", "1", secure=True)
        response.set_cookie("plain", "1")
        return response

    return app


async def test_expires_from_a_set_cookie_date(cookie_app: Flask) -> None:
    client = cookie_app.test_client()
    await client.get("/set/remember")
    cookie = client.get_cookie("remember", "example.test", "/area")
    assert cookie is not None and cookie.http_only and not cookie.secure
    assert isinstance(cookie.expires, datetime)
    left = cookie.expires - datetime.now(timezone.utc)
    assert timedelta(days=2) - timedelta(seconds=10) < left <= timedelta(days=2)


async def test_expires_from_max_age_and_none_for_session_cookies(cookie_app: Flask) -> None:
    client = cookie_app.test_client()
    await client.get("/set/x")
    aged = client.get_cookie("aged")
    assert aged is not None and aged.expires is not None
    assert abs((aged.expires - datetime.now(timezone.utc)).total_seconds() - 3600) < 10
    plain = client.get_cookie("plain")
    assert plain is not None and plain.expires is None and not plain.http_only
    secure = client.get_cookie("secure")
    assert secure is not None and secure.secure


async def test_a_secure_set_cookie_is_sent_back_over_http_too(cookie_app: Flask) -> None:
    # As with Werkzeug's client: tests of Secure cookies run against http://localhost.
    @cookie_app.route("/seen")
    async def seen() -> str:
        from asyncflask import request

        return ",".join(sorted(request.cookies))

    client = cookie_app.test_client()
    await client.get("/set/x")
    assert (await client.get("/seen")).text == "aged,plain,secure"
    assert (await client.get("/seen", base_url="https://localhost")).text == "aged,plain,secure"


def test_the_sync_client_reads_expires_too(cookie_app: Flask) -> None:
    client = cookie_app.sync_test_client()
    client.get("/set/remember")
    cookie = client.get_cookie("remember", "example.test", "/area")
    assert cookie is not None and isinstance(cookie.expires, datetime)


async def test_forty_clients_at_once_each_keep_their_expiry(cookie_app: Flask) -> None:
    expiries: list[datetime | None] = []

    async def one() -> None:
        client = cookie_app.test_client()
        await client.get("/set/remember")
        cookie = client.get_cookie("remember", "example.test", "/area")
        expiries.append(cookie.expires if cookie else None)

    async with anyio.create_task_group() as tg:
        for _ in range(40):
            tg.start_soon(one)
    assert len(expiries) == 40 and all(isinstance(e, datetime) for e in expiries)
