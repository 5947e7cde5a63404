"""Serving an app from Python code (``app.run()``), for development."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import Flask


def run_app(
    app: Flask,
    host: str | None = None,
    port: int | None = None,
    debug: bool | None = None,
    load_dotenv: bool = True,
    **options: Any,
) -> None:
    """Serve ``app`` with uvicorn until interrupted.

    ``host`` defaults to 127.0.0.1 and ``port`` to 5000, or to the parts of
    ``SERVER_NAME`` when it is set. With ``load_dotenv``, env files are loaded
    first (see ``asyncflask.cli.load_dotenv``) and ``ASYNCFLASK_DEBUG`` (or
    ``FLASK_DEBUG``) sets debug mode. Other keyword arguments go to ``uvicorn.run``.
    Under the ``asyncflask`` command this does nothing, so a module calling it
    at import time does not start a second server. In production, run
    ``uvicorn module:app`` instead.
    """
    import click
    import uvicorn

    if os.environ.get("ASYNCFLASK_RUN_FROM_CLI") == "true":
        click.secho(
            " * Ignoring a call to 'app.run()' that would block the 'asyncflask' command."
            " Call it only under 'if __name__ == \"__main__\":'.",
            fg="red",
            err=True,
        )
        return
    if load_dotenv:
        from .cli import load_dotenv as load_env_files
        from .helpers import _env_setting, get_debug_flag

        load_env_files()
        if _env_setting("DEBUG") is not None:
            app.debug = get_debug_flag()
    if debug is not None:
        app.debug = debug
    server_name = app.config.get("SERVER_NAME") or ""
    name, _, server_port = server_name.partition(":")
    host = host or name or "127.0.0.1"
    port = port or (int(server_port) if server_port.isdigit() else 5000)
    options.setdefault("log_level", "debug" if app.debug else "info")
    options.setdefault("timeout_graceful_shutdown", 3)
    uvicorn.run(app, host=host, port=port, **options)


__all__ = ["run_app"]
