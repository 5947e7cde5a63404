from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone

import pytest

from asyncflask import http
from asyncflask.datastructures import (
    Accept,
    CharsetAccept,
    ImmutableMultiDict,
    LanguageAccept,
    MIMEAccept,
)
from asyncflask.http import (
    HTTP_STATUS_CODES,
    dump_cookie,
    dump_options_header,
    http_date,
    parse_accept_header,
    parse_cookie,
    parse_date,
    parse_dict_header,
    parse_list_header,
    parse_options_header,
    parse_set_cookie,
    quote_header_value,
    status_phrase,
    unquote_header_value,
)


def test_all_is_sorted_and_complete() -> None:
    assert http.__all__ == sorted(http.__all__)
    for name in http.__all__:
        assert hasattr(http, name)


# ---- Status codes and dates ---------------------------------------------------------------


def test_status_phrases() -> None:
    assert HTTP_STATUS_CODES[200] == "OK"
    assert HTTP_STATUS_CODES[404] == "Not Found"
    assert HTTP_STATUS_CODES[418] == "I'm a teapot"
    assert HTTP_STATUS_CODES[413] == "Content Too Large"
    assert status_phrase(405) == "Method Not Allowed"
    assert status_phrase(599) == "UNKNOWN"
    assert all(100 <= code < 600 for code in HTTP_STATUS_CODES)


def test_http_date_forms() -> None:
    expected = "Fri, 17 May 2024 12:30:00 GMT"
    assert http_date(datetime(2024, 5, 17, 12, 30)) == expected
    assert http_date(datetime(2024, 5, 17, 12, 30, tzinfo=timezone.utc)) == expected
    plus_two = timezone(timedelta(hours=2))
    assert http_date(datetime(2024, 5, 17, 14, 30, tzinfo=plus_two)) == expected
    assert http_date(date(2024, 5, 17)) == "Fri, 17 May 2024 00:00:00 GMT"
    assert http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT"
    assert http_date(1715949000.0) == expected
    assert http_date().endswith(" GMT")


@pytest.mark.parametrize(
    "value",
    [
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
    ],
)
def test_parse_date_accepts_the_three_http_formats(value: str) -> None:
    assert parse_date(value) == datetime(1994, 11, 6, 8, 49, 37, tzinfo=timezone.utc)


def test_parse_date_converts_offsets_to_utc() -> None:
    parsed = parse_date("Sun, 06 Nov 1994 10:49:37 +0200")
    assert parsed == datetime(1994, 11, 6, 8, 49, 37, tzinfo=timezone.utc)
    assert parsed is not None
    assert parsed.tzinfo is timezone.utc


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "garbage",
        "Sun, 06 Nov 99999 08:49:37 GMT",
        "Sun, 06 Nov 1994 25:49:37 GMT",
        "Sun, 32 Nov 1994 08:49:37 GMT",
        "x" * 100_000,
        "\x00\x01",
    ],
)
def test_parse_date_garbage_is_none(value: str | None) -> None:
    assert parse_date(value) is None


def test_http_date_round_trip() -> None:
    when = datetime(2024, 5, 17, 12, 30, tzinfo=timezone.utc)
    assert parse_date(http_date(when)) == when


# ---- Header values and options ------------------------------------------------------------


def test_quote_header_value() -> None:
    assert quote_header_value("token") == "token"
    assert quote_header_value(5) == "5"
    assert quote_header_value("a b") == '"a b"'
    assert quote_header_value('a"b\\c') == '"a\\"b\\\\c"'
    assert quote_header_value("") == '""'
    assert quote_header_value("token", allow_token=False) == '"token"'


def test_unquote_header_value() -> None:
    assert unquote_header_value('"a b"') == "a b"
    assert unquote_header_value('"a\\"b\\\\c"') == 'a"b\\c'
    assert unquote_header_value("plain") == "plain"
    assert unquote_header_value('"') == '"'


def test_parse_options_header_basic() -> None:
    assert parse_options_header("text/html; charset=UTF-8") == ("text/html", {"charset": "UTF-8"})
    assert parse_options_header("Text/HTML;Charset=utf-8") == ("text/html", {"charset": "utf-8"})
    assert parse_options_header("text/plain") == ("text/plain", {})
    assert parse_options_header(None) == ("", {})
    assert parse_options_header("") == ("", {})


def test_parse_options_header_quoted_values() -> None:
    value = 'form-data; name="field"; filename="a \\"b\\"; c.txt"'
    assert parse_options_header(value) == (
        "form-data",
        {"name": "field", "filename": 'a "b"; c.txt'},
    )
    assert parse_options_header('x; a = "1" ; b=2') == ("x", {"a": "1", "b": "2"})


def test_parse_options_header_rfc2231() -> None:
    value = "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"
    assert parse_options_header(value) == ("attachment", {"filename": "r\u00e9sum\u00e9.pdf"})
    latin = "attachment; filename*=iso-8859-1'en'caf%E9.txt"
    assert parse_options_header(latin)[1]["filename"] == "caf\u00e9.txt"


def test_parse_options_header_extended_parameter_wins() -> None:
    first = "attachment; filename*=UTF-8''good.txt; filename=bad.txt"
    second = "attachment; filename=bad.txt; filename*=UTF-8''good.txt"
    assert parse_options_header(first)[1] == {"filename": "good.txt"}
    assert parse_options_header(second)[1] == {"filename": "good.txt"}


def test_parse_options_header_unknown_charset_decodes_as_utf8() -> None:
    value = "attachment; filename*=x-unknown''%C3%A9"
    assert parse_options_header(value)[1] == {"filename": "\u00e9"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("text/html; =x; charset=utf-8", {"charset": "utf-8"}),
        ("text/html; charset", {}),
        ("text/html;;;; charset=utf-8;", {"charset": "utf-8"}),
        ('text/html; a="unterminated', {"a": "unterminated"}),
        ('text/html; a="trailing\\', {"a": "trailing"}),
        ("text/html; a=", {"a": ""}),
        ('text/html; a="x" junk; b=2', {"a": "x", "b": "2"}),
        ("text/html; *=1", {"*": "1"}),
    ],
)
def test_parse_options_header_malformed_is_lenient(value: str, expected: dict[str, str]) -> None:
    assert parse_options_header(value) == ("text/html", expected)


@pytest.mark.parametrize(
    "hostile",
    [
        "a/b" + ";" * 100_000,
        "a/b; x=" + '"' * 100_000,
        'a/b; x="' + "\\" * 100_000,
        'a/b; x="' + "a;" * 50_000,
        "a/b" + "; k=v" * 20_000,
        "a/b" + ' ; k = "v\\"' * 10_000,
        "a/b; " + "=" * 100_000,
        "a/b; " + " " * 100_000 + "k",
        "a/b; k*=" + "'" * 100_000,
        "a/b; k*=utf-8''" + "%" * 100_000,
    ],
)
def test_parse_options_header_hostile_100kb_is_fast(hostile: str) -> None:
    start = time.perf_counter()
    main, _ = parse_options_header(hostile)
    assert main == "a/b"
    assert time.perf_counter() - start < 0.5


def test_dump_options_header() -> None:
    assert dump_options_header("text/html", {"charset": "utf-8"}) == "text/html; charset=utf-8"
    assert dump_options_header("a", {"f": "x y", "flag": None}) == 'a; f="x y"; flag'
    assert dump_options_header(None, {"a": 1}) == "a=1"
    assert dump_options_header("a", {"f": "\u00e9"}) == "a; f*=UTF-8''%C3%A9"


def test_dump_then_parse_options_header_round_trips() -> None:
    options = {"name": 'we"ird; name', "filename": "r\u00e9sum\u00e9 1.pdf"}
    assert parse_options_header(dump_options_header("form-data", options)) == (
        "form-data",
        options,
    )


def test_parse_list_header() -> None:
    assert parse_list_header("a, b ,c") == ["a", "b", "c"]
    assert parse_list_header('token, "quoted, value", x') == ["token", "quoted, value", "x"]
    assert parse_list_header('"esc \\"q\\""') == ['esc "q"']
    assert parse_list_header(",, a ,,") == ["a"]
    assert parse_list_header(None) == []
    assert parse_list_header('"unterminated, x') == ['"unterminated, x']


def test_parse_dict_header() -> None:
    assert parse_dict_header('no-cache, max-age=60, private="x,y"') == {
        "no-cache": None,
        "max-age": "60",
        "private": "x,y",
    }
    assert parse_dict_header("title*=UTF-8''%C3%A9") == {"title": "\u00e9"}
    assert parse_dict_header("=x, a=1") == {"a": "1"}
    assert parse_dict_header(None) == {}


@pytest.mark.parametrize(
    "hostile", ["a," * 50_000, '"' * 100_000, '"\\' * 50_000, "a=" * 50_000, "," * 100_000]
)
def test_list_and_dict_headers_hostile_input_is_fast(hostile: str) -> None:
    start = time.perf_counter()
    parse_list_header(hostile)
    parse_dict_header(hostile)
    assert time.perf_counter() - start < 0.5


# ---- Accept headers --------------------------------------------------------------------------


def test_parse_accept_header_browser() -> None:
    value = "text/html,application/xhtml+xml,application/xml;q=0.9,image/webp,*/*;q=0.8"
    accept = parse_accept_header(value, MIMEAccept)
    assert isinstance(accept, MIMEAccept)
    assert accept.best == "text/html"
    assert accept["application/xml"] == 0.9
    assert accept["application/json"] == 0.8
    assert accept.best_match(["application/json", "text/html"]) == "text/html"
    assert accept.accept_html


def test_parse_accept_header_default_class_and_parameters() -> None:
    accept = parse_accept_header("gzip;q=1.0, identity; q=0.5, *;q=0")
    assert type(accept) is Accept
    assert list(accept) == [("gzip", 1.0), ("identity", 0.5), ("*", 0.0)]
    assert "br" not in accept
    mime = parse_accept_header("text/html;level=1;q=0.5, text/html", MIMEAccept)
    assert list(mime) == [("text/html", 1.0), ("text/html;level=1", 0.5)]


def test_parse_accept_header_subclasses() -> None:
    language = parse_accept_header("en-US,en;q=0.9", LanguageAccept)
    assert isinstance(language, LanguageAccept)
    assert language["en-GB"] == 0.9
    charset = parse_accept_header("utf-8, iso-8859-1;q=0.5", CharsetAccept)
    assert charset["latin1"] == 0.5


def test_parse_accept_header_missing_accepts_everything() -> None:
    for value in (None, ""):
        accept = parse_accept_header(value, MIMEAccept)
        assert isinstance(accept, MIMEAccept)
        assert accept.best_match(["application/json", "text/html"]) == "application/json"
        assert accept["image/png"] == 1


@pytest.mark.parametrize(
    "value",
    [
        "text/html;q=2",
        "text/html;q=-1",
        "text/html;q=nan",
        "text/html;q=inf",
        "text/html;q=abc",
        "text/html;q=1e0",
        "text/html;q=",
        ";q=0.5",
        "",
    ],
)
def test_parse_accept_header_malformed_entries_are_skipped(value: str) -> None:
    accept = parse_accept_header(value + ", application/json;q=0.5", MIMEAccept)
    assert list(accept) == [("application/json", 0.5)]


def test_parse_accept_header_10k_parts_is_fast() -> None:
    value = ",".join(f"type{i}/sub{i};q=0.{i % 10}" for i in range(10_000))
    start = time.perf_counter()
    accept = parse_accept_header(value, MIMEAccept)
    accept.best_match(["application/json", "text/html"])
    accept.quality("text/plain")
    assert time.perf_counter() - start < 0.5
    assert len(accept) <= http.MAX_ACCEPT_ENTRIES


@pytest.mark.parametrize(
    "hostile", ["," * 100_000, "a;" * 50_000, '"' * 100_000, "*/*;q=" + "0" * 100_000]
)
def test_parse_accept_header_hostile_never_raises(hostile: str) -> None:
    start = time.perf_counter()
    accept = parse_accept_header(hostile, MIMEAccept)
    accept.best_match(["text/html"])
    assert time.perf_counter() - start < 0.5


# ---- Cookies --------------------------------------------------------------------------------


def test_parse_cookie_basic() -> None:
    cookies = parse_cookie("a=1; b=two words ; c=")
    assert isinstance(cookies, ImmutableMultiDict)
    assert cookies.to_dict() == {"a": "1", "b": "two words", "c": ""}


def test_parse_cookie_keeps_every_value_first_wins() -> None:
    cookies = parse_cookie("id=specific; id=general")
    assert cookies["id"] == "specific"
    assert cookies.getlist("id") == ["specific", "general"]


def test_parse_cookie_unquotes_with_octal_escapes() -> None:
    cookies = parse_cookie('a="x\\073y\\054z"; b="say \\"hi\\""; c="\\\\"')
    assert cookies["a"] == "x;y,z"
    assert cookies["b"] == 'say "hi"'
    assert cookies["c"] == "\\"


def test_parse_cookie_decodes_utf8_from_latin1_header() -> None:
    raw = "name=caf\u00e9".encode().decode("latin-1")
    assert parse_cookie(raw)["name"] == "caf\u00e9"
    assert parse_cookie("name=caf\u00e9")["name"] == "caf\u00e9"
    assert parse_cookie("snow=\u2603")["snow"] == "\u2603"


def test_parse_cookie_drops_nameless_cookie_prefix_bypass() -> None:
    cookies = parse_cookie("=__Host-session=attacker; real=1")
    assert "__Host-session" not in cookies
    assert "" not in cookies
    assert cookies.to_dict() == {"real": "1"}
    assert parse_cookie(" =x; =; valueonly").to_dict() == {}


@pytest.mark.parametrize(
    "header", [None, "", ";;;", "===", "a", '"', 'a="', 'a="\\', "a=\\377\\", "\x00=\x00"]
)
def test_parse_cookie_malformed_never_raises(header: str | None) -> None:
    parse_cookie(header)


def test_parse_cookie_large_header_is_fast() -> None:
    header = "; ".join(f"c{i}=v{i}" for i in range(20_000))
    start = time.perf_counter()
    cookies = parse_cookie(header)
    assert len(cookies) == 20_000
    assert time.perf_counter() - start < 0.5


def test_dump_cookie_defaults() -> None:
    assert dump_cookie("sid", "abc") == "sid=abc; Path=/"
    assert dump_cookie("sid") == "sid=; Path=/"
    assert dump_cookie("sid", "x", path=None) == "sid=x"


def test_dump_cookie_all_attributes_in_order() -> None:
    header = dump_cookie(
        "sid",
        "abc",
        max_age=60,
        expires=datetime(2024, 5, 17, 12, 30, tzinfo=timezone.utc),
        path="/app",
        domain="example.com",
        secure=True,
        httponly=True,
        samesite="lax",
    )
    assert header == (
        "sid=abc; Domain=example.com; Expires=Fri, 17 May 2024 12:30:00 GMT; Max-Age=60;"
        " Secure; HttpOnly; Path=/app; SameSite=Lax"
    )


def test_dump_cookie_max_age_sets_expires() -> None:
    _, _, attrs = parse_set_cookie(dump_cookie("a", max_age=timedelta(hours=1)))
    assert attrs["max-age"] == "3600"
    expires = parse_date(attrs["expires"])
    assert expires is not None
    remaining = (expires - datetime.now(timezone.utc)).total_seconds()
    assert 3590 < remaining <= 3601


def test_dump_cookie_expires_forms() -> None:
    assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in dump_cookie("a", expires=0)
    assert "Expires=Fri, 17 May 2024 00:00:00 GMT" in dump_cookie("a", expires=date(2024, 5, 17))
    assert "Expires=soon" in dump_cookie("a", expires="soon")


@pytest.mark.parametrize(
    ("given", "sent"), [("strict", "Strict"), ("LAX", "Lax"), ("None", "None")]
)
def test_dump_cookie_samesite_case_insensitive(given: str, sent: str) -> None:
    assert f"SameSite={sent}" in dump_cookie("a", samesite=given)


def test_dump_cookie_invalid_samesite_is_value_error() -> None:
    with pytest.raises(ValueError, match="SameSite"):
        dump_cookie("a", samesite="sometimes")


def test_dump_cookie_partitioned_implies_secure() -> None:
    header = dump_cookie("a", "b", partitioned=True)
    assert "; Secure" in header
    assert header.endswith("; Partitioned")


def test_dump_cookie_quotes_values_outside_cookie_octets() -> None:
    header = dump_cookie("a", 'x y;z,"\\\u00e9')
    assert header.startswith('a="x y\\073z\\054\\"\\\\\\303\\251"')
    name, value, _ = parse_set_cookie(header)
    assert (name, value) == ("a", 'x y;z,"\\\u00e9')
    assert parse_cookie(header.split("; Path")[0])["a"] == 'x y;z,"\\\u00e9'


def test_dump_cookie_path_is_percent_encoded() -> None:
    assert "Path=/a%20b%3Bc" in dump_cookie("a", path="/a b;c")


@pytest.mark.parametrize("field", ["key", "value", "path", "domain", "expires"])
@pytest.mark.parametrize("bad", ["\r", "\n", "\0"])
def test_dump_cookie_cr_lf_nul_anywhere_is_value_error(field: str, bad: str) -> None:
    kwargs: dict[str, str] = {"key": "a", field: f"x{bad}Set-Cookie: evil=1"}
    with pytest.raises(ValueError):
        dump_cookie(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("key", ["", "a b", "a;b", "a=b", "a,b", "\u00e9", 'a"'])
def test_dump_cookie_invalid_name_is_value_error(key: str) -> None:
    with pytest.raises(ValueError, match="Cookie name"):
        dump_cookie(key, "v")


@pytest.mark.parametrize("domain", ["example.com; Secure", "a b.com", "", "exa,mple.com", "a/b"])
def test_dump_cookie_invalid_domain_is_value_error(domain: str) -> None:
    with pytest.raises(ValueError, match="domain"):
        dump_cookie("a", "b", domain=domain)


def test_dump_cookie_domain_forms() -> None:
    assert "Domain=.example.com" in dump_cookie("a", domain=".example.com")
    assert "Domain=xn--bcher-kva.example" in dump_cookie("a", domain="b\u00fccher.example")


def test_dump_cookie_expires_string_cannot_add_attributes() -> None:
    with pytest.raises(ValueError):
        dump_cookie("a", expires="never; Domain=evil.com")


def test_parse_set_cookie() -> None:
    name, value, attrs = parse_set_cookie(
        "sid=abc; Expires=Fri, 17 May 2024 12:30:00 GMT; Max-Age=60; Secure; HttpOnly;"
        " Path=/; SameSite=Lax"
    )
    assert (name, value) == ("sid", "abc")
    assert attrs == {
        "expires": "Fri, 17 May 2024 12:30:00 GMT",
        "max-age": "60",
        "secure": "",
        "httponly": "",
        "path": "/",
        "samesite": "Lax",
    }


@pytest.mark.parametrize("value", ["", "novalue", "=x", " =x; Path=/"])
def test_parse_set_cookie_without_name_is_value_error(value: str) -> None:
    with pytest.raises(ValueError, match="no cookie name"):
        parse_set_cookie(value)
