"""What the benchmark endpoints answer, shared by every framework's apps and by the checks."""

from __future__ import annotations

import json
import random
import tempfile
from functools import cache
from pathlib import Path
from typing import Any, Literal

import jinja2

HELLO = "Hello, world!"
JSON_MESSAGE: dict[str, Any] = {"message": HELLO}

STREAM_CHUNK = b"x" * 1024
STREAM_CHUNK_COUNT = 100
SSE_EVENT_COUNT = 100


def sse_event(n: int) -> str:
    """Event ``n`` of the ``sse`` scenario, as it goes on the wire."""
    return f"id: {n}\ndata: tick {n}\n\n"


SSE_BODY = "".join(sse_event(n) for n in range(SSE_EVENT_COUNT)).encode()

#: The header the ``sync-hooks`` endpoint's after-request hook adds to the response.
HOOK_HEADER = "X-Hook"
HOOK_VALUE = "1"

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


#: The key every framework signs its session cookie with.
SECRET_KEY = "benchmark-session-secret-key"
#: The session key the ``session`` endpoint counts in.
SESSION_COUNTER = "counter"


def _upload_bytes(size: int) -> bytes:
    """``size`` pseudo-random bytes, like a binary file, the same on every run."""
    return random.Random(8192).randbytes(size)


UPLOAD_TITLE = "benchmark"
UPLOAD_FILE = _upload_bytes(8192)
UPLOAD_TEXT = f"title={UPLOAD_TITLE} size={len(UPLOAD_FILE)}"
MULTIPART_BOUNDARY = "----asyncflaskBenchmarkBoundary7MA4YWxkTrZu0gW"
MULTIPART_CONTENT_TYPE = f"multipart/form-data; boundary={MULTIPART_BOUNDARY}"


def _multipart_body() -> bytes:
    """A browser-style multipart body: the text field ``title`` and the file ``file``."""
    dash = f"--{MULTIPART_BOUNDARY}".encode()
    return b"".join(
        [
            dash + b"\r\n",
            b'Content-Disposition: form-data; name="title"\r\n\r\n',
            UPLOAD_TITLE.encode() + b"\r\n",
            dash + b"\r\n",
            b'Content-Disposition: form-data; name="file"; filename="data.bin"\r\n',
            b"Content-Type: application/octet-stream\r\n\r\n",
            UPLOAD_FILE + b"\r\n",
            dash + b"--\r\n",
        ]
    )


#: The body ``POST /upload`` sends; every app answers ``UPLOAD_TEXT``.
MULTIPART_BODY = _multipart_body()

WEBSOCKET_MESSAGE_COUNT = 100
WEBSOCKET_MESSAGE_SIZE = 100

#: What the websocket client sends on each connection, one message at a time; each is distinct,
#: so an echo out of order is caught.
WEBSOCKET_MESSAGES: tuple[str, ...] = tuple(
    f"message {index:03d} ".ljust(WEBSOCKET_MESSAGE_SIZE, "abcdefghij"[index % 10])
    for index in range(WEBSOCKET_MESSAGE_COUNT)
)


#: The ``template`` endpoint renders ``page.html`` (it extends ``base.html``) from here.
TEMPLATE_DIR = Path(__file__).resolve().with_name("templates")
TEMPLATE_NAME = "page.html"
TEMPLATE_TITLE = "Benchmark & friends"
#: The page's 100-row loop; names and e-mails need escaping and a filter.
TEMPLATE_ROWS: list[dict[str, Any]] = [
    {"id": i, "name": f"User {i} <{i % 7}> & co", "email": f"User{i}@Example.COM"}
    for i in range(100)
]


@cache
def template_page() -> bytes:
    """The page every framework must render, rendered by Jinja alone."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True)
    page = env.get_template(TEMPLATE_NAME).render(title=TEMPLATE_TITLE, rows=TEMPLATE_ROWS)
    return page.encode()


#: The ``static`` endpoint serves this file from ``static_dir()`` at ``/static/<name>``.
STATIC_FILE_NAME = "file-1m.bin"
STATIC_FILE_SIZE = 1024 * 1024


def static_content(size: int = STATIC_FILE_SIZE) -> bytes:
    """The static file's bytes: every byte value in turn, ``size`` bytes."""
    return (bytes(range(256)) * (size // 256 + 1))[:size]


@cache
def static_dir() -> Path:
    """A folder holding the static file (written once per machine, in the temp folder)."""
    folder = Path(tempfile.gettempdir()) / "asyncflask-benchmark-static"
    folder.mkdir(exist_ok=True)
    path = folder / STATIC_FILE_NAME
    content = static_content()
    if not path.exists() or path.stat().st_size != len(content):
        partial = folder / f".{STATIC_FILE_NAME}.partial"
        partial.write_bytes(content)
        partial.replace(path)
    return folder
