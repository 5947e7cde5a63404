"""The per-endpoint hook chain: flattened once across the app and nested blueprints."""

from __future__ import annotations

from typing import Any

from asyncflask import Blueprint, Flask
from asyncflask.hookchain import (
    blueprint_names,
    build_endpoint_hooks,
    clear_endpoint_hooks,
    endpoint_hooks,
)


def _named(name: str) -> Any:
    def hook(*args: Any) -> None:
        return None

    hook.__name__ = name
    return hook


def _nested_app() -> tuple[Flask, Blueprint, Blueprint, Blueprint]:
    app = Flask("hookchain_app")
    outer, middle, inner = (Blueprint(n, __name__) for n in ("outer", "middle", "inner"))
    for scaffold, prefix in ((app, "app"), (outer, "outer"), (middle, "middle"), (inner, "inner")):
        for i in (1, 2):
            scaffold.url_value_preprocessor(_named(f"{prefix}_uvp{i}"))
            scaffold.before_request(_named(f"{prefix}_before{i}"))
            scaffold.after_request(_named(f"{prefix}_after{i}"))
            scaffold.teardown_request(_named(f"{prefix}_teardown{i}"))
            scaffold.before_websocket(_named(f"{prefix}_before_ws{i}"))
            scaffold.after_websocket(_named(f"{prefix}_after_ws{i}"))
            scaffold.context_processor(_named(f"{prefix}_ctx{i}"))
    middle.register_blueprint(inner)
    outer.register_blueprint(middle)
    app.register_blueprint(outer)
    return app, outer, middle, inner


def _names(funcs: tuple[Any, ...]) -> list[str]:
    return [f.__name__ for f in funcs]


def test_blueprint_names_innermost_first() -> None:
    assert blueprint_names(None) == ()
    assert blueprint_names("index") == ()
    assert blueprint_names("a.view") == ("a",)
    assert blueprint_names("a.b.c.view") == ("a.b.c", "a.b", "a")


def test_flattened_order_matches_flask() -> None:
    app, *_ = _nested_app()
    hooks = endpoint_hooks(app, "outer.middle.inner.view")
    assert hooks.blueprints == ("outer.middle.inner", "outer.middle", "outer")
    down = ["app", "outer", "middle", "inner"]
    up = down[::-1]
    assert _names(hooks.before_request) == [f"{p}_before{i}" for p in down for i in (1, 2)]
    assert _names(hooks.url_value_preprocessors) == [f"{p}_uvp{i}" for p in down for i in (1, 2)]
    assert _names(hooks.before_websocket) == [f"{p}_before_ws{i}" for p in down for i in (1, 2)]
    assert _names(hooks.context_processors) == [f"{p}_ctx{i}" for p in down for i in (1, 2)]
    assert _names(hooks.after_request) == [f"{p}_after{i}" for p in up for i in (2, 1)]
    assert _names(hooks.teardown_request) == [f"{p}_teardown{i}" for p in up for i in (2, 1)]
    assert _names(hooks.after_websocket) == [f"{p}_after_ws{i}" for p in up for i in (2, 1)]


def test_app_endpoints_and_unmatched_requests_get_the_app_hooks() -> None:
    app, *_ = _nested_app()
    for endpoint in (None, "index"):
        hooks = endpoint_hooks(app, endpoint)
        assert hooks.blueprints == ()
        assert _names(hooks.before_request) == ["app_before1", "app_before2"]
        assert _names(hooks.after_request) == ["app_after2", "app_after1"]
    middle = endpoint_hooks(app, "outer.middle.view")
    assert _names(middle.before_request)[-1] == "middle_before2"


def test_result_is_cached_per_endpoint_and_registries_do_not_grow() -> None:
    app, *_ = _nested_app()
    app.view_functions["outer.nothing_here.view"] = _named("view")
    keys_before = set(app.before_request_funcs)
    first = endpoint_hooks(app, "outer.nothing_here.view")
    assert endpoint_hooks(app, "outer.nothing_here.view") is first
    assert endpoint_hooks(app, None) is endpoint_hooks(app, None)
    assert set(app.before_request_funcs) == keys_before


def test_unknown_endpoints_are_not_cached() -> None:
    app, *_ = _nested_app()
    for i in range(100):
        hooks = endpoint_hooks(app, f"outer.made_up_{i}")
        assert _names(hooks.before_request)[-1] == "outer_before2"
    assert app._endpoint_hooks == {}


def test_registering_a_hook_through_the_api_drops_the_cache() -> None:
    app, *_ = _nested_app()
    app.view_functions["outer.view"] = _named("view")
    before = endpoint_hooks(app, "outer.view")

    @app.before_request
    def late() -> None:
        return None

    after = endpoint_hooks(app, "outer.view")
    assert after is not before
    assert late in after.before_request


def test_registering_a_blueprint_drops_the_cache() -> None:
    app = Flask("hookchain_register")
    endpoint_hooks(app, "late.view")
    late = Blueprint("late", __name__)
    hook = late.before_request(_named("late_before"))
    app.register_blueprint(late)
    assert endpoint_hooks(app, "late.view").before_request == (hook,)


def test_registries_edited_by_hand_before_first_use_are_seen() -> None:
    app = Flask("hookchain_direct")
    hook = _named("direct")
    app.before_request_funcs.setdefault(None, []).insert(0, hook)
    app.after_request_funcs["bp"] = [hook]
    assert endpoint_hooks(app, "bp.view").before_request == (hook,)
    assert endpoint_hooks(app, "bp.view").after_request == (hook,)


def test_clear_endpoint_hooks_sees_edits_made_by_hand_afterwards() -> None:
    app = Flask("hookchain_clear")
    app.view_functions["index"] = _named("index")
    assert endpoint_hooks(app, "index").before_request == ()
    hook = _named("direct")
    app.before_request_funcs[None] = [hook]
    assert endpoint_hooks(app, "index").before_request == ()
    clear_endpoint_hooks(app)
    assert endpoint_hooks(app, "index").before_request == (hook,)


def test_build_is_pure_and_uncached() -> None:
    app, *_ = _nested_app()
    one = build_endpoint_hooks(app, "outer.view")
    assert build_endpoint_hooks(app, "outer.view") is not one
    assert app._endpoint_hooks == {}
    assert "outer" in repr(one)
