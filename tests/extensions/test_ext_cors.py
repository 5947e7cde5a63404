"""Flask-CORS: allowed origins get the headers, preflights are answered, others get none."""

from __future__ import annotations

from collections.abc import Callable

RunScript = Callable[..., str]

APP = """
import asyncflask.flask_patch
import anyio
from flask import Flask
from flask_cors import CORS, cross_origin

app = Flask(__name__)
CORS(
    app,
    resources={r"/api/*": {"origins": ["https://good.example", r"https://.*\\.trusted\\.example"]}},
    supports_credentials=True,
)

@app.route("/api/items", methods=["GET", "POST"])
def items():
    return {"items": [1, 2]}

@app.get("/api/async")
async def async_items():
    return {"async": True}

@app.get("/private")
def private():
    return "not shared"

@app.get("/open")
@cross_origin(origins="*")
def open_view():
    return "shared"
"""


def test_cors_headers_and_preflight(run_script: RunScript) -> None:
    out = run_script(
        APP
        + """
GOOD = {"Origin": "https://good.example"}

async def main():
    async with app.test_client() as client:
        for path in ("/api/items", "/api/async"):
            r = await client.get(path, headers=GOOD)
            assert r.status_code == 200
            assert r.headers["Access-Control-Allow-Origin"] == "https://good.example", r.headers
            assert r.headers["Access-Control-Allow-Credentials"] == "true"
            assert "Origin" in r.headers.get("Vary", "")

        sub = await client.get("/api/items", headers={"Origin": "https://a.trusted.example"})
        assert sub.headers["Access-Control-Allow-Origin"] == "https://a.trusted.example"

        pre = await client.options("/api/items", headers={
            **GOOD,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type, X-Token",
        })
        assert pre.status_code == 200, pre.status_code
        assert pre.headers["Access-Control-Allow-Origin"] == "https://good.example"
        assert "POST" in pre.headers["Access-Control-Allow-Methods"], pre.headers
        allowed = pre.headers["Access-Control-Allow-Headers"].lower()
        assert "content-type" in allowed and "x-token" in allowed, allowed

        for headers, path in [({"Origin": "https://evil.example"}, "/api/items"),
                              (GOOD, "/private")]:
            r = await client.get(path, headers=headers)
            assert r.status_code == 200
            assert "Access-Control-Allow-Origin" not in r.headers, (path, dict(r.headers))
        evil_pre = await client.options("/api/items", headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
        assert "Access-Control-Allow-Origin" not in evil_pre.headers

        r = await client.get("/open", headers={"Origin": "https://anyone.example"})
        assert r.headers["Access-Control-Allow-Origin"] in ("*", "https://anyone.example")
    print("ok")

anyio.run(main)
"""
    )
    assert out.strip() == "ok"


def test_forty_cross_origin_requests_at_once(run_script: RunScript) -> None:
    out = run_script(
        APP
        + """
async def main():
    seen = {}

    async def one(n, client):
        origin = "https://good.example" if n % 2 else f"https://evil{n}.example"
        r = await client.get("/api/async" if n % 4 < 2 else "/api/items",
                             headers={"Origin": origin})
        seen[n] = r.headers.get("Access-Control-Allow-Origin")

    async with app.test_client() as client:
        async with anyio.create_task_group() as tg:
            for n in range(40):
                tg.start_soon(one, n, client)
    assert seen == {n: ("https://good.example" if n % 2 else None) for n in range(40)}, seen
    print("ok")

anyio.run(main)
"""
    )
    assert out.strip() == "ok"
