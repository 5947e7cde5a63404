"""Message flashing: record a message now, show it on the next request.

Messages are kept in the session under ``"_flashes"`` as ``(category, message)``
pairs, so flashing needs a working session (a secret key with the default
cookie sessions).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .globals import _cv_context, _no_req_msg
from .signals import message_flashed, notify_sync

if TYPE_CHECKING:
    from .ctx import AppContext
    from .sessions import SessionMixin

__all__ = ["flash", "get_flashed_messages"]

_FLASHES_KEY = "_flashes"
# The messages taken from the session, kept on the request context so that every
# call in the same request sees them, not only the first.
_CACHE_ATTR = "flashes"


def _context_and_session() -> tuple[AppContext, SessionMixin]:
    ctx = _cv_context.get(None)
    session = ctx.session if ctx is not None else None
    if ctx is None or session is None:
        raise RuntimeError(_no_req_msg)
    return ctx, session


def flash(message: Any, category: str = "message") -> None:
    """Record a message for the next request that calls :func:`get_flashed_messages`.

    ``category`` is free text; ``"message"``, ``"error"``, ``"info"`` and
    ``"warning"`` are the usual ones. The message is stored in the session, so it
    must be something the session can hold (usually a string or Markup).
    """
    ctx, session = _context_and_session()
    flashes = list(session.get(_FLASHES_KEY, ()))
    flashes.append((category, message))
    session[_FLASHES_KEY] = flashes
    if message_flashed.receivers:
        notify_sync(message_flashed, ctx.app, message=message, category=category)


def get_flashed_messages(
    with_categories: bool = False, category_filter: Iterable[str] = ()
) -> list[Any]:
    """Take the flashed messages out of the session and return them.

    The first call in a request removes them from the session; later calls in the
    same request return the same messages. With ``with_categories`` each item is a
    ``(category, message)`` tuple instead of the message alone.
    ``category_filter`` (a list of categories, or one category) keeps only the
    messages in those categories.
    """
    ctx, session = _context_and_session()
    flashes: list[tuple[str, Any]] | None = getattr(ctx, _CACHE_ATTR, None)
    if flashes is None:
        flashes = list(session.pop(_FLASHES_KEY)) if _FLASHES_KEY in session else []
        setattr(ctx, _CACHE_ATTR, flashes)
    if category_filter:
        wanted = {category_filter} if isinstance(category_filter, str) else set(category_filter)
        flashes = [item for item in flashes if item[0] in wanted]
    if with_categories:
        return [tuple(item) for item in flashes]
    return [item[1] for item in flashes]
