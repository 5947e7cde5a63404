"""The event loop behind the blocking test client: one daemon thread per anyio backend.

Every blocking client in the process hands its requests to the same loop, so no
request pays for a new event loop. The thread is a daemon, stopped when the
interpreter exits: a client left open never keeps the process alive.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar, cast

import anyio
from anyio.from_thread import BlockingPortal

T = TypeVar("T")

_lock = threading.Lock()
_loops: dict[str, _LoopThread] = {}
_exit_hook_registered = False


class _LoopThread:
    """An event loop running in a daemon thread, reachable through a blocking portal."""

    def __init__(self, backend: str) -> None:
        self.backend = backend
        self.portal: BlockingPortal | None = None
        self.error: BaseException | None = None
        self._ready = threading.Event()
        self.thread = threading.Thread(
            target=self._run, name=f"asyncflask-test-loop-{backend}", daemon=True
        )
        self.thread.start()
        self._ready.wait()
        if self.portal is None:
            raise RuntimeError(f"The {backend!r} event loop could not start.") from self.error

    def _run(self) -> None:
        try:
            anyio.run(self._serve, backend=self.backend)
        except BaseException as e:
            self.error = e
        finally:
            self._ready.set()

    async def _serve(self) -> None:
        async with BlockingPortal() as portal:
            self.portal = portal
            self._ready.set()
            await portal.sleep_until_stopped()

    def alive(self) -> bool:
        return self.portal is not None and self.thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        """Cancel what still runs on the loop and end the thread (waits up to ``timeout``)."""
        portal = self.portal
        if portal is None or not self.thread.is_alive():
            return
        with contextlib.suppress(RuntimeError, FutureTimeout, anyio.ClosedResourceError):
            portal.start_task_soon(portal.stop, True).result(timeout)
        self.thread.join(timeout)


def get_portal(backend: str = "asyncio") -> BlockingPortal:
    """The portal of the shared test event loop for ``backend`` (started on first use)."""
    global _exit_hook_registered
    with _lock:
        loop = _loops.get(backend)
        if loop is None or not loop.alive():
            loop = _loops[backend] = _LoopThread(backend)
            if not _exit_hook_registered:
                _register_exit_hook()
                _exit_hook_registered = True
        portal = loop.portal
    if portal is None:
        raise RuntimeError(f"The {backend!r} test event loop has stopped.")
    return portal


async def _outcome(func: Callable[..., Awaitable[T]], *args: Any) -> tuple[bool, Any]:
    try:
        return True, await func(*args)
    except anyio.get_cancelled_exc_class():
        raise
    except BaseException as e:
        # Handed over as a value: a KeyboardInterrupt or SystemExit raised by a view
        # must reach the test, not end the shared event loop.
        return False, e


def call_blocking(portal: BlockingPortal, func: Callable[..., Awaitable[T]], *args: Any) -> T:
    """``portal.call(func, *args)``, with every exception raised in the calling thread."""
    ok, value = portal.call(_outcome, func, *args)
    if ok:
        return cast(T, value)
    try:
        raise value
    finally:
        del value


def stop_portals() -> None:
    """Stop every shared test event loop (done automatically at interpreter exit)."""
    with _lock:
        loops = list(_loops.values())
        _loops.clear()
    for loop in loops:
        loop.stop()


def _register_exit_hook() -> None:
    # threading's own exit hooks run before the interpreter waits for non-daemon
    # threads, so worker threads the loop started are told to finish in time.
    register = getattr(threading, "_register_atexit", None)
    if register is not None:
        try:
            register(stop_portals)
            return
        except RuntimeError:
            pass
    atexit.register(stop_portals)


__all__ = ["call_blocking", "get_portal", "stop_portals"]
