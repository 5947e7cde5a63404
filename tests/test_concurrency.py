"""Sync-to-thread running and the body-read timeout helper."""

from __future__ import annotations

import asyncio
import functools
import threading
import time

import anyio
import pytest

from asyncflask.concurrency import SyncRunner, is_async_callable
from asyncflask.deadlines import call_with_timeout

pytestmark = pytest.mark.anyio


async def test_call_with_timeout_returns_the_result() -> None:
    async def quick() -> int:
        await anyio.sleep(0)
        return 42

    assert await call_with_timeout(quick, 5) == 42


async def test_call_with_timeout_raises_timeout_error() -> None:
    async def slow() -> None:
        await anyio.sleep(10)

    with anyio.fail_after(5), pytest.raises(TimeoutError):
        await call_with_timeout(slow, 0.05)


async def test_outer_cancellation_is_not_turned_into_a_timeout() -> None:
    finished = False

    async def slow() -> None:
        await anyio.sleep(10)

    with anyio.move_on_after(0.05) as scope:
        await call_with_timeout(slow, 5)
        finished = True
    assert scope.cancelled_caught
    assert not finished


async def test_the_task_is_usable_after_a_timeout() -> None:
    async def slow() -> None:
        await anyio.sleep(10)

    with pytest.raises(TimeoutError):
        await call_with_timeout(slow, 0.01)
    # No stray cancellation is left pending on the task.
    await anyio.sleep(0.02)

    async def quick() -> str:
        await anyio.sleep(0)
        return "ok"

    assert await call_with_timeout(quick, 5) == "ok"


async def test_sync_runner_runs_in_a_worker_thread_with_context() -> None:
    runner = SyncRunner(2)
    main = threading.get_ident()
    assert await runner.run(threading.get_ident) != main
    assert await runner.call(functools.partial(pow, 2), 10) == 1024


async def test_sync_runner_iterates_a_generator_off_the_loop() -> None:
    runner = SyncRunner(2)
    threads: set[int] = set()

    def numbers():
        for n in range(3):
            threads.add(threading.get_ident())
            yield n

    assert [n async for n in runner.iterate(numbers())] == [0, 1, 2]
    assert threading.get_ident() not in threads


def test_is_async_callable_sees_partials_and_async_call_methods() -> None:
    async def coro() -> None: ...

    class Handler:
        async def __call__(self) -> None: ...

    assert is_async_callable(coro)
    assert is_async_callable(functools.partial(coro))
    assert is_async_callable(Handler())
    assert not is_async_callable(print)


ASYNCIO_ONLY = pytest.mark.parametrize("anyio_backend", ["asyncio"])


@ASYNCIO_ONLY
async def test_sync_runner_reuses_its_worker_threads(anyio_backend: str) -> None:
    runner = SyncRunner(4)
    threads = {await runner.run(threading.get_ident) for _ in range(50)}
    assert len(threads) == 1


async def test_sync_runner_passes_errors_through_as_themselves() -> None:
    runner = SyncRunner(2)

    def fail() -> None:
        raise KeyError("missing")

    with pytest.raises(KeyError, match="missing"):
        await runner.run(fail)


async def test_a_sync_call_raising_stop_iteration_fails_instead_of_hanging() -> None:
    runner = SyncRunner(2)

    def stop() -> None:
        raise StopIteration

    with anyio.fail_after(5), pytest.raises(RuntimeError, match="StopIteration"):
        await runner.run(stop)


async def test_a_cancelled_call_that_has_not_started_never_runs() -> None:
    runner = SyncRunner(1)
    release = threading.Event()
    ran: list[str] = []

    def block() -> None:
        release.wait(5)

    async with anyio.create_task_group() as tg:
        tg.start_soon(runner.run, block)
        await anyio.sleep(0.05)  # the only worker is busy now
        with anyio.move_on_after(0.05):
            await runner.run(ran.append, "queued")
        release.set()
    assert await runner.run(lambda: "after") == "after"
    assert ran == []


async def test_a_cancelled_call_that_has_started_finishes_first() -> None:
    runner = SyncRunner(1)
    started = threading.Event()
    finished: list[bool] = []

    def slow() -> None:
        started.set()
        time.sleep(0.2)
        finished.append(True)

    with anyio.move_on_after(5) as scope:
        async with anyio.create_task_group() as tg:

            async def cancel_when_started() -> None:
                await anyio.to_thread.run_sync(started.wait, 5)
                tg.cancel_scope.cancel()

            tg.start_soon(cancel_when_started)
            await runner.run(slow)
    assert not scope.cancelled_caught
    assert finished == [True]


@ASYNCIO_ONLY
async def test_idle_worker_threads_exit(anyio_backend: str) -> None:
    runner = SyncRunner(4, idle_seconds=0.05)
    await runner.run(time.sleep, 0)
    assert runner.pool.alive == 1
    await anyio.sleep(0.3)
    assert runner.pool.alive == 0
    assert await runner.run(lambda: "again") == "again"


def test_a_result_for_a_closed_event_loop_does_not_break_the_worker() -> None:
    runner = SyncRunner(1)
    release = threading.Event()
    loop = asyncio.new_event_loop()

    async def start_and_leave() -> asyncio.Task[bool]:
        task = asyncio.ensure_future(runner.run(release.wait, 5))
        await asyncio.sleep(0.05)
        return task

    task = loop.run_until_complete(start_and_leave())
    loop.close()  # the call still runs; its result has nowhere to go
    release.set()
    time.sleep(0.1)
    assert asyncio.run(runner.run(lambda: "alive")) == "alive"
    task._log_destroy_pending = False  # type: ignore[attr-defined]
