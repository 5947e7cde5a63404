"""One thread per request for sync code, under concurrency, without starving the app."""

from __future__ import annotations

import itertools
import sqlite3
import threading
import time
from collections.abc import Iterator
from typing import Any

import anyio
import pytest

from asyncflask import (
    Flask,
    Response,
    after_this_request,
    copy_current_request_context,
    g,
    has_request_context,
    request,
    stream_with_context,
)
from asyncflask.sessions import SecureCookieSessionInterface

pytestmark = pytest.mark.anyio

CONCURRENCY = 50


def make_app(**config: Any) -> Flask:
    app = Flask(__name__)
    app.config.update(TESTING=True, SECRET_KEY="threads", **config)
    return app


async def gather(client: Any, paths: list[str], **kwargs: Any) -> list[Any]:
    results: list[Any] = [None] * len(paths)

    async def one(i: int, path: str) -> None:
        results[i] = await client.get(path, **kwargs)

    async with anyio.create_task_group() as tg:
        for i, path in enumerate(paths):
            tg.start_soon(one, i, path)
    return results


def leases(app: Flask) -> tuple[int, int]:
    """Threads leased now and threads running pipeline work now (on the running loop)."""
    budget = app._sync.budget()
    return budget.leased, budget.busy


async def settled(app: Flask) -> tuple[int, int]:
    with anyio.fail_after(5):
        while leases(app) != (0, 0):
            await anyio.sleep(0.01)
    return leases(app)


# -- the tutorial pattern ---------------------------------------------------------------


async def test_sqlite_connection_in_g_survives_concurrent_requests(tmp_path: Any) -> None:
    db_path = tmp_path / "app.db"
    with sqlite3.connect(db_path) as db:
        db.execute("create table post (id integer primary key, title text)")
        db.executemany("insert into post (title) values (?)", [("a",), ("b",)])
    app = make_app()

    @app.before_request
    def open_db() -> None:
        g.db = sqlite3.connect(db_path)

    @app.teardown_appcontext
    def close_db(error: BaseException | None) -> None:
        db = g.pop("db", None)
        if db is not None:
            db.close()

    @app.get("/posts")
    def posts() -> Any:
        time.sleep(0.002)  # let other requests interleave
        rows = g.db.execute("select title from post order by id").fetchall()
        return {"titles": [row[0] for row in rows]}

    async with app.test_client() as client:
        responses = await gather(client, ["/posts"] * CONCURRENCY)
        assert [r.status_code for r in responses] == [200] * CONCURRENCY
        assert all(r.json == {"titles": ["a", "b"]} for r in responses)
        assert await settled(app) == (0, 0)


# -- thread identity in every kind of sync callable ---------------------------------------


class ThreadRecorder:
    """Which thread each request's callables ran on, and which request held each thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: dict[str, list[tuple[str, int]]] = {}
        self.holder: dict[int, str] = {}
        self.violations: list[str] = []

    def note(self, where: str, rid: str | None = None) -> None:
        rid = rid or request.args["rid"]
        me = threading.get_ident()
        with self.lock:
            self.seen.setdefault(rid, []).append((where, me))
            holder = self.holder.setdefault(me, rid)
            if holder != rid:
                self.violations.append(f"{where} of {rid} ran on the thread of {holder}")

    def done(self, rid: str) -> None:
        me = threading.get_ident()
        with self.lock:
            if self.holder.get(me) == rid:
                del self.holder[me]


class RecordingSessionInterface(SecureCookieSessionInterface):
    def __init__(self, recorder: ThreadRecorder) -> None:
        self.recorder = recorder

    def save_session(self, app: Any, session: Any, response: Response) -> None:
        self.recorder.note("save_session")
        super().save_session(app, session, response)


def recording_app(recorder: ThreadRecorder) -> Flask:
    app = make_app()
    app.session_interface = RecordingSessionInterface(recorder)

    @app.url_value_preprocessor
    def preprocess(endpoint: str | None, values: dict[str, Any] | None) -> None:
        recorder.note("url_value_preprocessor")

    @app.before_request
    def before() -> None:
        recorder.note("before_request")

    @app.after_request
    def after(response: Response) -> Response:
        recorder.note("after_request")
        return response

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        recorder.note("teardown_request")

    @app.teardown_appcontext
    def teardown_app(error: BaseException | None) -> None:
        if has_request_context():  # not for the lifespan's app context
            recorder.note("teardown_appcontext")
            recorder.done(request.args["rid"])

    @app.errorhandler(KeyError)
    def handle_key_error(error: KeyError) -> tuple[str, int]:
        recorder.note("errorhandler")
        return "handled", 409

    @app.get("/view")
    def view() -> str:
        recorder.note("view")
        time.sleep(0.001)

        @after_this_request
        def later(response: Response) -> Response:
            recorder.note("after_this_request")
            return response

        from asyncflask import session

        session["n"] = request.args["rid"]
        return "ok"

    @app.get("/fails")
    def fails() -> str:
        recorder.note("view")
        raise KeyError("boom")

    @app.get("/stream")
    def stream() -> Any:
        def body() -> Iterator[str]:
            for i in range(3):
                recorder.note("generator")
                time.sleep(0.001)
                yield f"{i}\n"

        return body()

    @app.get("/stream-ctx")
    def stream_ctx() -> Any:
        @stream_with_context
        def body() -> Iterator[str]:
            for _ in range(3):
                recorder.note("generator with context")
                yield request.args["rid"] + "\n"

        return body()

    return app


async def test_every_sync_callable_of_a_request_runs_on_one_exclusive_thread() -> None:
    recorder = ThreadRecorder()
    app = recording_app(recorder)
    counter = itertools.count()
    paths = [
        f"{path}?rid={next(counter)}"
        for path in ("/view", "/fails", "/stream", "/stream-ctx")
        for _ in range(12)
    ]
    async with app.test_client() as client:
        responses = await gather(client, paths)
        assert await settled(app) == (0, 0)
    assert [r.status_code for r in responses] == [200] * 12 + [409] * 12 + [200] * 24
    assert recorder.violations == []
    kinds = set()
    for rid, calls in recorder.seen.items():
        assert len({thread for _, thread in calls}) == 1, (rid, calls)
        kinds.update(where for where, _ in calls)
    assert kinds == {
        "url_value_preprocessor",
        "before_request",
        "view",
        "after_this_request",
        "after_request",
        "save_session",
        "errorhandler",
        "generator",
        "generator with context",
        "teardown_request",
        "teardown_appcontext",
    }
    assert all(threading.get_ident() != t for calls in recorder.seen.values() for _, t in calls)


async def test_sync_hooks_around_an_async_view_share_one_thread() -> None:
    app = make_app()
    threads: dict[str, list[int]] = {}

    @app.before_request
    def before() -> None:
        threads.setdefault(request.args["rid"], []).append(threading.get_ident())

    @app.get("/")
    async def view() -> str:
        await anyio.sleep(0.01)  # others take threads meanwhile
        return "ok"

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        threads[request.args["rid"]].append(threading.get_ident())

    async with app.test_client() as client:
        responses = await gather(client, [f"/?rid={i}" for i in range(40)])
    assert all(r.status_code == 200 for r in responses)
    assert all(len(set(found)) == 1 for found in threads.values())
    in_flight_threads = [found[0] for found in threads.values()]
    assert len(set(in_flight_threads)) == 40  # all in flight at once: no sharing


async def test_threading_local_from_before_request_is_seen_by_view_and_teardown() -> None:
    app = make_app()
    local = threading.local()
    seen: list[tuple[str, str | None]] = []

    @app.before_request
    def before() -> None:
        local.rid = request.args["rid"]

    @app.get("/")
    def view() -> str:
        time.sleep(0.001)
        return local.rid  # type: ignore[no-any-return]

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        seen.append((request.args["rid"], getattr(local, "rid", None)))

    async with app.test_client() as client:
        responses = await gather(client, [f"/?rid={i}" for i in range(40)])
    assert [r.text for r in responses] == [str(i) for i in range(40)]
    assert sorted(seen) == sorted((str(i), str(i)) for i in range(40))


async def test_app_context_and_copied_request_context_work_inside_a_sync_view() -> None:
    app = make_app()
    torn_down: list[tuple[str, int]] = []

    @app.teardown_appcontext
    def teardown(error: BaseException | None) -> None:
        if "rid" in g:
            torn_down.append((g.rid, threading.get_ident()))

    @app.get("/")
    def view() -> str:
        @copy_current_request_context
        def in_another_thread(out: list[str]) -> None:
            out.append(request.args["rid"])

        out: list[str] = []
        worker = threading.Thread(target=in_another_thread, args=(out,))
        worker.start()
        worker.join()
        with app.app_context():
            g.rid = f"inner {out[0]}"
        g.rid = out[0]
        return f"{out[0]}:{threading.get_ident()}"

    async with app.test_client() as client:
        responses = await gather(client, [f"/?rid={i}" for i in range(10)])
    expected = []
    for r in responses:
        rid, thread = r.text.split(":")
        expected += [(f"inner {rid}", int(thread)), (rid, int(thread))]
    assert sorted(torn_down) == sorted(expected)


async def test_an_app_without_sync_code_starts_no_thread() -> None:
    app = make_app()

    @app.get("/")
    async def view() -> str:
        return "ok"

    async with app.test_client() as client:
        await gather(client, ["/"] * 20)
    assert app._sync.pool.started == 0


# -- one hop for a sync endpoint ------------------------------------------------------------


async def test_sync_hooks_view_and_after_request_take_one_hop() -> None:
    app = make_app()

    @app.before_request
    def before() -> None:
        g.seen = True

    @app.after_request
    def after(response: Response) -> Response:
        response.headers["X-Seen"] = str(g.seen)
        return response

    @app.get("/")
    def view() -> str:
        return "ok"

    async with app.test_client() as client:
        await client.get("/")
        hops = app._sync.hops
        r = await client.get("/")
        assert r.headers["X-Seen"] == "True"
        assert app._sync.hops - hops == 1


async def test_sync_teardown_functions_take_one_hop_together() -> None:
    app = make_app()
    order: list[str] = []

    @app.teardown_request
    def one(error: BaseException | None) -> None:
        order.append("request")

    @app.teardown_appcontext
    def two(error: BaseException | None) -> None:
        if has_request_context():
            order.append("app")

    @app.get("/")
    async def view() -> str:
        return "ok"

    async with app.test_client() as client:
        hops = app._sync.hops
        await client.get("/")
        assert app._sync.hops - hops == 1
    assert order == ["request", "app"]


async def test_hooks_registered_after_a_request_are_honoured() -> None:
    app = make_app()

    @app.get("/")
    def view() -> str:
        return "ok"

    async with app.test_client() as client:
        assert (await client.get("/")).text == "ok"

        @app.after_request
        def shout(response: Response) -> Response:
            response.set_data(response.get_data().upper())
            return response

        assert (await client.get("/")).text == "OK"


# -- the two thread budgets -----------------------------------------------------------------


async def test_parked_sync_generators_do_not_starve_a_sync_view() -> None:
    app = make_app()
    release = threading.Event()
    closed: list[bool] = []

    @app.get("/poll")
    def poll() -> Any:
        def body() -> Iterator[str]:
            try:
                yield "waiting\n"
                release.wait(30)  # a long poll: waits in sync code
                yield "done\n"
            finally:
                closed.append(True)

        return body()

    @app.get("/ping")
    def ping() -> str:
        return "pong"

    async with app.test_client() as client:
        texts: list[str] = []

        async def long_poll() -> None:
            async with client.stream("GET", "/poll") as r:
                texts.append("".join([line async for line in r.iter_lines()]))

        with anyio.fail_after(20):
            async with anyio.create_task_group() as tg:
                for _ in range(100):
                    tg.start_soon(long_poll)
                with anyio.fail_after(10):
                    while leases(app)[0] < 100:
                        await anyio.sleep(0.01)
                with anyio.fail_after(1):
                    assert (await client.get("/ping")).text == "pong"
                release.set()
        assert texts == ["waitingdone"] * 100
        assert len(closed) == 100
        assert await settled(app) == (0, 0)


async def test_requests_parked_in_async_views_do_not_starve_a_sync_view() -> None:
    app = make_app()
    release = anyio.Event()

    @app.before_request
    def load_user() -> None:
        g.user = "someone"

    @app.get("/slow")
    async def slow() -> str:
        await release.wait()  # a slow upstream API
        return str(g.user)

    @app.get("/ping")
    def ping() -> str:
        return "pong"

    async with app.test_client() as client:
        results: list[str] = []

        async def park() -> None:
            results.append((await client.get("/slow")).text)

        with anyio.fail_after(20):
            async with anyio.create_task_group() as tg:
                for _ in range(100):
                    tg.start_soon(park)
                with anyio.fail_after(10):
                    while leases(app) != (100, 0):  # leased, but idle
                        await anyio.sleep(0.01)
                with anyio.fail_after(1):
                    assert (await client.get("/ping")).text == "pong"
                release.set()
        assert results == ["someone"] * 100
        assert await settled(app) == (0, 0)


async def test_lease_limit_bounds_leased_threads_and_everyone_is_served() -> None:
    app = make_app(SYNC_LEASE_LIMIT=8)
    most = 0

    @app.before_request
    def before() -> None:
        g.rid = request.args["rid"]

    @app.get("/")
    async def view() -> str:
        nonlocal most
        most = max(most, leases(app)[0])
        await anyio.sleep(0.01)
        most = max(most, leases(app)[0])
        return str(g.rid)

    @app.after_request
    def after(response: Response) -> Response:
        response.headers["X-Thread"] = str(threading.get_ident())
        return response

    async with app.test_client() as client:
        with anyio.fail_after(20):
            responses = await gather(client, [f"/?rid={i}" for i in range(30)])
    assert [r.text for r in responses] == [str(i) for i in range(30)]
    assert most == 8
    assert len({r.headers["X-Thread"] for r in responses}) <= 8


async def test_thread_limit_queues_sync_work_while_async_views_answer() -> None:
    app = make_app(SYNC_THREAD_LIMIT=2)
    running = 0
    most = 0
    lock = threading.Lock()

    @app.get("/work")
    def work() -> str:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return "done"

    @app.get("/fast")
    async def fast() -> str:
        return "fast"

    async with app.test_client() as client:
        results: list[str] = []

        async def work_request() -> None:
            results.append((await client.get("/work")).text)

        with anyio.fail_after(20):
            async with anyio.create_task_group() as tg:
                for _ in range(20):
                    tg.start_soon(work_request)
                await anyio.sleep(0.02)
                start = anyio.current_time()
                assert (await client.get("/fast")).text == "fast"
                assert anyio.current_time() - start < 0.5
    assert results == ["done"] * 20
    assert most == 2


# -- disconnects ----------------------------------------------------------------------------


async def test_a_request_cancelled_mid_view_returns_its_lease() -> None:
    app = make_app()
    started = threading.Event()
    torn_down: list[int] = []
    view_threads: list[int] = []

    @app.get("/slow")
    def slow() -> str:
        view_threads.append(threading.get_ident())
        started.set()
        time.sleep(0.2)
        return "late"

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        torn_down.append(threading.get_ident())

    async with app.test_client() as client:
        with anyio.move_on_after(5) as scope:
            async with anyio.create_task_group() as tg:

                async def give_up() -> None:
                    await anyio.to_thread.run_sync(started.wait, 5)
                    tg.cancel_scope.cancel()

                tg.start_soon(give_up)
                await client.get("/slow")
        assert not scope.cancelled_caught
        assert await settled(app) == (0, 0)
    assert torn_down == view_threads


async def test_a_client_leaving_mid_stream_closes_the_generator_on_its_thread() -> None:
    app = make_app()
    closed_on: list[int] = []
    ran_on: list[int] = []

    @app.get("/stream")
    def stream() -> Any:
        def body() -> Iterator[str]:
            try:
                while True:
                    ran_on.append(threading.get_ident())
                    time.sleep(0.005)
                    yield "tick\n"
            finally:
                closed_on.append(threading.get_ident())

        return body()

    async with app.test_client() as client:
        async with client.stream("GET", "/stream") as r:
            lines = r.iter_lines()
            assert await lines.__anext__() == "tick"
            assert await lines.__anext__() == "tick"
        assert await settled(app) == (0, 0)
    assert len(closed_on) == 1
    assert set(ran_on) == set(closed_on)


async def test_sync_websocket_hooks_share_one_thread() -> None:
    app = make_app()
    threads: list[int] = []

    @app.before_websocket
    def before() -> None:
        threads.append(threading.get_ident())

    @app.teardown_appcontext
    def teardown(error: BaseException | None) -> None:
        threads.append(threading.get_ident())

    @app.websocket("/ws")
    async def ws() -> None:
        from asyncflask import websocket

        await websocket.send("hi")

    async with app.test_client() as client:
        async with client.websocket("/ws") as ws:
            assert await ws.receive() == "hi"
        with anyio.fail_after(5):
            while len(threads) < 2:
                await anyio.sleep(0.01)
        assert await settled(app) == (0, 0)
    assert len(set(threads)) == 1


# -- ensure_sync ----------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 64])
async def test_ensure_sync_runs_a_coroutine_from_a_sync_view_on_the_loop(limit: int) -> None:
    app = make_app(SYNC_THREAD_LIMIT=limit)
    seen: dict[str, list[int]] = {}

    def record(rid: str, where: str) -> None:
        seen.setdefault(rid, []).append(threading.get_ident())

    async def lookup(name: str) -> str:
        await anyio.sleep(0.001)
        # sync code called from the coroutine runs back on the request's thread
        await app._call(record, request.args["rid"], "nested")
        return f"{name}-{g.rid}"

    @app.before_request
    def before() -> None:
        g.rid = request.args["rid"]
        record(g.rid, "before")

    @app.get("/")
    def view() -> str:
        record(g.rid, "view")
        return app.ensure_sync(lookup)("user")  # type: ignore[no-any-return]

    async with app.test_client() as client:
        with anyio.fail_after(20):
            responses = await gather(client, [f"/?rid={i}" for i in range(20)])
        assert await settled(app) == (0, 0)
    assert [r.text for r in responses] == [f"user-{i}" for i in range(20)]
    assert all(len(found) == 3 and len(set(found)) == 1 for found in seen.values())


async def test_ensure_sync_returns_sync_functions_unchanged_and_reraises() -> None:
    app = make_app()

    def plain() -> None: ...

    async def fails() -> None:
        raise LookupError("nope")

    assert app.ensure_sync(plain) is plain

    @app.get("/")
    def view() -> str:
        try:
            app.ensure_sync(fails)()
        except LookupError as e:
            return str(e)
        return "no error"

    async with app.test_client() as client:
        assert (await client.get("/")).text == "nope"


def test_ensure_sync_outside_any_loop_runs_on_a_new_one() -> None:
    app = make_app()

    async def double(n: int) -> int:
        await anyio.sleep(0)
        return n * 2

    assert app.ensure_sync(double)(21) == 42


async def test_ensure_sync_on_the_loop_thread_is_refused() -> None:
    app = make_app()

    async def noop() -> None: ...

    with pytest.raises(RuntimeError, match="block the loop"):
        app.ensure_sync(noop)()


async def test_a_hundred_slow_sync_views_do_not_block_async_views() -> None:
    app = make_app()  # default limits
    release = threading.Event()

    @app.get("/slow")
    def slow() -> str:
        release.wait(30)
        return "slow"

    @app.get("/fast")
    async def fast() -> str:
        return "fast"

    async with app.test_client() as client:
        results: list[str] = []

        async def slow_request() -> None:
            results.append((await client.get("/slow")).text)

        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                for _ in range(100):
                    tg.start_soon(slow_request)
                with anyio.fail_after(10):
                    while leases(app)[1] < app.config["SYNC_THREAD_LIMIT"]:
                        await anyio.sleep(0.01)
                with anyio.fail_after(1):
                    assert (await client.get("/fast")).text == "fast"
                release.set()
        assert results == ["slow"] * 100
        assert await settled(app) == (0, 0)


async def test_a_sync_sse_source_runs_on_the_request_thread() -> None:
    from asyncflask import sse

    app = make_app()
    threads: dict[str, set[int]] = {}

    @app.before_request
    def before() -> None:
        threads.setdefault(request.args["rid"], set()).add(threading.get_ident())

    @app.get("/events")
    def events() -> Any:
        rid = request.args["rid"]

        def source() -> Iterator[str]:
            for i in range(3):
                threads[rid].add(threading.get_ident())
                yield str(i)

        return sse(source(), ping=None)

    async with app.test_client() as client:
        responses = await gather(client, [f"/events?rid={i}" for i in range(20)])
        assert await settled(app) == (0, 0)
    assert all(r.text == "data: 0\n\ndata: 1\n\ndata: 2\n\n" for r in responses)
    assert all(len(found) == 1 for found in threads.values())


async def test_a_context_variable_set_in_sync_code_does_not_reach_the_next_request() -> None:
    from contextvars import ContextVar

    var: ContextVar[str] = ContextVar("var", default="unset")
    app = make_app()

    @app.before_request
    def before() -> None:
        g.seen = var.get()

    @app.get("/set/<value>")
    def set_value(value: str) -> str:
        var.set(value)
        return f"{g.seen}:{threading.get_ident()}"

    async with app.test_client() as client:
        first = (await client.get("/set/alice")).text
        second = (await client.get("/set/bob")).text
    assert first.split(":")[1] == second.split(":")[1]  # the same thread, reused
    assert first.split(":")[0] == second.split(":")[0] == "unset"


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_the_tutorial_pattern_under_uvicorn(anyio_backend: str, tmp_path: Any) -> None:
    import httpx

    from tests.test_server import serve

    db_path = tmp_path / "served.db"
    with sqlite3.connect(db_path) as db:
        db.execute("create table hit (n integer)")
    app = Flask(__name__)

    @app.before_request
    def open_db() -> None:
        g.db = sqlite3.connect(db_path, timeout=10)

    @app.teardown_appcontext
    def close_db(error: BaseException | None) -> None:
        db = g.pop("db", None)
        if db is not None:
            db.close()

    @app.get("/hit")
    def hit() -> str:
        g.db.execute("insert into hit values (1)")
        g.db.commit()
        time.sleep(0.002)
        return str(g.db.execute("select count(*) from hit").fetchone()[0])

    with serve(app) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            statuses: list[int] = []

            async def one() -> None:
                statuses.append((await client.get("/hit")).status_code)

            async with anyio.create_task_group() as tg:
                for _ in range(50):
                    tg.start_soon(one)
    assert statuses == [200] * 50
    with sqlite3.connect(db_path) as db:
        assert db.execute("select count(*) from hit").fetchone()[0] == 50
