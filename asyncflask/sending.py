"""Sending a ``Response`` over ASGI: fixed bodies in one message, streams with back-pressure."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any, Protocol, cast

import anyio
import anyio.lowlevel

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup  # type: ignore[import-not-found,unused-ignore]

from .typing import Receive, Send
from .wrappers import Response

if TYPE_CHECKING:
    from .leases import Lease


class ThreadSource(Protocol):
    """Where a response's sync body runs: the request context, which leases one thread."""

    async def _thread_lease(self) -> Lease: ...


#: A stream whose sends never block would hold the event loop until the transport's
#: buffer fills; letting other tasks run every so many chunks gave both more requests
#: per second and a 5x lower p99 with 64 concurrent streams (benchmarks/, network mode).
_CHUNKS_PER_TURN = 32


async def _watch_disconnect(receive: Receive, scope: anyio.CancelScope) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            scope.cancel()
            return


async def send_response(
    response: Response,
    receive: Receive,
    send: Send,
    *,
    head: bool,
    threads: ThreadSource,
) -> None:
    """Send ``response``; a streamed body stops (and its source is closed) if the client leaves.

    Each chunk waits for the server to accept the previous one, so a slow
    client slows the producer instead of filling memory. A sync body is iterated,
    and closed, on the request's own thread.
    """
    data = response._data
    status = response.status_code
    headers = response.asgi_headers()
    if status < 200 or status == 204 or status == 304:
        # These never carry a body (RFC 9110); a 204 not even a Content-Length.
        head = True
        if status != 304:
            headers = [(k, v) for k, v in headers if k != b"content-length"]
    start = {"type": "http.response.start", "status": status, "headers": headers}
    if data is not None:
        await send(start)
        await send({"type": "http.response.body", "body": b"" if head else data})
        return
    stream = cast("Iterable[Any] | AsyncIterable[Any]", response._stream)
    try:
        await send(start)
        if head:
            await send({"type": "http.response.body", "body": b""})
            return
        chunks: AsyncIterator[Any]
        if hasattr(stream, "__aiter__"):
            chunks = cast("AsyncIterable[Any]", stream).__aiter__()
        else:
            chunks = (await threads._thread_lease()).iterate(stream)
        complete = False
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(_watch_disconnect, receive, tg.cancel_scope)
                # A stream with a helper task (SSE keep-alives, see sse.EventStream) runs it here.
                start_tasks = getattr(stream, "_start_tasks", None)
                if start_tasks is not None:
                    start_tasks(tg, send)
                sent = 0
                async for chunk in chunks:
                    if isinstance(chunk, str):
                        chunk = chunk.encode()
                    if chunk:
                        await send({"type": "http.response.body", "body": chunk, "more_body": True})
                        sent += 1
                        if sent % _CHUNKS_PER_TURN == 0:
                            await anyio.lowlevel.checkpoint()
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                complete = True
                tg.cancel_scope.cancel()
            if not complete and getattr(stream, "ended_by_server", False):
                # The server is stopping and ended the stream: finish the body cleanly.
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        except BaseExceptionGroup as group:
            # Only the streaming task (or a helper task) can fail here: surface the error.
            if len(group.exceptions) == 1:
                raise group.exceptions[0] from None
            raise
    finally:
        with anyio.CancelScope(shield=True):
            await close_stream(stream, threads)


async def close_stream(stream: Any, threads: ThreadSource) -> None:
    """Close a response body source so its ``finally`` blocks run."""
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()
        return
    close = getattr(stream, "close", None)
    if close is not None:
        lease = await threads._thread_lease()
        await lease.run(close, pipeline=False)


__all__ = ["close_stream", "send_response"]
