"""The benchmark endpoints as idiomatic FastAPI apps (typed parameters, dict returns)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, Request, Response, UploadFile, WebSocket
from fastapi.responses import HTMLResponse, PlainTextResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

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


def plaintext() -> FastAPI:
    app = FastAPI()

    @app.get("/", response_class=PlainTextResponse)
    async def index() -> str:
        return HELLO

    return app


def json_message() -> FastAPI:
    app = FastAPI()

    @app.get("/json")
    async def message() -> dict[str, Any]:
        return JSON_MESSAGE

    return app


def routing_app(other_routes: int) -> FastAPI:
    """``/users/{user_id}`` registered after ``other_routes`` other rules."""
    app = FastAPI()

    async def other() -> str:
        return "other"

    for rule in filler_rules(other_routes, "starlette"):
        app.add_api_route(rule.replace(":int}", "}"), other, response_class=PlainTextResponse)

    @app.get("/users/{user_id}", response_class=PlainTextResponse)
    async def user(user_id: int) -> str:
        return f"user {user_id}"

    return app


def echo() -> FastAPI:
    app = FastAPI()

    @app.post("/echo")
    async def echo_view(payload: dict[str, Any]) -> dict[str, Any]:
        return payload

    return app


def stream() -> FastAPI:
    app = FastAPI()

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(STREAM_CHUNK_COUNT):
            yield STREAM_CHUNK

    @app.get("/stream")
    async def stream_view() -> StreamingResponse:
        return StreamingResponse(chunks(), media_type="text/plain")

    return app


def server_sent_events() -> FastAPI:
    app = FastAPI()

    async def events() -> AsyncIterator[str]:
        for n in range(SSE_EVENT_COUNT):
            yield sse_event(n)

    @app.get("/sse")
    async def sse_view() -> StreamingResponse:
        return StreamingResponse(events(), media_type="text/event-stream")

    return app


def sync_view() -> FastAPI:
    app = FastAPI()

    @app.get("/sync", response_class=PlainTextResponse)
    def hello() -> str:
        return HELLO

    return app


def load_greeting() -> str:
    """Sync work before the view (a user loader, a CSRF check), as a dependency."""
    return HELLO


def mark(response: Response) -> None:
    """Sync work on the response: a dependency that sets a header on it."""
    response.headers[HOOK_HEADER] = HOOK_VALUE


def sync_hooks() -> FastAPI:
    """A sync endpoint with two sync dependencies; FastAPI runs each in the thread pool."""
    app = FastAPI()

    @app.get("/sync-hooks", response_class=PlainTextResponse, dependencies=[Depends(mark)])
    def hello(greeting: Annotated[str, Depends(load_greeting)]) -> str:
        return greeting

    return app


def session_counter() -> FastAPI:
    app = FastAPI()
    app.add_middleware(SessionMiddleware, secret_key=SECRET_KEY)

    @app.get("/session", response_class=PlainTextResponse)
    async def counter(request: Request) -> str:
        request.session[SESSION_COUNTER] = request.session.get(SESSION_COUNTER, 0) + 1
        return str(request.session[SESSION_COUNTER])

    return app


def upload() -> FastAPI:
    app = FastAPI()

    @app.post("/upload", response_class=PlainTextResponse)
    async def upload_view(title: Annotated[str, Form()], file: UploadFile) -> str:
        return f"title={title} size={len(await file.read())}"

    return app


def websocket_echo() -> FastAPI:
    app = FastAPI()

    @app.websocket("/ws")
    async def echo_socket(websocket: WebSocket) -> None:
        await websocket.accept()
        async for message in websocket.iter_text():
            await websocket.send_text(message)

    return app


def template_page() -> FastAPI:
    app = FastAPI()
    templates = Jinja2Templates(directory=TEMPLATE_DIR)

    @app.get("/template", response_class=HTMLResponse)
    async def page(request: Request) -> HTMLResponse:
        context = {"title": TEMPLATE_TITLE, "rows": TEMPLATE_ROWS}
        return templates.TemplateResponse(request, TEMPLATE_NAME, context)

    return app


def static_file() -> FastAPI:
    app = FastAPI()
    app.mount("/static", StaticFiles(directory=static_dir()))
    return app


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
