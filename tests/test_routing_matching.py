"""Matching request paths: precedence, slashes, methods, websockets and defaults."""

from __future__ import annotations

from typing import Any

import pytest

from asyncflask.exceptions import MethodNotAllowed, NotFound, RequestRedirect
from asyncflask.routing import Map, Rule


def endpoint_for(url_map: Map, path: str, method: str = "GET", **kwargs: Any) -> str | None:
    return url_map.match(path, method, **kwargs)[0].endpoint


def make_map(*rules: tuple[str, str], strict_slashes: bool = True) -> Map:
    return Map(
        [Rule(rule, endpoint=endpoint, methods=["GET"]) for rule, endpoint in rules],
        strict_slashes=strict_slashes,
    )


# -- precedence --------------------------------------------------------------------------------


def test_static_rule_beats_converter() -> None:
    for rules in [
        [("/users/new", "new"), ("/users/<name>", "user")],
        [("/users/<name>", "user"), ("/users/new", "new")],
    ]:
        url_map = make_map(*rules)
        assert endpoint_for(url_map, "/users/new") == "new"
        assert endpoint_for(url_map, "/users/bob") == "user"


def test_int_beats_string_whatever_the_order() -> None:
    for rules in [
        [("/page/<name>", "name"), ("/page/<int:n>", "number")],
        [("/page/<int:n>", "number"), ("/page/<name>", "name")],
    ]:
        url_map = make_map(*rules)
        assert url_map.match("/page/3") == (url_map.match("/page/3")[0], {"n": 3})
        assert endpoint_for(url_map, "/page/3") == "number"
        assert endpoint_for(url_map, "/page/three") == "name"


def test_uuid_and_any_beat_string() -> None:
    url_map = make_map(
        ("/x/<name>", "name"),
        ("/x/<uuid:u>", "uuid"),
        ("/x/<any(special):s>", "any"),
    )
    assert endpoint_for(url_map, "/x/12345678-1234-1234-1234-123456789abc") == "uuid"
    assert endpoint_for(url_map, "/x/special") == "any"
    assert endpoint_for(url_map, "/x/plain") == "name"


def test_more_static_text_in_a_segment_wins() -> None:
    url_map = make_map(("/f/<name>", "plain"), ("/f/<name>.html", "html"))
    assert url_map.match("/f/index.html")[1] == {"name": "index"}
    assert endpoint_for(url_map, "/f/index.html") == "html"
    assert endpoint_for(url_map, "/f/index.txt") == "plain"


def test_path_converter_never_shadows_a_more_specific_rule() -> None:
    url_map = make_map(
        ("/<path:anything>", "catch_all"),
        ("/users/<name>", "user"),
        ("/<name>/edit", "edit"),
        ("/about", "about"),
    )
    assert endpoint_for(url_map, "/users/bob") == "user"
    assert endpoint_for(url_map, "/bob/edit") == "edit"
    assert endpoint_for(url_map, "/about") == "about"
    assert endpoint_for(url_map, "/users/bob/more") == "catch_all"
    assert endpoint_for(url_map, "/anything/else/entirely") == "catch_all"


def test_backtracks_out_of_a_static_branch() -> None:
    url_map = make_map(("/users/new/form", "form"), ("/users/<name>", "user"))
    assert url_map.match("/users/new")[1] == {"name": "new"}
    assert endpoint_for(url_map, "/users/new/form") == "form"


def test_deeper_rules_under_dynamic_segments() -> None:
    url_map = make_map(
        ("/api/v1/items/<int:item_id>", "item"),
        ("/api/v1/items/<int:item_id>/tags/<tag>", "tag"),
        ("/api/<version>/items/<int:item_id>", "other_version"),
    )
    assert url_map.match("/api/v1/items/3/tags/red")[1] == {"item_id": 3, "tag": "red"}
    assert endpoint_for(url_map, "/api/v1/items/3") == "item"
    assert url_map.match("/api/v2/items/3")[1] == {"version": "v2", "item_id": 3}


def test_several_converters_in_one_segment() -> None:
    url_map = make_map(("/d/<int:year>-<int:month>-<int:day>", "date"), ("/n/<a>.<b>", "dotted"))
    assert url_map.match("/d/2024-05-17")[1] == {"year": 2024, "month": 5, "day": 17}
    # Like a regex, the earlier converter takes the longest text it can.
    assert url_map.match("/n/archive.tar.gz")[1] == {"a": "archive.tar", "b": "gz"}
    with pytest.raises(NotFound):
        url_map.match("/d/2024-05")


def test_root_rule() -> None:
    url_map = make_map(("/", "index"), ("/<name>", "page"))
    assert endpoint_for(url_map, "/") == "index"
    assert endpoint_for(url_map, "/x") == "page"


def test_unknown_path_is_not_found() -> None:
    url_map = make_map(("/", "index"), ("/users/<int:id>", "user"))
    for path in ["/nope", "/users", "/users/x", "/users/1/2", "//", "/users//1"]:
        with pytest.raises(NotFound):
            url_map.match(path)


def test_path_not_starting_with_a_slash_is_not_found() -> None:
    url_map = make_map(("/", "index"), ("/a", "a"))
    for path in ["", "a", "*"]:
        with pytest.raises(NotFound):
            url_map.match(path)


def test_match_returns_a_fresh_dict_each_time() -> None:
    url_map = Map([Rule("/<lang>/", endpoint="index", defaults={"x": 1})])
    first = url_map.match("/en/")[1]
    first.pop("lang")
    assert url_map.match("/en/")[1] == {"lang": "en", "x": 1}
    static = Map([Rule("/s", endpoint="s", defaults={"x": 1})])
    static.match("/s")[1].clear()
    assert static.match("/s")[1] == {"x": 1}


# -- strict slashes ----------------------------------------------------------------------------


def test_missing_trailing_slash_redirects() -> None:
    url_map = make_map(("/about/", "about"), ("/users/<int:id>/", "user"))
    with pytest.raises(RequestRedirect) as info:
        url_map.match("/about")
    assert info.value.new_url == "/about/"
    assert info.value.code == 308
    with pytest.raises(RequestRedirect) as info:
        url_map.match("/users/5")
    assert info.value.new_url == "/users/5/"


def test_extra_trailing_slash_is_not_found() -> None:
    url_map = make_map(("/about", "about"), ("/users/<int:id>", "user"))
    for path in ["/about/", "/users/5/"]:
        with pytest.raises(NotFound):
            url_map.match(path)


def test_redirect_wins_over_a_dynamic_match() -> None:
    url_map = make_map(("/about/", "about"), ("/<page>", "page"))
    with pytest.raises(RequestRedirect):
        url_map.match("/about")
    assert endpoint_for(url_map, "/contact") == "page"


def test_exact_match_wins_over_redirect() -> None:
    url_map = make_map(("/about/", "slash"), ("/about", "bare"))
    assert endpoint_for(url_map, "/about") == "bare"
    assert endpoint_for(url_map, "/about/") == "slash"


def test_non_strict_rules_match_both_forms() -> None:
    url_map = Map(
        [
            Rule("/about/", endpoint="about", strict_slashes=False),
            Rule("/contact", endpoint="contact", strict_slashes=False),
            Rule("/u/<int:id>/", endpoint="user", strict_slashes=False),
            Rule("/v/<name>", endpoint="name", strict_slashes=False),
        ]
    )
    assert endpoint_for(url_map, "/about") == "about"
    assert endpoint_for(url_map, "/about/") == "about"
    assert endpoint_for(url_map, "/contact") == "contact"
    assert endpoint_for(url_map, "/contact/") == "contact"
    assert url_map.match("/u/3")[1] == {"id": 3}
    assert url_map.match("/v/x/")[1] == {"name": "x"}


def test_map_strict_slashes_is_the_rules_default() -> None:
    url_map = make_map(("/about/", "about"), strict_slashes=False)
    rule = next(iter(url_map))
    assert rule.strict_slashes is False
    assert endpoint_for(url_map, "/about") == "about"


def test_path_converter_with_trailing_slash() -> None:
    url_map = make_map(("/d/<path:p>/", "dir"))
    assert url_map.match("/d/a/b/")[1] == {"p": "a/b"}
    with pytest.raises(RequestRedirect) as info:
        url_map.match("/d/a/b")
    assert info.value.new_url == "/d/a/b/"


def test_path_converter_keeps_a_trailing_slash_it_matched() -> None:
    url_map = make_map(("/s/<path:p>", "static"))
    assert url_map.match("/s/a/b/")[1] == {"p": "a/b/"}


def test_redirect_only_when_the_method_is_allowed() -> None:
    url_map = Map([Rule("/about/", endpoint="about", methods=["GET"])])
    with pytest.raises(NotFound):
        url_map.match("/about", "POST")


# -- methods -----------------------------------------------------------------------------------


def test_get_rule_answers_head() -> None:
    url_map = Map([Rule("/", endpoint="index", methods=["get"])])
    assert url_map.match("/", "HEAD")[0].endpoint == "index"
    rule = next(iter(url_map))
    assert rule.methods == {"GET", "HEAD"}


def test_wrong_method_is_405_with_valid_methods() -> None:
    url_map = Map(
        [
            Rule("/items/<int:id>", endpoint="read", methods=["GET"]),
            Rule("/items/<int:id>", endpoint="write", methods=["PUT", "DELETE"]),
            Rule("/items/<name>", endpoint="named", methods=["PATCH"]),
        ]
    )
    assert url_map.match("/items/3", "PUT")[0].endpoint == "write"
    with pytest.raises(MethodNotAllowed) as info:
        url_map.match("/items/3", "POST")
    assert info.value.valid_methods == ["DELETE", "GET", "HEAD", "PATCH", "PUT"]
    with pytest.raises(MethodNotAllowed) as info:
        url_map.match("/items/x", "POST")
    assert info.value.valid_methods == ["PATCH"]


def test_405_leaves_out_rules_whose_converters_reject_the_path() -> None:
    url_map = Map(
        [
            Rule("/n/<int(max=5):n>", endpoint="small", methods=["PUT"]),
            Rule("/n/<int:n>", endpoint="any", methods=["GET"]),
        ]
    )
    with pytest.raises(MethodNotAllowed) as info:
        url_map.match("/n/9", "POST")
    assert info.value.valid_methods == ["GET", "HEAD"]


def test_method_mismatch_on_static_rule_falls_back_to_dynamic_rule() -> None:
    url_map = Map(
        [
            Rule("/users/new", endpoint="create", methods=["POST"]),
            Rule("/users/<name>", endpoint="user", methods=["GET"]),
        ]
    )
    assert url_map.match("/users/new", "GET") == (url_map.match("/users/x")[0], {"name": "new"})
    assert url_map.match("/users/new", "POST")[0].endpoint == "create"


def test_rule_without_methods_accepts_any_method() -> None:
    url_map = Map([Rule("/any", endpoint="any")])
    for method in ["GET", "POST", "BREW"]:
        assert url_map.match("/any", method)[0].endpoint == "any"


def test_allowed_methods() -> None:
    url_map = Map(
        [
            Rule("/items/<int:id>", endpoint="read", methods=["GET", "OPTIONS"]),
            Rule("/items/<int:id>", endpoint="write", methods=["PUT"]),
            Rule("/items/<int(max=5):id>", endpoint="small", methods=["PATCH"]),
            Rule("/about/", endpoint="about", methods=["GET"]),
            Rule("/ws", endpoint="ws", websocket=True),
        ]
    )
    assert url_map.allowed_methods("/items/3") == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH"}
    assert url_map.allowed_methods("/items/9") == {"GET", "HEAD", "OPTIONS", "PUT"}
    assert url_map.allowed_methods("/nope") == set()
    assert url_map.allowed_methods("/about") == set()
    assert url_map.allowed_methods("/ws") == set()
    assert url_map.allowed_methods("/ws", websocket=True) == {"GET"}


# -- websockets --------------------------------------------------------------------------------


def test_websocket_and_http_rules_are_separate() -> None:
    url_map = Map(
        [
            Rule("/chat", endpoint="chat_page", methods=["GET"]),
            Rule("/chat", endpoint="chat_socket", websocket=True),
            Rule("/only-ws/<room>", endpoint="room", websocket=True),
            Rule("/only-http", endpoint="http", methods=["GET"]),
        ]
    )
    assert endpoint_for(url_map, "/chat") == "chat_page"
    assert endpoint_for(url_map, "/chat", websocket=True) == "chat_socket"
    assert url_map.match("/only-ws/r1", websocket=True)[1] == {"room": "r1"}
    with pytest.raises(NotFound):
        url_map.match("/only-ws/r1")
    with pytest.raises(NotFound):
        url_map.match("/only-http", websocket=True)


def test_websocket_rules_have_get_only() -> None:
    rule = Rule("/ws", endpoint="ws", websocket=True)
    assert rule.methods == {"GET"}
    assert Rule("/ws", endpoint="ws", websocket=True, methods=["GET", "OPTIONS"]).methods == {"GET"}
    with pytest.raises(ValueError, match="can only use GET"):
        Rule("/ws", endpoint="ws", websocket=True, methods=["POST"])


# -- defaults and build-only rules -------------------------------------------------------------


def test_defaults_are_merged_into_the_values() -> None:
    url_map = Map(
        [
            Rule("/users/", endpoint="users", defaults={"page": 1}),
            Rule("/users/page/<int:page>", endpoint="users"),
            Rule("/<lang>/home", endpoint="home", defaults={"section": "main"}),
        ]
    )
    assert url_map.match("/users/")[1] == {"page": 1}
    assert url_map.match("/users/page/4")[1] == {"page": 4}
    assert url_map.match("/en/home")[1] == {"section": "main", "lang": "en"}


def test_build_only_rules_never_match() -> None:
    url_map = Map([Rule("/external/<name>", endpoint="ext", build_only=True)])
    with pytest.raises(NotFound):
        url_map.match("/external/x")
    assert url_map.build("ext", {"name": "x"}) == "/external/x"


# -- lazy compilation --------------------------------------------------------------------------


def test_rules_added_after_a_match_are_found() -> None:
    url_map = make_map(("/a", "a"))
    assert endpoint_for(url_map, "/a") == "a"
    url_map.add(Rule("/b/<int:n>", endpoint="b"))
    assert url_map.match("/b/1")[1] == {"n": 1}
    assert url_map.build("b", {"n": 2}) == "/b/2"


def test_compiles_once_until_rules_change() -> None:
    url_map = make_map(("/a", "a"))
    url_map.match("/a")
    compiled = url_map._compiled
    url_map.match("/a")
    url_map.build("a")
    assert url_map._compiled is compiled
    url_map.add(Rule("/b", endpoint="b"))
    assert url_map._compiled is None
