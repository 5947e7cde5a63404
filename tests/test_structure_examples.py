"""The structure examples: the application factory, the extension and the signals audit."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from asyncflask import Flask
from examples import signals_audit
from examples.extension import RequestCounter
from examples.factory import counter, create_app

pytestmark = pytest.mark.anyio


def test_factory_builds_independent_apps(tmp_path: Path) -> None:
    one, two = create_app({"TESTING": True}), create_app({"TESTING": True})
    assert one is not two
    assert list(one.blueprints) == ["auth", "api", "api.v1"]
    assert one.extensions["request_counter"] is not two.extensions["request_counter"]


def test_factory_reads_the_instance_config(tmp_path: Path) -> None:
    (tmp_path / "config.py").write_text("SECRET_KEY = 'from-instance'\nAPI_PAGE_SIZE = 2\n")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SECRET_KEY"] == "from-instance"
    assert app.config["API_PAGE_SIZE"] == 2
    assert create_app(instance_path=str(tmp_path / "missing")).config["SECRET_KEY"] == "dev"


async def test_factory_app_flow() -> None:
    app = create_app({"TESTING": True})
    client = app.test_client()
    r = await client.get("/")
    assert r.json == {"user": None, "login": "/auth/login", "items": "/api/v1/items/"}
    assert r.headers["X-Request-Count"] == "1"

    r = await client.get("/api/v1/items/")
    assert r.status_code == 401
    assert r.json["error"] == "Unauthorized"

    r = await client.post("/auth/login", data={"name": "ada"})
    assert (r.status_code, r.headers["Location"]) == (302, "/")
    r = await client.post("/api/v1/items/", json={"name": "first"})
    assert r.status_code == 201
    assert r.headers["Location"] == "/api/v1/items/1"
    assert r.headers["X-API-Version"] == "1"
    assert (await client.get("/api/v1/items/1")).json == {"id": 1, "name": "first"}
    r = await client.get("/api/v1/items/9")
    assert (r.status_code, r.json["description"]) == (404, "No item 9.")
    assert (await client.post("/api/v1/items/", json=["x"])).status_code == 400
    assert (await client.delete("/api/v1/items/1")).status_code == 204
    assert (await client.get("/api/v1/items/")).json == {"items": []}
    assert (await client.put("/api/v1/items/1")).status_code == 405
    assert (await client.get("/")).json["user"] == "ada"
    async with app.app_context():
        assert counter.requests == 11
        assert counter.errors == 0


async def test_factory_forty_concurrent_logged_in_clients() -> None:
    app = create_app({"TESTING": True, "API_PAGE_SIZE": 100})
    created: list[int] = []

    async def user(n: int) -> None:
        client = app.test_client()
        await client.post("/auth/login", data={"name": f"user{n}"})
        r = await client.post("/api/v1/items/", json={"name": f"item{n}"})
        assert r.status_code == 201
        created.append(r.json["id"])
        assert (await client.get("/")).json["user"] == f"user{n}"

    async with anyio.create_task_group() as tg:
        for n in range(40):
            tg.start_soon(user, n)
    assert sorted(created) == list(range(1, 41))
    client = app.test_client()
    await client.post("/auth/login", data={"name": "reader"})
    assert len((await client.get("/api/v1/items/")).json["items"]) == 40


async def test_extension_counts_errors_for_its_own_app() -> None:
    ext = RequestCounter()
    app = Flask("counted")
    other = Flask("not_counted")
    ext.init_app(app)
    ext.init_app(other)

    @app.route("/boom")
    def boom() -> str:
        raise ValueError("boom")

    assert (await app.test_client().get("/boom")).status_code == 500
    async with app.app_context():
        assert (ext.requests, ext.errors) == (1, 1)
    async with other.app_context():
        assert (ext.requests, ext.errors) == (0, 0)


async def test_extension_header_name_from_config() -> None:
    app = Flask("counted_header")
    app.config["REQUEST_COUNTER_HEADER"] = "X-Count"
    RequestCounter(app)

    @app.route("/")
    def index() -> str:
        return "ok"

    assert (await app.test_client().get("/")).headers["X-Count"] == "1"


async def test_signals_audit_example() -> None:
    signals_audit.audit.clear()
    client = signals_audit.app.test_client()
    assert (await client.post("/register", data={"name": "ada"})).text == "Welcome, ada!"
    assert (await client.get("/boom")).status_code == 500
    assert signals_audit.audit == [
        "start POST /register",
        "welcome ada",
        "finish /register 200",
        "start GET /boom",
        "error RuntimeError",
        "finish /boom 500",
    ]
