"""JSON helpers that follow the active application's JSON provider.

``dumps``/``loads`` use ``current_app.json`` when an application is active, and
the default provider's rules otherwise.
"""

from __future__ import annotations

import json as _json
from typing import IO, TYPE_CHECKING, Any

from ..globals import _cv_context
from .provider import DefaultJSONProvider, JSONProvider, _default

if TYPE_CHECKING:
    from ..wrappers import Response


def dumps(obj: Any, **kwargs: Any) -> str:
    """Serialize ``obj`` to a JSON string (dates as HTTP dates, UUID/Decimal as strings)."""
    ctx = _cv_context.get(None)
    if ctx is not None:
        return ctx.app.json.dumps(obj, **kwargs)
    kwargs.setdefault("default", _default)
    return _json.dumps(obj, **kwargs)


def dump(obj: Any, fp: IO[str], **kwargs: Any) -> None:
    """Serialize ``obj`` as JSON into a text file."""
    fp.write(dumps(obj, **kwargs))


def loads(s: str | bytes, **kwargs: Any) -> Any:
    """Deserialize JSON from a string or bytes."""
    ctx = _cv_context.get(None)
    if ctx is not None:
        return ctx.app.json.loads(s, **kwargs)
    return _json.loads(s, **kwargs)


def load(fp: IO[Any], **kwargs: Any) -> Any:
    """Deserialize JSON from a file."""
    return loads(fp.read(), **kwargs)


def jsonify(*args: Any, **kwargs: Any) -> Response:
    """Return an ``application/json`` response of the arguments.

    One positional argument is serialized as is, several as a list, keyword
    arguments as a dict. Needs an active application.
    """
    ctx = _cv_context.get(None)
    if ctx is None:
        raise RuntimeError(
            "jsonify() needs an active application. Call it inside a view, or push one"
            " with `app.app_context()`."
        )
    return ctx.app.json.response(*args, **kwargs)


__all__ = ["DefaultJSONProvider", "JSONProvider", "dump", "dumps", "jsonify", "load", "loads"]
