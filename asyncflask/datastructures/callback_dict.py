"""A dict that reports its changes, the base of the session object."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar, overload

__all__ = ["CallbackDict"]

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")

_missing: Any = object()


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
