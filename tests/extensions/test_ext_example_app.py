"""examples/notes_app: Flask-Login, Flask-WTF, Flask-SQLAlchemy and Flask-Migrate together.

Through the test client, then as a user runs it: the ``asyncflask db`` commands, then
uvicorn on 127.0.0.1, driven over HTTP. Each in interpreters of its own.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

RunScript = Callable[..., str]

ROOT = Path(__file__).resolve().parents[2]


def test_the_notes_app_through_the_test_client(run_script: RunScript, tmp_path: Path) -> None:
    out = run_script(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        import re
        import anyio
        from examples.notes_app import create_app, db

        app = create_app({{
            "SQLALCHEMY_DATABASE_URI": "sqlite:///{tmp_path}/notes.db",
            "NOTES_PER_PAGE": 2,
        }})
        with app.app_context():
            db.create_all()

        def token(html):
            return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)

        async def sign_up_and_in(client, name, remember=False):
            page = await client.get("/auth/register")
            r = await client.post("/auth/register", data={{
                "username": name, "password": "pw-" + name, "csrf_token": token(page.text)}})
            assert (r.status_code, r.headers["Location"]) == (302, "/auth/login"), r.text
            page = await client.get("/auth/login")
            assert "Registered: log in now." in page.text
            data = {{"username": name, "password": "pw-" + name, "csrf_token": token(page.text)}}
            if remember:
                data["remember"] = "y"
            r = await client.post("/auth/login?next=/notes/whoami", data=data)
            assert (r.status_code, r.headers["Location"]) == (302, "/notes/whoami"), r.text

        async def main():
            async with app.test_client() as client:
                r = await client.get("/")
                assert (r.status_code, r.headers["Location"]) == (302, "/auth/login?next=%2F")
                await sign_up_and_in(client, "ada", remember=True)
                assert (await client.get("/notes/whoami")).json == {{"username": "ada"}}
                home = await client.get("/")
                assert "ada's notes (0)" in home.text, home.text
                for n in range(3):
                    r = await client.post("/notes/", data={{
                        "text": f"note {{n}}", "csrf_token": token(home.text)}})
                    assert r.status_code == 302
                assert (await client.post("/notes/", data={{"text": "x"}})).status_code == 400
                home = await client.get("/")
                assert "(3)" in home.text and "note 2" in home.text and "note 0" not in home.text
                assert "note 0" in (await client.get("/?page=2")).text
                assert (await client.get("/notes/1")).json == {{
                    "id": 1, "text": "note 0", "author": "ada"}}
                assert (await client.get("/notes/99")).status_code == 404

                # The remember cookie logs ada back in without her session.
                client.delete_cookie("session")
                assert (await client.get("/notes/whoami")).json == {{"username": "ada"}}

            async with app.test_client() as other:
                await sign_up_and_in(other, "bob")
                assert (await other.get("/notes/1")).status_code == 404
                home = await other.get("/")
                r = await other.post("/auth/logout", data={{"csrf_token": token(home.text)}})
                assert r.status_code == 302
                assert (await other.get("/notes/whoami")).status_code == 302

            # Forty users at once, each adding and reading their own notes in sync views.
            async def user(n):
                async with app.test_client() as client:
                    await sign_up_and_in(client, f"user{{n}}")
                    home = await client.get("/")
                    await client.post("/notes/", data={{
                        "text": f"mine {{n}}", "csrf_token": token(home.text)}})
                    home = await client.get("/")
                    assert f"mine {{n}}" in home.text and "(1)" in home.text, home.text

            async with anyio.create_task_group() as tg:
                for n in range(40):
                    tg.start_soon(user, n)
            print("ok")

        anyio.run(main)
        """
    )
    assert out.strip() == "ok"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_the_notes_app_migrated_and_served_by_uvicorn(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ASYNCFLASK_APP": "examples.notes_app:create_app",
        "ASYNCFLASK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/served.db",
        "ASYNCFLASK_SECRET_KEY": "served-secret",
    }
    command = str(Path(sys.executable).with_name("asyncflask"))
    for args in (["db", "init"], ["db", "migrate", "-m", "users and notes"], ["db", "upgrade"]):
        done = subprocess.run(
            [command, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, (args, done.stdout, done.stderr)

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "examples.notes_app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base + "/auth/login", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, (
                    "uvicorn did not start"
                )
                time.sleep(0.1)

        def token(html: str) -> str:
            found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
            assert found, html
            return found.group(1)

        with httpx.Client(base_url=base, timeout=10) as client:
            page = client.get("/auth/register")
            r = client.post(
                "/auth/register",
                data={"username": "ada", "password": "pw", "csrf_token": token(page.text)},
            )
            assert r.status_code == 302, r.text
            page = client.get("/auth/login")
            r = client.post(
                "/auth/login",
                data={"username": "ada", "password": "pw", "csrf_token": token(page.text)},
            )
            assert (r.status_code, r.headers["Location"]) == (302, "/")
            home = client.get("/")
            r = client.post("/notes/", data={"text": "served", "csrf_token": token(home.text)})
            assert r.status_code == 302
            assert client.get("/notes/1").json() == {"id": 1, "text": "served", "author": "ada"}
            assert client.get("/notes/whoami").json() == {"username": "ada"}
            assert client.post("/notes/", data={"text": "no token"}).status_code == 400
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "Traceback" not in output, output
