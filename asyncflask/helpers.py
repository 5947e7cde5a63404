"""Helpers views use: ``url_for``, ``redirect``, ``abort``, ``make_response``, streaming."""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .ctx import after_this_request, copy_current_request_context
from .exceptions import abort
from .globals import _cv_context, current_app
from .sendfile import send_file, send_from_directory

if TYPE_CHECKING:
    from .wrappers import Response

_LOCATION_SAFE = "/%:@!$&'()*+,;=?#~[]"


def url_for(
    endpoint: str,
    *,
    _anchor: str | None = None,
    _method: str | None = None,
    _scheme: str | None = None,
    _external: bool | None = None,
    **values: Any,
) -> str:
    """Build the URL of ``endpoint``.

    Inside a request this is a path (with the app's ``root_path``); pass
    ``_external=True`` for an absolute URL. Values that are not rule arguments
    become the query string; ``_anchor`` adds a fragment, ``_method`` picks the
    rule for a method. A leading ``.`` names an endpoint of the current blueprint.
    """
    return current_app.url_for(
        endpoint,
        _anchor=_anchor,
        _method=_method,
        _scheme=_scheme,
        _external=_external,
        **values,
    )


def _redirect_response(location: str, code: int, response_class: type[Response]) -> Response:
    if any(c in location for c in "\r\n\0"):
        raise ValueError("The redirect location must not contain CR, LF or NUL characters.")
    location = quote(location, safe=_LOCATION_SAFE)
    escaped = html.escape(location)
    body = (
        "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n"
        "<h1>Redirecting...</h1>\n<p>You should be redirected automatically to the target"
        f' URL: <a href="{escaped}">{escaped}</a>. If not, click the link.\n'
    )
    response = response_class(body, status=code, mimetype="text/html")
    response.headers["Location"] = location
    return response


def redirect(location: str, code: int = 302, Response: type[Response] | None = None) -> Response:
    """A response redirecting to ``location`` (302 by default; any 3xx code works)."""
    if Response is None:
        ctx = _cv_context.get(None)
        if ctx is not None:
            return ctx.app.redirect(location, code)
        from .wrappers import Response as response_class

        Response = response_class
    return _redirect_response(location, code, Response)


def make_response(*args: Any) -> Response:
    """Turn view-style return values into a response, to add headers before returning it.

    ``make_response()`` gives an empty response, ``make_response(rv)`` or
    ``make_response(body, status, headers)`` converts like a view's return value.
    """
    if not args:
        return current_app.response_class()
    if len(args) == 1:
        return current_app.make_response(args[0])
    return current_app.make_response(args)


def stream_with_context(generator_or_function: Any) -> Any:
    """Keep the request context available while a streamed response is generated.

    The request context in asyncflask already stays active until the response
    has been sent, for sync and async generators alike, so this returns the
    generator unchanged; it also works as a decorator on a generator function.
    """
    if callable(generator_or_function) and not hasattr(generator_or_function, "__next__"):
        func: Callable[..., Any] = generator_or_function

        @functools.wraps(func)
        def decorator(*args: Any, **kwargs: Any) -> Any:
            return func(*args, **kwargs)

        return decorator
    return generator_or_function


__all__ = [
    "abort",
    "after_this_request",
    "copy_current_request_context",
    "make_response",
    "redirect",
    "send_file",
    "send_from_directory",
    "stream_with_context",
    "url_for",
]


def __getattr__(name: str) -> Any:
    # Flask has it in ``flask.helpers``; it lives in a module that imports this one.
    if name == "get_template_attribute":
        from . import templating

        return templating.get_template_attribute
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
