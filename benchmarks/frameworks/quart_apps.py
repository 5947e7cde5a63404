"""The benchmark endpoints as idiomatic Quart apps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial
from typing import Any

from quart import Quart, Response, g, jsonify, render_template, request, session, websocket
from quart.typing import ResponseReturnValue

from benchmarks.frameworks import AppFactory
from benchmarks.payloads import (
    HELLO,
    HOOK_HEADER,
    HOOK_VALUE,
    JSON_MESSAGE,
    SECRET_KEY,
    SESSION_COUNTER,
    SSE_EVENT_COUNT,
    STREAM_CHUNK,
    STREAM_CHUNK_COUNT,
    TEMPLATE_DIR,
    TEMPLATE_NAME,
    TEMPLATE_ROWS,
    TEMPLATE_TITLE,
    filler_rules,
    sse_event,
    static_dir,
)


def plaintext() -> Quart:
    app = Quart(__name__)

    @app.route("/")
    async def index() -> str:
        return HELLO

    return app


def json_message() -> Quart:
    app = Quart(__name__)

    @app.route("/json")
    async def message() -> ResponseReturnValue:
        return jsonify(JSON_MESSAGE)

    return app


def routing_app(other_routes: int) -> Quart:
    """``/users/<int:user_id>`` registered after ``other_routes`` other rules."""
    app = Quart(__name__)

    async def other(**_: Any) -> str:
        return "other"

    for index, rule in enumerate(filler_rules(other_routes, "flask")):
        app.add_url_rule(rule, f"other_{index}", other)

    @app.route("/users/<int:user_id>")
    async def user(user_id: int) -> str:
        return f"user {user_id}"

    return app


def echo() -> Quart:
    app = Quart(__name__)

    @app.route("/echo", methods=["POST"])
    async def echo_view() -> ResponseReturnValue:
        return jsonify(await request.get_json())

    return app


def stream() -> Quart:
    app = Quart(__name__)

    @app.route("/stream")
    async def stream_view() -> ResponseReturnValue:
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(STREAM_CHUNK_COUNT):
                yield STREAM_CHUNK

        # Quart streams async generators but its ResponseReturnValue omits them.
        return chunks(), 200, {"Content-Type": "text/plain"}  # type: ignore[return-value]

    return app


def server_sent_events() -> Quart:
    app = Quart(__name__)

    @app.route("/sse")
    async def sse_view() -> ResponseReturnValue:
        async def events() -> AsyncIterator[bytes]:
            for n in range(SSE_EVENT_COUNT):
                yield sse_event(n).encode()

        headers = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        return events(), 200, headers  # type: ignore[return-value]

    return app


def sync_view() -> Quart:
    app = Quart(__name__)

    @app.route("/sync")
    def hello() -> str:
        return HELLO

    return app


def sync_hooks() -> Quart:
    """A sync view between a sync ``before_request`` and a sync ``after_request`` hook."""
    app = Quart(__name__)

    @app.before_request
    def load_greeting() -> None:
        g.greeting = HELLO

    @app.after_request
    def mark(response: Response) -> Response:
        response.headers[HOOK_HEADER] = HOOK_VALUE
        return response

    @app.route("/sync-hooks")
    def hello() -> str:
        greeting: str = g.greeting
        return greeting

    return app


def session_counter() -> Quart:
    app = Quart(__name__)
    app.secret_key = SECRET_KEY

    @app.route("/session")
    async def counter() -> str:
        session[SESSION_COUNTER] = session.get(SESSION_COUNTER, 0) + 1
        return str(session[SESSION_COUNTER])

    return app


def upload() -> Quart:
    app = Quart(__name__)

    @app.route("/upload", methods=["POST"])
    async def upload_view() -> str:
        form = await request.form
        files = await request.files
        return f"title={form['title']} size={len(files['file'].read())}"

    return app


def websocket_echo() -> Quart:
    app = Quart(__name__)

    @app.websocket("/ws")
    async def echo_socket() -> None:
        while True:
            await websocket.send(await websocket.receive())

    return app


def template_page() -> Quart:
    app = Quart(__name__, template_folder=str(TEMPLATE_DIR))

    @app.route("/template")
    async def page() -> str:
        return await render_template(TEMPLATE_NAME, title=TEMPLATE_TITLE, rows=TEMPLATE_ROWS)

    return app


def static_file() -> Quart:
    return Quart(__name__, static_folder=str(static_dir()), static_url_path="/static")


FACTORIES: dict[str, AppFactory] = {
    "plaintext": plaintext,
    "json": json_message,
    "route-10": partial(routing_app, 10),
    "route-100": partial(routing_app, 100),
    "route-1000": partial(routing_app, 1000),
    "echo": echo,
    "stream": stream,
    "sse": server_sent_events,
    "sync": sync_view,
    "sync-hooks": sync_hooks,
    "session": session_counter,
    "multipart": upload,
    "websocket": websocket_echo,
    "template": template_page,
    "static": static_file,
}
