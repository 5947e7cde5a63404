"""Request hooks: before/after request, teardown, URL value preprocessors and defaults."""

from __future__ import annotations

import threading
from typing import Any

import anyio
import pytest

from asyncflask import Flask, Response, abort, g, request, url_for

pytestmark = pytest.mark.anyio


# -- before_request -----------------------------------------------------------------


async def test_before_request_hooks_run_in_registration_order(app: Flask) -> None:
    order: list[str] = []

    @app.before_request
    def first() -> None:
        order.append("first")

    @app.before_request
    async def second() -> None:
        order.append("second")

    @app.get("/")
    def view() -> str:
        order.append("view")
        return "ok"

    assert (await app.test_client().get("/")).text == "ok"
    assert order == ["first", "second", "view"]


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_before_request_return_value_short_circuits(app: Flask, kind: str) -> None:
    calls: list[str] = []

    if kind == "sync":

        @app.before_request
        def deny() -> Any:
            if request.args.get("token") != "ok":
                return "denied", 403
            return None

    else:

        @app.before_request
        async def deny() -> Any:
            if request.args.get("token") != "ok":
                return "denied", 403
            return None

    @app.before_request
    def never_after_denial() -> None:
        calls.append("second hook")

    @app.after_request
    def after(response: Response) -> Response:
        response.headers["X-After"] = "ran"
        return response

    @app.get("/")
    def view() -> str:
        calls.append("view")
        return "secret"

    client = app.test_client()
    r = await client.get("/")
    assert r.status_code == 403
    assert r.text == "denied"
    assert r.headers["X-After"] == "ran"
    assert calls == []
    r = await client.get("/?token=ok")
    assert r.text == "secret"
    assert calls == ["second hook", "view"]


async def test_before_request_abort_is_the_error_response(app: Flask) -> None:
    @app.before_request
    def require_login() -> None:
        abort(401)

    @app.get("/")
    def view() -> str:
        return "secret"

    r = await app.test_client().get("/")
    assert r.status_code == 401
    assert "secret" not in r.text


async def test_before_request_runs_for_unknown_paths(app: Flask) -> None:
    seen: list[str] = []

    @app.before_request
    def hook() -> None:
        seen.append(request.path)

    r = await app.test_client().get("/nowhere")
    assert r.status_code == 404
    assert seen == ["/nowhere"]


# -- after_request ------------------------------------------------------------------


async def test_after_request_runs_in_reverse_registration_order(app: Flask) -> None:
    order: list[str] = []

    @app.after_request
    def registered_first(response: Response) -> Response:
        order.append("first")
        response.headers.add("X-Order", "first")
        return response

    @app.after_request
    async def registered_second(response: Response) -> Response:
        order.append("second")
        response.headers.add("X-Order", "second")
        return response

    @app.get("/")
    def view() -> str:
        return "ok"

    r = await app.test_client().get("/")
    assert order == ["second", "first"]
    assert r.headers.getlist("X-Order") == ["second", "first"]


async def test_after_request_can_replace_the_response(app: Flask) -> None:
    @app.after_request
    def replace(response: Response) -> Response:
        return Response(f"wrapped[{response.get_data(as_text=True)}]", status=202)

    @app.get("/")
    async def view() -> str:
        return "inner"

    r = await app.test_client().get("/")
    assert r.status_code == 202
    assert r.text == "wrapped[inner]"


async def test_after_request_runs_on_http_error_responses(app: Flask) -> None:
    @app.after_request
    def tag(response: Response) -> Response:
        response.headers["X-Tagged"] = str(response.status_code)
        return response

    @app.get("/missing")
    def view() -> str:
        abort(404)

    client = app.test_client()
    assert (await client.get("/missing")).headers["X-Tagged"] == "404"
    assert (await client.get("/no-route")).headers["X-Tagged"] == "404"


async def test_after_request_runs_on_handled_500(app: Flask) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.after_request
    def tag(response: Response) -> Response:
        response.headers["X-Tagged"] = "yes"
        return response

    @app.get("/")
    def view() -> str:
        raise RuntimeError("boom")

    r = await app.test_client().get("/")
    assert r.status_code == 500
    assert r.headers["X-Tagged"] == "yes"


async def test_failing_after_request_is_500(caplog: pytest.LogCaptureFixture) -> None:
    app = Flask("after_request_failure")

    @app.after_request
    def broken(response: Response) -> Response:
        if response.status_code == 200:
            raise RuntimeError("after_request broke")
        return response

    @app.get("/")
    def view() -> str:
        return "never sent"

    r = await app.test_client().get("/")
    assert r.status_code == 500
    assert "never sent" not in r.text
    logged = [rec.exc_info[1] for rec in caplog.records if rec.exc_info]
    assert any(str(e) == "after_request broke" for e in logged)


# -- teardown -----------------------------------------------------------------------


async def test_teardown_request_gets_none_on_success(app: Flask) -> None:
    seen: list[Any] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        seen.append(exc)

    @app.get("/")
    def view() -> str:
        return "ok"

    r = await app.test_client().get("/")
    assert r.text == "ok"
    assert seen == [None]


async def test_teardown_request_gets_the_unhandled_error(app: Flask) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    error = RuntimeError("view failed")
    seen: list[Any] = []

    @app.teardown_request
    async def teardown(exc: BaseException | None) -> None:
        seen.append(("request", exc))

    @app.teardown_appcontext
    def teardown_app(exc: BaseException | None) -> None:
        seen.append(("app", exc))

    @app.get("/")
    def view() -> str:
        raise error

    r = await app.test_client().get("/")
    assert r.status_code == 500
    assert seen == [("request", error), ("app", error)]


async def test_teardown_request_gets_the_error_when_it_propagates(app: Flask) -> None:
    seen: list[Any] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        seen.append(exc)

    @app.get("/")
    async def view() -> str:
        raise KeyError("propagated")

    with pytest.raises(KeyError, match="propagated"):
        await app.test_client().get("/")
    assert len(seen) == 1
    assert isinstance(seen[0], KeyError)


async def test_teardown_runs_after_the_response_with_the_request(app: Flask) -> None:
    seen: list[Any] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        seen.append((request.path, g.get("marker")))

    @app.teardown_appcontext
    async def teardown_app(exc: BaseException | None) -> None:
        seen.append("app")

    @app.get("/here")
    def view() -> str:
        g.marker = "m"
        return "ok"

    await app.test_client().get("/here")
    assert seen == [("/here", "m"), "app"]


async def test_teardowns_run_in_reverse_registration_order(app: Flask) -> None:
    order: list[str] = []

    @app.teardown_request
    def first(exc: BaseException | None) -> None:
        order.append("request first")

    @app.teardown_request
    def second(exc: BaseException | None) -> None:
        order.append("request second")

    @app.teardown_appcontext
    def app_first(exc: BaseException | None) -> None:
        order.append("app first")

    @app.teardown_appcontext
    def app_second(exc: BaseException | None) -> None:
        order.append("app second")

    @app.get("/")
    def view() -> str:
        return "ok"

    await app.test_client().get("/")
    assert order == ["request second", "request first", "app second", "app first"]


async def test_every_teardown_runs_even_if_one_fails(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = Flask("teardown_failures")
    ran: list[str] = []

    @app.teardown_request
    def last(exc: BaseException | None) -> None:
        ran.append("request last")

    @app.teardown_request
    def failing(exc: BaseException | None) -> None:
        ran.append("request failing")
        raise RuntimeError("teardown broke")

    @app.teardown_request
    async def first(exc: BaseException | None) -> None:
        ran.append("request first")

    @app.teardown_appcontext
    def app_teardown(exc: BaseException | None) -> None:
        ran.append("app")

    @app.teardown_appcontext
    async def failing_app(exc: BaseException | None) -> None:
        ran.append("app failing")
        raise ValueError("app teardown broke")

    @app.get("/")
    def view() -> str:
        return "ok"

    r = await app.test_client().get("/")
    assert r.status_code == 200
    assert r.text == "ok"
    assert ran == ["request first", "request failing", "request last", "app failing", "app"]
    logged = [rec.exc_info[1] for rec in caplog.records if rec.exc_info]
    assert any(isinstance(e, RuntimeError) and str(e) == "teardown broke" for e in logged)
    assert any(isinstance(e, ValueError) and str(e) == "app teardown broke" for e in logged)


async def test_failing_teardown_propagates_in_testing_after_all_ran(app: Flask) -> None:
    ran: list[str] = []

    @app.teardown_appcontext
    def runs_anyway(exc: BaseException | None) -> None:
        ran.append("app")

    @app.teardown_request
    def failing(exc: BaseException | None) -> None:
        ran.append("failing")
        raise RuntimeError("teardown broke")

    @app.get("/")
    def view() -> str:
        return "ok"

    with pytest.raises(RuntimeError, match="teardown broke"):
        await app.test_client().get("/")
    assert ran == ["failing", "app"]


def test_every_sync_teardown_runs_when_a_context_ends(app: Flask) -> None:
    ran: list[str] = []

    @app.teardown_appcontext
    def second(exc: BaseException | None) -> None:
        ran.append("second")

    @app.teardown_appcontext
    def first(exc: BaseException | None) -> None:
        ran.append("first")
        raise RuntimeError("broken")

    with pytest.raises(RuntimeError, match="broken"), app.app_context():
        pass
    assert ran == ["first", "second"]


# -- URL value preprocessors and defaults ---------------------------------------------


def make_lang_app() -> Flask:
    """The internationalised URL example from Flask's documentation."""
    app = Flask("lang_app")
    app.testing = True

    @app.url_defaults
    def add_language_code(endpoint: str, values: dict[str, Any]) -> None:
        if "lang_code" in values or not g.get("lang_code"):
            return
        if app.url_map.is_endpoint_expecting(endpoint, "lang_code"):
            values["lang_code"] = g.lang_code

    @app.url_value_preprocessor
    def pull_lang_code(endpoint: str | None, values: dict[str, Any] | None) -> None:
        g.lang_code = values.pop("lang_code", None) if values else None

    @app.route("/<lang_code>/")
    def index() -> dict[str, Any]:
        return {"lang": g.lang_code, "about": url_for("about"), "plain": url_for("plain")}

    @app.route("/<lang_code>/about")
    async def about() -> dict[str, Any]:
        return {
            "lang": g.lang_code,
            "index": url_for("index"),
            "fr": url_for("index", lang_code="fr"),
        }

    @app.route("/plain")
    def plain() -> dict[str, Any]:
        return {"lang": g.lang_code}

    return app


async def test_url_value_preprocessor_and_url_defaults_lang_code() -> None:
    client = make_lang_app().test_client()
    r = await client.get("/de/")
    assert r.status_code == 200
    assert r.json == {"lang": "de", "about": "/de/about", "plain": "/plain"}
    r = await client.get("/en/about")
    assert r.json == {"lang": "en", "index": "/en/", "fr": "/fr/"}
    r = await client.get("/plain")
    assert r.json == {"lang": None}


async def test_url_value_preprocessor_runs_before_before_request(app: Flask) -> None:
    order: list[str] = []

    @app.url_value_preprocessor
    async def preprocess(endpoint: str | None, values: dict[str, Any] | None) -> None:
        order.append(f"preprocess {endpoint} {values}")

    @app.before_request
    def before() -> None:
        order.append("before")

    @app.get("/item/<int:n>")
    def item(n: int) -> str:
        order.append(f"view {n}")
        return "ok"

    await app.test_client().get("/item/3")
    assert order == ["preprocess item {'n': 3}", "before", "view 3"]


def test_url_defaults_fill_values_outside_requests(app: Flask) -> None:
    app.config["SERVER_NAME"] = "example.com"

    @app.url_defaults
    def default_version(endpoint: str, values: dict[str, Any]) -> None:
        values.setdefault("version", "v2")

    @app.get("/api/<version>/users")
    def users(version: str) -> str:
        return version

    with app.app_context():
        assert url_for("users") == "http://example.com/api/v2/users"
        assert url_for("users", version="v1") == "http://example.com/api/v1/users"


async def test_hooks_see_their_own_request_under_concurrency(app: Flask) -> None:
    @app.before_request
    async def before() -> None:
        g.n = request.args["n"]
        await anyio.sleep(0.005)

    @app.after_request
    def after(response: Response) -> Response:
        response.headers["X-N"] = g.n
        return response

    @app.get("/")
    async def view() -> str:
        return g.n

    client = app.test_client()
    headers: dict[str, tuple[str, str]] = {}

    async def one(n: int) -> None:
        r = await client.get("/", query_string={"n": n})
        headers[str(n)] = (r.text, r.headers["X-N"])

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            for n in range(20):
                tg.start_soon(one, n)
    assert headers == {str(n): (str(n), str(n)) for n in range(20)}


async def test_sync_hooks_run_in_worker_threads_and_see_the_request(app: Flask) -> None:
    loop_thread = threading.get_ident()
    seen: dict[str, Any] = {}

    @app.before_request
    def before() -> None:
        seen["before"] = (threading.get_ident() != loop_thread, request.path)

    @app.after_request
    def after(response: Response) -> Response:
        seen["after"] = (threading.get_ident() != loop_thread, request.path)
        return response

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        seen["teardown"] = (threading.get_ident() != loop_thread, request.path)

    @app.get("/hooked")
    async def view() -> str:
        return "ok"

    assert (await app.test_client().get("/hooked")).text == "ok"
    assert seen == {
        "before": (True, "/hooked"),
        "after": (True, "/hooked"),
        "teardown": (True, "/hooked"),
    }


async def test_async_hooks_run_on_the_loop_thread(app: Flask) -> None:
    loop_thread = threading.get_ident()
    seen: list[bool] = []

    @app.before_request
    async def before() -> None:
        seen.append(threading.get_ident() == loop_thread)

    @app.after_request
    async def after(response: Response) -> Response:
        seen.append(threading.get_ident() == loop_thread)
        return response

    @app.get("/")
    def view() -> str:
        return "ok"

    await app.test_client().get("/")
    assert seen == [True, True]
