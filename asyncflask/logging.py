"""The application logger."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from .app import Flask


class _ErrorStream:
    """A stream that writes to ``sys.stderr`` as it is at the time of each write.

    Binding the handler to the stream object of import time would miss later
    redirections (``contextlib.redirect_stderr``, test capture, a daemon that
    reopens its error stream).
    """

    def _get_current_object(self) -> TextIO:
        return sys.stderr

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(sys.stderr, name)


#: The error stream of the process, resolved on every write. ASGI has no per-request
#: error stream, so this is what WSGI's ``wsgi.errors`` falls back to in Flask.
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
    "create_logger",
    "default_handler",
    "errors_stream",
    "has_level_handler",
    "wsgi_errors_stream",
]
