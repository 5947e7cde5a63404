"""asyncflask: an ASGI-native, async-first web framework with Flask's API.

Change ``from flask import ...`` to ``from asyncflask import ...`` and serve the
app with ``uvicorn module:app``.
"""

from __future__ import annotations

from .app import AsyncFlask, Flask
from .ctx import (
    after_this_request,
    copy_current_request_context,
    has_app_context,
    has_request_context,
)
from .exceptions import abort
from .flashing import flash, get_flashed_messages
from .globals import current_app, g, request, session, websocket
from .helpers import make_response, redirect, stream_with_context, url_for
from .json import jsonify
from .sse import ServerSentEvent, sse
from .wrappers import Request, Response

__version__ = "0.1.0"

__all__ = [
    "AsyncFlask",
    "Flask",
    "Request",
    "Response",
    "ServerSentEvent",
    "abort",
    "after_this_request",
    "copy_current_request_context",
    "current_app",
    "flash",
    "g",
    "get_flashed_messages",
    "has_app_context",
    "has_request_context",
    "jsonify",
    "make_response",
    "redirect",
    "request",
    "session",
    "sse",
    "stream_with_context",
    "url_for",
    "websocket",
]
