"""Application and request contexts: g, the proxies, pushing contexts, and carrying them along."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import anyio.to_thread
import pytest

from asyncflask import (
    Flask,
    Response,
    after_this_request,
    copy_current_request_context,
    current_app,
    g,
    has_app_context,
    has_request_context,
    request,
    session,
)

pytestmark = pytest.mark.anyio


# -- g ------------------------------------------------------------------------------


async def test_g_lives_for_one_request(app: Flask) -> None:
    @app.get("/set")
    def set_value() -> str:
        g.value = "stored"
        return g.value

    @app.get("/read")
    def read_value() -> str:
        return g.get("value", "missing")

    client = app.test_client()
    assert (await client.get("/set")).text == "stored"
    assert (await client.get("/read")).text == "missing"


async def test_g_is_isolated_across_concurrent_async_requests(app: Flask) -> None:
    @app.get("/<int:n>")
    async def view(n: int) -> dict[str, Any]:
        g.n = n
        await anyio.sleep(0.01)
        return {"n": n, "g": g.n, "arg": int(request.args["n"])}

    client = app.test_client()
    results: dict[int, Any] = {}

    async def one(n: int) -> None:
        r = await client.get(f"/{n}", query_string={"n": n})
        results[n] = r.json

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            for n in range(50):
                tg.start_soon(one, n)
    assert results == {n: {"n": n, "g": n, "arg": n} for n in range(50)}


async def test_g_is_isolated_across_concurrent_sync_requests(app: Flask) -> None:
    @app.get("/<int:n>")
    def view(n: int) -> dict[str, Any]:
        g.n = n
        threading.Event().wait(0.01)
        return {"g": g.n, "path": request.path}

    client = app.test_client()
    results: dict[int, Any] = {}

    async def one(n: int) -> None:
        results[n] = (await client.get(f"/{n}")).json

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            for n in range(50):
                tg.start_soon(one, n)
    assert results == {n: {"g": n, "path": f"/{n}"} for n in range(50)}


async def test_sync_before_request_g_is_seen_by_sync_and_async_views(app: Flask) -> None:
    @app.before_request
    def load_user() -> None:
        g.user = request.args.get("user", "anonymous")

    @app.get("/sync")
    def sync_view() -> str:
        return f"sync:{g.user}"

    @app.get("/async")
    async def async_view() -> str:
        return f"async:{g.user}"

    client = app.test_client()
    assert (await client.get("/sync?user=ann")).text == "sync:ann"
    assert (await client.get("/async?user=bob")).text == "async:bob"
    assert (await client.get("/async")).text == "async:anonymous"


async def test_async_before_request_g_is_seen_by_a_sync_view(app: Flask) -> None:
    @app.before_request
    async def load() -> None:
        g.loaded = "by async hook"

    @app.get("/")
    def view() -> str:
        return g.loaded

    assert (await app.test_client().get("/")).text == "by async hook"


async def test_g_is_shared_with_teardown(app: Flask) -> None:
    seen: list[Any] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        seen.append(g.get("resource"))

    @app.get("/")
    async def view() -> str:
        g.resource = "db-connection"
        return "ok"

    await app.test_client().get("/")
    assert seen == ["db-connection"]


def test_g_helpers(app: Flask) -> None:
    with app.app_context():
        g.a = 1
        assert g.get("a") == 1
        assert g.get("missing", 2) == 2
        assert "a" in g
        assert "missing" not in g
        assert list(g) == ["a"]
        assert g.setdefault("b", 3) == 3
        assert g.setdefault("b", 4) == 3
        assert g.pop("a") == 1
        assert g.pop("a", None) is None
        with pytest.raises(KeyError):
            g.pop("a")
        with pytest.raises(AttributeError):
            _ = g.never_set


def test_g_is_fresh_for_each_app_context(app: Flask) -> None:
    with app.app_context():
        g.x = 1
    with app.app_context():
        assert "x" not in g


# -- working outside a context ------------------------------------------------------


def test_request_outside_a_context_is_runtime_error() -> None:
    with pytest.raises(RuntimeError, match="Working outside of request context"):
        _ = request.path
    with pytest.raises(RuntimeError, match="Working outside of request context"):
        _ = session.get("x")


def test_g_and_current_app_outside_a_context_are_runtime_errors() -> None:
    with pytest.raises(RuntimeError, match="Working outside of application context"):
        _ = g.x
    with pytest.raises(RuntimeError, match="Working outside of application context"):
        g.x = 1
    with pytest.raises(RuntimeError, match="Working outside of application context"):
        _ = current_app.name


def test_request_in_an_app_context_only_is_runtime_error(app: Flask) -> None:
    with app.app_context(), pytest.raises(RuntimeError, match="test_request_context"):
        _ = request.method


def test_unbound_proxies_are_falsy() -> None:
    assert not request
    assert not current_app
    assert "unbound" in repr(request)


# -- pushing contexts ---------------------------------------------------------------


def test_app_context_with(app: Flask) -> None:
    assert not has_app_context()
    with app.app_context() as ctx:
        assert has_app_context()
        assert not has_request_context()
        assert current_app._get_current_object() is app  # type: ignore[attr-defined]
        assert ctx.app is app
    assert not has_app_context()


async def test_app_context_async_with(app: Flask) -> None:
    async with app.app_context():
        assert has_app_context()
        assert not has_request_context()
        assert current_app.name == "test_app"
    assert not has_app_context()


def test_test_request_context_with(app: Flask) -> None:
    with app.test_request_context("/path?q=1", method="POST", data={"f": "v"}):
        assert has_request_context()
        assert has_app_context()
        assert request.path == "/path"
        assert request.method == "POST"
        assert request.args["q"] == "1"
        assert request.form["f"] == "v"
        assert current_app._get_current_object() is app  # type: ignore[attr-defined]
    assert not has_request_context()


async def test_test_request_context_async_with(app: Flask) -> None:
    async with app.test_request_context("/x", headers={"X-A": "1"}):
        assert has_request_context()
        assert request.headers["X-A"] == "1"
        g.inside = True
        assert g.inside
    assert not has_request_context()
    assert not has_app_context()


def test_nested_contexts_restore_the_outer_one(app: Flask) -> None:
    other = Flask("other_app")
    with app.test_request_context("/outer"):
        with other.app_context():
            assert current_app.name == "other_app"
            assert not has_request_context()
        assert current_app.name == "test_app"
        assert request.path == "/outer"


def test_push_and_pop(app: Flask) -> None:
    ctx = app.test_request_context("/pushed")
    ctx.push()
    try:
        assert request.path == "/pushed"
    finally:
        ctx.pop()
    assert not has_request_context()
    with pytest.raises(RuntimeError, match="not pushed"):
        ctx.pop()


def test_sync_with_runs_sync_teardowns(app: Flask) -> None:
    seen: list[Any] = []

    @app.teardown_appcontext
    def on_app_teardown(exc: BaseException | None) -> None:
        seen.append(("app", exc))

    @app.teardown_request
    def on_request_teardown(exc: BaseException | None) -> None:
        seen.append(("request", exc))

    with app.app_context():
        pass
    assert seen == [("app", None)]
    seen.clear()
    with app.test_request_context("/"):
        pass
    assert seen == [("request", None), ("app", None)]


def test_sync_with_passes_the_error_to_teardowns(app: Flask) -> None:
    seen: list[Any] = []

    @app.teardown_appcontext
    def on_teardown(exc: BaseException | None) -> None:
        seen.append(exc)

    error = ValueError("inside")
    with pytest.raises(ValueError), app.app_context():
        raise error
    assert seen == [error]


async def test_async_with_runs_async_teardowns(app: Flask) -> None:
    seen: list[str] = []

    @app.teardown_appcontext
    async def on_teardown(exc: BaseException | None) -> None:
        await anyio.sleep(0)
        seen.append("async teardown")

    async with app.app_context():
        pass
    assert seen == ["async teardown"]


async def test_sync_with_and_async_teardown_in_async_code_says_use_async_with(
    app: Flask,
) -> None:
    @app.teardown_appcontext
    async def on_teardown(exc: BaseException | None) -> None:
        pass

    with pytest.raises(RuntimeError, match="async with"), app.app_context():
        pass
    assert not has_app_context()


# -- after_this_request -------------------------------------------------------------


async def test_after_this_request_changes_the_response(app: Flask) -> None:
    order: list[str] = []

    @app.after_request
    def global_hook(response: Response) -> Response:
        order.append("after_request")
        return response

    @app.get("/")
    def view() -> str:
        @after_this_request
        def add_header(response: Response) -> Response:
            order.append("after_this_request")
            response.headers["X-Only-Here"] = "yes"
            return response

        return "body"

    @app.get("/other")
    def other() -> str:
        return "other"

    client = app.test_client()
    r = await client.get("/")
    assert r.headers["X-Only-Here"] == "yes"
    assert r.text == "body"
    assert order == ["after_this_request", "after_request"]
    r = await client.get("/other")
    assert "X-Only-Here" not in r.headers


async def test_after_this_request_async_function_in_async_view(app: Flask) -> None:
    @app.get("/")
    async def view() -> str:
        @after_this_request
        async def set_cookie(response: Response) -> Response:
            await anyio.sleep(0)
            response.set_cookie("seen", "1")
            return response

        return "body"

    r = await app.test_client().get("/")
    assert r.headers["Set-Cookie"] == "seen=1; Path=/"


def test_after_this_request_outside_a_request_is_runtime_error(app: Flask) -> None:
    with pytest.raises(RuntimeError, match="request context"):
        after_this_request(lambda response: response)
    with app.app_context(), pytest.raises(RuntimeError, match="request context"):
        after_this_request(lambda response: response)


# -- copy_current_request_context ---------------------------------------------------


async def test_copy_current_request_context_in_a_task_group_task(app: Flask) -> None:
    @app.get("/work")
    async def view() -> dict[str, Any]:
        results: dict[str, Any] = {}
        g.user = "ann"

        @copy_current_request_context
        async def work() -> None:
            await anyio.sleep(0)
            results["path"] = request.path
            results["arg"] = request.args["a"]
            results["user"] = g.user

        async with anyio.create_task_group() as tg:
            tg.start_soon(work)
        return results

    r = await app.test_client().get("/work?a=1")
    assert r.json == {"path": "/work", "arg": "1", "user": "ann"}


async def test_copy_current_request_context_via_anyio_to_thread(app: Flask) -> None:
    @app.get("/thread")
    async def view() -> dict[str, Any]:
        g.user = "bob"

        @copy_current_request_context
        def work() -> dict[str, Any]:
            return {"path": request.path, "user": g.user, "thread": threading.get_ident()}

        return await anyio.to_thread.run_sync(work)

    r = await app.test_client().get("/thread")
    data = r.json
    assert data["path"] == "/thread"
    assert data["user"] == "bob"
    assert data["thread"] != threading.get_ident()


async def test_copy_current_request_context_in_a_plain_thread(app: Flask) -> None:
    """A ``threading.Thread`` does not inherit context variables; the copy carries the request."""

    @app.get("/plain")
    def view() -> dict[str, Any]:
        results: dict[str, Any] = {}

        @copy_current_request_context
        def work() -> None:
            results["path"] = request.path
            results["method"] = request.method

        def uncopied() -> None:
            results["has_request"] = has_request_context()

        threads = [threading.Thread(target=work), threading.Thread(target=uncopied)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(5)
        return results

    r = await app.test_client().get("/plain")
    assert r.json == {"path": "/plain", "method": "GET", "has_request": False}


async def test_copied_context_outlives_the_request(app: Flask) -> None:
    saved: list[Callable[[], Awaitable[str]]] = []

    @app.get("/later")
    async def view() -> str:
        @copy_current_request_context
        async def later() -> str:
            return f"{request.path}?{request.args['x']}"

        saved.append(later)
        return "scheduled"

    r = await app.test_client().get("/later?x=9")
    assert r.text == "scheduled"
    assert not has_request_context()
    assert await saved[0]() == "/later?9"
    assert not has_request_context()


def test_copy_current_request_context_outside_a_request_is_runtime_error() -> None:
    with pytest.raises(RuntimeError, match="request context"):
        copy_current_request_context(lambda: None)


# -- the proxies ----------------------------------------------------------------------


def test_a_proxy_forwards_reads_writes_and_deletes(app: Flask) -> None:
    with app.test_request_context("/?q=1"):
        assert request.args["q"] == "1"
        assert request.path == "/"
        g.value = 1
        assert g.value == 1 and "value" in g
        del g.value
        assert "value" not in g
        with pytest.raises(AttributeError):
            _ = request.no_such_attribute


def test_a_proxy_keeps_its_own_names(app: Flask) -> None:
    with app.test_request_context("/"):
        real = request._get_current_object()  # type: ignore[attr-defined]
        assert real is not request
        assert type(request).__name__ == "ContextProxy"
        assert request == real
        assert "path" in dir(request)
        assert repr(request) == repr(real)


def test_a_proxy_names_the_missing_context_for_every_kind_of_access() -> None:
    for access in (
        lambda: request.path,
        lambda: request.method,
        lambda: request["x"],  # type: ignore[index]
        lambda: str(request),
        lambda: len(request),  # type: ignore[arg-type]
    ):
        with pytest.raises(RuntimeError, match="Working outside of request context"):
            access()
