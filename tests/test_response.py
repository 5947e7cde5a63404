from __future__ import annotations

from datetime import timedelta

import pytest

from asyncflask import Flask, Response, make_response, redirect
from asyncflask.datastructures import Headers

# -- constructor -------------------------------------------------------------------


def test_default_response_is_empty_html_200() -> None:
    response = Response()
    assert response.status_code == 200
    assert response.status == "200 OK"
    assert response.data == b""
    assert response.mimetype == "text/html"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"


def test_str_body_is_utf8_encoded() -> None:
    response = Response("héllo")
    assert response.data == "héllo".encode()
    assert response.get_data(as_text=True) == "héllo"
    assert response.content_length == len("héllo".encode())


def test_bytes_body_is_kept_as_is() -> None:
    response = Response(b"\x00\xffraw")
    assert response.data == b"\x00\xffraw"


@pytest.mark.parametrize(
    ("status", "code", "text"),
    [
        (404, 404, "404 NOT FOUND"),
        ("404", 404, "404 NOT FOUND"),
        ("201 CREATED", 201, "201 CREATED"),
        ("299 custom thing", 299, "299 CUSTOM THING"),
        (418, 418, "418 I'M A TEAPOT"),
    ],
)
def test_status_accepts_int_and_str(status: int | str, code: int, text: str) -> None:
    response = Response("x", status=status)
    assert response.status_code == code
    assert response.status == text


def test_setting_status_code_updates_status_text() -> None:
    response = Response("x", status="299 CUSTOM")
    response.status_code = 404
    assert response.status == "404 NOT FOUND"
    response.status = 500
    assert response.status == "500 INTERNAL SERVER ERROR"


@pytest.mark.parametrize("status", ["abc", "", "OK 200"])
def test_status_without_a_number_is_value_error(status: str) -> None:
    with pytest.raises(ValueError, match="numeric code"):
        Response("x", status=status)


@pytest.mark.parametrize("status", [99, 1000, -1])
def test_status_code_out_of_range_is_value_error(status: int) -> None:
    with pytest.raises(ValueError, match="between 100 and 999"):
        Response("x", status=status)


@pytest.mark.parametrize("status", [200.0, True, b"200"])
def test_status_of_wrong_type_is_type_error(status: object) -> None:
    response = Response()
    with pytest.raises(TypeError):
        response.status = status  # type: ignore[assignment]


def test_headers_from_dict() -> None:
    response = Response("x", headers={"X-One": "1", "X-Two": "2"})
    assert response.headers["X-One"] == "1"
    assert response.headers["x-two"] == "2"
    assert response.mimetype == "text/html"


def test_headers_from_list_keep_repeated_names() -> None:
    response = Response("x", headers=[("X-Multi", "a"), ("X-Multi", "b")])
    assert response.headers.getlist("X-Multi") == ["a", "b"]
    assert response.headers.getlist("x-multi") == ["a", "b"]


def test_headers_object_is_used() -> None:
    headers = Headers([("X-A", "1")])
    response = Response("x", headers=headers)
    assert response.headers["X-A"] == "1"


def test_content_type_in_headers_is_not_overridden() -> None:
    response = Response("x", headers={"Content-Type": "application/xml"})
    assert response.headers["Content-Type"] == "application/xml"
    assert response.mimetype == "application/xml"


def test_mimetype_adds_charset_for_text_types() -> None:
    assert Response("x", mimetype="text/plain").content_type == "text/plain; charset=utf-8"
    assert Response("x", mimetype="application/xml").content_type == (
        "application/xml; charset=utf-8"
    )
    assert Response("x", mimetype="image/svg+xml").content_type == "image/svg+xml; charset=utf-8"


def test_mimetype_without_charset_for_binary_types() -> None:
    response = Response(b"x", mimetype="application/octet-stream")
    assert response.content_type == "application/octet-stream"
    assert response.mimetype == "application/octet-stream"
    assert response.mimetype_params == {}


def test_content_type_is_used_verbatim() -> None:
    response = Response("x", content_type="text/csv; charset=latin-1")
    assert response.headers["Content-Type"] == "text/csv; charset=latin-1"
    assert response.mimetype == "text/csv"
    assert response.mimetype_params == {"charset": "latin-1"}


def test_mimetype_setter_rewrites_content_type() -> None:
    response = Response("x")
    response.mimetype = "text/plain"
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers.getlist("Content-Type") == ["text/plain; charset=utf-8"]


# -- body --------------------------------------------------------------------------


def test_set_data_replaces_body_and_content_length() -> None:
    response = Response("old")
    response.content_length = 3
    response.set_data("newer")
    assert response.data == b"newer"
    assert response.headers["Content-Length"] == "5"


def test_data_property_assignment() -> None:
    response = Response()
    response.data = b"assigned"
    assert response.get_data() == b"assigned"
    response.data = "text"  # type: ignore[assignment]
    assert response.get_data(as_text=True) == "text"


def test_sync_iterable_body_is_streamed_and_readable() -> None:
    response = Response(iter(["a", b"b", "c"]))
    assert response.is_streamed
    assert response.content_length is None
    assert response.get_data() == b"abc"
    assert not response.is_streamed


def test_async_iterable_body_cannot_be_read_synchronously() -> None:
    async def gen():  # type: ignore[no-untyped-def]
        yield "x"

    response = Response(gen())
    assert response.is_streamed
    with pytest.raises(RuntimeError, match="async for"):
        response.get_data()


def test_json_property_parses_json_bodies() -> None:
    response = Response('{"a": [1, 2]}', mimetype="application/json")
    assert response.is_json
    assert response.json == {"a": [1, 2]}
    assert response.get_json() == {"a": [1, 2]}


def test_json_property_is_none_for_other_mimetypes() -> None:
    response = Response('{"a": 1}', mimetype="text/plain")
    assert not response.is_json
    assert response.json is None
    assert response.get_json(force=True) == {"a": 1}


def test_json_problem_mimetype_counts_as_json() -> None:
    response = Response('{"a": 1}', mimetype="application/problem+json")
    assert response.is_json
    assert response.json == {"a": 1}


def test_get_json_silent_on_malformed_body() -> None:
    response = Response("{nope", mimetype="application/json")
    assert response.get_json(silent=True) is None
    with pytest.raises(ValueError):
        response.get_json()


def test_call_on_close_runs_once_on_close() -> None:
    calls: list[str] = []
    response = Response("x")
    response.call_on_close(lambda: calls.append("closed"))
    response.close()
    response.close()
    assert calls == ["closed"]


# -- cookies -----------------------------------------------------------------------


def test_set_cookie_default_header_text() -> None:
    response = Response()
    response.set_cookie("name", "value")
    assert response.headers["Set-Cookie"] == "name=value; Path=/"


def test_set_cookie_with_every_attribute() -> None:
    response = Response()
    response.set_cookie(
        "sid",
        "abc",
        max_age=timedelta(hours=1),
        path="/app",
        domain="example.com",
        secure=True,
        httponly=True,
        samesite="lax",
    )
    header = response.headers["Set-Cookie"]
    parts = header.split("; ")
    assert parts[0] == "sid=abc"
    assert "Domain=example.com" in parts
    assert "Max-Age=3600" in parts
    assert any(part.startswith("Expires=") and part.endswith(" GMT") for part in parts)
    assert "Secure" in parts
    assert "HttpOnly" in parts
    assert "Path=/app" in parts
    assert "SameSite=Lax" in parts


def test_set_cookie_twice_sends_two_headers() -> None:
    response = Response()
    response.set_cookie("a", "1")
    response.set_cookie("b", "2")
    assert response.headers.getlist("Set-Cookie") == ["a=1; Path=/", "b=2; Path=/"]


def test_delete_cookie_expires_it_in_the_past() -> None:
    response = Response()
    response.delete_cookie("sid", path="/app")
    header = response.headers["Set-Cookie"]
    assert header.startswith("sid=; ")
    assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in header
    assert "Max-Age=0" in header
    assert "Path=/app" in header


def test_cookie_value_with_semicolon_is_quoted() -> None:
    response = Response()
    response.set_cookie("k", "a;b")
    header = response.headers["Set-Cookie"]
    assert header.startswith('k="a\\073b"')


@pytest.mark.parametrize("value", ["a\r\nSet-Cookie: evil=1", "a\nb", "a\x00b"])
def test_cookie_value_with_control_characters_is_value_error(value: str) -> None:
    response = Response()
    with pytest.raises(ValueError):
        response.set_cookie("k", value)


# -- header injection --------------------------------------------------------------


@pytest.mark.parametrize("bad", ["a\rb", "a\nb", "a\r\nX-Injected: 1", "a\x00b"])
def test_header_value_with_cr_lf_or_nul_is_value_error(bad: str) -> None:
    response = Response()
    with pytest.raises(ValueError):
        response.headers["X-Test"] = bad
    with pytest.raises(ValueError):
        response.headers.add("X-Test", bad)
    assert "X-Test" not in response.headers


@pytest.mark.parametrize("bad", ["a\rb", "a\nb", "a\x00b"])
def test_constructor_header_value_with_cr_lf_or_nul_is_value_error(bad: str) -> None:
    with pytest.raises(ValueError):
        Response("x", headers={"X-Test": bad})
    with pytest.raises(ValueError):
        Response("x", headers=[("X-Test", bad)])


@pytest.mark.parametrize("bad", ["X\r\nInjected", "X\nY", "X\x00Y"])
def test_header_name_with_cr_lf_or_nul_is_value_error(bad: str) -> None:
    response = Response()
    with pytest.raises(ValueError):
        response.headers[bad] = "value"


@pytest.mark.parametrize("bad", ["text/html\r\nX-Injected: 1", "text/plain\x00"])
def test_mimetype_with_control_characters_is_value_error(bad: str) -> None:
    with pytest.raises(ValueError):
        Response("x", mimetype=bad)


def test_content_type_with_newline_is_value_error() -> None:
    with pytest.raises(ValueError):
        Response("x", content_type="text/html\r\nX-Injected: 1")


def test_status_with_newline_is_value_error() -> None:
    with pytest.raises(ValueError):
        Response("x", status="200 OK\r\nX-Injected: 1")


@pytest.mark.parametrize("location", ["/next\r\nX-Injected: 1", "/a\nb", "/a\x00b"])
def test_redirect_location_with_control_characters_is_value_error(location: str) -> None:
    with pytest.raises(ValueError):
        redirect(location)


def test_make_response_header_with_newline_is_value_error() -> None:
    app = Flask(__name__)
    with app.app_context(), pytest.raises(ValueError):
        make_response("body", 200, {"X-Test": "a\r\nX-Injected: 1"})


def test_location_setter_with_newline_is_value_error() -> None:
    response = Response()
    with pytest.raises(ValueError):
        response.location = "/a\r\nX-Injected: 1"


def test_asgi_headers_include_content_length_for_fixed_body() -> None:
    response = Response("hello", headers={"X-A": "1"})
    raw = dict(response.asgi_headers())
    assert raw[b"content-length"] == b"5"
    assert raw[b"x-a"] == b"1"
    assert raw[b"content-type"] == b"text/html; charset=utf-8"


def test_asgi_headers_have_no_content_length_for_streams() -> None:
    response = Response(iter(["a"]))
    names = [name for name, _ in response.asgi_headers()]
    assert b"content-length" not in names


def test_vary_is_a_live_header_set() -> None:
    from asyncflask import Response

    response = Response()
    assert len(response.vary) == 0
    response.vary.update(("Accept-Encoding", "Accept-Language"))
    response.vary.add("accept-encoding")  # already there, in another case
    assert response.headers.getlist("Vary") == ["Accept-Encoding, Accept-Language"]
    assert "accept-language" in response.vary
    response.vary.discard("ACCEPT-ENCODING")
    assert response.headers["Vary"] == "Accept-Language"
    response.vary = ["Cookie", "Origin"]
    assert response.headers["Vary"] == "Cookie, Origin"
    response.vary.clear()
    assert "Vary" not in response.headers


def test_cache_control_reads_and_writes_the_header() -> None:
    from asyncflask import Response

    response = Response()
    assert response.cache_control.max_age is None
    response.headers["Cache-Control"] = 'public, max-age=3600, no-cache="Set-Cookie"'
    cc = response.cache_control
    assert (cc.max_age, cc.public, cc.no_cache, cc.no_store) == (3600, True, True, False)
    cc.max_age = 60
    cc.no_store = True
    cc.public = False
    assert response.headers["Cache-Control"] == 'max-age=60, no-cache="Set-Cookie", no-store'
    response.headers["Cache-Control"] = "max-age=soon"
    assert response.cache_control.max_age is None  # hostile values never raise


def test_max_cookie_size_follows_the_app_and_warns() -> None:
    import warnings

    from asyncflask import Flask, Response

    app = Flask("cookies")
    assert Response().max_cookie_size == 4093
    app.config["MAX_COOKIE_SIZE"] = 100
    with app.app_context():
        response = Response()
        assert response.max_cookie_size == 100
        with pytest.warns(UserWarning, match="cookie is too large"):
            response.set_cookie("big", "x" * 200)
        assert len(response.headers.getlist("Set-Cookie")) == 1  # still sent
        app.config["MAX_COOKIE_SIZE"] = 0
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            response.set_cookie("big", "x" * 5000)
