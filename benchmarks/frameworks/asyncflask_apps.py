"""The benchmark endpoints as asyncflask apps, written as plain Flask code."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial
from typing import Any

from asyncflask import (
    Flask,
    Response,
    ServerSentEvent,
    g,
    jsonify,
    render_template,
    request,
    session,
    sse,
    websocket,
)
from asyncflask.typing import ResponseReturnValue
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
    static_dir,
)


def plaintext() -> Flask:
    app = Flask(__name__)

    @app.route("/")
    async def index() -> str:
        return HELLO

    return app


def json_message() -> Flask:
    app = Flask(__name__)

    @app.route("/json")
    async def message() -> ResponseReturnValue:
        return jsonify(JSON_MESSAGE)

    return app


def routing_app(other_routes: int) -> Flask:
    """``/users/<int:user_id>`` registered after ``other_routes`` other rules."""
    app = Flask(__name__)

    async def other(**_: Any) -> str:
        return "other"

    for index, rule in enumerate(filler_rules(other_routes, "flask")):
        app.add_url_rule(rule, f"other_{index}", other)

    @app.route("/users/<int:user_id>")
    async def user(user_id: int) -> str:
        return f"user {user_id}"

    return app


def echo() -> Flask:
    app = Flask(__name__)

    @app.route("/echo", methods=["POST"])
    async def echo_view() -> ResponseReturnValue:
        return jsonify(request.get_json())

    return app


def stream() -> Flask:
    app = Flask(__name__)

    @app.route("/stream")
    async def stream_view() -> ResponseReturnValue:
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(STREAM_CHUNK_COUNT):
                yield STREAM_CHUNK

        return chunks(), {"Content-Type": "text/plain"}

    return app


def server_sent_events() -> Flask:
    app = Flask(__name__)

    @app.route("/sse")
    async def sse_view() -> ResponseReturnValue:
        async def events() -> AsyncIterator[ServerSentEvent]:
            for n in range(SSE_EVENT_COUNT):
                yield ServerSentEvent(f"tick {n}", id=n)

        return sse(events())

    return app


def sync_view() -> Flask:
    app = Flask(__name__)

    @app.route("/sync")
    def hello() -> str:
        return HELLO

    return app


def sync_hooks() -> Flask:
    """A sync view between a sync ``before_request`` and a sync ``after_request`` hook."""
    app = Flask(__name__)

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


def session_counter() -> Flask:
    app = Flask(__name__)
    app.secret_key = SECRET_KEY

    @app.route("/session")
    async def counter() -> str:
        session[SESSION_COUNTER] = session.get(SESSION_COUNTER, 0) + 1
        return str(session[SESSION_COUNTER])

    return app


def upload() -> Flask:
    app = Flask(__name__)

    @app.route("/upload", methods=["POST"])
    async def upload_view() -> str:
        size = len(request.files["file"].read())
        return f"title={request.form['title']} size={size}"

    return app


def websocket_echo() -> Flask:
    app = Flask(__name__)

    @app.websocket("/ws")
    async def echo_socket() -> None:
        while True:
            await websocket.send(await websocket.receive())

    return app


def template_page() -> Flask:
    app = Flask(__name__, template_folder=str(TEMPLATE_DIR))

    @app.route("/template")
    async def page() -> str:
        return render_template(TEMPLATE_NAME, title=TEMPLATE_TITLE, rows=TEMPLATE_ROWS)

    return app


def static_file() -> Flask:
    return Flask(__name__, static_folder=str(static_dir()), static_url_path="/static")


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
