"""Hook registries that say when they change, so plans built from them are rebuilt.

``app.after_request_funcs`` and its siblings are dicts of lists keyed by blueprint
name, as in Flask, and extensions change them directly (``app.after_request_funcs
[None].append(f)``), sometimes while requests are being served. The pipeline reads
hooks from plans flattened once; these containers tell the app to forget those
plans on any change, so a direct change is honoured at the next request and an
unchanged registry costs nothing per request.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from typing import Any, Protocol, SupportsIndex

Hook = Callable[..., Any]


class _Owner(Protocol):
    def _registry_changed(self) -> None: ...


#: The app or blueprint told of changes, held weakly so a registry keeps no app alive.
OwnerRef = Callable[[], "_Owner | None"]


def _tell(owner: OwnerRef | None) -> None:
    found = owner() if owner is not None else None
    if found is not None:
        found._registry_changed()


class HookList(list[Hook]):
    """A list of hooks that calls ``changed()`` after every change."""

    __slots__ = ("_owner",)

    def __init__(self, hooks: Iterable[Hook] = (), owner: OwnerRef | None = None) -> None:
        super().__init__(hooks)
        self._owner = owner

    def _notify(self) -> None:
        _tell(self._owner)

    def append(self, hook: Hook) -> None:
        super().append(hook)
        self._notify()

    def extend(self, hooks: Iterable[Hook]) -> None:
        super().extend(hooks)
        self._notify()

    def insert(self, index: SupportsIndex, hook: Hook) -> None:
        super().insert(index, hook)
        self._notify()

    def remove(self, hook: Hook) -> None:
        super().remove(hook)
        self._notify()

    def pop(self, index: SupportsIndex = -1) -> Hook:
        hook = super().pop(index)
        self._notify()
        return hook

    def clear(self) -> None:
        super().clear()
        self._notify()

    def reverse(self) -> None:
        super().reverse()
        self._notify()

    def sort(self, *args: Any, **kwargs: Any) -> None:
        super().sort(*args, **kwargs)
        self._notify()

    def __iadd__(self, hooks: Iterable[Hook]) -> HookList:  # type: ignore[override,misc]
        super().__iadd__(hooks)
        self._notify()
        return self

    def __setitem__(self, index: Any, value: Any) -> None:
        super().__setitem__(index, value)
        self._notify()

    def __delitem__(self, index: Any) -> None:
        super().__delitem__(index)
        self._notify()

    def __reduce__(self) -> tuple[Any, ...]:
        return (list, (list(self),))

    def __copy__(self) -> list[Hook]:
        return list(self)


class HookRegistry(dict[str | None, list[Hook]]):
    """``{blueprint name or None: [hooks]}``; missing keys start an empty list, as defaultdict."""

    __slots__ = ("_owner",)

    def __init__(self, owner: _Owner | None = None) -> None:
        super().__init__()
        self._owner: OwnerRef | None = weakref.ref(owner) if owner is not None else None

    def _notify(self) -> None:
        _tell(self._owner)

    def _watched(self, hooks: Iterable[Hook]) -> HookList:
        if isinstance(hooks, HookList) and hooks._owner is self._owner:
            return hooks
        return HookList(hooks, self._owner)

    def __missing__(self, key: str | None) -> list[Hook]:
        return super().setdefault(key, HookList((), self._owner))

    def __setitem__(self, key: str | None, hooks: list[Hook]) -> None:
        super().__setitem__(key, self._watched(hooks))
        self._notify()

    def __delitem__(self, key: str | None) -> None:
        super().__delitem__(key)
        self._notify()

    def setdefault(self, key: str | None, default: list[Hook] | None = None) -> list[Hook]:
        if key not in self:
            self[key] = default if default is not None else []
        return self[key]

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, hooks in dict(*args, **kwargs).items():
            self[key] = hooks

    def pop(self, key: str | None, *default: Any) -> Any:
        found = super().pop(key, *default)
        self._notify()
        return found

    def clear(self) -> None:
        super().clear()
        self._notify()

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, ({key: list(hooks) for key, hooks in self.items()},))


__all__ = ["HookList", "HookRegistry"]
