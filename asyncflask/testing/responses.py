"""Responses received by the test client, complete or streamed, and reading them line by line."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio

from ..datastructures import Headers
from ..wrappers import Request, Response


class TestResponse(Response):
    """A response received by the test client, with the request that produced it."""

    __test__ = False
    default_mimetype = None

    request: Request
    history: tuple[TestResponse, ...] = ()

    @property
    def text(self) -> str:
        """The body decoded as UTF-8."""
        return str(self.get_data(as_text=True))

    async def _next_chunk(self) -> bytes | None:
        return None

    def iter_bytes(self) -> AsyncIterator[bytes]:
        """The body in chunks (one chunk for a complete response)."""
        return _BodyChunks(self)

    def iter_lines(self) -> AsyncIterator[str]:
        """The body line by line, without line endings (``\n``, ``\r\n`` or ``\r``)."""
        return _BodyLines(self)


class _BodyChunks:
    """Async iterator over a test response's body chunks.

    A plain iterator rather than an async generator, so a test that breaks out
    of the loop leaves nothing behind that needs closing.
    """

    def __init__(self, response: TestResponse) -> None:
        self._response = response
        self._pending: bytes | None = None
        if not isinstance(response, StreamedTestResponse):
            self._pending = bytes(response.get_data())

    def __aiter__(self) -> _BodyChunks:
        return self

    async def aclose(self) -> None:
        """Stop iterating (so ``contextlib.aclosing`` works); the body stays readable."""
        self._pending = None

    async def __anext__(self) -> bytes:
        if self._pending is not None:
            data, self._pending = self._pending, None
            if data:
                return data
            raise StopAsyncIteration
        while (chunk := await self._response._next_chunk()) is not None:
            if chunk:
                return chunk
        raise StopAsyncIteration


class _BodyLines:
    """Async iterator over a test response's body, line by line."""

    def __init__(self, response: TestResponse) -> None:
        self._chunks = _BodyChunks(response)
        self._splitter = LineSplitter()
        self._lines: list[str] = []
        self._done = False

    def __aiter__(self) -> _BodyLines:
        return self

    async def aclose(self) -> None:
        """Stop iterating (so ``contextlib.aclosing`` works)."""
        self._done = True
        self._lines.clear()

    async def __anext__(self) -> str:
        while not self._lines:
            if self._done:
                raise StopAsyncIteration
            try:
                chunk = await self._chunks.__anext__()
            except StopAsyncIteration:
                self._done = True
                self._lines.extend(self._splitter.flush())
            else:
                self._lines.extend(self._splitter.feed(chunk))
        return self._lines.pop(0)


class StreamedTestResponse(TestResponse):
    """A response whose body is read as the app produces it (``client.stream``)."""

    def __init__(self, status: int, headers: Headers, messages: Any) -> None:
        super().__init__(None, status=status, headers=headers)
        self._messages = messages
        self._buffer: list[bytes] = []
        self._complete = False

    async def _next_chunk(self) -> bytes | None:
        while not self._complete:
            try:
                message = await self._messages.receive()
            except (anyio.EndOfStream, anyio.ClosedResourceError):
                self._complete = True
                return None
            if message["type"] != "http.response.body":
                continue
            chunk = bytes(message.get("body", b""))
            if not message.get("more_body", False):
                self._complete = True
            self._buffer.append(chunk)
            return chunk
        return None

    async def read(self) -> bytes:
        """Read the rest of the body and return all of it."""
        while await self._next_chunk() is not None:
            pass
        self.set_data(b"".join(self._buffer))
        return bytes(self.get_data())


class LineSplitter:
    """Splits a byte stream into text lines as chunks arrive (for ``iter_lines``)."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, chunk: bytes) -> list[str]:
        """Add a chunk; return the lines it completed."""
        pending = self._pending + chunk
        lines: list[str] = []
        start = 0
        length = len(pending)
        index = 0
        while index < length:
            byte = pending[index]
            if byte == 0x0A:
                lines.append(pending[start:index].decode("utf-8", "replace"))
                start = index + 1
            elif byte == 0x0D:
                if index + 1 == length:
                    break  # a CR at the end may be the first half of CRLF
                lines.append(pending[start:index].decode("utf-8", "replace"))
                start = index + 2 if pending[index + 1] == 0x0A else index + 1
                index = start - 1
            index += 1
        self._pending = pending[start:]
        return lines

    def flush(self) -> list[str]:
        """The last, unterminated line, if any."""
        pending, self._pending = self._pending, b""
        if not pending:
            return []
        return [pending.rstrip(b"\r").decode("utf-8", "replace")]


__all__ = ["LineSplitter", "StreamedTestResponse", "TestResponse"]
