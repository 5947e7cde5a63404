"""The ASGI lifespan protocol: serving hooks, their order, context and failures."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import pytest

from asyncflask import Flask, current_app, g, has_app_context, has_request_context

pytestmark = pytest.mark.anyio

TIMEOUT = 5
Message = dict[str, Any]


class LifespanServer:
    """Plays the server's side of the lifespan protocol over memory streams."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.to_app, self.app_inbox = anyio.create_memory_object_stream[Message](8)
        self.app_outbox, self.from_app = anyio.create_memory_object_stream[Message](8)
        self.returned = anyio.Event()

    async def run(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
        try:
            async with self.app_outbox:
                await self.app(scope, self.app_inbox.receive, self.app_outbox.send)
        finally:
            self.returned.set()

    async def startup(self) -> Message:
        await self.to_app.send({"type": "lifespan.startup"})
        return await self.from_app.receive()

    async def shutdown(self) -> Message:
        await self.to_app.send({"type": "lifespan.shutdown"})
        return await self.from_app.receive()

    def close(self) -> None:
        for stream in (self.to_app, self.app_inbox, self.from_app):
            stream.close()


async def run_lifespan(app: Flask, *, shutdown: bool = True) -> list[Message]:
    """Start up (and shut down) ``app``; return the messages it sent."""
    server = LifespanServer(app)
    messages: list[Message] = []
    with anyio.fail_after(TIMEOUT):
        async with anyio.create_task_group() as tg:
            tg.start_soon(server.run)
            messages.append(await server.startup())
            if messages[-1]["type"] == "lifespan.startup.complete" and shutdown:
                messages.append(await server.shutdown())
            await server.returned.wait()
    server.close()
    return messages


@pytest.fixture
def quiet(app: Flask, caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.ERROR, logger=app.logger.name)
    return caplog


# -- order and context --------------------------------------------------------------------


async def test_startup_and_shutdown_complete_without_hooks(app: Flask) -> None:
    messages = await run_lifespan(app)
    assert [m["type"] for m in messages] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]


async def test_hooks_run_in_order(app: Flask) -> None:
    events: list[str] = []

    @app.before_serving
    async def before_one() -> None:
        events.append("before 1")

    @app.before_serving
    def before_two() -> None:
        events.append("before 2")

    @app.while_serving
    async def lifecycle() -> AsyncIterator[None]:
        events.append("while start")
        yield
        events.append("while end")

    @app.after_serving
    async def after_one() -> None:
        events.append("after 1")

    @app.after_serving
    def after_two() -> None:
        events.append("after 2")

    server = LifespanServer(app)
    with anyio.fail_after(TIMEOUT):
        async with anyio.create_task_group() as tg:
            tg.start_soon(server.run)
            assert (await server.startup())["type"] == "lifespan.startup.complete"
            assert events == ["before 1", "before 2", "while start"]
            assert (await server.shutdown())["type"] == "lifespan.shutdown.complete"
            await server.returned.wait()
    server.close()
    assert events == [
        "before 1",
        "before 2",
        "while start",
        "while end",
        "after 1",
        "after 2",
    ]


async def test_while_serving_generators_unwind_last_first(app: Flask) -> None:
    events: list[str] = []

    @app.while_serving
    async def outer() -> AsyncIterator[None]:
        events.append("outer start")
        yield
        events.append("outer end")

    @app.while_serving
    def inner() -> Iterator[None]:
        events.append("inner start")
        yield
        events.append("inner end")

    await run_lifespan(app)
    assert events == ["outer start", "inner start", "inner end", "outer end"]


async def test_current_app_is_available_in_hooks(app: Flask) -> None:
    seen: list[Any] = []

    @app.before_serving
    async def async_hook() -> None:
        seen.append(("async before", current_app.name, has_app_context(), has_request_context()))

    @app.before_serving
    def sync_hook() -> None:
        seen.append(("sync before", current_app.name, has_app_context(), has_request_context()))

    @app.while_serving
    def while_hook() -> Iterator[None]:
        seen.append(("while", current_app.name, has_app_context(), has_request_context()))
        yield

    @app.after_serving
    def after_hook() -> None:
        seen.append(("after", current_app.name, has_app_context(), has_request_context()))

    await run_lifespan(app)
    assert seen == [
        ("async before", "test_app", True, False),
        ("sync before", "test_app", True, False),
        ("while", "test_app", True, False),
        ("after", "test_app", True, False),
    ]


async def test_hooks_can_use_g_and_config(app: Flask) -> None:
    app.config["GREETING"] = "hi"
    seen: list[str] = []

    @app.before_serving
    def before() -> None:
        g.greeting = current_app.config["GREETING"]
        seen.append(g.greeting)

    await run_lifespan(app)
    assert seen == ["hi"]


async def test_startup_state_is_visible_to_requests(app: Flask) -> None:
    @app.before_serving
    async def connect() -> None:
        current_app.extensions["db"] = "connected"

    @app.after_serving
    async def disconnect() -> None:
        current_app.extensions["db"] = "closed"

    @app.get("/")
    def index() -> str:
        return str(current_app.extensions.get("db"))

    client = app.test_client()
    server = LifespanServer(app)
    with anyio.fail_after(TIMEOUT):
        async with anyio.create_task_group() as tg:
            tg.start_soon(server.run)
            await server.startup()
            assert (await client.get("/")).text == "connected"
            await server.shutdown()
            await server.returned.wait()
    server.close()
    assert app.extensions["db"] == "closed"


# -- failures -----------------------------------------------------------------------------


async def test_failing_before_serving_reports_startup_failed(
    app: Flask, quiet: pytest.LogCaptureFixture
) -> None:
    later: list[str] = []

    @app.before_serving
    async def broken() -> None:
        raise RuntimeError("database unreachable")

    @app.before_serving
    def not_reached() -> None:
        later.append("ran")

    messages = await run_lifespan(app)
    assert len(messages) == 1
    assert messages[0]["type"] == "lifespan.startup.failed"
    assert "database unreachable" in messages[0]["message"]
    assert "RuntimeError" in messages[0]["message"]
    assert later == []
    assert any("startup" in r.getMessage().lower() for r in quiet.records)


async def test_failing_sync_before_serving_reports_startup_failed(
    app: Flask, quiet: pytest.LogCaptureFixture
) -> None:
    @app.before_serving
    def broken() -> None:
        raise ValueError("bad setting")

    messages = await run_lifespan(app)
    assert [m["type"] for m in messages] == ["lifespan.startup.failed"]
    assert "bad setting" in messages[0]["message"]


async def test_failing_while_serving_startup_reports_startup_failed(
    app: Flask, quiet: pytest.LogCaptureFixture
) -> None:
    @app.while_serving
    async def broken() -> AsyncIterator[None]:
        raise OSError("port in use")
        yield

    messages = await run_lifespan(app)
    assert [m["type"] for m in messages] == ["lifespan.startup.failed"]
    assert "port in use" in messages[0]["message"]


async def test_failing_after_serving_reports_shutdown_failed(
    app: Flask, quiet: pytest.LogCaptureFixture
) -> None:
    events: list[str] = []

    @app.after_serving
    async def broken() -> None:
        raise RuntimeError("flush failed")

    @app.after_serving
    def still_runs() -> None:
        events.append("second after_serving")

    messages = await run_lifespan(app)
    assert [m["type"] for m in messages] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.failed",
    ]
    assert "flush failed" in messages[1]["message"]
    assert events == ["second after_serving"]
    assert any("shutdown" in r.getMessage().lower() for r in quiet.records)


async def test_failing_while_serving_cleanup_reports_shutdown_failed(
    app: Flask, quiet: pytest.LogCaptureFixture
) -> None:
    events: list[str] = []

    @app.while_serving
    def broken() -> Iterator[None]:
        yield
        raise RuntimeError("cleanup failed")

    @app.after_serving
    def after() -> None:
        events.append("after")

    messages = await run_lifespan(app)
    assert messages[-1]["type"] == "lifespan.shutdown.failed"
    assert "cleanup failed" in messages[-1]["message"]
    assert events == ["after"]


async def test_while_serving_yielding_twice_reports_shutdown_failed(
    app: Flask, quiet: pytest.LogCaptureFixture
) -> None:
    @app.while_serving
    async def twice() -> AsyncIterator[None]:
        yield
        yield

    messages = await run_lifespan(app)
    assert messages[-1]["type"] == "lifespan.shutdown.failed"
    assert "more than once" in messages[-1]["message"]


# -- the protocol -------------------------------------------------------------------------


async def test_app_returns_when_the_first_message_is_not_startup(app: Flask) -> None:
    events: list[str] = []
    app.before_serving(lambda: events.append("before"))
    server = LifespanServer(app)
    with anyio.fail_after(TIMEOUT):
        async with anyio.create_task_group() as tg:
            tg.start_soon(server.run)
            await server.to_app.send({"type": "lifespan.shutdown"})
            await server.returned.wait()
    server.close()
    assert events == []


async def test_startup_and_shutdown_methods(app: Flask) -> None:
    events: list[str] = []
    app.before_serving(lambda: events.append("before"))
    app.after_serving(lambda: events.append("after"))
    with anyio.fail_after(TIMEOUT):
        await app.startup()
        assert events == ["before"]
        await app.shutdown()
    assert events == ["before", "after"]


async def test_unknown_scope_type_is_a_value_error(app: Flask) -> None:
    async def receive() -> Message:
        raise AssertionError("not called")

    async def send(message: Message) -> None:
        raise AssertionError("not called")

    with pytest.raises(ValueError, match="scope type 'telepathy'"):
        await app({"type": "telepathy"}, receive, send)
