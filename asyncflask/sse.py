"""Server-Sent Events: the event encoder and ``sse()``, a ``text/event-stream`` response.

``encode_event`` is pure (no I/O); ``EventStream`` runs the source in a task of
its own, feeding a small bounded channel, so that keep-alive comments are sent
while the source is busy without ever interrupting it.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable
from typing import TYPE_CHECKING, Any

import anyio
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from .globals import _cv_context

if TYPE_CHECKING:
    from .app import Flask
    from .wrappers import Response

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
#: Keep-alive comment; proxies and browsers drop idle connections without one.
PING = b": ping\n\n"
#: Events produced ahead of what the client has taken: a slow client holds back the source.
_BUFFERED_EVENTS = 8
_DEFAULT = object()
_END = object()
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
    """Iterate a sync event source off the loop and close it there.

    The one place a sync source touches a worker thread, so the thread policy
    can change here alone.
    """
    if app is None:
        from .concurrency import SyncRunner

        runner = SyncRunner(1)
    else:
        runner = app._sync
    iterator = await runner.run(iter, source)
    try:
        while True:
            item = await runner.run(next, iterator, _DEFAULT)
            if item is _DEFAULT:
                return
            yield item
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            with anyio.CancelScope(shield=True):
                await runner.run(close)


class EventStream:
    """The body of an ``sse()`` response: encoded events, with keep-alive comments.

    While a response is sent, the source runs in a task of the sending task
    group (see ``sending.send_response``), feeding a small bounded channel, and
    a second task puts a ``: ping`` comment in the channel whenever ``ping``
    seconds pass without anything sent. Iterated any other way, it yields the
    encoded events without pings.
    """

    def __init__(self, source: Iterable[Any] | AsyncIterable[Any], ping: float | None) -> None:
        self.source = source
        self.ping = ping
        self._items: AsyncIterator[Any] | None = None
        self._events: MemoryObjectReceiveStream[bytes | object] | None = None
        self._wake: MemoryObjectSendStream[bytes | object] | None = None
        self._stopped = False
        self._last_sent = 0.0
        self._dumps: Dumps = json.dumps
        self._app: Flask | None = None

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

    def _start_tasks(self, task_group: TaskGroup) -> None:
        """Run the source (and the pinger) in ``task_group``, feeding the channel this reads."""
        send, receive = anyio.create_memory_object_stream[bytes | object](_BUFFERED_EVENTS)
        self._events = receive
        self._wake = send.clone()
        self._last_sent = anyio.current_time()
        task_group.start_soon(self._produce, self._bind(), send)
        if self.ping is not None:
            task_group.start_soon(self._send_pings, self._wake.clone(), self.ping)
        if self._app is not None:
            self._app._realtime.add(self)

    async def _produce(
        self, items: AsyncIterator[Any], send: MemoryObjectSendStream[bytes | object]
    ) -> None:
        async with send:
            try:
                async for item in items:
                    chunk = encode_event(item, self._dumps)
                    try:
                        send.send_nowait(chunk)  # skips a trip through the event loop
                    except anyio.WouldBlock:
                        await send.send(chunk)
                await send.send(_END)
            finally:
                with anyio.CancelScope(shield=True):
                    await _close(items)

    async def _send_pings(self, send: MemoryObjectSendStream[bytes | object], ping: float) -> None:
        # Sleeps until `ping` seconds after the last chunk went out; the send side only
        # ever waits on the channel, so the source is never interrupted for a ping.
        async with send:
            while True:
                await anyio.sleep(max(0.0, self._last_sent + ping - anyio.current_time()))
                if anyio.current_time() - self._last_sent >= ping:
                    self._last_sent = anyio.current_time()
                    with contextlib.suppress(anyio.WouldBlock):  # full: not idle then
                        send.send_nowait(PING)

    def stop(self) -> None:
        """End the stream after the chunk being sent (the server is shutting down)."""
        self._stopped = True
        if self._wake is not None:
            with contextlib.suppress(anyio.WouldBlock, anyio.BrokenResourceError):
                self._wake.send_nowait(_END)

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> bytes:
        events = self._events
        if events is None:
            items = self._items or self._bind()
            item = await items.__anext__()
            return encode_event(item, self._dumps)
        if self._stopped:
            raise StopAsyncIteration
        try:
            chunk = events.receive_nowait()
        except anyio.WouldBlock:
            chunk = await events.receive()
        if chunk is _END or self._stopped:
            raise StopAsyncIteration
        self._last_sent = anyio.current_time()
        return self._take_ready(chunk)  # type: ignore[arg-type]

    def _take_ready(self, first: bytes) -> bytes:
        """``first`` and the events already waiting after it, as one chunk."""
        events = self._events
        assert events is not None
        chunks = [first]
        while True:
            try:
                chunk = events.receive_nowait()
            except anyio.WouldBlock:
                break
            if chunk is _END:
                self._stopped = True  # the next call ends the stream
                break
            chunks.append(chunk)  # type: ignore[arg-type]
        return first if len(chunks) == 1 else b"".join(chunks)

    async def aclose(self) -> None:
        """Stop the source and close it (its ``finally`` blocks run)."""
        if self._app is not None:
            self._app._realtime.discard(self)
        for stream in (self._events, self._wake):
            if stream is not None:
                stream.close()
        items = self._items
        if items is None:
            items = self._items = self._bind()
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
