"""The benchmark endpoints as idiomatic Starlette apps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.websockets import WebSocket

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


async def index(request: Request) -> PlainTextResponse:
    return PlainTextResponse(HELLO)


async def json_message(request: Request) -> JSONResponse:
    return JSONResponse(JSON_MESSAGE)


async def user(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"user {request.path_params['user_id']}")


async def other(request: Request) -> PlainTextResponse:
    return PlainTextResponse("other")


async def echo(request: Request) -> JSONResponse:
    return JSONResponse(await request.json())


async def _chunks() -> AsyncIterator[bytes]:
    for _ in range(STREAM_CHUNK_COUNT):
        yield STREAM_CHUNK


async def stream(request: Request) -> StreamingResponse:
    return StreamingResponse(_chunks(), media_type="text/plain")


async def _events() -> AsyncIterator[str]:
    for n in range(SSE_EVENT_COUNT):
        yield sse_event(n)


async def server_sent_events(request: Request) -> StreamingResponse:
    """Plain Starlette has no SSE helper: a ``text/event-stream`` StreamingResponse."""
    return StreamingResponse(_events(), media_type="text/event-stream")


def sync_view(request: Request) -> PlainTextResponse:
    """A sync endpoint: Starlette runs it with ``run_in_threadpool``."""
    return PlainTextResponse(HELLO)


def load_greeting(request: Request) -> None:
    """Sync work before the view (a user loader, a CSRF check)."""
    request.state.greeting = HELLO


def greet(request: Request) -> PlainTextResponse:
    """The sync view proper."""
    return PlainTextResponse(request.state.greeting)


def mark(response: Response) -> Response:
    """Sync work on the response."""
    response.headers[HOOK_HEADER] = HOOK_VALUE
    return response


async def sync_hooks(request: Request) -> Response:
    """Three sync callables, each sent to the thread pool as Starlette does with sync code."""
    await run_in_threadpool(load_greeting, request)
    response = await run_in_threadpool(greet, request)
    return await run_in_threadpool(mark, response)


async def session_counter(request: Request) -> PlainTextResponse:
    request.session[SESSION_COUNTER] = request.session.get(SESSION_COUNTER, 0) + 1
    return PlainTextResponse(str(request.session[SESSION_COUNTER]))


async def upload(request: Request) -> PlainTextResponse:
    async with request.form() as form:
        file = form["file"]
        if not isinstance(file, UploadFile):
            return PlainTextResponse("file is not a file upload", status_code=400)
        size = len(await file.read())
        return PlainTextResponse(f"title={form['title']} size={size}")


async def websocket_echo(websocket: WebSocket) -> None:
    await websocket.accept()
    async for message in websocket.iter_text():
        await websocket.send_text(message)


def _app(*routes: BaseRoute) -> Starlette:
    return Starlette(routes=list(routes))


def session_app() -> Starlette:
    """``/session`` behind Starlette's signed-cookie ``SessionMiddleware``."""
    return Starlette(
        routes=[Route("/session", session_counter)],
        middleware=[Middleware(SessionMiddleware, secret_key=SECRET_KEY)],
    )


def routing_app(other_routes: int) -> Starlette:
    """``/users/{user_id:int}`` registered after ``other_routes`` other rules."""
    routes = [Route(rule, other) for rule in filler_rules(other_routes, "starlette")]
    routes.append(Route("/users/{user_id:int}", user))
    return Starlette(routes=routes)


def template_app() -> Starlette:
    templates = Jinja2Templates(directory=TEMPLATE_DIR)

    async def page(request: Request) -> Response:
        context = {"title": TEMPLATE_TITLE, "rows": TEMPLATE_ROWS}
        return templates.TemplateResponse(request, TEMPLATE_NAME, context)

    return Starlette(routes=[Route("/template", page)])


def static_app() -> Starlette:
    return Starlette(routes=[Mount("/static", StaticFiles(directory=static_dir()))])


FACTORIES: dict[str, AppFactory] = {
    "plaintext": partial(_app, Route("/", index)),
    "json": partial(_app, Route("/json", json_message)),
    "route-10": partial(routing_app, 10),
    "route-100": partial(routing_app, 100),
    "route-1000": partial(routing_app, 1000),
    "echo": partial(_app, Route("/echo", echo, methods=["POST"])),
    "stream": partial(_app, Route("/stream", stream)),
    "sse": partial(_app, Route("/sse", server_sent_events)),
    "sync": partial(_app, Route("/sync", sync_view)),
    "sync-hooks": partial(_app, Route("/sync-hooks", sync_hooks)),
    "session": session_app,
    "multipart": partial(_app, Route("/upload", upload, methods=["POST"])),
    "websocket": partial(_app, WebSocketRoute("/ws", websocket_echo)),
    "template": template_app,
    "static": static_app,
}
