"""The context proxies: ``current_app``, ``g``, ``request``, ``session``, ``websocket``.

Inside the framework the active context is passed explicitly; these proxies are
a convenience for views, hooks and extensions. All of them read one context
variable, set once per request.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

if TYPE_CHECKING:
    from .app import Flask
    from .ctx import AppContext, RequestContext, _AppCtxGlobals
    from .sessions import SessionMixin
    from .websockets import Websocket
    from .wrappers import Request

T = TypeVar("T")

_cv_context: ContextVar[AppContext] = ContextVar("asyncflask.context")

_no_app_msg = (
    "Working outside of application context. This needs an active application:"
    " push one with `with app.app_context():` (or `async with`), or run this code"
    " inside a view, a hook or a CLI command."
)
_no_req_msg = (
    "Working outside of request context. Push one with `app.test_request_context()`"
    " or run this code inside a view or a request hook."
)
_no_ws_msg = (
    "Working outside of websocket context. `websocket` is only available inside a"
    " websocket view or a websocket hook."
)


class ContextProxy(Generic[T]):
    """Forward attribute and operator access to an object found on the active context."""

    __slots__ = ("_af_attr", "_af_message")

    def __init__(self, attr: str, message: str) -> None:
        object.__setattr__(self, "_af_attr", attr)
        object.__setattr__(self, "_af_message", message)

    def _get_current_object(self) -> T:
        """Return the proxied object itself (for passing it to other threads or storing it)."""
        ctx = _cv_context.get(None)
        if ctx is not None:
            obj = getattr(ctx, self._af_attr)
            if obj is not None:
                return obj  # type: ignore[no-any-return]
        raise RuntimeError(self._af_message)

    def __getattribute__(self, name: str) -> Any:
        # Names of the proxy's own (its slots, methods, ``__class__``...) are looked up as
        # usual; everything else goes straight to the proxied object. A ``__getattr__``
        # would run only after a failed lookup, which raises (and formats) an
        # AttributeError first: twice the cost of this, on every ``request.x``.
        if name in _OWN_NAMES:
            return object.__getattribute__(self, name)
        ctx = _cv_context.get(None)
        if ctx is not None:
            obj = getattr(ctx, object.__getattribute__(self, "_af_attr"))
            if obj is not None:
                return getattr(obj, name)
        raise RuntimeError(object.__getattribute__(self, "_af_message"))

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._get_current_object(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._get_current_object(), name)

    def __getitem__(self, key: Any) -> Any:
        return self._get_current_object()[key]  # type: ignore[index]

    def __setitem__(self, key: Any, value: Any) -> None:
        self._get_current_object()[key] = value  # type: ignore[index]

    def __delitem__(self, key: Any) -> None:
        del self._get_current_object()[key]  # type: ignore[attr-defined]

    def __contains__(self, item: Any) -> bool:
        return item in self._get_current_object()  # type: ignore[operator]

    def __iter__(self) -> Any:
        return iter(self._get_current_object())  # type: ignore[call-overload]

    def __len__(self) -> int:
        return len(self._get_current_object())  # type: ignore[arg-type]

    def __bool__(self) -> bool:
        try:
            return bool(self._get_current_object())
        except RuntimeError:
            return False

    def __eq__(self, other: object) -> bool:
        return bool(self._get_current_object() == other)

    def __ne__(self, other: object) -> bool:
        return bool(self._get_current_object() != other)

    def __hash__(self) -> int:
        return hash(self._get_current_object())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._get_current_object()(*args, **kwargs)  # type: ignore[operator]

    def __str__(self) -> str:
        return str(self._get_current_object())

    def __repr__(self) -> str:
        try:
            obj = self._get_current_object()
        except RuntimeError:
            return f"<unbound {self._af_attr} proxy>"
        return repr(obj)

    def __dir__(self) -> list[str]:
        try:
            return dir(self._get_current_object())
        except RuntimeError:
            return []


_OWN_NAMES = frozenset(dir(ContextProxy))

current_app: Flask = cast("Flask", ContextProxy("app", _no_app_msg))
g: _AppCtxGlobals = cast("_AppCtxGlobals", ContextProxy("g", _no_app_msg))
request: Request = cast("Request", ContextProxy("request", _no_req_msg))
session: SessionMixin = cast("SessionMixin", ContextProxy("session", _no_req_msg))
websocket: Websocket = cast("Websocket", ContextProxy("websocket", _no_ws_msg))

#: The active application context (any context is one), as Flask's ``app_ctx``.
app_ctx: AppContext = cast("AppContext", ContextProxy("_as_app_ctx", _no_app_msg))
#: The active request context, as Flask's ``request_ctx``.
request_ctx: RequestContext = cast("RequestContext", ContextProxy("_as_request_ctx", _no_req_msg))


class _ContextView:
    """Stands in for Flask's ``_cv_app`` and ``_cv_request`` context variables (read-only).

    asyncflask keeps one context variable for both; extensions that read Flask's two
    get the active context from these.
    """

    __slots__ = ("_attr", "_name")

    def __init__(self, name: str, attr: str) -> None:
        self._name = name
        self._attr = attr

    def get(self, *default: Any) -> Any:
        """The active context of this kind, else ``default`` (LookupError without one)."""
        ctx = _cv_context.get(None)
        if ctx is not None and getattr(ctx, self._attr) is not None:
            return ctx
        if default:
            return default[0]
        raise LookupError(f"No {self._name} context is active.")

    def __repr__(self) -> str:
        return f"<asyncflask view of Flask's {self._name} context variable>"


_cv_app = _ContextView("application", "_as_app_ctx")
_cv_request = _ContextView("request", "_as_request_ctx")

__all__ = [
    "app_ctx",
    "current_app",
    "g",
    "request",
    "request_ctx",
    "session",
    "websocket",
]
