"""Sync-to-thread running and the body-read timeout helper."""

from __future__ import annotations

import functools
import threading

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
