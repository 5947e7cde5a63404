"""HTTP grammar helpers: status phrases, dates, header options, accept headers, cookies.

Every parser here is lenient and linear-time: malformed or hostile input gives an
empty or partial result, never an exception or a slow path.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from typing import TypeVar, overload
from urllib.parse import quote, unquote

from asyncflask.datastructures import Accept, ImmutableMultiDict

__all__ = [
    "HTTP_STATUS_CODES",
    "dump_cookie",
    "dump_options_header",
    "http_date",
    "parse_accept_header",
    "parse_cookie",
    "parse_date",
    "parse_dict_header",
    "parse_list_header",
    "parse_options_header",
    "parse_set_cookie",
    "quote_cookie_value",
    "quote_header_value",
    "status_phrase",
    "unquote_header_value",
]

_A = TypeVar("_A", bound=Accept)

#: Reason phrases by status code, as registered with IANA (RFC 9110 wording).
HTTP_STATUS_CODES: dict[int, str] = {
    100: "Continue",
    101: "Switching Protocols",
    102: "Processing",
    103: "Early Hints",
    200: "OK",
    201: "Created",
    202: "Accepted",
    203: "Non-Authoritative Information",
    204: "No Content",
    205: "Reset Content",
    206: "Partial Content",
    207: "Multi-Status",
    208: "Already Reported",
    226: "IM Used",
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    304: "Not Modified",
    305: "Use Proxy",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Content Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    416: "Range Not Satisfiable",
    417: "Expectation Failed",
    418: "I'm a teapot",
    421: "Misdirected Request",
    422: "Unprocessable Content",
    423: "Locked",
    424: "Failed Dependency",
    425: "Too Early",
    426: "Upgrade Required",
    428: "Precondition Required",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    451: "Unavailable For Legal Reasons",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
    506: "Variant Also Negotiates",
    507: "Insufficient Storage",
    508: "Loop Detected",
    510: "Not Extended",
    511: "Network Authentication Required",
}


def status_phrase(code: int) -> str:
    """Return the reason phrase for ``code`` (``"Not Found"``), or ``"UNKNOWN"``."""
    return HTTP_STATUS_CODES.get(code, "UNKNOWN")


def http_date(value: datetime | date | float | None = None) -> str:
    """Format a date as an HTTP date: ``"Fri, 17 May 2024 12:30:00 GMT"``.

    ``value`` may be a datetime (naive ones are taken as UTC), a date (midnight UTC),
    a Unix timestamp, or None for now.
    """
    if value is None:
        value = datetime.now(timezone.utc)
    elif isinstance(value, (int, float)):
        value = datetime.fromtimestamp(value, timezone.utc)
    elif not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    else:
        value = value.astimezone(timezone.utc)
    return email.utils.format_datetime(value, usegmt=True)


def parse_date(value: str | None) -> datetime | None:
    """Parse an HTTP date (RFC 9110, including the obsolete RFC 850 and asctime forms).

    Returns an aware UTC datetime, or None if ``value`` is missing or not a date.
    """
    if not value or len(value) > 128:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


# ---- Header values and parameters -------------------------------------------------------

_TOKEN_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_UNESCAPE_RE = re.compile(r'\\([\\"])')
# One item of a comma-separated list: a run of plain characters, a quoted string (the
# closing quote optional so unterminated input ends the item), or the separator. The
# alternatives start with different characters, so matching never backtracks.
_LIST_TOKEN_RE = re.compile(r'[^,"]+|"[^"\\]*(?:\\.[^"\\]*)*"?|,', re.DOTALL)
_SKIP_RE = re.compile(r"[\s;]*")
_SPACE_RE = re.compile(r"\s*")
_OPTION_KEY_RE = re.compile(r"[^=;\s]+")
_QUOTED_RUN_RE = re.compile(r'[^"\\]*')
# Byte values a quoted RFC 2231 / RFC 8187 parameter may carry unencoded (attr-char).
_ATTR_CHAR_SAFE = "!#$&+^`|~"
_EXT_CHARSETS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "iso-8859-1": "latin-1",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "us-ascii": "ascii",
    "ascii": "ascii",
}


def quote_header_value(value: str | int, allow_token: bool = True) -> str:
    """Quote a header parameter value if it is not a plain token.

    ``quote_header_value("a b")`` gives ``'"a b"'``; backslashes and quotes are escaped.
    """
    value = str(value)
    if allow_token and _TOKEN_RE.fullmatch(value) is not None:
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unquote_header_value(value: str) -> str:
    """Remove the quotes around a quoted header value and undo its escapes."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return _UNESCAPE_RE.sub(r"\1", value[1:-1])
    return value


def _decode_ext_value(value: str) -> str:
    """Decode an RFC 2231 / RFC 8187 extended value: ``charset'language'percent-encoded``."""
    charset, sep, rest = value.partition("'")
    if not sep:
        return unquote(value, "utf-8", "replace")
    _, sep, encoded = rest.partition("'")
    if not sep:
        encoded = rest
    # Only the charsets RFC 8187 requires; others (and unknown ones) decode as UTF-8.
    encoding = _EXT_CHARSETS.get(charset.strip().lower(), "utf-8")
    return unquote(encoded, encoding, "replace")


def _match_end(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """Where ``pattern`` stops matching at ``pos`` (``pos`` itself if it does not match)."""
    match = pattern.match(text, pos)
    return pos if match is None else match.end()


def parse_options_header(value: str | None) -> tuple[str, dict[str, str]]:
    """Split a header such as ``Content-Type`` into its value and parameters.

    ``'text/html; charset="UTF-8"'`` gives ``("text/html", {"charset": "UTF-8"})``. The
    value and parameter names are lower-cased, quoted values unquoted, and RFC 2231
    ``name*=utf-8''...`` parameters decoded (they win over a plain ``name``).
    Malformed parameters are skipped.
    """
    if not value:
        return "", {}
    main, sep, rest = value.partition(";")
    main = main.strip().lower()
    options: dict[str, str] = {}
    if not sep:
        return main, options
    if '"' not in rest and "*" not in rest:
        # Fast path for the usual "type/subtype; charset=utf-8" form.
        for part in rest.split(";"):
            key, sep, option = part.partition("=")
            key = key.strip()
            if sep and key:
                if _OPTION_KEY_RE.fullmatch(key) is None:
                    break
                options[key.lower()] = option.strip()
        else:
            return main, options
        options.clear()
    extended: set[str] = set()
    size = len(rest)
    pos = 0
    while True:
        pos = _match_end(_SKIP_RE, rest, pos)
        if pos >= size:
            break
        match = _OPTION_KEY_RE.match(rest, pos)
        if match is None:
            # A stray "=": skip to the next parameter.
            end = rest.find(";", pos)
            pos = size if end < 0 else end
            continue
        key = match.group().lower()
        pos = _match_end(_SPACE_RE, rest, match.end())
        if pos >= size or rest[pos] != "=":
            continue
        pos = _match_end(_SPACE_RE, rest, pos + 1)
        if pos < size and rest[pos] == '"':
            pos += 1
            chunks: list[str] = []
            while True:
                end = _match_end(_QUOTED_RUN_RE, rest, pos)
                chunks.append(rest[pos:end])
                pos = end
                if pos >= size:
                    break
                if rest[pos] == '"':
                    pos += 1
                    break
                chunks.append(rest[pos + 1 : pos + 2])
                pos += 2
            option = "".join(chunks)
            end = rest.find(";", pos)
            pos = size if end < 0 else end
        else:
            end = rest.find(";", pos)
            if end < 0:
                end = size
            option = rest[pos:end].strip()
            pos = end
        if key.endswith("*") and len(key) > 1:
            key = key[:-1]
            extended.add(key)
            options[key] = _decode_ext_value(option)
        elif key not in extended:
            options[key] = option
    return main, options


def dump_options_header(header: str | None, options: Mapping[str, str | int | None]) -> str:
    """Build a header value from a main value and parameters.

    ``None`` parameter values give a bare name; values that are not ASCII are encoded
    as RFC 8187 ``name*=UTF-8''...`` parameters.
    """
    segments = [] if header is None else [header]
    for key, value in options.items():
        if value is None:
            segments.append(key)
            continue
        text = str(value)
        if text.isascii():
            segments.append(f"{key}={quote_header_value(text)}")
        else:
            segments.append(f"{key}*=UTF-8''{quote(text, safe=_ATTR_CHAR_SAFE)}")
    return "; ".join(segments)


def _split_header_list(value: str) -> list[str]:
    """Split on commas outside quoted strings; items are stripped, empty ones dropped."""
    if '"' not in value:
        return [item for item in map(str.strip, value.split(",")) if item]
    items: list[str] = []
    current: list[str] = []
    for match in _LIST_TOKEN_RE.finditer(value):
        token = match.group()
        if token == ",":
            items.append("".join(current).strip())
            current = []
        else:
            current.append(token)
    items.append("".join(current).strip())
    return [item for item in items if item]


def parse_list_header(value: str | None) -> list[str]:
    """Parse a comma-separated header (``Cache-Control``, ``Vary``...) into its items.

    Commas inside quoted strings do not split; quoted items are unquoted.
    """
    if not value:
        return []
    return [unquote_header_value(item) for item in _split_header_list(value)]


def parse_dict_header(value: str | None) -> dict[str, str | None]:
    """Parse a comma-separated list of ``key=value`` items into a dict.

    ``'no-cache, max-age=60'`` gives ``{"no-cache": None, "max-age": "60"}``.
    """
    result: dict[str, str | None] = {}
    if not value:
        return result
    for item in _split_header_list(value):
        key, sep, option = item.partition("=")
        key = key.strip()
        if not key:
            continue
        if not sep:
            result[key] = None
        elif key.endswith("*") and len(key) > 1:
            result[key[:-1].rstrip()] = _decode_ext_value(option.strip())
        else:
            result[key] = unquote_header_value(option.strip())
    return result


# ---- Accept headers -----------------------------------------------------------------------

#: Entries beyond this many are ignored: real headers have a handful, and every entry
#: costs time in each quality()/best_match() call.
MAX_ACCEPT_ENTRIES = 128
_QUALITY_RE = re.compile(r"[01](?:\.[0-9]{0,6})?|\.[0-9]{1,6}")


@overload
def parse_accept_header(value: str | None) -> Accept: ...
@overload
def parse_accept_header(value: str | None, cls: type[_A]) -> _A: ...


def parse_accept_header(value: str | None, cls: type[Accept] = Accept) -> Accept:
    """Parse an ``Accept*`` header into ``cls`` (:class:`Accept` or a subclass).

    Entries with a malformed quality are skipped; a missing header gives an empty
    ``cls``, which accepts everything.
    """
    if not value:
        return cls()
    entries: list[tuple[str, float]] = []
    for part in _split_header_list(value)[:MAX_ACCEPT_ENTRIES]:
        if ";" not in part:
            entries.append((part, 1.0))
            continue
        main, params = parse_options_header(part)
        if not main:
            continue
        quality = 1.0
        q = params.pop("q", None)
        if q is not None:
            if _QUALITY_RE.fullmatch(q) is None:
                continue
            quality = float(q)
            if quality > 1:
                continue
        if params:
            main += "".join(f";{k}={quote_header_value(v)}" for k, v in params.items())
        entries.append((main, quality))
    return cls(entries)


# ---- Cookies --------------------------------------------------------------------------

# RFC 6265 cookie-octet: values made of these are sent as they are.
_COOKIE_VALUE_RE = re.compile(r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*")
# Bytes that are escaped inside a quoted cookie value (as Python's http.cookies does).
_COOKIE_ESCAPE_RE = re.compile(rb'[\x00-\x1f",;\\\x7f-\xff]')
_COOKIE_UNESCAPE_RE = re.compile(rb"\\([0-3][0-7]{2}|.)", re.DOTALL)
_COOKIE_DOMAIN_RE = re.compile(r"\.?[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*\.?")
_COOKIE_PATH_SAFE = "%!$&'()*+,/:=@"
_SAMESITE = {"strict": "Strict", "lax": "Lax", "none": "None"}


def _recode(text: str) -> str:
    """Undo a latin-1 decoding of UTF-8 bytes (ASGI header values are latin-1)."""
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _escape_cookie_byte(match: re.Match[bytes]) -> bytes:
    char = match.group()
    if char in b'"\\':
        return b"\\" + char
    return b"\\%03o" % char[0]


def _unescape_cookie_byte(match: re.Match[bytes]) -> bytes:
    escaped = match.group(1)
    if len(escaped) == 3:
        return bytes([int(escaped, 8)])
    return escaped


def _unquote_cookie_value(value: str) -> str:
    if len(value) < 2 or value[0] != '"' or value[-1] != '"':
        return _recode(value)
    inner = value[1:-1]
    try:
        raw = inner.encode("latin-1")
    except UnicodeEncodeError:
        raw = inner.encode("utf-8")
    raw = _COOKIE_UNESCAPE_RE.sub(_unescape_cookie_byte, raw)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def parse_cookie(header: str | None) -> ImmutableMultiDict[str, str]:
    """Parse a ``Cookie`` request header.

    Quoted values are unquoted (with ``\\ooo`` octal escapes). Parts without a name,
    such as ``=__Host-id=x``, are dropped: a browser would send them as a nameless
    cookie, and reading them as ``__Host-id`` would let a sibling domain forge
    prefixed cookies. Never raises.
    """
    cookies: list[tuple[str, str]] = []
    if header:
        for part in header.split(";"):
            key, sep, value = part.partition("=")
            key = key.strip(" \t")
            if not sep or not key:
                continue
            value = value.strip(" \t")
            if not key.isascii():
                key = _recode(key)
            if value[:1] == '"' or not value.isascii():
                value = _unquote_cookie_value(value)
            cookies.append((key, value))
    return ImmutableMultiDict(cookies)


def quote_cookie_value(value: str) -> str:
    """The wire form of a cookie value, quoted and escaped when it needs to be.

    A value made of RFC 6265 cookie characters is returned unchanged; any other goes in
    double quotes, with ``\\ooo`` escapes for ``"``, ``\\``, ``,``, ``;``, control
    characters and non-ASCII UTF-8 bytes, which :func:`parse_cookie` undoes.
    """
    if _COOKIE_VALUE_RE.fullmatch(value) is not None:
        return value
    return '"' + _COOKIE_ESCAPE_RE.sub(_escape_cookie_byte, value.encode()).decode() + '"'


def _check_cookie_text(what: str, value: str) -> None:
    if "\r" in value or "\n" in value or "\0" in value:
        raise ValueError(
            f"The cookie {what} {value!r} contains a CR, LF or NUL character, which would"
            " allow header injection. Remove those characters."
        )


def dump_cookie(
    key: str,
    value: str = "",
    max_age: timedelta | int | None = None,
    expires: datetime | date | float | str | None = None,
    path: str | None = "/",
    domain: str | None = None,
    secure: bool = False,
    httponly: bool = False,
    samesite: str | None = None,
    partitioned: bool = False,
) -> str:
    """Build a ``Set-Cookie`` header value.

    ``max_age`` (seconds or a timedelta) also sets ``Expires`` unless ``expires`` is
    given. ``samesite`` is ``"Strict"``, ``"Lax"`` or ``"None"``; ``partitioned`` (CHIPS)
    implies ``secure``. A value outside RFC 6265's cookie characters is quoted with
    ``\\ooo`` escapes for its UTF-8 bytes, as :func:`parse_cookie` expects.
    """
    _check_cookie_text("name", key)
    _check_cookie_text("value", value)
    if _TOKEN_RE.fullmatch(key) is None:
        raise ValueError(
            f"Cookie name {key!r} is not a valid token: use letters, digits and"
            " !#$%&'*+-.^_`|~ only."
        )
    parts = [f"{key}={quote_cookie_value(value)}"]

    if domain is not None:
        _check_cookie_text("domain", domain)
        if not domain.isascii():
            try:
                domain = domain.encode("idna").decode("ascii")
            except UnicodeError:
                raise ValueError(f"Cookie domain {domain!r} is not a valid domain.") from None
        if _COOKIE_DOMAIN_RE.fullmatch(domain) is None:
            raise ValueError(
                f"Cookie domain {domain!r} is not a valid domain: use a host name such as"
                " 'example.com'."
            )
        parts.append(f"Domain={domain}")

    if isinstance(max_age, timedelta):
        max_age = int(max_age.total_seconds())
    if expires is None and max_age is not None:
        expires = time.time() + max_age
    if expires is not None:
        if isinstance(expires, str):
            _check_cookie_text("expires", expires)
            if ";" in expires:
                raise ValueError(f"Cookie expires {expires!r} must not contain ';'.")
        else:
            expires = http_date(expires)
        parts.append(f"Expires={expires}")
    if max_age is not None:
        parts.append(f"Max-Age={int(max_age)}")

    if partitioned:
        secure = True
    if secure:
        parts.append("Secure")
    if httponly:
        parts.append("HttpOnly")
    if path is not None:
        _check_cookie_text("path", path)
        parts.append(f"Path={quote(path, safe=_COOKIE_PATH_SAFE)}")
    if samesite is not None:
        normal = _SAMESITE.get(samesite.lower())
        if normal is None:
            raise ValueError(
                f"SameSite must be 'Strict', 'Lax' or 'None' (case-insensitive), not {samesite!r}."
            )
        parts.append(f"SameSite={normal}")
    if partitioned:
        parts.append("Partitioned")
    return "; ".join(parts)


def parse_set_cookie(value: str) -> tuple[str, str, dict[str, str]]:
    """Parse a ``Set-Cookie`` header value into ``(name, value, attributes)``.

    Attribute names are lower-cased (``"expires"``, ``"max-age"``, ``"path"``...); flags
    such as ``secure`` and ``httponly`` map to ``""``, so test them with ``in``.
    Raises ValueError if the cookie has no name.
    """
    first, _, rest = value.partition(";")
    name, sep, cookie_value = first.partition("=")
    name = name.strip()
    if not sep or not name:
        raise ValueError(f"Set-Cookie value {value!r} has no cookie name.")
    attrs: dict[str, str] = {}
    if rest:
        for part in rest.split(";"):
            attr, sep, attr_value = part.partition("=")
            attr = attr.strip().lower()
            if attr:
                attrs[attr] = attr_value.strip() if sep else ""
    return name, _unquote_cookie_value(cookie_value.strip()), attrs
