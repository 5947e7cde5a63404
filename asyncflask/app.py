"""The application object and its request pipeline.

``asgi_app`` → ``full_dispatch_request`` → ``preprocess_request`` →
``dispatch_request`` → ``finalize_request`` → ``make_response`` →
``process_response`` → send → teardown. One async pipeline serves sync and
async user code: sync callables run in worker threads, async ones on the loop.
"""

from __future__ import annotations

import functools
import os
import sys
import weakref
from collections.abc import Awaitable, Callable, Sequence, ValuesView
from datetime import timedelta
from itertools import chain
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, TypeVar, cast

import anyio
import anyio.to_thread

from .background import BackgroundTasks
from .coerce import coerce_response
from .concurrency import Lease, SyncRunner, is_async_callable
from .config import DEFAULT_CONFIG, Config, ConfigAttribute, as_timedelta
from .ctx import CALLER_CONTEXT_KEY, AppContext, RequestContext, _AppCtxGlobals
from .debughelpers import debug_error_body, is_loopback, printable
from .draining import OpenStreams
from .errorhandlers import find_handler, is_http_exception
from .exceptions import (
    Aborter,
    BadRequest,
    BadRequestKeyError,
    HTTPException,
    InternalServerError,
    NotFound,
    RequestRedirect,
)
from .globals import _cv_context
from .instance import default_instance_path
from .json.provider import DefaultJSONProvider, JSONProvider
from .lifespan import Lifespan
from .logging import create_logger
from .plans import EndpointPlan
from .routing import BuildError, Map, MapAdapter, Rule
from .scaffold import F, Scaffold, endpoint_from_view_func
from .sending import send_response
from .sessions import (
    SecureCookieSessionInterface,
    SessionInterface,
    save_session,
    session_needs_refresh,
)
from .sessions import (
    save_session_sync as _save_session_sync,
)
from .signals import (
    appcontext_popped,
    appcontext_pushed,
    appcontext_tearing_down,
    got_request_exception,
    notify,
    request_finished,
    request_started,
    request_tearing_down,
)
from .templating import TemplatingMixin, _default_template_ctx_processor
from .typing import Receive, Scope, Send
from .urls import has_invalid_percent_encoding
from .wrappers import Request, Response
from .wrappers.request import _BaseRequest

if TYPE_CHECKING:
    import logging

    from .blueprints import Blueprint
    from .testing import AsyncFlaskClient, FlaskClient, FlaskCliRunner

T = TypeVar("T")
#: Methods whose requests carry no body a redirect could drop.
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_BODY_OPTIONS = ("max_content_length", "max_form_memory_size", "max_form_parts")
#: Multipart bodies larger than this are parsed in a worker thread (spooling may touch disk).
_THREADED_FORM_THRESHOLD = 64 * 1024


class _RouteOptions:
    """What the pipeline needs to know about a rule beyond matching it."""

    __slots__ = ("limits", "stream_request")

    def __init__(self, stream_request: bool, limits: dict[str, int | None]) -> None:
        self.stream_request = stream_request
        self.limits = limits


class _Finished:
    """A response whose ``after_request`` functions ran on the request's thread, or their error."""

    __slots__ = ("error", "response")

    def __init__(self, response: Response | None, error: Exception | None = None) -> None:
        self.response = response
        self.error = error

    def unwrap(self) -> Response:
        error = self.error
        if error is not None:
            self.error = None
            try:
                raise error
            finally:
                del error
        return self.response  # type: ignore[return-value]


#: How many callables ``_is_async`` remembers; views and hooks stay far below it.
_ASYNC_CACHE_SIZE = 2048

#: Pipeline methods that, when overridden, make a request run them one by one.
_STEP_METHODS = (
    "preprocess_request",
    "dispatch_request",
    "finalize_request",
    "make_response",
    "process_response",
)


#: Flask's public methods that the pipeline calls when an app or an extension overrides them.
_OVERRIDABLE = (
    *_STEP_METHODS,
    "handle_exception",
    "handle_user_exception",
    "handle_http_exception",
    "create_url_adapter",
)


def _call_view(view: Callable[..., Any], view_args: dict[str, Any]) -> Any:
    return view(**view_args)


def _current_request() -> Request:
    ctx = _cv_context.get(None)
    request = ctx.request if ctx is not None else None
    if request is None:
        raise RuntimeError(
            "Working outside of request context. Push one with"
            " `app.test_request_context()` or run this inside a view."
        )
    return request


def _current_blueprints() -> list[str]:
    ctx = _cv_context.get(None)
    if ctx is None:
        return []
    request = ctx.request if ctx.request is not None else ctx.websocket
    return request.blueprints if request is not None else []


def _on_loopback() -> bool:
    ctx = _cv_context.get(None)
    return ctx is not None and ctx.request is not None and is_loopback(ctx.request)


class Flask(TemplatingMixin, Scaffold):
    """An ASGI application with Flask's API.

    ``app = Flask(__name__)``, decorate views with ``@app.route(...)``, and serve
    it with ``uvicorn module:app``. Views, hooks and error handlers may be
    ``def`` or ``async def``.
    """

    request_class: type[Request] = Request
    response_class: type[Response] = Response
    json_provider_class: type[JSONProvider] = DefaultJSONProvider
    #: The class of ``app.aborter``, which ``abort()`` uses inside the app's context.
    aborter_class: type[Aborter] = Aborter
    app_ctx_globals_class = _AppCtxGlobals
    config_class = Config
    url_rule_class = Rule
    url_map_class = Map
    #: The class ``test_client()`` returns (the async client when None); may be a
    #: subclass of the blocking ``asyncflask.testing.FlaskClient``.
    test_client_class: type[AsyncFlaskClient] | type[FlaskClient] | None = None
    #: The class ``test_cli_runner()`` returns (``FlaskCliRunner`` when None).
    test_cli_runner_class: type[FlaskCliRunner] | None = None
    #: How sessions are loaded from requests and saved to responses.
    session_interface: SessionInterface = SecureCookieSessionInterface()

    testing: ConfigAttribute[bool] = ConfigAttribute("TESTING")
    secret_key: ConfigAttribute[str | bytes | None] = ConfigAttribute("SECRET_KEY")
    debug: ConfigAttribute[bool] = ConfigAttribute("DEBUG")
    #: ``PERMANENT_SESSION_LIFETIME`` as a ``timedelta`` (the config may hold seconds).
    permanent_session_lifetime: ConfigAttribute[timedelta] = ConfigAttribute(
        "PERMANENT_SESSION_LIFETIME", get_converter=as_timedelta
    )

    default_config: dict[str, Any] = DEFAULT_CONFIG

    def __init__(
        self,
        import_name: str,
        static_url_path: str | None = None,
        static_folder: str | os.PathLike[str] | None = "static",
        static_host: str | None = None,
        host_matching: bool = False,
        subdomain_matching: bool = False,
        template_folder: str | os.PathLike[str] | None = "templates",
        instance_path: str | None = None,
        instance_relative_config: bool = False,
        root_path: str | None = None,
    ) -> None:
        super().__init__(
            import_name,
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
        if instance_path is None:
            instance_path = self.auto_find_instance_path()
        elif not os.path.isabs(instance_path):
            raise ValueError(
                "If an instance path is provided it must be absolute. A relative path was"
                " given instead."
            )
        #: The instance folder: deployment-local files (config, secrets, SQLite databases).
        self.instance_path = instance_path
        self.config = self.config_class(
            self.instance_path if instance_relative_config else self.root_path,
            self.default_config,
        )
        self.json: JSONProvider = self.json_provider_class(self)
        self.url_map = self.url_map_class()
        self.url_map.host_matching = host_matching
        #: Whether routing reads the subdomain from the request's host, relative to
        #: ``SERVER_NAME`` (``Rule(subdomain=...)``).
        self.subdomain_matching = subdomain_matching
        self.url_build_error_handlers: list[Callable[[Exception, str, dict[str, Any]], str]] = []
        self.teardown_appcontext_funcs: list[Callable[[BaseException | None], Any]] = []
        self.before_serving_funcs: list[Callable[[], Any]] = []
        self.while_serving_funcs: list[Callable[[], Any]] = []
        self.after_serving_funcs: list[Callable[[], Any]] = []
        self.extensions: dict[str, Any] = {}
        #: Registered blueprints by their (dotted) names, in registration order.
        self.blueprints: dict[str, Blueprint] = {}
        self._route_options: dict[Rule, _RouteOptions] = {}
        self._async_cache: dict[Callable[..., Any], bool] = {}
        self._plain_asgi = type(self).asgi_app is Flask.asgi_app
        self._sync_runner: SyncRunner | None = None
        self._plans: dict[str | None, EndpointPlan] = {}
        self._steps_overridden = False
        self._overridden: set[str] | None = None
        self._lifespan = Lifespan(self)
        self._background = BackgroundTasks(self)
        self._realtime = OpenStreams()
        self._logger: logging.Logger | None = None
        self.shell_context_processors: list[Callable[[], dict[str, Any]]] = []
        self.aborter = self.make_aborter()
        self.template_context_processors[None].append(_default_template_ctx_processor)
        self.static_host = static_host
        if self.has_static_folder:
            self._add_static_route(static_host, host_matching)

    def _add_static_route(self, static_host: str | None, host_matching: bool) -> None:
        if bool(static_host) != host_matching:
            raise ValueError(
                "Invalid static_host/host_matching combination: 'static_host' is required"
                " with host_matching=True, and only allowed with it."
            )
        # The view holds the app weakly: an app that is no longer used is freed at once,
        # without waiting for the garbage collector.
        app_ref = weakref.ref(self)
        on_host = static_host is not None

        def static(filename: str) -> Response:
            app = cast("Flask", app_ref())
            return (
                app._send_static_file_on_host(filename)
                if on_host
                else app.send_static_file(filename)
            )

        rule = f"{self.static_url_path}/<path:filename>"
        self.add_url_rule(rule, "static", static, host=static_host)

    def _send_static_file_on_host(self, filename: str) -> Response:
        from .globals import request

        if request.host != self.static_host:
            raise NotFound()
        return self.send_static_file(filename)

    # -- identity -------------------------------------------------------------

    @functools.cached_property
    def name(self) -> str:  # type: ignore[override]
        """The application's name: the import name, or the script's name when run directly."""
        if self.import_name == "__main__":
            fn = getattr(sys.modules["__main__"], "__file__", None)
            if fn is None:
                return "__main__"
            return str(os.path.splitext(os.path.basename(fn))[0])
        return self.import_name

    @property
    def logger(self) -> logging.Logger:
        """The ``logging`` logger named after the app; DEBUG level in debug mode."""
        if self._logger is None:
            self._logger = create_logger(self)
        return self._logger

    @property
    def propagate_exceptions(self) -> bool:
        """Whether unhandled exceptions propagate (``PROPAGATE_EXCEPTIONS``, else testing or debug).

        A propagated error reaches the test client; under a server, the debug page
        (``__call__``) shows it in debug mode.
        """
        rv = self.config["PROPAGATE_EXCEPTIONS"]
        if rv is not None:
            return bool(rv)
        return bool(self.testing or self.debug)

    @property
    def _sync(self) -> SyncRunner:
        runner = self._sync_runner
        if runner is None:
            runner = self._sync_runner = SyncRunner(
                int(self.config["SYNC_THREAD_LIMIT"]), int(self.config["SYNC_LEASE_LIMIT"])
            )
        return runner

    def _is_async(self, func: Callable[..., Any]) -> bool:
        try:
            return self._async_cache[func]
        except KeyError:
            cache = self._async_cache
            if len(cache) >= _ASYNC_CACHE_SIZE:
                cache.clear()  # per-request callables (closures) must not pile up
            result = cache[func] = is_async_callable(func)
            return result
        except TypeError:
            return is_async_callable(func)

    async def _call(self, func: Callable[..., T], *args: Any) -> T:
        """Await ``func(*args)`` if it is async, else run it on the current context's thread."""
        if self._is_async(func):
            return await func(*args)  # type: ignore[no-any-return,misc]
        ctx = _cv_context.get(None)
        if ctx is None:
            return await self._sync.run(func, *args)
        lease = ctx._lease or await ctx._thread_lease()
        return await lease.run(func, *args)

    async def _lease(self, ctx: AppContext) -> Lease:
        return ctx._lease or await ctx._thread_lease()

    def _plan_for(self, rule: Rule | None) -> EndpointPlan:
        """The hooks of ``rule``'s endpoint, flattened once (until a registry changes)."""
        endpoint = rule.endpoint if rule is not None else None
        plan = self._plans.get(endpoint)
        if plan is None:
            if not self._plans:
                self._find_overrides()
            plan = self._plans[endpoint] = EndpointPlan(self, endpoint)
        return plan

    def _registry_changed(self) -> None:
        self._plans.clear()

    def _find_overrides(self) -> set[str]:
        """Which of Flask's public pipeline methods a subclass or an extension replaced."""
        found = self._overridden = {
            name
            for name in _OVERRIDABLE
            if getattr(type(self), name) is not getattr(Flask, name) or name in self.__dict__
        }
        self._steps_overridden = any(name in found for name in _STEP_METHODS)
        return found

    def add_background_task(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Run ``func(*args, **kwargs)`` (sync or async) once the current response is sent.

        It runs in a fresh application context; an exception is logged. Shutdown
        waits ``BACKGROUND_TASK_SHUTDOWN_TIMEOUT`` seconds for running tasks, then
        cancels them. See ``asyncflask.background`` for where the tasks run.
        """
        self._background.add(func, args, kwargs)

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """A version of ``func`` callable from sync code, as in Flask.

        A sync function comes back unchanged; an ``async def`` one becomes a blocking
        call (see ``async_to_sync``).
        """
        if self._is_async(func):
            return self.async_to_sync(func)
        return func

    def async_to_sync(self, func: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
        """Wrap an async function as a blocking one.

        Called from a request's thread (a sync view or hook), the coroutine runs on
        the request's event loop with its context, and sync code it calls runs back on
        the same thread; called from a thread without an event loop, it runs on a new one.
        """
        from .leases import call_async_blocking

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return call_async_blocking(func, *args, **kwargs)

        return wrapper

    def auto_find_instance_path(self) -> str:
        """The default instance folder: ``instance`` beside the package or module (see
        ``asyncflask.instance`` for installed packages)."""
        return default_instance_path(self.import_name, self.name)

    def open_instance_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = "utf-8"
    ) -> IO[Any]:
        """Open a file below ``instance_path`` (any mode; ``encoding`` for text modes)."""
        path = os.path.join(self.instance_path, resource)
        if "b" in mode:
            return open(path, mode)
        return open(path, mode, encoding=encoding)

    # -- registration ---------------------------------------------------------

    def register_blueprint(self, blueprint: Blueprint, **options: Any) -> None:
        """Register ``blueprint``: its routes, hooks and handlers become the app's.

        Options: ``url_prefix``, ``subdomain``, ``url_defaults`` and ``name``
        (to register one blueprint twice) override the blueprint's own;
        ``cli_group`` names its command group.
        """
        blueprint.register(self, options)

    def iter_blueprints(self) -> ValuesView[Blueprint]:
        """The registered blueprints, in the order they were registered."""
        return self.blueprints.values()

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        """Register ``view_func`` for ``rule`` under ``endpoint`` (the function name by default)."""
        if endpoint is None:
            if view_func is None:
                raise TypeError("add_url_rule() needs an endpoint or a view function.")
            endpoint = endpoint_from_view_func(view_func)
        options["endpoint"] = endpoint
        websocket = bool(options.get("websocket", False))
        stream_request = bool(options.pop("stream_request", False))
        limits = {key: options.pop(key) for key in _BODY_OPTIONS if key in options}
        methods = options.pop("methods", None)
        if methods is None:
            methods = getattr(view_func, "methods", None) or ("GET",)
        if isinstance(methods, str):
            raise TypeError(
                "Allowed methods must be a list of strings, for example:"
                ' @app.route(..., methods=["POST"])'
            )
        methods = {item.upper() for item in methods}
        required = set(getattr(view_func, "required_methods", ()))
        if provide_automatic_options is None:
            provide_automatic_options = getattr(view_func, "provide_automatic_options", None)
        if provide_automatic_options is None:
            if "OPTIONS" not in methods and self.config["PROVIDE_AUTOMATIC_OPTIONS"]:
                provide_automatic_options = True
                required.add("OPTIONS")
            else:
                provide_automatic_options = False
        methods |= required
        if websocket:
            methods = set()
            provide_automatic_options = False
        rule_obj = self.url_rule_class(rule, methods=methods or None, **options)
        rule_obj.provide_automatic_options = provide_automatic_options
        self.url_map.add(rule_obj)
        if stream_request or limits:
            self._route_options[rule_obj] = _RouteOptions(stream_request, limits)
        if view_func is not None:
            old = self.view_functions.get(endpoint)
            if old is not None and old != view_func:
                raise AssertionError(
                    "View function mapping is overwriting an existing endpoint function:"
                    f" {endpoint}"
                )
            self.view_functions[endpoint] = view_func

    def teardown_appcontext(self, f: F) -> F:
        """Run ``f(error)`` when an application context ends (after every request too)."""
        self.teardown_appcontext_funcs.append(f)
        self._registry_changed()
        return f

    def before_serving(self, f: F) -> F:
        """Run ``f`` once when the server starts, before it accepts requests."""
        self.before_serving_funcs.append(f)
        return f

    def while_serving(self, f: F) -> F:
        """Register a generator function: before its ``yield`` is startup, after it shutdown."""
        self.while_serving_funcs.append(f)
        return f

    def after_serving(self, f: F) -> F:
        """Run ``f`` once when the server shuts down."""
        self.after_serving_funcs.append(f)
        return f

    # -- contexts -------------------------------------------------------------

    def app_context(self) -> AppContext:
        """A new application context: ``with app.app_context():`` or ``async with``."""
        return AppContext(self)

    def request_context(self, scope: Scope, receive: Receive | None = None) -> RequestContext:
        """A request context for an ASGI scope."""
        return RequestContext(self, self.request_class(scope, receive, self))

    def test_request_context(self, *args: Any, **kwargs: Any) -> RequestContext:
        """A request context built like a test client request (path, method, data, headers...).

        The URL is matched as a request's would be, so ``request.endpoint``,
        ``request.view_args`` and ``request.blueprint`` are set (a routing error is kept
        in ``request.routing_exception``).
        """
        from .testing import build_test_request

        request = build_test_request(self, *args, **kwargs)
        self.match_request(request)
        return RequestContext(self, request)

    def test_client(self, use_cookies: bool = True, **kwargs: Any) -> Any:
        """An async test client; ``async with app.test_client()`` also runs lifespan hooks.

        With ``test_client_class`` set, an instance of that class instead (for
        example the blocking ``FlaskClient``, for a suite written for Flask).
        """
        from .testing import AsyncFlaskClient

        cls = self.test_client_class or AsyncFlaskClient
        return cls(self, use_cookies=use_cookies, **kwargs)

    def make_aborter(self) -> Aborter:
        """The ``Aborter`` behind ``abort()`` for this app; add codes to ``app.aborter.mapping``."""
        return self.aborter_class()

    def sync_test_client(self, use_cookies: bool = True, **kwargs: Any) -> FlaskClient:
        """A blocking test client with Flask's ``FlaskClient`` API: ``client.get("/").data``.

        ``test_client_class`` is used when it is a ``FlaskClient`` subclass.
        """
        from .testing import FlaskClient

        cls = self.test_client_class
        if not (isinstance(cls, type) and issubclass(cls, FlaskClient)):
            cls = FlaskClient
        return cls(self, use_cookies=use_cookies, **kwargs)

    def test_cli_runner(self, **kwargs: Any) -> FlaskCliRunner:
        """A click ``CliRunner`` that invokes commands with this app loaded."""
        from .testing import FlaskCliRunner

        cls = self.test_cli_runner_class or FlaskCliRunner
        return cls(self, **kwargs)

    def shell_context_processor(self, f: F) -> F:
        """Register ``f`` to return extra names (a dict) for ``asyncflask shell``."""
        self.shell_context_processors.append(f)
        return f

    def make_shell_context(self) -> dict[str, Any]:
        """The namespace of ``asyncflask shell``: ``app``, ``g`` and the processors' names."""
        from .globals import g

        rv: dict[str, Any] = {"app": self, "g": g}
        for processor in self.shell_context_processors:
            rv.update(processor())
        return rv

    # -- ASGI -----------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            # Skips one coroutine per request unless asgi_app was wrapped or overridden.
            if scope["type"] == "http" and self._plain_asgi and "asgi_app" not in self.__dict__:
                await self.handle_http(scope, receive, send)
            else:
                await self.asgi_app(scope, receive, send)
        except Exception as e:
            # Errors propagate in debug mode (PROPAGATE_EXCEPTIONS); here, the outermost
            # layer, they become the debug page instead of reaching the server.
            if not self.debug or scope["type"] == "lifespan":
                raise
            await self._debug_error(scope, send, e)

    async def _debug_error(self, scope: Scope, send: Send, error: Exception) -> None:
        from .debughelpers import send_debug_page

        method = scope.get("method", "WEBSOCKET")
        self.logger.error(
            "Exception on %s [%s]", printable(scope.get("path", "")), method, exc_info=error
        )
        if scope["type"] == "http":
            await send_debug_page(scope, send, error)

    async def asgi_app(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI application itself; wrap it as ``app.asgi_app = Middleware(app.asgi_app)``."""
        kind = scope["type"]
        if kind == "http":
            await self.handle_http(scope, receive, send)
        elif kind == "websocket":
            from .websockets import handle_websocket

            await handle_websocket(self, scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(scope, receive, send)
        else:
            raise ValueError(f"asyncflask cannot serve ASGI scope type {kind!r}.")

    async def startup(self) -> None:
        """Run the startup hooks (done by the server's lifespan and by ``async with client``)."""
        await self._lifespan.startup()

    async def shutdown(self) -> None:
        """Run the shutdown hooks."""
        await self._lifespan.shutdown()

    async def handle_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one HTTP request: dispatch, send the response, tear down."""
        request = self.request_class(scope, receive, self)
        ctx = RequestContext(self, request)
        outer = scope.get(CALLER_CONTEXT_KEY)
        if outer is not None:
            ctx.g = outer.g  # a test's request inside `with app.app_context()`, as in Flask
        token = _cv_context.set(ctx)
        error: BaseException | None = None
        try:
            try:
                if appcontext_pushed.receivers:
                    await notify(appcontext_pushed, self)
                response = await self.full_dispatch_request(ctx)
            except Exception as e:
                error = e
                response = await self._handle_exception(ctx, e)
            try:
                await send_response(
                    response,
                    receive,
                    send,
                    head=request.method == "HEAD",
                    threads=ctx,
                )
            except Exception as e:
                if self.propagate_exceptions:
                    raise
                self.logger.error(
                    "Exception while sending the response to %s [%s]",
                    printable(request.path),
                    request.method,
                    exc_info=e,
                )
            finally:
                if response._on_close:
                    await (await self._lease(ctx)).run(response.close)
        except BaseException as e:
            error = e
            raise
        finally:
            try:
                if (
                    self.teardown_request_funcs
                    or self.teardown_appcontext_funcs
                    or request_tearing_down.receivers
                    or appcontext_tearing_down.receivers
                ):
                    if error is not None and isinstance(error, anyio.get_cancelled_exc_class()):
                        # Teardown runs even for a cancelled request (its database
                        # connection still needs closing).
                        with anyio.CancelScope(shield=True):
                            await ctx._teardown(error)
                    else:
                        await ctx._teardown(error)
            finally:
                ctx._end_lease()
                request.close()
                _cv_context.reset(token)
                # Servers may keep a snapshot of the context taken while the request ran
                # (uvicorn's keep-alive timer does); let it hold an empty shell only.
                ctx._release()
                error = None  # its traceback holds this frame
                if appcontext_popped.receivers:
                    await notify(appcontext_popped, self)
        if "_background_tasks" in request.__dict__:
            await self._background.run_pending(request)

    # -- the request pipeline -------------------------------------------------

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        """The URL map bound to ``request`` (or to ``SERVER_NAME`` outside one), as in Flask.

        None outside a request when ``SERVER_NAME`` is unset. An override is what the
        app matches requests with.
        """
        if request is not None:
            subdomain = None
            if self.subdomain_matching and not self.url_map.host_matching:
                subdomain = self._request_domain(request) or None
            return self.url_map.bind(
                request.host,
                script_name=request.root_path,
                subdomain=subdomain,
                url_scheme=request.scheme,
                default_method=request.method,
                path_info=request.path,
            )
        server_name = self.config["SERVER_NAME"]
        if server_name is None:
            return None
        return self.url_map.bind(
            server_name,
            script_name=self.config["APPLICATION_ROOT"],
            url_scheme=self.config["PREFERRED_URL_SCHEME"],
        )

    def match_request(self, request: Request) -> None:
        """Match the request against the URL map; a failure is kept in ``routing_exception``."""
        overridden = self._overridden
        if overridden is None:
            overridden = self._find_overrides()
        if overridden and "create_url_adapter" in overridden:
            self._match_with_adapter(request)
            return
        path = request.path
        try:
            if path[:1] != "/":
                raise BadRequest("The request path must start with '/'.")
            raw_path = request.scope.get("raw_path")
            if raw_path and b"%" in raw_path and has_invalid_percent_encoding(raw_path):
                raise BadRequest("The request path contains invalid percent-encoding.")
            domain = None
            if self.subdomain_matching or self.url_map.host_matching:
                domain = self._request_domain(request)
            request.url_rule, request.view_args = self.url_map.match(
                path, request.method, domain=domain
            )
        except RequestRedirect as e:
            location = request.root_path + e.new_url
            if request.query_string:
                location = f"{location}?{request.query_string.decode('latin-1')}"
            redirect = RequestRedirect(location)
            request.routing_exception = redirect
            if self.debug and redirect.code in (301, 302) and request.method not in _SAFE_METHODS:
                from .debughelpers import FormDataRoutingRedirect

                canonical = request.host_url.rstrip("/") + location
                request.routing_exception = FormDataRoutingRedirect(
                    request.url, canonical, redirect.code
                )
        except HTTPException as e:
            request.routing_exception = e

    def _match_with_adapter(self, request: Request) -> None:
        adapter = self.create_url_adapter(request)
        if adapter is None:
            return
        try:
            request.url_rule, request.view_args = adapter.match(return_rule=True)
        except HTTPException as e:
            request.routing_exception = e

    def _request_domain(self, request: _BaseRequest) -> str:
        """What routing matches the request's host against: the host, or its subdomain."""
        from .routing.domains import subdomain_of
        from .urls import strip_default_port

        host = strip_default_port(request.host.lower(), request.scheme)
        if self.url_map.host_matching:
            return host
        return subdomain_of(host, self.config["SERVER_NAME"], request.scheme, self.url_map)

    async def full_dispatch_request(self, ctx: RequestContext) -> Response:
        """Route, read the body, run ``before_request`` hooks and the view, build the response.

        When the hooks, the view and the ``after_request`` functions of the endpoint
        are all sync, they run in one hop to the request's thread.
        """
        request = ctx.request
        finished: _Finished | None = None
        try:
            if self.config["TRUSTED_HOSTS"] is not None:
                request.host  # noqa: B018 - validates the Host header before anything runs
            self.match_request(request)
            rule = request.url_rule
            if rule is not None and (rule in self._route_options or request._expects_body()):
                await self._read_body(request, rule)
            else:
                request._body = b""
            plan = ctx._plan = self._plan_for(rule)
            if request_started.receivers:
                await notify(request_started, self)
            view = self._sync_view(request)
            if (
                view is not False
                and plan.head_sync
                and plan.after_sync
                and not self._steps_overridden
                and (view is not None or plan.has_head or plan.after)
                and self._session_saves_sync()
            ):
                lease = ctx._lease or await ctx._thread_lease()
                result = await lease.run(self._dispatch_in_thread, ctx, plan, view)
                if type(result) is _Finished:
                    finished = result
                    rv = None
                else:
                    rv = result
            else:
                rv = None
                if plan.has_head:
                    rv = await self.preprocess_request(ctx)
                if rv is None:
                    rv = await self.dispatch_request(ctx)
        except Exception as e:
            rv = await self._handle_user_exception(ctx, e)
        if finished is not None:
            response = finished.unwrap()
            if request_finished.receivers:
                await notify(request_finished, self, response=response)
            return response
        response = await self.finalize_request(ctx, rv)
        del rv  # often the handled error itself, whose traceback holds this frame: a cycle
        return response

    def _sync_view(self, request: Request) -> Callable[..., Any] | bool | None:
        """The sync view to call: None when the framework answers, False for an async view."""
        if request.routing_exception is not None:
            return None
        rule: Rule = request.url_rule  # type: ignore[assignment]
        if rule.provide_automatic_options and request.method == "OPTIONS":
            return None
        view = self.view_functions[rule.endpoint]  # type: ignore[index]
        return False if self._is_async(view) else view

    def _session_saves_sync(self) -> bool:
        interface = self.session_interface
        return (
            type(interface) is SecureCookieSessionInterface
            or interface is None
            or not self._is_async(interface.save_session)
        )

    def _dispatch_in_thread(
        self, ctx: RequestContext, plan: EndpointPlan, view: Callable[..., Any] | None
    ) -> Any:
        """The sync hooks, the view and (when they are sync) the after functions, in one go.

        Runs on the request's thread. An error of the hooks or the view propagates;
        the finished response (or the error of finishing it) comes back as ``_Finished``.
        """
        rv = self._preprocess_in_thread(ctx, plan) if plan.has_head else None
        if rv is None:
            request = ctx.request
            if request.routing_exception is not None:
                raise request.routing_exception
            if view is None:
                rv = self.make_default_options_response()
            else:
                rv = view(**(request.view_args or {}))
        extra = ctx._after_request_functions
        if extra and any(self._is_async(f) for f in extra):
            return rv  # the loop finishes it
        try:
            response = self.make_response(rv)
            del rv
            response = self._after_in_thread(ctx, plan, response)
            _save_session_sync(self, ctx, response)
        except Exception as e:
            return _Finished(None, e)
        return _Finished(response)

    def _preprocess_in_thread(self, ctx: RequestContext, plan: EndpointPlan) -> Any:
        request = ctx.request
        for func in plan.preprocessors:
            func(request.endpoint, request.view_args)
        for func in plan.before:
            rv = func()
            if rv is not None:
                return rv
        return None

    def _after_in_thread(
        self, ctx: RequestContext, plan: EndpointPlan, response: Response
    ) -> Response:
        for func in ctx._after_request_functions:
            response = func(response)
        for func in plan.after:
            response = func(response)
        return response

    async def _read_body(self, request: Request, rule: Rule) -> None:
        options = self._route_options.get(rule)
        if options is not None:
            for key, value in options.limits.items():
                setattr(request, key, value)
            if options.stream_request:
                return
        body = await request.load_body()
        if len(body) > _THREADED_FORM_THRESHOLD and request.mimetype == "multipart/form-data":
            await anyio.to_thread.run_sync(lambda: request.form)

    async def preprocess_request(self, ctx: RequestContext) -> Any:
        """Run URL value preprocessors and ``before_request`` hooks; return a non-None hook rv."""
        plan = ctx._plan or self._plan_for(ctx.request.url_rule)
        if not plan.has_head:
            return None
        if plan.head_sync:
            lease = ctx._lease or await ctx._thread_lease()
            return await lease.run(self._preprocess_in_thread, ctx, plan)
        request = ctx.request
        for func in plan.preprocessors:
            await self._call(func, request.endpoint, request.view_args)
        for func in plan.before:
            rv = await self._call(func)
            if rv is not None:
                return rv
        return None

    async def dispatch_request(self, ctx: RequestContext) -> Any:
        """Call the view of the matched rule (or answer OPTIONS automatically)."""
        request = ctx.request
        if request.routing_exception is not None:
            raise request.routing_exception
        # Runtime casts cost a call each; the matched rule and its endpoint are set here.
        rule: Rule = request.url_rule  # type: ignore[assignment]
        if rule.provide_automatic_options and request.method == "OPTIONS":
            return self.make_default_options_response()
        view = self.view_functions[rule.endpoint]  # type: ignore[index]
        view_args = request.view_args or {}
        if self._is_async(view):
            return await view(**view_args)
        lease = ctx._lease or await ctx._thread_lease()
        return await lease.run(_call_view, view, view_args)

    def make_default_options_response(self) -> Response:
        """An empty response whose ``Allow`` header lists the methods of the path."""
        request = _current_request()
        methods = self.url_map.allowed_methods(request.path)
        response = self.response_class()
        response.headers["Allow"] = ", ".join(sorted(methods))
        return response

    async def finalize_request(
        self, ctx: RequestContext, rv: Any, from_error_handler: bool = False
    ) -> Response:
        """Turn ``rv`` into a response and run the ``after_request`` functions on it."""
        response = self.make_response(rv)
        try:
            response = await self._process_response(ctx, response)
            if request_finished.receivers:
                await notify(request_finished, self, response=response)
        except Exception:
            if not from_error_handler:
                raise
            self.logger.exception("Request finalizing failed with an error while handling an error")
        return response

    def make_response(self, rv: Any) -> Response:
        """Convert a view's return value into a response (see ``asyncflask.coerce``)."""
        kind = type(rv)
        if kind is str:
            return self.response_class(rv)
        if kind is dict or kind is list:
            return self.json.response(rv)
        if kind is self.response_class:
            return rv  # type: ignore[no-any-return]
        ctx = _cv_context.get(None)
        endpoint = ctx.request.endpoint if ctx is not None and ctx.request is not None else None
        return coerce_response(rv, self.response_class, self.json, endpoint)

    def process_response(self, response: Response) -> Response:
        """Run ``after_this_request`` and ``after_request`` functions, then save the session."""
        ctx = _cv_context.get(None)
        if not isinstance(ctx, RequestContext):
            raise RuntimeError("process_response() needs an active request context.")
        plan = ctx._plan or self._plan_for(ctx.request.url_rule)
        for func in ctx._after_request_functions:
            response = self.ensure_sync(func)(response)
        for func in plan.after:
            response = self.ensure_sync(func)(response)
        interface = self.session_interface
        session = ctx._session
        if session is None and session_needs_refresh(self, ctx.request):
            session = ctx.session
        if session is not None and interface is not None and not interface.is_null_session(session):
            self.ensure_sync(interface.save_session)(self, session, response)
        return response

    async def _process_response(self, ctx: RequestContext, response: Response) -> Response:
        if self._overrides("process_response"):
            return await self._on_thread(ctx, self.process_response, response)
        plan = ctx._plan or self._plan_for(ctx.request.url_rule)
        extra = ctx._after_request_functions
        if extra or plan.after:
            if plan.after_sync and not any(self._is_async(f) for f in extra):
                lease = ctx._lease or await ctx._thread_lease()
                response = await lease.run(self._after_in_thread, ctx, plan, response)
            else:
                for func in extra:
                    response = await self._call(func, response)
                for func in plan.after:
                    response = await self._call(func, response)
        session = ctx._session
        if session is None and session_needs_refresh(self, ctx.request):
            session = ctx.session
        if session is not None:
            interface = self.session_interface
            if type(interface) is SecureCookieSessionInterface or self._is_async(
                interface.save_session
            ):
                await save_session(self, session, response)
            else:
                lease = ctx._lease or await ctx._thread_lease()
                await lease.run(_save_session_sync, self, ctx, response)
        return response

    # -- errors ---------------------------------------------------------------
    #
    # The public methods keep Flask's sync signatures, for code that calls or overrides
    # them (extensions do both); they work in a request's sync code. The pipeline uses
    # the private async forms, which defer to an override on the request's thread.

    def trap_http_exception(self, e: Exception) -> bool:
        """Whether an HTTP exception should propagate like an unhandled one (debugging aid)."""
        if self.config["TRAP_HTTP_EXCEPTIONS"]:
            return True
        trap_bad_request = self.config["TRAP_BAD_REQUEST_ERRORS"]
        if trap_bad_request is None and self.debug and isinstance(e, BadRequestKeyError):
            return True
        if trap_bad_request:
            return isinstance(e, BadRequest)
        return False

    def handle_http_exception(self, e: HTTPException) -> Any:
        """Call the handler registered for an HTTP error; without one the error is the response."""
        if e.code is None or isinstance(e, RequestRedirect):
            return e
        handler = find_handler(self.error_handler_spec, e, _current_blueprints())
        if handler is None:
            return e
        return self.ensure_sync(handler)(e)

    def handle_user_exception(self, e: Exception) -> Any:
        """Handle an error from routing, hooks or the view; re-raise it if nothing handles it."""
        if is_http_exception(e) and not self.trap_http_exception(e):
            return self.handle_http_exception(e)  # type: ignore[arg-type]
        handler = find_handler(self.error_handler_spec, e, _current_blueprints())
        if handler is None:
            try:
                raise e
            finally:
                del e
        return self.ensure_sync(handler)(e)

    def handle_exception(self, e: Exception) -> Response:
        """Handle an unhandled exception: propagate it in testing, else log it and answer 500."""
        if self.propagate_exceptions:
            try:
                raise e
            finally:
                del e
        self.log_exception((type(e), e, e.__traceback__))
        server_error = InternalServerError(original_exception=e)
        handler = find_handler(self.error_handler_spec, server_error, _current_blueprints())
        rv: Any = server_error
        if handler is not None:
            rv = self.ensure_sync(handler)(server_error)
        elif self.debug and _on_loopback():
            ctx = _cv_context.get(None)
            accept = ctx.request.headers.get("Accept") if ctx and ctx.request else None
            body, content_type = debug_error_body(e, accept)
            rv = self.response_class(body, status=500, content_type=content_type)
        response = self.make_response(rv)
        try:
            return self.process_response(response)
        except Exception:
            self.logger.exception("Request finalizing failed with an error while handling an error")
            return response

    def log_exception(
        self, exc_info: tuple[type[BaseException], BaseException, TracebackType | None]
    ) -> None:
        """Log an unhandled exception with the request path and method."""
        ctx = _cv_context.get(None)
        request = ctx.request if ctx is not None else None
        if request is None:
            self.logger.error("Exception", exc_info=exc_info)
            return
        self.logger.error(
            "Exception on %s [%s]", printable(request.path), request.method, exc_info=exc_info
        )

    def _overrides(self, name: str) -> bool:
        overridden = self._overridden
        if overridden is None:
            overridden = self._find_overrides()
        return name in overridden

    async def _on_thread(self, ctx: AppContext, func: Callable[..., T], *args: Any) -> T:
        lease = ctx._lease or await ctx._thread_lease()
        return await lease.run(func, *args)

    async def _handle_http_exception(self, ctx: RequestContext, e: HTTPException) -> Any:
        if self._overrides("handle_http_exception"):
            return await self._on_thread(ctx, self.handle_http_exception, e)
        if e.code is None or isinstance(e, RequestRedirect):
            return e
        handler = find_handler(self.error_handler_spec, e, ctx.request.blueprints)
        if handler is None:
            return e
        return await self._call(handler, e)

    async def _handle_user_exception(self, ctx: RequestContext, e: Exception) -> Any:
        if self._overrides("handle_user_exception"):
            return await self._on_thread(ctx, self.handle_user_exception, e)
        if is_http_exception(e) and not self.trap_http_exception(e):
            return await self._handle_http_exception(ctx, e)  # type: ignore[arg-type]
        handler = find_handler(self.error_handler_spec, e, ctx.request.blueprints)
        if handler is None:
            try:
                raise e
            finally:
                del e  # this frame is in e's traceback: keeping e would make a cycle
        return await self._call(handler, e)

    async def _handle_exception(self, ctx: RequestContext, e: Exception) -> Response:
        if got_request_exception.receivers:
            await notify(got_request_exception, self, exception=e)
        if self._overrides("handle_exception"):
            return self.make_response(await self._on_thread(ctx, self.handle_exception, e))
        if self.propagate_exceptions:
            try:
                raise e
            finally:
                del e  # as in _handle_user_exception
        self.log_exception((type(e), e, e.__traceback__))
        server_error = InternalServerError(original_exception=e)
        request = ctx.request
        handler = find_handler(self.error_handler_spec, server_error, request.blueprints)
        rv: Any = server_error
        if handler is not None:
            rv = await self._call(handler, server_error)
        elif self.debug and is_loopback(request):
            body, content_type = debug_error_body(e, request.headers.get("Accept"))
            rv = self.response_class(body, status=500, content_type=content_type)
        return await self.finalize_request(ctx, rv, from_error_handler=True)

    # -- teardown -------------------------------------------------------------

    def _request_teardown_funcs(
        self, ctx: AppContext
    ) -> list[Callable[[BaseException | None], Any]]:
        request = ctx.request
        if request is None or not self.teardown_request_funcs:
            return []
        return [
            func
            for name in chain(request.blueprints, (None,))
            for func in reversed(self.teardown_request_funcs.get(name, ()))
        ]

    def teardown_functions(
        self, ctx: AppContext, request: bool = True
    ) -> list[Callable[[BaseException | None], Any]]:
        """The teardown functions ending ``ctx`` runs: the request's (if asked), then the app's."""
        funcs = self._request_teardown_funcs(ctx) if request else []
        funcs.extend(reversed(self.teardown_appcontext_funcs))
        return funcs

    async def do_teardown_request(self, ctx: AppContext, exc: BaseException | None) -> None:
        """Run every ``teardown_request`` function (last registered first), even if one fails."""
        funcs = self._request_teardown_funcs(ctx)
        if funcs:
            await self._run_teardowns(funcs, exc)
        if request_tearing_down.receivers:
            await notify(request_tearing_down, self, exc=exc)

    async def do_teardown_appcontext(self, ctx: AppContext, exc: BaseException | None) -> None:
        """Run every ``teardown_appcontext`` function (last registered first), even if one fails."""
        if self.teardown_appcontext_funcs:
            await self._run_teardowns(list(reversed(self.teardown_appcontext_funcs)), exc)
        if appcontext_tearing_down.receivers:
            await notify(appcontext_tearing_down, self, exc=exc)

    async def teardown_request_context(
        self, ctx: RequestContext, exc: BaseException | None
    ) -> None:
        """End a request: its ``teardown_request`` then the app's ``teardown_appcontext`` functions.

        When all of them are sync they run in one hop to the request's thread.
        """
        plan = ctx._plan or self._plan_for(ctx.request.url_rule)
        await self._run_teardowns(plan.teardown, exc, all_sync=plan.teardown_sync)
        if request_tearing_down.receivers:
            await notify(request_tearing_down, self, exc=exc)
        if appcontext_tearing_down.receivers:
            await notify(appcontext_tearing_down, self, exc=exc)

    async def _run_teardowns(
        self,
        funcs: Sequence[Callable[[BaseException | None], Any]],
        exc: BaseException | None,
        all_sync: bool | None = None,
    ) -> None:
        if not funcs:
            return
        if all_sync is None:
            all_sync = not any(self._is_async(func) for func in funcs)
        first_error: Exception | None
        if all_sync:
            ctx = _cv_context.get(None)
            if ctx is None:
                first_error = await self._sync.run(self._teardowns_in_thread, funcs, exc)
            else:
                lease = ctx._lease or await ctx._thread_lease()
                first_error = await lease.run(self._teardowns_in_thread, funcs, exc)
        else:
            first_error = None
            for func in funcs:
                try:
                    await self._call(func, exc)
                except Exception as e:
                    self.logger.exception("Teardown function %r failed", func)
                    if first_error is None:
                        first_error = e
        if first_error is not None and self.propagate_exceptions:
            try:
                raise first_error
            finally:
                first_error = None

    def _teardowns_in_thread(
        self, funcs: Sequence[Callable[[BaseException | None], Any]], exc: BaseException | None
    ) -> Exception | None:
        first_error: Exception | None = None
        for func in funcs:
            try:
                func(exc)
            except Exception as e:
                self.logger.exception("Teardown function %r failed", func)
                if first_error is None:
                    first_error = e
        return first_error

    # -- URLs -----------------------------------------------------------------

    def inject_url_defaults(self, endpoint: str, values: dict[str, Any]) -> None:
        """Run the ``url_defaults`` functions of the app and of the endpoint's blueprints."""
        if not self.url_default_functions:
            return
        names: list[str | None] = [None]
        if "." in endpoint:
            parts = endpoint.split(".")[:-1]
            names.extend(".".join(parts[: i + 1]) for i in range(len(parts)))
        for name in names:
            for func in self.url_default_functions.get(name, ()):
                func(endpoint, values)

    def handle_url_build_error(
        self, error: BuildError, endpoint: str, values: dict[str, Any]
    ) -> str:
        """Give ``url_build_error_handlers`` a chance to build the URL; re-raise otherwise."""
        for handler in self.url_build_error_handlers:
            try:
                rv = handler(error, endpoint, values)
            except BuildError as e:
                error = e
            else:
                if rv is not None:
                    return rv
        if error is sys.exc_info()[1]:
            raise
        raise error

    def url_for(
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: Any,
    ) -> str:
        """Build the URL of ``endpoint``; see ``asyncflask.url_for``."""
        from .urlbuilding import build_url

        return build_url(
            self,
            endpoint,
            anchor=_anchor,
            method=_method,
            scheme=_scheme,
            external=_external,
            values=values,
        )

    def redirect(self, location: str, code: int = 302) -> Response:
        """A redirect response to ``location``; see ``asyncflask.redirect``."""
        from .helpers import _redirect_response

        return _redirect_response(location, code, self.response_class)

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        debug: bool | None = None,
        load_dotenv: bool = True,
        **options: Any,
    ) -> None:
        """Serve the app with uvicorn, for development; see ``asyncflask.serving.run_app``."""
        from .serving import run_app

        run_app(self, host, port, debug, load_dotenv, **options)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


AsyncFlask = Flask

__all__ = ["AsyncFlask", "Flask"]
