"""The hooks that apply to one endpoint, flattened once across the app and its blueprints.

Hook registries are keyed by blueprint name (``None`` for the app), as in
Flask. A request to ``parent.child.view`` runs the app's hooks and those of
``parent`` and ``parent.child``; walking those registries on every request
would cost a lookup per nesting level. :func:`endpoint_hooks` does the walk
once per endpoint and keeps the result, so a request pays the same for a
view nested three blueprints deep as for an app route.

The cache is filled on first use (the first request to an endpoint) and
dropped whenever the app's hooks change through its API (a decorator,
``register_blueprint``). A registry edited by hand after that is seen only
after :func:`clear_endpoint_hooks`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import Flask

Hook = Callable[..., Any]
_Registry = Mapping[str | None, Iterable[Hook]]


class EndpointHooks:
    """The hooks of one endpoint, each list in the order the pipeline calls them.

    ``blueprints`` is the endpoint's blueprint and its parents, innermost first
    (``request.blueprints``). ``before_*`` and ``url_value_preprocessors`` run
    the app's first, then from the outermost blueprint in; ``after_*`` and
    ``teardown_request`` run from the innermost blueprint out, each registry
    last-registered first, the app's last. ``context_processors`` run app first,
    so an inner blueprint's values win.
    """

    __slots__ = (
        "after_request",
        "after_websocket",
        "before_request",
        "before_websocket",
        "blueprints",
        "context_processors",
        "teardown_request",
        "url_value_preprocessors",
    )

    def __init__(self, app: Flask, blueprints: tuple[str, ...]) -> None:
        self.blueprints = blueprints
        outward: tuple[str | None, ...] = (*blueprints, None)
        inward = outward[::-1]
        self.url_value_preprocessors = _chain(app.url_value_preprocessors, inward)
        self.before_request = _chain(app.before_request_funcs, inward)
        self.after_request = _chain(app.after_request_funcs, outward, reverse=True)
        self.teardown_request = _chain(app.teardown_request_funcs, outward, reverse=True)
        self.before_websocket = _chain(app.before_websocket_funcs, inward)
        self.after_websocket = _chain(app.after_websocket_funcs, outward, reverse=True)
        self.context_processors = _chain(app.template_context_processors, inward)

    def __repr__(self) -> str:
        counts = ", ".join(
            f"{name}={len(getattr(self, name))}" for name in self.__slots__ if name != "blueprints"
        )
        return f"<EndpointHooks {self.blueprints!r} {counts}>"


def _chain(
    registry: _Registry, names: Iterable[str | None], *, reverse: bool = False
) -> tuple[Hook, ...]:
    funcs: list[Hook] = []
    for name in names:
        # ``.get`` and not ``[]``: registries are defaultdicts that would grow a key.
        hooks = registry.get(name)
        if hooks:
            funcs.extend(reversed(list(hooks)) if reverse else hooks)
    return tuple(funcs)


def blueprint_names(endpoint: str | None) -> tuple[str, ...]:
    """The blueprints of ``endpoint``, innermost first: ``a.b.view`` → ``("a.b", "a")``."""
    if endpoint is None or "." not in endpoint:
        return ()
    parts = endpoint.split(".")[:-1]
    return tuple(".".join(parts[:i]) for i in range(len(parts), 0, -1))


def build_endpoint_hooks(app: Flask, endpoint: str | None) -> EndpointHooks:
    """Flatten the app's registries for ``endpoint`` (no caching)."""
    return EndpointHooks(app, blueprint_names(endpoint))


def endpoint_hooks(app: Flask, endpoint: str | None) -> EndpointHooks:
    """The hooks of ``endpoint`` (None: no route matched), flattened on first use and cached.

    Only the app's endpoints (and None) are cached, so the cache cannot grow past them.
    """
    try:
        return app._endpoint_hooks[endpoint]
    except KeyError:
        hooks = build_endpoint_hooks(app, endpoint)
        if endpoint is None or endpoint in app.view_functions:
            app._endpoint_hooks[endpoint] = hooks
        return hooks


def clear_endpoint_hooks(app: Flask) -> None:
    """Forget the flattened hooks; the next request rebuilds them from the registries."""
    app._endpoint_hooks.clear()


__all__ = [
    "EndpointHooks",
    "blueprint_names",
    "build_endpoint_hooks",
    "clear_endpoint_hooks",
    "endpoint_hooks",
]
