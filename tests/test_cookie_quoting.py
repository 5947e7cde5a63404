"""Cookie values with special characters round-trip exactly; nameless cookies stay nameless."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from asyncflask import Flask, make_response, request
from asyncflask.http import dump_cookie, parse_cookie, quote_cookie_value

pytestmark = pytest.mark.anyio

VALUES = [
    "plain",
    "with space",
    "semi;colon",
    "com,ma",
    'dou"ble',
    "back\\slash",
    'all of them: ; , " \\ done',
    "ünïcødé ☃",
    "tab\tand\x7fdel",
    "",
    '"already quoted"',
]


@pytest.fixture
def capp(app: Flask) -> Flask:
    @app.post("/set")
    def set_cookie() -> Any:
        response = make_response("set")
        response.set_cookie("c", request.get_json()["value"])
        return response

    @app.get("/get")
    def get_cookie() -> Any:
        return {"cookies": request.cookies.to_dict(), "header": request.headers.get("Cookie")}

    return app


@pytest.mark.parametrize("value", VALUES)
async def test_set_cookie_round_trips_through_the_client(capp: Flask, value: str) -> None:
    client = capp.test_client()
    r = await client.post("/set", json={"value": value})
    sent = r.headers["Set-Cookie"].partition(";")[0]
    r = await client.get("/get")
    assert r.json["cookies"] == {"c": value}
    # The jar sends the cookie back exactly as it was set, quoted form included.
    assert r.json["header"] == sent
    cookie = client.get_cookie("c")
    assert cookie is not None
    assert cookie.value == value
    assert f"c={cookie.raw_value}" == sent


@pytest.mark.parametrize("value", VALUES)
async def test_client_set_cookie_quotes_like_the_server(capp: Flask, value: str) -> None:
    client = capp.test_client()
    client.set_cookie("c", value)
    r = await client.get("/get")
    assert r.json["cookies"] == {"c": value}
    assert r.json["header"] == f"c={quote_cookie_value(value)}"


@pytest.mark.parametrize("value", VALUES)
def test_dump_and_parse_are_inverse(value: str) -> None:
    wire = dump_cookie("c", value).partition(";")[0]
    assert ";" not in wire.partition("=")[2] and "," not in wire.partition("=")[2]
    assert parse_cookie(wire)["c"] == value


@pytest.mark.parametrize(
    "header",
    ["=__Host-id=forged", " =__Host-id=forged", "=__Host-id=forged; good=1", "; =x=y"],
)
async def test_nameless_cookie_never_becomes_a_named_one(capp: Flask, header: str) -> None:
    r = await capp.test_client().get("/get", headers={"Cookie": header})
    cookies = r.json["cookies"]
    assert "__Host-id" not in cookies and "x" not in cookies
    assert cookies == ({"good": "1"} if "good" in header else {})


async def test_forty_clients_keep_their_own_quoted_cookies(capp: Flask) -> None:
    results: dict[int, Any] = {}

    async def one(n: int) -> None:
        client = capp.test_client()
        await client.post("/set", json={"value": f'user {n}; role="x"'})
        results[n] = (await client.get("/get")).json["cookies"]

    async with anyio.create_task_group() as tg:
        for n in range(40):
            tg.start_soon(one, n)
    assert results == {n: {"c": f'user {n}; role="x"'} for n in range(40)}
