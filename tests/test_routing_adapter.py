"""``url_map.bind(...)`` and ``app.create_url_adapter(request)``: Werkzeug's MapAdapter shape."""

from __future__ import annotations

import pytest

from asyncflask import Flask, request
from asyncflask.exceptions import MethodNotAllowed, NotFound, RequestRedirect
from asyncflask.routing import Map, MapAdapter, Rule


def make_map() -> Map:
    return Map(
        [
            Rule("/items/<int:item_id>", endpoint="item"),
            Rule("/folder/", endpoint="folder"),
            Rule("/submit", endpoint="submit", methods=["POST"]),
        ]
    )


def test_bind_matches_paths_to_endpoints_and_values() -> None:
    adapter = make_map().bind("example.com")
    assert isinstance(adapter, MapAdapter)
    assert adapter.match("/items/7") == ("item", {"item_id": 7})
    rule, values = adapter.match("/items/8", return_rule=True)
    assert isinstance(rule, Rule) and rule.endpoint == "item" and values == {"item_id": 8}
    assert adapter.match("/submit", method="post") == ("submit", {})
    assert adapter.test("/items/1") and not adapter.test("/nowhere")
    assert adapter.allowed_methods("/submit") == ["POST"]


def test_bind_match_failures_are_http_errors() -> None:
    adapter = make_map().bind("example.com", url_scheme="https")
    with pytest.raises(NotFound):
        adapter.match("/items/not-a-number")
    with pytest.raises(MethodNotAllowed) as refused:
        adapter.match("/submit")
    assert "POST" in (refused.value.valid_methods or ())
    with pytest.raises(RequestRedirect) as moved:
        adapter.match("/folder")
    assert moved.value.new_url == "https://example.com/folder/"
    with pytest.raises(RequestRedirect) as moved:
        adapter.match("/folder", query_args={"page": "2"})
    assert moved.value.new_url == "https://example.com/folder/?page=2"
    with pytest.raises(RequestRedirect) as moved:
        make_map().bind("example.com", query_args="a=1").match("/folder")
    assert moved.value.new_url == "http://example.com/folder/?a=1"


def test_bind_builds_paths_and_external_urls() -> None:
    adapter = make_map().bind("example.com", script_name="/app/")
    assert adapter.build("item", {"item_id": 3}) == "/app/items/3"
    assert adapter.build("item", {"item_id": 3, "q": "x"}) == "/app/items/3?q=x"
    assert (
        adapter.build("item", {"item_id": 3}, force_external=True, url_scheme="https")
        == "https://example.com/app/items/3"
    )
    assert adapter.build("item", {"item_id": 3, "q": "x"}, append_unknown=False) == "/app/items/3"


def test_create_url_adapter_binds_the_request_or_server_name() -> None:
    app = Flask("adapter")

    @app.route("/things/<name>")
    def thing(name: str) -> str:
        return name

    assert app.create_url_adapter(None) is None
    with app.test_request_context("/things/a", base_url="https://shop.test/root"):
        adapter = app.create_url_adapter(request)
        assert adapter is not None
        assert adapter.match() == ("thing", {"name": "a"})
        assert adapter.build("thing", {"name": "b"}) == "/root/things/b"
        assert adapter.build("thing", {"name": "b"}, force_external=True) == (
            "https://shop.test/root/things/b"
        )
    app.config["SERVER_NAME"] = "srv.test"
    outside = app.create_url_adapter(None)
    assert outside is not None
    assert outside.build("thing", {"name": "c"}, force_external=True) == "http://srv.test/things/c"


@pytest.mark.anyio
async def test_an_overridden_create_url_adapter_routes_requests() -> None:
    class Rerouting(Flask):
        def create_url_adapter(self, request):  # type: ignore[no-untyped-def]
            adapter = super().create_url_adapter(request)
            if adapter is not None and request is not None:
                adapter.path_info = adapter.path_info.replace("/old/", "/new/", 1)
            return adapter

    app = Rerouting("rerouting")

    @app.route("/new/<int:n>")
    async def new(n: int) -> str:
        return f"new {n}"

    client = app.test_client()
    assert (await client.get("/old/4")).text == "new 4"
    assert (await client.get("/new/5")).text == "new 5"
    assert (await client.get("/elsewhere")).status_code == 404

    async def one(n: int) -> str:
        return (await client.get(f"/old/{n}")).text

    import anyio

    results: list[str] = []
    async with anyio.create_task_group() as tg:
        for n in range(40):

            async def run(n: int = n) -> None:
                results.append(await one(n))

            tg.start_soon(run)
    assert sorted(results) == sorted(f"new {n}" for n in range(40))


@pytest.mark.parametrize(
    "hostile",
    ["/" + "a" * 100_000, "/items/\x00", "//evil.example/items/1", "/items/1?x=1", "../../etc", ""],
)
def test_bind_match_on_hostile_paths_is_a_plain_not_found(hostile: str) -> None:
    # Extensions resolve client-supplied URLs with the adapter (flask-marshmallow's
    # URLFor fields): anything that is no route is a NotFound, never another error.
    adapter = make_map().bind("")
    with pytest.raises(NotFound):
        adapter.match(hostile)
    assert adapter.test(hostile) is False
