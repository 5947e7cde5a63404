"""Type aliases for ASGI messages and for the values views and hooks may use."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from typing import Any, TypeAlias

Scope: TypeAlias = MutableMapping[str, Any]
Message: TypeAlias = MutableMapping[str, Any]
Receive: TypeAlias = Callable[[], Awaitable[Message]]
Send: TypeAlias = Callable[[Message], Awaitable[None]]
ASGIApp: TypeAlias = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Raw ASGI header pairs: lower-case names and values as latin-1 bytes.
RawHeaders: TypeAlias = list[tuple[bytes, bytes]]

HeaderValue: TypeAlias = str | int
HeadersLike: TypeAlias = (
    Mapping[str, HeaderValue | Iterable[HeaderValue]] | Iterable[tuple[str, HeaderValue]]
)

#: What a view may return; see ``asyncflask.coerce`` for the rules.
ResponseReturnValue: TypeAlias = Any
RouteCallable: TypeAlias = Callable[..., Any]
