"""``ProxyFix``: take the client address, scheme, host and prefix from trusted proxies.

Behind a reverse proxy the server sees the proxy's connection, not the client's. Proxies
report the original values in ``X-Forwarded-*`` headers, each proxy appending its own
value, so only the last values (one per proxy in front of the app) can be trusted; a
client can put anything before them.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import unquote

from ..typing import ASGIApp, Receive, Scope, Send
from ..urls import is_valid_host

ORIG_KEY = "asyncflask.proxy_fix.orig"

_FORWARDED_HEADERS = frozenset(
    {
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-forwarded-host",
        b"x-forwarded-port",
        b"x-forwarded-prefix",
    }
)
_SCHEMES = {
    "http": {"http": "http", "https": "https", "ws": "http", "wss": "https"},
    "websocket": {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"},
}
_DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}
_PORT_RE = re.compile(r"[0-9]{1,5}")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def _trusted_value(trusted: int, header: str | None) -> str | None:
    """The value ``trusted`` places from the end of a comma-separated header, if present."""
    if not trusted or header is None:
        return None
    values = [value for value in (part.strip() for part in header.split(",")) if value]
    if len(values) < trusted:
        return None
    return values[-trusted]


def _parse_port(text: str) -> int | None:
    if _PORT_RE.fullmatch(text) is None:
        return None
    port = int(text)
    return port if 0 < port < 65536 else None


def _parse_client(value: str) -> str | None:
    """The IP address in an ``X-Forwarded-For`` entry (``ip``, ``ip:port``, ``[ipv6]:port``)."""
    if value.startswith("["):
        address, bracket, port = value[1:].partition("]")
        if not bracket or (port and (port[:1] != ":" or _parse_port(port[1:]) is None)):
            return None
    elif value.count(":") == 1:
        address, _, port = value.partition(":")
        if _parse_port(port) is None:
            return None
    else:
        address = value
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _split_host(host: str) -> tuple[str, int | None] | None:
    """Host name and port of a validated ``host[:port]``, or None if the port is out of range."""
    if host.startswith("["):
        end = host.index("]")
        name, port = host[1:end], host[end + 2 :]
    elif ":" in host:
        name, _, port = host.rpartition(":")
    else:
        return host, None
    if not port:
        return name, None
    number = _parse_port(port)
    return None if number is None else (name, number)


def _parse_prefix(value: str) -> str | None:
    """The decoded ``X-Forwarded-Prefix`` without a trailing slash, if it is a safe path."""
    try:
        prefix = unquote(value, errors="strict")
    except UnicodeDecodeError:
        return None
    if (
        not prefix.startswith("/")
        # "//host" or "/\host" would make every URL built from root_path point elsewhere.
        or prefix.startswith("//")
        or "\\" in prefix
        or _CONTROL_RE.search(prefix)
        or any(segment in (".", "..") for segment in prefix.split("/"))
    ):
        return None
    return prefix.rstrip("/")


def _with_port(host: str, port: int) -> str:
    if host.startswith("["):
        return f"{host[: host.index(']') + 1]}:{port}"
    return f"{host.rpartition(':')[0] if ':' in host else host}:{port}"


def _read_headers(scope: Scope) -> tuple[dict[bytes, str], str | None]:
    """The ``X-Forwarded-*`` headers (repeated lines joined by commas) and the ``Host`` header."""
    forwarded: dict[bytes, str] = {}
    host: str | None = None
    for raw_name, raw_value in scope["headers"]:
        name = bytes(raw_name).lower()
        if name in _FORWARDED_HEADERS:
            value = bytes(raw_value).decode("latin-1")
            forwarded[name] = f"{forwarded[name]},{value}" if name in forwarded else value
        elif name == b"host" and host is None:
            # The first one, as the request reads it.
            host = bytes(raw_value).decode("latin-1")
    return forwarded, host


def _apply_host(fixed: dict[str, Any], forwarded_host: str | None) -> str | None:
    """Set ``server`` from a valid ``X-Forwarded-Host``; return the new ``Host`` header."""
    if not forwarded_host or not is_valid_host(forwarded_host):
        return None
    parts = _split_host(forwarded_host)
    if parts is None:
        return None
    name, port = parts
    if port is None:
        port = _DEFAULT_PORTS.get(str(fixed.get("scheme")), 80)
    fixed["server"] = (name, port)
    return forwarded_host


def _apply_port(fixed: dict[str, Any], host: str | None, forwarded_port: str | None) -> str | None:
    """Set the port of ``server`` from ``X-Forwarded-Port``; return the new ``Host`` header."""
    port = _parse_port(forwarded_port) if forwarded_port else None
    if port is None:
        return None
    # A malformed Host header is left alone: the request rejects it with a 400.
    new_host = _with_port(host, port) if host and is_valid_host(host) else None
    server = fixed.get("server")
    if server:
        fixed["server"] = (server[0], port)
    elif new_host:
        name_and_port = _split_host(new_host)
        if name_and_port is not None:
            fixed["server"] = (name_and_port[0], port)
    return new_host


def _apply_prefix(fixed: dict[str, Any], forwarded_prefix: str | None) -> None:
    """Make a safe ``X-Forwarded-Prefix`` the ``root_path``, replacing the server's."""
    prefix = _parse_prefix(forwarded_prefix) if forwarded_prefix else None
    if prefix is None:
        return
    old_root = str(fixed.get("root_path", "")).rstrip("/")
    path = str(fixed.get("path", "/"))
    # The ASGI path includes root_path; keep only the part below it.
    if old_root and path.startswith(old_root) and path[len(old_root) :][:1] in ("/", ""):
        path = path[len(old_root) :]
    fixed["root_path"] = prefix
    fixed["path"] = prefix + path


class ProxyFix:
    """ASGI middleware that applies ``X-Forwarded-*`` headers from trusted proxies.

    Wrap the application: ``app.asgi_app = ProxyFix(app.asgi_app, x_for=1, x_proto=1)``.
    Each argument is the number of proxies that set that header; ``0`` ignores it.
    Setting a number higher than the proxies in front of the app lets clients spoof
    the value, so count them exactly.

    - ``x_for``: ``X-Forwarded-For`` sets ``scope["client"]`` (port ``0``), so
      ``request.remote_addr``. Entries that are not IP addresses are ignored.
    - ``x_proto``: ``X-Forwarded-Proto`` (``http``/``https``, or ``ws``/``wss``) sets
      ``scope["scheme"]``; websocket scopes get ``ws``/``wss``.
    - ``x_host``: ``X-Forwarded-Host`` (a valid ``host[:port]``) replaces the ``Host``
      header and ``scope["server"]``.
    - ``x_port``: ``X-Forwarded-Port`` replaces the port of ``Host`` and ``server``.
    - ``x_prefix``: ``X-Forwarded-Prefix`` (a path starting with ``/``) becomes
      ``scope["root_path"]`` and is put in front of ``scope["path"]``.

    A header with fewer values than trusted, or whose trusted value is invalid, is
    ignored. The wrapped app gets a copy of the scope; the original values are kept
    in ``scope["asyncflask.proxy_fix.orig"]``. Scopes other than ``http`` and
    ``websocket`` pass through unchanged.
    """

    def __init__(
        self,
        app: ASGIApp,
        x_for: int = 1,
        x_proto: int = 1,
        x_host: int = 0,
        x_port: int = 0,
        x_prefix: int = 0,
    ) -> None:
        counts = {
            "x_for": x_for,
            "x_proto": x_proto,
            "x_host": x_host,
            "x_port": x_port,
            "x_prefix": x_prefix,
        }
        for name, value in counts.items():
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an int (a number of proxies), got {value!r}.")
            if value < 0:
                raise ValueError(f"{name} must be 0 or more (a number of proxies), got {value}.")
        self.app = app
        self.x_for = x_for
        self.x_proto = x_proto
        self.x_host = x_host
        self.x_port = x_port
        self.x_prefix = x_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in _SCHEMES:
            scope = self.fix_scope(scope)
        await self.app(scope, receive, send)

    def fix_scope(self, scope: Scope) -> Scope:
        """A copy of an ``http`` or ``websocket`` scope rewritten from the trusted headers."""
        forwarded, host = _read_headers(scope)
        fixed: dict[str, Any] = dict(scope)
        fixed[ORIG_KEY] = {
            "client": scope.get("client"),
            "scheme": scope.get("scheme"),
            "host": host,
            "server": scope.get("server"),
            "root_path": scope.get("root_path", ""),
            "path": scope.get("path"),
        }

        client = _trusted_value(self.x_for, forwarded.get(b"x-forwarded-for"))
        address = _parse_client(client) if client else None
        if address:
            fixed["client"] = (address, 0)

        proto = _trusted_value(self.x_proto, forwarded.get(b"x-forwarded-proto"))
        scheme = _SCHEMES[scope["type"]].get(proto.lower()) if proto else None
        if scheme:
            fixed["scheme"] = scheme

        forwarded_host = _apply_host(
            fixed, _trusted_value(self.x_host, forwarded.get(b"x-forwarded-host"))
        )
        host_with_port = _apply_port(
            fixed,
            forwarded_host or host,
            _trusted_value(self.x_port, forwarded.get(b"x-forwarded-port")),
        )
        new_host = host_with_port or forwarded_host
        if new_host is not None:
            fixed["headers"] = [
                (name, value) for name, value in scope["headers"] if name.lower() != b"host"
            ]
            fixed["headers"].append((b"host", new_host.encode("latin-1")))

        _apply_prefix(fixed, _trusted_value(self.x_prefix, forwarded.get(b"x-forwarded-prefix")))
        return fixed


__all__ = ["ORIG_KEY", "ProxyFix"]
