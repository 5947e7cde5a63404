"""The application logger."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any, TextIO

from .globals import _cv_context

if TYPE_CHECKING:
    from .app import Flask


#: The ASGI scope key of a request's own error stream (the test clients' ``errors_stream=``).
ERRORS_STREAM_KEY = "asyncflask.errors_stream"


class _ErrorStream:
    """A stream that writes where errors should go at the time of each write.

    That is the current request's error stream when its scope names one, else
    ``sys.stderr`` as it is then: binding the handler to the stream object of
    import time would miss later redirections (``contextlib.redirect_stderr``,
    test capture, a daemon that reopens its error stream).
    """

    def _get_current_object(self) -> TextIO:
        ctx = _cv_context.get(None)
        if ctx is not None:
            request = ctx.request if ctx.request is not None else ctx.websocket
            if request is not None:
                stream = request.scope.get(ERRORS_STREAM_KEY)
                if stream is not None:
                    return stream  # type: ignore[no-any-return]
        return sys.stderr

    def write(self, text: str) -> int:
        return self._get_current_object().write(text)

    def flush(self) -> None:
        self._get_current_object().flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get_current_object(), name)


#: Where the default handler writes: the request's error stream if its scope has one
#: (``ERRORS_STREAM_KEY``), else the current ``sys.stderr``; WSGI's ``wsgi.errors``.
errors_stream: TextIO = _ErrorStream()  # type: ignore[assignment]
#: Flask's name for :data:`errors_stream`.
wsgi_errors_stream = errors_stream

#: The handler added to an app's logger when nothing else would print its records.
default_handler: logging.StreamHandler[TextIO] = logging.StreamHandler(errors_stream)
default_handler.setFormatter(
    logging.Formatter("[%(asctime)s] %(levelname)s in %(module)s: %(message)s")
)


def has_level_handler(logger: logging.Logger) -> bool:
    """Whether some handler in the logger's hierarchy handles the logger's effective level."""
    level = logger.getEffectiveLevel()
    current: logging.Logger | None = logger
    while current is not None:
        if any(handler.level <= level for handler in current.handlers):
            return True
        if not current.propagate:
            break
        current = current.parent
    return False


def create_logger(app: Flask) -> logging.Logger:
    """The logger named after the app: DEBUG in debug mode, a stderr handler if none applies."""
    logger = logging.getLogger(app.name)
    if app.debug and not logger.level:
        logger.setLevel(logging.DEBUG)
    if not has_level_handler(logger):
        logger.addHandler(default_handler)
    return logger


__all__ = [
    "ERRORS_STREAM_KEY",
    "create_logger",
    "default_handler",
    "errors_stream",
    "has_level_handler",
    "wsgi_errors_stream",
]
