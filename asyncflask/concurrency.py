"""Running sync code off the event loop, with the request's context variables."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import functools
import inspect
import queue
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
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


class _Call:
    """One call handed to a worker thread, and how far it got."""

    __slots__ = ("args", "context", "finished", "func", "future", "loop", "state", "waiter")

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        func: Callable[..., Any],
        args: tuple[Any, ...],
    ) -> None:
        self.loop = loop
        self.future: asyncio.Future[Any] = loop.create_future()
        self.context = contextvars.copy_context()
        self.func = func
        self.args = args
        self.state = _QUEUED
        self.finished = False
        self.waiter: asyncio.Future[None] | None = None

    def settle(self, result: Any, error: BaseException | None) -> None:
        """Hand the outcome to the awaiting task (runs on the event loop)."""
        self.finished = True
        future = self.future
        if not future.done():
            if error is None:
                future.set_result(result)
            elif isinstance(error, StopIteration):
                # An asyncio future refuses StopIteration, which would leave the task waiting.
                future.set_exception(RuntimeError(f"The sync call raised {error!r}."))
            else:
                future.set_exception(error)
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)


_QUEUED, _STARTED, _DROPPED = 0, 1, 2


class _WorkerPool:
    """Worker threads for sync calls from asyncio, at most ``limit`` of them.

    Cheaper per call than ``ThreadPoolExecutor`` with ``asyncio.wrap_future``
    (about half the round trip, measured in ``benchmarks/``): each worker waits on
    a queue of its own, the result comes back with one ``call_soon_threadsafe``,
    and no condition variables are involved. Idle workers exit after
    ``IDLE_SECONDS``.
    """

    IDLE_SECONDS = 10.0

    def __init__(self, limit: int, name: str) -> None:
        self.limit = limit
        self.name = name
        self._lock = threading.Lock()
        self._idle: list[queue.SimpleQueue[_Call]] = []
        self._backlog: collections.deque[_Call] = collections.deque()
        self._threads = 0

    def submit(self, call: _Call) -> None:
        """Run ``call`` in an idle worker, a new one, or the next to free up."""
        with self._lock:
            if self._idle:
                self._idle.pop().put(call)
                return
            if self._threads >= self.limit:
                self._backlog.append(call)
                return
            self._threads += 1
        thread = threading.Thread(
            target=self._work, args=(call,), name=f"{self.name}-{self._threads}", daemon=True
        )
        try:
            thread.start()
        except RuntimeError:
            with self._lock:
                self._threads -= 1
            raise

    def _work(self, call: _Call | None) -> None:
        inbox: queue.SimpleQueue[_Call] = queue.SimpleQueue()
        lock = self._lock
        while True:
            if call is None:
                try:
                    call = inbox.get(timeout=self.IDLE_SECONDS)
                except queue.Empty:
                    with lock:
                        if inbox in self._idle:
                            self._idle.remove(inbox)
                            self._threads -= 1
                            return
                    continue  # a call was handed over just as the wait ended
            with lock:
                run = call.state == _QUEUED
                call.state = _STARTED
            result: Any = None
            error: BaseException | None = None
            if run:
                try:
                    result = call.context.run(call.func, *call.args)
                except BaseException as e:
                    error = e
            # Idle again before the result is handed back, so that the caller's next
            # call finds this worker instead of starting another thread.
            with lock:
                following = self._backlog.popleft() if self._backlog else None
                if following is None:
                    self._idle.append(inbox)
            if run:
                # A closed event loop raises RuntimeError: nobody waits for this any more.
                with contextlib.suppress(RuntimeError):
                    call.loop.call_soon_threadsafe(call.settle, result, error)
            call = following
            result = error = None

    def drop(self, call: _Call) -> bool:
        """Take back a call that has not started; False when it already runs (or ran)."""
        with self._lock:
            if call.state != _QUEUED:
                return False
            call.state = _DROPPED
            return True


class SyncRunner:
    """Runs sync callables in worker threads of their own, at most ``total_tokens`` at once.

    User code (sync views, hooks, generators) runs here, sized by the
    ``SYNC_THREAD_LIMIT`` config key, so it cannot starve the framework's own
    thread work, which uses anyio's default limiter. On asyncio the threads are a
    pool of this runner's own; on other event loops anyio's worker threads with a
    capacity limiter of this runner's own. If the awaiting task is cancelled, a call
    that has not started is dropped, and one that has started finishes before the
    cancellation goes on, so nothing else touches its objects meanwhile.
    """

    def __init__(self, total_tokens: int) -> None:
        if total_tokens < 1:
            raise ValueError(f"SYNC_THREAD_LIMIT must be at least 1, not {total_tokens}.")
        self.total_tokens = total_tokens
        self._pool = _WorkerPool(total_tokens, "asyncflask-sync")
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
        call = _Call(loop, func, args)
        self._pool.submit(call)
        try:
            return await call.future  # type: ignore[no-any-return]
        except asyncio.CancelledError:
            if call.finished or self._pool.drop(call):
                raise
            waiter = call.waiter = loop.create_future()
            while not waiter.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.shield(waiter)
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
