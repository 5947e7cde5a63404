"""Parsed ``Accept*`` headers and content negotiation.

``request.accept_mimetypes`` is a :class:`MIMEAccept`, ``request.accept_languages`` a
:class:`LanguageAccept` and ``request.accept_charsets`` a :class:`CharsetAccept`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import Any, SupportsIndex, TypeVar, overload

__all__ = ["Accept", "CharsetAccept", "LanguageAccept", "MIMEAccept"]

_A = TypeVar("_A", bound="Accept")


def _accept_rank(entry: tuple[str, float, Any, tuple[int, ...]]) -> tuple[float, tuple[int, ...]]:
    return entry[1], entry[3]


_NO_PARAMS: frozenset[str] = frozenset()


@functools.lru_cache(maxsize=256)
def _parse_mimetype(value: str) -> tuple[str, str, frozenset[str]] | None:
    """``"Text/HTML; level=1"`` -> ``("text", "html", {"level=1"})``; None if malformed."""
    main, _, params = value.partition(";")
    kind, _, subtype = main.strip().lower().partition("/")
    if kind == "*" and not subtype:
        subtype = "*"
    if not kind or not subtype:
        return None
    if not params:
        return kind, subtype, _NO_PARAMS
    return kind, subtype, frozenset(p.strip().lower() for p in params.split(";") if p.strip())


class Accept(tuple[tuple[str, float], ...]):
    """A parsed ``Accept*`` header: ``(value, quality)`` pairs, best first.

    ``accept["text/html"]`` and :meth:`quality` give the quality a value gets (the most
    specific matching entry decides); quality 0 means "not acceptable". An empty
    header accepts everything.
    """

    # Per entry: its quality, its value in the form _matches() compares, its specificity.
    _entries: tuple[tuple[float, Any, tuple[int, ...]], ...]

    def __new__(cls: type[_A], values: Iterable[tuple[str, float]] | None = ()) -> _A:
        parse = cls._parse
        specificity = cls._specificity
        entries = []
        for value, quality in values or ():
            parsed = parse(value)
            if parsed is not None:
                entries.append((value, quality, parsed, specificity(parsed)))
        if len(entries) > 1:
            # Best quality first, then the most specific; stable for equal entries.
            entries.sort(key=_accept_rank, reverse=True)
        accept = super().__new__(cls, [(value, quality) for value, quality, _, _ in entries])
        accept._entries = tuple([entry[1:] for entry in entries])
        return accept

    @classmethod
    def _parse(cls, value: str) -> Any:
        """The comparable form of ``value``, or None if it is malformed."""
        return value.strip().lower() or None

    @classmethod
    def _specificity(cls, parsed: Any) -> tuple[int, ...]:
        return (int(parsed != "*"),)

    @classmethod
    def _matches(cls, offered: Any, item: Any) -> bool:
        """Whether a client entry ``item`` covers the ``offered`` value (both parsed)."""
        return bool(item == "*" or item == offered)

    @overload
    def __getitem__(self, key: str) -> float: ...
    @overload
    def __getitem__(self, key: SupportsIndex) -> tuple[str, float]: ...
    @overload
    def __getitem__(self, key: slice) -> tuple[tuple[str, float], ...]: ...

    def __getitem__(
        self, key: str | SupportsIndex | slice
    ) -> float | tuple[str, float] | tuple[tuple[str, float], ...]:
        if isinstance(key, str):
            return self.quality(key)
        return super().__getitem__(key)

    def _best_entry(self, value: str) -> tuple[float, tuple[int, ...]] | None:
        """``(quality, specificity)`` of the most specific entry matching ``value``."""
        offered = self._parse(value)
        if offered is None:
            return None
        best: tuple[float, tuple[int, ...]] | None = None
        for quality, parsed, specificity in self._entries:
            if self._matches(offered, parsed) and (best is None or specificity > best[1]):
                best = (quality, specificity)
        return best

    def quality(self, key: str) -> float:
        """The quality the client gives ``key`` (0 if not acceptable)."""
        if not self:
            return 1
        entry = self._best_entry(key)
        return 0 if entry is None else entry[0]

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, str):
            return False
        return self.quality(value) > 0

    def values(self) -> Iterator[str]:
        """The accepted values, best first."""
        for value, _ in self:
            yield value

    def find(self, key: str) -> int:
        """The index of the first entry matching ``key``, or -1."""
        offered = self._parse(key)
        if offered is not None:
            for index, (_, parsed, _) in enumerate(self._entries):
                if self._matches(offered, parsed):
                    return index
        return -1

    def index(self, key: str | tuple[str, float]) -> int:  # type: ignore[override]
        """The index of the first entry matching ``key``; ValueError if none does."""
        if isinstance(key, tuple):
            return super().index(key)
        index = self.find(key)
        if index < 0:
            raise ValueError(f"{key!r} is not in the {type(self).__name__} header.")
        return index

    @property
    def best(self) -> str | None:
        """The client's preferred value, or None."""
        for value, quality in self:
            if quality > 0:
                return value
        return None

    def best_match(self, matches: Iterable[str], default: str | None = None) -> str | None:
        """Of the values the server can offer, the one the client prefers.

        Ties go to the more specific client entry, then to the order of ``matches``.
        Returns ``default`` if the client accepts none of them.
        """
        best: str | None = None
        best_rank: tuple[float, tuple[int, ...]] = (0, ())
        for match in matches:
            if not self:
                return match
            rank = self._best_entry(match)
            if rank is not None and rank[0] > 0 and (best is None or rank > best_rank):
                best, best_rank = match, rank
        return default if best is None else best

    def to_header(self) -> str:
        """The header value, e.g. ``"text/html,application/json;q=0.9"``."""
        return ",".join(
            value if quality == 1 else f"{value};q={quality:g}" for value, quality in self
        )

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)!r})"


class MIMEAccept(Accept):
    """A parsed ``Accept`` header, matching wildcards such as ``*/*`` and ``text/*``."""

    @classmethod
    def _parse(cls, value: str) -> Any:
        return _parse_mimetype(value)

    @classmethod
    def _specificity(cls, parsed: Any) -> tuple[int, ...]:
        kind, subtype, params = parsed
        if kind == "*":
            return (0, 0)
        if subtype == "*":
            return (1, 0)
        return (2, len(params))

    @classmethod
    def _matches(cls, offered: Any, item: Any) -> bool:
        kind, subtype, params = offered
        item_kind, item_subtype, item_params = item
        if item_kind == "*":
            return True
        if item_kind != kind:
            return False
        return bool(item_subtype == "*" or (item_subtype == subtype and item_params <= params))

    @property
    def accept_html(self) -> bool:
        """Whether the client accepts HTML (or XHTML)."""
        return self.quality("text/html") > 0 or self.accept_xhtml

    @property
    def accept_xhtml(self) -> bool:
        """Whether the client accepts XHTML."""
        return self.quality("application/xhtml+xml") > 0

    @property
    def accept_json(self) -> bool:
        """Whether the client accepts JSON."""
        return self.quality("application/json") > 0


class LanguageAccept(Accept):
    """A parsed ``Accept-Language`` header; ``en`` covers ``en-US`` (RFC 4647)."""

    @classmethod
    def _parse(cls, value: str) -> Any:
        return value.strip().replace("_", "-").lower() or None

    @classmethod
    def _specificity(cls, parsed: Any) -> tuple[int, ...]:
        return (0,) if parsed == "*" else (1, parsed.count("-"))

    @classmethod
    def _matches(cls, offered: Any, item: Any) -> bool:
        return bool(item == "*" or offered == item or offered.startswith(item + "-"))

    def best_match(self, matches: Iterable[str], default: str | None = None) -> str | None:
        """Like :meth:`Accept.best_match`; if nothing matches, the primary languages are
        compared, so a client's ``en-US`` can still select the server's ``en-GB``.
        """
        matches = list(matches)
        result = super().best_match(matches, None)
        if result is not None or not self:
            return default if result is None else result
        primary = LanguageAccept((value.split("-")[0], quality) for value, quality in self)
        fallback = [match.replace("_", "-").split("-")[0] for match in matches]
        found = Accept.best_match(primary, fallback, None)
        return default if found is None else matches[fallback.index(found)]


_CHARSET_ALIASES = {"latin1": "iso88591", "l1": "iso88591", "ascii": "usascii"}


class CharsetAccept(Accept):
    """A parsed ``Accept-Charset`` header; ``utf8`` matches ``utf-8``, ``latin1`` matches
    ``iso-8859-1``.
    """

    @classmethod
    def _parse(cls, value: str) -> Any:
        # Not codecs.lookup(): it caches every unknown name, so client-chosen names
        # would grow that cache without bound.
        value = value.strip().lower()
        if value == "*":
            return value
        name = "".join(char for char in value if char.isalnum())
        return _CHARSET_ALIASES.get(name, name) or None
