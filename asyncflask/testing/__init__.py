"""Test the app in-process: the async test client, its responses, cookies, websockets and scopes."""

from __future__ import annotations

from .client import FlaskClient
from .cookies import Cookie, CookieJar
from .responses import LineSplitter, StreamedTestResponse, TestResponse
from .scope import build_scope, build_test_request, encode_multipart
from .websocket import TestWebsocket

__all__ = [
    "Cookie",
    "CookieJar",
    "FlaskClient",
    "LineSplitter",
    "StreamedTestResponse",
    "TestResponse",
    "TestWebsocket",
    "build_scope",
    "build_test_request",
    "encode_multipart",
]
