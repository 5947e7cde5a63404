"""Rules and the Map API: rule syntax, attributes, errors and the public names.

Converters, matching, building and hostile input have their own test_routing_*.py files.
"""

from __future__ import annotations

import pytest

import asyncflask.routing as routing
from asyncflask.exceptions import RoutingException
from asyncflask.routing import BuildError, Map, Rule, ValidationError


def test_public_names() -> None:
    assert routing.__all__ == sorted(routing.__all__)
    for name in [
        "AnyConverter",
        "BaseConverter",
        "BuildError",
        "FloatConverter",
        "IntegerConverter",
        "Map",
        "PathConverter",
        "Rule",
        "UUIDConverter",
        "UnicodeConverter",
        "ValidationError",
        "default_converters",
    ]:
        assert name in routing.__all__
        assert hasattr(routing, name)


def test_error_classes() -> None:
    assert issubclass(ValidationError, ValueError)
    assert issubclass(BuildError, LookupError)
    assert issubclass(BuildError, RoutingException)


def test_default_converter_names() -> None:
    assert set(routing.default_converters) == {
        "default",
        "string",
        "int",
        "float",
        "path",
        "uuid",
        "any",
    }
    assert routing.default_converters["default"] is routing.UnicodeConverter
    assert Map().converters == routing.default_converters


def test_base_converter_class_attributes() -> None:
    assert routing.BaseConverter.regex == "[^/]+"
    assert routing.BaseConverter.weight == 100
    assert routing.BaseConverter.part_isolating is True
    assert routing.PathConverter.part_isolating is False


# -- rule attributes ---------------------------------------------------------------------------


def test_rule_attributes() -> None:
    rule = Rule(
        "/users/<int:id>/<name>",
        endpoint="user",
        methods=["get", "post"],
        defaults={"tab": "main"},
    )
    assert rule.rule == "/users/<int:id>/<name>"
    assert str(rule) == "/users/<int:id>/<name>"
    assert rule.endpoint == "user"
    assert rule.methods == {"GET", "HEAD", "POST"}
    assert rule.defaults == {"tab": "main"}
    assert rule.arguments == {"id", "name", "tab"}
    assert rule.websocket is False
    assert rule.build_only is False
    assert rule.provide_automatic_options is False
    assert rule.is_static is False
    assert rule.strict_slashes is None
    assert rule.map is None


def test_rule_binds_to_its_map() -> None:
    url_map = Map(strict_slashes=False)
    rule = Rule("/about", endpoint="about")
    url_map.add(rule)
    assert rule.map is url_map
    assert rule.strict_slashes is False
    assert rule.is_static is True
    assert rule.methods is None
    assert set(rule.converters) == set()


def test_rule_cannot_join_a_second_map() -> None:
    rule = Rule("/a", endpoint="a")
    Map([rule])
    with pytest.raises(ValueError, match="already added to a Map"):
        Map([rule])


def test_rules_are_hashable_by_identity() -> None:
    first, second = Rule("/a", endpoint="a"), Rule("/a", endpoint="a")
    assert first != second
    assert len({first, second, first}) == 2


def test_rule_repr() -> None:
    rule = Rule("/users/<int:id>", endpoint="user", methods=["GET", "OPTIONS"])
    assert repr(rule) == "<Rule '/users/<int:id>' (GET, HEAD, OPTIONS) -> user>"
    assert repr(Rule("/x", endpoint="x")) == "<Rule '/x' -> x>"
    assert repr(Rule("/ws", endpoint="ws", websocket=True)) == "<Rule '/ws' (WEBSOCKET) -> ws>"


def test_methods_as_a_string_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"\['GET', 'POST'\]"):
        Rule("/a", endpoint="a", methods="POST")


# -- rule syntax errors ------------------------------------------------------------------------


@pytest.mark.parametrize("string", ["users", "", "users/<id>", " /users"])
def test_rule_must_start_with_a_slash(string: str) -> None:
    with pytest.raises(ValueError, match="must be a string starting with '/'"):
        Rule(string)


@pytest.mark.parametrize(
    "string",
    [
        "/users/<id",
        "/users/<>",
        "/users/<int:>",
        "/users/<:id>",
        "/users/<1id>",
        "/users/<int:id:x>",
        "/users/<in t:id>",
        "/users/<int(min=1:id>",
        "/users/<na-me>",
    ],
)
def test_malformed_placeholder_is_a_value_error(string: str) -> None:
    with pytest.raises(ValueError, match="malformed placeholder"):
        Rule(string)


def test_stray_closing_bracket_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="'>' without a matching '<'"):
        Rule("/users/id>")


def test_duplicate_argument_names_are_a_value_error() -> None:
    with pytest.raises(ValueError, match="uses the argument name\\(s\\) id more than once"):
        Rule("/users/<int:id>/posts/<id>")


def test_converter_arguments_may_hold_quoted_parentheses() -> None:
    url_map = Map([Rule("/<any('a)', 'b(c'):item>", endpoint="item")])
    assert url_map.match("/a)")[1] == {"item": "a)"}
    assert url_map.match("/b(c")[1] == {"item": "b(c"}


# -- map API -----------------------------------------------------------------------------------


def test_iter_rules_in_registration_order() -> None:
    rules = [
        Rule("/b", endpoint="b"),
        Rule("/a", endpoint="a"),
        Rule("/a/<int:n>", endpoint="a"),
    ]
    url_map = Map(rules)
    assert list(url_map) == rules
    assert list(url_map.iter_rules()) == rules
    assert list(url_map.iter_rules("a")) == rules[1:]
    assert list(url_map.iter_rules("missing")) == []


def test_is_endpoint_expecting() -> None:
    url_map = Map(
        [
            Rule("/<lang_code>/", endpoint="index"),
            Rule("/<lang_code>/about", endpoint="about", defaults={"section": "x"}),
            Rule("/plain", endpoint="plain"),
        ]
    )
    assert url_map.is_endpoint_expecting("index", "lang_code")
    assert url_map.is_endpoint_expecting("about", "lang_code", "section")
    assert not url_map.is_endpoint_expecting("plain", "lang_code")
    assert not url_map.is_endpoint_expecting("missing", "lang_code")


def test_map_repr_lists_rules() -> None:
    url_map = Map([Rule("/a", endpoint="a")])
    assert repr(url_map) == "Map([<Rule '/a' -> a>])"
