"""The response object: status, headers and a body that is either bytes or a stream."""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterable, Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, cast

from ..datastructures import Headers
from ..http import HTTP_STATUS_CODES, dump_cookie, parse_options_header
from ..typing import HeadersLike, RawHeaders

_CHARSET_MIMETYPES = frozenset(
    {
        "application/ecmascript",
        "application/javascript",
        "application/sql",
        "application/xml",
        "application/xml-dtd",
        "application/xml-external-parsed-entity",
    }
)

#: A response body: fixed bytes, or a stream of str/bytes chunks (sync or async).
ResponseBody = bytes | Iterable[str | bytes] | AsyncIterable[str | bytes]


def get_content_type(mimetype: str, charset: str = "utf-8") -> str:
    """Add ``; charset=...`` to text-like mimetypes (``text/*``, XML, JavaScript)."""
    if mimetype.startswith("text/") or mimetype in _CHARSET_MIMETYPES or mimetype.endswith("+xml"):
        return f"{mimetype}; charset={charset}"
    return mimetype


@functools.lru_cache(maxsize=64)
def _content_type_for(mimetype: str, charset: str) -> str:
    content_type = get_content_type(mimetype, charset)
    if any(c in content_type for c in "\r\n\0"):
        raise ValueError("The mimetype must not contain CR, LF or NUL characters.")
    return content_type


def _status_text(code: int) -> str:
    return f"{code} {HTTP_STATUS_CODES.get(code, 'UNKNOWN').upper()}"


class Response:
    """An HTTP response.

    ``response`` is a ``str``/``bytes`` body or an iterable (sync or async) of
    chunks that is streamed to the client as it is produced. ``status`` is an
    int or a string such as ``"404"`` or ``"299 CUSTOM"``. Text mimetypes get a
    ``charset=utf-8`` parameter.
    """

    default_status = 200
    default_mimetype: str | None = "text/html"
    charset = "utf-8"
    #: Warn-free limit kept for Flask compatibility; cookies larger than this are still sent.
    max_cookie_size = 4093
    autocorrect_location_header = False

    def __init__(
        self,
        response: ResponseBody | str | bytearray | None = None,
        status: int | str | None = None,
        headers: HeadersLike | Headers | None = None,
        mimetype: str | None = None,
        content_type: str | None = None,
        direct_passthrough: bool = False,
    ) -> None:
        if headers is None:
            # The common case: build the header list directly, skipping the merge logic.
            self.headers = Headers.__new__(Headers)
            self.headers._list = []
            if content_type is not None:
                self.headers["Content-Type"] = content_type
            else:
                mimetype = mimetype or self.default_mimetype
                if mimetype:
                    self.headers._list.append(
                        ("Content-Type", _content_type_for(mimetype, self.charset))
                    )
        else:
            self.headers = headers if isinstance(headers, Headers) else Headers(headers)
            if content_type is None:
                if mimetype is None and "Content-Type" not in self.headers:
                    mimetype = self.default_mimetype
                if mimetype is not None:
                    content_type = get_content_type(mimetype, self.charset)
            if content_type is not None:
                self.headers["Content-Type"] = content_type
        self._status_code = self.default_status
        self._reason: str | None = None
        if status is not None:
            self.status = status
        self.direct_passthrough = direct_passthrough
        self._on_close: list[Callable[[], Any]] = []
        self._data: bytes | None
        self._stream: Iterable[str | bytes] | AsyncIterable[str | bytes] | None
        if response is None:
            self._data, self._stream = b"", None
        elif isinstance(response, str):
            self._data, self._stream = response.encode(), None
        elif isinstance(response, (bytes, bytearray, memoryview)):
            self._data, self._stream = bytes(response), None
        else:
            self._data, self._stream = None, response

    # -- status ---------------------------------------------------------------

    @property
    def status_code(self) -> int:
        """The numeric status, e.g. ``404``."""
        return self._status_code

    @status_code.setter
    def status_code(self, code: int) -> None:
        if not isinstance(code, int) or isinstance(code, bool):
            raise TypeError(f"The status code must be an int, not {type(code).__name__}.")
        if not 100 <= code <= 999:
            raise ValueError(f"The status code must be between 100 and 999, not {code}.")
        self._status_code = code
        self._reason = None

    @property
    def status(self) -> str:
        """The status line text, e.g. ``"404 NOT FOUND"``."""
        if self._reason is not None:
            return f"{self._status_code} {self._reason}"
        return _status_text(self._status_code)

    @status.setter
    def status(self, value: int | str) -> None:
        if isinstance(value, int) and not isinstance(value, bool):
            self.status_code = value
            return
        if not isinstance(value, str):
            raise TypeError(f"The status must be an int or a str, not {type(value).__name__}.")
        value = value.strip()
        if any(c in value for c in "\r\n\0"):
            raise ValueError("The status must not contain CR, LF or NUL characters.")
        code_text, _, reason = value.partition(" ")
        try:
            code = int(code_text)
        except ValueError:
            raise ValueError(
                f"The status must start with a numeric code, like '404 NOT FOUND', not {value!r}."
            ) from None
        self.status_code = code
        if reason:
            self._reason = reason.upper()

    # -- headers --------------------------------------------------------------

    @property
    def content_type(self) -> str | None:
        """The ``Content-Type`` header."""
        return self.headers.get("Content-Type")

    @content_type.setter
    def content_type(self, value: str | None) -> None:
        if value is None:
            self.headers.remove("Content-Type")
        else:
            self.headers["Content-Type"] = value

    @property
    def mimetype(self) -> str | None:
        """The mimetype of the body, without parameters (``"text/html"``)."""
        ct = self.headers.get("Content-Type")
        if ct is None:
            return None
        return ct.split(";", 1)[0].strip().lower()

    @mimetype.setter
    def mimetype(self, value: str) -> None:
        self.headers["Content-Type"] = get_content_type(value, self.charset)

    @property
    def mimetype_params(self) -> dict[str, str]:
        """The parameters of the ``Content-Type`` header (``{"charset": "utf-8"}``)."""
        return parse_options_header(self.headers.get("Content-Type"))[1]

    @property
    def content_length(self) -> int | None:
        """The ``Content-Length`` header, or the body length for a fixed body."""
        value = self.headers.get("Content-Length")
        if value is not None:
            try:
                return int(value)
            except ValueError:
                return None
        if self._data is not None:
            return len(self._data)
        return None

    @content_length.setter
    def content_length(self, value: int | None) -> None:
        if value is None:
            self.headers.remove("Content-Length")
        else:
            self.headers["Content-Length"] = str(int(value))

    @property
    def location(self) -> str | None:
        """The ``Location`` header."""
        return self.headers.get("Location")

    @location.setter
    def location(self, value: str) -> None:
        self.headers["Location"] = value

    @property
    def allow(self) -> frozenset[str]:
        """The methods the ``Allow`` header lists (405 and automatic OPTIONS answers)."""
        header = self.headers.get("Allow") or ""
        return frozenset(item.strip() for item in header.split(",") if item.strip())

    @allow.setter
    def allow(self, methods: Iterable[str]) -> None:
        self.headers["Allow"] = ", ".join(methods)

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: timedelta | int | None = None,
        expires: str | datetime | int | float | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        partitioned: bool = False,
    ) -> None:
        """Add a ``Set-Cookie`` header. ``max_age`` is seconds or a timedelta."""
        self.headers.add(
            "Set-Cookie",
            dump_cookie(
                key,
                value,
                max_age=max_age,
                expires=expires,
                path=path,
                domain=domain,
                secure=secure,
                httponly=httponly,
                samesite=samesite,
                partitioned=partitioned,
            ),
        )

    def delete_cookie(
        self,
        key: str,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        partitioned: bool = False,
    ) -> None:
        """Tell the client to drop a cookie (same ``path``/``domain`` as when it was set)."""
        self.set_cookie(
            key,
            expires=0,
            max_age=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )

    # -- body -----------------------------------------------------------------

    @property
    def is_streamed(self) -> bool:
        """True when the body is an iterable sent as it is produced."""
        return self._data is None

    @property
    def response(self) -> Iterable[str | bytes] | AsyncIterable[str | bytes]:
        """The body as an iterable: ``[data]`` for a fixed body, the stream otherwise."""
        if self._data is not None:
            return [self._data]
        return cast("Iterable[str | bytes] | AsyncIterable[str | bytes]", self._stream)

    @response.setter
    def response(self, value: ResponseBody | str) -> None:
        if isinstance(value, (str, bytes, bytearray)):
            self.set_data(value)
        else:
            self._data, self._stream = None, value

    def get_data(self, as_text: bool = False) -> Any:
        """The body as bytes (or text); a sync stream is read and kept, an async one cannot be."""
        if self._data is None:
            stream = self._stream
            # A body that iterates both ways (a file's) is read in this thread.
            if hasattr(stream, "__aiter__") and not hasattr(stream, "__iter__"):
                raise RuntimeError(
                    "This response streams from an async iterable; its body cannot be read"
                    " synchronously. Iterate it with `async for` instead."
                )
            sync_stream = cast("Iterable[str | bytes]", stream)
            chunks = [c.encode() if isinstance(c, str) else bytes(c) for c in sync_stream]
            self._data, self._stream = b"".join(chunks), None
        if as_text:
            return self._data.decode(self.charset, "replace")
        return self._data

    def set_data(self, value: str | bytes | bytearray) -> None:
        """Replace the body with fixed data (``str`` is UTF-8 encoded)."""
        if isinstance(value, str):
            value = value.encode(self.charset)
        self._data, self._stream = bytes(value), None
        if "Content-Length" in self.headers:
            self.headers["Content-Length"] = str(len(self._data))

    data = property(get_data, set_data, doc="The body as bytes; assigning replaces it.")

    @property
    def is_json(self) -> bool:
        """Whether the mimetype is JSON (``application/json`` or ``+json``)."""
        mt = self.mimetype
        return mt is not None and (mt == "application/json" or mt.endswith("+json"))

    def get_json(self, force: bool = False, silent: bool = False) -> Any:
        """Parse the body as JSON; ``None`` when the mimetype is not JSON (unless ``force``)."""
        if not (force or self.is_json):
            return None
        try:
            return json.loads(self.get_data())
        except ValueError:
            if silent:
                return None
            raise

    @property
    def json(self) -> Any:
        """The body parsed as JSON, or ``None`` for a non-JSON mimetype."""
        return self.get_json()

    # -- lifecycle ------------------------------------------------------------

    def call_on_close(self, func: Callable[[], Any]) -> Callable[[], Any]:
        """Run ``func`` once the response has been sent (or abandoned)."""
        self._on_close.append(func)
        return func

    def close(self) -> None:
        """Run the ``call_on_close`` functions and close a sync stream."""
        stream = self._stream
        if stream is not None and hasattr(stream, "close"):
            stream.close()
        callbacks, self._on_close = self._on_close, []
        for func in callbacks:
            func()

    def asgi_headers(self) -> RawHeaders:
        """The headers as ASGI byte pairs, with ``Content-Length`` added for a fixed body."""
        raw = self.headers.to_asgi()
        if self._data is not None:
            for name, _ in raw:
                if name == b"content-length":
                    break
            else:
                raw.append((b"content-length", str(len(self._data)).encode()))
        return raw

    def __repr__(self) -> str:
        size = "streamed" if self._data is None else f"{len(self._data)} bytes"
        return f"<{type(self).__name__} {size} [{self.status}]>"


__all__ = ["Response", "get_content_type"]
