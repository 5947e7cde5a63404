"""The ``asyncflask`` command: finding the app, ``run``, ``routes``, ``shell`` and custom commands.

``asyncflask --app hello run --debug`` serves ``hello.py``'s app with uvicorn;
``@app.cli.command()`` adds a command. The app is found as Flask finds it:
``--app`` (or ``ASYNCFLASK_APP``, then ``FLASK_APP``) names a module, a file, a
``module:name`` or a ``module:factory(args)``; without it, ``wsgi.py``,
``app.py`` or ``asgi.py`` in the current folder.
"""

from __future__ import annotations

import functools
import importlib.metadata
import inspect
import os
import platform
import re
import socket
import sys
import traceback
from collections.abc import Callable
from operator import itemgetter
from typing import TYPE_CHECKING, Any, TypeVar, cast

import anyio
import click
from click.core import ParameterSource

from .appdiscovery import (
    NoAppException,
    find_app_by_string,
    find_best_app,
    locate_app,
    prepare_import,
)
from .globals import _cv_context, current_app
from .helpers import get_debug_flag, get_load_dotenv

if TYPE_CHECKING:
    from .app import Flask

F = TypeVar("F", bound=Callable[..., Any])

#: Files tried, in order, when no app is named.
DEFAULT_APP_FILES = ("wsgi.py", "app.py", "asgi.py")
#: Env files loaded by default (later ones win; variables already set always win).
DEFAULT_ENV_FILES = (".flaskenv", ".asyncflaskenv", ".env")
_NO_APP_MESSAGE = (
    "Could not locate an asyncflask application. Use the 'asyncflask --app' option, the"
    " 'ASYNCFLASK_APP' (or 'FLASK_APP') environment variable, or a 'wsgi.py', 'app.py'"
    " or 'asgi.py' file in the current directory."
)


def _env(name: str) -> list[str]:
    """The environment variables for a setting: ``ASYNCFLASK_<name>``, then ``FLASK_<name>``."""
    return [f"ASYNCFLASK_{name}", f"FLASK_{name}"]


def get_version(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """Print the versions of Python, asyncflask and uvicorn, then exit (``--version``)."""
    if not value or ctx.resilient_parsing:
        return
    lines = [f"Python {platform.python_version()}"]
    for dist in ("asyncflask", "uvicorn"):
        try:
            lines.append(f"{dist} {importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            lines.append(f"{dist} (version unknown)")
    click.echo("\n".join(lines), color=ctx.color)
    ctx.exit()


version_option = click.Option(
    ["--version"],
    help="Show the asyncflask version.",
    expose_value=False,
    callback=get_version,
    is_flag=True,
    is_eager=True,
)


class ScriptInfo:
    """What a command needs to load the app: an import path or a factory.

    ``load_app()`` loads it once and returns the same app afterwards.
    ``data`` is free for commands to share values.
    """

    def __init__(
        self,
        app_import_path: str | None = None,
        create_app: Callable[..., Flask] | None = None,
        set_debug_flag: bool = True,
        load_dotenv_defaults: bool = True,
    ) -> None:
        self.app_import_path = app_import_path
        self.create_app = create_app
        self.data: dict[Any, Any] = {}
        self.set_debug_flag = set_debug_flag
        self.load_dotenv_defaults = get_load_dotenv(load_dotenv_defaults)
        self._loaded_app: Flask | None = None

    def load_app(self) -> Flask:
        """Load (once) and return the application."""
        if self._loaded_app is not None:
            return self._loaded_app
        app: Flask | None = None
        if self.create_app is not None:
            app = self.create_app()
        elif self.app_import_path:
            # A colon followed by a slash is a Windows drive ("C:\..."), not an app name.
            path, *rest = re.split(r":(?![\\/])", self.app_import_path, maxsplit=1)
            app = locate_app(prepare_import(path), rest[0] if rest else None)
        else:
            for filename in DEFAULT_APP_FILES:
                app = locate_app(prepare_import(filename), None, raise_if_not_found=False)
                if app is not None:
                    break
        if app is None:
            raise NoAppException(_NO_APP_MESSAGE)
        if self.set_debug_flag:
            app.debug = get_debug_flag()
        self._loaded_app = app
        return app


pass_script_info = click.make_pass_decorator(ScriptInfo, ensure=True)


def with_appcontext(f: F) -> F:
    """Run the decorated click command with the app's context pushed (loading the app if needed).

    Commands added with ``app.cli.command()`` or an ``AppGroup`` get this already.
    """

    @click.pass_context
    def decorator(ctx: click.Context, /, *args: Any, **kwargs: Any) -> Any:
        if not current_app:
            app = ctx.ensure_object(ScriptInfo).load_app()
            ctx.with_resource(app.app_context())
        return ctx.invoke(f, *args, **kwargs)

    return cast(F, functools.update_wrapper(decorator, f))


def _runs_async(f: F) -> F:
    """An ``async def`` command runs to completion on an event loop of its own."""
    if not inspect.iscoroutinefunction(f):
        return f

    @functools.wraps(f)
    def runner(*args: Any, **kwargs: Any) -> Any:
        return anyio.run(functools.partial(f, *args, **kwargs))

    return cast(F, runner)


class AppGroup(click.Group):
    """A click group whose commands run with the app context pushed.

    ``@group.command(with_appcontext=False)`` opts out; ``async def`` commands
    are run on an event loop; sub-groups are ``AppGroup`` too.
    """

    def command(self, *args: Any, **kwargs: Any) -> Any:
        """Register the decorated function as a command of this group."""
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return self.command()(args[0])
        wrap = kwargs.pop("with_appcontext", True)

        def decorator(f: Callable[..., Any]) -> click.Command:
            f = _runs_async(f)
            if wrap:
                f = with_appcontext(f)
            command: click.Command = click.Group.command(self, *args, **kwargs)(f)
            return command

        return decorator

    def group(self, *args: Any, **kwargs: Any) -> Any:
        """Register the decorated function as a sub-group (an ``AppGroup`` by default)."""
        kwargs.setdefault("cls", AppGroup)
        return click.Group.group(self, *args, **kwargs)


# -- env files ------------------------------------------------------------------


def load_dotenv(path: str | os.PathLike[str] | None = None, load_defaults: bool = True) -> bool:
    """Load environment variables from env files (needs ``python-dotenv``).

    With ``load_defaults``, the nearest ``.env``, ``.asyncflaskenv`` and
    ``.flaskenv`` (searched upwards from the working directory) are read;
    ``path`` wins over them, ``.env`` over ``.asyncflaskenv`` over ``.flaskenv``,
    and a variable already set in the environment over all of them. Returns
    whether any file had values.
    """
    try:
        import dotenv
    except ImportError:
        if path or any(os.path.isfile(name) for name in DEFAULT_ENV_FILES):
            click.secho(
                " * There are env files here. Install python-dotenv to use them"
                " (pip install 'asyncflask[dotenv]').",
                fg="yellow",
                err=True,
            )
        return False
    data: dict[str, str | None] = {}
    if load_defaults:
        for name in DEFAULT_ENV_FILES:
            found = dotenv.find_dotenv(name, usecwd=True)
            if found:
                data.update(dotenv.dotenv_values(found, encoding="utf-8"))
    if path is not None and os.path.isfile(path):
        data.update(dotenv.dotenv_values(path, encoding="utf-8"))
    for key, value in data.items():
        if key not in os.environ and value is not None:
            os.environ[key] = value
    return bool(data)


# -- the group's own options ----------------------------------------------------


def _set_app(ctx: click.Context, param: click.Option, value: str | None) -> str | None:
    if value is None:
        return None
    info = ctx.ensure_object(ScriptInfo)
    info.app_import_path = value
    return value


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool) -> bool | None:
    source = ctx.get_parameter_source(param.name or "debug")
    if source in (None, ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP):
        return None
    # Through the environment, so a factory reading the flag early sees it too.
    os.environ["ASYNCFLASK_DEBUG"] = "1" if value else "0"
    return value


def _env_file_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    try:
        import dotenv  # noqa: F401
    except ImportError:
        if value is not None:
            raise click.BadParameter(
                "python-dotenv must be installed to load an env file"
                " (pip install 'asyncflask[dotenv]').",
                ctx=ctx,
                param=param,
            ) from None
    info = ctx.ensure_object(ScriptInfo)
    if value is not None or info.load_dotenv_defaults:
        load_dotenv(value, load_defaults=info.load_dotenv_defaults)
    return value


_env_file_option = click.Option(
    ["-e", "--env-file"],
    type=click.Path(exists=True, dir_okay=False),
    help="Load environment variables from this file (needs python-dotenv).",
    is_eager=True,
    expose_value=False,
    callback=_env_file_callback,
    envvar=_env("ENV_FILE"),
)
_app_option = click.Option(
    ["-A", "--app"],
    metavar="IMPORT",
    help=(
        "The app to load: 'module', 'module:name', 'module:factory(args)' or"
        " 'path/to/file.py'. Defaults to wsgi.py, app.py or asgi.py in this folder."
    ),
    is_eager=True,
    expose_value=False,
    callback=_set_app,
    envvar=_env("APP"),
)
_debug_option = click.Option(
    ["--debug/--no-debug"],
    help="Debug mode: reload on code changes and show tracebacks in the browser.",
    expose_value=False,
    callback=_set_debug,
)


class FlaskGroup(AppGroup):
    """The ``asyncflask`` command group, for a project's own ``manage.py`` too.

    Adds ``--app``, ``--debug``, ``--env-file`` and ``--version``, the ``run``,
    ``routes`` and ``shell`` commands, and the app's own ``app.cli`` commands.
    ``create_app`` (a callable returning the app) replaces ``--app``.
    """

    def __init__(
        self,
        add_default_commands: bool = True,
        create_app: Callable[..., Flask] | None = None,
        add_version_option: bool = True,
        load_dotenv: bool = True,
        set_debug_flag: bool = True,
        **extra: Any,
    ) -> None:
        params = list(extra.pop("params", None) or ())
        params.extend((_env_file_option, _app_option, _debug_option))
        if add_version_option:
            params.append(version_option)
        super().__init__(params=params, **extra)
        self.create_app = create_app
        self.load_dotenv = load_dotenv
        self.set_debug_flag = set_debug_flag
        if add_default_commands:
            self.add_command(run_command)
            self.add_command(shell_command)
            self.add_command(routes_command)
        self._loaded_plugin_commands = False

    def _load_plugin_commands(self) -> None:
        if self._loaded_plugin_commands:
            return
        for entry_point in importlib.metadata.entry_points(group="asyncflask.commands"):
            self.add_command(entry_point.load(), entry_point.name)
        self._loaded_plugin_commands = True

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        self._load_plugin_commands()
        # Built-in and plugin commands work even when the app cannot be loaded.
        command = super().get_command(ctx, name)
        if command is not None:
            return command
        info = ctx.ensure_object(ScriptInfo)
        try:
            app = info.load_app()
        except NoAppException as e:
            click.secho(f"Error: {e.format_message()}\n", err=True, fg="red")
            return None
        # The app's context is pushed for the command's parameter callbacks as well.
        active = _cv_context.get(None)
        if active is None or active.app is not app:
            ctx.with_resource(app.app_context())
        return app.cli.get_command(ctx, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        names = set(super().list_commands(ctx))
        info = ctx.ensure_object(ScriptInfo)
        try:
            names.update(info.load_app().cli.list_commands(ctx))
        except NoAppException as e:
            click.secho(f"Error: {e.format_message()}\n", err=True, fg="red")
        except Exception:
            click.secho(f"{traceback.format_exc()}\n", err=True, fg="red")
        return sorted(names)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        # app.run() in a module the CLI imports must not start a second server.
        os.environ["ASYNCFLASK_RUN_FROM_CLI"] = "true"
        if "obj" not in extra and "obj" not in (self.context_settings or {}):
            extra["obj"] = ScriptInfo(
                create_app=self.create_app,
                set_debug_flag=self.set_debug_flag,
                load_dotenv_defaults=self.load_dotenv,
            )
        return super().make_context(info_name, args, parent=parent, **extra)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if (not args and self.no_args_is_help) or (
            len(args) == 1 and args[0] in self.get_help_option_names(ctx)
        ):
            # --help lists the app's commands: read --env-file and --app from the
            # environment now, since click would not process them before printing.
            _env_file_option.handle_parse_result(ctx, {}, [])
            _app_option.handle_parse_result(ctx, {}, [])
        return super().parse_args(ctx, args)


AsyncFlaskGroup = FlaskGroup


# -- run --------------------------------------------------------------------------


class SeparatedPathType(click.Path):
    """A list of paths separated by ``os.pathsep``."""

    def convert(  # type: ignore[override]
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> list[str]:
        items = self.split_envvar_value(value) if isinstance(value, str) else list(value)
        return [str(super(SeparatedPathType, self).convert(item, param, ctx)) for item in items]


def _validate_key(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    cert = ctx.params.get("cert")
    if value is not None and cert is None:
        raise click.BadParameter('"--cert" must be given too.', ctx, param)
    if cert is not None and value is None:
        raise click.BadParameter('Required when using "--cert".', ctx, param)
    if value is not None:
        ctx.params["cert"] = (cert, value)
    return value


def _bind(host: str, port: int) -> socket.socket:
    """Bind the listening socket, or stop with a one-line hint when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        import errno

        if e.errno == errno.EADDRINUSE:
            raise click.ClickException(
                f"Port {port} on {host} is already in use. Stop the other server or pick"
                " another port with --port."
            ) from None
        raise click.ClickException(f"Cannot listen on {host}:{port}: {e.strerror or e}.") from None
    sock.set_inheritable(True)
    return sock


def _server_target(info: ScriptInfo) -> tuple[str, str | None]:
    """The import string a reloader or worker process loads the app with, and why not if none."""
    if info.create_app is not None:
        factory = info.create_app
        module = getattr(factory, "__module__", None)
        qualname = getattr(factory, "__qualname__", "")
        if module and module != "__main__" and qualname.isidentifier():
            os.environ["ASYNCFLASK_APP"] = f"{module}:{qualname}()"
        else:
            return "", "the app comes from a factory defined in the script itself"
    elif info.app_import_path:
        os.environ["ASYNCFLASK_APP"] = info.app_import_path
    return "asyncflask.cli:_app_for_server_process", None


def _app_for_server_process() -> Flask:
    """Load the app in a reloader or worker process (the parent set ``ASYNCFLASK_APP``)."""
    path = os.environ.get("ASYNCFLASK_APP") or os.environ.get("FLASK_APP")
    return ScriptInfo(app_import_path=path).load_app()


@click.command("run", short_help="Run a development server.")
@click.option(
    "--host", "-h", default="127.0.0.1", envvar=_env("RUN_HOST"), help="The interface to bind to."
)
@click.option(
    "--port", "-p", default=5000, type=int, envvar=_env("RUN_PORT"), help="The port to bind to."
)
@click.option(
    "--cert",
    type=click.Path(exists=True, dir_okay=False, resolve_path=True),
    is_eager=True,
    envvar=_env("RUN_CERT"),
    help="A TLS certificate file, to serve HTTPS (needs --key).",
)
@click.option(
    "--key",
    type=click.Path(exists=True, dir_okay=False, resolve_path=True),
    callback=_validate_key,
    expose_value=False,
    envvar=_env("RUN_KEY"),
    help="The private key file of --cert.",
)
@click.option(
    "--reload/--no-reload",
    default=None,
    envvar=_env("RUN_RELOAD"),
    help="Restart the server when code changes (on by default in debug mode).",
)
@click.option(
    "--debug/--no-debug",
    "debug_flag",
    default=None,
    help="Debug mode for this run (the same as 'asyncflask --debug run').",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    envvar=_env("RUN_WORKERS"),
    help="Worker processes.",
)
@click.option(
    "--proxy-headers/--no-proxy-headers",
    default=False,
    envvar=_env("RUN_PROXY_HEADERS"),
    help="Trust X-Forwarded-For/-Proto from --forwarded-allow-ips (default 127.0.0.1).",
)
@click.option(
    "--forwarded-allow-ips",
    default=None,
    envvar=_env("RUN_FORWARDED_ALLOW_IPS"),
    help="Comma-separated addresses trusted for proxy headers.",
)
@click.option(
    "--root-path",
    default="",
    envvar=_env("RUN_ROOT_PATH"),
    help="The path prefix the app is mounted under (behind a proxy).",
)
@click.option(
    "--extra-files",
    default=None,
    type=SeparatedPathType(),
    envvar=_env("RUN_EXTRA_FILES"),
    help=f"More files or patterns that trigger a reload, separated by {os.pathsep!r}.",
)
@click.option(
    "--exclude-patterns",
    default=None,
    type=SeparatedPathType(),
    envvar=_env("RUN_EXCLUDE_PATTERNS"),
    help=f"Files or patterns that never trigger a reload, separated by {os.pathsep!r}.",
)
@pass_script_info
def run_command(
    info: ScriptInfo,
    host: str,
    port: int,
    cert: tuple[str, str] | None,
    reload: bool | None,
    debug_flag: bool | None,
    workers: int,
    proxy_headers: bool,
    forwarded_allow_ips: str | None,
    root_path: str,
    extra_files: list[str] | None,
    exclude_patterns: list[str] | None,
) -> None:
    """Serve the app with uvicorn, for development.

    In debug mode (--debug) the server reloads on code changes and unhandled
    errors show a traceback page to clients on this machine. For production,
    run `uvicorn module:app` (or gunicorn with uvicorn workers).
    """
    import uvicorn
    from uvicorn.supervisors import ChangeReload, Multiprocess

    from .serving import GRACEFUL_SHUTDOWN_TIMEOUT, Server

    if debug_flag is not None:
        os.environ["ASYNCFLASK_DEBUG"] = "1" if debug_flag else "0"
    try:
        app = info.load_app()
    except Exception as e:
        if isinstance(e, NoAppException):
            raise
        traceback.print_exc()
        raise click.exceptions.Exit(1) from None
    debug = get_debug_flag()
    if reload is None:
        reload = debug
    target: Any = app
    if reload or workers > 1:
        target, why_not = _server_target(info)
        if why_not is not None:
            click.secho(f" * Not reloading or forking: {why_not}.", fg="yellow", err=True)
            target, reload, workers = app, False, 1
    sock = _bind(host, port)
    bound_port = sock.getsockname()[1]
    click.echo(f" * Serving asyncflask app {app.name!r}")
    click.echo(f" * Debug mode: {'on' if debug else 'off'}")
    shown_host = f"[{host}]" if ":" in host else host
    scheme = "https" if cert is not None else "http"
    click.echo(f" * Running on {scheme}://{shown_host}:{bound_port} (Press CTRL+C to quit)")
    options: dict[str, Any] = {
        "host": host,
        "port": bound_port,
        "factory": isinstance(target, str),
        "reload": bool(reload),
        "workers": workers,
        "proxy_headers": proxy_headers,
        "root_path": root_path,
        "log_level": "debug" if debug else "info",
        # The server ends open event streams and websockets as it stops (see serving).
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_TIMEOUT,
    }
    if forwarded_allow_ips is not None:
        options["forwarded_allow_ips"] = forwarded_allow_ips
    if cert is not None:
        options["ssl_certfile"], options["ssl_keyfile"] = cert
    if reload:
        options["reload_dirs"] = [os.getcwd()]
        if extra_files:
            options["reload_includes"] = extra_files
        if exclude_patterns:
            options["reload_excludes"] = exclude_patterns
    config = uvicorn.Config(target, **options)
    server = Server(config)
    try:
        if config.should_reload:
            ChangeReload(config, target=server.run, sockets=[sock]).run()
        elif config.workers > 1:
            if "target" in inspect.signature(Multiprocess).parameters:  # uvicorn < 0.36
                Multiprocess(config, target=server.run, sockets=[sock]).run()  # type: ignore[call-arg]
            else:
                Multiprocess(config, sockets=[sock]).run()
        else:
            server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    if not server.started and not config.should_reload and config.workers == 1:
        raise click.exceptions.Exit(3)  # startup failed (e.g. a before_serving hook raised)


# -- shell and routes -----------------------------------------------------------


@click.command("shell", short_help="Run a Python shell in the app context.")
@with_appcontext
def shell_command() -> None:
    """Run an interactive Python shell with the app's context pushed.

    ``app`` and ``g`` are defined, plus what ``app.shell_context_processor``
    functions return. ``PYTHONSTARTUP`` runs first.
    """
    import code

    app = _cv_context.get().app
    banner = (
        f"Python {sys.version} on {sys.platform}\n"
        f"App: {app.import_name}\n"
        f"Instance: {app.instance_path}"
    )
    namespace: dict[str, Any] = {}
    startup = os.environ.get("PYTHONSTARTUP")
    if startup and os.path.isfile(startup):
        with open(startup) as f:
            exec(compile(f.read(), startup, "exec"), namespace)
    namespace.update(app.make_shell_context())
    hook = getattr(sys, "__interactivehook__", None)
    if hook is not None:
        try:
            import readline
            from rlcompleter import Completer
        except ImportError:
            pass
        else:
            readline.set_completer(Completer(namespace).complete)
        hook()
    code.interact(banner=banner, local=namespace)


@click.command("routes", short_help="Show the routes of the app.")
@click.option(
    "--sort",
    "-s",
    type=click.Choice(("endpoint", "methods", "domain", "rule", "match")),
    default="endpoint",
    help="Sort by a column, or 'match' for the order the rules are tried in.",
)
@click.option("--all-methods", is_flag=True, help="Show HEAD and OPTIONS too.")
@with_appcontext
def routes_command(sort: str, all_methods: bool) -> None:
    """Print a table of the app's routes: endpoint, methods (WEBSOCKET for websockets), rule."""
    url_map = current_app.url_map
    rules = list(url_map.iter_rules())
    if not rules:
        click.echo("No routes were registered.")
        return
    ignored = set() if all_methods else {"HEAD", "OPTIONS"}
    host_matching = bool(getattr(url_map, "host_matching", False))
    domain_attr = "host" if host_matching else "subdomain"
    domains = [str(getattr(rule, domain_attr, None) or "") for rule in rules]
    has_domain = any(domains)
    headers = ["Endpoint", "Methods"]
    sorts = ["endpoint", "methods"]
    if has_domain:
        headers.append("Host" if host_matching else "Subdomain")
        sorts.append("domain")
    headers.append("Rule")
    sorts.append("rule")
    rows: list[list[str]] = []
    for rule, domain in zip(rules, domains, strict=True):
        if rule.websocket:
            methods = "WEBSOCKET"
        else:
            methods = ", ".join(sorted(set(rule.methods or ()) - ignored))
        row = [str(rule.endpoint), methods]
        if has_domain:
            row.append(domain)
        row.append(rule.rule)
        rows.append(row)
    if sort in sorts:
        rows.sort(key=itemgetter(sorts.index(sort)))
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    template = "  ".join(f"{{{i}:<{width}}}" for i, width in enumerate(widths))
    click.echo(template.format(*headers).rstrip())
    click.echo(template.format(*("-" * width for width in widths)).rstrip())
    for row in rows:
        click.echo(template.format(*row).rstrip())


cli = FlaskGroup(
    name="asyncflask",
    help="""\
A general utility script for asyncflask applications.

An application to load must be given with the '--app' option, the
'ASYNCFLASK_APP' (or 'FLASK_APP') environment variable, or with a
'wsgi.py', 'app.py' or 'asgi.py' file in the current directory.
""",
)


def main() -> None:
    """The ``asyncflask`` console script."""
    cli.main()


__all__ = [
    "AppGroup",
    "AsyncFlaskGroup",
    "FlaskGroup",
    "NoAppException",
    "ScriptInfo",
    "find_app_by_string",
    "find_best_app",
    "get_version",
    "load_dotenv",
    "locate_app",
    "main",
    "pass_script_info",
    "prepare_import",
    "routes_command",
    "run_command",
    "shell_command",
    "with_appcontext",
]
