"""The public names of ``asyncflask`` match the contract in DESIGN.md."""

from __future__ import annotations

import importlib

import pytest

import asyncflask

#: Names of the public contract that exist today.
CONTRACT = [
    "AsyncFlask",
    "Blueprint",
    "Flask",
    "Request",
    "Response",
    "ServerSentEvent",
    "abort",
    "after_this_request",
    "copy_current_request_context",
    "current_app",
    "flash",
    "g",
    "get_flashed_messages",
    "get_template_attribute",
    "has_app_context",
    "has_request_context",
    "jsonify",
    "make_response",
    "redirect",
    "render_template",
    "render_template_string",
    "request",
    "send_file",
    "send_from_directory",
    "session",
    "sse",
    "stream_template",
    "stream_with_context",
    "url_for",
    "websocket",
]

#: Names of the contract that later work adds; absent is fine, present means exported.


@pytest.mark.parametrize("name", CONTRACT)
def test_contract_name_is_importable(name: str) -> None:
    module = importlib.import_module("asyncflask")
    assert hasattr(module, name), f"asyncflask.{name} is missing"
    exec(f"from asyncflask import {name}", {})


@pytest.mark.parametrize("name", CONTRACT)
def test_contract_name_is_in_all(name: str) -> None:
    assert name in asyncflask.__all__


def test_all_is_sorted() -> None:
    assert asyncflask.__all__ == sorted(asyncflask.__all__)


def test_all_has_no_duplicates() -> None:
    assert len(asyncflask.__all__) == len(set(asyncflask.__all__))


def test_every_name_in_all_resolves() -> None:
    missing = [name for name in asyncflask.__all__ if not hasattr(asyncflask, name)]
    assert missing == []


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from asyncflask import *", namespace)
    namespace.pop("__builtins__", None)
    assert sorted(namespace) == sorted(asyncflask.__all__)


def test_async_flask_is_flask() -> None:
    assert asyncflask.AsyncFlask is asyncflask.Flask


def test_version_is_a_string() -> None:
    assert isinstance(asyncflask.__version__, str)
    assert asyncflask.__version__


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("asyncflask.exceptions", "WebSocketDisconnect"),
        ("asyncflask.exceptions", "HTTPException"),
        ("asyncflask.exceptions", "NotFound"),
        ("asyncflask.testing", "FlaskClient"),
        ("asyncflask.wrappers", "Request"),
        ("asyncflask.wrappers", "Response"),
        ("asyncflask.globals", "request"),
        ("asyncflask.ctx", "has_request_context"),
        ("asyncflask.json", "jsonify"),
        ("asyncflask.routing", "BuildError"),
        ("asyncflask.routing", "BaseConverter"),
        ("asyncflask.routing", "Map"),
        ("asyncflask.routing", "Rule"),
        ("asyncflask.datastructures", "MultiDict"),
        ("asyncflask.datastructures", "Headers"),
        ("asyncflask.datastructures", "FileStorage"),
        ("asyncflask.security", "generate_password_hash"),
        ("asyncflask.security", "check_password_hash"),
        ("asyncflask.security", "safe_join"),
        ("asyncflask.utils", "secure_filename"),
        ("asyncflask.middleware", "ProxyFix"),
        ("asyncflask.sessions", "SecureCookieSessionInterface"),
        ("asyncflask.json.tag", "TaggedJSONSerializer"),
        ("asyncflask.helpers", "url_for"),
        ("asyncflask.config", "Config"),
        ("asyncflask.logging", "default_handler"),
    ],
)
def test_submodule_import_paths(module: str, name: str) -> None:
    assert hasattr(importlib.import_module(module), name)


def test_proxies_are_the_same_objects_as_in_globals() -> None:
    from asyncflask import globals as g_module

    for name in ("request", "websocket", "session", "g", "current_app"):
        assert getattr(asyncflask, name) is getattr(g_module, name)
