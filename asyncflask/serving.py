"""Serving an app from Python code (``app.run()``), for development."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import Flask


def run_app(
    app: Flask,
    host: str | None = None,
    port: int | None = None,
    debug: bool | None = None,
    **options: Any,
) -> None:
    """Serve ``app`` with uvicorn until interrupted.

    ``host`` defaults to 127.0.0.1 and ``port`` to 5000, or to the parts of
    ``SERVER_NAME`` when it is set. Other keyword arguments go to ``uvicorn.run``.
    In production, run ``uvicorn module:app`` instead.
    """
    import uvicorn

    if debug is not None:
        app.debug = debug
    server_name = app.config.get("SERVER_NAME") or ""
    name, _, server_port = server_name.partition(":")
    host = host or name or "127.0.0.1"
    port = port or (int(server_port) if server_port.isdigit() else 5000)
    options.setdefault("log_level", "debug" if app.debug else "info")
    uvicorn.run(app, host=host, port=port, **options)


__all__ = ["run_app"]
