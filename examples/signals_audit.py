"""Signals: an audit trail kept by receivers, and a signal of the app's own.

Run it with ``uvicorn examples.signals_audit:app``. ``audit`` collects one line
per event; in a real app the receivers would write to a log or a queue.
"""

from __future__ import annotations

from typing import Any

from asyncflask import (
    Flask,
    got_request_exception,
    request,
    request_finished,
    request_started,
)
from asyncflask.signals import Namespace

app = Flask(__name__)
audit: list[str] = []

# A signal of the app's own, in a namespace of its own.
app_signals = Namespace()
user_registered = app_signals.signal("user-registered")


@request_started.connect_via(app)
async def on_start(sender: Flask, **extra: Any) -> None:
    # Async receivers are awaited; the request context is active.
    audit.append(f"start {request.method} {request.path}")


@request_finished.connect_via(app)
async def on_finish(sender: Flask, response: Any, **extra: Any) -> None:
    audit.append(f"finish {request.path} {response.status_code}")


@got_request_exception.connect_via(app)
def on_error(sender: Flask, exception: BaseException, **extra: Any) -> None:
    # Sync receivers run like sync hooks: in a worker thread, with the request context.
    audit.append(f"error {type(exception).__name__}")


@user_registered.connect_via(app)
def welcome(sender: Flask, user: str, **extra: Any) -> None:
    audit.append(f"welcome {user}")


@app.post("/register")
def register() -> str:
    name = request.form.get("name", "guest")
    user_registered.send(app, user=name)
    return f"Welcome, {name}!"


@app.get("/boom")
def boom() -> str:
    raise RuntimeError("this view always fails")
