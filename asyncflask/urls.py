"""Pure helpers for the URL pieces of a request: host validation, quoting, query strings."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote

# RFC 3986 host: a reg-name, an IPv4 address or a bracketed IPv6 literal, then an optional port.
_HOST_RE = re.compile(
    r"(?:[A-Za-z0-9\-._~!$&'()*+,;=%]+|\[[0-9A-Fa-f:.]+(?:%[A-Za-z0-9\-._~]+)?\])(?::[0-9]{1,5})?"
)
_DEFAULT_PORTS = {"http": ":80", "ws": ":80", "https": ":443", "wss": ":443"}
_PATH_SAFE = "/:@!$&'()*+,;=~"
_HEX = frozenset("0123456789abcdefABCDEF")


def is_valid_host(host: str) -> bool:
    """Whether ``host`` is a syntactically valid ``host[:port]`` (RFC 3986)."""
    return len(host) <= 255 and _HOST_RE.fullmatch(host) is not None


def strip_default_port(host: str, scheme: str) -> str:
    """Drop ``:80`` for http/ws and ``:443`` for https/wss."""
    suffix = _DEFAULT_PORTS.get(scheme)
    if suffix is not None and host.endswith(suffix):
        return host[: -len(suffix)]
    return host


def host_without_port(host: str) -> str:
    """The host name of ``host[:port]`` (IPv6 literals keep their brackets)."""
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rpartition(":")[0] if ":" in host else host


def host_is_trusted(host: str, trusted_hosts: Iterable[str]) -> bool:
    """Whether ``host`` is in ``trusted_hosts``; ``.example.com`` also allows subdomains."""
    name = host_without_port(host).lower().rstrip(".")
    for trusted in trusted_hosts:
        trusted = trusted.lower()
        if trusted.startswith("."):
            if name == trusted[1:] or name.endswith(trusted):
                return True
        elif name == trusted:
            return True
    return False


def has_invalid_percent_encoding(raw: bytes) -> bool:
    """Whether a raw path holds a ``%`` not followed by two hex digits, or decodes to bad UTF-8."""
    if b"%" not in raw:
        return False
    text = raw.decode("latin-1")
    index = text.find("%")
    while index != -1:
        if text[index + 1 : index + 2] not in _HEX or text[index + 2 : index + 3] not in _HEX:
            return True
        index = text.find("%", index + 3)
    try:
        _percent_decode(raw).decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _percent_decode(raw: bytes) -> bytes:
    parts = raw.split(b"%")
    out = [parts[0]]
    for part in parts[1:]:
        out.append(bytes([int(part[:2], 16)]) + part[2:])
    return b"".join(out)


def quote_path(path: str) -> str:
    """Percent-encode a decoded path for use in a URL."""
    return quote(path, safe=_PATH_SAFE)


def parse_query_string(query_string: bytes) -> list[tuple[str, str]]:
    """Parse ``a=1&b=2`` leniently: bad percent-encoding becomes U+FFFD, never an error."""
    if not query_string:
        return []
    return parse_qsl(
        query_string.decode("utf-8", "replace"),
        keep_blank_values=True,
        encoding="utf-8",
        errors="replace",
    )


__all__ = [
    "has_invalid_percent_encoding",
    "host_is_trusted",
    "host_without_port",
    "is_valid_host",
    "parse_query_string",
    "quote_path",
    "strip_default_port",
]
