"""JSON: jsonify, the default provider's encoding rules, and the module-level helpers."""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from markupsafe import Markup

from asyncflask import Flask, jsonify, request
from asyncflask import json as af_json
from asyncflask.json.provider import DefaultJSONProvider, JSONProvider


@dataclasses.dataclass
class Point:
    x: int
    y: int
    label: str = "p"


# -- jsonify ------------------------------------------------------------------------


def test_jsonify_single_argument(app: Flask) -> None:
    with app.app_context():
        response = jsonify({"b": 2, "a": 1})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Type"] == "application/json"
    assert response.data == b'{"a":1,"b":2}\n'


def test_jsonify_several_arguments_make_a_list(app: Flask) -> None:
    with app.app_context():
        response = jsonify(1, "two", [3])
    assert response.json == [1, "two", [3]]


def test_jsonify_keyword_arguments_make_an_object(app: Flask) -> None:
    with app.app_context():
        response = jsonify(name="ann", age=3)
    assert response.json == {"age": 3, "name": "ann"}


def test_jsonify_without_arguments_is_null(app: Flask) -> None:
    with app.app_context():
        assert jsonify().data == b"null\n"


def test_jsonify_with_args_and_kwargs_is_type_error(app: Flask) -> None:
    with app.app_context(), pytest.raises(TypeError, match="both args and kwargs"):
        jsonify(1, a=2)


def test_jsonify_outside_an_app_context_is_runtime_error() -> None:
    with pytest.raises(RuntimeError, match="app_context"):
        jsonify(a=1)


@pytest.mark.anyio
async def test_jsonify_in_a_view(app: Flask) -> None:
    @app.get("/")
    async def view() -> Any:
        return jsonify(path=request.path, items=[1, 2])

    @app.get("/created")
    def created() -> Any:
        return jsonify(id=1), 201

    client = app.test_client()
    r = await client.get("/")
    assert r.status_code == 200
    assert r.mimetype == "application/json"
    assert r.json == {"path": "/", "items": [1, 2]}
    r = await client.get("/created")
    assert r.status_code == 201
    assert r.json == {"id": 1}


def test_jsonify_output_is_compact_with_trailing_newline(app: Flask) -> None:
    with app.app_context():
        response = jsonify({"a": [1, 2], "b": {"c": None}})
    assert response.get_data(as_text=True) == '{"a":[1,2],"b":{"c":null}}\n'


def test_jsonify_is_indented_in_debug_mode(app: Flask) -> None:
    app.debug = True
    with app.app_context():
        response = jsonify({"a": 1})
    assert response.get_data(as_text=True) == '{\n  "a": 1\n}\n'


def test_compact_setting_overrides_debug(app: Flask) -> None:
    app.debug = True
    app.json.compact = True  # type: ignore[attr-defined]
    with app.app_context():
        assert jsonify({"a": 1}).data == b'{"a":1}\n'


# -- encoding rules -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2024, 5, 17), "Fri, 17 May 2024 00:00:00 GMT"),
        (datetime(2024, 5, 17, 12, 30), "Fri, 17 May 2024 12:30:00 GMT"),
        (datetime(2024, 5, 17, 12, 30, tzinfo=timezone.utc), "Fri, 17 May 2024 12:30:00 GMT"),
        (
            datetime(2024, 5, 17, 14, 30, tzinfo=timezone(timedelta(hours=2))),
            "Fri, 17 May 2024 12:30:00 GMT",
        ),
    ],
)
def test_dates_are_http_dates(app: Flask, value: date, expected: str) -> None:
    with app.app_context():
        response = jsonify({"when": value})
    assert response.json == {"when": expected}


def test_uuid_is_a_string(app: Flask) -> None:
    value = UUID("12345678-1234-5678-1234-567812345678")
    with app.app_context():
        assert jsonify(id=value).json == {"id": "12345678-1234-5678-1234-567812345678"}


def test_decimal_is_a_string(app: Flask) -> None:
    with app.app_context():
        response = jsonify(price=Decimal("19.99"), exact=Decimal("0.1"))
    assert response.json == {"price": "19.99", "exact": "0.1"}


def test_dataclass_is_an_object(app: Flask) -> None:
    with app.app_context():
        response = jsonify(Point(1, 2))
    assert response.json == {"x": 1, "y": 2, "label": "p"}


def test_nested_values_are_encoded(app: Flask) -> None:
    with app.app_context():
        response = jsonify([Point(0, 0, "origin"), {"on": date(2020, 1, 1)}])
    assert response.json == [
        {"x": 0, "y": 0, "label": "origin"},
        {"on": "Wed, 01 Jan 2020 00:00:00 GMT"},
    ]


def test_markup_is_its_html(app: Flask) -> None:
    with app.app_context():
        assert jsonify(html=Markup("<b>x</b>")).json == {"html": "<b>x</b>"}


def test_unserializable_value_is_type_error(app: Flask) -> None:
    with app.app_context(), pytest.raises(TypeError, match="not JSON serializable"):
        jsonify(value=object())


def test_dataclass_class_itself_is_not_serializable(app: Flask) -> None:
    with app.app_context(), pytest.raises(TypeError, match="not JSON serializable"):
        jsonify(value=Point)


def test_non_ascii_is_escaped_by_default(app: Flask) -> None:
    with app.app_context():
        response = jsonify(name="Zoë")
    assert response.data == b'{"name":"Zo\\u00eb"}\n'
    assert response.json == {"name": "Zoë"}


def test_ensure_ascii_can_be_disabled(app: Flask) -> None:
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    with app.app_context():
        response = jsonify(name="Zoë")
    assert response.data == '{"name":"Zoë"}\n'.encode()


def test_keys_are_sorted_by_default(app: Flask) -> None:
    with app.app_context():
        assert jsonify({"b": 1, "a": 2, "c": 3}).data == b'{"a":2,"b":1,"c":3}\n'


def test_sort_keys_can_be_disabled(app: Flask) -> None:
    app.json.sort_keys = False  # type: ignore[attr-defined]
    with app.app_context():
        assert jsonify({"b": 1, "a": 2, "c": 3}).data == b'{"b":1,"a":2,"c":3}\n'


def test_settings_changed_after_a_response_apply_to_the_next(app: Flask) -> None:
    with app.app_context():
        assert jsonify({"b": 1, "a": 2}).data == b'{"a":2,"b":1}\n'
        app.json.sort_keys = False  # type: ignore[attr-defined]
        assert jsonify({"b": 1, "a": 2}).data == b'{"b":1,"a":2}\n'
        app.json.ensure_ascii = False  # type: ignore[attr-defined]
        assert jsonify({"é": 1}).data == '{"é":1}\n'.encode()
        app.json.default = lambda o: "custom"  # type: ignore[attr-defined]
        assert jsonify([object()]).data == b'["custom"]\n'
        app.json.compact = False  # type: ignore[attr-defined]
        assert jsonify([1]).data == b"[\n  1\n]\n"


def test_debug_mode_switched_on_later_indents_responses(app: Flask) -> None:
    with app.app_context():
        assert jsonify([1]).data == b"[1]\n"
        app.debug = True
        assert jsonify([1]).data == b"[\n  1\n]\n"


@pytest.mark.anyio
async def test_sort_keys_applies_to_returned_dicts(app: Flask) -> None:
    app.json.sort_keys = False  # type: ignore[attr-defined]

    @app.get("/")
    def view() -> dict[str, int]:
        return {"z": 1, "a": 2}

    r = await app.test_client().get("/")
    assert r.data == b'{"z":1,"a":2}\n'


# -- module helpers -----------------------------------------------------------------


def test_dumps_and_loads_without_an_app() -> None:
    assert af_json.dumps({"d": date(2024, 5, 17)}) == '{"d": "Fri, 17 May 2024 00:00:00 GMT"}'
    assert af_json.loads('{"a": [1]}') == {"a": [1]}
    assert af_json.loads(b"[true]") == [True]


def test_dumps_uses_the_app_provider_in_an_app_context(app: Flask) -> None:
    app.json.sort_keys = False  # type: ignore[attr-defined]
    with app.app_context():
        assert af_json.dumps({"b": 1, "a": 2}) == '{"b": 1, "a": 2}'
    app.json.sort_keys = True  # type: ignore[attr-defined]
    with app.app_context():
        assert af_json.dumps({"b": 1, "a": 2}) == '{"a": 2, "b": 1}'


def test_dump_and_load_files() -> None:
    buffer = io.StringIO()
    af_json.dump({"u": UUID(int=1)}, buffer)
    buffer.seek(0)
    assert af_json.load(buffer) == {"u": "00000000-0000-0000-0000-000000000001"}


def test_loads_malformed_is_value_error() -> None:
    with pytest.raises(ValueError):
        af_json.loads("{nope")


def test_default_provider_subclass_overriding_dumps_is_used_by_jsonify(app: Flask) -> None:
    class UpperProvider(DefaultJSONProvider):
        def dumps(self, obj: Any, **kwargs: Any) -> str:
            return super().dumps(obj, **kwargs).upper()

    app.json = UpperProvider(app)
    with app.app_context():
        assert jsonify(key="value").data == b'{"KEY":"VALUE"}\n'
        assert af_json.dumps({"a": "b"}) == '{"A": "B"}'


def test_custom_provider_from_the_base_class(app: Flask) -> None:
    class ReprProvider(JSONProvider):
        """A provider for another JSON library: only dumps and loads are needed."""

        def dumps(self, obj: Any, **kwargs: Any) -> str:
            return json.dumps(obj, separators=(",", ":"), sort_keys=True)

        def loads(self, s: str | bytes, **kwargs: Any) -> Any:
            return {"loaded": json.loads(s)}

    app.json = ReprProvider(app)
    with app.app_context():
        response = jsonify(b=1, a=2)
        assert response.data == b'{"a":2,"b":1}\n'
        assert response.mimetype == "application/json"
        assert app.json.loads("[1]") == {"loaded": [1]}


@pytest.mark.anyio
async def test_custom_provider_is_used_for_returned_dicts_and_request_json(app: Flask) -> None:
    class TaggingProvider(DefaultJSONProvider):
        def loads(self, s: str | bytes, **kwargs: Any) -> Any:
            return {"tagged": super().loads(s, **kwargs)}

    app.json = TaggingProvider(app)

    @app.post("/")
    def view() -> Any:
        return request.get_json()

    r = await app.test_client().post("/", json=[1, 2])
    assert r.json == {"tagged": [1, 2]}


def test_provider_class_attribute() -> None:
    class Provider(DefaultJSONProvider):
        sort_keys = False

    class App(Flask):
        json_provider_class = Provider

    app = App("provider_app")
    assert isinstance(app.json, Provider)
    with app.app_context():
        assert jsonify({"b": 1, "a": 2}).data == b'{"b":1,"a":2}\n'


def test_base_provider_without_dumps_says_what_to_implement(app: Flask) -> None:
    provider = JSONProvider(app)
    with pytest.raises(TypeError, match="must implement dumps"):
        provider.dumps({})


def test_circular_data_is_a_value_error(app: Flask) -> None:
    data: list[Any] = []
    data.append(data)
    with app.app_context(), pytest.raises(ValueError, match="Circular reference"):
        jsonify(data)


def test_compact_and_indented_output_agree_with_the_standard_library(app: Flask) -> None:
    import json as std_json

    value = {"b": [1, 2.5, None, True], "a": "caf\u00e9", "c": {"z": 1, "y": float("inf")}}
    with app.app_context():
        compact = jsonify(value).get_data(as_text=True)
        assert compact == std_json.dumps(value, sort_keys=True, separators=(",", ":")) + "\n"
        app.json.compact = False  # type: ignore[attr-defined]
        indented = jsonify(value).get_data(as_text=True)
        assert indented == std_json.dumps(value, sort_keys=True, indent=2) + "\n"


def test_json_tag_subclasses_may_leave_methods_out() -> None:
    from asyncflask.json.tag import JSONTag, TaggedJSONSerializer

    class KeyOnly(JSONTag):
        key = " k"

    serializer = TaggedJSONSerializer()
    serializer.register(KeyOnly, index=-1)
    assert isinstance(serializer.order[-2], KeyOnly)
    with pytest.raises(NotImplementedError, match="check"):
        KeyOnly(serializer).check(1)
