"""The async test client: drives the ASGI app in-process, with a cookie jar and streaming."""

from __future__ import annotations

import sys
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urljoin, urlsplit

import anyio

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup  # type: ignore[import-not-found,unused-ignore]

from ..ctx import CALLER_CONTEXT_KEY, RequestContext, caller_app_context
from ..datastructures import Headers
from ..exceptions import WebSocketDisconnect
from ..sessions import save_session
from ..typing import Message, Scope
from ..wrappers import Request
from .cookies import Cookie, CookieJar
from .responses import StreamedTestResponse, TestResponse
from .scope import build_scope, default_base_url
from .websocket import TestWebsocket

if TYPE_CHECKING:
    from ..app import Flask
    from ..sessions import SessionMixin

_REDIRECT_CODES = frozenset({301, 302, 303, 305, 307, 308})


def _response_from(
    status: int, raw_headers: list[tuple[bytes, bytes]], body: bytes
) -> TestResponse:
    headers = Headers([(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw_headers])
    return TestResponse(body, status=status, headers=headers)


class _Escaped(Exception):
    """Carries a KeyboardInterrupt or SystemExit raised by the app out of its task.

    asyncio stops the whole event loop for one of those raised in a task; the client
    raises it again where the test awaits the response.
    """

    def __init__(self, error: BaseException) -> None:
        super().__init__(error)
        self.error = error


async def _run_app(app: Flask, scope: Scope, receive: Any, send: Any) -> None:
    try:
        await app.asgi_app(scope, receive, send)
    except (KeyboardInterrupt, SystemExit) as e:
        raise _Escaped(e) from None


def _unwrap_group(error: BaseException) -> BaseException:
    """The exception to show a test: the app's own error before the client's view of it."""
    leaves: list[BaseException] = []

    def collect(exc: BaseException) -> None:
        if isinstance(exc, BaseExceptionGroup):
            for inner in exc.exceptions:
                collect(inner)
        else:
            leaves.append(exc)

    collect(error)
    leaves = [leaf.error if isinstance(leaf, _Escaped) else leaf for leaf in leaves]
    for leaf in leaves:
        if not isinstance(leaf, WebSocketDisconnect):
            return leaf
    return leaves[0] if leaves else error


class AsyncFlaskClient:
    """An async client that calls the app directly: ``r = await client.get("/")``.

    Cookies persist across requests. ``async with app.test_client() as client``
    also runs the app's startup and shutdown hooks. Requests go to ``app.asgi_app``,
    below the layer that turns errors into the debug page for servers, so an
    unhandled error propagates to the test when ``PROPAGATE_EXCEPTIONS`` says so.
    """

    __test__ = False

    def __init__(self, app: Flask, use_cookies: bool = True, base_url: str | None = None) -> None:
        self.app = app
        #: Where requests go unless they say otherwise; None means
        #: ``SERVER_NAME``/``APPLICATION_ROOT``/``PREFERRED_URL_SCHEME`` (``http://localhost/``).
        self.base_url = base_url
        self.cookie_jar: CookieJar | None = CookieJar() if use_cookies else None
        self._hosting: AbstractAsyncContextManager[None] | None = None

    async def __aenter__(self) -> AsyncFlaskClient:
        await self.app.startup()
        hosting = self.app._background.hosting()
        await hosting.__aenter__()
        self._hosting = hosting
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        # Background tasks first (waited for up to BACKGROUND_TASK_SHUTDOWN_TIMEOUT),
        # then the shutdown hooks, as a server's lifespan does.
        hosting, self._hosting = self._hosting, None
        try:
            if hosting is not None:
                await hosting.__aexit__(*exc_info)
        finally:
            await self.app.shutdown()

    # -- cookies --------------------------------------------------------------

    def set_cookie(
        self,
        key: str,
        value: str = "",
        *,
        domain: str = "localhost",
        origin_only: bool = True,
        path: str = "/",
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        expires: float | datetime | None = None,
        max_age: float | timedelta | None = None,
    ) -> None:
        """Store a cookie the client will send.

        With ``origin_only`` (the default) it goes to ``domain`` only; otherwise to
        its subdomains too, as a leading dot in ``domain`` also says.
        """
        if self.cookie_jar is None:
            raise TypeError("Cookies are disabled. Create a client with 'use_cookies=True'.")
        if max_age is not None:
            seconds = max_age.total_seconds() if isinstance(max_age, timedelta) else max_age
            expires = time.time() + seconds
        self.cookie_jar.set(
            Cookie(
                key,
                value,
                domain.lstrip(".") or "localhost",
                path,
                expires,
                secure,
                httponly,
                samesite,
                host_only=origin_only and not domain.startswith("."),
            )
        )

    def get_cookie(self, key: str, domain: str = "localhost", path: str = "/") -> Cookie | None:
        """The stored cookie with this name, or None."""
        if self.cookie_jar is None:
            raise TypeError("Cookies are disabled. Create a client with 'use_cookies=True'.")
        return self.cookie_jar.get(key, domain.lstrip("."), path)

    def delete_cookie(self, key: str, *, domain: str = "localhost", path: str = "/") -> None:
        """Forget a stored cookie."""
        if self.cookie_jar is None:
            raise TypeError("Cookies are disabled. Create a client with 'use_cookies=True'.")
        self.cookie_jar.delete(key, domain.lstrip("."), path)

    # -- requests -------------------------------------------------------------

    def _scope(
        self, path: str, kwargs: dict[str, Any], scope_type: str = "http"
    ) -> tuple[Scope, bytes]:
        base_url = kwargs.pop("base_url", None) or self.base_url
        if base_url is None:
            base_url = default_base_url(
                self.app, kwargs.pop("subdomain", None), kwargs.pop("url_scheme", None)
            )
        split = urlsplit(path)
        target = urlsplit(base_url if not (split.scheme and split.netloc) else path)
        cookie_header = None
        if self.cookie_jar is not None:
            host = (target.hostname or "localhost").lower()
            full_path = unquote(target.path.rstrip("/")) + (split.path or "/")
            secure = target.scheme in ("https", "wss")
            cookie_header = self.cookie_jar.header_for(host, full_path, secure)
        scope, body = build_scope(
            self.app, path, base_url, scope_type=scope_type, cookie_header=cookie_header, **kwargs
        )
        outer = caller_app_context(self.app)
        if outer is not None:
            scope[CALLER_CONTEXT_KEY] = outer
        return scope, body

    def _remember_cookies(self, scope: Scope, response: TestResponse) -> None:
        if self.cookie_jar is None:
            return
        host = "localhost"
        for name, value in scope["headers"]:
            if name == b"host":
                host = value.decode("latin-1").rsplit(":", 1)[0].lower().strip("[]")
                break
        self.cookie_jar.update_from(response.headers, host, scope["path"])

    async def open(
        self,
        path: str = "/",
        method: str = "GET",
        *,
        follow_redirects: bool = False,
        **kwargs: Any,
    ) -> TestResponse:
        """Send a request and return the complete response.

        Keyword arguments: ``query_string``, ``headers``, ``data`` (a dict for a
        form, with ``(file, filename[, content_type])`` values for multipart),
        ``json``, ``content_type``, ``base_url``.
        """
        kwargs = dict(kwargs)
        capture = kwargs.pop("_capture", None)
        response = await self._open_once(path, method, dict(kwargs), capture)
        history: list[TestResponse] = []
        while follow_redirects and response.status_code in _REDIRECT_CODES:
            location = response.headers.get("Location")
            if not location:
                break
            if len(history) >= 20:
                raise RuntimeError("Too many redirects (more than 20) in a row.")
            history.append(response)
            current = str(response.request.url)
            target = urlsplit(urljoin(current, location))
            here = urlsplit(current)
            if target.netloc and target.netloc != here.netloc:
                break
            redirect_kwargs: dict[str, Any] = {
                "base_url": f"{target.scheme or here.scheme}://{here.netloc}",
                "headers": kwargs.get("headers"),
            }
            new_path = target.path + (f"?{target.query}" if target.query else "")
            if response.status_code in (307, 308):
                for key in ("data", "json", "content_type"):
                    if key in kwargs:
                        redirect_kwargs[key] = kwargs[key]
            else:
                method = "HEAD" if method == "HEAD" else "GET"
            response = await self._open_once(new_path, method, redirect_kwargs, capture)
        response.history = tuple(history)
        return response

    async def _open_once(
        self,
        path: str,
        method: str,
        kwargs: dict[str, Any],
        capture: Callable[[Message], None] | None = None,
    ) -> TestResponse:
        kwargs.setdefault("method", method)
        scope, body = self._scope(path, kwargs)
        messages: list[Message] = []
        done = anyio.Event()
        body_sent = False

        async def receive() -> Message:
            nonlocal body_sent
            if not body_sent:
                body_sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if capture is not None:
                capture(message)  # the blocking client keeps the request's context here
            messages.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                done.set()

        # Each request runs in a task of its own, as under a server, so context
        # variables a view sets never leak into the test or the next request.
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(_run_app, self.app, scope, receive, send)
        except BaseExceptionGroup as group:
            raise _unwrap_group(group) from None
        finally:
            done.set()
        start = next((m for m in messages if m["type"] == "http.response.start"), None)
        if start is None:
            raise RuntimeError("The application returned without sending a response.")
        body_out = b"".join(
            bytes(m.get("body", b"")) for m in messages if m["type"] == "http.response.body"
        )
        response = _response_from(start["status"], start.get("headers", []), body_out)
        response.request = Request(scope, None, self.app)
        self._remember_cookies(scope, response)
        return response

    @asynccontextmanager
    async def stream(
        self, method: str, path: str, **kwargs: Any
    ) -> AsyncIterator[StreamedTestResponse]:
        """Send a request and read the response body incrementally (for streams and SSE).

        Leaving the block disconnects the client, which stops the app's stream.
        """
        kwargs["method"] = method
        scope, body = self._scope(path, kwargs)
        to_client, from_app = anyio.create_memory_object_stream[Message](16)
        disconnected = anyio.Event()
        body_sent = False

        async def receive() -> Message:
            nonlocal body_sent
            if not body_sent:
                body_sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await disconnected.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if disconnected.is_set():
                return
            with suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
                await to_client.send(message)

        async def run_app() -> None:
            async with to_client:
                await _run_app(self.app, scope, receive, send)

        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(run_app)
                try:
                    start = await from_app.receive()
                except anyio.EndOfStream:
                    raise RuntimeError(
                        "The application returned without sending a response."
                    ) from None
                headers = Headers(
                    [
                        (k.decode("latin-1"), v.decode("latin-1"))
                        for k, v in start.get("headers", [])
                    ]
                )
                response = StreamedTestResponse(start["status"], headers, from_app)
                response.request = Request(scope, None, self.app)
                self._remember_cookies(scope, response)
                try:
                    yield response
                finally:
                    disconnected.set()
                    from_app.close()
                    tg.cancel_scope.deadline = anyio.current_time() + 5
        except BaseExceptionGroup as group:
            raise _unwrap_group(group) from None
        finally:
            to_client.close()
            from_app.close()

    @asynccontextmanager
    async def websocket(
        self,
        path: str,
        *,
        headers: Any = None,
        query_string: Any = None,
        subprotocols: Iterable[str] | None = None,
        base_url: str | None = None,
    ) -> AsyncIterator[TestWebsocket]:
        """Open a websocket to the app; rejected handshakes raise ``WebSocketDisconnect``."""
        kwargs: dict[str, Any] = {"headers": headers, "query_string": query_string}
        if base_url is not None:
            kwargs["base_url"] = base_url
        scope, _ = self._scope(path, kwargs, scope_type="websocket")
        scope["subprotocols"] = list(subprotocols or ())
        to_app, app_inbox = anyio.create_memory_object_stream[Message](64)
        app_outbox, from_app = anyio.create_memory_object_stream[Message](64)
        await to_app.send({"type": "websocket.connect"})

        async def receive() -> Message:
            try:
                return await app_inbox.receive()
            except anyio.EndOfStream:
                return {"type": "websocket.disconnect", "code": 1006}

        async def send(message: Message) -> None:
            with suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
                await app_outbox.send(message)

        async def run_app() -> None:
            async with app_outbox:
                await _run_app(self.app, scope, receive, send)

        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(run_app)
                ws = TestWebsocket(to_app, from_app)
                try:
                    await ws._handshake()
                    yield ws
                finally:
                    with anyio.CancelScope(shield=True):
                        await ws.close()
                    tg.cancel_scope.deadline = anyio.current_time() + 5
        except BaseExceptionGroup as group:
            raise _unwrap_group(group) from None
        finally:
            for stream in (to_app, app_inbox, app_outbox, from_app):
                stream.close()

    @asynccontextmanager
    async def session_transaction(
        self, path: str = "/", **kwargs: Any
    ) -> AsyncIterator[SessionMixin]:
        """Open the session the next request to ``path`` would see, to read or edit it.

        ``async with client.session_transaction() as sess: sess["user"] = 1`` saves
        the change into the client's cookies when the block ends.
        """
        if self.cookie_jar is None:
            raise TypeError(
                "Cookies are disabled. Sessions need them: create a client with 'use_cookies=True'."
            )
        app = self.app
        scope, body = self._scope(path, dict(kwargs))
        request = app.request_class(scope, None, app)
        request._body = body
        interface = app.session_interface
        async with RequestContext(app, request):
            session = interface.open_session(app, request)
            if session is None:
                raise RuntimeError(
                    "Session backend did not open a session: is the app's secret_key set?"
                )
            yield session
            response = app.response_class()
            await save_session(app, session, response)
        test_response = TestResponse(b"", status=200, headers=response.headers)
        self._remember_cookies(scope, test_response)

    async def get(self, path: str = "/", **kwargs: Any) -> TestResponse:
        """Send a GET request."""
        return await self.open(path, "GET", **kwargs)

    async def post(self, path: str = "/", **kwargs: Any) -> TestResponse:
        """Send a POST request."""
        return await self.open(path, "POST", **kwargs)

    async def put(self, path: str = "/", **kwargs: Any) -> TestResponse:
        """Send a PUT request."""
        return await self.open(path, "PUT", **kwargs)

    async def patch(self, path: str = "/", **kwargs: Any) -> TestResponse:
        """Send a PATCH request."""
        return await self.open(path, "PATCH", **kwargs)

    async def delete(self, path: str = "/", **kwargs: Any) -> TestResponse:
        """Send a DELETE request."""
        return await self.open(path, "DELETE", **kwargs)

    async def head(self, path: str = "/", **kwargs: Any) -> TestResponse:
        """Send a HEAD request."""
        return await self.open(path, "HEAD", **kwargs)

    async def options(self, path: str = "/", **kwargs: Any) -> TestResponse:
        """Send an OPTIONS request."""
        return await self.open(path, "OPTIONS", **kwargs)

    async def trace(self, path: str = "/", **kwargs: Any) -> TestResponse:
        """Send a TRACE request."""
        return await self.open(path, "TRACE", **kwargs)


__all__ = ["AsyncFlaskClient"]
