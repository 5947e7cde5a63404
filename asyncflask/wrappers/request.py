"""The request object: lazy views over the ASGI scope, and the request body."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, overload

from .._lazy import cached_attribute
from ..datastructures import (
    Authorization,
    CharsetAccept,
    CombinedMultiDict,
    Headers,
    ImmutableMultiDict,
    LanguageAccept,
    MIMEAccept,
    MultiDict,
    UserAgent,
)
from ..deadlines import call_with_timeout
from ..exceptions import (
    BadRequest,
    ClientDisconnected,
    RequestEntityTooLarge,
    RequestTimeout,
    SecurityError,
    UnsupportedMediaType,
)
from ..http import parse_accept_header, parse_cookie, parse_options_header
from ..typing import Message, Receive, Scope
from ..urls import (
    host_is_trusted,
    is_valid_host,
    parse_query_string,
    quote_path,
    strip_default_port,
)

if TYPE_CHECKING:
    from ..app import Flask
    from ..routing import Rule

_MISSING: Any = object()
_BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE", "TRACE"})
DEFAULT_MAX_CONTENT_LENGTH = 16 * 1024 * 1024


async def _empty_receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


class _BodyLimit:
    """A body limit of a request: the route's own value if it set one, else the app's config."""

    def __init__(self, config_key: str, default: int | None) -> None:
        self.config_key = config_key
        self.default = default
        self.override = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.override = f"_route_{name}"

    @overload
    def __get__(self, request: None, owner: type | None = None) -> _BodyLimit: ...

    @overload
    def __get__(self, request: Request, owner: type | None = None) -> int | None: ...

    def __get__(self, request: Request | None, owner: type | None = None) -> Any:
        if request is None:
            return self
        value = request.__dict__.get(self.override, _MISSING)
        if value is not _MISSING:
            return value
        app = request._app
        return self.default if app is None else app.config.get(self.config_key)

    def __set__(self, request: Request, value: int | None) -> None:
        request.__dict__[self.override] = value


class _BaseRequest:
    """What HTTP requests and websocket handshakes share: URL, headers, query, cookies."""

    #: Set by the application while routing.
    url_rule: Rule | None = None
    view_args: dict[str, Any] | None = None
    routing_exception: Exception | None = None

    def __init__(self, scope: Scope, app: Flask | None = None) -> None:
        self.scope = scope
        self._app = app
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if root:
            # Servers put root_path in front of path (uvicorn does); take it off again.
            root = root.rstrip("/")
            if path.startswith(root) and path[len(root) : len(root) + 1] in ("/", ""):
                path = path[len(root) :]
        #: The prefix the app is mounted at (ASGI ``root_path``), without a trailing slash.
        self.root_path = root
        #: The decoded path below ``root_path``; the app answers 400 unless it starts with ``/``.
        self.path = path or "/"

    # -- URL ------------------------------------------------------------------

    @cached_attribute
    def scheme(self) -> str:
        """``http``/``https`` (``ws``/``wss`` for websockets), as the server reported it."""
        return str(self.scope.get("scheme", "http"))

    @property
    def is_secure(self) -> bool:
        """Whether the request came over TLS (``https`` or ``wss``)."""
        return self.scheme in ("https", "wss")

    @property
    def script_root(self) -> str:
        """Alias of ``root_path``, Flask's name for it."""
        return self.root_path

    @cached_attribute
    def query_string(self) -> bytes:
        """The raw query string, without the ``?``."""
        return bytes(self.scope.get("query_string", b""))

    @property
    def full_path(self) -> str:
        """``path`` plus ``?`` and the query string."""
        return f"{self.path}?{self.query_string.decode('latin-1')}"

    @cached_attribute
    def host(self) -> str:
        """The validated ``Host`` header (or the server address), default port removed.

        A malformed host, or one not in ``TRUSTED_HOSTS``, raises a 400 error.
        """
        host = self.headers.get("Host")
        if host is None:
            server = self.scope.get("server")
            if server and server[0]:
                name, port = server[0], server[1]
                if ":" in name and not name.startswith("["):
                    name = f"[{name}]"
                host = name if port is None else f"{name}:{port}"
            else:
                host = "localhost"
        if not is_valid_host(host):
            raise BadRequest("The Host header is not a valid host name.")
        host = strip_default_port(host, self.scheme)
        trusted = self._trusted_hosts()
        if trusted is not None and not host_is_trusted(host, trusted):
            raise SecurityError(f"Host {host!r} is not a trusted host.")
        return host

    def _trusted_hosts(self) -> list[str] | None:
        if self._app is None:
            return None
        trusted: list[str] | None = self._app.config.get("TRUSTED_HOSTS")
        return trusted

    @property
    def host_url(self) -> str:
        """``scheme://host/``."""
        return f"{self.scheme}://{self.host}/"

    @property
    def url_root(self) -> str:
        """``scheme://host/root_path/``."""
        return f"{self.scheme}://{self.host}{quote_path(self.root_path)}/"

    @property
    def root_url(self) -> str:
        """Alias of ``url_root``."""
        return self.url_root

    @property
    def base_url(self) -> str:
        """The URL without the query string."""
        return f"{self.scheme}://{self.host}{quote_path(self.root_path + self.path)}"

    @property
    def url(self) -> str:
        """The full URL, query string included."""
        qs = self.query_string
        if qs:
            return f"{self.base_url}?{qs.decode('latin-1')}"
        return self.base_url

    # -- headers and friends --------------------------------------------------

    @cached_attribute
    def headers(self) -> Headers:
        """The request headers: case-insensitive and multi-valued."""
        return Headers.from_asgi(self.scope["headers"])

    def _raw_header(self, name: bytes) -> str | None:
        # The pipeline reads a few headers on every request; scanning the ASGI list
        # (lower-case names) is cheaper than building ``headers`` (or a dict of them).
        for key, value in self.scope["headers"]:
            if key == name:
                return str(value.decode("latin-1"))
        return None

    @cached_attribute
    def args(self) -> ImmutableMultiDict[str, str]:
        """The parsed query string."""
        return ImmutableMultiDict(parse_query_string(self.query_string))

    @cached_attribute
    def authorization(self) -> Authorization | None:
        """The ``Authorization`` header parsed (Basic, Bearer, or parameters); None if absent."""
        return Authorization.from_header(self._raw_header(b"authorization"))

    @cached_attribute
    def cookies(self) -> ImmutableMultiDict[str, str]:
        """The cookies the client sent."""
        values = self.headers.getlist("Cookie")
        return parse_cookie("; ".join(values) if values else None)

    @property
    def remote_addr(self) -> str | None:
        """The client address the server reported."""
        client = self.scope.get("client")
        return str(client[0]) if client else None

    @property
    def access_route(self) -> list[str]:
        """The ``X-Forwarded-For`` chain, or the remote address."""
        forwarded = self.headers.get("X-Forwarded-For")
        if forwarded:
            return [part.strip() for part in forwarded.split(",") if part.strip()]
        return [self.remote_addr] if self.remote_addr else []

    @cached_attribute
    def user_agent(self) -> UserAgent:
        """The ``User-Agent`` header."""
        return UserAgent(self.headers.get("User-Agent", ""))

    @cached_attribute
    def accept_mimetypes(self) -> MIMEAccept:
        """The ``Accept`` header; ``best_match([...])`` picks a mimetype."""
        return parse_accept_header(self.headers.get("Accept"), MIMEAccept)

    @cached_attribute
    def accept_charsets(self) -> CharsetAccept:
        """The ``Accept-Charset`` header."""
        return parse_accept_header(self.headers.get("Accept-Charset"), CharsetAccept)

    @cached_attribute
    def accept_languages(self) -> LanguageAccept:
        """The ``Accept-Language`` header."""
        return parse_accept_header(self.headers.get("Accept-Language"), LanguageAccept)

    @cached_attribute
    def accept_encodings(self) -> Any:
        """The ``Accept-Encoding`` header."""
        return parse_accept_header(self.headers.get("Accept-Encoding"))

    @property
    def referrer(self) -> str | None:
        """The ``Referer`` header."""
        return self.headers.get("Referer")

    @property
    def origin(self) -> str | None:
        """The ``Origin`` header."""
        return self.headers.get("Origin")

    # -- routing --------------------------------------------------------------

    @property
    def endpoint(self) -> str | None:
        """The endpoint of the matched rule."""
        rule = self.url_rule
        return rule.endpoint if rule is not None else None

    @property
    def blueprint(self) -> str | None:
        """The name of the blueprint of the matched endpoint (dotted when nested)."""
        endpoint = self.endpoint
        if endpoint is not None and "." in endpoint:
            return endpoint.rpartition(".")[0]
        return None

    @property
    def blueprints(self) -> list[str]:
        """The matched blueprint and its parents, innermost first."""
        name = self.blueprint
        if name is None:
            return []
        parts = name.split(".")
        return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


class Request(_BaseRequest):
    """An HTTP request.

    Header, query, cookie and URL parsing happen on first use. By default the
    body is read before ``before_request`` hooks run, so ``data``, ``get_data()``,
    ``get_json()``, ``json``, ``form`` and ``values`` work in sync and async views.
    On a route registered with ``stream_request=True`` read it with
    ``async for chunk in request.stream`` or ``await request.load_body()``.
    """

    def __init__(self, scope: Scope, receive: Receive | None = None, app: Flask | None = None):
        super().__init__(scope, app)
        self._receive = receive if receive is not None else _empty_receive
        self._body: bytes | None = None
        self._stream_started = False
        #: The request method, upper case.
        self.method: str = scope.get("method", "GET").upper()

    def close(self) -> None:
        """Close uploaded files; the application calls this when the request ends.

        It also lets go of ``routing_exception``, whose traceback holds frames that
        hold this request: the two would otherwise wait for the garbage collector.
        """
        self.routing_exception = None
        parsed = self.__dict__.get("_form_and_files")
        if parsed is not None:
            for _, upload in parsed[1].items(multi=True):
                upload.close()

    # -- content headers ------------------------------------------------------

    @property
    def content_type(self) -> str | None:
        """The ``Content-Type`` header."""
        return self._raw_header(b"content-type")

    @cached_attribute
    def _parsed_content_type(self) -> tuple[str, dict[str, str]]:
        return parse_options_header(self._raw_header(b"content-type"))

    @property
    def mimetype(self) -> str:
        """The mimetype of the body, lower case, without parameters."""
        return self._parsed_content_type[0]

    @property
    def mimetype_params(self) -> dict[str, str]:
        """The ``Content-Type`` parameters."""
        return self._parsed_content_type[1]

    @property
    def content_length(self) -> int | None:
        """The ``Content-Length`` header as an int (``None`` when missing or malformed)."""
        value = self._raw_header(b"content-length")
        return None if value is None else _parse_length(value)

    @property
    def is_json(self) -> bool:
        """Whether the mimetype is ``application/json`` or ``application/*+json``."""
        if self._raw_header(b"content-type") == "application/json":
            return True  # the common case, without parsing the header
        mt = self.mimetype
        return mt == "application/json" or (mt.startswith("application/") and mt.endswith("+json"))

    # -- limits ---------------------------------------------------------------

    #: The effective body size limit: the route's, else ``MAX_CONTENT_LENGTH``.
    max_content_length = _BodyLimit("MAX_CONTENT_LENGTH", DEFAULT_MAX_CONTENT_LENGTH)
    #: The largest form field (or urlencoded body) parsed in memory (``MAX_FORM_MEMORY_SIZE``).
    max_form_memory_size = _BodyLimit("MAX_FORM_MEMORY_SIZE", 500_000)
    #: The largest number of form fields parsed (``MAX_FORM_PARTS``).
    max_form_parts = _BodyLimit("MAX_FORM_PARTS", 1000)

    # -- body -----------------------------------------------------------------

    @property
    def body_loaded(self) -> bool:
        """Whether the body has been read into memory."""
        return self._body is not None

    def _expects_body(self) -> bool:
        if self.method not in _BODYLESS_METHODS:
            return True
        for name, _ in self.scope["headers"]:
            if name == b"content-length" or name == b"transfer-encoding":
                return True
        return False

    def _start_reading(self) -> tuple[int | None, int | None]:
        """Claim the body stream and check the declared length.

        Returns the size limit and the ``Content-Length`` the body must match.
        """
        if self._stream_started:
            raise RuntimeError("The request body stream was already consumed.")
        self._stream_started = True
        limit = self.max_content_length
        for key, value in self.scope["headers"]:
            if key == b"content-length":
                length = _parse_length(value)
                if length is None:
                    raise BadRequest("The Content-Length header is not a valid number.")
                if limit is not None and length > limit:
                    raise RequestEntityTooLarge(_too_large(limit))
                return limit, length
        return limit, None

    @staticmethod
    def _take_chunk(message: Message, received: int, limit: int | None) -> tuple[bytes, bool]:
        """The body bytes of one ASGI message and whether more follow."""
        kind = message["type"]
        if kind == "http.request":
            chunk: bytes = message.get("body", b"")
            if limit is not None and received + len(chunk) > limit:
                raise RequestEntityTooLarge(_too_large(limit))
            return chunk, bool(message.get("more_body", False))
        if kind == "http.disconnect":
            raise ClientDisconnected("The client disconnected while sending the body.")
        return b"", True

    async def _iter_receive(self) -> AsyncIterator[bytes]:
        limit, declared = self._start_reading()
        received = 0
        more = True
        while more:
            chunk, more = self._take_chunk(await self._receive(), received, limit)
            if chunk:
                received += len(chunk)
                if declared is not None and received > declared:
                    raise BadRequest(_LONGER_THAN_DECLARED)
                yield chunk
        if declared is not None and received != declared:
            raise BadRequest(_SHORTER_THAN_DECLARED)

    async def _read_all(self) -> bytes:
        limit, declared = self._start_reading()
        message = await self._receive()
        if message["type"] == "http.request" and not message.get("more_body", False):
            # The usual case, the whole body in one message, without _take_chunk's call
            # and tuple: about 0.5 us on a 1 KiB JSON request (benchmarks/, echo).
            chunk: bytes = message.get("body", b"")
            if (limit is None or len(chunk) <= limit) and (
                declared is None or len(chunk) == declared
            ):
                return chunk
        chunk, more = self._take_chunk(message, 0, limit)
        chunks = [chunk]
        received = len(chunk)
        while True:
            if declared is not None and received > declared:
                raise BadRequest(_LONGER_THAN_DECLARED)
            if not more:
                break
            chunk, more = self._take_chunk(await self._receive(), received, limit)
            received += len(chunk)
            chunks.append(chunk)
        if declared is not None and received != declared:
            raise BadRequest(_SHORTER_THAN_DECLARED)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    async def load_body(self) -> bytes:
        """Read the whole body into memory (bounded by ``max_content_length``) and return it.

        A body that takes longer than ``BODY_TIMEOUT`` seconds to arrive is a 408.
        """
        body = self._body
        if body is not None:
            return body
        if not self._stream_started and not self._expects_body():
            self._body = b""
            return b""
        timeout = self._app.config.get("BODY_TIMEOUT") if self._app is not None else None
        if timeout is None:
            body = await self._read_all()
        else:
            try:
                body = await call_with_timeout(self._read_all, timeout)
            except TimeoutError:
                raise RequestTimeout(
                    f"The request body was not received within {timeout:g} seconds."
                ) from None
        self._body = body
        return body

    @property
    def stream(self) -> AsyncIterator[bytes]:
        """The body as an async iterator of chunks, read as it arrives on streaming routes."""
        if self._body is not None:
            return _yield_once(self._body)
        return self._iter_receive()

    def _require_body(self) -> bytes:
        if self._body is None:
            raise RuntimeError(
                "The request body has not been read: this route streams its body"
                " (stream_request=True). Call `await request.load_body()` first, or read"
                " it with `async for chunk in request.stream`."
            )
        return self._body

    def get_data(
        self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False
    ) -> Any:
        """The body as bytes, or as text with ``as_text=True``."""
        body = self._require_body()
        if as_text:
            return body.decode("utf-8", "replace")
        return body

    @property
    def data(self) -> bytes:
        """The raw body."""
        return self._require_body()

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        """Parse the body as JSON.

        A non-JSON ``Content-Type`` is a 415 error (unless ``force``), malformed
        JSON a 400 error; ``silent=True`` returns ``None`` for both instead.
        """
        if cache and "_cached_json" in self.__dict__:
            return self.__dict__["_cached_json"]
        if not (force or self.is_json):
            if silent:
                return None
            return self.on_json_loading_failed(None)
        body = self._require_body()
        try:
            loads = self._app.json.loads if self._app is not None else json.loads
            rv = loads(body)
        except (ValueError, RecursionError) as e:
            if silent:
                return None
            return self.on_json_loading_failed(e)
        if cache:
            self.__dict__["_cached_json"] = rv
        return rv

    def on_json_loading_failed(self, e: Exception | None) -> Any:
        """Called when JSON cannot be loaded; raises 415 (wrong type) or 400 (bad JSON)."""
        if e is None:
            raise UnsupportedMediaType(
                "Did not attempt to load JSON data because the request Content-Type was"
                " not 'application/json'."
            )
        if isinstance(e, RecursionError):
            raise BadRequest("Failed to decode JSON object: it is nested too deeply.")
        raise BadRequest(f"Failed to decode JSON object: {e}")

    @property
    def json(self) -> Any:
        """The body parsed as JSON (see ``get_json``)."""
        return self.get_json()

    # -- forms ----------------------------------------------------------------

    @cached_attribute
    def _form_and_files(self) -> tuple[MultiDict[str, str], MultiDict[str, Any]]:
        from ..formparser import parse_form_data

        return parse_form_data(self)

    @property
    def form(self) -> MultiDict[str, str]:
        """Fields of a ``application/x-www-form-urlencoded`` or ``multipart/form-data`` body."""
        return self._form_and_files[0]

    @property
    def files(self) -> MultiDict[str, Any]:
        """Uploaded files of a ``multipart/form-data`` body."""
        return self._form_and_files[1]

    @cached_attribute
    def values(self) -> CombinedMultiDict[str, str]:
        """``args`` and ``form`` combined (only ``args`` for GET requests)."""
        if self.method == "GET":
            return CombinedMultiDict([self.args])
        return CombinedMultiDict([self.args, self.form])

    def __repr__(self) -> str:
        try:
            url = self.url
        except BadRequest:
            url = self.path
        return f"<{type(self).__name__} {url!r} [{self.method}]>"


def _parse_length(value: str | bytes) -> int | None:
    """A ``Content-Length`` value as an int; None unless it is plain ASCII digits."""
    value = value.strip()
    if not value.isdigit() or not value.isascii():
        return None
    return int(value)


_LONGER_THAN_DECLARED = "The request body is longer than its Content-Length header says."
_SHORTER_THAN_DECLARED = "The request body ended before the length its Content-Length header says."


def _too_large(limit: int) -> str:
    return f"The request body exceeds the limit of {limit} bytes."


async def _yield_once(body: bytes) -> AsyncIterator[bytes]:
    if body:
        yield body


__all__ = ["DEFAULT_MAX_CONTENT_LENGTH", "Request"]
