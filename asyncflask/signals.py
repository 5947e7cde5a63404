"""Signals sent during the life of an application, through blinker.

Connect a receiver for one application with ``request_started.connect(f, app)``
or ``@request_finished.connect_via(app)``. The sender is always the application.

Receivers may be ``def`` or ``async def``. The request pipeline awaits async
receivers on the event loop and runs sync ones the way it runs sync hooks (in
the request's worker thread, with the request context). Signals sent from sync
code (``flash()``, rendering a template, ``with app.app_context()``) call sync
receivers directly and async ones through ``app.ensure_sync``.

Nothing is sent, and nothing paid, for a signal nobody listens to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from blinker import Namespace, Signal

from .concurrency import is_async_callable

if TYPE_CHECKING:
    from .app import Flask

_signals = Namespace()

#: Sent after a template is rendered, with ``template`` and ``context``.
template_rendered = _signals.signal("template-rendered")
#: Sent before a template is rendered, with ``template`` and ``context`` (still editable).
before_render_template = _signals.signal("before-render-template")
#: Sent when a request starts, before the ``before_request`` hooks.
request_started = _signals.signal("request-started")
#: Sent once the response is ready (after ``after_request`` hooks), with ``response``.
request_finished = _signals.signal("request-finished")
#: Sent when the request context is torn down, with ``exc`` (the error or None).
request_tearing_down = _signals.signal("request-tearing-down")
#: Sent when an unhandled exception reaches the app, with ``exception``, before it is logged.
got_request_exception = _signals.signal("got-request-exception")
#: Sent when an application context is torn down, with ``exc``.
appcontext_tearing_down = _signals.signal("appcontext-tearing-down")
#: Sent when an application context is pushed (for each request too).
appcontext_pushed = _signals.signal("appcontext-pushed")
#: Sent when an application context is popped, after its teardown.
appcontext_popped = _signals.signal("appcontext-popped")
#: Sent by ``flash()``, with ``message`` and ``category``.
message_flashed = _signals.signal("message-flashed")
#: Sent when a websocket view is about to run, before the ``before_websocket`` hooks.
websocket_started = _signals.signal("websocket-started")
#: Sent after a websocket view and its ``after_websocket`` hooks, with ``response``.
websocket_finished = _signals.signal("websocket-finished")
#: Sent when a websocket connection is torn down, with ``exc``.
websocket_tearing_down = _signals.signal("websocket-tearing-down")
#: Sent when a websocket view raises an exception it does not handle, with ``exception``.
got_websocket_exception = _signals.signal("got-websocket-exception")


def _deliver(
    receivers: tuple[Callable[..., Any], ...], sender: Any, kwargs: dict[str, Any]
) -> None:
    # Module level, so the app's sync/async cache sees one callable, not one per send.
    for receiver in receivers:
        receiver(sender, **kwargs)


async def notify(signal: Signal, app: Flask, **kwargs: Any) -> None:
    """Send ``signal`` from async framework code: await async receivers, run sync ones as hooks.

    Consecutive sync receivers run in one hop to the request's thread. Callers guard
    with ``if signal.receivers:`` so an unused signal costs one check.
    """
    if signal.is_muted:
        return
    pending: list[Callable[..., Any]] = []
    for receiver in list(signal.receivers_for(app)):
        # Not the app's cache: it would keep weakly connected receivers alive.
        if is_async_callable(receiver):
            if pending:
                await app._call(_deliver, tuple(pending), app, kwargs)
                pending.clear()
            await receiver(app, **kwargs)
        else:
            pending.append(receiver)
    if pending:
        await app._call(_deliver, tuple(pending), app, kwargs)


def notify_sync(signal: Signal, app: Flask, **kwargs: Any) -> None:
    """Send ``signal`` from sync code: sync receivers are called, async ones via ``ensure_sync``."""
    signal.send(app, _async_wrapper=app.ensure_sync, **kwargs)


__all__ = [
    "Namespace",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "got_request_exception",
    "got_websocket_exception",
    "message_flashed",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "template_rendered",
    "websocket_finished",
    "websocket_started",
    "websocket_tearing_down",
]
