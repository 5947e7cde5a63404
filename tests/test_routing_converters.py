"""Converters: what each placeholder matches, the value it yields and the URL text it writes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from asyncflask.exceptions import NotFound
from asyncflask.routing import BaseConverter, Map, Rule, ValidationError
from asyncflask.routing.converters import parse_converter_args


def single(rule: str, **options: Any) -> Map:
    return Map([Rule(rule, endpoint="view", **options)])


def value_of(url_map: Map, path: str) -> Any:
    rule, values = url_map.match(path)
    assert rule.endpoint == "view"
    (value,) = values.values()
    return value


def no_match(url_map: Map, path: str) -> bool:
    try:
        url_map.match(path)
    except NotFound:
        return True
    return False


# -- string / default ------------------------------------------------------------------------


def test_default_converter_matches_any_segment_text() -> None:
    url_map = single("/u/<name>")
    assert value_of(url_map, "/u/bob") == "bob"
    assert value_of(url_map, "/u/a b.c~!") == "a b.c~!"
    assert value_of(url_map, "/u/ünï") == "ünï"


def test_default_converter_needs_a_non_empty_segment_without_slash() -> None:
    url_map = single("/u/<name>")
    assert no_match(url_map, "/u/")
    assert no_match(url_map, "/u/a/b")


def test_string_converter_is_the_default_converter() -> None:
    assert value_of(single("/u/<string:name>"), "/u/x") == "x"
    assert value_of(single("/u/<default:name>"), "/u/x") == "x"


def test_string_length_bounds() -> None:
    url_map = single("/c/<string(minlength=2, maxlength=3):code>")
    assert no_match(url_map, "/c/a")
    assert value_of(url_map, "/c/ab") == "ab"
    assert value_of(url_map, "/c/abc") == "abc"
    assert no_match(url_map, "/c/abcd")


def test_string_fixed_length() -> None:
    url_map = single("/c/<string(length=2):code>")
    assert value_of(url_map, "/c/fr") == "fr"
    assert no_match(url_map, "/c/f")
    assert no_match(url_map, "/c/fra")


def test_string_length_arguments_are_validated() -> None:
    with pytest.raises(ValueError, match="maxlength"):
        single("/c/<string(minlength=3, maxlength=2):code>")
    with pytest.raises(ValueError, match="length must be a non-negative integer"):
        single("/c/<string(length=-1):code>")


# -- int ---------------------------------------------------------------------------------------


def test_int_converter_returns_an_int() -> None:
    url_map = single("/n/<int:n>")
    assert value_of(url_map, "/n/42") == 42
    assert type(value_of(url_map, "/n/7")) is int
    assert value_of(url_map, "/n/007") == 7


def test_int_converter_rejects_non_digits() -> None:
    url_map = single("/n/<int:n>")
    for path in ["/n/-1", "/n/1.5", "/n/abc", "/n/4a", "/n/+4", "/n/ 4", "/n/"]:
        assert no_match(url_map, path), path


def test_int_converter_rejects_non_ascii_digits() -> None:
    url_map = single("/n/<int:n>")
    assert no_match(url_map, "/n/\u0663")  # ARABIC-INDIC DIGIT THREE
    assert no_match(url_map, "/n/\u00b2")  # SUPERSCRIPT TWO


def test_int_bounds_out_of_range_is_not_found() -> None:
    url_map = single("/n/<int(min=1, max=5):n>")
    assert value_of(url_map, "/n/1") == 1
    assert value_of(url_map, "/n/5") == 5
    assert no_match(url_map, "/n/0")
    assert no_match(url_map, "/n/6")


def test_int_signed_accepts_negative_numbers() -> None:
    url_map = single("/n/<int(signed=True):n>")
    assert value_of(url_map, "/n/-12") == -12
    assert value_of(url_map, "/n/12") == 12
    assert no_match(url_map, "/n/--1")


def test_int_signed_with_negative_bounds() -> None:
    url_map = single("/n/<int(signed=True, min=-3, max=-1):n>")
    assert value_of(url_map, "/n/-2") == -2
    assert no_match(url_map, "/n/-4")
    assert no_match(url_map, "/n/0")


def test_int_fixed_digits() -> None:
    url_map = single("/y/<int(fixed_digits=4):year>")
    assert value_of(url_map, "/y/0999") == 999
    assert no_match(url_map, "/y/999")
    assert no_match(url_map, "/y/19999")
    assert url_map.build("view", {"year": 7}) == "/y/0007"


def test_int_builds_from_int_and_numeric_string() -> None:
    url_map = single("/n/<int:n>")
    assert url_map.build("view", {"n": 42}) == "/n/42"
    assert url_map.build("view", {"n": "42"}) == "/n/42"


def test_int_build_with_a_non_number_says_so() -> None:
    with pytest.raises(ValueError, match="cannot build a URL part from 'abc'"):
        single("/n/<int:n>").build("view", {"n": "abc"})


# -- float -------------------------------------------------------------------------------------


def test_float_converter() -> None:
    url_map = single("/p/<float:price>")
    assert value_of(url_map, "/p/1.5") == 1.5
    assert type(value_of(url_map, "/p/2.0")) is float
    assert no_match(url_map, "/p/1")
    assert no_match(url_map, "/p/.5")
    assert no_match(url_map, "/p/-1.5")
    assert url_map.build("view", {"price": 2.25}) == "/p/2.25"


def test_float_bounds_and_sign() -> None:
    url_map = single("/p/<float(min=0.5, max=2.0):x>")
    assert value_of(url_map, "/p/0.5") == 0.5
    assert no_match(url_map, "/p/0.4")
    assert no_match(url_map, "/p/2.5")
    signed = single("/p/<float(signed=True):x>")
    assert value_of(signed, "/p/-0.25") == -0.25


# -- path --------------------------------------------------------------------------------------


def test_path_converter_matches_slashes() -> None:
    url_map = single("/static/<path:filename>")
    assert value_of(url_map, "/static/css/site.css") == "css/site.css"
    assert value_of(url_map, "/static/a") == "a"
    assert no_match(url_map, "/static/")
    assert no_match(url_map, "/static//etc/passwd")


def test_path_converter_followed_by_static_text() -> None:
    url_map = single("/files/<path:name>/edit")
    assert value_of(url_map, "/files/a/b/c/edit") == "a/b/c"
    assert value_of(url_map, "/files/edit/edit") == "edit"
    assert no_match(url_map, "/files/a/b")


def test_path_converter_inside_a_segment() -> None:
    url_map = single("/docs/<path:page>.html")
    assert value_of(url_map, "/docs/guide/intro.html") == "guide/intro"


def test_several_path_converters_take_the_shortest_first() -> None:
    url_map = Map([Rule("/<path:a>/to/<path:b>", endpoint="view")])
    assert url_map.match("/x/y/to/z/to/w")[1] == {"a": "x/y", "b": "z/to/w"}


def test_path_converter_builds_with_slashes_kept() -> None:
    url_map = single("/static/<path:filename>")
    assert url_map.build("view", {"filename": "css/a b.css"}) == "/static/css/a%20b.css"


# -- uuid --------------------------------------------------------------------------------------


def test_uuid_converter_returns_uuid() -> None:
    url_map = single("/o/<uuid:oid>")
    text = "12345678-abcd-ABCD-1234-1234567890ab"
    assert value_of(url_map, f"/o/{text}") == uuid.UUID(text)
    assert no_match(url_map, "/o/12345678abcdABCD12341234567890ab")
    assert no_match(url_map, "/o/12345678-abcd-abcd-1234-1234567890ag")
    value = uuid.UUID(text)
    assert url_map.build("view", {"oid": value}) == f"/o/{value}"


# -- any ---------------------------------------------------------------------------------------


def test_any_converter_matches_listed_items_only() -> None:
    url_map = single('/<any(about, help, "x y"):page>')
    assert value_of(url_map, "/about") == "about"
    assert value_of(url_map, "/help") == "help"
    assert value_of(url_map, "/x y") == "x y"
    assert no_match(url_map, "/abouts")
    assert no_match(url_map, "/x")


def test_any_converter_escapes_regex_characters() -> None:
    url_map = single("/<any('a.b', 'c+'):item>")
    assert value_of(url_map, "/a.b") == "a.b"
    assert no_match(url_map, "/axb")
    assert value_of(url_map, "/c+") == "c+"
    assert no_match(url_map, "/cc")


def test_any_converter_build_checks_the_value() -> None:
    url_map = single("/<any(about, help):page>")
    assert url_map.build("view", {"page": "help"}) == "/help"
    with pytest.raises(ValueError, match="not one of the values"):
        url_map.build("view", {"page": "nope"})


def test_any_converter_needs_items() -> None:
    with pytest.raises(ValueError, match="at least one item"):
        single("/<any:page>")


# -- custom converters -------------------------------------------------------------------------


class ListConverter(BaseConverter):
    def to_python(self, value: str) -> list[str]:
        return value.split(",")

    def to_url(self, value: Any) -> str:
        return ",".join(super(ListConverter, self).to_url(item) for item in value)


def test_flask_docs_list_converter() -> None:
    url_map = Map()
    url_map.converters["list"] = ListConverter
    url_map.add(Rule("/tags/<list:tags>", endpoint="view"))
    assert value_of(url_map, "/tags/a,b,c") == ["a", "b", "c"]
    assert url_map.build("view", {"tags": ["x", "y z"]}) == "/tags/x,y%20z"


class EvenConverter(BaseConverter):
    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number % 2:
            raise ValidationError()
        return number


def test_custom_converter_validation_error_means_no_match() -> None:
    url_map = Map()
    url_map.converters["even"] = EvenConverter
    url_map.add(Rule("/e/<even:n>", endpoint="view"))
    assert value_of(url_map, "/e/4") == 4
    assert no_match(url_map, "/e/3")


def test_validation_error_falls_through_to_the_next_rule() -> None:
    url_map = Map()
    url_map.converters["even"] = EvenConverter
    url_map.add(Rule("/e/<even:n>", endpoint="even"))
    url_map.add(Rule("/e/<name>", endpoint="other"))
    assert url_map.match("/e/4")[0].endpoint == "even"
    assert url_map.match("/e/3") == (url_map.match("/e/x")[0], {"name": "3"})


class PrefixedConverter(BaseConverter):
    def __init__(self, map: Map, prefix: str, *, upper: bool = False) -> None:
        super().__init__(map)
        self.regex = f"{prefix}-[a-z]+"
        self.upper = upper

    def to_python(self, value: str) -> str:
        return value.upper() if self.upper else value


def test_custom_converter_receives_rule_arguments() -> None:
    url_map = Map()
    url_map.converters["prefixed"] = PrefixedConverter
    url_map.add(Rule("/p/<prefixed(ab, upper=True):code>", endpoint="view"))
    assert value_of(url_map, "/p/ab-xyz") == "AB-XYZ"
    assert no_match(url_map, "/p/cd-xyz")


def test_custom_converter_with_bad_arguments_is_a_clear_error() -> None:
    url_map = Map()
    url_map.converters["prefixed"] = PrefixedConverter
    with pytest.raises(ValueError, match="'prefixed' converter of <code> rejects its arguments"):
        url_map.add(Rule("/p/<prefixed(nope=1):code>", endpoint="view"))


class SlashyConverter(BaseConverter):
    regex = "[a-z/]+?"


def test_a_regex_with_a_slash_makes_a_converter_span_segments() -> None:
    assert SlashyConverter.part_isolating is False
    url_map = Map()
    url_map.converters["slashy"] = SlashyConverter
    url_map.add(Rule("/s/<slashy:p>/end", endpoint="view"))
    assert value_of(url_map, "/s/a/b/end") == "a/b"
    assert no_match(url_map, "/s/a/1/end")


class BrokenRegexConverter(BaseConverter):
    regex = "[0-9"


def test_converter_with_an_invalid_regex_fails_when_added() -> None:
    url_map = Map()
    url_map.converters["broken"] = BrokenRegexConverter
    with pytest.raises(ValueError, match=r"'broken' converter of <n> has an invalid regex"):
        url_map.add(Rule("/b/<broken:n>", endpoint="view"))


class GroupedConverter(BaseConverter):
    regex = "(?P<major>[0-9]+)[.]([0-9]+)"

    def to_python(self, value: str) -> tuple[int, ...]:
        return tuple(int(part) for part in value.split("."))


def test_converter_regex_may_have_its_own_groups() -> None:
    url_map = Map()
    url_map.converters["version"] = GroupedConverter
    url_map.add(Rule("/v/<version:v>", endpoint="view"))
    url_map.add(Rule("/w/<version:v>-<name>", endpoint="view"))
    assert value_of(url_map, "/v/1.22") == (1, 22)
    assert url_map.match("/w/3.4-x")[1] == {"v": (3, 4), "name": "x"}


def test_converters_are_per_map() -> None:
    first = Map()
    first.converters["list"] = ListConverter
    assert "list" not in Map().converters
    assert "list" not in Map.default_converters


def test_unknown_converter_names_the_fix() -> None:
    with pytest.raises(ValueError, match=r"unknown converter 'list'.*converters\['list'\]"):
        Map([Rule("/t/<list:tags>", endpoint="view")])


def test_base_converter_to_url_quotes_slashes_and_reserved_characters() -> None:
    converter = BaseConverter(Map())
    assert converter.to_url("a/b c?#%") == "a%2Fb%20c%3F%23%25"
    assert converter.to_url(12) == "12"
    assert converter.to_url("é") == "%C3%A9"


# -- converter argument syntax -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "args", "kwargs"),
    [
        ("", (), {}),
        ("1, 2", (1, 2), {}),
        ("min=1, max=5", (), {"min": 1, "max": 5}),
        ("-3, 2.5, .5", (-3, 2.5, 0.5), {}),
        ("True, False, None", (True, False, None), {}),
        ("about, help", ("about", "help"), {}),
        ("'x y', \"a,b\"", ("x y", "a,b"), {}),
        ("a, key='v'", ("a",), {"key": "v"}),
        ("  spaced  ,  key = 3 ", ("spaced",), {"key": 3}),
        ("about-us, v1.2", ("about-us", "v1.2"), {}),
    ],
)
def test_parse_converter_args(text: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    assert parse_converter_args(text) == (args, kwargs)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a=1, b", "follows a keyword"),
        ("a=1, a=2", "given twice"),
        ("a,", "stray comma"),
        ("a b", "cannot parse"),
        ("'open", "cannot parse"),
        ("=1", "cannot parse"),
    ],
)
def test_bad_converter_args_are_value_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_converter_args(text)


def test_bad_converter_args_in_a_rule_name_the_rule() -> None:
    with pytest.raises(ValueError, match=r"URL rule '/n/<int\(min=1,,\):n>'"):
        Rule("/n/<int(min=1,,):n>")
