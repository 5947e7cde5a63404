"""Websocket connections: the ``websocket`` object and the pipeline that serves websocket routes.

A handshake the app denies (an error before ``accept()``, ``close()`` before
it, an unknown path, a ``before_websocket`` hook returning a response) is
answered with an HTTP status through the ``websocket.http.response`` ASGI
extension when the server offers it, else with close code 1008.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import anyio

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup  # type: ignore[import-not-found,unused-ignore]

from .ctx import WebsocketContext
from .datastructures import Headers
from .errorhandlers import find_handler
from .exceptions import HTTPException, WebSocketDisconnect
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
    from .sessions import SessionMixin
    from .wrappers import Response

#: Close code for a handshake denied without the ``websocket.http.response`` extension.
POLICY_VIOLATION = 1008
#: Close code for an incoming message over ``WEBSOCKET_MAX_MESSAGE_SIZE``.
MESSAGE_TOO_BIG = 1009
#: Close code when the server stops.
GOING_AWAY = 1001
#: Close code (as the client sees it) when the connection was lost without a close frame.
ABNORMAL_CLOSURE = 1006


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
        #: Incoming messages larger than this (bytes; text as UTF-8) close with 1009.
        self.max_message_size: int | None = (
            app.config.get("WEBSOCKET_MAX_MESSAGE_SIZE") if app is not None else None
        )
        self._serving: anyio.CancelScope | None = None
        self._stopping = False

    @property
    def requested_subprotocols(self) -> list[str]:
        """The subprotocols the client offered."""
        return list(self.scope.get("subprotocols", []))

    @property
    def session(self) -> SessionMixin | None:
        """The session sent with the handshake (read-only: changes are not saved)."""
        ctx = _cv_context.get(None)
        if ctx is not None and ctx.websocket is self:
            return ctx.session
        if self._app is None or self._app.session_interface is None:
            return None
        return self._app.session_interface.open_session(self._app, self)  # type: ignore[arg-type]

    @property
    def http_response_supported(self) -> bool:
        """Whether the server can send an HTTP response to deny the handshake."""
        return "websocket.http.response" in (self.scope.get("extensions") or {})

    async def accept(
        self,
        subprotocol: str | None = None,
        headers: Headers | Mapping[str, str] | list[tuple[str, str]] | None = None,
    ) -> None:
        """Accept the connection, optionally choosing a subprotocol and adding headers.

        ``subprotocol`` must be one the client offered; ``headers`` is a dict, a
        list of pairs or ``Headers``.
        """
        if self.accepted:
            return
        if self.closed:
            raise RuntimeError("The websocket is already closed.")
        if subprotocol is not None and subprotocol not in self.requested_subprotocols:
            raise ValueError(
                f"The subprotocol {subprotocol!r} was not offered by the client; choose one of"
                f" websocket.requested_subprotocols ({self.requested_subprotocols!r}) or None."
            )
        message: dict[str, Any] = {"type": "websocket.accept", "subprotocol": subprotocol}
        if headers:
            message["headers"] = (
                headers if isinstance(headers, Headers) else Headers(headers)
            ).to_asgi()
        await self._send(message)
        self.accepted = True
        self.accepted_subprotocol = subprotocol

    async def receive(self) -> str | bytes:
        """Wait for the next message (text as ``str``, binary as ``bytes``)."""
        if not self.accepted:
            await self.accept()
        if self.closed:
            raise WebSocketDisconnect(self.close_code or 1000)
        message = await self._receive()
        kind = message["type"]
        if kind == "websocket.receive":
            text = message.get("text")
            data: str | bytes
            data = str(text) if text is not None else bytes(message.get("bytes") or b"")
            limit = self.max_message_size
            if limit is not None and len(data) * (4 if text is not None else 1) > limit:
                size = len(data.encode() if isinstance(data, str) else data)
                if size > limit:
                    reason = f"Message too big: {size} bytes, the limit is {limit}"
                    await self.close(MESSAGE_TOO_BIG, reason)
                    raise WebSocketDisconnect(MESSAGE_TOO_BIG, reason)
            return data
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
            message: dict[str, Any] = {"type": "websocket.send", "text": data}
        elif isinstance(data, (bytes, bytearray, memoryview)):
            message = {"type": "websocket.send", "bytes": bytes(data)}
        else:
            raise TypeError(f"Websocket messages are str or bytes, not {type(data).__name__}.")
        try:
            await self._send(message)
        except OSError:  # the server's "client disconnected" (uvicorn's is an OSError)
            self.closed = True
            self.close_code = ABNORMAL_CLOSURE
            raise WebSocketDisconnect(ABNORMAL_CLOSURE) from None

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
        """Close the connection; before ``accept()`` this denies the handshake with 403."""
        if self.closed:
            return
        if not self.accepted:
            await self.reject(_plain_response(self._app, 403))
            return
        self.closed = True
        self.close_code = code
        try:
            await self._send({"type": "websocket.close", "code": code, "reason": reason})
        except OSError:
            self.close_code = ABNORMAL_CLOSURE

    async def reject(self, response: Response) -> None:
        """Deny the handshake with an HTTP response (close code 1008 if the server cannot)."""
        if self.accepted or self.closed:
            raise RuntimeError("Only a websocket that was not accepted can be rejected.")
        self.closed = True
        if not self.http_response_supported:
            self.close_code = POLICY_VIOLATION
            await self._send({"type": "websocket.close", "code": POLICY_VIOLATION, "reason": ""})
            return
        body = response._data or b""  # a streamed body cannot answer a handshake
        await self._send(
            {
                "type": "websocket.http.response.start",
                "status": response.status_code,
                "headers": response.asgi_headers(),
            }
        )
        await self._send({"type": "websocket.http.response.body", "body": body})

    def stop(self) -> None:
        """Close with 1001 as soon as possible: the server is stopping."""
        self._stopping = True
        if self._serving is not None:
            self._serving.cancel()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.path!r}>"


def _plain_response(app: Flask | None, status: int) -> Response:
    from .wrappers import Response as default_class

    response_class = app.response_class if app is not None else default_class
    return response_class("", status=status)


def _only_disconnects(error: BaseException) -> bool:
    if isinstance(error, BaseExceptionGroup):
        return all(_only_disconnects(inner) for inner in error.exceptions)
    return isinstance(error, WebSocketDisconnect)


async def handle_websocket(app: Flask, scope: Scope, receive: Receive, send: Send) -> None:
    """Serve one websocket connection: route, hooks, view, error handlers, teardown."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    ws = Websocket(scope, receive, send, app)
    ctx = WebsocketContext(app, ws)
    token = _cv_context.set(ctx)
    error: BaseException | None = None
    app._realtime.add(ws)
    try:
        try:
            response: Response | None = None
            with anyio.CancelScope() as ws._serving:
                if not ws._stopping:
                    response = await _dispatch(app, ws)
            if ws._stopping and not ws.accepted:
                response = _plain_response(app, 503)
        except Exception as e:
            if got_websocket_exception.receivers and not _only_disconnects(e):
                await notify(got_websocket_exception, app, exception=e)
            response = None
            if not _only_disconnects(e):
                try:
                    response = await _handle_error(app, ws, e)
                except Exception as unhandled:
                    if app.propagate_exceptions:
                        error = unhandled
                        await _finish(ws, None, code=1011)
                        raise
                    app.logger.error("Exception on websocket %s", ws.path, exc_info=unhandled)
                    await _finish(ws, None, code=1011)
        await _finish(ws, response, code=GOING_AWAY if ws._stopping else 1000)
    except BaseException as e:
        error = e
        raise
    finally:
        app._realtime.discard(ws)
        ws._serving = None
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
            error = None
    if "_background_tasks" in ws.__dict__:
        await app._background.run_pending(ws)


async def _teardown(app: Flask, ctx: WebsocketContext, error: BaseException | None) -> None:
    try:
        if websocket_tearing_down.receivers:
            await notify(websocket_tearing_down, app, exc=error)
    finally:
        await ctx._teardown(error)


async def _dispatch(app: Flask, ws: Websocket) -> Response | None:
    path = ws.path
    if path[:1] != "/":
        return _plain_response(app, 403)  # never a route
    domain = None
    if app.subdomain_matching or app.url_map.host_matching:
        domain = app._request_domain(ws)
    try:
        ws.url_rule, ws.view_args = app.url_map.match(path, "GET", websocket=True, domain=domain)
    except HTTPException:  # no websocket route here (or only a redirect): denied as unknown
        return _plain_response(app, 403)
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


async def _handle_error(app: Flask, ws: Websocket, error: Exception) -> Response | None:
    """The denial for an error (None once accepted); re-raises an error nothing handles."""
    handler = find_handler(app.error_handler_spec, error, ws.blueprints)
    if handler is not None:
        rv = await app._call(handler, error)
        return None if ws.accepted or rv is None else app.make_response(rv)
    if isinstance(error, HTTPException):
        return error.get_response()
    raise error


async def _finish(ws: Websocket, response: Response | None, *, code: int) -> None:
    if ws.closed:
        return
    if not ws.accepted:
        if response is None:
            response = _plain_response(ws._app, 403 if code in (1000, GOING_AWAY) else 500)
        await ws.reject(response)
        return
    await ws.close(code, "Server shutting down" if code == GOING_AWAY else "")


__all__ = ["Websocket", "handle_websocket"]
