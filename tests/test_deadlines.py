"""Time limits for awaiting the client: one watch per event loop, exact semantics."""

from __future__ import annotations

import asyncio

import anyio
import pytest

from asyncflask.deadlines import CHECK_INTERVAL, _watch_for, call_with_timeout

pytestmark = pytest.mark.anyio


async def test_only_the_slow_reads_time_out() -> None:
    outcomes: dict[int, str] = {}

    async def read(index: int, duration: float) -> None:
        async def work() -> None:
            await anyio.sleep(duration)

        try:
            await call_with_timeout(work, 0.2)
        except TimeoutError:
            outcomes[index] = "timeout"
        else:
            outcomes[index] = "done"

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            for index in range(10):
                tg.start_soon(read, index, 0.01 if index % 2 else 2.0)
    assert outcomes == {i: "done" if i % 2 else "timeout" for i in range(10)}


async def test_a_timeout_is_noticed_within_the_check_interval() -> None:
    async def forever() -> None:
        await anyio.sleep(60)

    start = anyio.current_time()
    with pytest.raises(TimeoutError):
        await call_with_timeout(forever, 0.05)
    assert anyio.current_time() - start < 0.05 + CHECK_INTERVAL + 1.0


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_the_watch_stops_checking_when_nothing_is_pending(anyio_backend: str) -> None:
    async def quick() -> int:
        return 1

    assert await call_with_timeout(quick, 5) == 1
    watch = _watch_for(asyncio.get_running_loop())
    assert not watch.pending
    await anyio.sleep(CHECK_INTERVAL * 2)
    assert not watch.armed
    assert not watch.expired
