"""Regression tests: explicit Host header, JSON cache, trusted hosts, status types."""

from __future__ import annotations

from typing import Any

import pytest

from asyncflask import Flask, request

pytestmark = pytest.mark.anyio


async def test_explicit_host_header_is_used(app: Flask) -> None:
    @app.get("/")
    def view() -> str:
        return request.host

    r = await app.test_client().get("/", headers={"Host": "example.org"})
    assert r.text == "example.org"


async def test_get_json_silent_then_loud_still_raises_400(app: Flask) -> None:
    @app.post("/")
    def view() -> Any:
        assert request.get_json(silent=True) is None
        return request.get_json()

    r = await app.test_client().post("/", data="{nope", content_type="application/json")
    assert r.status_code == 400


async def test_trusted_hosts_reject_other_hosts_before_the_view_runs(app: Flask) -> None:
    app.config["TRUSTED_HOSTS"] = ["example.com"]
    calls: list[str] = []

    @app.get("/")
    def view() -> str:
        calls.append("view")
        return "served"

    client = app.test_client()
    assert (await client.get("/", base_url="http://example.com")).text == "served"
    rejected = await client.get("/", base_url="http://evil.com")
    assert rejected.status_code == 400
    assert "served" not in rejected.text
    assert calls == ["view"]


async def test_invalid_status_type_with_a_str_body_names_the_endpoint(app: Flask) -> None:
    @app.get("/")
    def bad_status() -> tuple[str, float]:
        return "x", 200.5

    with pytest.raises(TypeError, match="status") as info:
        await app.test_client().get("/")
    assert "'bad_status'" in str(info.value)


@pytest.mark.anyio
@pytest.mark.parametrize("status", [204, 304])
async def test_bodyless_statuses_send_no_body(status: int) -> None:
    app = Flask(__name__)

    @app.get("/")
    def view() -> tuple[dict[str, str], int]:
        return {"ignored": "body"}, status

    async with app.test_client() as client:
        r = await client.get("/")
    assert r.status_code == status
    assert r.data == b""
    assert ("content-length" in r.headers) == (status == 304)


@pytest.mark.anyio
async def test_per_request_callables_do_not_pile_up_in_the_async_cache() -> None:
    from asyncflask import after_this_request

    app = Flask(__name__)

    @app.get("/")
    def view() -> str:
        @after_this_request
        def later(response: Any) -> Any:
            return response

        return "ok"

    async with app.test_client() as client:
        for _ in range(3000):
            await client.get("/")
    assert len(app._async_cache) < 2100
