"""The code blocks of docs/blueprints.md, docs/views.md and docs/signals.md run as written."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _blocks(page: str) -> list[str]:
    return _BLOCK.findall((DOCS / page).read_text())


def _run(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    saved = dict(os.environ)
    try:
        exec(compile(source, "<docs>", "exec"), namespace)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return namespace


@pytest.mark.parametrize(
    ("page", "count"), [("blueprints.md", 4), ("views.md", 2), ("signals.md", 2)]
)
def test_every_block_runs(page: str, count: int) -> None:
    blocks = _blocks(page)
    assert len(blocks) == count
    for source in blocks:
        _run(source)


@pytest.mark.anyio
async def test_views_page_apps_answer() -> None:
    list_view, user_api = (_run(source) for source in _blocks("views.md"))
    client = list_view["app"].test_client()
    assert (await client.get("/books/")).json == {"items": ["Dune", "Emma"]}
    assert (await client.get("/authors/")).json == {"items": ["Herbert"]}
    client = user_api["app"].test_client()
    assert (await client.get("/users/1")).json == {"id": 1, "name": "Ada"}
    r = await client.post("/users/", json={"name": "Grace"})
    assert (r.status_code, r.json) == (201, {"id": 2})
    assert (await client.get("/users/")).json == {"users": {"1": "Ada", "2": "Grace"}}
    assert (await client.open("/users/", method="DISPATCH_REQUEST")).status_code == 405


@pytest.mark.anyio
async def test_signals_page_receivers_hear_their_app() -> None:
    namespace = _run(_blocks("signals.md")[0])
    app = namespace["app"]

    @app.route("/x")
    def x() -> str:
        return "ok"

    await app.test_client().get("/x")
    assert namespace["seen"] == ["/x", 200]


@pytest.mark.anyio
async def test_blueprints_page_apps_answer() -> None:
    factory, nesting, *_ = (_run(source) for source in _blocks("blueprints.md"))
    client = factory["app"].test_client()
    assert (await client.get("/auth/login")).text == "log in here"
    client = nesting["app"].test_client()
    assert (await client.get("/parent/child/")).text == "child"
    assert (await client.get("/parent/child/items/3")).text == "not here"
    assert (await client.get("/parent/child/nothing")).status_code == 404
