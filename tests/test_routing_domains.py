"""Routing by subdomain (``subdomain_matching``) and by host (``host_matching``)."""

from __future__ import annotations

import warnings

import anyio
import pytest

from asyncflask import Blueprint, Flask, url_for
from asyncflask.routing import Map, Rule

pytestmark = pytest.mark.anyio


@pytest.fixture
def sub_app() -> Flask:
    app = Flask("subdomains", subdomain_matching=True, static_folder=None)
    app.config["SERVER_NAME"] = "example.test"

    @app.route("/")
    def index() -> str:
        return "main"

    @app.route("/", subdomain="api")
    def api_index() -> str:
        return "api"

    @app.route("/whoami", subdomain="<user>")
    def whoami(user: str) -> str:
        return f"user {user}"

    @app.route("/links", subdomain="api")
    def links() -> dict[str, str]:
        return {
            "main": url_for("index"),
            "same": url_for("api_index"),
            "user": url_for("whoami", user="ann"),
        }

    return app


async def test_requests_reach_the_rules_of_their_subdomain(sub_app: Flask) -> None:
    client = sub_app.test_client()
    assert (await client.get("/", base_url="http://example.test")).text == "main"
    assert (await client.get("/", base_url="http://api.example.test")).text == "api"
    assert (await client.get("/", base_url="http://API.Example.test")).text == "api"
    rv = await client.get("/whoami", base_url="http://bob.example.test")
    assert rv.text == "user bob"
    assert (await client.get("/whoami", base_url="http://example.test")).status_code == 404
    assert (await client.get("/", base_url="http://www.example.test")).status_code == 404


async def test_another_host_is_404_with_a_warning(sub_app: Flask) -> None:
    client = sub_app.test_client()
    with pytest.warns(UserWarning, match="doesn't match configured server name"):
        rv = await client.get("/", base_url="http://other.test")
    assert rv.status_code == 404


async def test_ports_and_default_ports(sub_app: Flask) -> None:
    sub_app.config["SERVER_NAME"] = "example.test:8080"
    client = sub_app.test_client()
    rv = await client.get("/", base_url="http://api.example.test:8080")
    assert rv.text == "api"
    sub_app.config["SERVER_NAME"] = "example.test:443"
    assert (await client.get("/", base_url="https://example.test")).text == "main"


async def test_url_for_gives_full_urls_for_other_subdomains(sub_app: Flask) -> None:
    rv = await sub_app.test_client().get("/links", base_url="http://api.example.test")
    assert rv.json == {
        "main": "/",
        "same": "/",
        "user": "http://ann.example.test/whoami",
    }
    with sub_app.app_context():
        assert url_for("whoami", user="cy") == "http://cy.example.test/whoami"


async def test_without_subdomain_matching_subdomain_rules_do_not_match() -> None:
    app = Flask("plain", static_folder=None)
    app.config["SERVER_NAME"] = "example.test"

    @app.route("/")
    def index() -> str:
        return "main"

    @app.route("/only-api", subdomain="api")
    def only_api() -> str:
        return "api"

    client = app.test_client()
    # Every host is served the default rules, as in Flask.
    assert (await client.get("/", base_url="http://api.example.test")).text == "main"
    assert (await client.get("/", base_url="http://elsewhere.test")).text == "main"
    assert (await client.get("/only-api", base_url="http://api.example.test")).status_code == 404
    with app.test_request_context():
        assert url_for("only_api") == "http://api.example.test/only-api"


async def test_blueprint_subdomains(sub_app: Flask) -> None:
    admin = Blueprint("admin", __name__, subdomain="admin")

    @admin.route("/")
    def dashboard() -> str:
        return "dashboard"

    sub_app.register_blueprint(admin)
    rv = await sub_app.test_client().get("/", base_url="http://admin.example.test")
    assert rv.text == "dashboard"


async def test_host_matching() -> None:
    app = Flask("hosts", host_matching=True, static_host="static.test")

    @app.route("/", host="<tenant>.example.test")
    def tenant(tenant: str) -> str:
        return f"tenant {tenant}"

    @app.route("/", host="example.test")
    def home() -> str:
        return "home"

    client = app.test_client()
    assert (await client.get("/", base_url="http://example.test")).text == "home"
    assert (await client.get("/", base_url="http://acme.example.test")).text == "tenant acme"
    assert (await client.get("/", base_url="http://other.test")).status_code == 404
    assert (await client.get("/static/x.css", base_url="http://example.test")).status_code == 404
    with app.test_request_context(base_url="http://example.test"):
        assert url_for("tenant", tenant="zed") == "http://zed.example.test/"
        assert url_for("home") == "/"


async def test_many_subdomains_at_once(sub_app: Flask) -> None:
    client = sub_app.test_client()
    results: dict[int, str] = {}

    async def one(i: int) -> None:
        rv = await client.get("/whoami", base_url=f"http://u{i}.example.test")
        results[i] = rv.text

    async with anyio.create_task_group() as tg:
        for i in range(40):
            tg.start_soon(one, i)
    assert results == {i: f"user u{i}" for i in range(40)}


def test_map_without_domains_ignores_them() -> None:
    url_map = Map([Rule("/", endpoint="index"), Rule("/x", endpoint="x", subdomain="a")])
    assert url_map.match("/")[0].endpoint == "index"
    assert url_map.match("/x", domain="a")[0].endpoint == "x"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from asyncflask.exceptions import NotFound

        with pytest.raises(NotFound):
            url_map.match("/x")
