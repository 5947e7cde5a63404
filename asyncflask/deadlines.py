"""Time limits on awaiting the client, such as ``BODY_TIMEOUT`` for request bodies.

Every request with a body is read under a time limit. A timer per request (or an
anyio cancel scope) costs microseconds on the hot path; on asyncio one recurring
check per event loop watches all reads in progress instead, and cancels the task
of a read that is past its deadline (noticed within ``CHECK_INTERVAL`` seconds).
"""

from __future__ import annotations

import asyncio
import sys
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio

_get_running_loop = asyncio.get_running_loop
_current_task = asyncio.current_task

T = TypeVar("T")

#: How often the reads in progress are checked: a deadline may be noticed this late.
CHECK_INTERVAL = 0.25


class DeadlineWatch:
    """The timed awaits in progress on one asyncio event loop, checked by one timer."""

    __slots__ = ("__weakref__", "armed", "expired", "loop", "pending")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.pending: dict[asyncio.Task[Any], float] = {}
        self.expired: set[asyncio.Task[Any]] = set()
        self.armed = False

    def watch(self, task: asyncio.Task[Any], timeout: float) -> None:
        """Cancel ``task`` if it is still watched ``timeout`` seconds from now."""
        self.pending[task] = self.loop.time() + timeout
        if not self.armed:
            self.armed = True
            self.loop.call_later(CHECK_INTERVAL, self._check)

    def _check(self) -> None:
        now = self.loop.time()
        for task, deadline in list(self.pending.items()):
            if deadline <= now:
                del self.pending[task]
                self.expired.add(task)
                task.cancel()
        if self.pending:
            self.loop.call_later(CHECK_INTERVAL, self._check)
        else:
            self.armed = False


_watches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, DeadlineWatch] = (
    weakref.WeakKeyDictionary()
)
# The watch used last: a server runs one loop per process, so this saves the weak
# dictionary lookup on nearly every call. A weak reference keeps closed loops collectable.
_last_watch: weakref.ref[DeadlineWatch] | None = None


def _watch_for(loop: asyncio.AbstractEventLoop) -> DeadlineWatch:
    global _last_watch
    watch = _last_watch() if _last_watch is not None else None
    if watch is not None and watch.loop is loop:
        return watch
    watch = _watches.get(loop)
    if watch is None:
        watch = _watches[loop] = DeadlineWatch(loop)
    _last_watch = weakref.ref(watch)
    return watch


async def call_with_timeout(func: Callable[[], Awaitable[T]], timeout: float) -> T:
    """Await ``func()``; raise ``TimeoutError`` when it takes longer than ``timeout`` seconds.

    On asyncio (Python 3.11+) the loop's ``DeadlineWatch`` keeps the time; other
    event loops use ``anyio.fail_after``. A cancellation from elsewhere is never
    turned into a timeout.
    """
    if sys.version_info >= (3, 11):
        try:
            loop = _get_running_loop()
        except RuntimeError:
            task = None
        else:
            task = _current_task(loop)
        if task is not None:
            watch = _watch_for(loop)
            watch.watch(task, timeout)
            expired = watch.expired
            try:
                result = await func()
            except asyncio.CancelledError:
                if task in expired:
                    expired.discard(task)
                    if task.uncancel() == 0:
                        raise TimeoutError from None
                raise
            finally:
                watch.pending.pop(task, None)
            if expired and task in expired:
                # The deadline passed just as func() finished: a timeout too, and the
                # cancellation requested for it must not hit the task later.
                expired.discard(task)
                task.uncancel()
                raise TimeoutError
            return result
    with anyio.fail_after(timeout):
        return await func()


__all__ = ["CHECK_INTERVAL", "DeadlineWatch", "call_with_timeout"]
