"""Hook registries changed directly, even after the first request, are honoured (as in Flask)."""

from __future__ import annotations

import copy
import pickle
import weakref

import anyio
import pytest

from asyncflask import Blueprint, Flask, Response, g
from asyncflask.registries import HookList, HookRegistry


@pytest.mark.anyio
async def test_an_after_request_hook_appended_after_the_first_request_runs(app: Flask) -> None:
    @app.route("/")
    async def index() -> str:
        return "hi"

    client = app.test_client()
    assert "X-Added" not in (await client.get("/")).headers

    def add_header(response: Response) -> Response:
        response.headers["X-Added"] = "yes"
        return response

    app.after_request_funcs[None].append(add_header)
    assert (await client.get("/")).headers["X-Added"] == "yes"

    app.after_request_funcs[None].remove(add_header)
    assert "X-Added" not in (await client.get("/")).headers


@pytest.mark.anyio
async def test_registries_set_or_defaulted_directly_are_honoured(app: Flask) -> None:
    bp = Blueprint("shop", __name__)

    @bp.route("/item")
    def item() -> str:
        return g.get("seen", "none")

    app.register_blueprint(bp)
    client = app.test_client()
    assert (await client.get("/item")).text == "none"

    def mark() -> None:
        g.seen = "before"

    app.before_request_funcs.setdefault("shop", []).append(mark)
    assert (await client.get("/item")).text == "before"
    app.before_request_funcs["shop"] = []
    assert (await client.get("/item")).text == "none"
    app.before_request_funcs.update({None: [mark]})
    assert (await client.get("/item")).text == "before"
    del app.before_request_funcs[None]
    assert (await client.get("/item")).text == "none"


@pytest.mark.anyio
async def test_forty_requests_while_a_hook_is_added(app: Flask) -> None:
    @app.route("/")
    def index() -> str:
        return "hi"

    def add_header(response: Response) -> Response:
        response.headers["X-Late"] = "1"
        return response

    client = app.test_client()
    seen: list[str | None] = []

    async def one() -> None:
        seen.append((await client.get("/")).headers.get("X-Late"))

    async with anyio.create_task_group() as tg:
        for n in range(40):
            if n == 20:
                app.after_request_funcs[None].append(add_header)
            tg.start_soon(one)
    assert len(seen) == 40 and all(h in (None, "1") for h in seen)
    assert (await client.get("/")).headers["X-Late"] == "1"


def test_registries_behave_as_dicts_of_lists() -> None:
    registry = HookRegistry()
    registry[None].append(print)
    assert registry == {None: [print]} and isinstance(registry[None], HookList)
    assert pickle.loads(pickle.dumps(registry)) == {None: [print]}
    assert copy.copy(registry[None]) == [print]
    registry[None] += [len]
    assert registry[None] == [print, len]


def test_a_registry_keeps_no_app_alive() -> None:
    app = Flask("freed")
    app.after_request_funcs[None].append(lambda r: r)
    ref = weakref.ref(app)
    del app  # freed at once, by reference counting: no cycle through the registry
    assert ref() is None
