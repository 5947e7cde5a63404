from __future__ import annotations

import sys
import types
from datetime import datetime, timezone
from typing import Any

import pytest

from asyncflask import exceptions
from asyncflask.exceptions import (
    Aborter,
    BadRequest,
    BadRequestKeyError,
    ClientDisconnected,
    HTTPException,
    ImATeapot,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
    RequestedRangeNotSatisfiable,
    RequestRedirect,
    RequestURITooLarge,
    RoutingException,
    SecurityError,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    URITooLong,
    WebSocketDisconnect,
    abort,
    default_exceptions,
)


class FakeResponse:
    def __init__(self, body: str | bytes, status: int, headers: list[tuple[str, str]]) -> None:
        self.body = body
        self.status_code = status
        self.headers = headers


@pytest.fixture
def fake_wrappers(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("asyncflask.wrappers")
    module.Response = FakeResponse  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "asyncflask.wrappers", module)


def test_not_found_defaults() -> None:
    error = NotFound()
    assert error.code == 404
    assert error.name == "Not Found"
    assert error.description == NotFound.description
    assert error.response is None


def test_description_override_applies_to_instance_only() -> None:
    error = NotFound("No such article.")
    assert error.description == "No such article."
    assert NotFound().description != "No such article."


def test_str_and_repr() -> None:
    error = NotFound("gone fishing")
    assert str(error) == "404 Not Found: gone fishing"
    assert repr(error) == "<NotFound '404: Not Found'>"


def test_get_body_is_the_documented_page() -> None:
    assert NotFound("desc").get_body() == (
        "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n"
        "<h1>Not Found</h1>\n<p>desc</p>\n"
    )


def test_description_is_html_escaped_in_the_body() -> None:
    body = BadRequest("<script>alert(1)</script>").get_body()
    assert "<script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_newlines_in_description_become_br() -> None:
    assert NotFound("a\nb").get_description() == "<p>a<br>b</p>"


def test_get_headers_default_content_type() -> None:
    assert NotFound().get_headers() == [("Content-Type", "text/html; charset=utf-8")]


@pytest.mark.usefixtures("fake_wrappers")
def test_get_response_builds_response_from_code_body_headers() -> None:
    response: Any = MethodNotAllowed(["POST", "GET"]).get_response()
    assert isinstance(response, FakeResponse)
    assert response.status_code == 405
    assert response.body == MethodNotAllowed().get_body()
    assert ("Allow", "GET, POST") in response.headers


def test_get_response_returns_given_response() -> None:
    given: Any = FakeResponse("custom", 418, [])
    assert NotFound(response=given).get_response() is given


def test_method_not_allowed_allow_header_sorted() -> None:
    error = MethodNotAllowed(valid_methods={"POST", "GET", "DELETE"})
    assert error.valid_methods == ["DELETE", "GET", "POST"]
    assert ("Allow", "DELETE, GET, POST") in error.get_headers()


def test_method_not_allowed_without_methods_has_no_allow_header() -> None:
    error = MethodNotAllowed()
    assert error.valid_methods is None
    assert all(name != "Allow" for name, _ in error.get_headers())


def test_method_not_allowed_takes_description() -> None:
    assert MethodNotAllowed(["GET"], "Use GET.").description == "Use GET."


def test_unauthorized_www_authenticate() -> None:
    one = Unauthorized(www_authenticate='Basic realm="Login"')
    assert ("WWW-Authenticate", 'Basic realm="Login"') in one.get_headers()
    two = Unauthorized(www_authenticate=["Basic", "Bearer"])
    assert [v for k, v in two.get_headers() if k == "WWW-Authenticate"] == ["Basic", "Bearer"]
    assert all(k != "WWW-Authenticate" for k, _ in Unauthorized().get_headers())


def test_unauthorized_challenge_with_newline_is_rejected() -> None:
    with pytest.raises(ValueError, match="header injection"):
        Unauthorized(www_authenticate="Basic\r\nSet-Cookie: x=1")


def test_range_not_satisfiable_content_range() -> None:
    assert ("Content-Range", "bytes */1000") in RequestedRangeNotSatisfiable(1000).get_headers()
    headers = RequestedRangeNotSatisfiable().get_headers()
    assert all(k != "Content-Range" for k, _ in headers)


def test_retry_after_seconds_and_date() -> None:
    assert ("Retry-After", "30") in TooManyRequests(retry_after=30).get_headers()
    when = datetime(2024, 5, 17, 12, 30, tzinfo=timezone.utc)
    headers = ServiceUnavailable(retry_after=when).get_headers()
    assert ("Retry-After", "Fri, 17 May 2024 12:30:00 GMT") in headers


def test_internal_server_error_keeps_original_exception() -> None:
    cause = RuntimeError("boom")
    assert InternalServerError(original_exception=cause).original_exception is cause
    assert InternalServerError().original_exception is None


def test_bad_request_key_error_is_a_key_error_naming_the_key() -> None:
    error = BadRequestKeyError("username")
    assert isinstance(error, KeyError)
    assert isinstance(error, BadRequest)
    assert error.code == 400
    assert error.key == "username"
    assert error.args == ("username",)
    assert "'username'" in (error.description or "")
    assert str(error).startswith("400 Bad Request: ")
    with pytest.raises(KeyError):
        raise error


def test_bad_request_subclasses() -> None:
    assert SecurityError().code == 400
    assert ClientDisconnected().code == 400
    assert issubclass(ClientDisconnected, BadRequest)


def test_uri_too_long_alias() -> None:
    assert URITooLong is RequestURITooLarge
    assert URITooLong().code == 414


def test_teapot_phrase() -> None:
    assert ImATeapot().name == "I'm a teapot"


def test_default_exceptions_maps_codes_to_classes() -> None:
    assert default_exceptions[400] is BadRequest
    assert default_exceptions[404] is NotFound
    assert default_exceptions[405] is MethodNotAllowed
    assert default_exceptions[500] is InternalServerError
    assert 308 not in default_exceptions
    for code, cls in default_exceptions.items():
        assert cls.code == code
        assert cls().name != "Unknown Error"


def test_every_exported_name_exists() -> None:
    for name in exceptions.__all__:
        assert hasattr(exceptions, name), name
    assert exceptions.__all__ == sorted(exceptions.__all__)


def test_request_redirect() -> None:
    redirect = RequestRedirect("http://localhost/users/")
    assert isinstance(redirect, RoutingException)
    assert isinstance(redirect, HTTPException)
    assert redirect.code == 308
    assert redirect.new_url == "http://localhost/users/"
    assert ("Location", "http://localhost/users/") in redirect.get_headers()
    assert 'href="http://localhost/users/"' in redirect.get_body()


def test_request_redirect_escapes_url_in_body() -> None:
    body = RequestRedirect('/x?a="><script>').get_body()
    assert "<script>" not in body


def test_request_redirect_percent_encodes_non_ascii_location() -> None:
    headers = dict(RequestRedirect("/caf\u00e9/?q=a b").get_headers())
    assert headers["Location"] == "/caf%C3%A9/?q=a%20b"


@pytest.mark.parametrize("bad", ["\r", "\n", "\0"])
def test_request_redirect_with_control_character_is_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        RequestRedirect(f"/next{bad}Set-Cookie: a=b")


def test_abort_raises_matching_class() -> None:
    with pytest.raises(NotFound) as info:
        abort(404)
    assert info.value.description == NotFound.description


def test_abort_passes_arguments() -> None:
    with pytest.raises(NotFound, match="No such user"):
        abort(404, "No such user.")
    with pytest.raises(MethodNotAllowed) as info:
        abort(405, valid_methods=["GET"])
    assert info.value.valid_methods == ["GET"]


def test_abort_unknown_code_is_lookup_error() -> None:
    with pytest.raises(LookupError, match="no exception for status code 299"):
        abort(299)


def test_abort_with_response_raises_http_exception_carrying_it() -> None:
    response: Any = FakeResponse("teapot", 418, [])
    with pytest.raises(HTTPException) as info:
        abort(response)
    assert info.value.response is response
    assert info.value.code == 418
    assert info.value.get_response() is response


def test_abort_with_other_object_is_type_error() -> None:
    with pytest.raises(TypeError, match="status code or a Response"):
        abort("404")  # type: ignore[arg-type]


def test_aborter_extra_codes() -> None:
    class Custom(HTTPException):
        code = 499
        description = "custom"

    aborter = Aborter(extra={499: Custom})
    with pytest.raises(Custom):
        aborter(499)
    with pytest.raises(NotFound):
        aborter(404)


def test_unknown_code_name() -> None:
    class Odd(HTTPException):
        code = 499

    assert Odd().name == "Unknown Error"
    assert HTTPException().name == "Unknown Error"
    assert str(HTTPException("x")) == "??? Unknown Error: x"


def test_websocket_disconnect() -> None:
    default = WebSocketDisconnect()
    assert default.code == 1000
    assert default.reason == ""
    error = WebSocketDisconnect(1008, "policy")
    assert (error.code, error.reason) == (1008, "policy")
    assert "1008" in str(error)
    assert "policy" in str(error)


def test_get_response_with_the_real_response_class() -> None:
    from asyncflask.wrappers import Response

    response = MethodNotAllowed(["GET"], "Use GET.").get_response()
    assert isinstance(response, Response)
    assert response.status_code == 405
    assert response.status == "405 METHOD NOT ALLOWED"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Allow"] == "GET"
    assert response.get_data(as_text=True) == MethodNotAllowed(["GET"], "Use GET.").get_body()


def test_request_redirect_real_response_has_location() -> None:
    response = RequestRedirect("/users/").get_response()
    assert response.status_code == 308
    assert response.headers["Location"] == "/users/"


def test_abort_with_a_real_response() -> None:
    from asyncflask.wrappers import Response

    given = Response("nope", 403)
    with pytest.raises(HTTPException) as info:
        abort(given)
    assert info.value.code == 403
    assert info.value.get_response() is given


def test_star_import_does_not_shadow_builtin_not_implemented() -> None:
    assert "NotImplemented" not in exceptions.__all__
    assert exceptions.NotImplemented().code == 501
    assert default_exceptions[501] is exceptions.NotImplemented


def test_abort_uses_the_app_aborter() -> None:
    from asyncflask import Flask, abort
    from asyncflask.exceptions import Aborter, HTTPException

    class Unavailable(HTTPException):
        code = 599
        description = "Custom."

    class MyAborter(Aborter):
        pass

    class MyFlask(Flask):
        aborter_class = MyAborter

    app = MyFlask("aborter_app")
    assert isinstance(app.aborter, MyAborter)
    app.aborter.mapping[599] = Unavailable
    with app.app_context(), pytest.raises(Unavailable):
        abort(599)
    with pytest.raises(LookupError):
        abort(599)


def test_url_for_accepts_a_self_argument() -> None:
    from asyncflask import Flask

    app = Flask("url_self", static_folder=None)
    app.add_url_rule("/<self>", endpoint="show")
    with app.test_request_context():
        assert app.url_for("show", self="me") == "/me"
