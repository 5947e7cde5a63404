"""Build the ASGI scope and body of a test request, as a client would send them."""

from __future__ import annotations

import mimetypes
import os
import secrets
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlencode, urlsplit

from ..datastructures import Headers, MultiDict
from ..logging import ERRORS_STREAM_KEY
from ..typing import Scope
from ..wrappers import Request

if TYPE_CHECKING:
    from ..app import Flask

_MISSING: Any = object()


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
    errors_stream: Any = None,
) -> tuple[Scope, bytes]:
    """Build an ASGI scope and body the way a client would send them.

    ``errors_stream`` is where the app's default log handler writes during the
    request (see ``asyncflask.logging.errors_stream``), as Flask's test client does.
    """
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
    if errors_stream is not None:
        scope[ERRORS_STREAM_KEY] = errors_stream
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


__all__ = ["build_scope", "build_test_request", "encode_multipart"]
