"""Flask-Login: login, remember-me, login_required, current_user, logout, signals."""

from __future__ import annotations

from collections.abc import Callable

import pytest

RunScript = Callable[..., str]

APP = """
import asyncflask.flask_patch
import anyio
from flask import Flask, render_template_string, request
from flask_login import (
    LoginManager, UserMixin, current_user, login_required, login_user, logout_user,
    user_logged_in,
)

app = Flask(__name__)
app.secret_key = "not-a-secret"
login_manager = LoginManager(app)
login_manager.login_view = "login_page"

class User(UserMixin):
    def __init__(self, user_id):
        self.id = user_id

@login_manager.user_loader
def load_user(user_id):
    return User(user_id) if user_id.isdigit() else None

signalled = []

@user_logged_in.connect_via(app)
def record_login(sender, user):
    signalled.append(user.id)

@app.route("/login")
def login_page():
    return "please log in"

@app.post("/login/<user_id>")
def do_login(user_id):
    login_user(User(user_id), remember=request.args.get("remember") == "1")
    return "welcome"

@app.route("/sync")
@login_required
def sync_view():
    return f"sync {current_user.id}"

@app.route("/async")
@login_required
async def async_view():
    await anyio.sleep(0)
    return f"async {current_user.id}"

@app.route("/page")
def page():
    return render_template_string(
        "{% if current_user.is_authenticated %}hi {{ current_user.id }}{% else %}anon{% endif %}"
    )

@app.route("/logout")
def logout():
    logout_user()
    return "bye"
"""


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_login_required_login_current_user_logout(run_script: RunScript, backend: str) -> None:
    out = run_script(
        APP
        + """
async def main():
    async with app.test_client() as client:
        r = await client.get("/sync")
        assert r.status_code == 302, r.status_code
        assert r.headers["Location"] == "/login?next=%2Fsync", r.headers["Location"]
        assert (await client.get("/async")).status_code == 302
        assert (await client.get("/page")).text == "anon"

        assert (await client.post("/login/7")).text == "welcome"
        assert client.get_cookie("remember_token") is None
        for path, body in [("/sync", "sync 7"), ("/async", "async 7"), ("/page", "hi 7")]:
            r = await client.get(path)
            assert (r.status_code, r.text) == (200, body), (path, r.status_code, r.text)

        assert (await client.get("/logout")).text == "bye"
        assert (await client.get("/sync")).status_code == 302
        assert (await client.get("/page")).text == "anon"
    assert signalled == ["7"], signalled
    print("ok")

anyio.run(main)
""",
        backend=backend,
    )
    assert out.strip() == "ok"


def test_remember_cookie_restores_the_user_without_a_session(run_script: RunScript) -> None:
    out = run_script(
        APP
        + """
async def main():
    async with app.test_client() as client:
        assert (await client.post("/login/42?remember=1")).status_code == 200
        remember = client.get_cookie("remember_token")
        assert remember is not None and remember.value.startswith("42|"), remember
        client.delete_cookie("session")
        r = await client.get("/async")
        assert (r.status_code, r.text) == (200, "async 42"), (r.status_code, r.text)
        r = await client.get("/sync")
        assert (r.status_code, r.text) == (200, "sync 42")

        # Logging out forgets the remember cookie too.
        await client.get("/logout")
        client.delete_cookie("session")
        assert (await client.get("/sync")).status_code == 302
    print("ok")

anyio.run(main)
"""
    )
    assert out.strip() == "ok"


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_forty_users_at_once_each_see_themselves(run_script: RunScript, backend: str) -> None:
    out = run_script(
        APP
        + """
import time

@app.route("/slow")
@login_required
def slow():
    seen = current_user.id
    time.sleep(0.02)
    return f"{seen} {current_user.id}"

@app.route("/slow-async")
@login_required
async def slow_async():
    seen = current_user.id
    await anyio.sleep(0.02)
    return f"{seen} {current_user.id}"

async def main():
    clients = [app.test_client() for _ in range(40)]
    for n, client in enumerate(clients):
        await client.post(f"/login/{n}")
    results = {}

    async def visit(n, client):
        path = "/slow" if n % 2 else "/slow-async"
        results[n] = (await client.get(path)).text

    async with anyio.create_task_group() as tg:
        for n, client in enumerate(clients):
            tg.start_soon(visit, n, client)
    assert results == {n: f"{n} {n}" for n in range(40)}, results
    print("ok")

anyio.run(main)
""",
        backend=backend,
    )
    assert out.strip() == "ok"
