"""The async test client: drives the ASGI app in-process, with a cookie jar and streaming."""

from __future__ import annotations

import json as _json
import mimetypes
import os
import secrets
import sys
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlencode, urljoin, urlsplit

import anyio

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup  # type: ignore[import-not-found,unused-ignore]

from ..datastructures import Headers, MultiDict
from ..exceptions import WebSocketDisconnect
from ..http import parse_set_cookie
from ..typing import Message, Scope
from ..wrappers import Request, Response

if TYPE_CHECKING:
    from ..app import Flask

_MISSING: Any = object()
_REDIRECT_CODES = frozenset({301, 302, 303, 305, 307, 308})


# -- building requests --------------------------------------------------------


def _is_file(value: Any) -> bool:
    return hasattr(value, "read") or (
        isinstance(value, tuple) and bool(value) and hasattr(value[0], "read")
    )


def _iter_data(data: Any) -> Iterable[tuple[str, Any]]:
    if isinstance(data, MultiDict):
        yield from data.items(multi=True)
        return
    items = data.items() if isinstance(data, Mapping) else data
    for key, value in items:
        if isinstance(value, list):
            for item in value:
                yield key, item
        else:
            yield key, value


def _quote_param(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def encode_multipart(fields: Iterable[tuple[str, Any]]) -> tuple[bytes, str]:
    """Encode form fields and ``(file, filename[, content_type])`` tuples as multipart/form-data."""
    boundary = f"----asyncflask{secrets.token_hex(12)}"
    out: list[bytes] = []
    for name, value in fields:
        out.append(f"--{boundary}\r\n".encode())
        if _is_file(value):
            if isinstance(value, tuple):
                fileobj, filename, *rest = value
                content_type = rest[0] if rest else None
            else:
                fileobj = value
                filename = os.path.basename(str(getattr(value, "name", "") or "")) or None
                content_type = None
            if content_type is None:
                guessed = mimetypes.guess_type(filename or "")[0]
                content_type = guessed or "application/octet-stream"
            disposition = f'form-data; name="{_quote_param(name)}"'
            if filename is not None:
                disposition += f'; filename="{_quote_param(filename)}"'
            out.append(f"Content-Disposition: {disposition}\r\n".encode())
            out.append(f"Content-Type: {content_type}\r\n\r\n".encode())
            content = fileobj.read()
            out.append(content.encode() if isinstance(content, str) else bytes(content))
        else:
            out.append(
                f'Content-Disposition: form-data; name="{_quote_param(name)}"\r\n\r\n'.encode()
            )
            out.append(value.encode() if isinstance(value, str) else str(value).encode())
        out.append(b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def _encode_body(
    app: Flask, data: Any, json: Any, content_type: str | None
) -> tuple[bytes, str | None]:
    if json is not _MISSING:
        if data is not None:
            raise TypeError("Pass either 'data' or 'json', not both.")
        return app.json.dumps(json).encode(), content_type or "application/json"
    if data is None:
        return b"", content_type
    if isinstance(data, str):
        return data.encode(), content_type
    if isinstance(data, (bytes, bytearray)):
        return bytes(data), content_type
    if hasattr(data, "read"):
        content = data.read()
        return (content.encode() if isinstance(content, str) else bytes(content)), content_type
    fields = list(_iter_data(data))
    if any(_is_file(value) for _, value in fields) or (content_type or "").startswith(
        "multipart/form-data"
    ):
        body, multipart_type = encode_multipart(fields)
        return body, multipart_type
    body = urlencode([(k, v) for k, v in fields]).encode()
    return body, content_type or "application/x-www-form-urlencoded"


def _query_string(path_query: str, query_string: Any) -> bytes:
    if query_string is None:
        return path_query.encode()
    if isinstance(query_string, bytes):
        return query_string
    if isinstance(query_string, str):
        return query_string.lstrip("?").encode()
    return urlencode(list(_iter_data(query_string))).encode()


def build_scope(
    app: Flask,
    path: str = "/",
    base_url: str | None = None,
    query_string: Any = None,
    method: str = "GET",
    headers: Any = None,
    data: Any = None,
    json: Any = _MISSING,
    content_type: str | None = None,
    *,
    scope_type: str = "http",
    cookie_header: str | None = None,
    subprotocols: Iterable[str] | None = None,
    client_addr: tuple[str, int] = ("127.0.0.1", 50000),
) -> tuple[Scope, bytes]:
    """Build an ASGI scope and body the way a client would send them."""
    split = urlsplit(path)
    if split.scheme and split.netloc:
        base_url = f"{split.scheme}://{split.netloc}"
        path = split.path or "/"
    base = urlsplit(base_url or "http://localhost")
    scheme = base.scheme or "http"
    root_path = unquote(base.path).rstrip("/")
    url_path = urlsplit(path).path or "/"
    qs = _query_string(urlsplit(path).query, query_string)
    body, body_type = _encode_body(app, data, json, content_type)
    given = Headers(headers) if headers is not None else Headers()
    raw_headers: list[tuple[bytes, bytes]] = []
    if "Host" not in given:
        raw_headers.append((b"host", base.netloc.encode("idna")))
    if body_type is not None and "Content-Type" not in given:
        raw_headers.append((b"content-type", body_type.encode("latin-1")))
    if body and "Content-Length" not in given:
        raw_headers.append((b"content-length", str(len(body)).encode()))
    if "User-Agent" not in given:
        raw_headers.append((b"user-agent", b"asyncflask-test-client"))
    explicit_cookie = "; ".join(given.getlist("Cookie"))
    given.remove("Cookie")
    cookie = "; ".join(filter(None, [cookie_header, explicit_cookie]))
    if cookie:
        raw_headers.append((b"cookie", cookie.encode("latin-1")))
    raw_headers.extend(given.to_asgi())
    port = base.port or (443 if scheme in ("https", "wss") else 80)
    if scope_type == "websocket":
        scheme = {"http": "ws", "https": "wss"}.get(scheme, scheme)
    decoded_path = unquote(url_path, errors="surrogateescape")
    scope: dict[str, Any] = {
        "type": scope_type,
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "scheme": scheme,
        "path": root_path + decoded_path,
        "raw_path": (quote(root_path) + url_path).encode("latin-1", "replace"),
        "root_path": root_path,
        "query_string": qs,
        "headers": raw_headers,
        "client": client_addr,
        "server": (base.hostname or "localhost", port),
        "state": {},
    }
    if scope_type == "http":
        scope["method"] = method.upper()
    else:
        scope["subprotocols"] = list(subprotocols or ())
        scope["extensions"] = {"websocket.http.response": {}}
    return scope, body


def build_test_request(app: Flask, *args: Any, **kwargs: Any) -> Request:
    """A ``Request`` for ``app.test_request_context``, with its body already read."""
    scope, body = build_scope(app, *args, **kwargs)
    request = app.request_class(scope, None, app)
    request._body = body
    return request


# -- cookies ------------------------------------------------------------------


class Cookie:
    """A cookie held by the test client."""

    def __init__(
        self,
        key: str,
        value: str,
        domain: str,
        path: str = "/",
        expires: float | None = None,
        secure: bool = False,
        http_only: bool = False,
        same_site: str | None = None,
        host_only: bool = True,
    ) -> None:
        self.key = key
        self.value = value
        self.domain = domain
        self.path = path
        self.expires = expires
        self.secure = secure
        self.http_only = http_only
        self.same_site = same_site
        self.host_only = host_only

    def matches(self, host: str, path: str, secure: bool) -> bool:
        """Whether the cookie is sent to ``host`` and ``path``."""
        if self.expires is not None and self.expires <= time.time():
            return False
        if self.secure and not secure:
            return False
        if self.host_only:
            if host != self.domain:
                return False
        elif host != self.domain and not host.endswith("." + self.domain):
            return False
        return path == self.path or path.startswith(self.path.rstrip("/") + "/")

    def __repr__(self) -> str:
        return f"<Cookie {self.key}={self.value!r} domain={self.domain!r} path={self.path!r}>"


class CookieJar:
    """The test client's cookies, keyed by domain, path and name."""

    def __init__(self) -> None:
        self._cookies: dict[tuple[str, str, str], Cookie] = {}

    def header_for(self, host: str, path: str, secure: bool) -> str | None:
        """The ``Cookie`` header to send, or None."""
        pairs = [
            f"{c.key}={c.value}"
            for c in sorted(self._cookies.values(), key=lambda c: -len(c.path))
            if c.matches(host, path, secure)
        ]
        return "; ".join(pairs) if pairs else None

    def set(self, cookie: Cookie) -> None:
        """Store or replace a cookie."""
        self._cookies[(cookie.domain, cookie.path, cookie.key)] = cookie

    def get(self, key: str, domain: str, path: str) -> Cookie | None:
        """The cookie with this name, domain and path."""
        cookie = self._cookies.get((domain, path, key))
        if cookie is not None and cookie.expires is not None and cookie.expires <= time.time():
            return None
        return cookie

    def delete(self, key: str, domain: str, path: str) -> None:
        """Forget a cookie."""
        self._cookies.pop((domain, path, key), None)

    def update_from(self, headers: Headers, host: str, request_path: str) -> None:
        """Apply the ``Set-Cookie`` headers of a response."""
        for value in headers.getlist("Set-Cookie"):
            try:
                name, cookie_value, attrs = parse_set_cookie(value)
            except ValueError:
                continue
            domain = str(attrs.get("domain") or "").lstrip(".").lower()
            host_only = not domain
            path = str(attrs.get("path") or "")
            if not path.startswith("/"):
                path = request_path.rsplit("/", 1)[0] or "/"
            expires: float | None = None
            max_age = attrs.get("max-age")
            if max_age is not None:
                try:
                    expires = time.time() + int(max_age)
                except (TypeError, ValueError):
                    expires = None
            elif attrs.get("expires") is not None:
                when = attrs["expires"]
                expires = when.timestamp() if hasattr(when, "timestamp") else None
            cookie = Cookie(
                name,
                cookie_value,
                domain or host,
                path,
                expires,
                secure=bool(attrs.get("secure")),
                http_only=bool(attrs.get("httponly")),
                same_site=attrs.get("samesite"),
                host_only=host_only,
            )
            if expires is not None and expires <= time.time():
                self.delete(name, cookie.domain, path)
            else:
                self.set(cookie)

    def __iter__(self) -> Any:
        return iter(list(self._cookies.values()))

    def __len__(self) -> int:
        return len(self._cookies)


# -- responses ----------------------------------------------------------------


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


def _response_from(
    status: int, raw_headers: list[tuple[bytes, bytes]], body: bytes
) -> TestResponse:
    headers = Headers([(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw_headers])
    return TestResponse(body, status=status, headers=headers)


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
    for leaf in leaves:
        if not isinstance(leaf, WebSocketDisconnect):
            return leaf
    return leaves[0] if leaves else error


# -- the client ---------------------------------------------------------------


class FlaskClient:
    """An async client that calls the app directly: ``r = await client.get("/")``.

    Cookies persist across requests. ``async with app.test_client() as client``
    also runs the app's startup and shutdown hooks.
    """

    __test__ = False

    def __init__(
        self, app: Flask, use_cookies: bool = True, base_url: str = "http://localhost"
    ) -> None:
        self.app = app
        self.base_url = base_url
        self.cookie_jar: CookieJar | None = CookieJar() if use_cookies else None

    async def __aenter__(self) -> FlaskClient:
        await self.app.startup()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.app.shutdown()

    # -- cookies --------------------------------------------------------------

    def set_cookie(
        self,
        key: str,
        value: str = "",
        *,
        domain: str = "localhost",
        path: str = "/",
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        expires: float | None = None,
    ) -> None:
        """Store a cookie the client will send."""
        if self.cookie_jar is None:
            raise TypeError("Cookies are disabled. Create a client with 'use_cookies=True'.")
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
                host_only=not domain.startswith("."),
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
        split = urlsplit(path)
        target = urlsplit(base_url if not (split.scheme and split.netloc) else path)
        cookie_header = None
        if self.cookie_jar is not None:
            host = (target.hostname or "localhost").lower()
            full_path = unquote(target.path.rstrip("/")) + (split.path or "/")
            secure = target.scheme in ("https", "wss")
            cookie_header = self.cookie_jar.header_for(host, full_path, secure)
        return build_scope(
            self.app, path, base_url, scope_type=scope_type, cookie_header=cookie_header, **kwargs
        )

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
        response = await self._open_once(path, method, dict(kwargs))
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
            response = await self._open_once(new_path, method, redirect_kwargs)
        response.history = tuple(history)
        return response

    async def _open_once(self, path: str, method: str, kwargs: dict[str, Any]) -> TestResponse:
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
            messages.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                done.set()

        # Each request runs in a task of its own, as under a server, so context
        # variables a view sets never leak into the test or the next request.
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(self.app, scope, receive, send)
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
                await self.app(scope, receive, send)

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
                await self.app(scope, receive, send)

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
            error.status_code = message["status"]  # type: ignore[attr-defined]
            raise error
        raise WebSocketDisconnect(int(message.get("code", 1000)), str(message.get("reason") or ""))

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


__all__ = [
    "Cookie",
    "CookieJar",
    "FlaskClient",
    "LineSplitter",
    "StreamedTestResponse",
    "TestResponse",
    "TestWebsocket",
    "build_scope",
    "build_test_request",
    "encode_multipart",
]
