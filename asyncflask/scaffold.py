"""What applications and blueprints share: route decorators and hook registries."""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from .errorhandlers import ErrorHandlerSpec, register_handler

if TYPE_CHECKING:
    from .cli import AppGroup

F = TypeVar("F", bound=Callable[..., Any])
T_route = TypeVar("T_route", bound=Callable[..., Any])

#: Hook registries are keyed by blueprint name; ``None`` holds the application's own.
HookRegistry = dict[str | None, list[Callable[..., Any]]]


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

    @functools.cached_property
    def cli(self) -> AppGroup:
        """This object's click command group: ``@app.cli.command()`` adds a command.

        A blueprint's group is added to the app's when the blueprint is registered.
        """
        from .cli import AppGroup

        return AppGroup(self.name)

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

    def endpoint(self, endpoint: str) -> Callable[[F], F]:
        """Register the decorated function as the view for ``endpoint`` (rule added separately)."""

        def decorator(f: F) -> F:
            self.view_functions[endpoint] = f
            return f

        return decorator

    # -- hooks ----------------------------------------------------------------

    def before_request(self, f: F) -> F:
        """Run ``f`` before each request; a non-None return value becomes the response."""
        self.before_request_funcs[None].append(f)
        return f

    def after_request(self, f: F) -> F:
        """Run ``f(response)`` after each request; it returns the response to send."""
        self.after_request_funcs[None].append(f)
        return f

    def teardown_request(self, f: F) -> F:
        """Run ``f(error)`` when the request ends, even after an unhandled exception."""
        self.teardown_request_funcs[None].append(f)
        return f

    def before_websocket(self, f: F) -> F:
        """Run ``f`` before each websocket view, with the websocket context pushed."""
        self.before_websocket_funcs[None].append(f)
        return f

    def after_websocket(self, f: F) -> F:
        """Run ``f(response)`` after each websocket view; ``response`` is None once accepted."""
        self.after_websocket_funcs[None].append(f)
        return f

    def context_processor(self, f: F) -> F:
        """Register ``f`` to return extra template variables (a dict)."""
        self.template_context_processors[None].append(f)
        return f

    def url_value_preprocessor(self, f: F) -> F:
        """Run ``f(endpoint, values)`` before ``before_request`` hooks; it may edit ``values``."""
        self.url_value_preprocessors[None].append(f)
        return f

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


__all__ = ["Scaffold", "endpoint_from_view_func", "get_root_path"]
