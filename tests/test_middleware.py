from __future__ import annotations

import copy
from typing import Any

import pytest

from asyncflask import Flask, request, url_for, websocket
from asyncflask.middleware import ProxyFix
from asyncflask.middleware.proxy_fix import ORIG_KEY
from asyncflask.typing import Message, Receive, Scope, Send

pytestmark = pytest.mark.anyio


class RecordingApp:
    """An inner ASGI app that keeps the scope it was called with."""

    def __init__(self) -> None:
        self.scope: Scope | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scope = scope


def make_scope(
    headers: list[tuple[str, str]] | None = None,
    *,
    scope_type: str = "http",
    root_path: str = "",
    path: str = "/page",
) -> dict[str, Any]:
    raw = [(b"host", b"internal:8000")]
    raw += [(name.lower().encode(), value.encode("latin-1")) for name, value in headers or []]
    return {
        "type": scope_type,
        "scheme": "ws" if scope_type == "websocket" else "http",
        "client": ("10.0.0.1", 41000),
        "server": ("10.0.0.2", 8000),
        "root_path": root_path,
        "path": root_path + path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": raw,
    }


async def call(middleware: ProxyFix, scope: dict[str, Any], inner: RecordingApp) -> Scope:
    async def receive() -> Message:
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        pass

    await middleware(scope, receive, send)
    assert inner.scope is not None
    return inner.scope


async def fix(headers: list[tuple[str, str]], **options: Any) -> Scope:
    inner = RecordingApp()
    scope_type = options.pop("scope_type", "http")
    root_path = options.pop("root_path", "")
    scope = make_scope(headers, scope_type=scope_type, root_path=root_path)
    return await call(ProxyFix(inner, **options), scope, inner)


def host_headers(scope: Scope) -> list[bytes]:
    return [value for name, value in scope["headers"] if name == b"host"]


# -- unit: each header --------------------------------------------------------


async def test_defaults_trust_one_for_and_one_proto() -> None:
    scope = await fix(
        [
            ("X-Forwarded-For", "203.0.113.7"),
            ("X-Forwarded-Proto", "https"),
            ("X-Forwarded-Host", "example.com"),
            ("X-Forwarded-Prefix", "/app"),
        ]
    )
    assert scope["client"] == ("203.0.113.7", 0)
    assert scope["scheme"] == "https"
    assert host_headers(scope) == [b"internal:8000"]
    assert scope["root_path"] == ""


async def test_without_forwarded_headers_the_scope_keeps_its_values() -> None:
    scope = await fix([])
    assert scope["client"] == ("10.0.0.1", 41000)
    assert scope["scheme"] == "http"
    assert scope["server"] == ("10.0.0.2", 8000)
    assert scope["path"] == "/page"


async def test_x_for_sets_client_with_port_zero() -> None:
    scope = await fix([("X-Forwarded-For", "2001:db8::1")])
    assert scope["client"] == ("2001:db8::1", 0)


@pytest.mark.parametrize(
    ("value", "address"),
    [("198.51.100.2:5555", "198.51.100.2"), ("[2001:db8::1]:443", "2001:db8::1")],
)
async def test_x_for_entries_with_ports_give_the_address(value: str, address: str) -> None:
    scope = await fix([("X-Forwarded-For", value)])
    assert scope["client"] == (address, 0)


@pytest.mark.parametrize(
    ("proto", "scheme"), [("https", "https"), ("HTTP", "http"), ("wss", "https")]
)
async def test_x_proto_sets_http_scheme(proto: str, scheme: str) -> None:
    scope = await fix([("X-Forwarded-Proto", proto)])
    assert scope["scheme"] == scheme


@pytest.mark.parametrize(("proto", "scheme"), [("https", "wss"), ("http", "ws"), ("wss", "wss")])
async def test_x_proto_sets_websocket_scheme(proto: str, scheme: str) -> None:
    scope = await fix([("X-Forwarded-Proto", proto)], scope_type="websocket")
    assert scope["scheme"] == scheme


async def test_x_host_replaces_host_header_and_server() -> None:
    scope = await fix([("X-Forwarded-Host", "example.com")], x_host=1)
    assert host_headers(scope) == [b"example.com"]
    assert scope["server"] == ("example.com", 80)


async def test_x_host_server_port_follows_the_forwarded_scheme() -> None:
    scope = await fix(
        [("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "example.com")], x_host=1
    )
    assert scope["server"] == ("example.com", 443)


@pytest.mark.parametrize(
    ("value", "server"),
    [("example.com:8443", ("example.com", 8443)), ("[2001:db8::1]:8080", ("2001:db8::1", 8080))],
)
async def test_x_host_with_port(value: str, server: tuple[str, int]) -> None:
    scope = await fix([("X-Forwarded-Host", value)], x_host=1)
    assert host_headers(scope) == [value.encode()]
    assert scope["server"] == server


async def test_x_port_replaces_the_port_of_host_and_server() -> None:
    scope = await fix([("X-Forwarded-Port", "8443")], x_port=1)
    assert host_headers(scope) == [b"internal:8443"]
    assert scope["server"] == ("10.0.0.2", 8443)


async def test_x_port_applies_after_x_host() -> None:
    scope = await fix(
        [("X-Forwarded-Host", "example.com:1111"), ("X-Forwarded-Port", "2222")],
        x_host=1,
        x_port=1,
    )
    assert host_headers(scope) == [b"example.com:2222"]
    assert scope["server"] == ("example.com", 2222)


async def test_x_port_without_server_takes_the_name_from_host() -> None:
    inner = RecordingApp()
    scope = make_scope([("X-Forwarded-Port", "8443")])
    del scope["server"]
    fixed = await call(ProxyFix(inner, x_port=1), scope, inner)
    assert fixed["server"] == ("internal", 8443)


async def test_x_port_without_host_header_sets_only_the_server_port() -> None:
    inner = RecordingApp()
    scope = make_scope([("X-Forwarded-Port", "8443")])
    scope["headers"] = [(b"x-forwarded-port", b"8443")]
    fixed = await call(ProxyFix(inner, x_port=1), scope, inner)
    assert host_headers(fixed) == []
    assert fixed["server"] == ("10.0.0.2", 8443)


@pytest.mark.parametrize("host", ["[::1", "bad host", "a:b:c"])
async def test_x_port_leaves_a_malformed_host_header_for_the_request_to_reject(host: str) -> None:
    inner = RecordingApp()
    scope = make_scope([("X-Forwarded-Port", "8443")])
    scope["headers"][0] = (b"host", host.encode())
    fixed = await call(ProxyFix(inner, x_port=1), scope, inner)
    assert host_headers(fixed) == [host.encode()]
    assert fixed["server"] == ("10.0.0.2", 8443)


async def test_x_prefix_sets_root_path_and_prefixes_path() -> None:
    scope = await fix([("X-Forwarded-Prefix", "/app/")], x_prefix=1)
    assert scope["root_path"] == "/app"
    assert scope["path"] == "/app/page"


async def test_x_prefix_replaces_the_servers_root_path() -> None:
    scope = await fix([("X-Forwarded-Prefix", "/outer")], x_prefix=1, root_path="/inner")
    assert scope["root_path"] == "/outer"
    assert scope["path"] == "/outer/page"


async def test_x_prefix_is_percent_decoded() -> None:
    scope = await fix([("X-Forwarded-Prefix", "/my%20app")], x_prefix=1)
    assert scope["root_path"] == "/my app"
    assert scope["path"] == "/my app/page"


async def test_repeated_header_lines_are_one_list() -> None:
    scope = await fix(
        [("X-Forwarded-For", "1.1.1.1, 2.2.2.2"), ("X-Forwarded-For", "3.3.3.3")], x_for=2
    )
    assert scope["client"] == ("2.2.2.2", 0)


async def test_original_values_are_kept() -> None:
    scope = await fix(
        [
            ("X-Forwarded-For", "203.0.113.7"),
            ("X-Forwarded-Proto", "https"),
            ("X-Forwarded-Host", "example.com"),
            ("X-Forwarded-Prefix", "/app"),
        ],
        x_host=1,
        x_prefix=1,
    )
    assert scope[ORIG_KEY] == {
        "client": ("10.0.0.1", 41000),
        "scheme": "http",
        "host": "internal:8000",
        "server": ("10.0.0.2", 8000),
        "root_path": "",
        "path": "/page",
    }
    assert ORIG_KEY == "asyncflask.proxy_fix.orig"


async def test_the_servers_scope_is_not_mutated() -> None:
    inner = RecordingApp()
    scope = make_scope(
        [("X-Forwarded-For", "1.2.3.4"), ("X-Forwarded-Host", "example.com")],
    )
    before = copy.deepcopy(scope)
    fixed = await call(ProxyFix(inner, x_host=1), scope, inner)
    assert scope == before
    assert fixed is not scope
    assert fixed["client"] == ("1.2.3.4", 0)


@pytest.mark.parametrize("scope_type", ["lifespan", "custom"])
async def test_other_scope_types_pass_through_untouched(scope_type: str) -> None:
    inner = RecordingApp()
    scope: dict[str, Any] = {"type": scope_type, "headers": [(b"x-forwarded-for", b"1.2.3.4")]}
    assert await call(ProxyFix(inner), scope, inner) is scope
    assert ORIG_KEY not in scope


def test_fix_scope_is_usable_without_an_event_loop() -> None:
    fixed = ProxyFix(RecordingApp()).fix_scope(make_scope([("X-Forwarded-For", "1.2.3.4")]))
    assert fixed["client"] == ("1.2.3.4", 0)


# -- spoofing and hostile values ----------------------------------------------


async def test_spoofed_x_for_values_left_of_the_trusted_ones_are_ignored() -> None:
    # The client sent "6.6.6.6"; the one proxy appended the real client address.
    scope = await fix([("X-Forwarded-For", "6.6.6.6, 203.0.113.7")])
    assert scope["client"] == ("203.0.113.7", 0)


async def test_two_trusted_proxies_take_the_second_value_from_the_end() -> None:
    scope = await fix(
        [
            ("X-Forwarded-For", "6.6.6.6, 203.0.113.7, 10.0.0.9"),
            ("X-Forwarded-Proto", "http, https, http"),
        ],
        x_for=2,
        x_proto=2,
    )
    assert scope["client"] == ("203.0.113.7", 0)
    assert scope["scheme"] == "https"


async def test_spoofed_host_and_prefix_values_are_ignored() -> None:
    scope = await fix(
        [
            ("X-Forwarded-Host", "evil.example, example.com"),
            ("X-Forwarded-Prefix", "/evil, /app"),
        ],
        x_host=1,
        x_prefix=1,
    )
    assert host_headers(scope) == [b"example.com"]
    assert scope["root_path"] == "/app"


@pytest.mark.parametrize(
    "header",
    [
        "X-Forwarded-For",
        "X-Forwarded-Proto",
        "X-Forwarded-Host",
        "X-Forwarded-Port",
        "X-Forwarded-Prefix",
    ],
)
async def test_fewer_values_than_trusted_proxies_are_ignored(header: str) -> None:
    values = {
        "X-Forwarded-For": "6.6.6.6",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "evil.example",
        "X-Forwarded-Port": "9999",
        "X-Forwarded-Prefix": "/evil",
    }
    scope = await fix(
        [(header, values[header])], x_for=2, x_proto=2, x_host=2, x_port=2, x_prefix=2
    )
    assert scope["client"] == ("10.0.0.1", 41000)
    assert scope["scheme"] == "http"
    assert host_headers(scope) == [b"internal:8000"]
    assert scope["server"] == ("10.0.0.2", 8000)
    assert scope["root_path"] == ""
    assert scope["path"] == "/page"


async def test_zero_trusted_ignores_the_header() -> None:
    scope = await fix(
        [("X-Forwarded-For", "1.2.3.4"), ("X-Forwarded-Proto", "https")], x_for=0, x_proto=0
    )
    assert scope["client"] == ("10.0.0.1", 41000)
    assert scope["scheme"] == "http"


@pytest.mark.parametrize(
    "value", ["unknown", "_hidden", "evil.example", "1.2.3.4:99999", "1.2.3.4\x1b[31m", "[::1"]
)
async def test_x_for_that_is_not_an_ip_address_is_ignored(value: str) -> None:
    scope = await fix([("X-Forwarded-For", value)])
    assert scope["client"] == ("10.0.0.1", 41000)


@pytest.mark.parametrize("value", ["ftp", "javascript", "https://x", "", "file"])
async def test_x_proto_other_than_http_or_https_is_ignored(value: str) -> None:
    scope = await fix([("X-Forwarded-Proto", value)])
    assert scope["scheme"] == "http"


@pytest.mark.parametrize(
    "value",
    [
        "evil.example/path",
        "evil.example@good.example",
        "exa mple.com",
        "example.com:99999",
        "example.com:",
        "example.com:80:80",
        "[::1",
        "a" * 300,
    ],
)
async def test_invalid_x_host_is_ignored(value: str) -> None:
    scope = await fix([("X-Forwarded-Host", value)], x_host=1)
    assert host_headers(scope) == [b"internal:8000"]
    assert scope["server"] == ("10.0.0.2", 8000)


@pytest.mark.parametrize("value", ["abc", "-1", "0", "65536", "80 80", "+80", "1e3", "123456"])
async def test_x_port_other_than_digits_in_range_is_ignored(value: str) -> None:
    scope = await fix([("X-Forwarded-Port", value)], x_port=1)
    assert host_headers(scope) == [b"internal:8000"]
    assert scope["server"] == ("10.0.0.2", 8000)


@pytest.mark.parametrize(
    "value",
    [
        "app",
        "//evil.example",
        "/%2Fevil.example",
        "/\\evil.example",
        "/app%0d%0aSet-Cookie:x=1",
        "/app%00",
        "/app\x1b",
        "/app/../admin",
        "/%2e%2e/admin",
        "/app/%ff",
    ],
)
async def test_unsafe_x_prefix_is_ignored(value: str) -> None:
    scope = await fix([("X-Forwarded-Prefix", value)], x_prefix=1)
    assert scope["root_path"] == ""
    assert scope["path"] == "/page"


@pytest.mark.parametrize(
    ("option", "value", "error"),
    [
        ("x_for", -1, ValueError),
        ("x_host", "1", TypeError),
        ("x_proto", True, TypeError),
        ("x_prefix", 1.5, TypeError),
    ],
)
def test_invalid_trust_counts_are_rejected(option: str, value: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match=option):
        ProxyFix(RecordingApp(), **{option: value})


# -- flow: through an application ----------------------------------------------


@pytest.fixture
def proxied_app() -> Flask:
    app = Flask(__name__)
    app.config["TESTING"] = True

    @app.get("/")
    async def index() -> dict[str, Any]:
        return {
            "remote_addr": request.remote_addr,
            "scheme": request.scheme,
            "url": request.url,
            "host": request.host,
            "root_path": request.root_path,
            "path": request.path,
            "external": url_for("index", _external=True),
        }

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        await websocket.send_json({"scheme": websocket.scheme})

    return app


async def test_flow_remote_addr_scheme_and_url(proxied_app: Flask) -> None:
    proxied_app.asgi_app = ProxyFix(proxied_app.asgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    response = await proxied_app.test_client().get(
        "/", headers={"X-Forwarded-For": "1.2.3.4", "X-Forwarded-Proto": "https"}
    )
    assert response.status_code == 200
    assert response.json["remote_addr"] == "1.2.3.4"
    assert response.json["scheme"] == "https"
    assert response.json["url"] == "https://localhost/"


async def test_flow_spoofed_address_loses_to_the_proxys_value(proxied_app: Flask) -> None:
    proxied_app.asgi_app = ProxyFix(proxied_app.asgi_app)  # type: ignore[method-assign]
    response = await proxied_app.test_client().get(
        "/", headers={"X-Forwarded-For": "6.6.6.6, 1.2.3.4", "X-Forwarded-Proto": "ftp"}
    )
    assert response.json["remote_addr"] == "1.2.3.4"
    assert response.json["scheme"] == "http"


async def test_flow_host_port_and_prefix_shape_urls(proxied_app: Flask) -> None:
    proxied_app.asgi_app = ProxyFix(  # type: ignore[method-assign]
        proxied_app.asgi_app, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1
    )
    response = await proxied_app.test_client().get(
        "/",
        headers={
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "example.com",
            "X-Forwarded-Port": "8443",
            "X-Forwarded-Prefix": "/shop",
        },
    )
    assert response.status_code == 200
    assert response.json["host"] == "example.com:8443"
    assert response.json["root_path"] == "/shop"
    assert response.json["path"] == "/"
    assert response.json["url"] == "https://example.com:8443/shop/"
    assert response.json["external"] == "https://example.com:8443/shop/"


async def test_flow_malformed_host_with_forwarded_port_is_400(proxied_app: Flask) -> None:
    proxied_app.asgi_app = ProxyFix(proxied_app.asgi_app, x_port=1)  # type: ignore[method-assign]
    response = await proxied_app.test_client().get(
        "/", headers={"Host": "[::1", "X-Forwarded-Port": "8443"}
    )
    assert response.status_code == 400


async def test_flow_without_proxy_fix_headers_are_not_trusted(proxied_app: Flask) -> None:
    response = await proxied_app.test_client().get(
        "/", headers={"X-Forwarded-For": "1.2.3.4", "X-Forwarded-Proto": "https"}
    )
    assert response.json["remote_addr"] == "127.0.0.1"
    assert response.json["scheme"] == "http"


async def test_flow_websocket_gets_wss(proxied_app: Flask) -> None:
    proxied_app.asgi_app = ProxyFix(proxied_app.asgi_app)  # type: ignore[method-assign]
    client = proxied_app.test_client()
    async with client.websocket("/ws", headers={"X-Forwarded-Proto": "https"}) as ws:
        assert await ws.receive_json() == {"scheme": "wss"}
