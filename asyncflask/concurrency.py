"""Running sync code off the event loop, with the request's context variables."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar, current_token

T = TypeVar("T")
_STOP = object()


def run_blocking(func: Callable[..., Awaitable[Any]], *args: Any) -> None:
    """Run an async function to completion from sync code with no event loop running."""
    try:
        current_token()
    except RuntimeError:
        anyio.run(functools.partial(func, *args))
        return
    raise RuntimeError(
        f"The async function {func!r} cannot run from a plain `with` block inside async"
        " code. Use `async with` for the context instead."
    )


def is_async_callable(obj: Any) -> bool:
    """Whether calling ``obj`` returns an awaitable (``async def`` functions, methods, partials)."""
    while isinstance(obj, functools.partial):
        obj = obj.func
    if inspect.iscoroutinefunction(obj):
        return True
    call = getattr(obj, "__call__", None)  # noqa: B004 - looking for an async __call__
    return call is not None and inspect.iscoroutinefunction(call)


class SyncRunner:
    """Runs sync callables in worker threads of their own, at most ``total_tokens`` at once.

    User code (sync views, hooks, generators) runs here, sized by the
    ``SYNC_THREAD_LIMIT`` config key, so it cannot starve the framework's own
    thread work, which uses anyio's default limiter. On asyncio the threads are a
    ``ThreadPoolExecutor`` (the cheapest hop measured); on other event loops anyio's
    worker threads with a capacity limiter of this runner's own. If the awaiting
    task is cancelled, the call is abandoned and its thread finishes on its own.
    """

    def __init__(self, total_tokens: int) -> None:
        if total_tokens < 1:
            raise ValueError(f"SYNC_THREAD_LIMIT must be at least 1, not {total_tokens}.")
        self.total_tokens = total_tokens
        self._executor: ThreadPoolExecutor | None = None
        self._limiter: RunVar[anyio.CapacityLimiter] = RunVar(f"asyncflask.limiter.{id(self)}")

    @property
    def limiter(self) -> anyio.CapacityLimiter:
        """The capacity limiter used on event loops other than asyncio."""
        try:
            return self._limiter.get()
        except LookupError:
            limiter = anyio.CapacityLimiter(self.total_tokens)
            self._limiter.set(limiter)
            return limiter

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """Call ``func(*args)`` in a worker thread that sees the caller's context variables."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return await anyio.to_thread.run_sync(func, *args, limiter=self.limiter)
        executor = self._executor
        if executor is None:
            executor = self._executor = ThreadPoolExecutor(
                self.total_tokens, thread_name_prefix="asyncflask-sync"
            )
        context = contextvars.copy_context()
        future = executor.submit(context.run, func, *args)
        try:
            return await asyncio.wrap_future(future, loop=loop)
        except asyncio.CancelledError:
            # Like anyio: a call that already started finishes before the
            # cancellation goes on, so nothing else touches its objects meanwhile.
            while not future.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wrap_future(future, loop=loop)
            raise

    async def call(self, func: Callable[..., Any], *args: Any) -> Any:
        """Await ``func(*args)`` if it is async, else run it in a worker thread."""
        if is_async_callable(func):
            return await func(*args)
        return await self.run(func, *args)

    async def iterate(self, iterable: Iterable[T]) -> AsyncIterator[T]:
        """Iterate a sync iterable in worker threads, one item per hop."""
        iterator: Iterator[T] = iter(iterable)
        while True:
            item = await self.run(next, iterator, _STOP)
            if item is _STOP:
                return
            yield item


__all__ = ["SyncRunner", "is_async_callable", "run_blocking"]
