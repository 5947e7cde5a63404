"""Class-based views: ``View`` and ``MethodView``.

``as_view(name)`` turns the class into a view function for ``add_url_rule``.
The function is ``async def`` when the class's code is, and a plain ``def``
when it is all sync, so the pipeline awaits the first on the event loop and
runs the second in the request's worker thread, as it does for function views.
A ``MethodView`` mixing both gets an async view that runs its sync methods the
way the pipeline runs sync code.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, ClassVar

from .concurrency import is_async_callable
from .exceptions import MethodNotAllowed
from .globals import current_app, request

#: The methods ``MethodView`` dispatches to: ``GET`` runs ``get``, and so on.
http_method_funcs = frozenset(["get", "post", "head", "options", "delete", "put", "trace", "patch"])

ViewFunction = Callable[..., Any]


class View:
    """Subclass and define ``dispatch_request``; register ``Cls.as_view("name")``.

    ``methods`` (the rule's methods when ``add_url_rule`` is given none),
    ``provide_automatic_options``, ``decorators`` (applied to the view function,
    innermost first) and ``init_every_request`` (False: one instance serves every
    request; keep it free of per-request state) shape the view function.
    """

    methods: ClassVar[Collection[str] | None] = None
    provide_automatic_options: ClassVar[bool | None] = None
    decorators: ClassVar[list[Callable[..., Any]]] = []
    init_every_request: ClassVar[bool] = True

    def dispatch_request(self, **kwargs: Any) -> Any:
        """Answer the request; the URL's variables are the keyword arguments.

        Subclasses define this (``def`` or ``async def``).
        """
        raise TypeError(f"{type(self).__name__} must define dispatch_request().")

    @classmethod
    def _dispatches_async(cls) -> bool:
        return is_async_callable(cls.dispatch_request)

    @classmethod
    def _make_view(
        cls, final: list[ViewFunction], class_args: tuple[Any, ...], class_kwargs: dict[str, Any]
    ) -> ViewFunction:
        # ``final[0]`` is the function handed to the app (after ``decorators``); its
        # ``view_class`` is read on each request so that it can be swapped.
        if cls._dispatches_async():
            if cls.init_every_request:

                async def async_view(**kwargs: Any) -> Any:
                    self = final[0].view_class(*class_args, **class_kwargs)  # type: ignore[attr-defined]
                    return await self.dispatch_request(**kwargs)

                return async_view
            instance = cls(*class_args, **class_kwargs)

            async def shared_async_view(**kwargs: Any) -> Any:
                return await instance.dispatch_request(**kwargs)

            return shared_async_view

        if cls.init_every_request:

            def view(**kwargs: Any) -> Any:
                self = final[0].view_class(*class_args, **class_kwargs)  # type: ignore[attr-defined]
                return current_app.ensure_sync(self.dispatch_request)(**kwargs)

            return view
        shared = cls(*class_args, **class_kwargs)

        def shared_view(**kwargs: Any) -> Any:
            return current_app.ensure_sync(shared.dispatch_request)(**kwargs)

        return shared_view

    @classmethod
    def as_view(cls, name: str, *class_args: Any, **class_kwargs: Any) -> ViewFunction:
        """The view function: it builds the class with ``class_args``/``class_kwargs``
        (per request, or once when ``init_every_request`` is False) and dispatches.

        ``name`` is the endpoint. The function carries ``view_class``, ``methods``
        and ``provide_automatic_options``.
        """
        final: list[ViewFunction] = []
        view = cls._make_view(final, class_args, class_kwargs)
        if cls.decorators:
            view.__name__ = name
            view.__module__ = cls.__module__
            for decorator in cls.decorators:
                view = decorator(view)
        # Set after decorating, so these are on the function the app receives.
        view.view_class = cls  # type: ignore[attr-defined]
        view.__name__ = name
        view.__doc__ = cls.__doc__
        view.__module__ = cls.__module__
        view.methods = cls.methods  # type: ignore[attr-defined]
        view.provide_automatic_options = cls.provide_automatic_options  # type: ignore[attr-defined]
        final.append(view)
        return view


def _call_with(handler: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    # One module-level callable for every sync handler, so the app's cache of which
    # callables are async holds one entry, not one per request.
    return handler(**kwargs)


class MethodView(View):
    """Dispatch each request to the method named after its HTTP verb (``get``, ``post``...).

    ``methods`` is set from the handlers a class and its bases define. ``HEAD``
    runs ``get`` when there is no ``head``. Only HTTP verbs dispatch: ``get``,
    ``post``, ``put``, ``patch``, ``delete``, ``head``, ``options``, ``trace``,
    and extension verbs the class lists in ``methods`` itself (``PROPFIND`` runs
    ``propfind``); any other request method is a 405, whatever attributes the
    class has.
    """

    #: Lowercase names that may be dispatched to; computed for each subclass.
    _dispatchable: ClassVar[frozenset[str]] = http_method_funcs

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "methods" not in cls.__dict__:
            methods: set[str] = set()
            for base in cls.__bases__:
                base_methods = getattr(base, "methods", None)
                if base_methods:
                    methods.update(base_methods)
            for name in http_method_funcs:
                if callable(getattr(cls, name, None)):
                    methods.add(name.upper())
            if methods:
                cls.methods = methods
        extra = {
            method.lower()
            for method in cls.methods or ()
            if method.isidentifier() and not method.startswith("_")
        }
        # A verb must never reach the machinery of the class itself.
        extra -= set(dir(MethodView))
        cls._dispatchable = http_method_funcs | extra

    def _handler(self, method: str) -> Callable[..., Any]:
        name = method.lower()
        handler = getattr(self, name, None) if name in self._dispatchable else None
        if handler is None and method == "HEAD":
            handler = getattr(self, "get", None)
        if handler is None or not callable(handler):
            raise MethodNotAllowed(valid_methods=self._allowed_methods())
        return handler  # type: ignore[no-any-return]

    def _allowed_methods(self) -> list[str]:
        methods = {m.upper() for m in self._dispatchable if callable(getattr(self, m, None))}
        if "GET" in methods:
            methods.add("HEAD")
        return sorted(methods)

    def dispatch_request(self, **kwargs: Any) -> Any:
        """Call the method for ``request.method`` with the URL's variables."""
        handler = self._handler(request.method)
        return current_app.ensure_sync(handler)(**kwargs)

    @classmethod
    def _dispatches_async(cls) -> bool:
        if cls.dispatch_request is not MethodView.dispatch_request:
            return is_async_callable(cls.dispatch_request)
        return any(is_async_callable(getattr(cls, name, None)) for name in cls._dispatchable)

    @classmethod
    def _make_view(
        cls, final: list[ViewFunction], class_args: tuple[Any, ...], class_kwargs: dict[str, Any]
    ) -> ViewFunction:
        if cls.dispatch_request is not MethodView.dispatch_request or not cls._dispatches_async():
            return super()._make_view(final, class_args, class_kwargs)
        shared = None if cls.init_every_request else cls(*class_args, **class_kwargs)

        async def view(**kwargs: Any) -> Any:
            self = shared
            if self is None:
                self = final[0].view_class(*class_args, **class_kwargs)  # type: ignore[attr-defined]
            handler = self._handler(request.method)
            if is_async_callable(handler):
                return await handler(**kwargs)
            return await current_app._call(_call_with, handler, kwargs)

        return view


__all__ = ["MethodView", "View", "http_method_funcs"]
