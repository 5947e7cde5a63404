"""Signals: sent at the right points, to sync and async receivers, only for their app."""

from __future__ import annotations

import threading
from typing import Any

import anyio
import pytest

import asyncflask
from asyncflask import Flask, flash, redirect, request, signals
from asyncflask.exceptions import WebSocketDisconnect
from asyncflask.signals import (
    Namespace,
    appcontext_popped,
    appcontext_pushed,
    appcontext_tearing_down,
    got_request_exception,
    got_websocket_exception,
    message_flashed,
    request_finished,
    request_started,
    request_tearing_down,
    websocket_finished,
    websocket_started,
    websocket_tearing_down,
)

pytestmark = pytest.mark.anyio

FLASK_SIGNALS = [
    "template_rendered",
    "before_render_template",
    "request_started",
    "request_finished",
    "request_tearing_down",
    "got_request_exception",
    "appcontext_tearing_down",
    "appcontext_pushed",
    "appcontext_popped",
    "message_flashed",
]


@pytest.mark.parametrize("name", FLASK_SIGNALS)
def test_flask_signals_are_exported_from_both_modules(name: str) -> None:
    assert getattr(asyncflask, name) is getattr(signals, name)
    assert name in asyncflask.__all__


def test_namespace_is_blinkers() -> None:
    import blinker

    assert Namespace is blinker.Namespace
    custom = Namespace().signal("user-registered")
    assert isinstance(custom, blinker.Signal)


async def test_request_signals_in_order_with_hooks() -> None:
    app = Flask("signals_order")
    calls: list[str] = []

    def started(sender: Flask) -> None:
        calls.append("before-signal")

    def finished(sender: Flask, response: Any) -> None:
        assert response.data == b"stuff"
        calls.append("after-signal")

    @app.before_request
    def before_request_handler() -> None:
        calls.append("before-handler")

    @app.after_request
    def after_request_handler(response: Any) -> Any:
        calls.append("after-handler")
        response.data = "stuff"
        return response

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        calls.append("teardown-handler")

    @app.route("/")
    def index() -> str:
        calls.append("handler")
        return "ignored anyway"

    def tearing_down(sender: Flask, exc: BaseException | None) -> None:
        calls.append("tearing-down-signal")

    def pushed(sender: Flask) -> None:
        calls.append("pushed")

    def popped(sender: Flask) -> None:
        calls.append("popped")

    with (
        request_started.connected_to(started, app),
        request_finished.connected_to(finished, app),
        request_tearing_down.connected_to(tearing_down, app),
        appcontext_pushed.connected_to(pushed, app),
        appcontext_popped.connected_to(popped, app),
    ):
        r = await app.test_client().get("/")
    assert r.data == b"stuff"
    assert calls == [
        "pushed",
        "before-signal",
        "before-handler",
        "handler",
        "after-handler",
        "after-signal",
        "teardown-handler",
        "tearing-down-signal",
        "popped",
    ]


async def test_async_receivers_are_awaited() -> None:
    app = Flask("signals_async")
    calls: list[str] = []

    async def started(sender: Flask) -> None:
        await anyio.sleep(0)
        calls.append(f"started {request.path}")

    async def finished(sender: Flask, response: Any) -> None:
        calls.append(f"finished {response.status_code}")

    @app.route("/")
    async def index() -> str:
        return "ok"

    with (
        request_started.connected_to(started, app),
        request_finished.connected_to(finished, app),
    ):
        await app.test_client().get("/")
    assert calls == ["started /", "finished 200"]


async def test_sync_receivers_run_off_the_loop_with_the_request_context() -> None:
    app = Flask("signals_threads")
    loop_thread = threading.get_ident()
    seen: dict[str, Any] = {}

    def started(sender: Flask) -> None:
        seen["thread"] = threading.get_ident()
        seen["path"] = request.path

    @app.route("/here")
    async def index() -> str:
        return "ok"

    with request_started.connected_to(started, app):
        await app.test_client().get("/here")
    assert seen["path"] == "/here"
    assert seen["thread"] != loop_thread


async def test_sync_receivers_share_the_request_thread_with_sync_views() -> None:
    app = Flask("signals_same_thread")
    threads: list[tuple[str, int]] = []

    def first(sender: Flask, **extra: Any) -> None:
        threads.append(("first", threading.get_ident()))

    def second(sender: Flask, **extra: Any) -> None:
        threads.append(("second", threading.get_ident()))

    @app.route("/")
    def index() -> str:
        threads.append(("view", threading.get_ident()))
        return "ok"

    with (
        request_started.connected_to(first, app),
        request_started.connected_to(second, app),
        request_finished.connected_to(first, app),
    ):
        assert (await app.test_client().get("/")).text == "ok"
    assert sorted(name for name, _ in threads) == ["first", "first", "second", "view"]
    assert len({ident for _, ident in threads}) == 1


async def test_muted_signal_sends_nothing() -> None:
    app = Flask("signals_muted")
    heard: list[Any] = []

    @app.route("/")
    async def index() -> str:
        return "ok"

    with request_started.connected_to(heard.append, app), request_started.muted():
        await app.test_client().get("/")
    assert heard == []


async def test_weakly_connected_receivers_are_not_kept_alive() -> None:
    import gc
    import weakref

    app = Flask("signals_weak")

    @app.route("/")
    async def index() -> str:
        return "ok"

    def make_receiver() -> Any:
        def receiver(sender: Flask, **extra: Any) -> None:
            return None

        return receiver

    receiver = make_receiver()
    ref = weakref.ref(receiver)
    request_started.connect(receiver, app)
    await app.test_client().get("/")
    del receiver
    gc.collect()
    assert ref() is None


async def test_receivers_only_hear_their_own_app() -> None:
    app = Flask("signals_mine")
    other = Flask("signals_other")
    heard: list[Any] = []

    @app.route("/")
    def index() -> str:
        return "ok"

    with request_started.connected_to(heard.append, other):
        await app.test_client().get("/")
    assert heard == []


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_got_request_exception(kind: str) -> None:
    app = Flask("signals_exception")
    recorded: list[BaseException] = []

    @app.route("/")
    def index() -> str:
        raise ZeroDivisionError

    if kind == "sync":

        def record(sender: Flask, exception: BaseException) -> None:
            recorded.append(exception)

    else:

        async def record(sender: Flask, exception: BaseException) -> None:
            recorded.append(exception)

    with got_request_exception.connected_to(record, app):
        assert (await app.test_client().get("/")).status_code == 500
    assert len(recorded) == 1
    assert isinstance(recorded[0], ZeroDivisionError)


async def test_appcontext_tearing_down_gets_the_error() -> None:
    app = Flask("signals_teardown")
    recorded: list[BaseException | None] = []

    def record(sender: Flask, exc: BaseException | None) -> None:
        recorded.append(exc)

    @app.route("/")
    def index() -> str:
        raise ZeroDivisionError

    with appcontext_tearing_down.connected_to(record, app):
        assert (await app.test_client().get("/")).status_code == 500
    assert len(recorded) == 1
    assert isinstance(recorded[0], ZeroDivisionError)


async def test_message_flashed(app: Flask) -> None:
    app.secret_key = "test"
    recorded: list[tuple[str, str]] = []

    @app.route("/")
    def index() -> Any:
        flash("This is a flash message", category="notice")
        return redirect("/other")

    def record(sender: Flask, message: str, category: str) -> None:
        recorded.append((message, category))

    with message_flashed.connected_to(record, app):
        await app.test_client().get("/")
    assert recorded == [("This is a flash message", "notice")]


def test_app_context_with_block_sends_push_teardown_and_pop() -> None:
    app = Flask("signals_with")
    calls: list[str] = []
    with (
        appcontext_pushed.connected_to(lambda sender: calls.append("push"), app),
        appcontext_tearing_down.connected_to(
            lambda sender, exc: calls.append(f"teardown {exc!r}"), app
        ),
        appcontext_popped.connected_to(lambda sender: calls.append("pop"), app),
        app.app_context(),
    ):
        calls.append("inside")
    assert calls == ["push", "inside", "teardown None", "pop"]


async def test_async_app_context_awaits_async_receivers() -> None:
    app = Flask("signals_async_with")
    calls: list[str] = []

    async def pushed(sender: Flask) -> None:
        calls.append("push")

    async def popped(sender: Flask) -> None:
        calls.append("pop")

    with (
        appcontext_pushed.connected_to(pushed, app),
        appcontext_popped.connected_to(popped, app),
    ):
        async with app.app_context():
            calls.append("inside")
    assert calls == ["push", "inside", "pop"]


def test_test_request_context_sends_request_tearing_down() -> None:
    app = Flask("signals_trc")
    calls: list[str] = []
    with request_tearing_down.connected_to(lambda sender, exc: calls.append("request"), app):
        with app.test_request_context("/"):
            pass
        with app.app_context():
            pass
    assert calls == ["request"]


async def test_websocket_signals() -> None:
    app = Flask("signals_ws")
    calls: list[str] = []

    @app.websocket("/ws")
    async def echo() -> None:
        await app_websocket_echo()

    async def app_websocket_echo() -> None:
        from asyncflask import websocket

        await websocket.accept()
        await websocket.send(await websocket.receive())

    @app.websocket("/boom")
    async def boom() -> None:
        raise ValueError("boom")

    async def started(sender: Flask) -> None:
        calls.append("started")

    def finished(sender: Flask, response: Any) -> None:
        calls.append(f"finished {response}")

    def tearing_down(sender: Flask, exc: BaseException | None) -> None:
        calls.append(f"tearing down {type(exc).__name__}")

    def got(sender: Flask, exception: BaseException) -> None:
        calls.append(f"exception {exception}")

    with (
        websocket_started.connected_to(started, app),
        websocket_finished.connected_to(finished, app),
        websocket_tearing_down.connected_to(tearing_down, app),
        got_websocket_exception.connected_to(got, app),
    ):
        client = app.test_client()
        async with client.websocket("/ws") as ws:
            await ws.send("hi")
            assert await ws.receive() == "hi"
        assert calls == ["started", "finished None", "tearing down NoneType"]
        calls.clear()
        with pytest.raises(WebSocketDisconnect):
            async with client.websocket("/boom"):
                pass
        # The test client stops the app once the handshake is denied, so only what
        # happens before the denial is certain here.
        assert calls[:2] == ["started", "exception boom"]


async def test_custom_signal_with_connect_via(app: Flask) -> None:
    my_signals = Namespace()
    user_registered = my_signals.signal("user-registered")
    sent: list[str] = []

    @user_registered.connect_via(app)
    def send_welcome_email(sender: Flask, user: str, **extra: Any) -> None:
        sent.append(user)

    @app.post("/register")
    def register() -> str:
        from asyncflask import current_app

        user_registered.send(current_app._get_current_object(), user="ada")  # type: ignore[attr-defined]
        return "Welcome!"

    assert (await app.test_client().post("/register")).text == "Welcome!"
    assert sent == ["ada"]


async def test_forty_concurrent_requests_each_signal_once_with_its_own_context() -> None:
    app = Flask("signals_concurrent")
    started_paths: list[str] = []
    finished_paths: list[str] = []

    async def started(sender: Flask) -> None:
        started_paths.append(request.path)

    def finished(sender: Flask, response: Any) -> None:
        finished_paths.append(f"{request.path}={response.get_data(as_text=True)}")

    @app.route("/n/<int:n>")
    async def view(n: int) -> str:
        await anyio.sleep(0.01)
        return str(n)

    with (
        request_started.connected_to(started, app),
        request_finished.connected_to(finished, app),
    ):
        client = app.test_client()
        async with anyio.create_task_group() as tg:
            for n in range(40):
                tg.start_soon(client.get, f"/n/{n}")
    assert sorted(started_paths) == sorted(f"/n/{n}" for n in range(40))
    assert sorted(finished_paths) == sorted(f"/n/{n}={n}" for n in range(40))


async def test_a_failing_receiver_is_an_error_of_the_request() -> None:
    app = Flask("signals_failing")

    def broken(sender: Flask) -> None:
        raise RuntimeError("receiver failed")

    @app.route("/")
    def index() -> str:
        return "ok"

    with request_started.connected_to(broken, app):
        r = await app.test_client().get("/")
    assert r.status_code == 500
