"""HTTP headers: :class:`Headers` and the checks that keep header injection out.

``request.headers`` and ``response.headers`` are :class:`Headers`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar, cast, overload

from asyncflask.exceptions import BadRequestKeyError
from asyncflask.typing import HeadersLike, HeaderValue

from .multidict import MultiDict, _convert, _convert_one, _missing

__all__ = ["Headers"]

T = TypeVar("T")


_TOKEN_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Names already checked against _TOKEN_RE; bounded so hostile names cannot grow it.
_valid_names: set[str] = set()


def _header_name(name: str) -> str:
    if name in _valid_names:
        return name
    if not isinstance(name, str):
        raise TypeError(f"Header names must be str, not {type(name).__name__}.")
    if _TOKEN_RE.fullmatch(name) is None:
        if "\r" in name or "\n" in name or "\0" in name:
            raise ValueError(
                f"Header name {name!r} contains a CR, LF or NUL character, which would"
                " allow header injection."
            )
        raise ValueError(
            f"Header name {name!r} is not a valid HTTP token: use letters, digits and"
            " !#$%&'*+-.^_`|~ only."
        )
    if len(_valid_names) < 1024:
        _valid_names.add(name)
    return name


def _header_value(name: str, value: HeaderValue) -> str:
    if not isinstance(value, str):
        if value is None or isinstance(value, (bytes, bytearray, memoryview)):
            raise TypeError(
                f"The value of header {name!r} must be str or int, not"
                f" {type(value).__name__}. Decode or convert it first."
            )
        # Flask code also sets floats and other objects; they are sent as str().
        value = str(value)
    if "\r" in value or "\n" in value or "\0" in value:
        raise ValueError(
            f"The value of header {name!r} contains a CR, LF or NUL character, which would"
            " allow header injection. Remove those characters."
        )
    return value


def _with_options(name: str, value: HeaderValue, options: Mapping[str, str | int | None]) -> str:
    # Imported here: asyncflask.http imports this module.
    from asyncflask.http import dump_options_header

    options = {key.replace("_", "-"): option for key, option in options.items()}
    return dump_options_header(_header_value(name, value), options)


class Headers:
    """An ordered, case-insensitive, multi-valued list of HTTP headers.

    ``headers["Content-Type"]`` gives the first value (a missing name raises
    :class:`~asyncflask.exceptions.BadRequestKeyError`); ``getlist`` gives them all.
    Iterating yields ``(name, value)`` pairs, so ``dict(headers)`` works.

    Names must be HTTP tokens and values may not contain CR, LF or NUL: both raise
    ValueError, so user input can never inject a header.
    """

    __slots__ = ("_list",)

    def __init__(self, defaults: Headers | HeadersLike | None = None) -> None:
        self._list: list[tuple[str, str]] = []
        if defaults is not None:
            self.extend(defaults)

    @classmethod
    def from_asgi(cls, raw: Iterable[tuple[bytes, bytes]]) -> Headers:
        """Build headers from an ASGI scope's ``headers`` (already validated by the server)."""
        headers = cls.__new__(cls)
        headers._list = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in raw]
        return headers

    def to_asgi(self) -> list[tuple[bytes, bytes]]:
        """The headers as ASGI byte pairs, with lower-case names, latin-1 encoded."""
        try:
            return [
                (name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in self._list
            ]
        except UnicodeEncodeError:
            for name, value in self._list:
                try:
                    value.encode("latin-1")
                except UnicodeEncodeError:
                    raise ValueError(
                        f"The value of header {name!r} ({value!r}) cannot be encoded as"
                        " latin-1, as HTTP requires. Percent-encode it (urllib.parse.quote),"
                        " or for a parameter such as a filename pass it as an option to"
                        " headers.set(), which encodes it per RFC 8187."
                    ) from None
            raise ValueError("Header names must be ASCII.") from None

    @overload
    def __getitem__(self, key: str) -> str: ...
    @overload
    def __getitem__(self, key: int) -> tuple[str, str]: ...
    @overload
    def __getitem__(self, key: slice) -> Headers: ...

    def __getitem__(self, key: str | int | slice) -> str | tuple[str, str] | Headers:
        if isinstance(key, str):
            ikey = key.lower()
            size = len(key)
            for name, value in self._list:
                if len(name) == size and name.lower() == ikey:
                    return value
            raise BadRequestKeyError(key)
        if isinstance(key, int):
            return self._list[key]
        headers = Headers.__new__(Headers)
        headers._list = self._list[key]
        return headers

    @overload
    def get(self, key: str) -> str | None: ...
    @overload
    def get(self, key: str, default: str | T) -> str | T: ...
    @overload
    def get(self, key: str, *, type: Callable[[str], T]) -> T | None: ...
    @overload
    def get(self, key: str, default: T, type: Callable[[str], T]) -> T: ...

    def get(self, key: str, default: Any = None, type: Callable[[str], Any] | None = None) -> Any:
        """The first value of header ``key``, or ``default``.

        With ``type``, the value is converted and ``default`` returned if that raises
        ValueError or TypeError (``headers.get("Content-Length", type=int)``).
        """
        ikey = key.lower()
        size = len(key)
        for name, value in self._list:
            if len(name) == size and name.lower() == ikey:
                return _convert_one(value, type, default)
        return default

    @overload
    def getlist(self, key: str) -> list[str]: ...
    @overload
    def getlist(self, key: str, type: Callable[[str], T]) -> list[T]: ...

    def getlist(self, key: str, type: Callable[[str], Any] | None = None) -> list[Any]:
        """Every value of header ``key``, in order (converted by ``type`` if given)."""
        ikey = key.lower()
        size = len(key)
        values = [value for name, value in self._list if len(name) == size and name.lower() == ikey]
        return values if type is None else _convert(values, type)

    def get_all(self, key: str) -> list[str]:
        """Every value of header ``key`` (the ``wsgiref`` name for ``getlist``)."""
        return self.getlist(key)

    def add(self, key: str, value: HeaderValue, /, **options: str | int | None) -> None:
        """Add a header after any existing ones of the same name.

        Keyword arguments become parameters (``_`` in their names becomes ``-``)::

            headers.add("Content-Disposition", "attachment", filename="report.pdf")
        """
        if options:
            value = _with_options(key, value, options)
        self._list.append((_header_name(key), _header_value(key, value)))

    def set(self, key: str, value: HeaderValue, /, **options: str | int | None) -> None:
        """Set a header, replacing every existing one of that name (in the first's place)."""
        if options:
            value = _with_options(key, value, options)
        item = (_header_name(key), _header_value(key, value))
        ikey = key.lower()
        size = len(key)
        items = self._list
        for index, (name, _) in enumerate(items):
            if len(name) == size and name.lower() == ikey:
                items[index] = item
                rest = items[index + 1 :]
                if rest:
                    items[index + 1 :] = [
                        pair
                        for pair in rest
                        if not (len(pair[0]) == size and pair[0].lower() == ikey)
                    ]
                return
        items.append(item)

    def setdefault(self, key: str, default: HeaderValue) -> str:
        """Return the first value of ``key``, adding the header with ``default`` if missing."""
        value = self.get(key)
        if value is not None:
            return value
        self.add(key, default)
        return self._list[-1][1]

    def setlist(self, key: str, values: Iterable[HeaderValue]) -> None:
        """Replace every ``key`` header with one header per value (none removes them)."""
        values = list(values)
        if not values:
            self.remove(key)
            return
        self.set(key, values[0])
        for value in values[1:]:
            self.add(key, value)

    def __setitem__(self, key: str | int, value: HeaderValue | tuple[str, HeaderValue]) -> None:
        """``headers[name] = value`` is :meth:`set`; ``headers[i] = (name, value)`` replaces
        the pair at that index.
        """
        if isinstance(key, int):
            if not isinstance(value, tuple):
                raise TypeError("Assigning to headers[index] takes a (name, value) tuple.")
            name, item_value = value
            self._list[key] = (_header_name(name), _header_value(name, item_value))
            return
        if isinstance(value, tuple):
            raise TypeError(f"The value of header {key!r} must be str or int, not tuple.")
        self.set(key, value)

    def remove(self, key: str) -> None:
        """Remove every header named ``key`` (nothing happens if there is none)."""
        ikey = key.lower()
        size = len(key)
        self._list = [
            pair for pair in self._list if not (len(pair[0]) == size and pair[0].lower() == ikey)
        ]

    def __delitem__(self, key: str | int | slice) -> None:
        if isinstance(key, str):
            self.remove(key)
        else:
            del self._list[key]

    @overload
    def pop(self, key: str | None = None) -> str: ...
    @overload
    def pop(self, key: str | None, default: str | T) -> str | T: ...

    def pop(self, key: str | None = None, default: Any = _missing) -> Any:
        """Remove header ``key`` and return its first value (or ``default`` if missing).

        Without a key, remove and return the last ``(name, value)`` pair's value.
        """
        if key is None:
            return self._list.pop()[1]
        value = self.get(key)
        if value is None:
            if default is _missing:
                raise BadRequestKeyError(key)
            return default
        self.remove(key)
        return value

    def popitem(self) -> tuple[str, str]:
        """Remove and return the last ``(name, value)`` pair."""
        return self._list.pop()

    def _pairs(self, other: Headers | HeadersLike) -> Iterator[tuple[str, HeaderValue]]:
        if isinstance(other, Headers):
            yield from other._list
        elif isinstance(other, MultiDict):
            yield from other.items(multi=True)
        elif isinstance(other, Mapping):
            for key, value in other.items():
                if isinstance(value, (list, tuple)):
                    for item in value:
                        yield key, item
                else:
                    # Anything but str or int is rejected by _header_value.
                    yield key, cast(HeaderValue, value)
        else:
            yield from other

    def extend(self, other: Headers | HeadersLike | None = None, /, **kwargs: HeaderValue) -> None:
        """Add headers from ``other`` and keyword arguments, keeping existing ones."""
        items = self._list
        if isinstance(other, Headers):
            items.extend(other._list)
        elif other is not None:
            for key, value in self._pairs(other):
                items.append((_header_name(key), _header_value(key, value)))
        for key, value in kwargs.items():
            items.append((_header_name(key), _header_value(key, value)))

    def update(self, other: Headers | HeadersLike | None = None, /, **kwargs: HeaderValue) -> None:
        """Replace headers by name with those from ``other`` and keyword arguments.

        Every name present in ``other`` replaces the existing headers of that name;
        several values for one name are all kept.
        """
        grouped: dict[str, tuple[str, list[HeaderValue]]] = {}
        pairs: Iterable[tuple[str, HeaderValue]] = () if other is None else self._pairs(other)
        for source in (pairs, kwargs.items()):
            for key, value in source:
                grouped.setdefault(key.lower(), (key, []))[1].append(value)
        for key, values in grouped.values():
            self.setlist(key, values)

    def clear(self) -> None:
        """Remove every header."""
        self._list.clear()

    def items(self, lower: bool = False) -> list[tuple[str, str]]:
        """The ``(name, value)`` pairs, names lower-cased if ``lower``."""
        if lower:
            return [(name.lower(), value) for name, value in self._list]
        return list(self._list)

    def keys(self, lower: bool = False) -> list[str]:
        """Header names in order (repeated for repeated headers)."""
        if lower:
            return [name.lower() for name, _ in self._list]
        return [name for name, _ in self._list]

    def values(self) -> list[str]:
        """Header values in order."""
        return [value for _, value in self._list]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._list)

    def __len__(self) -> int:
        return len(self._list)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        ikey = key.lower()
        size = len(key)
        for name, _ in self._list:  # noqa: SIM110 - a loop is 4x faster than any() here
            if len(name) == size and name.lower() == ikey:
                return True
        return False

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Headers):
            return NotImplemented

        def grouped(headers: Headers) -> dict[str, list[str]]:
            result: dict[str, list[str]] = {}
            for name, value in headers._list:
                result.setdefault(name.lower(), []).append(value)
            return result

        return grouped(self) == grouped(other)

    __hash__ = None  # type: ignore[assignment]

    def copy(self) -> Headers:
        """A copy that can be changed independently."""
        headers = type(self).__new__(type(self))
        headers._list = list(self._list)
        return headers

    def __copy__(self) -> Headers:
        return self.copy()

    def __str__(self) -> str:
        """The headers as an HTTP header block, ending with a blank line."""
        lines = [f"{name}: {value}\r\n" for name, value in self._list]
        lines.append("\r\n")
        return "".join(lines)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._list!r})"
