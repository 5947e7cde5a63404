"""Flask's public pipeline methods: sync signatures, and overrides the pipeline honours."""

from __future__ import annotations

import threading
from typing import Any

import anyio
import pytest

from asyncflask import Flask, Response, abort, request
from asyncflask.exceptions import InternalServerError

pytestmark = pytest.mark.anyio


class ForeignResponse:
    """What another framework's response looks like (Werkzeug's, say)."""

    def __init__(self, body: bytes, status: int) -> None:
        self.status_code = status
        self.headers = {"Content-Type": "text/plain", "Content-Length": str(len(body))}
        self._body = body

    def get_data(self) -> bytes:
        return self._body


class ForeignNotFound(Exception):
    """An HTTP error class of another framework, as extensions may still raise."""

    code = 404
    description = "Nothing here."

    def get_response(self, environ: Any = None) -> ForeignResponse:
        return ForeignResponse(b"foreign not found", self.code)


async def test_a_subclass_overriding_handle_user_exception_is_used() -> None:
    class App(Flask):
        def handle_user_exception(self, e: Exception) -> Any:
            if isinstance(e, LookupError):
                return {"error": str(e), "thread": threading.get_ident()}, 400
            return super().handle_user_exception(e)

    app = App(__name__)
    app.config["TESTING"] = True

    @app.get("/lookup")
    def lookup() -> str:
        raise LookupError("no such thing")

    @app.get("/missing")
    def missing() -> str:
        abort(404)

    @app.errorhandler(404)
    async def not_found(e: Exception) -> tuple[str, int]:
        await anyio.sleep(0)
        return "custom 404", 404

    async with app.test_client() as client:
        r = await client.get("/lookup")
        assert r.status_code == 400
        assert r.json["error"] == "no such thing"
        r = await client.get("/missing")  # through super() and an async handler
        assert (r.status_code, r.text) == (404, "custom 404")


async def test_an_extension_wrapping_handle_exception_on_the_instance_is_used() -> None:
    app = Flask(__name__)
    original = app.handle_exception
    seen: list[str] = []

    def error_router(e: Exception) -> Any:
        if request.path.startswith("/api/"):
            seen.append("api")
            return {"message": "internal"}, 500
        return original(e)

    app.handle_exception = error_router  # type: ignore[method-assign]

    @app.get("/api/boom")
    def api_boom() -> str:
        raise RuntimeError("boom")

    @app.get("/page")
    def page() -> str:
        raise RuntimeError("boom")

    @app.errorhandler(InternalServerError)
    def server_error(e: InternalServerError) -> tuple[str, int]:
        return f"page error: {e.original_exception}", 500

    async with app.test_client() as client:
        r = await client.get("/api/boom")
        assert (r.status_code, r.json) == (500, {"message": "internal"})
        r = await client.get("/page")
        assert (r.status_code, r.text) == (500, "page error: boom")
    assert seen == ["api"]


async def test_an_overridden_process_response_runs_for_every_response() -> None:
    class App(Flask):
        def process_response(self, response: Response) -> Response:
            response = super().process_response(response)
            response.headers["X-Processed"] = "yes"
            return response

    app = App(__name__)

    @app.after_request
    def after(response: Response) -> Response:
        response.headers["X-After"] = "yes"
        return response

    @app.get("/")
    def index() -> str:
        return "ok"

    async with app.test_client() as client:
        responses = await _gather(client, ["/"] * 40)
    assert all(r.headers["X-Processed"] == "yes" for r in responses)
    assert all(r.headers["X-After"] == "yes" for r in responses)


async def test_sync_public_methods_work_in_a_request_context() -> None:
    app = Flask(__name__)

    @app.route("/thing", methods=["GET", "POST"])
    def thing() -> str:
        return "ok"

    @app.errorhandler(409)
    def conflict(e: Exception) -> tuple[str, int]:
        return "conflict", 409

    async with app.test_request_context("/thing", method="OPTIONS"):
        app.match_request(request._get_current_object())  # type: ignore[attr-defined]
        response = app.make_default_options_response()
        assert response.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
        from asyncflask.exceptions import Conflict

        assert app.handle_http_exception(Conflict()) == ("conflict", 409)
        assert app.handle_user_exception(Conflict()) == ("conflict", 409)
        with pytest.raises(KeyError):
            app.handle_user_exception(KeyError("x"))


async def test_a_foreign_http_exception_becomes_its_response_not_a_500() -> None:
    app = Flask(__name__)

    @app.get("/foreign")
    def foreign() -> str:
        raise ForeignNotFound()

    @app.get("/returned")
    def returned() -> Any:
        return ForeignResponse(b"made elsewhere", 202)

    async with app.test_client() as client:
        r = await client.get("/foreign")
        assert (r.status_code, r.text) == (404, "foreign not found")
        r = await client.get("/returned")
        assert (r.status_code, r.text) == (202, "made elsewhere")
        assert r.headers["Content-Type"] == "text/plain"
        assert r.headers["Content-Length"] == "14"


async def test_a_foreign_http_exception_reaches_the_handler_for_its_code() -> None:
    app = Flask(__name__)

    @app.errorhandler(404)
    def not_found(e: Exception) -> tuple[str, int]:
        return f"handled {type(e).__name__}", 404

    @app.get("/foreign")
    def foreign() -> str:
        raise ForeignNotFound()

    async with app.test_client() as client:
        r = await client.get("/foreign")
    assert (r.status_code, r.text) == (404, "handled ForeignNotFound")


async def _gather(client: Any, paths: list[str]) -> list[Any]:
    results: list[Any] = [None] * len(paths)

    async def one(i: int, path: str) -> None:
        results[i] = await client.get(path)

    async with anyio.create_task_group() as tg:
        for i, path in enumerate(paths):
            tg.start_soon(one, i, path)
    return results
