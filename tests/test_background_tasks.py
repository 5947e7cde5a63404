"""``app.add_background_task``: after the response, in a fresh app context, awaited at shutdown."""

from __future__ import annotations

import gc
import logging
import threading
import time
import weakref
from typing import Any

import anyio
import anyio.to_thread
import pytest

from asyncflask import (
    Flask,
    current_app,
    g,
    has_app_context,
    has_request_context,
    request,
    websocket,
)
from asyncflask.testing import FlaskClient

pytestmark = pytest.mark.anyio

TIMEOUT = 5


async def test_task_runs_after_the_response_and_teardown(app: Flask, client: FlaskClient) -> None:
    seen: list[str] = []

    async def task(name: str, *, suffix: str) -> None:
        seen.append(f"task {name}{suffix}")

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        seen.append("teardown")

    @app.get("/")
    def index() -> str:
        current_app.add_background_task(task, "one", suffix="!")
        seen.append("view")
        return "ok"

    r = await client.get("/")
    assert r.text == "ok"
    assert seen == ["view", "teardown", "task one!"]


async def test_response_does_not_wait_for_tasks_inside_async_with(app: Flask) -> None:
    release = anyio.Event()
    finished: list[str] = []

    async def slow() -> None:
        await release.wait()
        finished.append("slow")

    @app.get("/")
    async def index() -> str:
        app.add_background_task(slow)
        return "ok"

    with anyio.fail_after(TIMEOUT):
        async with app.test_client() as client:
            r = await client.get("/")
            assert r.text == "ok"
            assert finished == []
            assert app._background.running == 1
            release.set()
        assert finished == ["slow"]
    assert app._background.running == 0


async def test_task_gets_a_fresh_app_context(app: Flask, client: FlaskClient) -> None:
    seen: dict[str, Any] = {}

    async def task() -> None:
        seen["has_request_context"] = has_request_context()
        seen["has_app_context"] = has_app_context()
        seen["app"] = current_app.name
        seen["g"] = g.get("user")
        g.user = "task's own"

    @app.get("/")
    async def index() -> str:
        g.user = "from the view"
        app.add_background_task(task)
        return "ok"

    await client.get("/")
    assert seen == {
        "has_request_context": False,
        "has_app_context": True,
        "app": app.name,
        "g": None,
    }


async def test_sync_task_runs_on_a_thread_with_the_app_context(
    app: Flask, client: FlaskClient
) -> None:
    loop_thread = threading.get_ident()
    seen: list[Any] = []

    def task(value: int) -> None:
        seen.append((threading.get_ident() != loop_thread, current_app.name, value))

    @app.get("/")
    async def index() -> str:
        app.add_background_task(task, 7)
        return "ok"

    await client.get("/")
    assert seen == [(True, app.name, 7)]


async def test_teardown_appcontext_runs_for_the_task_context(
    app: Flask, client: FlaskClient
) -> None:
    seen: list[Any] = []

    @app.teardown_appcontext
    def teardown(exc: BaseException | None) -> None:
        seen.append(("teardown", has_request_context()))

    async def task() -> None:
        seen.append("task")

    @app.get("/")
    async def index() -> str:
        app.add_background_task(task)
        return "ok"

    await client.get("/")
    assert seen == [("teardown", True), "task", ("teardown", False)]


async def test_a_failing_task_is_logged_and_harms_nothing(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []

    def broken() -> None:
        raise ValueError("task exploded")

    async def fine() -> None:
        ran.append("fine")

    @app.get("/")
    async def index() -> str:
        app.add_background_task(broken)
        app.add_background_task(fine)
        return "ok"

    caplog.set_level(logging.ERROR, logger=app.logger.name)
    with anyio.fail_after(TIMEOUT):
        async with app.test_client() as client:
            assert (await client.get("/")).text == "ok"
            assert (await client.get("/")).text == "ok"
    assert ran == ["fine", "fine"]
    failures = [r for r in caplog.records if "Background task" in r.getMessage()]
    assert len(failures) == 2
    assert all(r.levelno == logging.ERROR for r in failures)
    assert "broken" in failures[0].getMessage()
    assert failures[0].exc_info is not None
    assert isinstance(failures[0].exc_info[1], ValueError)


async def test_tasks_from_hooks_and_error_handlers(app: Flask, client: FlaskClient) -> None:
    seen: list[str] = []

    def record(name: str) -> None:
        seen.append(name)

    @app.before_request
    def before() -> None:
        app.add_background_task(record, "before_request")

    @app.after_request
    def after(response: Any) -> Any:
        app.add_background_task(record, "after_request")
        return response

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        app.add_background_task(record, "teardown_request")

    @app.errorhandler(404)
    def not_found(e: Exception) -> Any:
        app.add_background_task(record, "errorhandler")
        return "missing", 404

    r = await client.get("/nowhere")
    assert r.status_code == 404
    assert sorted(seen) == ["after_request", "before_request", "errorhandler", "teardown_request"]


async def test_task_from_a_websocket_handler(app: Flask, client: FlaskClient) -> None:
    seen: list[Any] = []

    async def task(path: str) -> None:
        seen.append((path, has_app_context()))

    @app.websocket("/ws")
    async def ws() -> None:
        app.add_background_task(task, websocket.path)
        await websocket.send("hi")

    with anyio.fail_after(TIMEOUT):
        async with client.websocket("/ws") as conn:
            assert await conn.receive() == "hi"
        with anyio.fail_after(TIMEOUT):
            while not seen:
                await anyio.sleep(0.01)
    assert seen == [("/ws", True)]


async def test_a_task_may_add_another(app: Flask, client: FlaskClient) -> None:
    seen: list[str] = []

    async def second() -> None:
        seen.append("second")

    async def first() -> None:
        seen.append("first")
        current_app.add_background_task(second)

    @app.get("/")
    async def index() -> str:
        app.add_background_task(first)
        return "ok"

    await client.get("/")
    assert seen == ["first", "second"]


async def test_outside_a_request_without_a_host_is_a_clear_error(app: Flask) -> None:
    with pytest.raises(RuntimeError, match="nowhere to run"):
        app.add_background_task(lambda: None)


async def test_outside_a_request_with_a_host_starts_at_once(app: Flask) -> None:
    seen: list[str] = []

    async def task() -> None:
        seen.append("ran")

    with anyio.fail_after(TIMEOUT):
        async with app.test_client():
            app.add_background_task(task)
    assert seen == ["ran"]


async def test_non_callable_is_a_type_error(app: Flask, client: FlaskClient) -> None:
    errors: list[str] = []

    @app.get("/")
    async def index() -> str:
        try:
            app.add_background_task("not a function")  # type: ignore[arg-type]
        except TypeError as e:
            errors.append(str(e))
        return "ok"

    await client.get("/")
    assert errors == ["A background task must be callable, not str."]


async def test_shutdown_waits_then_cancels_an_async_task(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["BACKGROUND_TASK_SHUTDOWN_TIMEOUT"] = 0.2
    seen: list[str] = []

    async def forever() -> None:
        try:
            await anyio.sleep(3600)
        finally:
            seen.append("cancelled")

    async def quick() -> None:
        await anyio.sleep(0.05)
        seen.append("quick done")

    @app.get("/")
    async def index() -> str:
        app.add_background_task(forever)
        app.add_background_task(quick)
        return "ok"

    start = time.monotonic()
    with anyio.fail_after(TIMEOUT):
        async with app.test_client() as client:
            await client.get("/")
    assert 0.2 <= time.monotonic() - start < 2
    assert seen == ["quick done", "cancelled"]
    assert any("Cancelling 1 background task" in r.getMessage() for r in caplog.records)


async def test_shutdown_does_not_hang_on_a_stuck_sync_task(app: Flask) -> None:
    app.config["BACKGROUND_TASK_SHUTDOWN_TIMEOUT"] = 0.2
    release = threading.Event()

    def stuck() -> None:
        release.wait(10)

    @app.get("/")
    async def index() -> str:
        app.add_background_task(stuck)
        return "ok"

    start = time.monotonic()
    try:
        with anyio.fail_after(TIMEOUT):
            async with app.test_client() as client:
                await client.get("/")
        assert time.monotonic() - start < 2
    finally:
        release.set()


async def test_shutdown_hooks_run_after_tasks(app: Flask) -> None:
    seen: list[str] = []

    async def task() -> None:
        await anyio.sleep(0.05)
        seen.append("task")

    @app.after_serving
    def after_serving() -> None:
        seen.append("after_serving")

    @app.get("/")
    async def index() -> str:
        app.add_background_task(task)
        return "ok"

    with anyio.fail_after(TIMEOUT):
        async with app.test_client() as client:
            await client.get("/")
    assert seen == ["task", "after_serving"]


async def test_the_asgi_lifespan_hosts_and_waits_for_tasks(app: Flask) -> None:
    seen: list[str] = []
    release = anyio.Event()

    async def task() -> None:
        await release.wait()
        seen.append("task")

    @app.after_serving
    def after_serving() -> None:
        seen.append("after_serving")

    @app.get("/")
    async def index() -> str:
        app.add_background_task(task)
        return "ok"

    to_app, app_inbox = anyio.create_memory_object_stream[dict[str, Any]](4)
    app_outbox, from_app = anyio.create_memory_object_stream[dict[str, Any]](4)

    async def lifespan() -> None:
        await app(
            {"type": "lifespan", "asgi": {"version": "3.0"}}, app_inbox.receive, app_outbox.send
        )

    with anyio.fail_after(TIMEOUT):
        async with to_app, app_inbox, app_outbox, from_app, anyio.create_task_group() as tg:
            tg.start_soon(lifespan)
            await to_app.send({"type": "lifespan.startup"})
            assert (await from_app.receive())["type"] == "lifespan.startup.complete"
            r = await app.test_client().get("/")  # returns while the task waits
            assert r.text == "ok"
            assert seen == []
            await to_app.send({"type": "lifespan.shutdown"})
            await anyio.sleep(0.05)
            assert seen == []  # shutdown waits for the task
            release.set()
            assert (await from_app.receive())["type"] == "lifespan.shutdown.complete"
    assert seen == ["task", "after_serving"]


async def test_tasks_hold_no_reference_to_the_request(app: Flask) -> None:
    refs: list[weakref.ref[Any]] = []
    alive: list[bool] = []
    release = anyio.Event()

    async def task() -> None:
        await release.wait()
        gc.collect()
        alive.append(refs[0]() is not None)

    @app.post("/")
    async def index() -> str:
        refs.append(weakref.ref(request._get_current_object()))  # type: ignore[attr-defined]
        app.add_background_task(task)
        return "ok"

    with anyio.fail_after(TIMEOUT):
        async with app.test_client() as client:
            await client.post("/", data=b"x" * 100_000)
            release.set()
    assert alive == [False]


async def test_forty_requests_each_with_a_task(app: Flask) -> None:
    done: set[int] = set()

    async def task(n: int) -> None:
        await anyio.sleep(0.01)
        done.add(n)

    def sync_task(n: int) -> None:
        done.add(-n)

    @app.get("/<int:n>")
    async def index(n: int) -> str:
        app.add_background_task(task, n)
        app.add_background_task(sync_task, n)
        return str(n)

    with anyio.fail_after(TIMEOUT):
        async with app.test_client() as client, anyio.create_task_group() as tg:
            for n in range(1, 41):
                tg.start_soon(client.get, f"/{n}")
    assert done == set(range(1, 41)) | {-n for n in range(1, 41)}


@pytest.mark.parametrize("lifespan", ["on", "off"])
async def test_under_uvicorn_with_and_without_lifespan(anyio_backend: str, lifespan: str) -> None:
    if anyio_backend != "asyncio":
        pytest.skip("uvicorn runs on asyncio")
    import httpx
    from realtime_support import serve

    app = Flask("served")
    release = threading.Event()
    done = threading.Event()

    async def task() -> None:
        await anyio.to_thread.run_sync(release.wait, 5)
        done.set()

    @app.get("/")
    async def index() -> str:
        app.add_background_task(task)
        return "sent"

    with serve(app, lifespan=lifespan) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT) as http:
            r = await http.get("/")
            assert r.text == "sent"  # the response came while the task waits
            assert not done.is_set()
            release.set()
            with anyio.fail_after(TIMEOUT):
                while not done.is_set():
                    await anyio.sleep(0.01)
