"""Multi-value dicts, as query strings and forms produce them.

``request.args``, ``request.form`` and ``request.cookies`` are :class:`ImmutableMultiDict`
instances and ``request.values`` is a :class:`CombinedMultiDict`.
"""

from __future__ import annotations

import copy as _copy
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NoReturn, TypeVar, overload

from asyncflask.exceptions import BadRequestKeyError

__all__ = ["CombinedMultiDict", "ImmutableMultiDict", "MultiDict"]

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")

_missing: Any = object()


def _convert_one(value: V, type: Callable[[V], Any] | None, default: Any) -> Any:
    """``value`` converted with ``type`` (if given), or ``default`` when ``type`` rejects it."""
    if type is None:
        return value
    try:
        return type(value)
    except (ValueError, TypeError):
        return default


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
        return _convert_one(values[0], type, default)

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
                return _convert_one(values[0], type, default)
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
