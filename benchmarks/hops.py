"""Count thread hops: the calls a request hands to a worker thread and waits for.

In-process, one request at a time, a hop cannot overlap with anything, so hops per request
explain most of a sync endpoint's cost. Each framework's hops are counted where they start:

- asyncflask counts its own: every call run on a request's leased thread adds one to
  ``app._sync.hops``;
- anyio's worker threads (``anyio.to_thread.run_sync``, and Starlette's and FastAPI's
  ``run_in_threadpool`` on top of it) are counted by wrapping the asyncio backend's entry
  point, which every caller goes through however it imported anyio;
- executors (``loop.run_in_executor``, which Quart's ``run_sync`` uses) are counted by
  wrapping ``ThreadPoolExecutor.submit``.

The wrappers are installed only while counting, never while timing. Only the asyncio
backend is wrapped, the one the in-process mode runs on.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any


class HopCounter:
    """Hops handed to anyio's worker threads or to an executor while counting."""

    def __init__(self) -> None:
        self.calls = 0


@contextmanager
def counting_hops() -> Iterator[HopCounter]:
    """Count every call sent to an anyio worker thread or a ``ThreadPoolExecutor``."""
    # Private, but the one place every anyio worker-thread call on asyncio passes through.
    from anyio._backends._asyncio import AsyncIOBackend

    counter = HopCounter()
    original_anyio = AsyncIOBackend.__dict__["run_sync_in_worker_thread"]
    original_submit = ThreadPoolExecutor.submit

    async def run_sync_in_worker_thread(cls: type, *args: Any, **kwargs: Any) -> Any:
        counter.calls += 1
        return await original_anyio.__func__(cls, *args, **kwargs)

    def submit(self: ThreadPoolExecutor, *args: Any, **kwargs: Any) -> Any:
        counter.calls += 1
        return original_submit(self, *args, **kwargs)

    AsyncIOBackend.run_sync_in_worker_thread = classmethod(run_sync_in_worker_thread)  # type: ignore[method-assign,assignment]
    ThreadPoolExecutor.submit = submit  # type: ignore[method-assign,assignment]
    try:
        yield counter
    finally:
        AsyncIOBackend.run_sync_in_worker_thread = original_anyio  # type: ignore[method-assign]
        ThreadPoolExecutor.submit = original_submit  # type: ignore[method-assign]


def own_hops(app: object) -> int:
    """The hops an asyncflask app counted so far (0 for any other app)."""
    try:
        from asyncflask import Flask
    except ImportError:
        return 0
    if not isinstance(app, Flask):
        return 0
    return app._sync.hops
