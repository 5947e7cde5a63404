"""URL routing: rules, converters, matching request paths and building URLs.

``Map`` holds the ``Rule`` objects of an app (``app.url_map``); converters such as ``int``
or ``path`` turn URL text into view arguments and back.
"""

from __future__ import annotations

from ..exceptions import RequestRedirect, RoutingException
from .adapter import MapAdapter
from .building import BuildError
from .converters import (
    AnyConverter,
    BaseConverter,
    FloatConverter,
    IntegerConverter,
    NumberConverter,
    PathConverter,
    UnicodeConverter,
    UUIDConverter,
    ValidationError,
    default_converters,
)
from .map import Map
from .rules import Rule

__all__ = [
    "AnyConverter",
    "BaseConverter",
    "BuildError",
    "FloatConverter",
    "IntegerConverter",
    "Map",
    "MapAdapter",
    "NumberConverter",
    "PathConverter",
    "RequestRedirect",
    "RoutingException",
    "Rule",
    "UUIDConverter",
    "UnicodeConverter",
    "ValidationError",
    "default_converters",
]
