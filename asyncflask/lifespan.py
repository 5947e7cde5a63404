"""The ASGI lifespan protocol: startup and shutdown hooks around serving."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from typing import TYPE_CHECKING, Any

from .typing import Receive, Scope, Send

if TYPE_CHECKING:
    from .app import Flask
    from .leases import Lease

_DONE = object()


class Lifespan:
    """Runs an application's ``before_serving``, ``while_serving`` and ``after_serving`` hooks."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._running: list[AsyncGenerator[Any, None] | Generator[Any, None, None]] = []
        # Sync hooks run on one thread from startup to shutdown, as a request's do.
        self._lease: Lease | None = None

    async def startup(self) -> None:
        """Run ``before_serving`` hooks, then ``while_serving`` generators up to their ``yield``."""
        app = self.app
        ctx = app.app_context()
        async with ctx:
            try:
                for func in app.before_serving_funcs:
                    await app._call(func)
                for func in app.while_serving_funcs:
                    gen = func()
                    self._running.append(gen)
                    if hasattr(gen, "__anext__"):
                        await gen.__anext__()
                    elif await app._call(next, gen, _DONE) is _DONE:
                        raise RuntimeError(f"while_serving function {func!r} did not yield.")
            finally:
                self._lease, ctx._lease = ctx._lease, None

    async def shutdown(self) -> None:
        """Resume ``while_serving`` generators (last first), then run ``after_serving`` hooks."""
        app = self.app
        ctx = app.app_context()
        ctx._lease, self._lease = self._lease, None
        async with ctx:
            errors: list[BaseException] = []
            while self._running:
                gen = self._running.pop()
                try:
                    if hasattr(gen, "__anext__"):
                        await gen.__anext__()
                    elif await app._call(next, gen, _DONE) is _DONE:
                        continue
                except StopAsyncIteration:
                    pass
                except Exception as e:
                    errors.append(e)
                else:
                    errors.append(
                        RuntimeError(f"while_serving function {gen!r} yielded more than once.")
                    )
            for func in app.after_serving_funcs:
                try:
                    await app._call(func)
                except Exception as e:
                    errors.append(e)
            if errors:
                raise errors[0]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the ASGI ``lifespan`` scope."""
        message = await receive()
        if message["type"] != "lifespan.startup":
            return
        try:
            await self.startup()
        except Exception as e:
            self.app.logger.exception("Application startup failed")
            await send({"type": "lifespan.startup.failed", "message": _describe(e)})
            return
        await send({"type": "lifespan.startup.complete"})
        # Background tasks run in a task group held open while the app is served; leaving
        # it waits for them (BACKGROUND_TASK_SHUTDOWN_TIMEOUT) before the shutdown hooks.
        async with self.app._background.hosting():
            message = await receive()
        try:
            await self.shutdown()
        except Exception as e:
            self.app.logger.exception("Application shutdown failed")
            await send({"type": "lifespan.shutdown.failed", "message": _describe(e)})
            return
        await send({"type": "lifespan.shutdown.complete"})


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


__all__ = ["Lifespan"]
