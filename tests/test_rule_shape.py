"""What route-documenting tools read from a rule: Werkzeug's ``_trace``, ``defaults``."""

from __future__ import annotations

from asyncflask import Blueprint, Flask
from asyncflask.routing import Map, Rule


def test_trace_lists_static_text_and_placeholders() -> None:
    rule = Rule("/pets/<int:pet_id>/toys/<name>", endpoint="toy")
    Map([rule])
    assert rule._trace == [
        (False, "|"),
        (False, "/pets/"),
        (True, "pet_id"),
        (False, "/toys/"),
        (True, "name"),
    ]
    assert type(rule._converters["pet_id"]).__name__ == "IntegerConverter"


def test_trace_starts_with_the_subdomain() -> None:
    rule = Rule("/", endpoint="home", subdomain="<tenant>")
    Map([rule])
    assert rule._trace == [(True, "tenant"), (False, "|"), (False, "/")]


def test_blueprint_rules_have_a_defaults_dict_as_in_flask() -> None:
    app = Flask("shape")
    bp = Blueprint("pets", __name__, url_prefix="/pets")

    @bp.route("/<int:pet_id>")
    def pet(pet_id: int) -> str:
        return str(pet_id)

    @bp.route("/", defaults={"page": 1})
    def pets(page: int) -> str:
        return str(page)

    app.register_blueprint(bp)
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    assert rules["pets.pet"].defaults == {}
    assert rules["pets.pets"].defaults == {"page": 1}
    dynamic = [name for is_dynamic, name in rules["pets.pet"]._trace if is_dynamic]
    assert [name for name in dynamic if name not in rules["pets.pet"].defaults] == ["pet_id"]
