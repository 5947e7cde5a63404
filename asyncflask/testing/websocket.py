"""The client side of a test websocket connection."""

from __future__ import annotations

import json as _json
from contextlib import suppress
from typing import Any

import anyio

from ..datastructures import Headers
from ..exceptions import WebSocketDisconnect
from ..typing import Message


class TestWebsocket:
    """The client side of a test websocket connection."""

    __test__ = False

    def __init__(self, to_app: Any, from_app: Any) -> None:
        self._to_app = to_app
        self._from_app = from_app
        self.accepted_subprotocol: str | None = None
        self.response_headers = Headers()
        self.closed = False
        self.close_code: int | None = None

    async def _handshake(self) -> None:
        message = await self._next()
        kind = message["type"]
        if kind == "websocket.accept":
            self.accepted_subprotocol = message.get("subprotocol")
            self.response_headers = Headers(
                [(k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", [])]
            )
            return
        self.closed = True
        if kind == "websocket.http.response.start":
            body = b""
            while True:
                part = await self._next()
                body += bytes(part.get("body", b""))
                if not part.get("more_body", False):
                    break
            error = WebSocketDisconnect(1006, body.decode("utf-8", "replace"))
            error.status_code = int(message["status"])
            raise error
        # A close before the handshake completes is what servers answer with 403.
        reason = str(message.get("reason") or "")
        error = WebSocketDisconnect(int(message.get("code", 1000)), reason)
        error.status_code = 403
        raise error

    async def _next(self) -> Message:
        try:
            return await self._from_app.receive()  # type: ignore[no-any-return]
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            return {"type": "websocket.close", "code": 1006}

    async def send(self, data: str | bytes) -> None:
        """Send a text or binary message to the app."""
        if isinstance(data, str):
            await self._to_app.send({"type": "websocket.receive", "text": data})
        else:
            await self._to_app.send({"type": "websocket.receive", "bytes": bytes(data)})

    async def send_json(self, obj: Any) -> None:
        """Send ``obj`` as JSON text."""
        await self.send(_json.dumps(obj))

    async def receive(self) -> str | bytes:
        """The next message from the app; a server close raises ``WebSocketDisconnect``."""
        message = await self._next()
        if message["type"] == "websocket.send":
            text = message.get("text")
            return str(text) if text is not None else bytes(message.get("bytes") or b"")
        self.closed = True
        self.close_code = int(message.get("code", 1000))
        raise WebSocketDisconnect(self.close_code, str(message.get("reason") or ""))

    async def receive_json(self) -> Any:
        """The next message parsed as JSON."""
        return _json.loads(await self.receive())

    async def close(self, code: int = 1000) -> None:
        """Close the connection from the client side."""
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        with suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
            await self._to_app.send({"type": "websocket.disconnect", "code": code})


__all__ = ["TestWebsocket"]
