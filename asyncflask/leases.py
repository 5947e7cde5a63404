"""Worker threads leased to requests, so that all sync code of one request runs on one thread.

A request takes a lease at its first sync call and gives it back after its last
teardown. The lease is exclusive: no other request's code runs on that thread
meanwhile, even while the request awaits something on the event loop. Flask code
relies on this without saying so (sqlite3 connections kept in ``g``, thread-local
database sessions, ``threading.local`` caches).

Two budgets bound the threads, per event loop: ``lease_limit`` counts leased
threads, busy or idle; ``thread_limit`` counts threads running pipeline work at
once. A leased thread that waits for its request, or iterates a streamed body,
holds no share of the second, so parked requests and long polls cannot starve
the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import queue
import threading
import weakref
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import Any, TypeVar

import anyio
import anyio.from_thread
from anyio.lowlevel import RunVar, current_token

T = TypeVar("T")

# None outside an asyncio loop, where ``get_running_loop`` would raise (a costly miss on trio).
_running_loop = asyncio._get_running_loop
_QUEUED, _STARTED, _DROPPED = 0, 1, 2
_STOP = object()


class _Slots:
    """A counting semaphore for one event loop's tasks, cheap when a slot is free.

    A slot given back while tasks wait passes straight to the first of them.
    """

    __slots__ = ("free", "limit", "waiters")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.free = limit
        self.waiters: deque[anyio.Event] = deque()

    @property
    def used(self) -> int:
        return self.limit - self.free

    async def take(self) -> None:
        if self.free > 0 and not self.waiters:
            self.free -= 1
            return
        granted = anyio.Event()
        self.waiters.append(granted)
        try:
            await granted.wait()
        except BaseException:
            if granted.is_set():
                self.give()  # granted as the wait was cancelled: pass it on
            else:
                self.waiters.remove(granted)
            raise

    def give(self) -> None:
        if self.waiters:
            self.waiters.popleft().set()
        else:
            self.free += 1


class _Budget:
    """The two thread budgets of one runner on one event loop."""

    __slots__ = ("leases", "running")

    def __init__(self, thread_limit: int, lease_limit: int) -> None:
        self.running = _Slots(thread_limit)
        self.leases = _Slots(lease_limit)

    @property
    def leased(self) -> int:
        """Threads leased now, busy or idle."""
        return self.leases.used

    @property
    def busy(self) -> int:
        """Leased threads running pipeline work now."""
        return self.running.used


class _Job:
    """One call handed to a leased thread, and how far it got."""

    __slots__ = (
        "args",
        "context",
        "done",
        "error",
        "func",
        "future",
        "lease",
        "loop",
        "result",
        "state",
        "waiter",
        "wake",
    )

    def __init__(self, func: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.func = func
        self.args = args
        self.context = contextvars.copy_context()
        self.state = _QUEUED
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None
        #: The lease whose share of the running budget this job counts in, if any.
        self.lease: Lease | None = None
        #: The caller's event loop: an asyncio loop, or an anyio token elsewhere.
        self.loop: Any = None
        #: asyncio: the future the caller awaits; other loops: an event.
        self.future: asyncio.Future[Any] | None = None
        self.waiter: Any = None
        #: Calls a function on the caller's event loop, from the worker thread.
        self.wake: Callable[..., Any] = _no_wake

    def settle(self) -> None:
        """Hand the outcome to the caller (runs on the event loop)."""
        self.done = True
        self._free_share()
        future = self.future
        if future is not None:
            if not future.done():
                error = self.error
                if error is None:
                    future.set_result(self.result)
                elif isinstance(error, StopIteration):
                    # An asyncio future refuses StopIteration and would leave the task waiting.
                    future.set_exception(RuntimeError(f"The sync call raised {error!r}."))
                else:
                    future.set_exception(error)
            # The future holds the outcome now; the job must not (a failed call's
            # traceback holds the awaiting frame, which holds this job: a cycle).
            self.error = self.result = None
            if self.waiter is not None and not self.waiter.done():
                self.waiter.set_result(None)
        elif self.waiter is not None:
            self.waiter.set()

    def _free_share(self) -> None:
        lease = self.lease
        if lease is not None:
            self.lease = None
            lease._pending -= 1
            if lease._pending == 0:
                lease._budget.running.give()

    def outcome(self) -> Any:
        error = self.error
        if error is not None:
            self.error = None
            try:
                raise error
            finally:
                del error
        result = self.result
        self.result = None
        return result


def _no_wake(func: Callable[..., Any]) -> None:
    raise RuntimeError("A job was run without an event loop to report to.")


class _Worker:
    """A thread that runs the jobs put in its inbox, one at a time, in order."""

    __slots__ = ("inbox", "pool", "thread")

    def __init__(self, pool: WorkerPool) -> None:
        self.pool = pool
        self.inbox: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self.thread = threading.Thread(
            target=self._work, name=f"{pool.name}-{pool.started}", daemon=True
        )

    def _work(self) -> None:
        _local.worker = self
        inbox = self.inbox
        pool = self.pool
        while True:
            try:
                job = inbox.get(timeout=pool.idle_seconds)
            except queue.Empty:
                if pool.retire(self):
                    return
                continue  # taken just as the wait ended: a job is on its way
            self.execute(job)
            job = None  # type: ignore[assignment]

    def execute(self, job: _Job) -> None:
        """Run one job (unless it was dropped) and report its outcome to its loop."""
        with self.pool.lock:
            run = job.state == _QUEUED
            job.state = _STARTED
        if not run:
            return
        outer = _local.job
        _local.job = job
        try:
            job.result = job.context.run(job.func, *job.args)
        except BaseException as e:
            job.error = e
        finally:
            _local.job = outer
        # A closed event loop raises RuntimeError: nobody waits for this any more.
        with contextlib.suppress(RuntimeError):
            job.wake(job.settle)
        # A failed call's traceback keeps this frame: it must not keep the job too.
        del job

    def wait_serving(self) -> None:
        """Block until woken up by ``_WAKE_UP``, running the jobs that arrive meanwhile.

        While this thread waits for a coroutine on the loop (``ensure_sync``), that
        coroutine may call sync code of the same request, which must run here.
        """
        inbox = self.inbox
        while True:
            job = inbox.get()
            if job is _WAKE_UP:
                return
            self.execute(job)


class _ThreadState(threading.local):
    worker: _Worker | None = None
    job: _Job | None = None


_local = _ThreadState()
#: Put in a waiting worker's inbox when what it waits for is done.
_WAKE_UP: Any = object()


class WorkerPool:
    """Threads that are not leased, ready for the next lease; idle ones retire."""

    def __init__(self, name: str, idle_seconds: float = 10.0) -> None:
        self.name = name
        self.idle_seconds = idle_seconds
        self.lock = threading.Lock()
        self.idle: list[_Worker] = []
        self.started = 0
        self.alive = 0

    # ``list.pop``, ``append`` and ``remove`` are atomic: taking and giving back need no lock.

    def take(self) -> _Worker:
        """An idle worker, or a new one."""
        try:
            return self.idle.pop()
        except IndexError:
            pass
        with self.lock:
            self.started += 1
            self.alive += 1
        worker = _Worker(self)
        try:
            worker.thread.start()
        except RuntimeError:
            with self.lock:
                self.alive -= 1
            raise
        return worker

    def give_back(self, worker: _Worker) -> None:
        """Return a worker whose lease ended."""
        self.idle.append(worker)

    def retire(self, worker: _Worker) -> bool:
        """Whether an idle worker may exit (it was not taken meanwhile)."""
        try:
            self.idle.remove(worker)
        except ValueError:
            return False
        with self.lock:
            self.alive -= 1
        return True

    def drop(self, job: _Job) -> bool:
        """Take back a job that has not started; False when it already runs (or ran)."""
        with self.lock:
            if job.state != _QUEUED:
                return False
            job.state = _DROPPED
            return True


class Lease:
    """One worker thread, held by one request (or websocket) from its first sync call to its end."""

    __slots__ = ("_budget", "_loop", "_pending", "_runner", "_worker", "released")

    def __init__(
        self,
        runner: SyncRunner,
        budget: _Budget,
        worker: _Worker,
        loop: asyncio.AbstractEventLoop | None,
    ) -> None:
        self._runner = runner
        self._budget = budget
        self._worker = worker
        self._loop = loop
        #: Pipeline calls in flight: the thread holds one share of the running budget
        #: while there are any.
        self._pending = 0
        self.released = False

    @property
    def thread(self) -> threading.Thread:
        """The leased thread."""
        return self._worker.thread

    async def run(self, func: Callable[..., T], *args: Any, pipeline: bool = True) -> T:
        """Call ``func(*args)`` on the leased thread, seeing the caller's context variables.

        ``pipeline`` work takes a share of ``SYNC_THREAD_LIMIT`` while it runs;
        iterating a streamed body does not. If the caller is cancelled, a call that
        has not started is dropped, and one that has started finishes first, so
        nothing else touches its objects meanwhile.
        """
        if self.released:
            raise RuntimeError("This thread lease has ended.")
        job = _Job(func, args)
        if pipeline:
            if self._pending == 0:
                slots = self._budget.running
                if slots.free > 0 and not slots.waiters:
                    slots.free -= 1
                else:
                    await slots.take()
                    if self._pending:  # another call of this lease took the share meanwhile
                        slots.give()
            self._pending += 1
            job.lease = self
        self._runner.hops += 1
        loop = self._loop
        waiting = self._run_asyncio(job, loop) if loop is not None else self._run_other(job)
        del job  # a failed call's traceback keeps this frame, which must not keep the job
        return await waiting  # type: ignore[no-any-return]

    async def _run_asyncio(self, job: _Job, loop: asyncio.AbstractEventLoop) -> Any:
        future = job.future = loop.create_future()
        job.loop = loop
        job.wake = loop.call_soon_threadsafe
        self._worker.inbox.put(job)
        try:
            return await future
        except asyncio.CancelledError:
            if job.done or self._dropped(job):
                raise
            waiter = job.waiter = loop.create_future()
            while not waiter.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.shield(waiter)
            raise
        finally:
            # The error raised here keeps this frame; the future it came from must go.
            del job, future

    async def _run_other(self, job: _Job) -> Any:
        event = job.waiter = anyio.Event()
        token = job.loop = current_token()

        def wake(func: Callable[[], None]) -> None:
            anyio.from_thread.run_sync(func, token=token)

        job.wake = wake
        self._worker.inbox.put(job)
        try:
            await event.wait()
        except anyio.get_cancelled_exc_class():
            if not job.done and not self._dropped(job):
                with anyio.CancelScope(shield=True):
                    await event.wait()
            raise
        return job.outcome()

    def _dropped(self, job: _Job) -> bool:
        if self._runner.pool.drop(job):
            job._free_share()
            return True
        return False

    async def iterate(self, iterable: Iterable[T]) -> AsyncIterator[T]:
        """Iterate a sync iterable on the leased thread, one item per hop.

        Iterating holds no share of ``SYNC_THREAD_LIMIT``: a generator may wait in
        sync code for its next item for as long as it likes.
        """
        iterator: Iterator[T] = iter(iterable)
        while True:
            item = await self.run(next, iterator, _STOP, pipeline=False)
            if item is _STOP:
                return
            yield item

    def release(self) -> None:
        """Give the thread back; call it once the request's last sync call has returned."""
        if self.released:
            return
        self.released = True
        self._runner.pool.give_back(self._worker)
        loop = self._loop
        if loop is None or _running_loop() is loop:
            self._budget.leases.give()
        else:
            # Released from another thread (a plain ``with`` context popped elsewhere).
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._budget.leases.give)


class SyncRunner:
    """Leases worker threads to requests, within the app's two thread budgets.

    ``thread_limit`` (``SYNC_THREAD_LIMIT``) bounds threads running pipeline work
    at once; ``lease_limit`` (``SYNC_LEASE_LIMIT``) bounds threads leased at all.
    Threads start on demand and retire after ``idle_seconds`` unleased, so an app
    without sync code starts none.
    """

    def __init__(
        self, thread_limit: int, lease_limit: int | None = None, idle_seconds: float = 10.0
    ) -> None:
        if thread_limit < 1:
            raise ValueError(f"SYNC_THREAD_LIMIT must be at least 1, not {thread_limit}.")
        if lease_limit is None:
            lease_limit = max(thread_limit, 1000)
        if lease_limit < 1:
            raise ValueError(f"SYNC_LEASE_LIMIT must be at least 1, not {lease_limit}.")
        self.thread_limit = thread_limit
        self.lease_limit = lease_limit
        self.pool = WorkerPool("asyncflask-sync", idle_seconds)
        #: Calls handed to threads so far (one hop each), for measurements.
        self.hops = 0
        self._budgets: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Budget] = (
            weakref.WeakKeyDictionary()
        )
        self._last: tuple[asyncio.AbstractEventLoop | None, _Budget | None] = (None, None)
        self._run_budget: RunVar[_Budget] = RunVar(f"asyncflask.threads.{id(self)}")

    @property
    def total_tokens(self) -> int:
        """``thread_limit``, by its older name."""
        return self.thread_limit

    def budget(self) -> _Budget:
        """This runner's budget on the running event loop."""
        loop = _running_loop()
        if loop is not None:
            last_loop, budget = self._last
            if last_loop is loop and budget is not None:
                return budget
            budget = self._budgets.get(loop)
            if budget is None:
                budget = self._budgets[loop] = _Budget(self.thread_limit, self.lease_limit)
            self._last = (loop, budget)
            return budget
        try:
            return self._run_budget.get()
        except LookupError:
            budget = _Budget(self.thread_limit, self.lease_limit)
            self._run_budget.set(budget)
            return budget

    async def lease(self) -> Lease:
        """Lease a thread, waiting while ``lease_limit`` threads are leased."""
        budget = self.budget()
        slots = budget.leases
        if slots.free > 0 and not slots.waiters:
            slots.free -= 1
        else:
            await slots.take()
        try:
            worker = self.pool.take()
        except BaseException:
            slots.give()
            raise
        return Lease(self, budget, worker, _running_loop())

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """Call ``func(*args)`` on a thread leased for this call only."""
        lease = await self.lease()
        try:
            return await lease.run(func, *args)
        finally:
            lease.release()

    async def call(self, func: Callable[..., Any], *args: Any) -> Any:
        """Await ``func(*args)`` if it is async, else run it on a thread leased for the call."""
        from .concurrency import is_async_callable

        if is_async_callable(func):
            return await func(*args)
        return await self.run(func, *args)

    async def iterate(self, iterable: Iterable[T]) -> AsyncIterator[T]:
        """Iterate a sync iterable on one thread leased for the whole iteration."""
        lease = await self.lease()
        try:
            async for item in lease.iterate(iterable):
                yield item
        finally:
            lease.release()


_spawned: set[asyncio.Task[Any]] = set()


def call_async_blocking(func: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
    """Run ``func(*args, **kwargs)`` to completion from sync code and return its result.

    On a request's thread the coroutine runs on the request's event loop, seeing the
    caller's context variables, and the thread keeps running the request's sync calls
    meanwhile (the coroutine may make some). On a thread with no event loop, it runs on
    a new one. On the event loop's own thread it cannot block, and raises RuntimeError.
    """
    job = _local.job
    worker = _local.worker
    if job is None or worker is None:
        try:
            current_token()
        except RuntimeError:
            return anyio.run(functools.partial(func, *args, **kwargs))
        raise RuntimeError(
            f"{func!r} cannot be called synchronously on the event loop's thread:"
            " it would block the loop. Await it instead."
        )
    context = contextvars.copy_context()
    outcome: list[Any] = [None, None]

    async def run() -> None:
        try:
            outcome[0] = await func(*args, **kwargs)
        except BaseException as e:
            outcome[1] = e
            if isinstance(e, anyio.get_cancelled_exc_class()):
                raise
        finally:
            worker.inbox.put(_WAKE_UP)

    loop = job.loop
    if isinstance(loop, asyncio.AbstractEventLoop):

        def start() -> None:
            task = loop.create_task(run())
            _spawned.add(task)
            task.add_done_callback(_spawned.discard)

        loop.call_soon_threadsafe(start, context=context)
    else:
        import trio.lowlevel

        def spawn() -> None:
            trio.lowlevel.spawn_system_task(run, context=context)

        anyio.from_thread.run_sync(spawn, token=loop)
    worker.wait_serving()
    result, error = outcome
    if error is not None:
        outcome.clear()
        try:
            raise error
        finally:
            del error
    return result  # type: ignore[no-any-return]


__all__ = ["Lease", "SyncRunner", "WorkerPool", "call_async_blocking"]
