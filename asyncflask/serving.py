"""Serving an app from Python code (``app.run()``, ``asyncflask run``) with uvicorn.

The server used here ends open event streams and websockets (close code 1001)
as soon as it begins to stop, so SIGINT or SIGTERM stops it within seconds
even with clients connected; a plain ``uvicorn`` waits for them instead, up to
its ``--timeout-graceful-shutdown``.
"""

from __future__ import annotations

import contextlib
import socket
from typing import TYPE_CHECKING, Any

import uvicorn

if TYPE_CHECKING:
    from .app import Flask

#: Seconds uvicorn waits for other open responses and tasks when stopping, unless told.
GRACEFUL_SHUTDOWN_TIMEOUT = 5
#: Seconds to wait for event streams and websockets to end after they are told to.
STREAMS_STOP_TIMEOUT = 3


def find_app(asgi_app: Any) -> Flask | None:
    """The asyncflask app inside ``asgi_app`` and the middleware the server wrapped it in."""
    from .app import Flask

    for _ in range(16):
        if isinstance(asgi_app, Flask):
            return asgi_app
        asgi_app = getattr(asgi_app, "app", None)
        if asgi_app is None:
            return None
    return None


class Server(uvicorn.Server):
    """A uvicorn server that ends the app's event streams and websockets when it stops."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        app = find_app(self.config.loaded_app)
        if app is not None:
            app._realtime.resume()
        await super().startup(sockets)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        app = find_app(getattr(self.config, "loaded_app", None))
        if app is None:
            await super().shutdown(sockets)
            return
        await app._realtime.stop_all(STREAMS_STOP_TIMEOUT)
        try:
            await super().shutdown(sockets)
        finally:
            app._realtime.resume()  # the app may be served again, or used in-process


def serve(app: Flask | str, **options: Any) -> None:
    """Serve ``app`` (an app or an import string) with uvicorn's options until stopped.

    ``reload=True`` needs an import string. With ``workers`` above 1, uvicorn's
    own servers run, and open event streams delay a stop by up to
    ``timeout_graceful_shutdown`` seconds.
    """
    options.setdefault("timeout_graceful_shutdown", GRACEFUL_SHUTDOWN_TIMEOUT)
    config = uvicorn.Config(app, **options)
    if config.workers > 1 or (config.reload and not isinstance(app, str)):
        uvicorn.run(app, **options)
        return
    server = Server(config)
    if config.should_reload:
        from uvicorn.supervisors import ChangeReload

        sock = config.bind_socket()
        ChangeReload(config, target=server.run, sockets=[sock]).run()
        return
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the SIGINT it handled
        server.run()


def run_app(
    app: Flask,
    host: str | None = None,
    port: int | None = None,
    debug: bool | None = None,
    **options: Any,
) -> None:
    """Serve ``app`` with uvicorn until interrupted.

    ``host`` defaults to 127.0.0.1 and ``port`` to 5000, or to the parts of
    ``SERVER_NAME`` when it is set. Other keyword arguments go to uvicorn.
    In production, run ``uvicorn module:app`` instead.
    """
    if debug is not None:
        app.debug = debug
    server_name = app.config.get("SERVER_NAME") or ""
    name, _, server_port = server_name.partition(":")
    host = host or name or "127.0.0.1"
    port = port or (int(server_port) if server_port.isdigit() else 5000)
    options.setdefault("log_level", "debug" if app.debug else "info")
    serve(app, host=host, port=port, **options)


__all__ = ["GRACEFUL_SHUTDOWN_TIMEOUT", "Server", "find_app", "run_app", "serve"]
