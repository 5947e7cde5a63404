"""Request and response data structures: multi-value dicts, headers, Accept headers.

``request.args``, ``request.form`` and ``request.cookies`` are :class:`ImmutableMultiDict`
instances, ``request.values`` is a :class:`CombinedMultiDict`, ``request.headers`` and
``response.headers`` are :class:`Headers`, and ``request.accept_mimetypes`` is a
:class:`MIMEAccept`.
"""

from __future__ import annotations

import copy as _copy
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NoReturn, SupportsIndex, TypeVar, cast, overload

from asyncflask.exceptions import BadRequestKeyError
from asyncflask.typing import HeadersLike, HeaderValue

__all__ = [
    "Accept",
    "CallbackDict",
    "CharsetAccept",
    "CombinedMultiDict",
    "Headers",
    "ImmutableMultiDict",
    "LanguageAccept",
    "MIMEAccept",
    "MultiDict",
    "UserAgent",
]

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")
_A = TypeVar("_A", bound="Accept")

_missing: Any = object()


def _convert(values: Iterable[V], type: Callable[[V], T]) -> list[T]:
    """Convert each value with ``type``, skipping those it rejects."""
    result: list[T] = []
    for value in values:
        try:
            result.append(type(value))
        except (ValueError, TypeError):
            continue
    return result


class MultiDict(dict[K, list[V]]):
    """A dict that holds several values per key, as query strings and forms do.

    ``d[key]`` and ``d.get(key)`` give the first value; ``d.getlist(key)`` gives them
    all. A missing key raises :class:`~asyncflask.exceptions.BadRequestKeyError`, so an
    absent form field becomes a 400 response rather than a 500.

    Build one from a mapping (list or tuple values give several values), an iterable
    of ``(key, value)`` pairs, or another multi-dict.
    """

    def __init__(
        self,
        mapping: MultiDict[K, V]
        | CombinedMultiDict[K, V]
        | Mapping[K, V | list[V] | tuple[V, ...]]
        | Iterable[tuple[K, V]]
        | None = None,
    ) -> None:
        super().__init__()
        if mapping is not None:
            self._extend(mapping)

    def _extend(
        self,
        mapping: MultiDict[K, V]
        | CombinedMultiDict[K, V]
        | Mapping[K, V | list[V] | tuple[V, ...]]
        | Iterable[tuple[K, V]],
    ) -> None:
        setdefault = dict.setdefault
        # Cheap checks first: lists of pairs and plain dicts are the common inputs, and
        # isinstance() against the Mapping ABC is comparatively slow.
        if isinstance(mapping, list):
            for key, value in mapping:
                setdefault(self, key, []).append(value)
        elif type(mapping) is dict:
            self._extend_mapping(mapping)
        elif isinstance(mapping, (MultiDict, CombinedMultiDict)):
            for key, values in mapping.lists():
                if values:
                    setdefault(self, key, []).extend(values)
        elif isinstance(mapping, Mapping):
            self._extend_mapping(mapping)
        else:
            for key, value in mapping:
                setdefault(self, key, []).append(value)

    def _extend_mapping(self, mapping: Mapping[K, V | list[V] | tuple[V, ...]]) -> None:
        setdefault = dict.setdefault
        for key, value in mapping.items():
            if isinstance(value, (list, tuple)):
                if value:
                    setdefault(self, key, []).extend(value)
            else:
                setdefault(self, key, []).append(value)

    def __getitem__(self, key: K) -> V:  # type: ignore[override]
        values = dict.get(self, key)
        if values:
            return values[0]
        raise BadRequestKeyError(key)

    def __setitem__(self, key: K, value: V) -> None:  # type: ignore[override]
        dict.__setitem__(self, key, [value])

    def __iter__(self) -> Iterator[K]:
        # Defining __iter__ makes dict(md) and {**md} use keys() and __getitem__,
        # so they give first values rather than the internal lists.
        return dict.__iter__(self)

    @overload  # type: ignore[override]
    def get(self, key: K) -> V | None: ...
    @overload
    def get(self, key: K, default: V | T) -> V | T: ...
    @overload
    def get(self, key: K, *, type: Callable[[V], T]) -> T | None: ...
    @overload
    def get(self, key: K, default: T, type: Callable[[V], T]) -> T: ...

    def get(self, key: K, default: Any = None, type: Callable[[V], Any] | None = None) -> Any:
        """The first value for ``key``, or ``default``.

        With ``type``, the value is converted by calling ``type(value)``; if that raises
        ValueError or TypeError, ``default`` is returned (``args.get("page", 1, type=int)``).
        """
        values = dict.get(self, key)
        if not values:
            return default
        if type is None:
            return values[0]
        try:
            return type(values[0])
        except (ValueError, TypeError):
            return default

    @overload
    def getlist(self, key: K) -> list[V]: ...
    @overload
    def getlist(self, key: K, type: Callable[[V], T]) -> list[T]: ...

    def getlist(self, key: K, type: Callable[[V], Any] | None = None) -> list[Any]:
        """All values for ``key`` (an empty list if it is missing).

        With ``type``, values are converted and those it rejects are left out.
        """
        values = dict.get(self, key)
        if not values:
            return []
        if type is None:
            return list(values)
        return _convert(values, type)

    def setlist(self, key: K, new_list: Iterable[V]) -> None:
        """Replace the values for ``key`` with ``new_list``."""
        dict.__setitem__(self, key, list(new_list))

    def add(self, key: K, value: V) -> None:
        """Add a value for ``key`` after the existing ones."""
        dict.setdefault(self, key, []).append(value)

    def setdefault(self, key: K, default: V) -> V:  # type: ignore[override]
        """Return the first value for ``key``, setting it to ``default`` if missing."""
        values = dict.get(self, key)
        if values:
            return values[0]
        dict.__setitem__(self, key, [default])
        return default

    def setlistdefault(self, key: K, default_list: Iterable[V] | None = None) -> list[V]:
        """Return the list of values for ``key``, setting it to ``default_list`` if missing.

        The list returned is the one stored: appending to it adds values.
        """
        values = dict.get(self, key)
        if values is None:
            values = list(default_list or ())
            dict.__setitem__(self, key, values)
        return values

    def items(self, multi: bool = False) -> Iterator[tuple[K, V]]:  # type: ignore[override]
        """``(key, value)`` pairs: the first value per key, or every value with ``multi``."""
        for key, values in dict.items(self):
            if multi:
                for value in values:
                    yield key, value
            elif values:
                yield key, values[0]

    def lists(self) -> Iterator[tuple[K, list[V]]]:
        """``(key, values)`` pairs, each with a copy of the list of values."""
        for key, values in dict.items(self):
            yield key, list(values)

    def values(self) -> Iterator[V]:  # type: ignore[override]
        """The first value of each key."""
        for values in dict.values(self):
            if values:
                yield values[0]

    def listvalues(self) -> Iterator[list[V]]:
        """The list of values of each key."""
        for values in dict.values(self):
            yield list(values)

    def to_dict(self, flat: bool = True) -> dict[K, Any]:
        """A plain dict: first values, or lists of values when ``flat`` is false."""
        if flat:
            return dict(self.items())
        return dict(self.lists())

    def update(  # type: ignore[override]
        self,
        mapping: MultiDict[K, V]
        | CombinedMultiDict[K, V]
        | Mapping[K, V | list[V] | tuple[V, ...]]
        | Iterable[tuple[K, V]],
    ) -> None:
        """Add the values of ``mapping`` to the existing ones (it does not replace them)."""
        self._extend(mapping)

    def __or__(self, other: Mapping[K, V | list[V] | tuple[V, ...]]) -> MultiDict[K, V]:  # type: ignore[override]
        if not isinstance(other, Mapping):
            return NotImplemented
        result = self.copy()
        result.update(other)
        return result

    def __ior__(self, other: Mapping[K, V | list[V] | tuple[V, ...]]) -> MultiDict[K, V]:  # type: ignore[override]
        if not isinstance(other, Mapping):
            return NotImplemented
        self.update(other)
        return self

    @overload  # type: ignore[override]
    def pop(self, key: K) -> V: ...
    @overload
    def pop(self, key: K, default: V | T) -> V | T: ...

    def pop(self, key: K, default: Any = _missing) -> Any:
        """Remove ``key`` and return its first value (or ``default`` if missing)."""
        values = dict.pop(self, key, None)
        if values:
            return values[0]
        if default is not _missing:
            return default
        raise BadRequestKeyError(key)

    def popitem(self) -> tuple[K, V]:  # type: ignore[override]
        """Remove a key and return ``(key, first value)``."""
        try:
            key, values = dict.popitem(self)
        except KeyError as error:
            raise BadRequestKeyError(error.args[0] if error.args else None) from None
        if not values:
            raise BadRequestKeyError(key)
        return key, values[0]

    def poplist(self, key: K) -> list[V]:
        """Remove ``key`` and return all its values (an empty list if missing)."""
        return dict.pop(self, key, [])

    def popitemlist(self) -> tuple[K, list[V]]:
        """Remove a key and return ``(key, values)``."""
        try:
            return dict.popitem(self)
        except KeyError as error:
            raise BadRequestKeyError(error.args[0] if error.args else None) from None

    def copy(self) -> MultiDict[K, V]:
        """A shallow copy (the values themselves are shared)."""
        return type(self)(self)

    def deepcopy(self, memo: dict[int, Any] | None = None) -> MultiDict[K, V]:
        """A deep copy."""
        return type(self)(_copy.deepcopy(self.to_dict(flat=False), memo))

    def __copy__(self) -> MultiDict[K, V]:
        return self.copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> MultiDict[K, V]:
        return self.deepcopy(memo)

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (list(self.items(multi=True)),)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MultiDict):
            return dict.__eq__(self, other)
        if isinstance(other, Mapping):
            return dict.__eq__(self, MultiDict(other))
        return NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self.items(multi=True))!r})"


class ImmutableMultiDict(MultiDict[K, V]):
    """A :class:`MultiDict` that cannot be changed; ``copy()`` gives a mutable one."""

    def _immutable(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(
            f"{type(self).__name__} objects are immutable. Make a mutable copy with .copy()."
        )

    __setitem__ = _immutable
    __delitem__ = _immutable
    __ior__ = _immutable
    add = _immutable
    setlist = _immutable
    setdefault = _immutable
    setlistdefault = _immutable
    update = _immutable
    pop = _immutable
    popitem = _immutable
    poplist = _immutable
    popitemlist = _immutable
    clear = _immutable

    def copy(self) -> MultiDict[K, V]:
        """A mutable :class:`MultiDict` copy."""
        return MultiDict(self)

    def deepcopy(self, memo: dict[int, Any] | None = None) -> MultiDict[K, V]:
        """A mutable deep copy."""
        return MultiDict(_copy.deepcopy(self.to_dict(flat=False), memo))

    def __copy__(self) -> ImmutableMultiDict[K, V]:
        return self


class CombinedMultiDict(Mapping[K, V]):
    """A read-only view over several multi-dicts, searched in order.

    ``request.values`` combines ``request.args`` and ``request.form`` this way.
    """

    def __init__(self, dicts: Iterable[MultiDict[K, V]] | None = None) -> None:
        self.dicts: list[MultiDict[K, V]] = list(dicts or ())

    def __getitem__(self, key: K) -> V:
        for d in self.dicts:
            values = dict.get(d, key)
            if values:
                return values[0]
        raise BadRequestKeyError(key)

    @overload
    def get(self, key: K) -> V | None: ...
    @overload
    def get(self, key: K, default: V | T) -> V | T: ...
    @overload
    def get(self, key: K, *, type: Callable[[V], T]) -> T | None: ...
    @overload
    def get(self, key: K, default: T, type: Callable[[V], T]) -> T: ...

    def get(self, key: K, default: Any = None, type: Callable[[V], Any] | None = None) -> Any:
        """The first value for ``key`` across the dicts; see :meth:`MultiDict.get`."""
        for d in self.dicts:
            values = dict.get(d, key)
            if values:
                if type is None:
                    return values[0]
                try:
                    return type(values[0])
                except (ValueError, TypeError):
                    return default
        return default

    @overload
    def getlist(self, key: K) -> list[V]: ...
    @overload
    def getlist(self, key: K, type: Callable[[V], T]) -> list[T]: ...

    def getlist(self, key: K, type: Callable[[V], Any] | None = None) -> list[Any]:
        """All values for ``key`` from every dict, in order."""
        values: list[V] = []
        for d in self.dicts:
            found: list[V] | None = dict.get(d, key)
            if found:
                values.extend(found)
        return values if type is None else _convert(values, type)

    def __iter__(self) -> Iterator[K]:
        seen: set[K] = set()
        for d in self.dicts:
            for key in dict.keys(d):
                if key not in seen:
                    seen.add(key)
                    yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, key: object) -> bool:
        return any(dict.__contains__(d, key) for d in self.dicts)

    def lists(self) -> Iterator[tuple[K, list[V]]]:
        """``(key, values)`` pairs, values gathered from every dict."""
        for key in self:
            yield key, self.getlist(key)

    def items(self, multi: bool = False) -> Iterator[tuple[K, V]]:  # type: ignore[override]
        """``(key, value)`` pairs: first values, or every value with ``multi``."""
        for key, values in self.lists():
            if multi:
                for value in values:
                    yield key, value
            elif values:
                yield key, values[0]

    def values(self) -> Iterator[V]:  # type: ignore[override]
        """The first value of each key."""
        for _, value in self.items():
            yield value

    def listvalues(self) -> Iterator[list[V]]:
        """The list of values of each key."""
        for _, values in self.lists():
            yield values

    def to_dict(self, flat: bool = True) -> dict[K, Any]:
        """A plain dict: first values, or lists of values when ``flat`` is false."""
        if flat:
            return dict(self.items())
        return dict(self.lists())

    def copy(self) -> MultiDict[K, V]:
        """A mutable :class:`MultiDict` holding every value."""
        return MultiDict(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.dicts!r})"


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
                if type is None:
                    return value
                try:
                    return type(value)
                except (ValueError, TypeError):
                    return default
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


class UserAgent:
    """The ``User-Agent`` header. No browser sniffing: the parsed fields are None."""

    platform: str | None = None
    browser: str | None = None
    version: str | None = None
    language: str | None = None

    def __init__(self, string: str | None) -> None:
        self.string = string or ""

    def to_header(self) -> str:
        """The header value."""
        return self.string

    def __str__(self) -> str:
        return self.string

    def __bool__(self) -> bool:
        return bool(self.string)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.string!r}>"


class CallbackDict(dict[K, V]):
    """A dict that calls ``on_update(self)`` after every change (sessions use it)."""

    def __init__(
        self,
        initial: Mapping[K, V] | Iterable[tuple[K, V]] | None = None,
        on_update: Callable[[CallbackDict[K, V]], None] | None = None,
    ) -> None:
        super().__init__(initial or ())
        self.on_update = on_update

    def _changed(self) -> None:
        if self.on_update is not None:
            self.on_update(self)

    def __setitem__(self, key: K, value: V) -> None:
        super().__setitem__(key, value)
        self._changed()

    def __delitem__(self, key: K) -> None:
        super().__delitem__(key)
        self._changed()

    def clear(self) -> None:
        super().clear()
        self._changed()

    @overload
    def pop(self, key: K) -> V: ...
    @overload
    def pop(self, key: K, default: V | T) -> V | T: ...

    def pop(self, key: K, default: Any = _missing) -> Any:
        present = key in self
        value = super().pop(key) if default is _missing else super().pop(key, default)
        if present:
            self._changed()
        return value

    def popitem(self) -> tuple[K, V]:
        item = super().popitem()
        self._changed()
        return item

    def setdefault(self, key: K, default: V) -> V:
        present = key in self
        value = super().setdefault(key, default)
        if not present:
            self._changed()
        return value

    def update(self, *args: Any, **kwargs: V) -> None:
        super().update(*args, **kwargs)
        self._changed()

    def __ior__(self, other: Any) -> CallbackDict[K, V]:  # type: ignore[override,misc]
        self.update(other)
        return self

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"
