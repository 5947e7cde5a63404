"""Blueprints: registration, names and prefixes, scoped and app-wide hooks, nesting."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from asyncflask import Blueprint, Flask, abort, g, request, url_for
from asyncflask.blueprints import BlueprintSetupState
from asyncflask.exceptions import WebSocketDisconnect
from asyncflask.globals import websocket
from asyncflask.scaffold import Scaffold

pytestmark = pytest.mark.anyio


# -- registration, names, prefixes ------------------------------------------------------


async def test_routes_get_the_prefix_and_the_dotted_endpoint(app: Flask) -> None:
    bp = Blueprint("admin", __name__, url_prefix="/admin")

    @bp.route("/")
    def index() -> str:
        return f"{request.endpoint} {request.blueprint} {request.blueprints}"

    @bp.get("/users/<int:user_id>")
    async def user(user_id: int) -> str:
        return f"user {user_id} at {url_for('.user', user_id=user_id)}"

    app.register_blueprint(bp)
    client = app.test_client()
    assert (await client.get("/admin/")).text == "admin.index admin ['admin']"
    assert (await client.get("/admin/users/7")).text == "user 7 at /admin/users/7"
    assert (await client.get("/users/7")).status_code == 404
    endpoints = [rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
    assert endpoints == ["admin.index", "admin.user"]


@pytest.mark.parametrize(
    ("prefix", "rule", "url"),
    [
        ("", "/", "/"),
        ("/", "", "/"),
        ("/", "/", "/"),
        ("/foo", "", "/foo"),
        ("/foo/", "", "/foo/"),
        ("", "/bar", "/bar"),
        ("/foo/", "/bar", "/foo/bar"),
        ("/foo/", "bar", "/foo/bar"),
        ("/foo", "/bar", "/foo/bar"),
        ("/foo/", "//bar", "/foo/bar"),
        ("/foo//", "/bar", "/foo/bar"),
    ],
)
async def test_prefix_and_rule_slashes_join_once(
    app: Flask, prefix: str, rule: str, url: str
) -> None:
    bp = Blueprint("test", __name__, url_prefix=prefix)

    @bp.route(rule)
    def index() -> tuple[str, int]:
        return "", 204

    app.register_blueprint(bp)
    assert (await app.test_client().get(url)).status_code == 204


async def test_register_options_override_the_blueprint(app: Flask) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/own")

    @bp.route("/x")
    def x() -> str:
        return request.endpoint or ""

    app.register_blueprint(bp, url_prefix="/given")
    client = app.test_client()
    assert (await client.get("/given/x")).text == "bp.x"
    assert (await client.get("/own/x")).status_code == 404


async def test_url_defaults_and_registering_twice_under_two_names(app: Flask) -> None:
    bp = Blueprint("test", __name__)

    @bp.route("/foo", defaults={"baz": 42})
    def foo(bar: int, baz: int) -> str:
        return f"{bar}/{baz:d} {request.blueprint}"

    @bp.route("/bar")
    def bar(bar: int) -> str:
        return str(bar)

    app.register_blueprint(bp, url_prefix="/1", url_defaults={"bar": 23})
    app.register_blueprint(bp, name="test2", url_prefix="/2", url_defaults={"bar": 19})
    client = app.test_client()
    assert (await client.get("/1/foo")).text == "23/42 test"
    assert (await client.get("/2/foo")).text == "19/42 test2"
    assert (await client.get("/1/bar")).text == "23"
    assert (await client.get("/2/bar")).text == "19"
    assert list(app.blueprints) == ["test", "test2"]
    assert list(app.iter_blueprints()) == [bp, bp]


async def test_blueprint_url_defaults_argument(app: Flask) -> None:
    bp = Blueprint("shop", __name__, url_prefix="/shop", url_defaults={"currency": "eur"})

    @bp.route("/price")
    def price(currency: str) -> str:
        return currency

    app.register_blueprint(bp)
    assert (await app.test_client().get("/shop/price")).text == "eur"


async def test_empty_url_defaults_on_two_rules(app: Flask) -> None:
    bp = Blueprint("bp", __name__)

    @bp.route("/", defaults={"page": 1})
    @bp.route("/page/<int:page>")
    def something(page: int) -> str:
        return str(page)

    app.register_blueprint(bp)
    client = app.test_client()
    assert (await client.get("/")).text == "1"
    assert (await client.get("/page/2")).text == "2"


def test_blueprint_names_must_be_plain() -> None:
    with pytest.raises(ValueError, match="dot"):
        Blueprint("app.ui", __name__)
    with pytest.raises(ValueError, match="empty"):
        Blueprint("", __name__)


def test_registration_name_must_be_plain(app: Flask) -> None:
    bp = Blueprint("bp", __name__)
    with pytest.raises(ValueError, match="without dots"):
        app.register_blueprint(bp, name="a.b")


def test_endpoints_with_dots_are_refused() -> None:
    bp = Blueprint("bp", __name__)
    with pytest.raises(ValueError, match="dot"):
        bp.route("/", endpoint="a.b")(lambda: "")
    with pytest.raises(ValueError, match="dot"):
        bp.add_url_rule("/", endpoint="a.b")

    def view() -> str:
        return ""

    view.__name__ = "a.b"
    with pytest.raises(ValueError, match="dot"):
        bp.add_url_rule("/", view_func=view)


def test_duplicate_names_are_refused(app: Flask) -> None:
    bp = Blueprint("bp", __name__)
    other = Blueprint("bp", __name__)
    app.register_blueprint(bp)
    with pytest.raises(ValueError, match="already registered for this blueprint"):
        app.register_blueprint(bp)
    app.register_blueprint(bp, name="again")
    with pytest.raises(ValueError, match="already registered for a different blueprint"):
        app.register_blueprint(other)
    app.register_blueprint(other, name="alt")
    assert list(app.blueprints) == ["bp", "again", "alt"]


def test_a_blueprint_cannot_nest_itself() -> None:
    bp = Blueprint("bp", __name__)
    with pytest.raises(ValueError, match="on itself"):
        bp.register_blueprint(bp)


def test_setup_after_registration_is_an_error(app: Flask) -> None:
    bp = Blueprint("bp", __name__)

    @bp.route("/")
    def index() -> str:
        return ""

    app.register_blueprint(bp)
    with pytest.raises(AssertionError, match=r"'add_url_rule'"):
        bp.route("/late")(index)
    with pytest.raises(AssertionError, match="'before_request'"):
        bp.before_request(lambda: None)
    with pytest.raises(AssertionError, match="'register_error_handler'"):
        bp.errorhandler(404)(lambda e: "")
    with pytest.raises(AssertionError, match="'record'"):
        bp.record(lambda state: None)
    with pytest.raises(AssertionError, match="'before_app_request'"):
        bp.before_app_request(lambda: None)


async def test_endpoint_decorator_serves_an_app_rule(app: Flask) -> None:
    from asyncflask.routing import Rule

    app.url_map.add(Rule("/foo", endpoint="bar"))
    bp = Blueprint("bp", __name__)

    @bp.endpoint("bar")
    def foobar() -> str:
        return request.endpoint or ""

    app.register_blueprint(bp, url_prefix="/bp_prefix")
    client = app.test_client()
    assert (await client.get("/foo")).text == "bar"
    assert (await client.get("/bp_prefix/bar")).status_code == 404


async def test_url_for_between_app_and_blueprint(app: Flask) -> None:
    bp = Blueprint("test", __name__)

    @app.route("/")
    def app_index() -> str:
        return url_for("test.index")

    @bp.route("/test/")
    def index() -> str:
        return url_for("app_index") + " " + url_for(".index")

    app.register_blueprint(bp)
    client = app.test_client()
    assert (await client.get("/")).text == "/test/"
    assert (await client.get("/test/")).text == "/ /test/"


# -- scoped hooks and handlers ----------------------------------------------------------


async def test_error_handlers_of_the_blueprint_come_first(app: Flask) -> None:
    frontend = Blueprint("frontend", __name__)
    backend = Blueprint("backend", __name__)
    sideend = Blueprint("sideend", __name__)

    @frontend.errorhandler(403)
    def frontend_forbidden(e: Exception) -> tuple[str, int]:
        return "frontend says no", 403

    @frontend.route("/frontend-no")
    def frontend_no() -> str:
        abort(403)

    @backend.errorhandler(403)
    async def backend_forbidden(e: Exception) -> tuple[str, int]:
        return "backend says no", 403

    @backend.route("/backend-no")
    async def backend_no() -> str:
        abort(403)

    @sideend.route("/what-is-a-sideend")
    def sideend_no() -> str:
        abort(403)

    app.register_blueprint(frontend)
    app.register_blueprint(backend)
    app.register_blueprint(sideend)

    @app.errorhandler(403)
    def app_forbidden(e: Exception) -> tuple[str, int]:
        return "application itself says no", 403

    client = app.test_client()
    assert (await client.get("/frontend-no")).text == "frontend says no"
    assert (await client.get("/backend-no")).text == "backend says no"
    assert (await client.get("/what-is-a-sideend")).text == "application itself says no"
    assert set(app.error_handler_spec) >= {None, "frontend", "backend"}


async def test_blueprint_handlers_for_exception_classes(app: Flask) -> None:
    class DecoratedError(Exception):
        pass

    class RegisteredError(Exception):
        pass

    blue = Blueprint("blue", __name__)

    @blue.errorhandler(DecoratedError)
    def on_decorated(e: Exception) -> str:
        assert isinstance(e, DecoratedError)
        return "boom"

    def on_registered(e: Exception) -> str:
        assert isinstance(e, RegisteredError)
        return "bam"

    blue.register_error_handler(RegisteredError, on_registered)

    @blue.route("/decorator")
    def decorated() -> str:
        raise DecoratedError()

    @blue.route("/function")
    def registered() -> str:
        raise RegisteredError()

    @app.route("/outside")
    def outside() -> str:
        raise DecoratedError()

    app.register_blueprint(blue)
    client = app.test_client()
    assert (await client.get("/decorator")).text == "boom"
    assert (await client.get("/function")).text == "bam"
    with pytest.raises(DecoratedError):
        await client.get("/outside")


async def test_app_errorhandler_from_a_blueprint(app: Flask) -> None:
    errors = Blueprint("errors", __name__)

    @errors.app_errorhandler(403)
    def forbidden_handler(e: Exception) -> tuple[str, int]:
        return "you shall not pass", 403

    @app.route("/forbidden")
    def app_forbidden() -> str:
        abort(403)

    forbidden_bp = Blueprint("forbidden_bp", __name__)

    @forbidden_bp.route("/nope")
    def bp_forbidden() -> str:
        abort(403)

    app.register_blueprint(errors)
    app.register_blueprint(forbidden_bp)
    client = app.test_client()
    assert (await client.get("/forbidden")).text == "you shall not pass"
    assert (await client.get("/nope")).text == "you shall not pass"


async def test_blueprint_request_hooks_apply_to_its_views_only(app: Flask) -> None:
    bp = Blueprint("bp", __name__)
    events: list[str] = []

    @bp.before_request
    def before_bp() -> None:
        events.append("before")

    @bp.after_request
    async def after_bp(response: Any) -> Any:
        response.data += b"|after"
        events.append("after")
        return response

    @bp.teardown_request
    def teardown_bp(exc: BaseException | None) -> None:
        events.append("teardown")

    @bp.route("/bp")
    def bp_endpoint() -> str:
        return "request"

    @app.route("/app")
    def app_endpoint() -> str:
        return "app"

    app.register_blueprint(bp)
    assert events == []
    client = app.test_client()
    assert (await client.get("/bp")).data == b"request|after"
    assert events == ["before", "after", "teardown"]
    assert (await client.get("/app")).data == b"app"
    assert events == ["before", "after", "teardown"]
    assert app.before_request_funcs["bp"] == [before_bp]
    assert app.after_request_funcs["bp"] == [after_bp]
    assert app.teardown_request_funcs["bp"] == [teardown_bp]


async def test_app_wide_hooks_from_a_blueprint(app: Flask) -> None:
    bp = Blueprint("bp", __name__)
    events: list[str] = []

    @bp.before_app_request
    def before_app() -> None:
        events.append("before")

    @bp.after_app_request
    def after_app(response: Any) -> Any:
        response.data += b"|after"
        events.append("after")
        return response

    @bp.teardown_app_request
    async def teardown_app(exc: BaseException | None) -> None:
        events.append("teardown")

    app.register_blueprint(bp)
    app.register_blueprint(bp, name="again")  # record_once: the hooks are not doubled

    @app.route("/")
    def index() -> str:
        return "request"

    client = app.test_client()
    assert (await client.get("/")).data == b"request|after"
    assert (await client.get("/")).data == b"request|after"
    assert events == ["before", "after", "teardown"] * 2


async def test_blueprint_url_processors(app: Flask) -> None:
    bp = Blueprint("frontend", __name__, url_prefix="/<lang_code>")

    @bp.url_defaults
    def add_language_code(endpoint: str, values: dict[str, Any]) -> None:
        values.setdefault("lang_code", g.lang_code)

    @bp.url_value_preprocessor
    def pull_lang_code(endpoint: str | None, values: dict[str, Any] | None) -> None:
        assert values is not None
        g.lang_code = values.pop("lang_code")

    @bp.route("/")
    def index() -> str:
        return url_for(".about")

    @bp.route("/about")
    def about() -> str:
        return url_for(".index")

    app.register_blueprint(bp)
    client = app.test_client()
    assert (await client.get("/de/")).text == "/de/about"
    assert (await client.get("/de/about")).text == "/de/"


async def test_app_url_processors_from_a_blueprint(app: Flask) -> None:
    bp = Blueprint("bp", __name__)

    @bp.app_url_defaults
    def add_language_code(endpoint: str, values: dict[str, Any]) -> None:
        values.setdefault("lang_code", g.lang_code)

    @bp.app_url_value_preprocessor
    def pull_lang_code(endpoint: str | None, values: dict[str, Any] | None) -> None:
        assert values is not None
        g.lang_code = values.pop("lang_code")

    @app.route("/<lang_code>/")
    def index() -> str:
        return url_for("about")

    @app.route("/<lang_code>/about")
    def about() -> str:
        return url_for("index")

    app.register_blueprint(bp)
    client = app.test_client()
    assert (await client.get("/de/")).text == "/de/about"
    assert (await client.get("/de/about")).text == "/de/"


def test_context_processors_land_in_flask_shaped_registries(app: Flask) -> None:
    bp = Blueprint("bp", __name__)

    @bp.context_processor
    def local() -> dict[str, int]:
        return {"answer": 42}

    @bp.app_context_processor
    def everywhere() -> dict[str, int]:
        return {"notanswer": 43}

    app.register_blueprint(bp)
    assert app.template_context_processors["bp"] == [local]
    assert app.template_context_processors[None][-1] is everywhere


# -- record / record_once ---------------------------------------------------------------


def test_record_runs_on_every_registration_and_record_once_on_the_first(app: Flask) -> None:
    bp = Blueprint("ext", __name__, url_prefix="/ext")
    every: list[tuple[str, str | None, bool]] = []
    once: list[BlueprintSetupState] = []

    @bp.record
    def remember(state: BlueprintSetupState) -> None:
        every.append((state.name, state.url_prefix, state.first_registration))

    bp.record_once(once.append)

    app.register_blueprint(bp)
    app.register_blueprint(bp, name="ext2", url_prefix="/two")
    other = Flask("other_app")
    other.register_blueprint(bp)

    assert every == [("ext", "/ext", True), ("ext2", "/two", False), ("ext", "/ext", True)]
    assert [state.app for state in once] == [app, other]
    assert once[0].blueprint is bp


def test_extension_configures_itself_from_the_app_through_record(app: Flask) -> None:
    app.config["GREETING"] = "hi"
    bp = Blueprint("greeter", __name__)

    @bp.record_once
    def configure(state: BlueprintSetupState) -> None:
        state.app.extensions["greeter"] = state.app.config["GREETING"]

    app.register_blueprint(bp)
    assert app.extensions["greeter"] == "hi"


def test_setup_state_add_url_rule_uses_prefix_and_name(app: Flask) -> None:
    bp = Blueprint("api", __name__, url_prefix="/api")

    @bp.record
    def add_health(state: BlueprintSetupState) -> None:
        state.add_url_rule("/health", "health", lambda: "ok")

    app.register_blueprint(bp)
    rules = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}
    assert rules["api.health"] == "/api/health"
    assert "health" not in rules


# -- nesting ----------------------------------------------------------------------------


async def test_nested_blueprints_error_handlers(app: Flask) -> None:
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)
    grandchild = Blueprint("grandchild", __name__)

    @parent.errorhandler(403)
    def forbidden(e: Exception) -> tuple[str, int]:
        return "Parent no", 403

    @parent.route("/")
    def parent_index() -> str:
        return "Parent yes"

    @parent.route("/no")
    def parent_no() -> str:
        abort(403)

    @child.route("/")
    def child_index() -> str:
        return "Child yes"

    @child.route("/no")
    def child_no() -> str:
        abort(403)

    @grandchild.errorhandler(403)
    def grandchild_forbidden(e: Exception) -> tuple[str, int]:
        return "Grandchild no", 403

    @grandchild.route("/")
    def grandchild_index() -> str:
        return f"Grandchild yes {request.blueprints}"

    @grandchild.route("/no")
    def grandchild_no() -> str:
        abort(403)

    child.register_blueprint(grandchild, url_prefix="/grandchild")
    parent.register_blueprint(child, url_prefix="/child")
    app.register_blueprint(parent, url_prefix="/parent")

    client = app.test_client()
    assert (await client.get("/parent/")).text == "Parent yes"
    assert (await client.get("/parent/child/")).text == "Child yes"
    assert (await client.get("/parent/child/grandchild/")).text == (
        "Grandchild yes ['parent.child.grandchild', 'parent.child', 'parent']"
    )
    assert (await client.get("/parent/no")).text == "Parent no"
    assert (await client.get("/parent/child/no")).text == "Parent no"
    assert (await client.get("/parent/child/grandchild/no")).text == "Grandchild no"
    assert list(app.blueprints) == ["parent", "parent.child", "parent.child.grandchild"]


def _nested_callback_app(app: Flask) -> Flask:
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)

    def before(name: str) -> Any:
        def hook() -> None:
            g.setdefault("seen", []).append(name)

        hook.__name__ = f"before_{name}"
        return hook

    def teardown(name: str) -> Any:
        def hook(exc: BaseException | None = None) -> None:
            assert g.seen.pop() == name

        hook.__name__ = f"teardown_{name}"
        return hook

    def after(name: str) -> Any:
        async def hook(response: Any) -> Any:
            response.headers.add("X-After", name)
            return response

        return hook

    for scaffold, prefix in ((app, "app"), (parent, "parent"), (child, "child")):
        for i in (1, 2):
            scaffold.before_request(before(f"{prefix}_{i}"))
            scaffold.teardown_request(teardown(f"{prefix}_{i}"))
            scaffold.after_request(after(f"{prefix}_{i}"))

    @child.route("/a")
    async def a() -> str:
        await anyio.sleep(0)
        return ", ".join(g.seen)

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    return app


async def test_nested_callback_order(app: Flask) -> None:
    client = _nested_callback_app(app).test_client()
    r = await client.get("/a")
    assert r.text == "app_1, app_2, parent_1, parent_2, child_1, child_2"
    assert r.headers.getlist("X-After") == [
        "child_2",
        "child_1",
        "parent_2",
        "parent_1",
        "app_2",
        "app_1",
    ]


async def test_forty_concurrent_requests_across_nested_blueprints(app: Flask) -> None:
    _nested_callback_app(app)
    other = Blueprint("other", __name__, url_prefix="/other")

    @other.before_request
    async def mark() -> None:
        g.mark = request.args["i"]

    @other.route("/<int:i>")
    async def echo(i: int) -> str:
        await anyio.sleep(0.01)
        return f"{g.mark}:{i}:{request.blueprint}"

    app.register_blueprint(other)
    client = app.test_client()
    results: dict[int, tuple[int, str]] = {}

    async def one(i: int) -> None:
        if i % 2:
            r = await client.get("/a")
        else:
            r = await client.get(f"/other/{i}", query_string={"i": str(i)})
        results[i] = (r.status_code, r.text)

    async with anyio.create_task_group() as tg:
        for i in range(40):
            tg.start_soon(one, i)

    for i, (status, text) in results.items():
        assert status == 200
        if i % 2:
            assert text == "app_1, app_2, parent_1, parent_2, child_1, child_2"
        else:
            assert text == f"{i}:{i}:other"
    assert len(results) == 40


@pytest.mark.parametrize(
    ("parent_init", "child_init", "parent_registration", "child_registration"),
    [
        ("/parent", "/child", None, None),
        ("/parent", None, None, "/child"),
        (None, None, "/parent", "/child"),
        ("/other", "/something", "/parent", "/child"),
    ],
)
async def test_nesting_url_prefixes(
    app: Flask,
    parent_init: str | None,
    child_init: str | None,
    parent_registration: str | None,
    child_registration: str | None,
) -> None:
    parent = Blueprint("parent", __name__, url_prefix=parent_init)
    child = Blueprint("child", __name__, url_prefix=child_init)

    @child.route("/")
    def index() -> str:
        return "index"

    parent.register_blueprint(child, url_prefix=child_registration)
    app.register_blueprint(parent, url_prefix=parent_registration)
    assert (await app.test_client().get("/parent/child/")).text == "index"


async def test_renaming_nested_registrations(app: Flask) -> None:
    bp = Blueprint("bp", __name__)
    bp2 = Blueprint("bp2", __name__)

    @bp.get("/")
    def index() -> str:
        return request.endpoint or ""

    @bp.get("/error")
    def error() -> str:
        abort(403)

    @bp.errorhandler(403)
    def forbidden(_: Exception) -> tuple[str, int]:
        return "Error", 403

    @bp2.get("/")
    def index2() -> str:
        return request.endpoint or ""

    bp.register_blueprint(bp2, url_prefix="/a", name="sub")
    app.register_blueprint(bp, url_prefix="/a")
    app.register_blueprint(bp, url_prefix="/b", name="alt")

    client = app.test_client()
    assert (await client.get("/a/")).text == "bp.index"
    assert (await client.get("/b/")).text == "alt.index"
    assert (await client.get("/a/a/")).text == "bp.sub.index2"
    assert (await client.get("/b/a/")).text == "alt.sub.index2"
    assert (await client.get("/a/error")).text == "Error"
    assert (await client.get("/b/error")).text == "Error"


# -- websockets -------------------------------------------------------------------------


async def test_websocket_routes_and_hooks_on_blueprints(app: Flask) -> None:
    outer = Blueprint("outer", __name__, url_prefix="/outer")
    inner = Blueprint("inner", __name__, url_prefix="/inner")
    events: list[str] = []

    @outer.before_websocket
    def outer_before() -> None:
        events.append("outer before")

    @inner.before_websocket
    async def inner_before() -> None:
        events.append("inner before")

    @inner.after_websocket
    def inner_after(response: Any) -> Any:
        events.append("inner after")
        return response

    @inner.websocket("/ws")
    async def echo() -> None:
        await websocket.accept()
        message = await websocket.receive()
        await websocket.send(f"{websocket.blueprint}: {message}")

    @outer.route("/ws")
    def http_view() -> str:
        return "plain http"

    outer.register_blueprint(inner)
    app.register_blueprint(outer)
    client = app.test_client()
    async with client.websocket("/outer/inner/ws") as ws:
        await ws.send("hi")
        assert await ws.receive() == "outer.inner: hi"
    assert events == ["outer before", "inner before", "inner after"]
    assert (await client.get("/outer/ws")).text == "plain http"
    with pytest.raises(WebSocketDisconnect):
        async with client.websocket("/outer/ws"):
            pass
    assert app.before_websocket_funcs["outer.inner"] == [inner_before]
    assert app.after_websocket_funcs["outer.inner"] == [inner_after]


# -- static and templates (with the web layer) ---------------------------------------------


def test_static_rule_builds_below_the_prefix(app: Flask, tmp_path: Any) -> None:
    admin = Blueprint(
        "admin", __name__, static_folder=str(tmp_path), url_prefix="/admin", root_path="/"
    )
    assets = Blueprint("assets", __name__, static_folder="files", static_url_path="/s")
    app.register_blueprint(admin)
    app.register_blueprint(assets, url_prefix="/a")
    with app.test_request_context():
        assert url_for("admin.static", filename="test.txt") == (f"/admin/{tmp_path.name}/test.txt")
        assert url_for("assets.static", filename="css/x.css") == "/a/s/css/x.css"


@pytest.mark.skipif(
    not hasattr(Scaffold, "send_static_file"), reason="needs static file serving (web layer)"
)
async def test_static_files_are_served_below_the_prefix(app: Flask, tmp_path: Any) -> None:
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "test.txt").write_text("Admin File")
    (static / "css" / "test.css").write_text("/* nested file */")
    admin = Blueprint("admin", __name__, static_folder="static", root_path=str(tmp_path))
    app.register_blueprint(admin, url_prefix="/admin")
    client = app.test_client()
    assert (await client.get("/admin/static/test.txt")).text == "Admin File"
    assert (await client.get("/admin/static/css/test.css")).text == "/* nested file */"
    assert (await client.get("/admin/static/../secret")).status_code in (400, 404)


async def test_app_template_helpers_from_a_blueprint(app: Flask) -> None:
    pytest.importorskip("asyncflask.templating")
    from asyncflask import render_template_string  # type: ignore[attr-defined]

    bp = Blueprint("bp", __name__)

    @bp.app_template_filter()
    def my_reverse(s: str) -> str:
        return s[::-1]

    @bp.app_template_test("boolean")
    def is_boolean(value: Any) -> bool:
        return isinstance(value, bool)

    @bp.app_template_global()
    def get_answer() -> int:
        return 42

    app.register_blueprint(bp, url_prefix="/py")
    env: Any = app.jinja_env  # type: ignore[attr-defined]
    assert env.filters["my_reverse"] is my_reverse
    assert env.tests["boolean"] is is_boolean
    assert env.globals["get_answer"] is get_answer

    @app.route("/")
    def index() -> str:
        return str(
            render_template_string(
                "{{ 'abcd'|my_reverse }} {{ get_answer() }} {{ false is boolean }}"
            )
        )

    assert (await app.test_client().get("/")).text == "dcba 42 True"


async def test_blueprint_context_processors_in_templates(app: Flask) -> None:
    pytest.importorskip("asyncflask.templating")
    from asyncflask import render_template_string  # type: ignore[attr-defined]

    bp = Blueprint("answer_bp", __name__)
    template = (
        "{% if notanswer %}{{ notanswer }} is not the answer. {% endif %}"
        "{% if answer %}{{ answer }} is the answer.{% endif %}"
    )

    @bp.app_context_processor
    def not_answer() -> dict[str, int]:
        return {"notanswer": 43}

    @bp.context_processor
    def answer() -> dict[str, int]:
        return {"answer": 42}

    @bp.route("/bp")
    def bp_page() -> str:
        return str(render_template_string(template))

    @app.route("/")
    def app_page() -> str:
        return str(render_template_string(template))

    app.register_blueprint(bp)
    client = app.test_client()
    app_page_text = (await client.get("/")).text
    bp_page_text = (await client.get("/bp")).text
    assert "43" in app_page_text and "42" not in app_page_text
    assert "42" in bp_page_text and "43" in bp_page_text


# -- hostile input ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/admin/%zz", "/admin/..%2f..%2f", "/admin/\x00"])
async def test_odd_paths_below_a_prefix_are_client_errors(app: Flask, path: str) -> None:
    bp = Blueprint("admin", __name__, url_prefix="/admin")

    @bp.route("/<name>")
    def show(name: str) -> str:
        return name

    app.register_blueprint(bp)
    status = (await app.test_client().get(path)).status_code
    assert 200 <= status < 500


# -- commands ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cli_group", "invocation"),
    [(None, ["hello"]), ("tools", ["tools", "hello"]), ("default", ["greet", "hello"])],
)
def test_blueprint_commands_join_the_app_command_line(
    app: Flask, cli_group: str | None, invocation: list[str]
) -> None:
    import click
    from click.testing import CliRunner

    bp = Blueprint("greet", __name__)

    @bp.cli.command("hello")
    def hello() -> None:
        click.echo("hello from the blueprint")

    app.cli = click.Group("app")  # type: ignore[attr-defined]
    options = {} if cli_group == "default" else {"cli_group": cli_group}
    app.register_blueprint(bp, **options)
    result = CliRunner().invoke(app.cli, invocation)  # type: ignore[attr-defined]
    assert result.exit_code == 0, result.output
    assert result.output == "hello from the blueprint\n"


def test_blueprint_without_commands_adds_no_group(app: Flask) -> None:
    import click

    app.cli = click.Group("app")  # type: ignore[attr-defined]
    app.register_blueprint(Blueprint("quiet", __name__))
    assert app.cli.commands == {}  # type: ignore[attr-defined]


async def test_blueprint_registered_after_a_request_takes_effect(app: Flask) -> None:
    @app.route("/")
    def index() -> str:
        return "index"

    client = app.test_client()
    assert (await client.get("/")).text == "index"
    late = Blueprint("late", __name__)

    @late.after_app_request
    def stamp(response: Any) -> Any:
        response.headers["X-Late"] = "yes"
        return response

    app.register_blueprint(late)
    assert (await client.get("/")).headers["X-Late"] == "yes"
