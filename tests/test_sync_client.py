"""The blocking, Flask-compatible test client: ``app.sync_test_client()``."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from asyncflask import Flask, g, jsonify, redirect, request, session, websocket
from asyncflask.ctx import has_request_context
from asyncflask.exceptions import WebSocketDisconnect
from asyncflask.testing import AsyncFlaskClient, FlaskClient

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app() -> Flask:
    app = Flask("sync_client_app")
    app.config.update(TESTING=True, SECRET_KEY="test key")

    @app.route("/")
    def index() -> str:
        return "hello"

    @app.route("/echo", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def echo() -> dict[str, object]:
        return {
            "method": request.method,
            "args": request.args.to_dict(),
            "form": request.form.to_dict(),
            "json": request.get_json(silent=True),
            "header": request.headers.get("X-Test"),
            "remote_addr": request.remote_addr,
            "url": request.url,
        }

    @app.route("/login/<name>")
    def login(name: str) -> str:
        session["user"] = name
        g.seen = name
        return "ok"

    @app.route("/whoami")
    def whoami() -> str:
        return str(session.get("user"))

    @app.route("/go")
    def go():  # type: ignore[no-untyped-def]
        return redirect("/whoami")

    @app.route("/boom")
    def boom() -> str:
        raise ZeroDivisionError("boom")

    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.sync_test_client()


def test_get_returns_the_complete_response(client: FlaskClient) -> None:
    rv = client.get("/")
    assert rv.status_code == 200
    assert rv.status == "200 OK"
    assert rv.data == b"hello"
    assert rv.text == "hello"
    assert rv.headers["Content-Type"].startswith("text/html")
    assert rv.request.path == "/"


def test_request_arguments_as_in_flask(client: FlaskClient) -> None:
    rv = client.post(
        "/echo",
        query_string={"q": "1", "dropped": None},
        data={"a": "b"},
        headers={"X-Test": "yes"},
    )
    body = rv.get_json()
    assert body["method"] == "POST"
    assert body["args"] == {"q": "1"}
    assert body["form"] == {"a": "b"}
    assert body["header"] == "yes"
    assert body["remote_addr"] == "127.0.0.1"
    assert client.put("/echo", json={"x": [1, 2]}).json["json"] == {"x": [1, 2]}
    assert client.patch("/echo").json["method"] == "PATCH"
    assert client.delete("/echo").json["method"] == "DELETE"
    assert client.open("/echo", method="GET").json["method"] == "GET"
    assert client.head("/").data == b""
    assert "GET" in client.options("/").headers["Allow"]


def test_base_url_and_full_urls(client: FlaskClient) -> None:
    rv = client.get("/echo", base_url="https://example.com/prefix/")
    assert rv.json["url"] == "https://example.com/prefix/echo"
    rv = client.get("http://other.test/echo?x=1")
    assert rv.json["url"] == "http://other.test/echo?x=1"
    assert rv.json["args"] == {"x": "1"}


def test_default_url_follows_server_name_and_application_root(app: Flask) -> None:
    app.config.update(SERVER_NAME="example.com:8080", APPLICATION_ROOT="/app")
    rv = app.sync_test_client().get("/echo")
    assert rv.json["url"] == "http://example.com:8080/app/echo"


def test_environ_base_and_overrides(client: FlaskClient) -> None:
    client.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert client.get("/echo").json["remote_addr"] == "10.1.2.3"
    rv = client.get(
        "/echo",
        environ_overrides={
            "REMOTE_ADDR": "10.9.9.9",
            "HTTP_X_TEST": "env",
            "wsgi.url_scheme": "https",
        },
    )
    assert rv.json["remote_addr"] == "10.9.9.9"
    assert rv.json["header"] == "env"
    assert rv.json["url"].startswith("https://")


def test_basic_auth_argument(app: Flask, client: FlaskClient) -> None:
    @app.route("/auth")
    def auth() -> str:
        return request.headers["Authorization"]

    assert client.get("/auth", auth=("ann", "secret")).data == b"Basic YW5uOnNlY3JldA=="


def test_follow_redirects_keeps_history(client: FlaskClient) -> None:
    client.get("/login/ann")
    rv = client.get("/go", follow_redirects=True)
    assert rv.data == b"ann"
    assert [r.status_code for r in rv.history] == [302]
    assert rv.request.path == "/whoami"


def test_with_client_keeps_the_last_request_context(client: FlaskClient) -> None:
    with client:
        client.get("/login/bob")
        assert request.path == "/login/bob"
        assert session["user"] == "bob"
        assert g.seen == "bob"
        client.get("/echo", query_string={"n": "2"})
        assert request.args["n"] == "2"
    assert not has_request_context()


def test_nesting_with_client_is_an_error(client: FlaskClient) -> None:
    with client, pytest.raises(RuntimeError, match="nest"), client:
        pass


def test_without_with_no_context_is_left_behind(client: FlaskClient) -> None:
    client.get("/login/x")
    assert not has_request_context()


def test_session_transaction_is_a_plain_with(client: FlaskClient) -> None:
    with client.session_transaction() as sess:
        sess["user"] = "carol"
    assert client.get("/whoami").data == b"carol"
    with client.session_transaction() as sess:
        assert sess["user"] == "carol"


def test_session_transaction_needs_cookies(app: Flask) -> None:
    client = app.sync_test_client(use_cookies=False)
    with pytest.raises(TypeError, match="Cookies are disabled"), client.session_transaction():
        pass


def test_cookies_set_get_delete(app: Flask, client: FlaskClient) -> None:
    @app.route("/cookie")
    def cookie() -> str:
        return request.cookies.get("flavour", "none")

    client.set_cookie("flavour", "oat")
    assert client.get("/cookie").data == b"oat"
    stored = client.get_cookie("flavour")
    assert stored is not None
    assert (stored.key, stored.value, stored.domain, stored.path) == (
        "flavour",
        "oat",
        "localhost",
        "/",
    )
    assert stored.expires is None
    client.delete_cookie("flavour")
    assert client.get_cookie("flavour") is None
    assert client.get("/cookie").data == b"none"


def test_get_cookie_expires_is_a_datetime(app: Flask, client: FlaskClient) -> None:
    @app.route("/set")
    def set_cookie():  # type: ignore[no-untyped-def]
        response = jsonify(ok=True)
        response.set_cookie("later", "1", max_age=3600)
        return response

    client.get("/set")
    cookie = client.get_cookie("later")
    assert cookie is not None
    assert isinstance(cookie.expires, datetime)
    remaining = cookie.expires - datetime.now(timezone.utc)
    assert timedelta(minutes=59) < remaining <= timedelta(hours=1)


def test_unhandled_errors_propagate_in_testing(client: FlaskClient) -> None:
    with pytest.raises(ZeroDivisionError, match="boom"):
        client.get("/boom")


def test_errors_are_500_when_not_propagated(app: Flask) -> None:
    app.testing = False
    assert app.sync_test_client().get("/boom").status_code == 500


def test_test_client_class_subclass(app: Flask) -> None:
    class CustomClient(FlaskClient):
        def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            kwargs.setdefault("headers", {"X-Test": "custom"})
            return super().open(*args, **kwargs)

    app.test_client_class = CustomClient
    for client in (app.test_client(), app.sync_test_client()):
        assert isinstance(client, CustomClient)
        assert client.get("/echo").json["header"] == "custom"


def test_test_client_is_async_unless_told_otherwise(app: Flask) -> None:
    assert isinstance(app.test_client(), AsyncFlaskClient)
    assert type(app.sync_test_client()) is FlaskClient


def test_streamed_response(app: Flask, client: FlaskClient) -> None:
    @app.route("/stream")
    def stream():  # type: ignore[no-untyped-def]
        def generate():  # type: ignore[no-untyped-def]
            for i in range(3):
                yield f"line {i}\n"

        return generate()

    assert client.get("/stream").data == b"line 0\nline 1\nline 2\n"
    with client.stream("GET", "/stream") as rv:
        assert rv.status_code == 200
        assert list(rv.iter_lines()) == ["line 0", "line 1", "line 2"]


def test_websocket(app: Flask, client: FlaskClient) -> None:
    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        while True:
            message = await websocket.receive()
            await websocket.send(f"echo {message}")

    with client.websocket("/ws") as conn:
        conn.send("hi")
        assert conn.receive() == "echo hi"
        conn.send_json({"a": 1})
        assert conn.receive() == 'echo {"a": 1}'

    with pytest.raises(WebSocketDisconnect), client.websocket("/nowhere"):
        pass


def test_trio_backend(app: Flask) -> None:
    client = FlaskClient(app, backend="trio")
    assert client.get("/").data == b"hello"
    with client:
        client.get("/login/tri")
        assert session["user"] == "tri"


def test_threads_with_their_own_clients_at_once(app: Flask) -> None:
    @app.route("/slow/<int:n>")
    def slow(n: int) -> str:
        time.sleep(0.05)
        session["n"] = n
        return str(n)

    @app.route("/mine")
    def mine() -> str:
        return str(session.get("n"))

    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def worker(n: int) -> None:
        try:
            client = app.sync_test_client()
            start.wait()
            for _ in range(5):
                assert client.get(f"/slow/{n}").data == str(n).encode()
                assert client.get("/mine").data == str(n).encode()
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    # 8 threads x 5 slow requests of 50 ms: run one after another this would take 2 s.
    assert time.monotonic() - began < 1.9


def test_one_client_shared_by_threads(client: FlaskClient) -> None:
    results: list[bytes] = []
    lock = threading.Lock()

    def worker() -> None:
        data = client.get("/").data
        with lock:
            results.append(data)

    threads = [threading.Thread(target=worker) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == [b"hello"] * 40


def test_an_open_client_never_keeps_the_interpreter_alive(tmp_path: Path) -> None:
    script = tmp_path / "leave_open.py"
    script.write_text(
        textwrap.dedent(
            """
            import time
            from asyncflask import Flask

            app = Flask("leave_open")

            @app.route("/")
            def index():
                time.sleep(0.01)
                return "done"

            client = app.sync_test_client()
            print(client.get("/").data.decode())
            """
        )
    )
    began = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=30, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"
    assert time.monotonic() - began < 8


def test_base_exceptions_from_a_view_reach_the_test_and_spare_the_loop(app: Flask) -> None:
    app.testing = False

    @app.route("/interrupt")
    def interrupt() -> str:
        raise KeyboardInterrupt()

    client = app.sync_test_client()
    for _ in range(3):
        with pytest.raises(KeyboardInterrupt):
            client.get("/interrupt")
        assert client.get("/").data == b"hello"
