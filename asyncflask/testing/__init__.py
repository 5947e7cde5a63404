"""Test the app in-process: the async test client, its responses, cookies, websockets and scopes."""

from __future__ import annotations

from .client import (
    Cookie,
    CookieJar,
    FlaskClient,
    LineSplitter,
    StreamedTestResponse,
    TestResponse,
    TestWebsocket,
    build_scope,
    build_test_request,
    encode_multipart,
)

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
