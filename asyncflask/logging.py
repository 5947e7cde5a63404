"""The application logger."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .app import Flask

#: The handler added to an app's logger when nothing else would print its records.
default_handler = logging.StreamHandler(sys.stderr)
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


__all__ = ["create_logger", "default_handler", "has_level_handler"]
