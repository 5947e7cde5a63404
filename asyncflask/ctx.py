"""Application and request contexts, and the helpers that work with them.

One context object is active per task; it carries the application, ``g`` and,
inside a request, the request and the session. Pushing a context sets one
context variable; popping resets it.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast

from .concurrency import is_async_callable, run_blocking
from .globals import _cv_context, _no_req_msg
from .sessions import open_context_session
from .signals import (
    appcontext_popped,
    appcontext_pushed,
    appcontext_tearing_down,
    notify,
    notify_sync,
    request_tearing_down,
)

if TYPE_CHECKING:
    from .app import Flask
    from .leases import Lease
    from .plans import EndpointPlan
    from .sessions import SessionMixin
    from .websockets import Websocket
    from .wrappers import Request, Response

F = TypeVar("F", bound=Callable[..., Any])
_sentinel = object()

#: Scope key under which a test client passes the application context active where the
#: test made the request: as in Flask, a request made inside ``with app.app_context():``
#: shares that context's ``g``. Servers never set it.
CALLER_CONTEXT_KEY = "asyncflask.caller_app_context"


def caller_app_context(app: Flask) -> AppContext | None:
    """The active application context (not a request's) of ``app``, if any."""
    ctx = _cv_context.get(None)
    if ctx is None or ctx.app is not app or ctx.request is not None or ctx.websocket is not None:
        return None
    return ctx


class _AppCtxGlobals:
    """The ``g`` namespace: a plain object for storing data during one context."""

    if TYPE_CHECKING:
        # Any attribute may be set on ``g``; these tell type checkers so.

        def __getattr__(self, name: str) -> Any: ...

        def __setattr__(self, name: str, value: Any) -> None: ...

        def __delattr__(self, name: str) -> None: ...

    def get(self, name: str, default: Any | None = None) -> Any:
        """Return attribute ``name``, or ``default`` when it is not set."""
        return self.__dict__.get(name, default)

    def pop(self, name: str, default: Any = _sentinel) -> Any:
        """Remove attribute ``name`` and return it (or ``default``; KeyError without one)."""
        if default is _sentinel:
            return self.__dict__.pop(name)
        return self.__dict__.pop(name, default)

    def setdefault(self, name: str, default: Any = None) -> Any:
        """Return attribute ``name``, setting it to ``default`` first when it is missing."""
        return self.__dict__.setdefault(name, default)

    def __contains__(self, item: str) -> bool:
        return item in self.__dict__

    def __iter__(self) -> Iterator[str]:
        return iter(self.__dict__)

    def __repr__(self) -> str:
        ctx = _cv_context.get(None)
        if ctx is not None:
            return f"<asyncflask.g of {ctx.app.name!r}>"
        return object.__repr__(self)


class AppContext:
    """The application context: ``current_app`` and ``g``.

    Use it as ``with app.app_context():`` or ``async with app.app_context():``;
    the async form also runs ``async def`` teardown functions.
    """

    request: Request | None = None
    websocket: Websocket | None = None
    #: The thread leased to this context's sync code, from its first sync call to its end.
    _lease: Lease | None = None
    #: The hooks of the matched endpoint (set by the pipeline).
    _plan: EndpointPlan | None = None

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._g: _AppCtxGlobals | None = None
        self._tokens: list[contextvars.Token[AppContext]] = []

    @property
    def g(self) -> _AppCtxGlobals:
        """The ``g`` namespace of this context, created on first use."""
        g = self._g
        if g is None:
            g = self._g = self.app.app_ctx_globals_class()
        return g

    @g.setter
    def g(self, value: _AppCtxGlobals) -> None:
        self._g = value

    _session: SessionMixin | None = None

    @property
    def session(self) -> SessionMixin | None:
        """The session of the request or websocket, opened on first access.

        ``None`` in an application context without a request.
        """
        session = self._session
        if session is None and (self.request is not None or self.websocket is not None):
            session = self._session = open_context_session(self.app, self)
        return session

    @session.setter
    def session(self, value: SessionMixin | None) -> None:
        self._session = value

    @property
    def _as_app_ctx(self) -> AppContext:
        return self

    @property
    def _as_request_ctx(self) -> AppContext | None:
        return self if self.request is not None else None

    async def _thread_lease(self) -> Lease:
        """The thread this context's sync code runs on, leased on first use."""
        lease = self._lease
        if lease is None:
            lease = await self.app._sync.lease()
            if self._lease is not None:  # another task of this context leased one meanwhile
                lease.release()
                return self._lease
            self._lease = lease
        return lease

    def _end_lease(self) -> None:
        lease = self._lease
        if lease is not None:
            self._lease = None
            lease.release()

    def push(self) -> None:
        """Make this the active context for the current task or thread."""
        self._tokens.append(_cv_context.set(self))
        if appcontext_pushed.receivers:
            notify_sync(appcontext_pushed, self.app)

    def pop(self, exc: BaseException | None = None) -> None:
        """Run the synchronous teardown functions and deactivate the context."""
        try:
            if len(self._tokens) == 1:
                self._teardown_sync(exc)
        finally:
            if len(self._tokens) == 1:
                self._end_lease()
            self._reset()
        if appcontext_popped.receivers:
            notify_sync(appcontext_popped, self.app)

    async def apop(self, exc: BaseException | None = None) -> None:
        """Run every teardown function, sync and async, and deactivate the context."""
        try:
            if len(self._tokens) == 1:
                await self._teardown(exc)
        finally:
            if len(self._tokens) == 1:
                self._end_lease()
            self._reset()
        if appcontext_popped.receivers:
            await notify(appcontext_popped, self.app)

    def _reset(self) -> None:
        if not self._tokens:
            raise RuntimeError("This context was not pushed, or was already popped.")
        _cv_context.reset(self._tokens.pop())

    def _release(self) -> None:
        """Drop the references this context holds once it has ended for good."""
        self.__dict__.clear()

    def _teardown_sync(self, exc: BaseException | None) -> None:
        # A plain ``with`` cannot await: async teardown functions are run to completion
        # on a private event loop (only possible when none is running in this thread).
        first_error: Exception | None = None
        for func in self.app.teardown_functions(self, request=self.request is not None):
            try:
                if is_async_callable(func):
                    run_blocking(func, exc)
                else:
                    func(exc)
            except Exception as e:
                if first_error is None:
                    first_error = e
        if self.request is not None and request_tearing_down.receivers:
            notify_sync(request_tearing_down, self.app, exc=exc)
        if appcontext_tearing_down.receivers:
            notify_sync(appcontext_tearing_down, self.app, exc=exc)
        if first_error is not None:
            raise first_error

    async def _teardown(self, exc: BaseException | None) -> None:
        await self.app.do_teardown_appcontext(self, exc)

    def __enter__(self) -> AppContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc_value)

    async def __aenter__(self) -> AppContext:
        self._tokens.append(_cv_context.set(self))
        if appcontext_pushed.receivers:
            await notify(appcontext_pushed, self.app)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.apop(exc_value)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self.app.name!r}>"


class RequestContext(AppContext):
    """The request context: an application context that also holds ``request`` and ``session``."""

    request: Request

    def __init__(self, app: Flask, request: Request) -> None:
        super().__init__(app)
        self.request = request
        self._after_request_functions: list[Callable[[Response], Any]] = []

    async def _teardown(self, exc: BaseException | None) -> None:
        await self.app.teardown_request_context(self, exc)

    def copy(self) -> RequestContext:
        """A new context for the same request and session, for use in another task."""
        ctx = type(self)(self.app, self.request)
        ctx._session = self._session
        ctx.g = self.g
        return ctx

    def __repr__(self) -> str:
        req = self.request
        if req is None:
            return super().__repr__()
        return f"<RequestContext {req.method} {req.path!r} of {self.app.name!r}>"


class WebsocketContext(AppContext):
    """The websocket context: an application context that also holds ``websocket``."""

    def __init__(self, app: Flask, websocket: Websocket) -> None:
        super().__init__(app)
        self.websocket = websocket


def has_app_context() -> bool:
    """Whether an application context (or a request context) is active."""
    return _cv_context.get(None) is not None


def has_request_context() -> bool:
    """Whether a request context is active (inside a view, a request hook or a test context)."""
    ctx = _cv_context.get(None)
    return ctx is not None and ctx.request is not None


def has_websocket_context() -> bool:
    """Whether a websocket context is active."""
    ctx = _cv_context.get(None)
    return ctx is not None and ctx.websocket is not None


def after_this_request(f: F) -> F:
    """Register ``f`` to run on this request's response, before the ``after_request`` hooks.

    ``f`` takes the response and returns it (or a replacement); it may be ``async def``.
    """
    ctx = _cv_context.get(None)
    if not isinstance(ctx, RequestContext):
        raise RuntimeError(
            "'after_this_request' can only be used when a request context is active,"
            " such as in a view function."
        )
    ctx._after_request_functions.append(f)
    return f


def copy_current_request_context(f: F) -> F:
    """Wrap ``f`` so it runs with a copy of the current request context, e.g. in another task.

    Works for plain functions and ``async def`` functions alike.
    """
    ctx = _cv_context.get(None)
    if not isinstance(ctx, RequestContext):
        raise RuntimeError(
            "'copy_current_request_context' can only be used when a request context is"
            " active, such as in a view function. " + _no_req_msg
        )
    copied = ctx.copy()

    if inspect.iscoroutinefunction(f):

        @functools.wraps(f)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            # A context of its own per call, so the thread its sync calls lease is given
            # back when the call ends.
            run_ctx = copied.copy()
            token = _cv_context.set(run_ctx)
            try:
                return await f(*args, **kwargs)
            finally:
                _cv_context.reset(token)
                run_ctx._end_lease()

        return cast(F, async_wrapper)

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = _cv_context.set(copied)
        try:
            return f(*args, **kwargs)
        finally:
            _cv_context.reset(token)

    return cast(F, wrapper)


__all__ = [
    "AppContext",
    "RequestContext",
    "WebsocketContext",
    "after_this_request",
    "copy_current_request_context",
    "has_app_context",
    "has_request_context",
    "has_websocket_context",
]
