"""The registry of benchmark scenarios: what is requested and what a correct answer is.

A scenario names an endpoint; each framework module in ``benchmarks.frameworks`` maps that
name to a factory that builds an app serving it. Adding an endpoint is one entry here plus one
factory per framework.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from benchmarks.driver import HTTPRequest
from benchmarks.payloads import (
    ECHO_BODY,
    ECHO_PAYLOAD,
    HELLO,
    JSON_MESSAGE,
    STREAM_CHUNK,
    STREAM_CHUNK_COUNT,
    USER_ID,
    USER_TEXT,
)

_NO_JSON = object()


@dataclass(frozen=True)
class Expectation:
    """A correct response: its status and either its exact body or the JSON it decodes to."""

    status: int = 200
    body: bytes | None = None
    json: Any = _NO_JSON

    def problem(self, status: int, body: bytes) -> str | None:
        """Why a response with ``status`` and ``body`` is wrong, or None when it is right."""
        if status != self.status:
            return f"status {status}, expected {self.status}; body {body[:200]!r}"
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
        name="sync",
        title="GET /sync (sync view, plain text)",
        request=HTTPRequest("GET", "/sync"),
        expect=Expectation(body=HELLO.encode()),
    ),
    _route_scenario(10),
    _route_scenario(1000),
)

SCENARIOS_BY_NAME = {scenario.name: scenario for scenario in SCENARIOS}
