"""Flask-Caching: cached views keyed by query string, memoize, clear, with SimpleCache."""

from __future__ import annotations

from collections.abc import Callable

RunScript = Callable[..., str]

APP = """
import asyncflask.flask_patch
import anyio
from flask import Flask, request
from flask_caching import Cache

app = Flask(__name__)
app.config.update(CACHE_TYPE="SimpleCache", CACHE_DEFAULT_TIMEOUT=300)
cache = Cache(app)
calls = {"search": 0, "square": 0, "page": 0}

@app.get("/search")
@cache.cached(query_string=True)
def search():
    calls["search"] += 1
    return f"results for {request.args.get('q')} #{calls['search']}"

@app.get("/page")
@cache.cached()
def page():
    calls["page"] += 1
    return {"n": calls["page"]}

@cache.memoize()
def square(n):
    calls["square"] += 1
    return n * n

@app.get("/square/<int:n>")
def square_view(n):
    return str(square(n))
"""


def test_cached_memoize_clear(run_script: RunScript) -> None:
    out = run_script(
        APP
        + """
async def main():
    async with app.test_client() as client:
        a1 = (await client.get("/search?q=a")).text
        a2 = (await client.get("/search?q=a")).text
        b1 = (await client.get("/search", query_string={"q": "b"})).text
        assert a1 == a2 == "results for a #1" and b1 == "results for b #2", (a1, a2, b1)

        p1 = await client.get("/page")
        p2 = await client.get("/page")
        assert p1.json == p2.json == {"n": 1}
        assert p2.headers["Content-Type"] == "application/json"

        assert [(await client.get(f"/square/{n}")).text for n in (3, 3, 4, 3)] == [
            "9", "9", "16", "9"]
        assert calls["square"] == 2
        with app.app_context():
            cache.delete_memoized(square, 3)
        assert (await client.get("/square/3")).text == "9" and calls["square"] == 3

        with app.app_context():
            cache.clear()
        assert (await client.get("/search?q=a")).text == "results for a #3"
        assert (await client.get("/page")).json == {"n": 2}
    print("ok")

anyio.run(main)
"""
    )
    assert out.strip() == "ok"


def test_forty_requests_at_once_share_the_cache(run_script: RunScript) -> None:
    out = run_script(
        APP
        + """
async def main():
    async with app.test_client() as client:
        await client.get("/search?q=warm")
        bodies = {}

        async def one(n):
            q = "warm" if n % 2 else f"cold{n}"
            bodies[n] = (await client.get("/search", query_string={"q": q})).text

        async with anyio.create_task_group() as tg:
            for n in range(40):
                tg.start_soon(one, n)
    assert all(bodies[n] == "results for warm #1" for n in range(1, 40, 2)), bodies
    assert all(bodies[n].startswith(f"results for cold{n} #") for n in range(0, 40, 2))
    assert calls["search"] == 21, calls
    print("ok")

anyio.run(main)
"""
    )
    assert out.strip() == "ok"
