"""What applications and blueprints share: route decorators, hook registries, and their
template and static folders."""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import IO, TYPE_CHECKING, Any, TypeVar, cast

from .errorhandlers import ErrorHandlerSpec, register_handler
from .globals import current_app

if TYPE_CHECKING:
    from jinja2 import FileSystemLoader

    from .wrappers import Response

F = TypeVar("F", bound=Callable[..., Any])
T_route = TypeVar("T_route", bound=Callable[..., Any])

#: Hook registries are keyed by blueprint name; ``None`` holds the application's own.
HookRegistry = dict[str | None, list[Callable[..., Any]]]


def setupmethod(f: F) -> F:
    """Mark a method that sets the object up: it first calls ``_check_setup_finished``.

    A blueprint refuses setup once it is registered (the change would not reach
    the apps it is registered on).
    """
    name = f.__name__

    def wrapper(self: Scaffold, *args: Any, **kwargs: Any) -> Any:
        self._check_setup_finished(name)
        return f(self, *args, **kwargs)

    return cast(F, functools.update_wrapper(wrapper, f))


def get_root_path(import_name: str) -> str:
    """The folder of the module or package ``import_name`` (else the working directory)."""
    module = sys.modules.get(import_name)
    filename = getattr(module, "__file__", None) if module is not None else None
    if filename:
        return os.path.dirname(os.path.abspath(str(filename)))
    try:
        spec = importlib.util.find_spec(import_name)
    except (ImportError, ValueError):
        spec = None
    if spec is None or spec.origin is None or spec.origin in ("namespace", "built-in"):
        return os.getcwd()
    return os.path.dirname(os.path.abspath(spec.origin))


class Scaffold:
    """Route decorators and hook registration shared by ``Flask`` and ``Blueprint``."""

    name: str

    def __init__(
        self,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        root_path: str | None = None,
    ) -> None:
        self.import_name = import_name
        self.static_folder = os.fspath(static_folder) if static_folder is not None else None
        self.static_url_path = static_url_path
        self.template_folder = os.fspath(template_folder) if template_folder is not None else None
        self.root_path = root_path if root_path is not None else get_root_path(import_name)
        self.view_functions: dict[str, Callable[..., Any]] = {}
        self.error_handler_spec: ErrorHandlerSpec = defaultdict(dict)
        self.before_request_funcs: HookRegistry = defaultdict(list)
        self.after_request_funcs: HookRegistry = defaultdict(list)
        self.teardown_request_funcs: HookRegistry = defaultdict(list)
        self.template_context_processors: HookRegistry = defaultdict(list)
        self.url_value_preprocessors: HookRegistry = defaultdict(list)
        self.url_default_functions: HookRegistry = defaultdict(list)
        self.before_websocket_funcs: HookRegistry = defaultdict(list)
        self.after_websocket_funcs: HookRegistry = defaultdict(list)

    def _registry_changed(self) -> None:
        """Called when a hook is registered; the app forgets the hook plans built so far."""

    def _check_setup_finished(self, f_name: str) -> None:
        """Called by every setup method before it changes anything; subclasses decide."""

    def open_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = None
    ) -> IO[Any]:
        """Open a file below ``root_path`` for reading (``"rb"``, or ``"r"``/``"rt"`` for text).

        A blocking call, meant for startup or sync code: ``with app.open_resource(
        "schema.sql") as f: ...``.
        """
        if mode not in ("r", "rt", "rb"):
            raise ValueError("Resources can only be opened for reading ('r', 'rt' or 'rb').")
        path = os.path.join(self.root_path, resource)
        if mode == "rb":
            return open(path, mode)
        return open(path, mode, encoding=encoding)

    # -- template and static folders -------------------------------------------

    @property
    def static_folder(self) -> str | None:
        """The absolute path of the static folder (``static_folder`` joined to ``root_path``)."""
        folder = self._static_folder
        return os.path.join(self.root_path, folder) if folder is not None else None

    @static_folder.setter
    def static_folder(self, value: str | os.PathLike[str] | None) -> None:
        self._static_folder = os.fspath(value).rstrip("\\/") if value is not None else None

    @property
    def has_static_folder(self) -> bool:
        """Whether a static folder is configured (it need not exist)."""
        return self._static_folder is not None

    @property
    def static_url_path(self) -> str | None:
        """The URL prefix of the static route: by default ``/`` plus the folder's name."""
        if self._static_url_path is not None:
            return self._static_url_path
        folder = self.static_folder
        if folder is not None:
            return f"/{os.path.basename(folder)}".rstrip("/")
        return None

    @static_url_path.setter
    def static_url_path(self, value: str | None) -> None:
        self._static_url_path = value.rstrip("/") if value is not None else None

    @functools.cached_property
    def jinja_loader(self) -> FileSystemLoader | None:
        """A loader for ``template_folder`` (below ``root_path``), or None without one."""
        if self.template_folder is None:
            return None
        from jinja2 import FileSystemLoader

        return FileSystemLoader(os.path.join(self.root_path, self.template_folder))

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """The ``max_age`` static files are sent with: ``SEND_FILE_MAX_AGE_DEFAULT``.

        None (the default) lets browsers cache but revalidate each time (with the ETag
        and Last-Modified headers). Override it to choose per file.
        """
        value = current_app.config["SEND_FILE_MAX_AGE_DEFAULT"]
        if value is None:
            return None
        if isinstance(value, timedelta):
            return int(value.total_seconds())
        return int(value)

    def send_static_file(self, filename: str) -> Response:
        """Send ``filename`` from the static folder; the ``static`` route's view."""
        folder = self.static_folder
        if folder is None:
            raise RuntimeError("'static_folder' must be set to serve static files.")
        from .sendfile import send_from_directory

        max_age = self.get_send_file_max_age(filename)
        return send_from_directory(folder, filename, max_age=max_age)

    # -- routes ---------------------------------------------------------------

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        """Register a URL rule; ``@route`` calls this."""
        raise TypeError(f"{type(self).__name__} must implement add_url_rule()")

    def route(self, rule: str, **options: Any) -> Callable[[T_route], T_route]:
        """Register the decorated view for ``rule``.

        Options: ``methods``, ``endpoint``, ``defaults``, ``strict_slashes``,
        ``provide_automatic_options``, and the body options ``stream_request``,
        ``max_content_length``, ``max_form_memory_size``, ``max_form_parts``.
        """

        def decorator(f: T_route) -> T_route:
            endpoint = options.pop("endpoint", None)
            self.add_url_rule(rule, endpoint, f, **options)
            return f

        return decorator

    def _method_route(
        self, method: str, rule: str, options: dict[str, Any]
    ) -> Callable[[T_route], T_route]:
        if "methods" in options:
            raise TypeError("Use the 'route' decorator to use the 'methods' argument.")
        return self.route(rule, methods=[method], **options)

    def get(self, rule: str, **options: Any) -> Callable[[T_route], T_route]:
        """``route`` with ``methods=["GET"]``."""
        return self._method_route("GET", rule, options)

    def post(self, rule: str, **options: Any) -> Callable[[T_route], T_route]:
        """``route`` with ``methods=["POST"]``."""
        return self._method_route("POST", rule, options)

    def put(self, rule: str, **options: Any) -> Callable[[T_route], T_route]:
        """``route`` with ``methods=["PUT"]``."""
        return self._method_route("PUT", rule, options)

    def delete(self, rule: str, **options: Any) -> Callable[[T_route], T_route]:
        """``route`` with ``methods=["DELETE"]``."""
        return self._method_route("DELETE", rule, options)

    def patch(self, rule: str, **options: Any) -> Callable[[T_route], T_route]:
        """``route`` with ``methods=["PATCH"]``."""
        return self._method_route("PATCH", rule, options)

    def websocket(self, rule: str, **options: Any) -> Callable[[T_route], T_route]:
        """Register the decorated ``async def`` view for websocket connections to ``rule``."""
        if "methods" in options:
            raise TypeError("Websocket routes do not take a 'methods' argument.")
        return self.route(rule, websocket=True, **options)

    @setupmethod
    def endpoint(self, endpoint: str) -> Callable[[F], F]:
        """Register the decorated function as the view for ``endpoint`` (rule added separately)."""

        def decorator(f: F) -> F:
            self.view_functions[endpoint] = f
            return f

        return decorator

    # -- hooks ----------------------------------------------------------------

    @setupmethod
    def before_request(self, f: F) -> F:
        """Run ``f`` before each request; a non-None return value becomes the response."""
        self.before_request_funcs[None].append(f)
        self._registry_changed()
        return f

    @setupmethod
    def after_request(self, f: F) -> F:
        """Run ``f(response)`` after each request; it returns the response to send."""
        self.after_request_funcs[None].append(f)
        self._registry_changed()
        return f

    @setupmethod
    def teardown_request(self, f: F) -> F:
        """Run ``f(error)`` when the request ends, even after an unhandled exception."""
        self.teardown_request_funcs[None].append(f)
        self._registry_changed()
        return f

    @setupmethod
    def before_websocket(self, f: F) -> F:
        """Run ``f`` before each websocket view, with the websocket context pushed."""
        self.before_websocket_funcs[None].append(f)
        self._registry_changed()
        return f

    @setupmethod
    def after_websocket(self, f: F) -> F:
        """Run ``f(response)`` after each websocket view; ``response`` is None once accepted."""
        self.after_websocket_funcs[None].append(f)
        self._registry_changed()
        return f

    @setupmethod
    def context_processor(self, f: F) -> F:
        """Register ``f`` to return extra template variables (a dict)."""
        self.template_context_processors[None].append(f)
        return f

    @setupmethod
    def url_value_preprocessor(self, f: F) -> F:
        """Run ``f(endpoint, values)`` before ``before_request`` hooks; it may edit ``values``."""
        self.url_value_preprocessors[None].append(f)
        self._registry_changed()
        return f

    @setupmethod
    def url_defaults(self, f: F) -> F:
        """Run ``f(endpoint, values)`` in ``url_for`` to fill in missing values."""
        self.url_default_functions[None].append(f)
        return f

    def errorhandler(self, code_or_exception: type[BaseException] | int) -> Callable[[F], F]:
        """Register the decorated function for an HTTP status code or an exception class."""

        def decorator(f: F) -> F:
            self.register_error_handler(code_or_exception, f)
            return f

        return decorator

    @setupmethod
    def register_error_handler(
        self, code_or_exception: type[BaseException] | int, f: Callable[[Any], Any]
    ) -> None:
        """Register ``f`` for an HTTP status code or an exception class (without a decorator)."""
        register_handler(self.error_handler_spec, None, code_or_exception, f)


def endpoint_from_view_func(view_func: Callable[..., Any]) -> str:
    """The default endpoint name of a view: its function name."""
    name = getattr(view_func, "__name__", None)
    if not name:
        raise ValueError("Could not derive an endpoint from the view; pass 'endpoint='.")
    return str(name)


__all__ = ["Scaffold", "endpoint_from_view_func", "get_root_path", "setupmethod"]
