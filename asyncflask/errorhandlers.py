"""The error-handler registry: which handler answers an exception."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .exceptions import HTTPException, default_exceptions

ErrorHandler = Callable[[Any], Any]
#: ``spec[blueprint_name][code][exception_class] = handler``; ``None`` is the app itself.
ErrorHandlerSpec = dict[str | None, dict[int | None, dict[type[BaseException], ErrorHandler]]]


def exception_class_and_code(
    code_or_exception: type[BaseException] | int,
) -> tuple[type[BaseException], int | None]:
    """Normalise what ``errorhandler`` was given into ``(exception class, status code)``."""
    if isinstance(code_or_exception, int) and not isinstance(code_or_exception, bool):
        try:
            exc_class: type[BaseException] = default_exceptions[code_or_exception]
        except KeyError:
            raise ValueError(
                f"'{code_or_exception}' is not a recognized HTTP error code. Use a subclass"
                " of HTTPException with that code instead."
            ) from None
    else:
        exc_class = code_or_exception  # type: ignore[assignment]
    if isinstance(exc_class, BaseException):
        raise TypeError(
            f"{exc_class!r} is an instance, not a class. Handlers can only be registered"
            " for exception classes or HTTP error codes."
        )
    if not isinstance(exc_class, type) or not issubclass(exc_class, Exception):
        raise ValueError(
            f"'{getattr(exc_class, '__name__', exc_class)}' is not a subclass of Exception."
            " Handlers can only be registered for Exception classes or HTTP error codes."
        )
    if issubclass(exc_class, HTTPException):
        return exc_class, exc_class.code
    return exc_class, None


def register_handler(
    spec: ErrorHandlerSpec,
    blueprint: str | None,
    code_or_exception: type[BaseException] | int,
    handler: ErrorHandler,
) -> None:
    """Store ``handler`` for an exception class or status code."""
    exc_class, code = exception_class_and_code(code_or_exception)
    spec.setdefault(blueprint, {}).setdefault(code, {})[exc_class] = handler


def is_http_exception(exc: BaseException) -> bool:
    """Whether ``exc`` is an HTTP error: ours, or one that looks like it (Werkzeug's).

    Extensions that still raise Werkzeug's exception classes get their errors answered
    with the error's own status, never a 500.
    """
    if isinstance(exc, HTTPException):
        return True
    return isinstance(getattr(exc, "code", None), int) and callable(
        getattr(exc, "get_response", None)
    )


def find_handler(
    spec: ErrorHandlerSpec, exc: BaseException, blueprints: Iterable[str]
) -> ErrorHandler | None:
    """The handler for ``exc``: by status code first, then any code; blueprints before the app.

    Within one registry, the most specific exception class (by MRO) wins.
    """
    code = exc.code if is_http_exception(exc) else None  # type: ignore[attr-defined]
    mro: tuple[type, ...] = type(exc).__mro__
    if code is not None and not isinstance(exc, HTTPException):
        # Another framework's error: handlers registered for its code answer it too.
        ours = default_exceptions.get(code)
        if ours is not None:
            mro = (*(c for c in mro if c not in ours.__mro__), *ours.__mro__)
    names: tuple[str | None, ...] = (*blueprints, None)
    codes = (code, None) if code is not None else (None,)
    for c in codes:
        for name in names:
            by_code = spec.get(name)
            if not by_code:
                continue
            handlers = by_code.get(c)
            if not handlers:
                continue
            for cls in mro:
                handler = handlers.get(cls)
                if handler is not None:
                    return handler
    return None


__all__ = [
    "ErrorHandlerSpec",
    "exception_class_and_code",
    "find_handler",
    "is_http_exception",
    "register_handler",
]
