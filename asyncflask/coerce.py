"""Turning what a view returns into a ``Response``, following Flask's rules."""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .datastructures import Headers
from .errorhandlers import is_http_exception
from .exceptions import HTTPException

if TYPE_CHECKING:
    from .json.provider import JSONProvider
    from .wrappers import Response

_VALID = (
    "The return type must be a string, bytes, dict, list, tuple with headers or"
    " status, Response instance, HTTPException, or (async) iterator/generator"
)


def coerce_response(
    rv: Any,
    response_class: type[Response],
    json: JSONProvider,
    view_name: str | None = None,
) -> Response:
    """Build a ``Response`` from a view's return value.

    Accepted: ``str``/``bytes`` bodies, ``dict``/``list`` (JSON), a ``Response``,
    an ``HTTPException``, sync iterators and async iterables (streamed), and the
    tuples ``(body, status)``, ``(body, headers)`` and ``(body, status, headers)``.
    Anything else raises ``TypeError`` naming the view.
    """
    status: Any = None
    headers: Any = None
    if isinstance(rv, tuple):
        length = len(rv)
        if length == 3:
            rv, status, headers = rv
        elif length == 2:
            if isinstance(rv[1], (Headers, Mapping, tuple, list)):
                rv, headers = rv
            else:
                rv, status = rv
        else:
            raise TypeError(
                f"The view function{_for(view_name)} did not return a valid response tuple."
                " The tuple must have the form (body, status, headers), (body, status), or"
                " (body, headers)."
            )
    if status is not None and (not isinstance(status, (int, str)) or isinstance(status, bool)):
        raise TypeError(
            f"The view function{_for(view_name)} returned a status of type"
            f" {type(status).__name__}; it must be an int or a str."
        )
    if rv is None:
        raise TypeError(
            f"The view function{_for(view_name)} did not return a valid response. The"
            " function either returned None or ended without a return statement."
        )
    if isinstance(rv, response_class):
        response = rv
    elif isinstance(rv, (str, bytes, bytearray)):
        response = response_class(rv, status=status, headers=headers)
        status = headers = None
    elif isinstance(rv, (dict, list)):
        response = json.response(rv)
    elif isinstance(rv, HTTPException):
        response = rv.get_response()
    elif isinstance(rv, (Iterator, AsyncIterable)):
        response = response_class(rv, status=status, headers=headers)
        status = headers = None
    elif _is_response(rv):
        response = rv
    elif is_http_exception(rv):
        response = _from_foreign(rv.get_response(), response_class)
    elif _is_foreign_response(rv):
        response = _from_foreign(rv, response_class)
    else:
        raise TypeError(
            f"The view function{_for(view_name)} did not return a valid response. {_VALID},"
            f" but it was a {type(rv).__name__}."
        )
    if status is not None:
        response.status = status
    if headers:
        response.headers.update(headers)
    return response


def _is_response(rv: Any) -> bool:
    from .wrappers import Response

    return isinstance(rv, Response)


def _is_foreign_response(rv: Any) -> bool:
    return (
        isinstance(getattr(rv, "status_code", None), int)
        and hasattr(rv, "headers")
        and callable(getattr(rv, "get_data", None))
    )


def _from_foreign(rv: Any, response_class: type[Response]) -> Response:
    """Our response for another framework's (a Werkzeug response an extension built)."""
    headers = [(str(k), str(v)) for k, v in rv.headers.items() if k.lower() != "content-length"]
    return response_class(rv.get_data(), status=rv.status_code, headers=headers)


def _for(view_name: str | None) -> str:
    return f" for {view_name!r}" if view_name else ""


__all__ = ["coerce_response"]
