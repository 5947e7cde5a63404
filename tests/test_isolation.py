"""Requests stay isolated: no context leaks, and busy sync views do not starve the rest."""

from __future__ import annotations

import io
import threading
from contextvars import ContextVar

import anyio
import httpx
import pytest

from asyncflask import Flask, request
from tests.test_server import serve

pytestmark = pytest.mark.anyio

user_var: ContextVar[str] = ContextVar("user_var", default="unset")


def make_app() -> Flask:
    app = Flask(__name__)
    app.config["TESTING"] = True

    @app.get("/set/<value>")
    async def set_value(value: str) -> str:
        user_var.set(value)
        return user_var.get()

    @app.get("/read")
    async def read_value() -> str:
        return user_var.get()

    return app


async def test_a_context_variable_set_in_one_request_is_unset_in_the_next() -> None:
    client = make_app().test_client()
    assert (await client.get("/set/alice")).text == "alice"
    assert (await client.get("/read")).text == "unset"
    assert user_var.get() == "unset"


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_context_variable_does_not_leak_across_keep_alive_requests(
    anyio_backend: str,
) -> None:
    with serve(make_app()) as base_url:
        async with httpx.AsyncClient(base_url=base_url) as client:
            assert (await client.get("/set/alice")).text == "alice"
            # Same connection (keep-alive), next request.
            assert (await client.get("/read")).text == "unset"


async def test_busy_sync_views_do_not_block_async_views_or_internal_work() -> None:
    app = Flask(__name__)
    app.config.update(TESTING=True, SYNC_THREAD_LIMIT=4)
    release = threading.Event()
    started = 0
    lock = threading.Lock()

    @app.get("/slow")
    def slow() -> str:
        nonlocal started
        with lock:
            started += 1
        release.wait(10)
        return "slow"

    @app.get("/fast")
    async def fast() -> str:
        return "fast"

    @app.post("/upload")
    async def upload() -> str:
        return str(len(request.files["f"].read()))

    client = app.test_client()
    results: list[str] = []

    async def call_slow() -> None:
        results.append((await client.get("/slow")).text)

    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            for _ in range(10):
                tg.start_soon(call_slow)
            while started < 4:
                await anyio.sleep(0.01)
            # Every sync worker is busy and six requests wait for one.
            assert (await client.get("/fast")).text == "fast"
            # Multipart parsing of a large body uses the framework's own threads.
            big = io.BytesIO(b"x" * 200_000)
            r = await client.post("/upload", data={"f": (big, "big.bin")})
            assert r.text == "200000"
            assert started == 4
            release.set()
    assert results == ["slow"] * 10


async def test_a_context_snapshot_taken_during_a_request_does_not_keep_it_alive() -> None:
    # Servers schedule callbacks (uvicorn's keep-alive timer) that copy the context
    # while the request runs; the request's objects must not live as long as they do.
    import contextvars
    import weakref

    app = Flask(__name__)
    snapshots: list[contextvars.Context] = []
    refs: list[weakref.ref[object]] = []

    @app.get("/")
    async def index() -> str:
        snapshots.append(contextvars.copy_context())
        refs.append(weakref.ref(request._get_current_object()))
        return "ok"

    assert (await app.test_client().get("/")).text == "ok"
    assert snapshots  # the snapshot is still alive ...
    assert refs[0]() is None  # ... but the request it saw is gone
