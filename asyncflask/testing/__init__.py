"""Test the app in-process: the async and blocking test clients, the CLI runner, and their parts.

``app.test_client()`` is the async client (``AsyncFlaskClient``);
``app.sync_test_client()`` is Flask's blocking ``FlaskClient``;
``app.test_cli_runner()`` is a ``FlaskCliRunner``.
"""

from __future__ import annotations

from .cli_runner import FlaskCliRunner
from .client import AsyncFlaskClient
from .cookies import Cookie, CookieJar
from .responses import LineSplitter, StreamedTestResponse, TestResponse
from .scope import build_scope, build_test_request, encode_multipart
from .sync_client import BlockingStream, BlockingWebsocket, FlaskClient
from .websocket import TestWebsocket

__all__ = [
    "AsyncFlaskClient",
    "BlockingStream",
    "BlockingWebsocket",
    "Cookie",
    "CookieJar",
    "FlaskCliRunner",
    "FlaskClient",
    "LineSplitter",
    "StreamedTestResponse",
    "TestResponse",
    "TestWebsocket",
    "build_scope",
    "build_test_request",
    "encode_multipart",
]
