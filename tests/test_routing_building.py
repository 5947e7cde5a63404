"""Building URLs: rule choice, query strings, quoting round-trips and BuildError messages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote

import pytest

from asyncflask.routing import BuildError, Map, Rule


def docs_users_map() -> Map:
    # Flask docs: @app.route('/users/', defaults={'page': 1})
    #             @app.route('/users/page/<int:page>') on one view.
    return Map(
        [
            Rule("/users/", endpoint="show_users", defaults={"page": 1}, methods=["GET"]),
            Rule("/users/page/<int:page>", endpoint="show_users", methods=["GET"]),
        ]
    )


def test_flask_docs_defaults_example() -> None:
    url_map = docs_users_map()
    assert url_map.build("show_users", {"page": 1}) == "/users/"
    assert url_map.build("show_users", {"page": 2}) == "/users/page/2"
    assert url_map.build("show_users") == "/users/"
    assert url_map.match("/users/")[1] == {"page": 1}
    assert url_map.match("/users/page/2")[1] == {"page": 2}


def test_rule_order_does_not_change_the_build() -> None:
    url_map = Map(
        [
            Rule("/users/page/<int:page>", endpoint="show_users"),
            Rule("/users/", endpoint="show_users", defaults={"page": 1}),
        ]
    )
    assert url_map.build("show_users", {"page": 1}) == "/users/"
    assert url_map.build("show_users", {"page": 3}) == "/users/page/3"


def test_rules_with_more_arguments_are_preferred() -> None:
    url_map = Map(
        [
            Rule("/posts/", endpoint="posts"),
            Rule("/posts/<int:year>/", endpoint="posts"),
            Rule("/posts/<int:year>/<int:month>/", endpoint="posts"),
        ]
    )
    assert url_map.build("posts") == "/posts/"
    assert url_map.build("posts", {"year": 2024}) == "/posts/2024/"
    assert url_map.build("posts", {"year": 2024, "month": 5}) == "/posts/2024/5/"


def test_static_and_dynamic_paths() -> None:
    url_map = Map([Rule("/", endpoint="index"), Rule("/u/<name>/<int:n>", endpoint="u")])
    assert url_map.build("index") == "/"
    assert url_map.build("u", {"name": "bob", "n": 3}) == "/u/bob/3"


def test_unknown_values_go_to_the_query_string_in_order() -> None:
    url_map = Map([Rule("/search", endpoint="search")])
    assert url_map.build("search", {"q": "cats", "page": 2, "a": "x"}) == (
        "/search?q=cats&page=2&a=x"
    )


def test_append_unknown_false_drops_the_query() -> None:
    url_map = Map([Rule("/search", endpoint="search")])
    assert url_map.build("search", {"q": "x"}, append_unknown=False) == "/search"


def test_none_values_are_dropped() -> None:
    url_map = Map([Rule("/u/<name>", endpoint="u"), Rule("/u/", endpoint="u")])
    assert url_map.build("u", {"name": None, "q": None}) == "/u/"
    assert url_map.build("u", {"name": "x", "q": None, "tags": ["a", None]}) == "/u/x?tags=a"


def test_list_and_tuple_values_repeat_the_key() -> None:
    url_map = Map([Rule("/s", endpoint="s")])
    assert url_map.build("s", {"tag": ["a", "b"], "n": (1, 2)}) == "/s?tag=a&tag=b&n=1&n=2"


class FakeMultiDict:
    """The part of a MultiDict that building relies on."""

    def __init__(self, items: list[tuple[str, Any]]) -> None:
        self._items = items

    def lists(self) -> Iterator[tuple[str, list[Any]]]:
        keys = dict.fromkeys(key for key, _ in self._items)
        for key in keys:
            yield key, [value for name, value in self._items if name == key]

    def getlist(self, key: str) -> list[Any]:
        return [value for name, value in self._items if name == key]

    def items(self) -> Iterator[tuple[str, Any]]:
        return iter(self._items)

    def __getitem__(self, key: str) -> Any:
        return self.getlist(key)[0]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(key for key, _ in self._items))

    def __len__(self) -> int:
        return len(self._items)


def test_multidict_values_repeat_keys() -> None:
    url_map = Map([Rule("/u/<name>", endpoint="u")])
    values = FakeMultiDict([("name", "bob"), ("t", "1"), ("t", "2"), ("x", None)])
    assert url_map.build("u", values) == "/u/bob?t=1&t=2"  # type: ignore[arg-type]


def test_query_values_are_percent_encoded() -> None:
    url_map = Map([Rule("/s", endpoint="s")])
    url = url_map.build("s", {"q": "a b&c=d+e/é?#", "k y": "v"})
    assert url == "/s?q=a+b%26c%3Dd%2Be/%C3%A9?%23&k+y=v"
    assert parse_qsl(url.partition("?")[2]) == [("q", "a b&c=d+e/é?#"), ("k y", "v")]


def test_query_values_are_converted_to_text() -> None:
    url_map = Map([Rule("/s", endpoint="s")])
    assert url_map.build("s", {"n": 0, "f": 1.5, "b": True}) == "/s?n=0&f=1.5&b=True"


@pytest.mark.parametrize(
    "name",
    ["a b", "ü", "100%", "x?y", "x#y", "a+b", "semi;colon", "tab\tnew\nline", "~._-", "'\"<>"],
)
def test_path_values_round_trip(name: str) -> None:
    url_map = Map([Rule("/u/<name>", endpoint="u")])
    url = url_map.build("u", {"name": name})
    assert "?" not in url and "#" not in url and " " not in url
    rule, values = url_map.match(unquote(url))
    assert rule.endpoint == "u"
    assert values == {"name": name}


def test_string_values_quote_slashes() -> None:
    url_map = Map([Rule("/u/<name>", endpoint="u")])
    assert url_map.build("u", {"name": "a/b"}) == "/u/a%2Fb"


def test_path_values_keep_slashes_and_round_trip() -> None:
    url_map = Map([Rule("/static/<path:filename>", endpoint="static")])
    url = url_map.build("static", {"filename": "css/my site.css"})
    assert url == "/static/css/my%20site.css"
    assert url_map.match(unquote(url))[1] == {"filename": "css/my site.css"}


def test_static_rule_text_is_quoted() -> None:
    url_map = Map([Rule("/hello world/<name>", endpoint="hello")])
    url = url_map.build("hello", {"name": "x"})
    assert url == "/hello%20world/x"
    assert url_map.match(unquote(url))[1] == {"name": "x"}


def test_build_by_method() -> None:
    url_map = Map(
        [
            Rule("/items/", endpoint="items", methods=["GET"]),
            Rule("/items/new", endpoint="items", methods=["POST"]),
        ]
    )
    assert url_map.build("items", method="GET") == "/items/"
    assert url_map.build("items", method="post") == "/items/new"
    assert url_map.build("items", method="HEAD") == "/items/"


def test_build_by_websocket_flag() -> None:
    url_map = Map(
        [
            Rule("/chat", endpoint="chat", methods=["GET"]),
            Rule("/chat/socket", endpoint="chat", websocket=True),
        ]
    )
    assert url_map.build("chat") == "/chat"
    assert url_map.build("chat", websocket=False) == "/chat"
    assert url_map.build("chat", websocket=True) == "/chat/socket"


# -- BuildError --------------------------------------------------------------------------------


def build_error(
    url_map: Map, endpoint: str, values: dict[str, Any] | None = None, **kw: Any
) -> BuildError:
    with pytest.raises(BuildError) as info:
        url_map.build(endpoint, values, **kw)
    return info.value


def test_unknown_endpoint_suggests_close_names() -> None:
    url_map = Map([Rule("/u/<name>", endpoint="user_profile"), Rule("/", endpoint="index")])
    error = build_error(url_map, "user_profil", {"name": "x"})
    assert error.endpoint == "user_profil"
    assert error.values == {"name": "x"}
    assert error.method is None
    assert "no rule has this endpoint" in str(error)
    assert "Did you mean 'user_profile'?" in str(error)
    assert isinstance(error, LookupError)


def test_unknown_endpoint_without_close_names_explains_endpoints() -> None:
    error = build_error(Map([Rule("/", endpoint="index")]), "zzz")
    assert "Did you mean" not in str(error)
    assert "blueprint" in str(error)


def test_missing_values_are_named() -> None:
    url_map = Map([Rule("/u/<int:user_id>/posts/<slug>", endpoint="post")])
    error = build_error(url_map, "post", {"user_id": 3})
    message = str(error)
    assert "rule '/u/<int:user_id>/posts/<slug>' needs a value for 'slug'" in message
    assert "url_for('post', slug=...)" in message
    assert error.values == {"user_id": 3}


def test_none_counts_as_missing() -> None:
    url_map = Map([Rule("/u/<name>", endpoint="u")])
    assert "needs a value for 'name'" in str(build_error(url_map, "u", {"name": None}))


def test_conflicting_default_is_explained() -> None:
    url_map = Map([Rule("/users/", endpoint="users", defaults={"page": 1})])
    message = str(build_error(url_map, "users", {"page": 2}))
    assert "rule '/users/' only builds page=1 (got 2)" in message


def test_method_mismatch_is_explained() -> None:
    url_map = Map([Rule("/items/", endpoint="items", methods=["GET"])])
    error = build_error(url_map, "items", method="DELETE")
    assert error.method == "DELETE"
    assert "with method 'DELETE': its rules allow only GET, HEAD" in str(error)


def test_websocket_mismatch_is_explained() -> None:
    url_map = Map([Rule("/chat", endpoint="chat", methods=["GET"])])
    message = str(build_error(url_map, "chat", websocket=True))
    assert "it has no websocket rule, only HTTP ones ('/chat')" in message
