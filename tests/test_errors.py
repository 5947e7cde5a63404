"""Error handling: HTTP errors, abort(), error handlers, propagation and the 500 page."""

from __future__ import annotations

import sys
import threading
from typing import Any

import pytest

from asyncflask import Flask, Response, abort, make_response, request
from asyncflask.exceptions import (
    BadRequest,
    Forbidden,
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
)

pytestmark = pytest.mark.anyio


class AppError(Exception):
    pass


class PaymentError(AppError):
    pass


class CardDeclined(PaymentError):
    pass


def quiet_app(name: str = "errors_app") -> Flask:
    """An app that turns unhandled exceptions into 500 responses (no propagation)."""
    return Flask(name)


# -- handlers by code and by class ----------------------------------------------------


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_errorhandler_by_code(app: Flask, kind: str) -> None:
    if kind == "sync":

        @app.errorhandler(404)
        def not_found(e: NotFound) -> tuple[str, int]:
            return f"custom 404 for {request.path}: {e.code}", 404

    else:

        @app.errorhandler(404)
        async def not_found(e: NotFound) -> tuple[str, int]:
            return f"custom 404 for {request.path}: {e.code}", 404

    @app.get("/missing-thing")
    def view() -> str:
        abort(404)

    client = app.test_client()
    r = await client.get("/missing-thing")
    assert r.status_code == 404
    assert r.text == "custom 404 for /missing-thing: 404"
    r = await client.get("/no/route")
    assert r.status_code == 404
    assert r.text == "custom 404 for /no/route: 404"


async def test_errorhandler_by_http_exception_class(app: Flask) -> None:
    @app.errorhandler(Forbidden)
    def forbidden(e: Forbidden) -> tuple[dict[str, Any], int]:
        return {"error": e.description}, 403

    @app.get("/")
    def view() -> str:
        raise Forbidden("Members only.")

    r = await app.test_client().get("/")
    assert r.status_code == 403
    assert r.json == {"error": "Members only."}


async def test_errorhandler_by_exception_class(app: Flask) -> None:
    @app.errorhandler(AppError)
    async def app_error(e: AppError) -> tuple[str, int]:
        return f"handled {type(e).__name__}: {e}", 418

    @app.get("/")
    def view() -> str:
        raise AppError("nope")

    r = await app.test_client().get("/")
    assert r.status_code == 418
    assert r.text == "handled AppError: nope"


async def test_errorhandler_for_a_base_class_handles_subclasses(app: Flask) -> None:
    @app.errorhandler(AppError)
    def app_error(e: AppError) -> tuple[str, int]:
        return f"base handler: {type(e).__name__}", 400

    @app.get("/")
    def view() -> str:
        raise CardDeclined()

    r = await app.test_client().get("/")
    assert r.status_code == 400
    assert r.text == "base handler: CardDeclined"


async def test_most_specific_handler_by_mro_wins(app: Flask) -> None:
    # Registered base first and most specific last, so registration order cannot decide.
    @app.errorhandler(Exception)
    def any_error(e: Exception) -> tuple[str, int]:
        return "Exception", 500

    @app.errorhandler(AppError)
    def app_error(e: AppError) -> tuple[str, int]:
        return "AppError", 500

    @app.errorhandler(PaymentError)
    def payment_error(e: PaymentError) -> tuple[str, int]:
        return "PaymentError", 402

    @app.get("/<kind>")
    def view(kind: str) -> str:
        errors: dict[str, Exception] = {
            "declined": CardDeclined(),
            "payment": PaymentError(),
            "app": AppError(),
            "other": KeyError("x"),
        }
        raise errors[kind]

    client = app.test_client()
    assert (await client.get("/declined")).text == "PaymentError"
    assert (await client.get("/payment")).text == "PaymentError"
    assert (await client.get("/app")).text == "AppError"
    assert (await client.get("/other")).text == "Exception"


async def test_code_handler_is_preferred_over_class_handler(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def any_http(e: HTTPException) -> tuple[str, int]:
        return f"generic {e.code}", e.code or 500

    @app.errorhandler(404)
    def not_found(e: NotFound) -> tuple[str, int]:
        return "specific 404", 404

    client = app.test_client()
    assert (await client.get("/nowhere")).text == "specific 404"

    @app.get("/forbidden")
    def forbidden() -> str:
        abort(403)

    assert (await client.get("/forbidden")).text == "generic 403"


async def test_exception_handler_also_receives_http_errors(app: Flask) -> None:
    @app.errorhandler(Exception)
    def everything(e: Exception) -> tuple[str, int]:
        code = e.code if isinstance(e, HTTPException) else 500
        return f"caught {type(e).__name__}", code or 500

    r = await app.test_client().get("/nowhere")
    assert r.status_code == 404
    assert r.text == "caught NotFound"


async def test_register_error_handler(app: Flask) -> None:
    def handle_bad_request(e: BadRequest) -> tuple[str, int]:
        return f"bad request! {e.description}", 400

    app.register_error_handler(400, handle_bad_request)

    @app.get("/")
    def view() -> str:
        return request.args["missing"]

    r = await app.test_client().get("/")
    assert r.status_code == 400
    assert r.text.startswith("bad request! ")


async def test_error_handler_returning_a_tuple_with_headers(app: Flask) -> None:
    @app.errorhandler(AppError)
    def app_error(e: AppError) -> tuple[dict[str, str], int, dict[str, str]]:
        return {"error": str(e)}, 409, {"X-Error": "conflict"}

    @app.get("/")
    def view() -> str:
        raise AppError("duplicate")

    r = await app.test_client().get("/")
    assert r.status_code == 409
    assert r.json == {"error": "duplicate"}
    assert r.headers["X-Error"] == "conflict"


async def test_error_handler_returning_the_exception_sends_its_page(app: Flask) -> None:
    @app.errorhandler(404)
    def passthrough(e: NotFound) -> NotFound:
        return e

    r = await app.test_client().get("/nowhere")
    assert r.status_code == 404
    assert "Not Found" in r.text


async def test_method_not_allowed_handler_gets_valid_methods(app: Flask) -> None:
    @app.errorhandler(405)
    def not_allowed(e: MethodNotAllowed) -> tuple[dict[str, Any], int]:
        return {"allowed": e.valid_methods}, 405

    @app.post("/submit")
    def submit() -> str:
        return "ok"

    r = await app.test_client().get("/submit")
    assert r.status_code == 405
    assert set(r.json["allowed"]) == {"OPTIONS", "POST"}


def test_errorhandler_with_unknown_code_is_value_error(app: Flask) -> None:
    with pytest.raises(ValueError, match="not a recognized HTTP error code"):
        app.register_error_handler(299, lambda e: "x")


def test_errorhandler_with_an_instance_is_type_error(app: Flask) -> None:
    with pytest.raises(TypeError, match="instance"):
        app.register_error_handler(AppError(), lambda e: "x")  # type: ignore[arg-type]


def test_errorhandler_with_a_non_exception_is_value_error(app: Flask) -> None:
    with pytest.raises(ValueError, match="not a subclass of Exception"):
        app.register_error_handler(int, lambda e: "x")  # type: ignore[arg-type]


# -- unhandled exceptions -----------------------------------------------------------


async def test_unhandled_exception_propagates_in_testing(app: Flask) -> None:
    @app.get("/")
    def view() -> str:
        raise ZeroDivisionError("in testing")

    with pytest.raises(ZeroDivisionError, match="in testing"):
        await app.test_client().get("/")


async def test_unhandled_exception_from_async_view_propagates_in_testing(app: Flask) -> None:
    @app.get("/")
    async def view() -> str:
        raise LookupError("async failure")

    with pytest.raises(LookupError, match="async failure"):
        await app.test_client().get("/")


async def test_propagate_exceptions_false_overrides_testing(app: Flask) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/")
    def view() -> str:
        raise ZeroDivisionError("hidden")

    r = await app.test_client().get("/")
    assert r.status_code == 500
    assert r.status == "500 INTERNAL SERVER ERROR"
    assert "Internal Server Error" in r.text
    assert "hidden" not in r.text
    assert "Traceback" not in r.text


async def test_propagate_exceptions_true_without_testing() -> None:
    app = quiet_app()
    app.config["PROPAGATE_EXCEPTIONS"] = True

    @app.get("/")
    def view() -> str:
        raise ZeroDivisionError("shown")

    with pytest.raises(ZeroDivisionError):
        await app.test_client().get("/")


async def test_http_errors_are_responses_even_in_testing(app: Flask) -> None:
    @app.get("/")
    def view() -> str:
        abort(403)

    r = await app.test_client().get("/")
    assert r.status_code == 403


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_500_handler_receives_internal_server_error_with_original(kind: str) -> None:
    app = quiet_app()
    received: list[Any] = []
    original = ValueError("the cause")

    if kind == "sync":

        @app.errorhandler(500)
        def server_error(e: InternalServerError) -> tuple[str, int]:
            received.append(e)
            return f"sorry: {type(e.original_exception).__name__}", 500

    else:

        @app.errorhandler(500)
        async def server_error(e: InternalServerError) -> tuple[str, int]:
            received.append(e)
            return f"sorry: {type(e.original_exception).__name__}", 500

    @app.get("/")
    def view() -> str:
        raise original

    r = await app.test_client().get("/")
    assert r.status_code == 500
    assert r.text == "sorry: ValueError"
    assert len(received) == 1
    assert isinstance(received[0], InternalServerError)
    assert received[0].original_exception is original


async def test_500_handler_by_class_handles_unhandled_errors() -> None:
    app = quiet_app()

    @app.errorhandler(InternalServerError)
    def server_error(e: InternalServerError) -> tuple[str, int]:
        return "class handler", 500

    @app.get("/")
    def view() -> str:
        raise RuntimeError("x")

    r = await app.test_client().get("/")
    assert r.status_code == 500
    assert r.text == "class handler"


async def test_abort_500_reaches_the_500_handler(app: Flask) -> None:
    @app.errorhandler(500)
    def server_error(e: InternalServerError) -> tuple[str, int]:
        return f"aborted, original={e.original_exception}", 500

    @app.get("/")
    def view() -> str:
        abort(500)

    r = await app.test_client().get("/")
    assert r.status_code == 500
    assert r.text == "aborted, original=None"


async def test_failing_error_handler_is_500(caplog: pytest.LogCaptureFixture) -> None:
    app = quiet_app()

    @app.errorhandler(AppError)
    def broken_handler(e: AppError) -> str:
        raise RuntimeError("handler broke")

    @app.get("/")
    def view() -> str:
        raise AppError()

    r = await app.test_client().get("/")
    assert r.status_code == 500
    assert "handler broke" not in r.text


async def test_unhandled_exception_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    app = quiet_app("logged_errors")

    @app.post("/fail")
    async def view() -> str:
        raise KeyError("missing")

    r = await app.test_client().post("/fail")
    assert r.status_code == 500
    records = [rec for rec in caplog.records if rec.name == "logged_errors"]
    assert [rec.levelname for rec in records] == ["ERROR"]
    assert records[0].getMessage() == "Exception on /fail [POST]"
    assert records[0].exc_info is not None
    assert isinstance(records[0].exc_info[1], KeyError)


async def test_http_errors_are_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    app = quiet_app("unlogged_errors")

    @app.get("/")
    def view() -> str:
        abort(404)

    r = await app.test_client().get("/")
    assert r.status_code == 404
    assert [rec for rec in caplog.records if rec.name == "unlogged_errors"] == []


# -- abort --------------------------------------------------------------------------


async def test_abort_with_description_escapes_it(app: Flask) -> None:
    @app.get("/")
    def view() -> str:
        abort(404, description='No <b>item</b> & no "luck".')

    r = await app.test_client().get("/")
    assert r.status_code == 404
    assert r.mimetype == "text/html"
    assert "No &lt;b&gt;item&lt;/b&gt; &amp; no &#34;luck&#34;." in r.text
    assert "<b>item</b>" not in r.text
    assert "<title>404 Not Found</title>" in r.text


async def test_abort_with_positional_description(app: Flask) -> None:
    @app.get("/")
    def view() -> str:
        abort(400, "Missing the 'name' field.")

    r = await app.test_client().get("/")
    assert r.status_code == 400
    assert "Missing the &#39;name&#39; field." in r.text


async def test_abort_with_a_response_sends_it_as_is(app: Flask) -> None:
    @app.get("/")
    def view() -> str:
        abort(Response("teapot body", status=418, headers={"X-Abort": "1"}))

    r = await app.test_client().get("/")
    assert r.status_code == 418
    assert r.text == "teapot body"
    assert r.headers["X-Abort"] == "1"


async def test_abort_with_make_response(app: Flask) -> None:
    @app.get("/")
    async def view() -> str:
        abort(make_response({"error": "gone"}, 410))

    r = await app.test_client().get("/")
    assert r.status_code == 410
    assert r.json == {"error": "gone"}


def test_abort_with_an_unknown_code_is_lookup_error() -> None:
    with pytest.raises(LookupError, match="no exception for status code 299"):
        abort(299)


def test_abort_raises_the_matching_exception() -> None:
    with pytest.raises(NotFound) as info:
        abort(404)
    assert info.value.code == 404
    assert info.value.name == "Not Found"


async def test_abort_from_a_sync_before_request_hook(app: Flask) -> None:
    @app.before_request
    def guard() -> None:
        if request.args.get("key") != "k":
            abort(403, description="Key required.")

    @app.get("/")
    def view() -> str:
        return "open"

    client = app.test_client()
    r = await client.get("/")
    assert r.status_code == 403
    assert "Key required." in r.text
    assert (await client.get("/?key=k")).text == "open"


async def test_sync_error_handler_runs_in_a_worker_thread_with_the_request(app: Flask) -> None:
    loop_thread = threading.get_ident()

    @app.errorhandler(AppError)
    def handler(e: AppError) -> tuple[dict[str, Any], int]:
        return {"off_loop": threading.get_ident() != loop_thread, "path": request.path}, 400

    @app.get("/fails")
    async def view() -> str:
        raise AppError()

    r = await app.test_client().get("/fails")
    assert r.status_code == 400
    assert r.json == {"off_loop": True, "path": "/fails"}


async def test_after_request_after_a_handled_error_runs_outside_the_exception(app: Flask) -> None:
    seen: list[object] = []

    @app.get("/")
    async def index() -> str:
        raise KeyError("handled")

    @app.errorhandler(KeyError)
    async def handled(e: KeyError) -> tuple[str, int]:
        return "handled", 400

    @app.after_request
    async def after(response: Any) -> Any:
        seen.append(sys.exc_info()[1])
        return response

    response = await app.test_client().get("/")
    assert response.status_code == 400
    assert seen == [None]
