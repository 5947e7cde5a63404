from __future__ import annotations

import copy
import json
import pickle
import time
from typing import Any

import pytest

from asyncflask import datastructures
from asyncflask.datastructures import (
    Accept,
    CallbackDict,
    CharsetAccept,
    CombinedMultiDict,
    Headers,
    ImmutableMultiDict,
    LanguageAccept,
    MIMEAccept,
    MultiDict,
    UserAgent,
)
from asyncflask.exceptions import BadRequest, BadRequestKeyError
from asyncflask.files import FileStorage


def test_all_is_sorted_and_complete() -> None:
    assert datastructures.__all__ == sorted(datastructures.__all__)
    for name in datastructures.__all__:
        assert hasattr(datastructures, name)
    assert datastructures.FileStorage is FileStorage


# ---- MultiDict ------------------------------------------------------------------------


def make() -> MultiDict[str, str]:
    return MultiDict([("a", "1"), ("a", "2"), ("b", "3")])


def test_multidict_constructors() -> None:
    assert MultiDict() == {}
    assert MultiDict(None) == {}
    from_pairs = make()
    assert from_pairs.getlist("a") == ["1", "2"]
    from_mapping = MultiDict({"a": ["1", "2"], "b": "3", "c": ()})
    assert from_mapping == from_pairs
    assert "c" not in from_mapping
    assert MultiDict({"t": ("x", "y")}).getlist("t") == ["x", "y"]
    copied = MultiDict(from_pairs)
    copied.add("a", "4")
    assert from_pairs.getlist("a") == ["1", "2"]


def test_multidict_getitem_first_value() -> None:
    assert make()["a"] == "1"


def test_multidict_missing_key_is_bad_request_key_error() -> None:
    with pytest.raises(BadRequestKeyError) as info:
        make()["missing"]
    assert isinstance(info.value, KeyError)
    assert isinstance(info.value, BadRequest)
    assert info.value.key == "missing"


def test_multidict_get_with_type_and_default() -> None:
    d = MultiDict([("page", "2"), ("bad", "x")])
    assert d.get("page") == "2"
    assert d.get("page", type=int) == 2
    assert d.get("bad", 1, type=int) == 1
    assert d.get("bad", type=int) is None
    assert d.get("missing") is None
    assert d.get("missing", "dflt") == "dflt"


def test_multidict_get_type_error_returns_default() -> None:
    def reject(value: str) -> int:
        raise TypeError(value)

    assert MultiDict({"a": "1"}).get("a", -1, type=reject) == -1


def test_multidict_getlist_skips_bad_values() -> None:
    d = MultiDict([("n", "1"), ("n", "x"), ("n", "3")])
    assert d.getlist("n", type=int) == [1, 3]
    assert d.getlist("missing") == []


def test_multidict_getlist_returns_a_copy() -> None:
    d = make()
    d.getlist("a").append("x")
    assert d.getlist("a") == ["1", "2"]


def test_multidict_setitem_replaces_add_appends() -> None:
    d = make()
    d["a"] = "z"
    assert d.getlist("a") == ["z"]
    d.add("a", "y")
    assert d.getlist("a") == ["z", "y"]
    d.setlist("b", ["p", "q"])
    assert d.getlist("b") == ["p", "q"]


def test_multidict_setdefault_and_setlistdefault() -> None:
    d = make()
    assert d.setdefault("a", "x") == "1"
    assert d.setdefault("new", "x") == "x"
    assert d.getlist("new") == ["x"]
    values = d.setlistdefault("list", ["1"])
    values.append("2")
    assert d.getlist("list") == ["1", "2"]
    assert d.setlistdefault("a") == ["1", "2"]


def test_multidict_views() -> None:
    d = make()
    assert list(d.items()) == [("a", "1"), ("b", "3")]
    assert list(d.items(multi=True)) == [("a", "1"), ("a", "2"), ("b", "3")]
    assert list(d.lists()) == [("a", ["1", "2"]), ("b", ["3"])]
    assert list(d.values()) == ["1", "3"]
    assert list(d.listvalues()) == [["1", "2"], ["3"]]
    assert list(d.keys()) == ["a", "b"]
    assert list(d) == ["a", "b"]
    assert len(d) == 2
    assert "a" in d
    assert "z" not in d


def test_multidict_to_dict() -> None:
    assert make().to_dict() == {"a": "1", "b": "3"}
    assert make().to_dict(flat=False) == {"a": ["1", "2"], "b": ["3"]}


def test_multidict_plain_dict_conversions_give_first_values() -> None:
    d = make()
    assert dict(d) == {"a": "1", "b": "3"}
    assert {**d} == {"a": "1", "b": "3"}
    assert json.loads(json.dumps(d)) == {"a": "1", "b": "3"}


def test_multidict_update_adds() -> None:
    d = make()
    d.update({"a": "9", "c": ["7", "8"]})
    assert d.getlist("a") == ["1", "2", "9"]
    assert d.getlist("c") == ["7", "8"]
    d.update([("b", "4")])
    assert d.getlist("b") == ["3", "4"]
    d.update(MultiDict([("b", "5")]))
    assert d.getlist("b") == ["3", "4", "5"]


def test_multidict_or_operators() -> None:
    d = make()
    merged = d | {"a": "3"}
    assert merged.getlist("a") == ["1", "2", "3"]
    assert d.getlist("a") == ["1", "2"]
    d |= {"b": "4"}
    assert d.getlist("b") == ["3", "4"]


def test_multidict_pop_family() -> None:
    d = make()
    assert d.pop("a") == "1"
    assert "a" not in d
    assert d.pop("a", "dflt") == "dflt"
    with pytest.raises(BadRequestKeyError):
        d.pop("a")
    assert d.poplist("b") == ["3"]
    assert d.poplist("b") == []
    d = make()
    assert d.popitem() == ("b", "3")
    assert d.popitemlist() == ("a", ["1", "2"])
    with pytest.raises(BadRequestKeyError):
        d.popitem()
    with pytest.raises(BadRequestKeyError):
        d.popitemlist()


def test_multidict_copies_are_independent() -> None:
    d = MultiDict([("a", ["x"])])
    shallow = d.copy()
    shallow.add("a", ["y"])
    assert d.getlist("a") == [["x"]]
    assert shallow["a"] is d["a"]
    deep = d.deepcopy()
    assert deep["a"] == ["x"]
    assert deep["a"] is not d["a"]
    assert copy.copy(d) == d
    assert copy.deepcopy(d)["a"] is not d["a"]


def test_multidict_pickle_keeps_every_value() -> None:
    d = make()
    restored = pickle.loads(pickle.dumps(d))
    assert type(restored) is MultiDict
    assert restored.getlist("a") == ["1", "2"]


def test_multidict_equality() -> None:
    assert make() == make()
    assert make() != MultiDict({"a": "1", "b": "3"})
    assert MultiDict({"a": "1"}) == {"a": "1"}
    assert MultiDict({"a": "1"}) != {"a": "2"}
    assert (MultiDict() == 1) is False


def test_multidict_repr() -> None:
    assert repr(make()) == "MultiDict([('a', '1'), ('a', '2'), ('b', '3')])"


def test_multidict_is_a_dict_and_generic() -> None:
    assert isinstance(make(), dict)
    assert MultiDict[str, int] is not None


# ---- ImmutableMultiDict ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("__setitem__", ("a", "x")),
        ("__delitem__", ("a",)),
        ("add", ("a", "x")),
        ("setlist", ("a", ["x"])),
        ("setdefault", ("a", "x")),
        ("setlistdefault", ("a",)),
        ("update", ({"a": "x"},)),
        ("pop", ("a",)),
        ("popitem", ()),
        ("poplist", ("a",)),
        ("popitemlist", ()),
        ("clear", ()),
        ("__ior__", ({"a": "x"},)),
    ],
)
def test_immutable_multidict_mutators_raise_type_error(method: str, args: tuple[Any, ...]) -> None:
    d = ImmutableMultiDict(make())
    with pytest.raises(TypeError, match="ImmutableMultiDict objects are immutable"):
        getattr(d, method)(*args)
    assert d == make()


def test_immutable_multidict_reads_and_mutable_copy() -> None:
    d = ImmutableMultiDict([("a", "1"), ("a", "2")])
    assert d["a"] == "1"
    assert d.getlist("a") == ["1", "2"]
    mutable = d.copy()
    assert type(mutable) is MultiDict
    mutable.add("a", "3")
    assert d.getlist("a") == ["1", "2"]
    assert copy.copy(d) is d
    assert type(copy.deepcopy(d)) is MultiDict
    restored = pickle.loads(pickle.dumps(d))
    assert type(restored) is ImmutableMultiDict
    assert restored == d


def test_immutable_multidict_getlist_cannot_change_it() -> None:
    d = ImmutableMultiDict([("a", "1")])
    d.getlist("a").append("2")
    next(d.lists())[1].append("3")
    assert d.getlist("a") == ["1"]


# ---- CombinedMultiDict -------------------------------------------------------------------


def combined() -> CombinedMultiDict[str, str]:
    args = ImmutableMultiDict([("a", "1"), ("q", "x")])
    form = ImmutableMultiDict([("a", "2"), ("f", "y")])
    return CombinedMultiDict([args, form])


def test_combined_multidict_reads_in_order() -> None:
    values = combined()
    assert values["a"] == "1"
    assert values["f"] == "y"
    assert values.get("a") == "1"
    assert values.get("missing", "d") == "d"
    assert values.get("a", type=int) == 1
    assert values.get("q", -1, type=int) == -1
    assert values.getlist("a") == ["1", "2"]
    assert values.getlist("a", type=int) == [1, 2]
    assert list(values) == ["a", "q", "f"]
    assert list(values.keys()) == ["a", "q", "f"]
    assert len(values) == 3
    assert "f" in values
    assert "z" not in values
    assert list(values.items()) == [("a", "1"), ("q", "x"), ("f", "y")]
    assert list(values.items(multi=True)) == [("a", "1"), ("a", "2"), ("q", "x"), ("f", "y")]
    assert list(values.values()) == ["1", "x", "y"]
    assert values.to_dict() == {"a": "1", "q": "x", "f": "y"}
    assert values.to_dict(flat=False)["a"] == ["1", "2"]
    assert dict(values) == {"a": "1", "q": "x", "f": "y"}
    assert values.copy().getlist("a") == ["1", "2"]


def test_combined_multidict_missing_key_is_bad_request() -> None:
    with pytest.raises(BadRequestKeyError):
        combined()["nope"]


def test_combined_multidict_is_read_only() -> None:
    values: Any = combined()
    with pytest.raises(TypeError):
        values["a"] = "x"


def test_multidict_from_combined_keeps_every_value() -> None:
    assert MultiDict(combined()).getlist("a") == ["1", "2"]


# ---- Headers -------------------------------------------------------------------------------


def test_headers_case_insensitive_lookup() -> None:
    h = Headers([("Content-Type", "text/html")])
    assert h["content-type"] == "text/html"
    assert h["CONTENT-TYPE"] == "text/html"
    assert h.get("Content-type") == "text/html"
    assert "content-TYPE" in h
    assert "X-Missing" not in h
    assert 1 not in h  # type: ignore[comparison-overlap]


def test_headers_missing_is_bad_request_key_error() -> None:
    with pytest.raises(BadRequestKeyError):
        Headers()["X-Missing"]


def test_headers_constructors() -> None:
    assert len(Headers()) == 0
    assert len(Headers(None)) == 0
    from_mapping = Headers({"X-A": "1", "Set-Cookie": ["a=1", "b=2"], "X-Num": 5})
    assert from_mapping.items() == [
        ("X-A", "1"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
        ("X-Num", "5"),
    ]
    from_pairs = Headers([("X-A", "1"), ("X-A", "2")])
    assert from_pairs.getlist("x-a") == ["1", "2"]
    copied = Headers(from_pairs)
    copied.add("X-A", "3")
    assert len(from_pairs) == 2
    assert Headers(MultiDict([("X", "1"), ("X", "2")])).getlist("X") == ["1", "2"]


def test_headers_index_and_slice() -> None:
    h = Headers([("A", "1"), ("B", "2"), ("C", "3")])
    assert h[0] == ("A", "1")
    assert h[-1] == ("C", "3")
    sliced = h[1:]
    assert isinstance(sliced, Headers)
    assert sliced.items() == [("B", "2"), ("C", "3")]


def test_headers_get_type_and_getlist() -> None:
    h = Headers([("Content-Length", "12"), ("X-N", "1"), ("x-n", "oops"), ("X-N", "3")])
    assert h.get("content-length", type=int) == 12
    assert h.get("x-n", 0, type=int) == 1
    assert h.get("missing", "d") == "d"
    assert Headers([("X", "bad")]).get("X", -1, type=int) == -1
    assert h.getlist("x-n") == ["1", "oops", "3"]
    assert h.getlist("X-N", type=int) == [1, 3]
    assert h.getlist("missing") == []


def test_headers_add_with_options() -> None:
    h = Headers()
    h.add("Content-Disposition", "attachment", filename="report 1.pdf")
    assert h["Content-Disposition"] == 'attachment; filename="report 1.pdf"'
    h.add("X-Opt", "v", some_thing="a", flag=None)
    assert h["X-Opt"] == "v; some-thing=a; flag"


def test_headers_add_non_ascii_option_uses_rfc8187() -> None:
    h = Headers()
    h.add("Content-Disposition", "attachment", filename="r\u00e9sum\u00e9.pdf")
    assert h["Content-Disposition"] == "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"
    h.to_asgi()


def test_headers_int_values_become_str() -> None:
    h = Headers()
    h.add("Content-Length", 10)
    h["X-Count"] = 3
    assert h["Content-Length"] == "10"
    assert h["X-Count"] == "3"


def test_headers_set_replaces_all_keeping_first_position() -> None:
    h = Headers([("A", "1"), ("X", "1"), ("B", "2"), ("x", "2"), ("C", "3")])
    h.set("X", "new")
    assert h.items() == [("A", "1"), ("X", "new"), ("B", "2"), ("C", "3")]
    h.set("D", "4")
    assert h.items()[-1] == ("D", "4")
    h["a"] = "one"
    assert h.items()[0] == ("a", "one")
    h.set("Content-Type", "text/plain", charset="utf-8")
    assert h["content-type"] == "text/plain; charset=utf-8"


def test_headers_setdefault_and_setlist() -> None:
    h = Headers([("A", "1")])
    assert h.setdefault("a", "x") == "1"
    assert h.setdefault("B", 2) == "2"
    assert h["B"] == "2"
    h.setlist("Vary", ["Cookie", "Accept"])
    assert h.getlist("vary") == ["Cookie", "Accept"]
    h.setlist("vary", [])
    assert "Vary" not in h


def test_headers_remove_delitem_pop() -> None:
    h = Headers([("A", "1"), ("B", "2"), ("a", "3"), ("C", "4")])
    del h["a"]
    assert h.items() == [("B", "2"), ("C", "4")]
    del h["missing"]
    del h[0]
    assert h.items() == [("C", "4")]
    h.add("D", "5")
    assert h.pop("c") == "4"
    assert h.pop("c", "d") == "d"
    with pytest.raises(BadRequestKeyError):
        h.pop("c")
    assert h.pop() == "5"
    h.add("E", "6")
    assert h.popitem() == ("E", "6")
    h.add("F", "7")
    h.remove("f")
    assert len(h) == 0


def test_headers_setitem_by_index() -> None:
    h = Headers([("A", "1")])
    h[0] = ("B", "2")
    assert h.items() == [("B", "2")]
    with pytest.raises(TypeError):
        h[0] = "x"
    with pytest.raises(ValueError):
        h[0] = ("B", "x\r\ny")


def test_headers_extend_keeps_update_replaces() -> None:
    h = Headers([("A", "1"), ("B", "1")])
    h.extend({"A": "2"}, C="3")
    assert h.getlist("A") == ["1", "2"]
    assert h["C"] == "3"
    h.update({"a": ["x", "y"]}, B="z")
    assert h.getlist("A") == ["x", "y"]
    assert h.getlist("B") == ["z"]
    h.update([("Set-Cookie", "1"), ("Set-Cookie", "2")])
    assert h.getlist("set-cookie") == ["1", "2"]
    h.update(Headers([("C", "new")]))
    assert h.getlist("C") == ["new"]


def test_headers_views_iteration_and_dict() -> None:
    h = Headers([("A", "1"), ("B", "2")])
    assert list(h) == [("A", "1"), ("B", "2")]
    assert dict(h) == {"A": "1", "B": "2"}
    assert h.keys() == ["A", "B"]
    assert h.keys(lower=True) == ["a", "b"]
    assert h.values() == ["1", "2"]
    assert h.items(lower=True) == [("a", "1"), ("b", "2")]
    assert len(h) == 2
    assert bool(Headers()) is False


def test_headers_equality_ignores_name_case_and_other_names_order() -> None:
    assert Headers([("A", "1"), ("B", "2")]) == Headers([("b", "2"), ("a", "1")])
    assert Headers([("A", "1"), ("A", "2")]) != Headers([("A", "2"), ("A", "1")])
    assert Headers([("A", "1")]) != Headers([("A", "1"), ("A", "1")])
    assert (Headers() == []) is False


def test_headers_copy_is_independent() -> None:
    h = Headers([("A", "1")])
    c = h.copy()
    c.add("B", "2")
    assert "B" not in h
    assert copy.copy(h) == h


def test_headers_str_and_repr() -> None:
    h = Headers([("A", "1"), ("B", "2")])
    assert str(h) == "A: 1\r\nB: 2\r\n\r\n"
    assert repr(h) == "Headers([('A', '1'), ('B', '2')])"


@pytest.mark.parametrize("bad", ["\r", "\n", "\0", "\r\n"])
def test_headers_value_with_cr_lf_nul_raises_value_error(bad: str) -> None:
    h = Headers()
    value = f"x{bad}Set-Cookie: session=attacker"
    with pytest.raises(ValueError, match="header injection"):
        h.add("X-Test", value)
    with pytest.raises(ValueError, match="header injection"):
        h.set("X-Test", value)
    with pytest.raises(ValueError, match="header injection"):
        h["X-Test"] = value
    with pytest.raises(ValueError):
        Headers({"X-Test": value})
    with pytest.raises(ValueError):
        h.extend([("X-Test", value)])
    with pytest.raises(ValueError):
        h.update({"X-Test": value})
    with pytest.raises(ValueError):
        h.add("Content-Disposition", "attachment", filename=value)
    assert len(h) == 0


@pytest.mark.parametrize("name", ["X\r\nInjected", "X\nY", "X\0", "Bad Name", "", "X:Y", "\u00e9"])
def test_headers_invalid_name_raises_value_error(name: str) -> None:
    with pytest.raises(ValueError):
        Headers().add(name, "v")
    with pytest.raises(ValueError):
        Headers().set(name, "v")


def test_headers_non_str_value_raises_type_error() -> None:
    with pytest.raises(TypeError, match="str or int"):
        Headers().add("X", b"bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="str or int"):
        Headers().set("X", None)  # type: ignore[arg-type]


def test_headers_from_asgi_and_to_asgi() -> None:
    raw = [(b"host", b"example.com"), (b"x-latin", b"caf\xe9"), (b"x-a", b"1"), (b"x-a", b"2")]
    h = Headers.from_asgi(raw)
    assert h["Host"] == "example.com"
    assert h["x-latin"] == "caf\u00e9"
    assert h.getlist("X-A") == ["1", "2"]
    assert h.to_asgi() == raw
    out = Headers([("Content-Type", "text/html")])
    assert out.to_asgi() == [(b"content-type", b"text/html")]


def test_headers_to_asgi_rejects_non_latin1_value() -> None:
    h = Headers([("X-Name", "\u2603 snowman")])
    with pytest.raises(ValueError, match="latin-1"):
        h.to_asgi()


def test_headers_hot_operations_are_fast() -> None:
    raw = [(b"host", b"localhost"), (b"user-agent", b"test"), (b"accept", b"*/*")] * 4
    start = time.perf_counter()
    for _ in range(10_000):
        h = Headers.from_asgi(raw)
        h.get("Content-Type")
        out = Headers()
        out.set("Content-Type", "text/html; charset=utf-8")
        out.add("Content-Length", 12)
        out.to_asgi()
    # About 2 microseconds per operation here; the bound only catches pathologies.
    assert time.perf_counter() - start < 1.0


# ---- Accept --------------------------------------------------------------------------------


def test_accept_sorted_best_first() -> None:
    accept = Accept([("a", 0.5), ("b", 1), ("c", 0.8)])
    assert list(accept) == [("b", 1), ("c", 0.8), ("a", 0.5)]
    assert list(accept.values()) == ["b", "c", "a"]
    assert accept[0] == ("b", 1)
    assert accept.best == "b"


def test_accept_quality_and_contains() -> None:
    accept = Accept([("gzip", 1), ("br", 0), ("*", 0.1)])
    assert accept["gzip"] == 1
    assert accept.quality("GZIP") == 1
    assert accept["br"] == 0
    assert accept["deflate"] == 0.1
    assert "gzip" in accept
    assert "br" not in accept
    assert 1 not in accept  # type: ignore[comparison-overlap]


def test_accept_find_and_index() -> None:
    accept = Accept([("a", 1), ("b", 0.5)])
    assert accept.find("b") == 1
    assert accept.find("z") == -1
    assert accept.index("b") == 1
    assert accept.index(("a", 1)) == 0
    with pytest.raises(ValueError):
        accept.index("z")


def test_accept_best_match() -> None:
    accept = Accept([("a", 0.5), ("b", 1)])
    assert accept.best_match(["a", "b"]) == "b"
    assert accept.best_match(["a", "c"]) == "a"
    assert accept.best_match(["c"]) is None
    assert accept.best_match(["c"], default="d") == "d"


def test_accept_empty_accepts_everything() -> None:
    accept = MIMEAccept()
    assert not accept
    assert accept["application/json"] == 1
    assert "text/html" in accept
    assert accept.best is None
    assert accept.best_match(["application/json", "text/html"]) == "application/json"
    assert accept.best_match([], default="x") == "x"
    assert accept.accept_json


def test_accept_quality_zero_is_not_acceptable() -> None:
    accept = MIMEAccept([("text/html", 0), ("*/*", 0.5)])
    assert "text/html" not in accept
    assert accept["text/html"] == 0
    assert accept["text/plain"] == 0.5
    assert accept.best == "*/*"
    assert accept.best_match(["text/html"]) is None
    assert MIMEAccept([("*/*", 0)]).best is None


def test_accept_to_header() -> None:
    accept = MIMEAccept([("text/html", 1), ("application/json", 0.9)])
    assert accept.to_header() == "text/html,application/json;q=0.9"
    assert str(accept) == accept.to_header()
    assert repr(accept) == "MIMEAccept([('text/html', 1), ('application/json', 0.9)])"


def test_mime_accept_wildcards() -> None:
    accept = MIMEAccept([("text/*", 0.7), ("*/*", 0.1), ("text/html", 1)])
    assert accept["text/html"] == 1
    assert accept["text/plain"] == 0.7
    assert accept["image/png"] == 0.1
    assert accept["TEXT/HTML"] == 1
    assert MIMEAccept([("*", 1)])["image/png"] == 1


def test_mime_accept_most_specific_entry_wins() -> None:
    accept = MIMEAccept([("*/*", 1), ("application/json", 0)])
    assert accept["application/json"] == 0
    assert accept.best_match(["application/json", "text/html"]) == "text/html"


def test_mime_accept_parameters() -> None:
    accept = MIMEAccept([("text/html;level=1", 1), ("text/html", 0.5)])
    assert accept["text/html;level=1"] == 1
    assert accept["text/html"] == 0.5


def test_mime_accept_best_match_prefers_quality_then_specificity_then_order() -> None:
    browser = MIMEAccept(
        [
            ("text/html", 1),
            ("application/xhtml+xml", 1),
            ("application/xml", 0.9),
            ("*/*", 0.8),
        ]
    )
    assert browser.best_match(["application/json", "text/html"]) == "text/html"
    assert browser.best_match(["application/json"]) == "application/json"
    both = MIMEAccept([("text/*", 1), ("application/json", 1)])
    assert both.best_match(["text/html", "application/json"]) == "application/json"
    assert MIMEAccept([("*/*", 1)]).best_match(["b/b", "a/a"]) == "b/b"


def test_mime_accept_flags() -> None:
    browser = MIMEAccept([("text/html", 1), ("*/*", 0.8)])
    assert browser.accept_html
    assert browser.accept_json
    api = MIMEAccept([("application/json", 1)])
    assert api.accept_json
    assert not api.accept_html
    assert not api.accept_xhtml
    assert MIMEAccept([("application/xhtml+xml", 1)]).accept_html


def test_mime_accept_drops_malformed_entries() -> None:
    accept = MIMEAccept([("text", 1), ("/html", 1), ("", 1), ("text/html", 0.5)])
    assert list(accept) == [("text/html", 0.5)]


def test_language_accept_prefix_matching() -> None:
    accept = LanguageAccept([("en-US", 1), ("en", 0.9), ("de", 0.5)])
    assert accept["en-us"] == 1
    assert accept["en_US"] == 1
    assert accept["en-GB"] == 0.9
    assert accept["fr"] == 0
    assert accept.best_match(["de", "en"]) == "en"
    assert accept.best_match(["de", "fr"]) == "de"
    assert accept.best_match(["fr"]) is None


def test_language_accept_falls_back_to_primary_language() -> None:
    accept = LanguageAccept([("en-US", 1), ("de", 0.5)])
    assert accept.best_match(["fr", "en-GB"]) == "en-GB"
    assert accept.best_match(["de", "en-GB"]) == "de"
    assert accept.best_match(["fr"], default="en") == "en"


def test_charset_accept_aliases() -> None:
    accept = CharsetAccept([("UTF-8", 1), ("latin1", 0.5)])
    assert accept["utf8"] == 1
    assert accept["iso-8859-1"] == 0.5
    assert accept["ascii"] == 0
    assert CharsetAccept([("*", 1)])["koi8-r"] == 1


# ---- UserAgent, CallbackDict ----------------------------------------------------------------


def test_user_agent() -> None:
    ua = UserAgent("Mozilla/5.0 (X11)")
    assert ua.string == "Mozilla/5.0 (X11)"
    assert str(ua) == "Mozilla/5.0 (X11)"
    assert ua.to_header() == "Mozilla/5.0 (X11)"
    assert ua
    assert ua.platform is None
    assert ua.browser is None
    assert ua.version is None
    assert ua.language is None
    assert not UserAgent("")
    assert UserAgent(None).string == ""


def test_callback_dict_calls_on_update_for_each_mutation() -> None:
    calls: list[dict[str, int]] = []
    d: CallbackDict[str, int] = CallbackDict({"a": 1}, on_update=lambda d: calls.append(dict(d)))
    assert d["a"] == 1
    assert not calls
    d["b"] = 2
    del d["a"]
    d.update(c=3)
    d |= {"e": 5}
    assert d.setdefault("b", 9) == 2
    assert len(calls) == 4
    d.setdefault("d", 4)
    assert d.pop("missing", None) is None
    assert len(calls) == 5
    assert d.pop("d") == 4
    d.popitem()
    d.clear()
    assert len(calls) == 8
    assert calls[0] == {"a": 1, "b": 2}
    assert d == {}


def test_callback_dict_without_callback() -> None:
    d: CallbackDict[str, int] = CallbackDict()
    d["a"] = 1
    assert d == {"a": 1}
    assert repr(d) == "<CallbackDict {'a': 1}>"


def test_headers_add_with_options_still_rejects_bytes_value() -> None:
    with pytest.raises(TypeError, match="str or int"):
        Headers().add("Content-Disposition", b"attachment", filename="a.txt")  # type: ignore[arg-type]
