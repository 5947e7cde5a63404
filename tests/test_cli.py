"""The ``asyncflask`` command: finding the app, routes, shell, custom commands, env files, run."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import click
import httpx
import pytest
from click.testing import CliRunner

from asyncflask import Flask, current_app
from asyncflask.cli import (
    AppGroup,
    AsyncFlaskGroup,
    FlaskGroup,
    NoAppException,
    ScriptInfo,
    cli,
    find_best_app,
    load_dotenv,
    locate_app,
    prepare_import,
    with_appcontext,
)

ROOT = Path(__file__).resolve().parent.parent
ENV_NAMES = [
    f"{prefix}_{name}"
    for prefix in ("ASYNCFLASK", "FLASK")
    for name in ("APP", "DEBUG", "RUN_FROM_CLI", "SKIP_DOTENV", "ENV_FILE", "RUN_PORT")
]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """None of the command's variables set; whatever a command sets is undone after the test."""
    for name in ENV_NAMES:
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty project folder as the working directory; its imports forgotten after."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield tmp_path
    # Forget the project's own modules (only those: a library first imported during
    # the test must stay, or its classes would be loaded twice).
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(str(tmp_path)):
            del sys.modules[name]


def write(folder: Path, name: str, source: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


HELLO = """
    from asyncflask import Flask

    app = Flask("hello")

    @app.route("/")
    def index():
        return "hello"

    @app.websocket("/ws")
    async def ws():
        pass

    @app.cli.command("greet")
    def greet():
        import click
        click.echo("greetings from " + app.name)
"""


def invoke(*args: str, **kwargs: object) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args), **kwargs)  # type: ignore[arg-type]


# -- finding the app ------------------------------------------------------------


@pytest.mark.parametrize("filename", ["app.py", "wsgi.py", "asgi.py"])
def test_app_is_discovered_in_the_working_directory(project: Path, filename: str) -> None:
    write(project, filename, HELLO)
    result = invoke("greet")
    assert result.exit_code == 0, result.output
    assert result.output == "greetings from hello\n"


def test_app_option_forms(project: Path) -> None:
    write(project, "pkg/__init__.py", "")
    write(project, "pkg/hello.py", HELLO)
    write(
        project,
        "factory.py",
        """
        from asyncflask import Flask

        def create_app(name="made"):
            return Flask(name)
        """,
    )
    for app_option, name in [
        ("pkg.hello", "hello"),
        ("pkg.hello:app", "hello"),
        ("pkg/hello.py", "hello"),
        (str(project / "pkg" / "hello.py"), "hello"),
        ("factory", "made"),
        ("factory:create_app", "made"),
        ("factory:create_app('custom')", "custom"),
        ("factory:create_app(name='kw')", "kw"),
    ]:
        result = CliRunner().invoke(cli, ["--app", app_option, "shell"], input="print(app.name)\n")
        assert result.exit_code == 0, (app_option, result.output)
        assert f"\n>>> {name}\n" in result.output or f"{name}\n" in result.output, app_option


def test_env_vars_name_the_app_and_flask_app_is_the_fallback(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project, "first.py", HELLO.replace('Flask("hello")', 'Flask("first")'))
    write(project, "second.py", HELLO.replace('Flask("hello")', 'Flask("second")'))
    monkeypatch.setenv("FLASK_APP", "second")
    assert invoke("greet").output == "greetings from second\n"
    monkeypatch.setenv("ASYNCFLASK_APP", "first")
    assert invoke("greet").output == "greetings from first\n"
    assert invoke("--app", "second", "greet").output == "greetings from second\n"


def test_no_app_is_an_error_line_naming_the_app_option(project: Path) -> None:
    result = invoke("routes")
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1
    assert "--app" in errors[0]


def test_no_app_in_a_real_process(project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "asyncflask", "routes"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert any(line.startswith("Error:") and "--app" in line for line in result.stderr.splitlines())


def test_the_app_module_import_error_is_shown(project: Path) -> None:
    write(project, "broken.py", "import not_a_module_anywhere\n")
    result = invoke("--app", "broken", "routes")
    assert result.exit_code != 0
    assert "While importing 'broken'" in result.output
    assert "not_a_module_anywhere" in result.output
    write(project, "raising.py", "raise RuntimeError('bad config')\n")
    result = invoke("--app", "raising", "routes")
    assert isinstance(result.exception, RuntimeError)
    assert "bad config" in str(result.exception)


def test_locate_app_errors(project: Path) -> None:
    write(project, "two.py", "from asyncflask import Flask\na = Flask('a')\nb = Flask('b')\n")
    write(project, "fac.py", "from asyncflask import Flask\ndef create_app(x):\n    return 1\n")
    prepare_import("two.py")
    with pytest.raises(NoAppException, match="multiple"):
        locate_app("two", None)
    assert locate_app("two", "b").name == "b"  # type: ignore[union-attr]
    with pytest.raises(NoAppException, match="without arguments"):
        locate_app("fac", None)
    with pytest.raises(NoAppException, match="could not be called"):
        locate_app("fac", "create_app()")
    with pytest.raises(NoAppException, match="No asyncflask application"):
        locate_app("fac", "create_app(1)")
    with pytest.raises(NoAppException, match="parse"):
        locate_app("fac", "create_app(")
    with pytest.raises(NoAppException, match="Could not import"):
        locate_app("nothing_here", None)
    assert locate_app("nothing_here", None, raise_if_not_found=False) is None


def test_find_best_app_prefers_an_instance_to_a_factory() -> None:
    class Module:
        main = Flask("main")

        @staticmethod
        def create_app() -> Flask:
            return Flask("factory")

    assert find_best_app(Module) is Module.main


def test_prepare_import_puts_the_package_root_on_sys_path(project: Path) -> None:
    write(project, "outer/__init__.py", "")
    write(project, "outer/inner/__init__.py", "")
    write(project, "outer/inner/mod.py", "")
    assert prepare_import(str(project / "outer" / "inner" / "mod.py")) == "outer.inner.mod"
    assert sys.path[0] == str(project)


# -- routes ---------------------------------------------------------------------


def test_routes_table(project: Path) -> None:
    write(project, "app.py", HELLO)
    result = invoke("routes")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["Endpoint", "Methods", "Rule"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    rows = {line.split()[0]: line.split()[1:] for line in lines[2:]}
    assert rows["index"] == ["GET", "/"]
    assert rows["ws"] == ["WEBSOCKET", "/ws"]


def test_routes_sort_and_all_methods() -> None:
    app = Flask("routes_app", static_folder=None)
    app.add_url_rule("/b", endpoint="zeta", methods=["GET", "POST"])
    app.add_url_rule("/a", endpoint="alpha", methods=["PUT"])
    group = FlaskGroup(create_app=lambda: app)
    runner = CliRunner()

    def endpoints(*args: str) -> list[str]:
        output = runner.invoke(group, ["routes", *args]).output
        return [line.split()[0] for line in output.splitlines()[2:]]

    assert endpoints() == ["alpha", "zeta"]
    assert endpoints("--sort", "rule") == ["alpha", "zeta"]
    assert endpoints("-s", "methods") == ["zeta", "alpha"]
    assert endpoints("-s", "match") == ["zeta", "alpha"]
    assert "GET, POST" in runner.invoke(group, ["routes"]).output
    assert "GET, HEAD, OPTIONS, POST" in runner.invoke(group, ["routes", "--all-methods"]).output


def test_routes_without_any() -> None:
    app = Flask("empty", static_folder=None)
    result = CliRunner().invoke(FlaskGroup(create_app=lambda: app), ["routes"])
    assert result.exit_code == 0
    assert "No routes were registered." in result.output


# -- custom commands, groups, contexts --------------------------------------------


def test_app_cli_commands_run_in_the_app_context() -> None:
    app = Flask("custom")

    @app.cli.command("hello")
    @click.argument("name")
    def hello(name: str) -> None:
        click.echo(f"{current_app.name} says hello to {name}")

    @app.cli.command()
    async def count() -> None:
        await anyio.sleep(0)
        click.echo(f"async in {current_app.name}")

    runner = app.test_cli_runner()
    result = runner.invoke(args=["hello", "you"])
    assert result.exit_code == 0, result.output
    assert result.output == "custom says hello to you\n"
    assert runner.invoke(args=["count"]).output == "async in custom\n"


def test_test_cli_runner_with_input_and_errors() -> None:
    app = Flask("runner_app")

    @app.cli.command("reset-password")
    def reset_password() -> None:
        password = click.prompt("Password", hide_input=True)
        click.echo(f"Password updated ({len(password)} characters)")

    @app.cli.command("buggy")
    def buggy() -> None:
        raise ValueError("bad")

    runner = app.test_cli_runner()
    result = runner.invoke(args=["reset-password"], input="secret123\n")
    assert "Password updated (9 characters)" in result.output
    result = runner.invoke(args=["buggy"])
    assert result.exit_code == 1
    assert isinstance(result.exception, ValueError)


def test_app_group_and_with_appcontext() -> None:
    @click.group(cls=AppGroup)
    def manage() -> None:
        pass

    @manage.command()
    def name() -> None:
        click.echo(current_app.name)

    @manage.group()
    def sub() -> None:
        pass

    @sub.command()
    def deeper() -> None:
        click.echo(current_app.name)

    @click.command()
    @with_appcontext
    def plain() -> None:
        click.echo(current_app.name)

    info = ScriptInfo(create_app=lambda: Flask("grouped"))
    runner = CliRunner()
    assert runner.invoke(manage, ["name"], obj=info).output == "grouped\n"
    assert runner.invoke(manage, ["sub", "deeper"], obj=info).output == "grouped\n"
    assert runner.invoke(plain, obj=info).output == "grouped\n"


def test_manage_py_style_group() -> None:
    assert AsyncFlaskGroup is FlaskGroup

    @click.group(cls=FlaskGroup, create_app=lambda: Flask("managed"))
    def manage() -> None:
        pass

    @manage.command()
    def show() -> None:
        click.echo(current_app.name)

    result = CliRunner().invoke(manage, ["show"])
    assert result.exit_code == 0, result.output
    assert result.output == "managed\n"


def test_debug_flag(project: Path) -> None:
    write(
        project,
        "app.py",
        """
        import click
        from asyncflask import Flask

        app = Flask("dbg")

        @app.cli.command()
        def mode():
            click.echo(f"debug={app.debug}")
        """,
    )
    assert invoke("mode").output == "debug=False\n"
    assert invoke("--debug", "mode").output == "debug=True\n"


def test_shell_has_app_g_and_processor_names() -> None:
    app = Flask("shelled")

    @app.shell_context_processor
    def extra() -> dict[str, object]:
        return {"answer": 42}

    group = FlaskGroup(create_app=lambda: app)
    result = CliRunner().invoke(group, ["shell"], input="print(app.name, answer, g is not None)\n")
    assert result.exit_code == 0, result.output
    assert "App: shelled" in result.output
    assert "shelled 42 True" in result.output


def test_version_option() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert "Python" in result.output and "asyncflask" in result.output


def test_app_run_is_a_no_op_under_the_command(project: Path) -> None:
    write(project, "app.py", textwrap.dedent(HELLO) + "\napp.run(port=1)\n")
    result = invoke("greet")
    assert result.exit_code == 0
    assert "greetings from hello" in result.output
    assert "Ignoring a call to 'app.run()'" in result.output


# -- env files ------------------------------------------------------------------


def test_env_files_loaded_in_order(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = ("AF_ONE", "AF_TWO", "AF_THREE", "AF_SET")
    for name in names:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AF_SET", "from-environment")
    write(project, ".flaskenv", "AF_ONE=flaskenv\nAF_TWO=flaskenv\nAF_THREE=flaskenv\nAF_SET=x\n")
    write(project, ".asyncflaskenv", "AF_TWO=asyncflaskenv\nAF_THREE=asyncflaskenv\n")
    write(project, ".env", "AF_THREE=env\n")
    try:
        assert load_dotenv()
        assert os.environ["AF_ONE"] == "flaskenv"
        assert os.environ["AF_TWO"] == "asyncflaskenv"
        assert os.environ["AF_THREE"] == "env"
        assert os.environ["AF_SET"] == "from-environment"
        assert not load_dotenv("missing-file", load_defaults=False)
    finally:
        for name in names[:3]:
            os.environ.pop(name, None)


def test_env_file_names_the_app(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, "named.py", HELLO)
    write(project, ".asyncflaskenv", "ASYNCFLASK_APP=named\n")
    try:
        result = invoke("greet")
    finally:
        os.environ.pop("ASYNCFLASK_APP", None)
    assert result.output == "greetings from hello\n"


# -- run, in real processes -----------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_run(project: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    for name in ENV_NAMES:
        env.pop(name, None)
    return subprocess.Popen(
        [sys.executable, "-m", "asyncflask", *args],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_until_serving(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited: {process.communicate()[0]}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError(f"the server did not start: {process.communicate()[0]}")


def stop(process: subprocess.Popen[str], sig: int) -> tuple[int, str, float]:
    began = time.monotonic()
    process.send_signal(sig)
    try:
        output = process.communicate(timeout=10)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        output = process.communicate()[0]
    return process.returncode, output, time.monotonic() - began


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_run_serves_and_stops_on_a_signal(project: Path, sig: int) -> None:
    write(
        project,
        "app.py",
        """
        import asyncio
        from asyncflask import Flask

        app = Flask("served")

        @app.route("/")
        async def index():
            await asyncio.sleep(0.05)
            return "served"

        @app.route("/forever")
        async def forever():
            async def source():
                while True:
                    yield "tick"
                    await asyncio.sleep(0.1)
            return source()
        """,
    )
    port = free_port()
    process = start_run(project, "run", "--port", str(port))
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, process)

        async def many() -> list[str]:
            async with httpx.AsyncClient(base_url=url, timeout=10) as client:
                results: list[str] = []

                async def one() -> None:
                    results.append((await client.get("/")).text)

                async with anyio.create_task_group() as tg:
                    for _ in range(40):
                        tg.start_soon(one)
                return results

        assert anyio.run(many) == ["served"] * 40
        # An open stream must not hold the stop up.
        with httpx.stream("GET", f"{url}/forever", timeout=10) as streamed:
            next(streamed.iter_bytes())
            returncode, output, took = stop(process, sig)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert took < 8, output
    assert returncode in (0, -sig), output
    assert "Serving asyncflask app 'served'" in output
    assert f"http://127.0.0.1:{port}" in output


def test_run_on_a_port_in_use_is_a_one_line_hint(project: Path) -> None:
    write(project, "app.py", HELLO)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = start_run(project, "run", "--port", str(port))
        output = process.communicate(timeout=30)[0]
    assert process.returncode != 0
    assert "Traceback" not in output
    hint = [line for line in output.splitlines() if "already in use" in line]
    assert hint == [
        f"Error: Port {port} on 127.0.0.1 is already in use."
        " Stop the other server or pick another port with --port."
    ]


def test_run_port_from_the_environment(project: Path) -> None:
    write(project, "app.py", HELLO)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FLASK_RUN_PORT": str(port)}
    env.pop("ASYNCFLASK_RUN_PORT", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "asyncflask", "run"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", process)
        assert httpx.get(f"http://127.0.0.1:{port}/").text == "hello"
    finally:
        stop(process, signal.SIGINT)


def test_run_reload_restarts_on_edit(project: Path) -> None:
    source = write(project, "app.py", HELLO)
    port = free_port()
    process = start_run(project, "run", "--reload", "--port", str(port))
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_serving(url, process)
        assert httpx.get(url).text == "hello"
        time.sleep(0.5)
        source.write_text(textwrap.dedent(HELLO).replace('return "hello"', 'return "edited"'))
        deadline = time.monotonic() + 20
        text = ""
        while time.monotonic() < deadline:
            try:
                text = httpx.get(url, timeout=1).text
            except httpx.TransportError:
                text = ""
            if text == "edited":
                break
            time.sleep(0.2)
        assert text == "edited"
    finally:
        _, output, took = stop(process, signal.SIGINT)
    assert took < 8, output


# -- the documented example -----------------------------------------------------


@pytest.fixture
def example_runner() -> Iterator[click.testing.CliRunner]:
    from examples.commands import USERS, app

    USERS.clear()
    yield app.test_cli_runner()
    USERS.clear()


def test_example_commands(example_runner: CliRunner) -> None:
    from examples.commands import USERS

    result = example_runner.invoke(args=["init-db"])
    assert result.exit_code == 0
    assert "Initialized the database" in result.output
    result = example_runner.invoke(args=["create-user", "admin", "--admin"])
    assert "Creating admin user: admin" in result.output
    result = example_runner.invoke(args=["reset-password"], input="secret123\nsecret123\n")
    assert "Password updated" in result.output
    assert USERS["admin"] == {"admin": True, "password": "secret123"}
    assert example_runner.invoke(args=["count-users"]).output == "1 users\n"


def test_example_through_the_real_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "asyncflask", "--app", "examples.commands", "create-user", "ada"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Creating regular user: ada\n"


def test_env_file_option_and_skip_dotenv(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, "app.py", HELLO)
    write(project, ".env", "AF_FROM_DEFAULT=yes\n")
    write(project, "custom.env", "AF_FROM_OPTION=yes\n")
    for name in ("AF_FROM_DEFAULT", "AF_FROM_OPTION"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.setenv("ASYNCFLASK_SKIP_DOTENV", "1")
    assert invoke("greet").exit_code == 0
    assert "AF_FROM_DEFAULT" not in os.environ
    assert invoke("--env-file", "custom.env", "greet").exit_code == 0
    assert os.environ["AF_FROM_OPTION"] == "yes"
    assert "AF_FROM_DEFAULT" not in os.environ
    monkeypatch.delenv("ASYNCFLASK_SKIP_DOTENV")
    assert invoke("greet").exit_code == 0
    assert os.environ["AF_FROM_DEFAULT"] == "yes"


def test_run_cert_needs_key_and_key_needs_cert(tmp_path: Path) -> None:
    from asyncflask.cli import run_command

    cert = write(tmp_path, "cert.pem", "x")
    key = write(tmp_path, "key.pem", "x")
    with pytest.raises(click.BadParameter):
        run_command.make_context("run", ["--cert", str(cert)])
    with pytest.raises(click.BadParameter):
        run_command.make_context("run", ["--key", str(key)])
    ctx = run_command.make_context("run", ["--key", str(key), "--cert", str(cert)])
    assert ctx.params["cert"] == (str(cert), str(key))
    ctx = run_command.make_context("run", ["--exclude-patterns", f"a.py{os.pathsep}b/*"])
    assert ctx.params["exclude_patterns"] == ["a.py", "b/*"]
