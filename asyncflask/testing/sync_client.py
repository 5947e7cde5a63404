"""Flask's blocking test client, as a façade over the async client.

``client = app.sync_test_client()`` then ``client.get("/").data``, as with
Flask's ``FlaskClient``. Each call hands the request to the async client on a
shared event loop thread (see ``portal``) and waits for the response.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any

from anyio.from_thread import BlockingPortal

from ..ctx import AppContext, RequestContext
from ..globals import _cv_context
from ..typing import Message
from .client import AsyncFlaskClient
from .cookies import Cookie, CookieJar
from .portal import call_blocking, get_portal
from .responses import StreamedTestResponse, TestResponse
from .scope import apply_environ, default_base_url, with_header
from .websocket import TestWebsocket

if TYPE_CHECKING:
    from ..app import Flask
    from ..sessions import SessionMixin


class FlaskClient:
    """A blocking test client with Flask's ``FlaskClient`` API.

    ``r = client.get("/", query_string=..., headers=...)`` returns the complete
    response. ``with client:`` keeps the last request's context pushed after
    each call, so ``request``, ``session`` and ``g`` can be inspected. No
    ``close()`` is needed. Subclass it and set ``app.test_client_class`` to have
    ``app.test_client()`` (and ``app.sync_test_client()``) return the subclass.
    """

    __test__ = False

    def __init__(
        self,
        app: Flask,
        use_cookies: bool = True,
        base_url: str | None = None,
        *,
        backend: str = "asyncio",
    ) -> None:
        self.application = app
        self._async = AsyncFlaskClient(app, use_cookies=use_cookies, base_url=base_url)
        self._backend = backend
        #: WSGI-style defaults for every request: ``REMOTE_ADDR``, ``HTTP_*`` headers...
        self.environ_base: dict[str, Any] = {"REMOTE_ADDR": "127.0.0.1"}
        #: Whether each request's context stays pushed after the call (``with client:``).
        self.preserve_context = False
        self._preserved: list[AppContext] = []
        self._pending: list[AppContext] = []

    @property
    def app(self) -> Flask:
        """The application under test."""
        return self.application

    @property
    def base_url(self) -> str:
        """Where requests go by default: scheme, host and root path."""
        return self._async.base_url or default_base_url(self.application)

    @property
    def cookie_jar(self) -> CookieJar | None:
        """The client's cookies (None with ``use_cookies=False``)."""
        return self._async.cookie_jar

    @property
    def portal(self) -> BlockingPortal:
        """The blocking portal of the event loop the requests run on."""
        return get_portal(self._backend)

    # -- context preservation -------------------------------------------------

    def __enter__(self) -> FlaskClient:
        if self.preserve_context:
            raise RuntimeError("Cannot nest client invocations.")
        self.preserve_context = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.preserve_context = False
        self._pop_preserved()

    def _pop_preserved(self) -> None:
        while self._preserved:
            ctx = self._preserved.pop()
            if _cv_context.get(None) is ctx:
                ctx._reset()

    def _capture(self, message: Message) -> None:
        # Called from the app's task as the response starts: the request's context
        # is the active one there. A copy outlives the request's own cleanup.
        if message["type"] == "http.response.start":
            ctx = _cv_context.get(None)
            if isinstance(ctx, RequestContext):
                self._pending.append(ctx.copy())

    # -- cookies --------------------------------------------------------------

    def set_cookie(self, key: str, value: str = "", **kwargs: Any) -> None:
        """Store a cookie the client will send (``domain``, ``path``, ``expires``, ...)."""
        self._async.set_cookie(key, value, **kwargs)

    def get_cookie(self, key: str, domain: str = "localhost", path: str = "/") -> Cookie | None:
        """The stored cookie (with ``.key``, ``.value``, ``.domain``, ``.path``, ``.expires``)."""
        return self._async.get_cookie(key, domain, path)

    def delete_cookie(self, key: str, *, domain: str = "localhost", path: str = "/") -> None:
        """Forget a stored cookie."""
        self._async.delete_cookie(key, domain=domain, path=path)

    # -- requests -------------------------------------------------------------

    def open(
        self,
        path: str = "/",
        base_url: str | None = None,
        query_string: Any = None,
        method: str = "GET",
        *,
        buffered: bool = False,
        follow_redirects: bool = False,
        environ_base: Mapping[str, Any] | None = None,
        environ_overrides: Mapping[str, Any] | None = None,
        auth: tuple[str, str] | None = None,
        mimetype: str | None = None,
        input_stream: Any = None,
        **kwargs: Any,
    ) -> TestResponse:
        """Send a request and return the complete response, as Flask's client does.

        Keyword arguments: ``data``, ``json``, ``headers``, ``content_type``,
        ``query_string``, ``base_url``, ``follow_redirects``, ``auth`` (a
        ``(username, password)`` pair), ``environ_base`` / ``environ_overrides``
        (``REMOTE_ADDR``, ``HTTP_*`` headers, ``wsgi.url_scheme``, ``SERVER_NAME``,
        ``SCRIPT_NAME`` are honoured). ``buffered`` is accepted for compatibility:
        responses are always complete; use ``stream()`` to read one incrementally.
        """
        if base_url is not None:
            kwargs["base_url"] = base_url
        if query_string is not None:
            kwargs["query_string"] = query_string
        if mimetype is not None and "content_type" not in kwargs:
            kwargs["content_type"] = mimetype
        if input_stream is not None and kwargs.get("data") is None:
            kwargs["data"] = input_stream.read()
        if auth is not None:
            kwargs["headers"] = with_header(kwargs.get("headers"), "Authorization", _basic(auth))
        environ = {**self.environ_base, **(environ_base or {}), **(environ_overrides or {})}
        path = apply_environ(environ, kwargs, path, self.base_url)
        # Contexts kept from the previous request end before the next one starts.
        self._pop_preserved()
        self._pending.clear()
        if self.preserve_context:
            kwargs["_capture"] = self._capture
        try:
            response = call_blocking(
                self.portal,
                lambda: self._async.open(path, method, follow_redirects=follow_redirects, **kwargs),
            )
        finally:
            pending, self._pending = self._pending, []
        if self.preserve_context and pending:
            ctx = pending[-1]
            ctx.push()
            self._preserved.append(ctx)
        return response

    def get(self, *args: Any, **kwargs: Any) -> TestResponse:
        """Send a GET request."""
        kwargs["method"] = "GET"
        return self.open(*args, **kwargs)

    def post(self, *args: Any, **kwargs: Any) -> TestResponse:
        """Send a POST request."""
        kwargs["method"] = "POST"
        return self.open(*args, **kwargs)

    def put(self, *args: Any, **kwargs: Any) -> TestResponse:
        """Send a PUT request."""
        kwargs["method"] = "PUT"
        return self.open(*args, **kwargs)

    def patch(self, *args: Any, **kwargs: Any) -> TestResponse:
        """Send a PATCH request."""
        kwargs["method"] = "PATCH"
        return self.open(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> TestResponse:
        """Send a DELETE request."""
        kwargs["method"] = "DELETE"
        return self.open(*args, **kwargs)

    def head(self, *args: Any, **kwargs: Any) -> TestResponse:
        """Send a HEAD request."""
        kwargs["method"] = "HEAD"
        return self.open(*args, **kwargs)

    def options(self, *args: Any, **kwargs: Any) -> TestResponse:
        """Send an OPTIONS request."""
        kwargs["method"] = "OPTIONS"
        return self.open(*args, **kwargs)

    def trace(self, *args: Any, **kwargs: Any) -> TestResponse:
        """Send a TRACE request."""
        kwargs["method"] = "TRACE"
        return self.open(*args, **kwargs)

    @contextmanager
    def session_transaction(self, *args: Any, **kwargs: Any) -> Iterator[SessionMixin]:
        """Open the session the next request would see: ``with client.session_transaction() as s``.

        Changes made in the block are saved into the client's cookies when it ends.
        """
        manager = self._async.session_transaction(*args, **kwargs)
        with self.portal.wrap_async_context_manager(manager) as session:
            yield session

    @contextmanager
    def stream(self, method: str, path: str, **kwargs: Any) -> Iterator[BlockingStream]:
        """Send a request and read its body as the app produces it (streams, SSE).

        ``with client.stream("GET", "/events") as r: for line in r.iter_lines(): ...``;
        leaving the block disconnects, which stops the app's stream.
        """
        portal = self.portal
        with portal.wrap_async_context_manager(self._async.stream(method, path, **kwargs)) as r:
            yield BlockingStream(r, portal)

    @contextmanager
    def websocket(self, path: str, **kwargs: Any) -> Iterator[BlockingWebsocket]:
        """Open a websocket: ``with client.websocket("/ws") as ws: ws.send("hi")``.

        A handshake the app rejects raises ``WebSocketDisconnect`` on entering.
        """
        portal = self.portal
        with portal.wrap_async_context_manager(self._async.websocket(path, **kwargs)) as ws:
            yield BlockingWebsocket(ws, portal)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.application!r}>"


class BlockingStream:
    """A streamed response read with blocking calls: ``iter_bytes``, ``iter_lines``, ``read``."""

    def __init__(self, response: StreamedTestResponse, portal: BlockingPortal) -> None:
        self.response = response
        self._portal = portal

    @property
    def status_code(self) -> int:
        """The response status code."""
        return self.response.status_code

    @property
    def status(self) -> str:
        """The response status, ``"200 OK"`` style."""
        return self.response.status

    @property
    def headers(self) -> Any:
        """The response headers."""
        return self.response.headers

    def iter_bytes(self) -> Iterator[bytes]:
        """The body in chunks as they arrive."""
        chunks = self.response.iter_bytes()
        while True:
            try:
                yield call_blocking(self._portal, chunks.__anext__)
            except StopAsyncIteration:
                return

    def iter_lines(self) -> Iterator[str]:
        """The body line by line as it arrives, without line endings."""
        lines = self.response.iter_lines()
        while True:
            try:
                yield call_blocking(self._portal, lines.__anext__)
            except StopAsyncIteration:
                return

    def read(self) -> bytes:
        """Read the rest of the body and return all of it."""
        return call_blocking(self._portal, self.response.read)


class BlockingWebsocket:
    """The client side of a test websocket, with blocking calls."""

    def __init__(self, ws: TestWebsocket, portal: BlockingPortal) -> None:
        self._ws = ws
        self._portal = portal

    @property
    def accepted_subprotocol(self) -> str | None:
        """The subprotocol the app chose when it accepted, if any."""
        return self._ws.accepted_subprotocol

    @property
    def close_code(self) -> int | None:
        """The close code, once the connection is closed."""
        return self._ws.close_code

    def send(self, data: str | bytes) -> None:
        """Send a text or binary message to the app."""
        call_blocking(self._portal, self._ws.send, data)

    def send_json(self, obj: Any) -> None:
        """Send ``obj`` as JSON text."""
        call_blocking(self._portal, self._ws.send_json, obj)

    def receive(self) -> str | bytes:
        """The next message from the app; a server close raises ``WebSocketDisconnect``."""
        return call_blocking(self._portal, self._ws.receive)

    def receive_json(self) -> Any:
        """The next message parsed as JSON."""
        return call_blocking(self._portal, self._ws.receive_json)

    def close(self, code: int = 1000) -> None:
        """Close the connection from the client side."""
        call_blocking(self._portal, self._ws.close, code)


def _basic(auth: tuple[str, str]) -> str:
    username, password = auth
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


__all__ = ["BlockingStream", "BlockingWebsocket", "FlaskClient"]
