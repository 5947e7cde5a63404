"""Class-based views: View and MethodView."""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from typing import Any

import anyio
import pytest

from asyncflask import Blueprint, Flask, Response, make_response, request
from asyncflask.views import MethodView, View

pytestmark = pytest.mark.anyio


def _allow(r: Any) -> list[str]:
    return sorted(part.strip() for part in r.headers["Allow"].split(","))


async def _check_get_post(app: Flask) -> None:
    client = app.test_client()
    assert (await client.get("/")).text == "GET"
    assert (await client.post("/")).text == "POST"
    assert (await client.put("/")).status_code == 405
    assert _allow(await client.options("/")) == ["GET", "HEAD", "OPTIONS", "POST"]


async def test_basic_view(app: Flask) -> None:
    class Index(View):
        methods = ["GET", "POST"]

        def dispatch_request(self) -> str:
            return request.method

    app.add_url_rule("/", view_func=Index.as_view("index"))
    await _check_get_post(app)


async def test_async_basic_view_is_awaited_on_the_loop(app: Flask) -> None:
    class Index(View):
        methods = ["GET", "POST"]

        async def dispatch_request(self) -> str:
            await anyio.sleep(0)
            return request.method

    view = Index.as_view("index")
    assert inspect.iscoroutinefunction(view)
    app.add_url_rule("/", view_func=view)
    await _check_get_post(app)


@pytest.mark.parametrize("kind", ["sync", "async", "mixed"])
async def test_method_view(app: Flask, kind: str) -> None:
    if kind == "sync":

        class Index(MethodView):
            def get(self) -> str:
                return "GET"

            def post(self) -> str:
                return "POST"

    elif kind == "async":

        class Index(MethodView):  # type: ignore[no-redef]
            async def get(self) -> str:
                return "GET"

            async def post(self) -> str:
                return "POST"

    else:

        class Index(MethodView):  # type: ignore[no-redef]
            def get(self) -> str:
                return "GET"

            async def post(self) -> str:
                return "POST"

    view = Index.as_view("index")
    assert inspect.iscoroutinefunction(view) == (kind != "sync")
    app.add_url_rule("/", view_func=view)
    await _check_get_post(app)


async def test_sync_methods_run_off_the_event_loop_thread(app: Flask) -> None:
    loop_thread = threading.get_ident()
    seen: dict[str, int] = {}

    class Mixed(MethodView):
        def get(self) -> str:
            seen["get"] = threading.get_ident()
            return "sync"

        async def post(self) -> str:
            seen["post"] = threading.get_ident()
            return "async"

    class AllSync(MethodView):
        def get(self) -> str:
            seen["all_sync"] = threading.get_ident()
            return "sync"

    app.add_url_rule("/mixed", view_func=Mixed.as_view("mixed"))
    app.add_url_rule("/sync", view_func=AllSync.as_view("all_sync"))
    client = app.test_client()
    assert (await client.get("/mixed")).text == "sync"
    assert (await client.post("/mixed")).text == "async"
    assert (await client.get("/sync")).text == "sync"
    assert seen["get"] != loop_thread
    assert seen["all_sync"] != loop_thread
    assert seen["post"] == loop_thread


async def test_methods_is_a_set_built_from_handlers_and_bases() -> None:
    class Index(MethodView):
        def get(self) -> str:
            return "GET"

        def post(self) -> str:
            return "POST"

    class BetterIndex(Index):
        async def delete(self) -> str:
            return "DELETE"

    assert Index.methods == {"GET", "POST"}
    assert isinstance(BetterIndex.methods, set)
    assert BetterIndex.methods == {"GET", "POST", "DELETE"}
    assert MethodView.methods is None


async def test_inherited_methods_answer_options(app: Flask) -> None:
    class Index(MethodView):
        def get(self) -> str:
            return "GET"

        def post(self) -> str:
            return "POST"

    class BetterIndex(Index):
        def delete(self) -> str:
            return "DELETE"

    app.add_url_rule("/", view_func=BetterIndex.as_view("index"))
    client = app.test_client()
    assert _allow(await client.options("/")) == ["DELETE", "GET", "HEAD", "OPTIONS", "POST"]
    assert (await client.delete("/")).text == "DELETE"


async def test_view_class_can_be_swapped(app: Flask) -> None:
    class Index(MethodView):
        def get(self) -> str:
            raise ZeroDivisionError

        def post(self) -> str:
            raise ZeroDivisionError

    class Other(Index):
        def get(self) -> str:
            return "GET"

        def post(self) -> str:
            return "POST"

    view = Index.as_view("index")
    view.view_class = Other  # type: ignore[attr-defined]
    app.add_url_rule("/", view_func=view)
    await _check_get_post(app)


async def test_decorators_wrap_the_view(app: Flask) -> None:
    def add_x_parachute(f: Callable[..., Any]) -> Callable[..., Any]:
        def new_function(*args: Any, **kwargs: Any) -> Any:
            resp = make_response(f(*args, **kwargs))
            resp.headers["X-Parachute"] = "awesome"
            return resp

        return new_function

    class Index(View):
        decorators = [add_x_parachute]

        def __init__(self) -> None:
            self.greeting = "Awesome"

        def dispatch_request(self) -> str:
            return self.greeting

    view = Index.as_view("index")
    assert view.__name__ == "index"
    assert view.view_class is Index  # type: ignore[attr-defined]
    app.add_url_rule("/", view_func=view)
    r = await app.test_client().get("/")
    assert r.headers["X-Parachute"] == "awesome"
    assert r.text == "Awesome"


async def test_async_decorators_wrap_an_async_view(app: Flask) -> None:
    def stamp(f: Callable[..., Any]) -> Callable[..., Any]:
        async def wrapper(**kwargs: Any) -> Any:
            response = make_response(await f(**kwargs))
            response.headers["X-Stamp"] = "yes"
            return response

        return wrapper

    class Item(MethodView):
        decorators = [stamp]

        async def get(self, item_id: int) -> dict[str, int]:
            return {"id": item_id}

    app.add_url_rule("/items/<int:item_id>", view_func=Item.as_view("item"))
    r = await app.test_client().get("/items/3")
    assert r.json == {"id": 3}
    assert r.headers["X-Stamp"] == "yes"


async def test_provide_automatic_options() -> None:
    app = Flask("views_options_1")

    class Index1(View):
        provide_automatic_options = False

        def dispatch_request(self) -> str:
            return "Hello World!"

    app.add_url_rule("/", view_func=Index1.as_view("index"))
    assert (await app.test_client().options("/")).status_code == 405

    app = Flask("views_options_2")

    class Index2(View):
        methods = ["OPTIONS"]
        provide_automatic_options = True

        def dispatch_request(self) -> str:
            return "Hello World!"

    app.add_url_rule("/", view_func=Index2.as_view("index"))
    assert _allow(await app.test_client().options("/")) == ["OPTIONS"]

    app = Flask("views_options_3")

    class Index3(View):
        def dispatch_request(self) -> str:
            return "Hello World!"

    app.add_url_rule("/", view_func=Index3.as_view("index"))
    assert "OPTIONS" in _allow(await app.test_client().options("/"))


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_head_falls_back_to_get(app: Flask, kind: str) -> None:
    if kind == "sync":

        class Index(MethodView):
            def get(self) -> Response:
                return Response("Blub", headers={"X-Method": request.method})

    else:

        class Index(MethodView):  # type: ignore[no-redef]
            async def get(self) -> Response:
                return Response("Blub", headers={"X-Method": request.method})

    app.add_url_rule("/", view_func=Index.as_view("index"))
    client = app.test_client()
    r = await client.get("/")
    assert r.text == "Blub"
    assert r.headers["X-Method"] == "GET"
    r = await client.head("/")
    assert r.data == b""
    assert r.headers["X-Method"] == "HEAD"


async def test_explicit_head(app: Flask) -> None:
    class Index(MethodView):
        def get(self) -> str:
            return "GET"

        def head(self) -> Response:
            return Response("", headers={"X-Method": "HEAD"})

    app.add_url_rule("/", view_func=Index.as_view("index"))
    client = app.test_client()
    assert (await client.get("/")).text == "GET"
    r = await client.head("/")
    assert r.data == b""
    assert r.headers["X-Method"] == "HEAD"


async def test_endpoint_override_is_an_error(app: Flask) -> None:
    class Index(View):
        methods = ["GET", "POST"]

        def dispatch_request(self) -> str:
            return request.method

    app.add_url_rule("/", view_func=Index.as_view("index"))
    with pytest.raises(AssertionError):
        app.add_url_rule("/", view_func=Index.as_view("index"))
    await _check_get_post(app)


async def test_declared_extension_verbs_dispatch(app: Flask) -> None:
    class BaseView(MethodView):
        methods = ["GET", "PROPFIND"]

    class ChildView(BaseView):
        def get(self) -> str:
            return "GET"

        def propfind(self) -> str:
            return "PROPFIND"

    app.add_url_rule("/", view_func=ChildView.as_view("index"))
    client = app.test_client()
    assert (await client.get("/")).text == "GET"
    assert (await client.open("/", method="PROPFIND")).text == "PROPFIND"
    assert ChildView.methods == {"PROPFIND", "GET"}


async def test_multiple_inheritance(app: Flask) -> None:
    class GetView(MethodView):
        def get(self) -> str:
            return "GET"

    class DeleteView(MethodView):
        async def delete(self) -> str:
            return "DELETE"

    class GetDeleteView(GetView, DeleteView):
        pass

    app.add_url_rule("/", view_func=GetDeleteView.as_view("index"))
    client = app.test_client()
    assert (await client.get("/")).text == "GET"
    assert (await client.delete("/")).text == "DELETE"
    assert sorted(GetDeleteView.methods or ()) == ["DELETE", "GET"]


async def test_methods_declared_in_the_class_win(app: Flask) -> None:
    class GetView(MethodView):
        def get(self) -> str:
            return "GET"

    class OtherView(MethodView):
        def post(self) -> str:
            return "POST"

    class Combined(GetView, OtherView):
        methods = ["GET"]

    app.add_url_rule("/", view_func=Combined.as_view("index"))
    client = app.test_client()
    assert (await client.get("/")).text == "GET"
    assert (await client.post("/")).status_code == 405
    assert sorted(Combined.methods) == ["GET"]


@pytest.mark.parametrize("init_every_request", [True, False])
async def test_init_every_request(app: Flask, init_every_request: bool) -> None:
    created = 0

    class CountInit(View):
        def __init__(self) -> None:
            nonlocal created
            created += 1

        def dispatch_request(self) -> str:
            return str(created)

    CountInit.init_every_request = init_every_request
    app.add_url_rule("/", view_func=CountInit.as_view("index"))
    client = app.test_client()
    assert (await client.get("/")).text == "1"
    assert (await client.get("/")).text == ("2" if init_every_request else "1")


async def test_as_view_passes_arguments_to_the_class(app: Flask) -> None:
    class ListView(View):
        def __init__(self, model: str, template: str) -> None:
            self.model = model
            self.template = template

        async def dispatch_request(self) -> str:
            return f"{self.model} in {self.template}"

    app.add_url_rule(
        "/books/", view_func=ListView.as_view("book_list", model="Book", template="books.html")
    )
    app.add_url_rule(
        "/authors/", view_func=ListView.as_view("author_list", "Author", template="authors.html")
    )
    client = app.test_client()
    assert (await client.get("/books/")).text == "Book in books.html"
    assert (await client.get("/authors/")).text == "Author in authors.html"


async def test_overridden_dispatch_request_calls_super(app: Flask) -> None:
    class Audited(MethodView):
        def dispatch_request(self, **kwargs: Any) -> Any:
            rv = super().dispatch_request(**kwargs)
            return f"[{rv}]"

        def get(self, name: str) -> str:
            return name

    app.add_url_rule("/<name>", view_func=Audited.as_view("audited"))
    assert (await app.test_client().get("/ada")).text == "[ada]"


async def test_method_views_on_blueprints(app: Flask) -> None:
    class Ping(MethodView):
        async def get(self) -> str:
            return request.endpoint or ""

    bp = Blueprint("api", __name__, url_prefix="/api")
    bp.add_url_rule("/ping", view_func=Ping.as_view("ping"))
    app.register_blueprint(bp)
    assert (await app.test_client().get("/api/ping")).text == "api.ping"


def test_view_without_dispatch_request_says_so() -> None:
    class Empty(View):
        pass

    with pytest.raises(TypeError, match="must define dispatch_request"):
        Empty().dispatch_request()


# -- only HTTP verbs dispatch -------------------------------------------------------------


@pytest.mark.parametrize(
    "method", ["FOO", "__INIT__", "DISPATCH_REQUEST", "AS_VIEW", "_HANDLER", "SECRET", "__CLASS__"]
)
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_other_methods_never_reach_attributes(app: Flask, method: str, kind: str) -> None:
    called: list[str] = []

    class Resource(MethodView):
        methods = ["GET", "SECRET", "DISPATCH_REQUEST", "_HANDLER"]

        def secret(self) -> str:  # listed in methods but not an HTTP verb handler by name
            called.append("secret")
            return "leaked"

        def get(self) -> str:
            return "ok"

    if kind == "async":

        async def aget(self: Any) -> str:
            return "ok"

        Resource.get = aget  # type: ignore[method-assign]

    # The rule accepts every method, so only the view stands between them and the class.
    methods = ["GET", "FOO", "__INIT__", "DISPATCH_REQUEST", "AS_VIEW", "_HANDLER", "SECRET"]
    methods.append("__CLASS__")
    app.add_url_rule("/r", view_func=Resource.as_view("resource"), methods=methods)
    r = await app.test_client().open("/r", method=method)
    if method == "SECRET":
        # Declared in the class's own ``methods``: an extension verb the author chose.
        assert r.text == "leaked"
        return
    assert r.status_code == 405
    assert "GET" in _allow(r)
    assert called == []


async def test_standard_verb_without_handler_is_405_with_allow(app: Flask) -> None:
    class ReadOnly(MethodView):
        def get(self) -> str:
            return "ok"

    app.add_url_rule("/", view_func=ReadOnly.as_view("ro"), methods=["GET", "DELETE"])
    r = await app.test_client().delete("/")
    assert r.status_code == 405
    assert _allow(r) == ["GET", "HEAD"]


# -- concurrency --------------------------------------------------------------------------


async def test_forty_concurrent_requests_get_their_own_instances(app: Flask) -> None:
    class Counter(MethodView):
        def __init__(self) -> None:
            self.value: str | None = None

        async def get(self, n: int) -> str:
            self.value = str(n)
            await anyio.sleep(0.01)
            return f"{self.value}/{request.args['n']}"

        def post(self, n: int) -> str:
            self.value = str(n)
            return f"{self.value}/{request.args['n']}"

    app.add_url_rule("/c/<int:n>", view_func=Counter.as_view("counter"))
    client = app.test_client()
    results: dict[int, str] = {}

    async def one(n: int) -> None:
        method = client.get if n % 2 else client.post
        r = await method(f"/c/{n}", query_string={"n": str(n)})
        results[n] = r.text

    async with anyio.create_task_group() as tg:
        for n in range(40):
            tg.start_soon(one, n)
    assert results == {n: f"{n}/{n}" for n in range(40)}


async def test_response_allow_lists_the_methods(app: Flask) -> None:
    class Index(MethodView):
        def get(self) -> str:
            return "GET"

    app.add_url_rule("/", view_func=Index.as_view("index"))
    client = app.test_client()
    assert (await client.options("/")).allow == {"GET", "HEAD", "OPTIONS"}
    assert (await client.post("/")).allow == {"GET", "HEAD", "OPTIONS"}
    response = Response()
    assert response.allow == frozenset()
    response.allow = ["GET", "POST"]
    assert response.headers["Allow"] == "GET, POST"
