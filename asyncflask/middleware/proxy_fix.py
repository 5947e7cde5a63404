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
        forwarded: dict[bytes, list[str]] = {}
        host_header: str | None = None
        headers = list(scope.get("headers", ()))
        for raw_name, raw_value in headers:
            name = bytes(raw_name).lower()
            if name in _FORWARDED_HEADERS:
                forwarded.setdefault(name, []).append(bytes(raw_value).decode("latin-1"))
            elif name == b"host":
                host_header = bytes(raw_value).decode("latin-1")

        def header(name: bytes) -> str | None:
            values = forwarded.get(name)
            return ",".join(values) if values else None

        fixed: dict[str, Any] = dict(scope)
        fixed[ORIG_KEY] = {
            "client": scope.get("client"),
            "scheme": scope.get("scheme"),
            "host": host_header,
            "server": scope.get("server"),
            "root_path": scope.get("root_path", ""),
            "path": scope.get("path"),
        }
        new_host: str | None = None

        client = _trusted_value(self.x_for, header(b"x-forwarded-for"))
        address = _parse_client(client) if client else None
        if address:
            fixed["client"] = (address, 0)

        proto = _trusted_value(self.x_proto, header(b"x-forwarded-proto"))
        scheme = _SCHEMES[scope["type"]].get(proto.lower()) if proto else None
        if scheme:
            fixed["scheme"] = scheme

        forwarded_host = _trusted_value(self.x_host, header(b"x-forwarded-host"))
        if forwarded_host and is_valid_host(forwarded_host):
            parts = _split_host(forwarded_host)
            if parts is not None:
                host_name, port = parts
                default = _DEFAULT_PORTS.get(str(fixed.get("scheme", "http")), 80)
                fixed["server"] = (host_name, port if port is not None else default)
                new_host = host_header = forwarded_host

        forwarded_port = _trusted_value(self.x_port, header(b"x-forwarded-port"))
        port_number = _parse_port(forwarded_port) if forwarded_port else None
        if port_number is not None:
            if host_header:
                new_host = host_header = _with_port(host_header, port_number)
            server = fixed.get("server")
            if server:
                fixed["server"] = (server[0], port_number)
            elif host_header:
                split = _split_host(host_header)
                if split is not None:
                    fixed["server"] = (split[0], port_number)

        prefix_header = _trusted_value(self.x_prefix, header(b"x-forwarded-prefix"))
        prefix = _parse_prefix(prefix_header) if prefix_header else None
        if prefix is not None:
            old_root = str(scope.get("root_path", "")).rstrip("/")
            path = str(scope.get("path", "/"))
            if old_root and path.startswith(old_root) and path[len(old_root) :][:1] in ("/", ""):
                path = path[len(old_root) :]
            fixed["root_path"] = prefix
            fixed["path"] = prefix + path

        if new_host is not None:
            encoded = new_host.encode("latin-1")
            fixed["headers"] = [(name, value) for name, value in headers if name.lower() != b"host"]
            fixed["headers"].append((b"host", encoded))
        return fixed


__all__ = ["ORIG_KEY", "ProxyFix"]
