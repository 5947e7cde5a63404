"""``Cache-Control`` as an object: ``response.cache_control.max_age = 60``."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


#: Directives whose field lists are sent as quoted strings (RFC 9111, 5.2.2).
_QUOTED_FORM = frozenset({"no-cache", "private"})


def _quoted(value: str, always: bool = False) -> str:
    if not always and _TOKEN.fullmatch(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _number(name: str) -> property:
    def get(self: ResponseCacheControl) -> int | None:
        value = self._directives.get(name)
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            return None

    def set_(self: ResponseCacheControl, value: int | None) -> None:
        self._set(name, None if value is None else str(int(value)), present=value is not None)

    return property(get, set_, doc=f"The ``{name}`` directive, in seconds (None: absent).")


def _flag(name: str) -> property:
    def get(self: ResponseCacheControl) -> bool:
        return name in self._directives

    def set_(self: ResponseCacheControl, value: bool) -> None:
        self._set(name, None, present=bool(value))

    return property(get, set_, doc=f"Whether the ``{name}`` directive is present.")


class ResponseCacheControl:
    """The directives of a response's ``Cache-Control`` header; changes are written back.

    Numbers (``max_age``, ``s_maxage``, ``stale_while_revalidate``...) are ``int`` or
    None; flags (``public``, ``no_store``, ``immutable``...) are ``bool``. ``no_cache``
    and ``private`` are flags too (a field list they may carry is kept as is).
    """

    max_age = _number("max-age")
    s_maxage = _number("s-maxage")
    stale_while_revalidate = _number("stale-while-revalidate")
    stale_if_error = _number("stale-if-error")
    no_cache = _flag("no-cache")
    no_store = _flag("no-store")
    no_transform = _flag("no-transform")
    public = _flag("public")
    private = _flag("private")
    must_revalidate = _flag("must-revalidate")
    proxy_revalidate = _flag("proxy-revalidate")
    must_understand = _flag("must-understand")
    immutable = _flag("immutable")

    def __init__(
        self, header: str | None, on_update: Callable[[str | None], Any] | None = None
    ) -> None:
        from ..http import parse_dict_header  # http imports this package

        self._directives: dict[str, str | None] = {
            key.lower(): value for key, value in parse_dict_header(header).items()
        }
        self._on_update = on_update

    def _set(self, name: str, value: str | None, *, present: bool) -> None:
        if present:
            self._directives[name] = value
        else:
            self._directives.pop(name, None)
        if self._on_update is not None:
            self._on_update(self.to_header() or None)

    def to_header(self) -> str:
        """The header value."""
        return ", ".join(
            key if value is None else f"{key}={_quoted(value, key in _QUOTED_FORM)}"
            for key, value in self._directives.items()
        )

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower().replace("_", "-") in self._directives

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"


__all__ = ["ResponseCacheControl"]
