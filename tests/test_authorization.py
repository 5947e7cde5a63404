"""``request.authorization``: Basic credentials, Bearer tokens and parameters."""

from __future__ import annotations

import base64
import pickle

import anyio
import pytest

from asyncflask import Flask, request
from asyncflask.datastructures import Authorization


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_basic_credentials() -> None:
    auth = Authorization.from_header(basic("ann", "s3cr:et"))
    assert auth is not None
    assert (auth.type, auth.username, auth.password, auth.token) == (
        "basic",
        "ann",
        "s3cr:et",
        None,
    )
    assert auth["username"] == "ann"
    assert Authorization.from_header(auth.to_header()) == auth


def test_non_ascii_basic_credentials() -> None:
    auth = Authorization.from_header(basic("jürgen", "pässword"))
    assert auth is not None and auth.username == "jürgen" and auth.password == "pässword"


def test_bearer_token() -> None:
    auth = Authorization.from_header("Bearer abc.DEF-123_~+/==")
    assert auth is not None
    assert (auth.type, auth.token, auth.username) == ("bearer", "abc.DEF-123_~+/==", None)
    assert auth.to_header() == "Bearer abc.DEF-123_~+/=="


def test_parameters() -> None:
    auth = Authorization.from_header('Digest username="ann", realm="x", nc=00000001')
    assert auth is not None
    assert auth.type == "digest"
    assert auth.parameters == {"username": "ann", "realm": "x", "nc": "00000001"}
    assert auth.username == "ann"


@pytest.mark.parametrize(
    "value",
    [None, "", "Basic", "Basic !!!notbase64", "Basic " + base64.b64encode(b"nocolon").decode()],
)
def test_malformed_or_missing_is_none(value: str | None) -> None:
    assert Authorization.from_header(value) is None


def test_pickles() -> None:
    auth = Authorization("bearer", None, "tok")
    assert pickle.loads(pickle.dumps(auth)) == auth


@pytest.mark.anyio
async def test_request_authorization_in_views_concurrently() -> None:
    app = Flask(__name__)

    @app.get("/")
    def view() -> str:
        auth = request.authorization
        return "anonymous" if auth is None else f"{auth.type}:{auth.username or auth.token}"

    async with app.test_client() as client:
        results: dict[int, str] = {}

        async def one(i: int) -> None:
            headers = {"Authorization": basic(f"u{i}", "p")} if i % 2 else {}
            results[i] = (await client.get("/", headers=headers)).text

        async with anyio.create_task_group() as tg:
            for i in range(40):
                tg.start_soon(one, i)
    assert results == {i: f"basic:u{i}" if i % 2 else "anonymous" for i in range(40)}
    async with app.test_client() as client:
        r = await client.get("/", headers={"Authorization": "Basic %%%"})
        assert r.text == "anonymous"
