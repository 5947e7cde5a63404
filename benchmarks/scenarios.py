"""The registry of benchmark scenarios: what is requested and what a correct answer is.

A scenario names an endpoint; each framework module in ``benchmarks.frameworks`` maps that
name to a factory that builds an app serving it. Adding an endpoint is one entry here plus one
factory per framework.

Two optional parts cover endpoints that are not one stateless HTTP request:

- ``prime``: a request sent once to each app before it is measured; the cookies its answer
  sets are sent with every measured request. Each framework signs its own session cookie, so
  the measured request differs per framework, and this is how each gets its own.
- ``websocket_messages``: the scenario is a websocket connection to ``request.path`` that
  sends these text messages one at a time; ``expect.messages`` is what must come back.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Any

from benchmarks.driver import HTTPRequest
from benchmarks.payloads import (
    ECHO_BODY,
    ECHO_PAYLOAD,
    HELLO,
    HOOK_HEADER,
    JSON_MESSAGE,
    MULTIPART_BODY,
    MULTIPART_CONTENT_TYPE,
    SSE_BODY,
    SSE_EVENT_COUNT,
    STATIC_FILE_NAME,
    STREAM_CHUNK,
    STREAM_CHUNK_COUNT,
    UPLOAD_TEXT,
    USER_ID,
    USER_TEXT,
    WEBSOCKET_MESSAGE_COUNT,
    WEBSOCKET_MESSAGE_SIZE,
    WEBSOCKET_MESSAGES,
    static_content,
    template_page,
)

_NO_JSON = object()


@dataclass(frozen=True)
class Expectation:
    """A correct response: its status and either its exact body or the JSON it decodes to.

    ``headers`` names headers the response must carry (any value). For a websocket scenario,
    ``messages`` is what the app must send back, in order.
    """

    status: int = 200
    body: bytes | None = None
    json: Any = _NO_JSON
    headers: tuple[str, ...] = ()
    messages: tuple[str, ...] | None = None

    def problem(self, status: int, body: bytes, header_names: Collection[str] = ()) -> str | None:
        """Why a response is wrong, or None when it is right.

        ``header_names`` are the lower-case names of the headers the response carries.
        """
        if status != self.status:
            return f"status {status}, expected {self.status}; body {body[:200]!r}"
        missing = [name for name in self.headers if name.lower() not in header_names]
        if missing:
            return f"no {', '.join(missing)} header in the response"
        if self.body is not None and body != self.body:
            return f"body {_preview(body)}, expected {_preview(self.body)}"
        if self.json is not _NO_JSON:
            try:
                decoded = json.loads(body)
            except ValueError:
                return f"body is not JSON: {_preview(body)}"
            if decoded != self.json:
                return f"JSON {_preview(body)}, expected {self.json!r:.200}"
        return None

    def websocket_problem(self, accepted: bool, received: Sequence[str | bytes]) -> str | None:
        """Why what a websocket app sent is wrong, or None when it is right."""
        if not accepted:
            return "the app did not accept the connection"
        expected = self.messages or ()
        if list(received) == list(expected):
            return None
        for index, (got, wanted) in enumerate(zip(received, expected, strict=False)):
            if got != wanted:
                return f"message {index} was {got!r:.60}, expected {wanted!r:.60}"
        return f"{len(received)} messages came back, expected {len(expected)}"


def _preview(body: bytes) -> str:
    if len(body) <= 80:
        return repr(body)
    return f"{body[:60]!r}... ({len(body)} bytes)"


@dataclass(frozen=True)
class Scenario:
    """One endpoint measured in every framework that has a factory for it."""

    name: str
    title: str
    request: HTTPRequest
    expect: Expectation
    #: Sent once to each app before it is measured; the cookies its answer sets are sent with
    #: every measured request (see :func:`primed_request`).
    prime: HTTPRequest | None = None
    #: For a websocket scenario, the text messages sent on each connection, one at a time.
    websocket_messages: tuple[str, ...] | None = None

    @property
    def is_websocket(self) -> bool:
        """Whether a "request" of this scenario is a websocket connection."""
        return self.websocket_messages is not None


def primed_request(scenario: Scenario, status: int, set_cookies: Sequence[str]) -> HTTPRequest:
    """``scenario.request`` carrying the cookies that the answer to ``scenario.prime`` set.

    ``status`` and ``set_cookies`` (the ``Set-Cookie`` values) are that answer's. Raises
    ValueError when it failed or set no cookie, since every measured request would then miss
    what it is meant to carry.
    """
    if status != 200 or not set_cookies:
        prime = scenario.prime or scenario.request
        raise ValueError(
            f"the priming request {prime.method} {prime.target} was answered with status "
            f"{status} and {len(set_cookies)} cookies; the app must answer 200 and set a cookie"
        )
    cookie = "; ".join(value.split(";", 1)[0].strip() for value in set_cookies)
    return replace(scenario.request, headers=(*scenario.request.headers, ("cookie", cookie)))


def _route_scenario(other_routes: int) -> Scenario:
    return Scenario(
        name=f"route-{other_routes}",
        title=f"GET /users/<int:id>, {other_routes} other routes",
        request=HTTPRequest("GET", f"/users/{USER_ID}"),
        expect=Expectation(body=USER_TEXT.encode()),
    )


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        name="plaintext",
        title="GET / (plain text)",
        request=HTTPRequest("GET", "/"),
        expect=Expectation(body=HELLO.encode()),
    ),
    Scenario(
        name="json",
        title="GET /json",
        request=HTTPRequest("GET", "/json"),
        expect=Expectation(json=JSON_MESSAGE),
    ),
    _route_scenario(100),
    Scenario(
        name="echo",
        title="POST /echo (1 KiB JSON)",
        request=HTTPRequest(
            "POST", "/echo", headers=(("content-type", "application/json"),), body=ECHO_BODY
        ),
        expect=Expectation(json=ECHO_PAYLOAD),
    ),
    Scenario(
        name="stream",
        title="GET /stream (100 x 1 KiB chunks)",
        request=HTTPRequest("GET", "/stream"),
        expect=Expectation(body=STREAM_CHUNK * STREAM_CHUNK_COUNT),
    ),
    Scenario(
        name="sse",
        title=f"GET /sse (Server-Sent Events: {SSE_EVENT_COUNT} events with ids)",
        request=HTTPRequest("GET", "/sse"),
        expect=Expectation(body=SSE_BODY, headers=("content-type",)),
    ),
    Scenario(
        name="sync",
        title="GET /sync (sync view, plain text)",
        request=HTTPRequest("GET", "/sync"),
        expect=Expectation(body=HELLO.encode()),
    ),
    Scenario(
        name="sync-hooks",
        title="GET /sync-hooks (sync view, sync before and after hooks)",
        request=HTTPRequest("GET", "/sync-hooks"),
        # The body is what the before hook left for the view; the header is the after hook's.
        expect=Expectation(body=HELLO.encode(), headers=(HOOK_HEADER,)),
    ),
    _route_scenario(10),
    _route_scenario(1000),
    Scenario(
        name="session",
        title="GET /session (signed-cookie session round trip)",
        request=HTTPRequest("GET", "/session"),
        # The priming request stores 1; every measured request reads it and stores 2.
        expect=Expectation(body=b"2", headers=("set-cookie",)),
        prime=HTTPRequest("GET", "/session"),
    ),
    Scenario(
        name="multipart",
        title="POST /upload (multipart: a field and an 8 KiB file)",
        request=HTTPRequest(
            "POST",
            "/upload",
            headers=(("content-type", MULTIPART_CONTENT_TYPE),),
            body=MULTIPART_BODY,
        ),
        expect=Expectation(body=UPLOAD_TEXT.encode()),
    ),
    Scenario(
        name="websocket",
        title=(
            f"websocket /ws ({WEBSOCKET_MESSAGE_COUNT} echoes of {WEBSOCKET_MESSAGE_SIZE} B "
            "per connection)"
        ),
        request=HTTPRequest("GET", "/ws"),
        expect=Expectation(messages=WEBSOCKET_MESSAGES),
        websocket_messages=WEBSOCKET_MESSAGES,
    ),
    Scenario(
        name="template",
        title="GET /template (inheritance, a 100-row loop, escaping)",
        request=HTTPRequest("GET", "/template"),
        expect=Expectation(body=template_page()),
    ),
    Scenario(
        name="static",
        title="GET /static/file-1m.bin (a 1 MiB static file)",
        request=HTTPRequest("GET", f"/static/{STATIC_FILE_NAME}"),
        expect=Expectation(body=static_content(), headers=("content-length",)),
    ),
)

SCENARIOS_BY_NAME = {scenario.name: scenario for scenario in SCENARIOS}
