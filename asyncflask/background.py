"""Background tasks: work a view hands off, run once its response has been sent.

Where the tasks run: while the app is served with a lifespan (a server's, or
``async with app.test_client()``), in a task group the lifespan holds open, so
a response never waits for them and shutdown waits for them (up to
``BACKGROUND_TASK_SHUTDOWN_TIMEOUT``) then cancels the rest. Without a
lifespan (``uvicorn --lifespan off``, or a test client used without ``async
with``), at the end of the request's own ASGI call, after the response is
complete: the server keeps that call's task until they finish.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import anyio
import anyio.from_thread
from anyio.abc import TaskGroup
from anyio.lowlevel import EventLoopToken, RunVar, current_token

from .concurrency import is_async_callable
from .globals import _cv_context

if TYPE_CHECKING:
    from .app import Flask

#: Where tasks a background task adds are started: the group running it.
_cv_group: contextvars.ContextVar[TaskGroup | None] = contextvars.ContextVar(
    "asyncflask.background_group", default=None
)
_PENDING = "_background_tasks"


def _describe(call: Callable[..., Any]) -> str:
    func = call.func if isinstance(call, functools.partial) else call
    return getattr(func, "__qualname__", None) or repr(func)


async def _run_in_daemon_thread(call: Callable[[], Any], limiter: anyio.CapacityLimiter) -> None:
    """Run a sync task in a thread of its own that shutdown can stop waiting for.

    A thread cannot be cancelled; a cancelled wait leaves it to finish on its
    own. The thread is a daemon so that it never keeps the process alive.
    """
    async with limiter:
        done = anyio.Event()
        token = current_token()
        context = contextvars.copy_context()
        errors: list[BaseException] = []

        def work() -> None:
            try:
                context.run(call)
            except BaseException as e:
                errors.append(e)
            finally:
                # Once the event loop has ended, nobody waits for this any more.
                with contextlib.suppress(Exception):
                    anyio.from_thread.run_sync(done.set, token=token)

        threading.Thread(target=work, name="asyncflask-background", daemon=True).start()
        await done.wait()
        if errors:
            raise errors[0]


class BackgroundTasks:
    """Starts, tracks and, at shutdown, waits for or cancels an app's background tasks."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._host: TaskGroup | None = None
        self._host_token: EventLoopToken | None = None
        self._running: set[anyio.CancelScope] = set()
        self._scheduled = 0
        self._limiter: RunVar[anyio.CapacityLimiter] = RunVar(f"asyncflask.background.{id(self)}")

    @property
    def running(self) -> int:
        """How many background tasks are scheduled or running now."""
        return self._scheduled

    def _start(self, group: TaskGroup, call: Callable[..., Any]) -> None:
        self._scheduled += 1
        group.start_soon(self._run, call, group)

    def add(self, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """Schedule ``func(*args, **kwargs)``: after the current response, or now outside one."""
        if not callable(func):
            raise TypeError(f"A background task must be callable, not {type(func).__name__}.")
        call = functools.partial(func, *args, **kwargs)
        ctx = _cv_context.get(None)
        owner = None if ctx is None else (ctx.request or ctx.websocket)
        if owner is not None:
            pending = owner.__dict__.setdefault(_PENDING, [])
            if pending is not None:
                pending.append(call)
                return
        group = _cv_group.get() or self._usable_host()
        if group is None:
            raise RuntimeError(
                "There is nowhere to run this background task: call add_background_task()"
                " from a view, a hook or an error handler, or from async code while the app"
                " is served with a lifespan (or inside `async with app.test_client()`)."
            )
        self._start(group, call)

    def _usable_host(self) -> TaskGroup | None:
        if self._host is None:
            return None
        try:
            token = current_token()
        except RuntimeError:
            return None  # a worker thread, not the event loop
        return self._host if token == self._host_token else None

    async def run_pending(self, owner: Any) -> None:
        """Start the tasks a request (or websocket) added, now that its response is complete."""
        pending: list[Callable[..., Any]] | None = owner.__dict__.get(_PENDING)
        owner.__dict__[_PENDING] = None  # later additions start at once
        if not pending:
            return
        host = self._usable_host()
        if host is not None:
            for call in pending:
                self._start(host, call)
            return
        async with anyio.create_task_group() as tg:
            for call in pending:
                self._start(tg, call)

    async def _run(self, call: Callable[..., Any], group: TaskGroup) -> None:
        _cv_group.set(group)
        app = self.app
        with anyio.CancelScope() as scope:
            self._running.add(scope)
            try:
                async with app.app_context():
                    if is_async_callable(call):
                        await call()
                    else:
                        await _run_in_daemon_thread(call, self._thread_limiter())
            except Exception as e:
                app.logger.error("Background task %s failed", _describe(call), exc_info=e)
            finally:
                self._running.discard(scope)
                self._scheduled -= 1

    def _thread_limiter(self) -> anyio.CapacityLimiter:
        try:
            return self._limiter.get()
        except LookupError:
            limiter = anyio.CapacityLimiter(int(self.app.config["SYNC_THREAD_LIMIT"]))
            self._limiter.set(limiter)
            return limiter

    async def drain(self, timeout: float | None = None) -> None:
        """Wait up to ``timeout`` seconds for running tasks (default from config), then cancel."""
        if timeout is None:
            timeout = float(self.app.config["BACKGROUND_TASK_SHUTDOWN_TIMEOUT"])
        with anyio.move_on_after(timeout):
            while self._scheduled:
                await anyio.sleep(0.01)
        if not self._scheduled:
            return
        self.app.logger.warning(
            "Cancelling %d background task(s) still running after %s seconds",
            self._scheduled,
            timeout,
        )
        if self._host is not None:
            self._host.cancel_scope.cancel()
        for scope in list(self._running):
            scope.cancel()

    @asynccontextmanager
    async def hosting(self) -> AsyncIterator[None]:
        """Hold the task group background tasks run in; on exit, drain them."""
        error: BaseException | None = None
        async with anyio.create_task_group() as tg:
            previous = self._host, self._host_token
            self._host, self._host_token = tg, current_token()
            try:
                yield
                await self.drain()
            except BaseException as e:
                # Raised again below, as itself: through the task group it would be
                # wrapped in an exception group.
                error = e
                tg.cancel_scope.cancel()
            finally:
                self._host, self._host_token = previous
        if error is not None:
            try:
                raise error
            finally:
                error = None


__all__ = ["BackgroundTasks"]
