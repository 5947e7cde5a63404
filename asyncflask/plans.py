"""What the pipeline runs for one endpoint, decided once: its hooks, flattened, and their kinds.

The app's registries are keyed by blueprint name (``None`` for the app). For an
endpoint, the hooks of the app and of each enclosing blueprint are gathered
into plain lists in call order, and whether each list is all sync is noted, so
a request walks no registry and inspects no function: it reads the plan.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import Flask

Hook = Callable[..., Any]


def blueprint_chain(endpoint: str | None) -> list[str]:
    """The blueprints of ``endpoint``, innermost first (``a.b.view`` -> ``["a.b", "a"]``)."""
    if endpoint is None or "." not in endpoint:
        return []
    parts = endpoint.split(".")[:-1]
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


class EndpointPlan:
    """The hooks one endpoint runs, in call order, and whether each group is all sync."""

    __slots__ = (
        "after",
        "after_sync",
        "before",
        "blueprints",
        "head_sync",
        "preprocessors",
        "teardown",
        "teardown_request",
        "teardown_sync",
    )

    def __init__(self, app: Flask, endpoint: str | None) -> None:
        blueprints = blueprint_chain(endpoint)
        outward = (None, *reversed(blueprints))
        inward = (*blueprints, None)
        self.blueprints = blueprints
        self.preprocessors: tuple[Hook, ...] = _gather(app.url_value_preprocessors, outward)
        self.before: tuple[Hook, ...] = _gather(app.before_request_funcs, outward)
        self.after: tuple[Hook, ...] = _gather(app.after_request_funcs, inward, reverse=True)
        self.teardown_request: tuple[Hook, ...] = _gather(
            app.teardown_request_funcs, inward, reverse=True
        )
        self.teardown: tuple[Hook, ...] = (
            *self.teardown_request,
            *reversed(app.teardown_appcontext_funcs),
        )
        is_async = app._is_async
        #: Every ``url_value_preprocessor`` and ``before_request`` hook is sync.
        self.head_sync = not any(is_async(f) for f in chain(self.preprocessors, self.before))
        self.after_sync = not any(is_async(f) for f in self.after)
        self.teardown_sync = not any(is_async(f) for f in self.teardown)

    @property
    def has_head(self) -> bool:
        """Whether any ``url_value_preprocessor`` or ``before_request`` hook runs."""
        return bool(self.preprocessors or self.before)


def _gather(
    registry: dict[str | None, list[Hook]], names: tuple[str | None, ...], reverse: bool = False
) -> tuple[Hook, ...]:
    funcs: list[Hook] = []
    for name in names:
        found = registry.get(name)
        if found:
            funcs.extend(reversed(found) if reverse else found)
    return tuple(funcs)


__all__ = ["EndpointPlan", "blueprint_chain"]
