"""Flask-Limiter: per-route limits answer 429 with Retry-After; exempt async views."""

from __future__ import annotations

from collections.abc import Callable

RunScript = Callable[..., str]

APP = """
import asyncflask.flask_patch
import anyio
from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

app = Flask(__name__)
limiter = Limiter(get_remote_address, app=app, storage_uri="memory://",
                  default_limits=["5 per minute"], headers_enabled=True)

@app.get("/limited")
@limiter.limit("3 per minute")
def limited():
    return "fine"

@app.get("/async-limited")
@limiter.limit("10 per minute")
async def async_limited():
    await anyio.sleep(0.01)
    return "fine"

@app.get("/free")
@limiter.exempt
async def free():
    return "always"

@app.get("/default")
def default():
    return "default"
"""


def test_limits_429_retry_after_and_exempt(run_script: RunScript) -> None:
    out = run_script(
        APP
        + """
async def main():
    async with app.test_client() as client:
        codes = [(await client.get("/limited")).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429], codes
        blocked = await client.get("/limited")
        assert blocked.status_code == 429
        assert 0 < int(blocked.headers["Retry-After"]) <= 60, blocked.headers
        assert "3 per 1 minute" in blocked.text, blocked.text
        assert blocked.headers["X-RateLimit-Limit"] == "3"
        assert blocked.headers["X-RateLimit-Remaining"] == "0"

        free = [(await client.get("/free")).text for _ in range(20)]
        assert free == ["always"] * 20, free
        defaults = [(await client.get("/default")).status_code for _ in range(6)]
        assert defaults == [200] * 5 + [429], defaults
    print("ok")

anyio.run(main)
"""
    )
    assert out.strip() == "ok"


def test_forty_requests_at_once_get_exactly_the_limit(run_script: RunScript) -> None:
    out = run_script(
        APP
        + """
async def main():
    codes = []

    async def one(client):
        codes.append((await client.get("/async-limited")).status_code)

    async with app.test_client() as client:
        async with anyio.create_task_group() as tg:
            for _ in range(40):
                tg.start_soon(one, client)
    assert sorted(codes) == [200] * 10 + [429] * 30, codes
    print("ok")

anyio.run(main)
"""
    )
    assert out.strip() == "ok"
