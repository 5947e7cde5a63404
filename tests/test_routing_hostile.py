"""Hostile request paths: huge, slash-heavy or odd input only ever yields a match or NotFound.

These assert correctness; the work stays linear in the path length (a catastrophic regex
would hang here), and timing targets live in benchmarks/.
"""

from __future__ import annotations

import pytest

from asyncflask.exceptions import HTTPException, NotFound
from asyncflask.routing import Map, Rule


def hostile_map() -> Map:
    return Map(
        [
            Rule("/", endpoint="index", methods=["GET"]),
            Rule("/users/<int:id>", endpoint="user", methods=["GET"]),
            Rule("/users/<name>/posts/<slug>/", endpoint="post", methods=["GET"]),
            Rule("/d/<int:y>-<int:m>-<int:d>", endpoint="date", methods=["GET"]),
            Rule("/n/<a>-<b>-<c>.html", endpoint="dashed", methods=["GET"]),
            Rule("/u/<uuid:u>", endpoint="uuid", methods=["GET"]),
            Rule("/f/<float:x>", endpoint="float", methods=["GET"]),
            Rule("/s/<string(maxlength=8):code>", endpoint="code", methods=["GET"]),
            Rule("/static/<path:filename>", endpoint="static", methods=["GET"]),
            Rule("/p/<path:a>/x/<path:b>/y/<path:c>", endpoint="three", methods=["GET"]),
            Rule("/q/<path:a>/<int:n>/<path:b>.txt", endpoint="mixed", methods=["GET"]),
            Rule("/ws/<room>", endpoint="ws", websocket=True),
        ]
    )


def outcome(url_map: Map, path: str, method: str = "GET") -> tuple[str | None, dict[str, object]]:
    try:
        rule, values = url_map.match(path, method)
    except NotFound:
        return None, {}
    return rule.endpoint, values


HOSTILE_PATHS = [
    "/" + "a" * 100_000,
    "/users/" + "1" * 100_000,
    "/users/" + "9" * 5_000,  # more digits than int() parses from a string
    "/" + "/" * 50_000,
    "/" + "a/" * 50_000,
    "/users/" + "x/" * 30_000 + "posts",
    "/d/" + "1-" * 30_000,
    "/n/" + "a-" * 30_000 + "a.htm",
    "/n/" + "-" * 50_000,
    "/u/" + "a" * 100_000,
    "/f/" + "1." * 30_000,
    "/s/" + "s" * 100_000,
    "/p/" + "x/" * 25_000,
    "/p/" + "/x/" * 17_000,
    "/p/" + "x/y/" * 12_000 + "/",
    "/q/" + "1/" * 25_000,
    "/users/\x00",
    "/\x00/\x00/\x00",
    "/users/%00",
    "/users/%2e%2e%2f",
    "/static/../../etc/passwd\x00",
    "/\ud800",
    "/users/1\n",
]


@pytest.mark.parametrize("path", HOSTILE_PATHS, ids=lambda path: repr(path[:24]))
def test_hostile_paths_match_or_are_not_found(path: str) -> None:
    url_map = hostile_map()
    for method in ["GET", "POST"]:
        try:
            url_map.match(path, method)
        except HTTPException as error:
            assert error.code in {404, 405}
    assert isinstance(url_map.allowed_methods(path), set)
    with pytest.raises(NotFound):
        url_map.match(path, websocket=True)


def test_huge_int_segment_is_not_found_not_an_error() -> None:
    url_map = hostile_map()
    assert outcome(url_map, "/users/" + "9" * 5_000) == (None, {})
    assert outcome(url_map, "/users/" + "9" * 1_000) == ("user", {"id": int("9" * 1_000)})


def test_huge_segment_still_matches_string_converter() -> None:
    url_map = Map([Rule("/u/<name>", endpoint="u")])
    assert outcome(url_map, "/u/" + "a" * 100_000) == ("u", {"name": "a" * 100_000})


def test_long_path_with_several_path_converters_is_not_found() -> None:
    url_map = hostile_map()
    assert outcome(url_map, "/p/" + "x/" * 25_000) == (None, {})
    assert outcome(url_map, "/p/" + "/x/" * 17_000) == (None, {})


def test_long_path_with_several_path_converters_matches_correctly() -> None:
    url_map = hostile_map()
    path = "/p/" + "a/" * 20_000 + "x/" + "b/" * 5_000 + "y/c"
    endpoint, values = outcome(url_map, path)
    assert endpoint == "three"
    assert values == {"a": "a/" * 19_999 + "a", "b": "b/" * 4_999 + "b", "c": "c"}


def test_shortest_split_with_repeated_separators() -> None:
    url_map = hostile_map()
    path = "/p/" + "x/" * 10_000 + "y/" * 10_000 + "z"
    endpoint, values = outcome(url_map, path)
    assert endpoint == "three"
    # a stops at the first "/x/", c starts after the first "/y/" after it.
    assert values["a"] == "x"
    assert values["b"] == "/".join(["x"] * 9_998)
    assert values["c"] == "/".join(["y"] * 9_999) + "/z"


def test_path_converters_mixed_with_int_on_long_input() -> None:
    url_map = hostile_map()
    path = "/q/" + "a/" * 10_000 + "7/" + "b/" * 10_000 + "c.txt"
    endpoint, values = outcome(url_map, path)
    assert endpoint == "mixed"
    assert values == {"a": "a/" * 9_999 + "a", "n": 7, "b": "b/" * 10_000 + "c"}


def test_many_converters_in_a_long_segment() -> None:
    url_map = hostile_map()
    assert outcome(url_map, "/n/" + "a-" * 30_000 + "a.htm") == (None, {})
    endpoint, values = outcome(url_map, "/n/" + "a-" * 30_000 + "a.html")
    assert endpoint == "dashed"
    assert values == {"a": "a-" * 29_998 + "a", "b": "a", "c": "a"}


def test_long_static_path_is_not_found() -> None:
    url_map = Map([Rule("/about", endpoint="about"), Rule("/<a>/<b>", endpoint="two")])
    assert outcome(url_map, "/about" * 20_000) == (None, {})
    assert outcome(url_map, "/" * 100_000) == (None, {})


def test_percent_text_is_not_decoded_again() -> None:
    url_map = hostile_map()
    assert outcome(url_map, "/users/%41") == (None, {})
    assert outcome(url_map, "/static/%2e%2e/x") == ("static", {"filename": "%2e%2e/x"})
    assert outcome(url_map, "/users/%2F/posts/%20/") == (
        "post",
        {"name": "%2F", "slug": "%20"},
    )


def test_nul_and_control_characters_are_plain_text() -> None:
    url_map = hostile_map()
    assert outcome(url_map, "/users/\x00") == (None, {})
    assert outcome(url_map, "/users/\x00/posts/\r\n/") == (
        "post",
        {"name": "\x00", "slug": "\r\n"},
    )
    assert outcome(url_map, "/static/a\x00b") == ("static", {"filename": "a\x00b"})


def test_path_converter_refuses_a_leading_slash() -> None:
    url_map = hostile_map()
    assert outcome(url_map, "/static//etc/passwd") == (None, {})


def test_int_converters_after_a_path_converter_on_long_input() -> None:
    url_map = Map([Rule("/z/<path:p>-<int:a>-<int:b>", endpoint="z")])
    assert outcome(url_map, "/z/" + "1-" * 30_000 + "x") == (None, {})
    endpoint, values = outcome(url_map, "/z/" + "1-" * 30_000 + "1")
    assert endpoint == "z"
    assert values == {"p": "-".join(["1"] * 29_999), "a": 1, "b": 1}
