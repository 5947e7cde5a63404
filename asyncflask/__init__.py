"""asyncflask: an ASGI-native, async-first web framework with Flask's API.

Change ``from flask import ...`` to ``from asyncflask import ...`` and serve the
app with ``uvicorn module:app``.
"""

from __future__ import annotations

from .app import AsyncFlask, Flask
from .blueprints import Blueprint
from .config import Config
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
from .sendfile import send_file, send_from_directory
from .signals import (
    appcontext_popped,
    appcontext_pushed,
    appcontext_tearing_down,
    before_render_template,
    got_request_exception,
    message_flashed,
    request_finished,
    request_started,
    request_tearing_down,
    template_rendered,
)
from .sse import ServerSentEvent, sse
from .templating import (
    get_template_attribute,
    render_template,
    render_template_async,
    render_template_string,
    render_template_string_async,
    stream_template,
    stream_template_string,
)
from .wrappers import Request, Response

__version__ = "0.1.0"

__all__ = [
    "AsyncFlask",
    "Blueprint",
    "Config",
    "Flask",
    "Request",
    "Response",
    "ServerSentEvent",
    "abort",
    "after_this_request",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "copy_current_request_context",
    "current_app",
    "flash",
    "g",
    "get_flashed_messages",
    "get_template_attribute",
    "got_request_exception",
    "has_app_context",
    "has_request_context",
    "jsonify",
    "make_response",
    "message_flashed",
    "redirect",
    "render_template",
    "render_template_async",
    "render_template_string",
    "render_template_string_async",
    "request",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "send_file",
    "send_from_directory",
    "session",
    "sse",
    "stream_template",
    "stream_template_string",
    "stream_with_context",
    "template_rendered",
    "url_for",
    "websocket",
]
