"""What the benchmark endpoints answer, shared by every framework's apps and by the checks."""

from __future__ import annotations

import json
from typing import Any, Literal

HELLO = "Hello, world!"
JSON_MESSAGE: dict[str, Any] = {"message": HELLO}

STREAM_CHUNK = b"x" * 1024
STREAM_CHUNK_COUNT = 100

USER_ID = 42
USER_TEXT = f"user {USER_ID}"


def _echo_payload() -> dict[str, Any]:
    """A JSON object of nested values that encodes to 1 KiB or a little more."""
    payload: dict[str, Any] = {
        "id": 1234,
        "name": "Ada Lovelace",
        "active": True,
        "score": 98.5,
        "tags": ["analytical", "engine", "notes"],
        "items": [],
    }
    index = 0
    while len(json.dumps(payload, separators=(",", ":"))) < 1024:
        payload["items"].append({"sku": f"item-{index:04d}", "qty": index % 7, "price": 9.99})
        index += 1
    return payload


#: The body ``POST /echo`` sends; every app answers it back as JSON.
ECHO_PAYLOAD: dict[str, Any] = _echo_payload()
ECHO_BODY = json.dumps(ECHO_PAYLOAD, separators=(",", ":")).encode()


def filler_rules(count: int, style: Literal["flask", "starlette"]) -> list[str]:
    """``count`` route rules that are not the one requested: half static, half dynamic.

    They are registered before ``/users/<int:user_id>`` so that a router which scans its
    rules in order pays for all of them.
    """
    rules = []
    for index in range(count):
        if index % 2 == 0:
            rules.append(f"/api/v{index}/status")
        elif style == "flask":
            rules.append(f"/api/v{index}/items/<int:item_id>")
        else:
            rules.append(f"/api/v{index}/items/{{item_id:int}}")
    return rules
