"""Websocket connections: the ``websocket`` object and the pipeline that serves websocket routes."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import anyio

from .ctx import WebsocketContext
from .exceptions import HTTPException, NotFound, WebSocketDisconnect
from .globals import _cv_context
from .signals import (
    got_websocket_exception,
    notify,
    websocket_finished,
    websocket_started,
    websocket_tearing_down,
)
from .typing import Receive, Scope, Send
from .wrappers.request import _BaseRequest

if TYPE_CHECKING:
    from .app import Flask
    from .wrappers import Response


class Websocket(_BaseRequest):
    """A websocket connection, with the handshake request's URL, headers, args and cookies.

    ``receive()``/``send()`` accept the connection first if the view has not
    called ``accept()``. A client disconnect raises ``WebSocketDisconnect``.
    """

    method = "GET"

    def __init__(self, scope: Scope, receive: Receive, send: Send, app: Flask | None = None):
        super().__init__(scope, app)
        self._receive = receive
        self._send = send
        self.accepted = False
        self.closed = False
        self.close_code: int | None = None
        self.accepted_subprotocol: str | None = None

    @property
    def requested_subprotocols(self) -> list[str]:
        """The subprotocols the client offered."""
        return list(self.scope.get("subprotocols", []))

    async def accept(
        self, subprotocol: str | None = None, headers: list[tuple[str, str]] | None = None
    ) -> None:
        """Accept the connection, optionally choosing a subprotocol and adding headers."""
        if self.accepted:
            return
        if self.closed:
            raise RuntimeError("The websocket is already closed.")
        message: dict[str, Any] = {"type": "websocket.accept", "subprotocol": subprotocol}
        if headers:
            message["headers"] = [
                (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers
            ]
        await self._send(message)
        self.accepted = True
        self.accepted_subprotocol = subprotocol

    async def receive(self) -> str | bytes:
        """Wait for the next message (text as ``str``, binary as ``bytes``)."""
        if not self.accepted:
            await self.accept()
        message = await self._receive()
        kind = message["type"]
        if kind == "websocket.receive":
            text = message.get("text")
            if text is not None:
                return str(text)
            return bytes(message.get("bytes") or b"")
        if kind == "websocket.disconnect":
            self.closed = True
            self.close_code = int(message.get("code", 1005))
            raise WebSocketDisconnect(self.close_code, str(message.get("reason") or ""))
        raise RuntimeError(f"Unexpected ASGI message {kind!r} on a websocket.")

    async def send(self, data: str | bytes) -> None:
        """Send a text (``str``) or binary (``bytes``) message."""
        if not self.accepted:
            await self.accept()
        if self.closed:
            raise WebSocketDisconnect(self.close_code or 1000)
        if isinstance(data, str):
            await self._send({"type": "websocket.send", "text": data})
        elif isinstance(data, (bytes, bytearray, memoryview)):
            await self._send({"type": "websocket.send", "bytes": bytes(data)})
        else:
            raise TypeError(f"Websocket messages are str or bytes, not {type(data).__name__}.")

    async def receive_json(self) -> Any:
        """Receive a message and parse it as JSON."""
        data = await self.receive()
        if self._app is not None:
            return self._app.json.loads(data)
        return json.loads(data)

    async def send_json(self, obj: Any) -> None:
        """Send ``obj`` as a JSON text message."""
        text = self._app.json.dumps(obj) if self._app is not None else json.dumps(obj)
        await self.send(text)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection (before ``accept()`` this rejects the handshake)."""
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        await self._send({"type": "websocket.close", "code": code, "reason": reason})

    async def reject(self, response: Response) -> None:
        """Refuse the handshake with an HTTP response (a plain close if the server cannot)."""
        if self.accepted or self.closed:
            raise RuntimeError("Only a websocket that was not accepted can be rejected.")
        self.closed = True
        if "websocket.http.response" not in self.scope.get("extensions", {}):
            self.close_code = 1000
            await self._send({"type": "websocket.close", "code": 1000, "reason": ""})
            return
        await self._send(
            {
                "type": "websocket.http.response.start",
                "status": response.status_code,
                "headers": response.asgi_headers(),
            }
        )
        await self._send({"type": "websocket.http.response.body", "body": response.get_data()})

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.path!r}>"


async def handle_websocket(app: Flask, scope: Scope, receive: Receive, send: Send) -> None:
    """Serve one websocket connection: route, hooks, view, teardown."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    ws = Websocket(scope, receive, send, app)
    ctx = WebsocketContext(app, ws)
    token = _cv_context.set(ctx)
    error: BaseException | None = None
    try:
        try:
            response = await _dispatch(app, ws)
        except WebSocketDisconnect:
            response = None
        except HTTPException as e:
            response = e.get_response()
        except Exception as e:
            if got_websocket_exception.receivers:
                await notify(got_websocket_exception, app, exception=e)
            if app.propagate_exceptions:
                error = e
                await _finish(ws, None, code=1011)
                raise
            app.logger.error("Exception on websocket %s", ws.path, exc_info=e)
            from .exceptions import InternalServerError

            response = InternalServerError(original_exception=e).get_response()
        await _finish(ws, response, code=1000)
    except BaseException as e:
        error = e
        raise
    finally:
        try:
            if error is not None and isinstance(error, anyio.get_cancelled_exc_class()):
                with anyio.CancelScope(shield=True):
                    await _teardown(app, ctx, error)
            else:
                await _teardown(app, ctx, error)
        finally:
            ctx._end_lease()
            _cv_context.reset(token)
            ctx._release()


async def _teardown(app: Flask, ctx: WebsocketContext, error: BaseException | None) -> None:
    try:
        if websocket_tearing_down.receivers:
            await notify(websocket_tearing_down, app, exc=error)
    finally:
        await ctx._teardown(error)


async def _dispatch(app: Flask, ws: Websocket) -> Response | None:
    path = ws.path
    if path[:1] != "/":
        raise NotFound()
    ws.url_rule, ws.view_args = app.url_map.match(path, "GET", websocket=True)
    names = (None, *reversed(ws.blueprints))
    rv: Any = None
    if websocket_started.receivers:
        await notify(websocket_started, app)
    for name in names:
        for func in app.url_value_preprocessors.get(name, ()):
            await app._call(func, ws.endpoint, ws.view_args)
    for name in names:
        for func in app.before_websocket_funcs.get(name, ()):
            rv = await app._call(func)
            if rv is not None:
                break
        if rv is not None:
            break
    if rv is None:
        view = app.view_functions[str(ws.url_rule.endpoint)]
        if not app._is_async(view):
            raise TypeError(f"The websocket view {ws.url_rule.endpoint!r} must be 'async def'.")
        rv = await view(**(ws.view_args or {}))
    response = None if ws.accepted or rv is None else app.make_response(rv)
    for name in (*ws.blueprints, None):
        for func in reversed(app.after_websocket_funcs.get(name, ())):
            result = await app._call(func, response)
            if result is not None:
                response = result
    if websocket_finished.receivers:
        await notify(websocket_finished, app, response=response)
    return response


async def _finish(ws: Websocket, response: Response | None, *, code: int) -> None:
    if ws.closed:
        return
    if not ws.accepted:
        if response is None:
            from .wrappers import Response as response_class

            response = response_class("", status=403 if code == 1000 else 500)
        await ws.reject(response)
        return
    await ws.close(code)


__all__ = ["Websocket", "handle_websocket"]
