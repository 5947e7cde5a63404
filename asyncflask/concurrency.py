"""Running sync code off the event loop, with the request's context variables."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from anyio.lowlevel import current_token

from .leases import Lease, SyncRunner


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


__all__ = ["Lease", "SyncRunner", "is_async_callable", "run_blocking"]
