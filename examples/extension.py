"""A small extension written the Flask way, with an ``init_app`` method.

Create it once at import time, bind it to each app in the app's factory::

    counter = RequestCounter()

    def create_app():
        app = Flask(__name__)
        counter.init_app(app)
        return app

It keeps its per-app state in ``app.extensions``, reads its settings from
``app.config``, adds a response hook and listens to a signal for that app
only. Nothing in it is specific to asyncflask.
"""

from __future__ import annotations

from typing import Any

from asyncflask import Flask, current_app
from asyncflask.signals import got_request_exception


class _CounterState:
    """What the extension keeps for one app."""

    def __init__(self) -> None:
        self.requests = 0
        self.errors = 0


class RequestCounter:
    """Count an app's requests and unhandled errors; show the count in a response header."""

    def __init__(self, app: Flask | None = None) -> None:
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Bind the extension to ``app`` (it may serve several apps)."""
        app.config.setdefault("REQUEST_COUNTER_HEADER", "X-Request-Count")
        app.extensions["request_counter"] = _CounterState()
        app.after_request(self._count)
        got_request_exception.connect(self._count_error, app, weak=False)

    @staticmethod
    def _state(app: Any = None) -> _CounterState:
        state: _CounterState = (app or current_app).extensions["request_counter"]
        return state

    async def _count(self, response: Any) -> Any:
        # An async hook runs on the event loop, so the increment needs no lock.
        state = self._state()
        state.requests += 1
        response.headers[current_app.config["REQUEST_COUNTER_HEADER"]] = str(state.requests)
        return response

    async def _count_error(self, sender: Flask, exception: BaseException, **extra: Any) -> None:
        self._state(sender).errors += 1

    @property
    def requests(self) -> int:
        """Requests the current app has answered."""
        return self._state().requests

    @property
    def errors(self) -> int:
        """Unhandled errors the current app has seen."""
        return self._state().errors
