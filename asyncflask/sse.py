"""Server-Sent Events: the event encoder and ``sse()``, a ``text/event-stream`` response.

``encode_event`` is pure (no I/O). ``EventStream`` is the response body: the
sending task iterates the source, and a helper task sends keep-alive comments
while the source is idle, without ever interrupting it.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable
from typing import TYPE_CHECKING, Any

import anyio
from anyio.abc import TaskGroup

from .globals import _cv_context
from .typing import Send

if TYPE_CHECKING:
    from .app import Flask
    from .leases import Lease
    from .wrappers import Response

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
#: Keep-alive comment; proxies and browsers drop idle connections without one.
PING = b": ping\n\n"
_DEFAULT = object()
_EXHAUSTED = object()
Dumps = Callable[[Any], str]


def _check_field(name: str, value: str) -> str:
    if "\r" in value or "\n" in value:
        raise ValueError(
            f"The SSE {name} field must not contain CR or LF characters: {value!r}."
            " Put multi-line text in `data`, which is split into lines."
        )
    if name == "id" and "\0" in value:
        raise ValueError(f"The SSE id field must not contain NUL characters: {value!r}.")
    return value


class ServerSentEvent:
    """One Server-Sent Event.

    ``data`` is text (each line becomes a ``data:`` line) or any other value,
    which is sent as JSON. ``event`` names the event type (``addEventListener``
    in the browser), ``id`` becomes the client's ``Last-Event-ID``, and ``retry``
    is the reconnection delay in milliseconds. ``comment`` adds ``:`` lines that
    clients ignore. CR or LF in ``event`` or ``id`` is a ``ValueError``.
    """

    __slots__ = ("comment", "data", "event", "id", "retry")

    def __init__(
        self,
        data: Any = None,
        event: str | None = None,
        id: str | int | None = None,
        retry: int | None = None,
        *,
        comment: str | None = None,
    ) -> None:
        if event is not None:
            if type(event) is not str and not isinstance(event, str):
                raise TypeError(f"The SSE event field must be a str, not {type(event).__name__}.")
            _check_field("event", event)
        if id is not None:
            if isinstance(id, bool) or not isinstance(id, (str, int)):
                raise TypeError(f"The SSE id field must be a str or int, not {type(id).__name__}.")
            id = _check_field("id", str(id))
        if retry is not None:
            if isinstance(retry, bool) or not isinstance(retry, int):
                raise TypeError(
                    f"The SSE retry field is milliseconds as an int, not {type(retry).__name__}."
                )
            if retry < 0:
                raise ValueError(f"The SSE retry field must not be negative, not {retry}.")
        if comment is not None and not isinstance(comment, str):
            raise TypeError(f"An SSE comment must be a str, not {type(comment).__name__}.")
        self.data = data
        self.event = event
        self.id = id
        self.retry = retry
        self.comment = comment

    def encode(self, dumps: Dumps = json.dumps) -> bytes:
        """The event on the wire, UTF-8 encoded; ``dumps`` turns non-text data into JSON."""
        return encode_event(self, dumps)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ServerSentEvent):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.__slots__)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{name}={getattr(self, name)!r}"
            for name in self.__slots__
            if getattr(self, name) is not None
        )
        return f"ServerSentEvent({fields})"


def encode_event(item: Any, dumps: Dumps = json.dumps) -> bytes:
    """Encode one item of an event source: a ``ServerSentEvent``, ``str`` data or JSON data.

    Fields come as ``event:``, ``id:``, ``retry:`` then one ``data:`` line per
    line of data (``\\r\\n``, ``\\r`` and ``\\n`` all end a line), each line
    ending in ``\\n``, and a blank line ends the event.
    """
    if type(item) is str:
        return _data_lines(item).encode() + b"\n"
    if not isinstance(item, ServerSentEvent):
        item = ServerSentEvent(item)
    parts: list[str] = []
    if item.comment is not None:
        parts.extend(f": {line}\n" for line in _LINE_BREAK.split(item.comment))
    if item.event is not None:
        parts.append(f"event: {item.event}\n")
    if item.id is not None:
        parts.append(f"id: {item.id}\n")
    if item.retry is not None:
        parts.append(f"retry: {item.retry}\n")
    data = item.data
    if data is not None:
        if type(data) is str:
            text = data
        elif isinstance(data, (bytes, bytearray, memoryview)):
            text = bytes(data).decode("utf-8")
        elif isinstance(data, str):
            text = str(data)
        else:
            text = dumps(data)
        parts.append(_data_lines(text))
    if not parts:
        raise ValueError("An SSE event needs data, a field or a comment; this one has none.")
    parts.append("\n")
    return "".join(parts).encode()


def _data_lines(text: str) -> str:
    if "\n" not in text and "\r" not in text:
        return f"data: {text}\n"
    return "".join(f"data: {line}\n" for line in _LINE_BREAK.split(text))


def encode_comment(text: str) -> bytes:
    """A comment block (``: text``), ignored by clients; useful as a keep-alive."""
    return encode_event(ServerSentEvent(comment=text))


def _check_ping(ping: Any) -> float | None:
    if ping is None:
        return None
    if isinstance(ping, bool) or not isinstance(ping, (int, float)):
        raise TypeError(f"The SSE ping interval is seconds, not {type(ping).__name__}.")
    if not (ping > 0 and math.isfinite(ping)):
        raise ValueError(f"The SSE ping interval must be a positive number of seconds, not {ping}.")
    return float(ping)


async def _iterate_sync_source(app: Flask | None, source: Iterable[Any]) -> AsyncIterator[Any]:
    """Iterate a sync event source on the request's thread, and close it there.

    Iterating holds no share of ``SYNC_THREAD_LIMIT`` (a source may wait for its
    next event as long as it likes), only the request's thread lease.
    """
    from .globals import _cv_context

    ctx = _cv_context.get(None)
    own: Lease | None = None
    if ctx is not None:
        lease = await ctx._thread_lease()
    else:
        from .concurrency import SyncRunner

        runner = app._sync if app is not None else SyncRunner(1)
        lease = own = await runner.lease()
    try:
        iterator = await lease.run(iter, source, pipeline=False)
        try:
            while True:
                item = await lease.run(next, iterator, _EXHAUSTED, pipeline=False)
                if item is _EXHAUSTED:
                    return
                yield item
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                with anyio.CancelScope(shield=True):
                    await lease.run(close, pipeline=False)
    finally:
        if own is not None:
            own.release()


class EventStream:
    """The body of an ``sse()`` response: encoded events, with keep-alive comments.

    The sending task iterates the source itself. While a response is sent, a
    helper task in the sending task group (see ``sending.send_response``) sends
    a ``: ping`` comment whenever ``ping`` seconds pass without a chunk sent;
    it never touches the source, and waits for a chunk being sent to finish.
    The same task ends the stream when the server stops. Iterated any other
    way, the stream yields the encoded events without pings.
    """

    def __init__(self, source: Iterable[Any] | AsyncIterable[Any], ping: float | None) -> None:
        self.source = source
        self.ping = ping
        #: True once the server ended the stream (the sender then finishes the body).
        self.ended_by_server = False
        self._items: AsyncIterator[Any] | None = None
        self._dumps: Dumps = json.dumps
        self._app: Flask | None = None
        self._sending = False
        self._pinging: anyio.Event | None = None
        self._last_sent = 0.0
        self._stop: anyio.Event | None = None

    def _bind(self) -> AsyncIterator[Any]:
        ctx = _cv_context.get(None)
        if ctx is not None:
            self._app = ctx.app
            self._dumps = ctx.app.json.dumps
        source = self.source
        if isinstance(source, AsyncIterable):
            items = source.__aiter__()
        elif isinstance(source, (list, tuple)):
            items = _iterate_list(source)
        else:
            items = _iterate_sync_source(self._app, source)
        self._items = items
        return items

    def _start_tasks(self, task_group: TaskGroup, send: Send) -> None:
        """Start the keep-alive task in the task group sending this stream."""
        self._bind()
        self._stop = anyio.Event()
        self._last_sent = time.monotonic()
        task_group.start_soon(self._keep_alive, task_group.cancel_scope, send)
        if self._app is not None:
            self._app._realtime.add(self)

    async def _keep_alive(self, sending: anyio.CancelScope, send: Send) -> None:
        stop = self._stop
        assert stop is not None
        ping = self.ping
        while True:
            if ping is None:
                await stop.wait()
            else:
                with anyio.move_on_after(max(0.0, self._last_sent + ping - time.monotonic())):
                    await stop.wait()
            if stop.is_set():
                while self._sending:  # let the chunk being sent finish first
                    await anyio.sleep(0.01)
                self.ended_by_server = True
                sending.cancel()  # stops the source; the sender then ends the body
                return
            if ping is None or self._sending:
                continue
            if time.monotonic() - self._last_sent >= ping:
                self._pinging = anyio.Event()
                try:
                    await send({"type": "http.response.body", "body": PING, "more_body": True})
                finally:
                    self._pinging.set()
                    self._pinging = None
                self._last_sent = time.monotonic()

    def stop(self) -> None:
        """End the stream after the chunk being sent (the server is shutting down)."""
        if self._stop is not None:
            self._stop.set()

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> bytes:
        self._sending = False  # the sender asks for the next chunk once it sent the last
        items = self._items or self._bind()
        try:
            chunk = encode_event(await items.__anext__(), self._dumps)
        finally:
            # One message at a time: a ping being sent goes out before the next chunk
            # (or before the end of the body).
            pinging = self._pinging
            if pinging is not None:
                await pinging.wait()
        self._sending = True
        self._last_sent = time.monotonic()
        return chunk

    async def aclose(self) -> None:
        """Close the source (its ``finally`` blocks run)."""
        if self._app is not None:
            self._app._realtime.discard(self)
        items = self._items
        if items is None:
            items = self._bind()
        await _close(items)


async def _iterate_list(items: Iterable[Any]) -> AsyncIterator[Any]:
    for item in items:
        yield item


async def _close(items: AsyncIterator[Any]) -> None:
    aclose = getattr(items, "aclose", None)
    if aclose is not None:
        await aclose()


def sse(
    source: Iterable[Any] | AsyncIterable[Any],
    *,
    ping: float | None = _DEFAULT,  # type: ignore[assignment]
) -> Response:
    """A ``text/event-stream`` response sending the events ``source`` yields.

    ``source`` is a sync or async iterable of ``ServerSentEvent``, ``str`` (the
    data of an event) or other values (JSON data). A ``: ping`` comment is sent
    every ``ping`` seconds without an event (default: ``SSE_PING_INTERVAL``;
    ``None`` disables it). The source runs with the request context; when the
    client disconnects it is closed, so its ``finally`` blocks run. Return the
    response from a view, alone or in a ``(response, status, headers)`` tuple.
    """
    if isinstance(source, (str, bytes)) or not isinstance(source, (Iterable, AsyncIterable)):
        raise TypeError(
            f"sse() needs an iterable of events (a generator, for example), not"
            f" {type(source).__name__}."
        )
    ctx = _cv_context.get(None)
    if ping is _DEFAULT:
        ping = ctx.app.config.get("SSE_PING_INTERVAL", 15) if ctx is not None else 15
    stream = EventStream(source, _check_ping(ping))
    if ctx is not None:
        response_class = ctx.app.response_class
    else:
        from .wrappers import Response as response_class
    response = response_class(stream, content_type="text/event-stream; charset=utf-8")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response


__all__ = ["PING", "EventStream", "ServerSentEvent", "encode_comment", "encode_event", "sse"]
