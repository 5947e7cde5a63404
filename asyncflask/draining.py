"""Ending open event streams and websockets when the server stops.

Servers wait for open responses before they shut down, and an event stream or
a websocket never ends by itself. ``app.run()`` and ``asyncflask run`` call
``OpenStreams.stop_all`` when the server begins to stop: event streams end after
the event being sent (their sources are closed) and websockets close with 1001.
"""

from __future__ import annotations

from typing import Protocol

import anyio


class Stoppable(Protocol):
    """Something long-lived the server must end before it can stop."""

    def stop(self) -> None:
        """Begin ending; the owner's own task finishes the job."""


class OpenStreams:
    """The event streams and websockets an app is serving right now."""

    def __init__(self) -> None:
        self._open: set[Stoppable] = set()
        self.stopping = False

    def add(self, item: Stoppable) -> None:
        """Track ``item`` until ``discard``; one added while stopping is stopped at once."""
        self._open.add(item)
        if self.stopping:
            item.stop()

    def discard(self, item: Stoppable) -> None:
        """Stop tracking ``item`` (it has ended)."""
        self._open.discard(item)

    def __len__(self) -> int:
        return len(self._open)

    async def stop_all(self, timeout: float = 5.0) -> None:
        """Stop every open stream and websocket; wait up to ``timeout`` seconds for them to end."""
        self.stopping = True
        for item in list(self._open):
            item.stop()
        with anyio.move_on_after(timeout):
            while self._open:
                await anyio.sleep(0.01)

    def resume(self) -> None:
        """Accept long-lived streams again (after a stop, when serving restarts)."""
        self.stopping = False


__all__ = ["OpenStreams", "Stoppable"]
