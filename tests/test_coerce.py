"""What a view may return, and what the client receives for it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import pytest

from asyncflask import Flask, Response, request
from asyncflask.exceptions import NotFound

pytestmark = pytest.mark.anyio


async def test_str_is_html_body(app: Flask) -> None:
    @app.get("/")
    def view() -> str:
        return "héllo"

    r = await app.test_client().get("/")
    assert r.status_code == 200
    assert r.data == "héllo".encode()
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.headers["Content-Length"] == str(len("héllo".encode()))


async def test_bytes_is_body(app: Flask) -> None:
    @app.get("/")
    async def view() -> bytes:
        return b"\x00raw\xff"

    r = await app.test_client().get("/")
    assert r.status_code == 200
    assert r.data == b"\x00raw\xff"
    assert r.mimetype == "text/html"


async def test_dict_is_json(app: Flask) -> None:
    @app.get("/")
    def view() -> dict[str, Any]:
        return {"b": 1, "a": [True, None]}

    r = await app.test_client().get("/")
    assert r.status_code == 200
    assert r.mimetype == "application/json"
    assert r.json == {"b": 1, "a": [True, None]}
    assert r.data == b'{"a":[true,null],"b":1}\n'


async def test_list_is_json(app: Flask) -> None:
    @app.get("/")
    async def view() -> list[Any]:
        return [1, "two", {"three": 3}]

    r = await app.test_client().get("/")
    assert r.status_code == 200
    assert r.mimetype == "application/json"
    assert r.json == [1, "two", {"three": 3}]


async def test_response_is_sent_as_is(app: Flask) -> None:
    @app.get("/")
    def view() -> Response:
        return Response("made", status=202, headers={"X-Made": "yes"}, mimetype="text/plain")

    r = await app.test_client().get("/")
    assert r.status_code == 202
    assert r.text == "made"
    assert r.headers["X-Made"] == "yes"
    assert r.headers["Content-Type"] == "text/plain; charset=utf-8"


async def test_body_and_status_tuple(app: Flask) -> None:
    @app.get("/")
    def view() -> tuple[str, int]:
        return "created", 201

    r = await app.test_client().get("/")
    assert r.status_code == 201
    assert r.status == "201 CREATED"
    assert r.text == "created"


async def test_body_and_status_string_tuple(app: Flask) -> None:
    @app.get("/")
    def view() -> tuple[str, str]:
        return "odd", "299 SOMETHING ELSE"

    r = await app.test_client().get("/")
    assert r.status_code == 299
    assert r.text == "odd"


async def test_body_and_headers_dict_tuple(app: Flask) -> None:
    @app.get("/")
    def view() -> tuple[str, dict[str, str]]:
        return "with headers", {"X-One": "1", "Content-Type": "text/plain"}

    r = await app.test_client().get("/")
    assert r.status_code == 200
    assert r.text == "with headers"
    assert r.headers["X-One"] == "1"
    assert r.mimetype == "text/plain"


async def test_body_and_headers_list_tuple(app: Flask) -> None:
    @app.get("/")
    def view() -> tuple[str, list[tuple[str, str]]]:
        return "listed", [("X-Multi", "a"), ("X-Multi", "b")]

    r = await app.test_client().get("/")
    assert r.status_code == 200
    assert r.headers.getlist("X-Multi") == ["a", "b"]


async def test_body_status_and_headers_tuple(app: Flask) -> None:
    @app.get("/")
    async def view() -> tuple[str, int, dict[str, str]]:
        return "gone", 410, {"X-Why": "removed"}

    r = await app.test_client().get("/")
    assert r.status_code == 410
    assert r.text == "gone"
    assert r.headers["X-Why"] == "removed"


async def test_dict_with_status_and_headers(app: Flask) -> None:
    @app.post("/")
    def view() -> tuple[dict[str, int], int, dict[str, str]]:
        return {"id": 7}, 201, {"Location": "/items/7"}

    r = await app.test_client().post("/")
    assert r.status_code == 201
    assert r.json == {"id": 7}
    assert r.headers["Location"] == "/items/7"


async def test_response_with_status_and_headers_tuple(app: Flask) -> None:
    @app.get("/")
    def view() -> tuple[Response, int, dict[str, str]]:
        return Response("r"), 404, {"X-Extra": "e"}

    r = await app.test_client().get("/")
    assert r.status_code == 404
    assert r.text == "r"
    assert r.headers["X-Extra"] == "e"


async def test_http_exception_instance_is_its_error_page(app: Flask) -> None:
    @app.get("/")
    def view() -> NotFound:
        return NotFound("Nothing here.")

    r = await app.test_client().get("/")
    assert r.status_code == 404
    assert "Nothing here." in r.text


async def test_sync_generator_is_streamed(app: Flask) -> None:
    @app.get("/")
    def view() -> Iterator[str]:
        def generate() -> Iterator[str]:
            yield "one,"
            yield "two,"
            yield "path=" + request.path

        return generate()

    r = await app.test_client().get("/")
    assert r.status_code == 200
    assert r.text == "one,two,path=/"
    assert "Content-Length" not in r.headers


async def test_sync_generator_with_status_and_headers(app: Flask) -> None:
    @app.get("/")
    def view() -> tuple[Iterator[bytes], int, dict[str, str]]:
        return iter([b"a", b"b"]), 206, {"Content-Type": "text/plain"}

    r = await app.test_client().get("/")
    assert r.status_code == 206
    assert r.data == b"ab"
    assert r.mimetype == "text/plain"


async def test_async_generator_is_streamed(app: Flask) -> None:
    @app.get("/")
    async def view() -> AsyncIterator[str]:
        async def generate() -> AsyncIterator[str]:
            for i in range(3):
                await anyio.sleep(0)
                yield f"chunk{i};"
            yield request.args.get("end", "")

        return generate()

    r = await app.test_client().get("/", query_string={"end": "done"})
    assert r.status_code == 200
    assert r.text == "chunk0;chunk1;chunk2;done"
    assert "Content-Length" not in r.headers


async def test_async_generator_chunks_arrive_separately(app: Flask) -> None:
    @app.get("/")
    async def view() -> AsyncIterator[bytes]:
        async def generate() -> AsyncIterator[bytes]:
            yield b"first"
            yield b"second"

        return generate()

    async with app.test_client().stream("GET", "/") as r:
        assert r.status_code == 200
        chunks = [chunk async for chunk in r.iter_bytes()]
    assert chunks == [b"first", b"second"]


# -- invalid return values ---------------------------------------------------------


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        (None, "returned None"),
        (42, "but it was a int"),
        (("a", 200, {}, "extra"), "valid response tuple"),
        (object(), "but it was a object"),
    ],
    ids=["none", "int", "four-tuple", "object"],
)
async def test_invalid_return_is_type_error_naming_the_endpoint(
    app: Flask, returned: Any, message: str
) -> None:
    @app.get("/", endpoint="broken_view")
    def view() -> Any:
        return returned

    with pytest.raises(TypeError, match=message) as info:
        await app.test_client().get("/")
    assert "'broken_view'" in str(info.value)


async def test_invalid_return_from_async_view_names_the_endpoint(app: Flask) -> None:
    @app.get("/")
    async def async_nothing() -> None:
        return None

    with pytest.raises(TypeError, match="'async_nothing'"):
        await app.test_client().get("/")


async def test_invalid_status_type_is_type_error(app: Flask) -> None:
    @app.get("/")
    def bad_status() -> tuple[dict[str, int], float]:
        return {"a": 1}, 200.5

    with pytest.raises(TypeError, match="status") as info:
        await app.test_client().get("/")
    assert "'bad_status'" in str(info.value)


@pytest.mark.parametrize("returned", [None, 42, ("a", 200, {}, "extra")])
async def test_invalid_return_is_500_outside_testing(
    returned: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = Flask("coerce_500")

    @app.get("/")
    def view() -> Any:
        return returned

    r = await app.test_client().get("/")
    assert r.status_code == 500
    assert "Internal Server Error" in r.text
    assert "Traceback" not in r.text
    logged = [str(rec.exc_info[1]) for rec in caplog.records if rec.exc_info]
    assert any("'view'" in text for text in logged)


# -- header injection through return values ------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{"X-Evil": "a\r\nSet-Cookie: admin=1"}, [("X-Evil", "a\nb")], {"X-Evil\r\nInjected": "1"}],
)
async def test_returned_header_with_cr_lf_is_value_error(app: Flask, headers: Any) -> None:
    @app.get("/")
    def view() -> tuple[str, Any]:
        return "body", headers

    with pytest.raises(ValueError):
        await app.test_client().get("/")


async def test_returned_header_with_cr_lf_is_500_and_never_sent() -> None:
    app = Flask("coerce_injection")

    @app.get("/")
    def view() -> tuple[str, int, dict[str, str]]:
        return "body", 200, {"X-Evil": f"{request.args['v']}"}

    r = await app.test_client().get("/", query_string={"v": "a\r\nSet-Cookie: admin=1"})
    assert r.status_code == 500
    assert "Set-Cookie" not in r.headers
    assert "X-Evil" not in r.headers
