"""Blueprints: groups of routes, hooks and handlers recorded now and registered on an app later.

A blueprint records what it is asked to set up; ``app.register_blueprint(bp)``
replays the records against the app, with the blueprint's URL prefix and its
name before every endpoint (``"bp.view"``). Its hooks and error handlers are
copied into the app's registries under the blueprint's name, where the
request pipeline finds them, as in Flask. A blueprint registered inside another
gets a dotted name (``"parent.child"``) and its parent's URL prefix in front of
its own. One blueprint may be registered several times under different names.
"""

from __future__ import annotations

import enum
import functools
import importlib
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, MutableMapping
from typing import TYPE_CHECKING, Any, Literal

import click

from .scaffold import F, Scaffold, endpoint_from_view_func, setupmethod

if TYPE_CHECKING:
    from .app import Flask

DeferredSetupFunction = Callable[["BlueprintSetupState"], Any]


def _command_group() -> click.Group:
    # The app's command-line module provides a group whose commands run in an app
    # context; a plain click group stands in where that module is not available.
    try:
        group_class: type[click.Group] = importlib.import_module("asyncflask.cli").AppGroup
    except (ImportError, AttributeError):
        group_class = click.Group
    return group_class()


def _templating(app: Flask) -> Any:
    # The app's template methods (add_template_filter...) come with the Jinja support.
    return app


class _Default(enum.Enum):
    token = 0


#: ``cli_group`` when not given: the blueprint's commands go in a group named after it.
_DEFAULT_GROUP = _Default.token


class BlueprintSetupState:
    """What one registration of a blueprint knows; deferred setup functions receive it.

    ``app``, ``blueprint``, ``options`` (the keyword arguments of
    ``register_blueprint``), ``first_registration`` (whether this blueprint was
    not registered on ``app`` before), and the effective ``name``,
    ``url_prefix``, ``subdomain`` and ``url_defaults``.
    """

    def __init__(
        self,
        blueprint: Blueprint,
        app: Flask,
        options: dict[str, Any],
        first_registration: bool,
    ) -> None:
        self.app = app
        self.blueprint = blueprint
        self.options = options
        self.first_registration = first_registration
        subdomain = options.get("subdomain")
        self.subdomain: str | None = blueprint.subdomain if subdomain is None else subdomain
        url_prefix = options.get("url_prefix")
        self.url_prefix: str | None = blueprint.url_prefix if url_prefix is None else url_prefix
        self.name: str = options.get("name", blueprint.name)
        self.name_prefix: str = options.get("name_prefix", "")
        self.url_defaults: dict[str, Any] = dict(blueprint.url_values_defaults)
        self.url_defaults.update(options.get("url_defaults") or ())

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        **options: Any,
    ) -> None:
        """Add a rule to the app, below the URL prefix and with the dotted blueprint name."""
        if self.url_prefix is not None:
            if rule:
                rule = "/".join((self.url_prefix.rstrip("/"), rule.lstrip("/")))
            else:
                rule = self.url_prefix
        if self.subdomain is not None:
            options.setdefault("subdomain", self.subdomain)
        if endpoint is None:
            if view_func is None:
                raise TypeError("add_url_rule() needs an endpoint or a view function.")
            endpoint = endpoint_from_view_func(view_func)
        defaults = self.url_defaults
        if "defaults" in options:
            defaults = {**defaults, **(options.pop("defaults") or {})}
        full_endpoint = f"{self.name_prefix}.{self.name}.{endpoint}".lstrip(".")
        self.app.add_url_rule(rule, full_endpoint, view_func, defaults=defaults or None, **options)


class Blueprint(Scaffold):
    """A set of routes, hooks and error handlers to register on applications.

    ``bp = Blueprint("admin", __name__, url_prefix="/admin")``, decorate views
    with ``@bp.route(...)`` and hooks with ``@bp.before_request`` (they apply to
    the blueprint's own views) or ``@bp.before_app_request`` (every request),
    then ``app.register_blueprint(bp)``. Nothing may be set up on a blueprint
    after its first registration.
    """

    _got_registered_once = False

    def __init__(
        self,
        name: str,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        url_prefix: str | None = None,
        subdomain: str | None = None,
        url_defaults: dict[str, Any] | None = None,
        root_path: str | None = None,
        cli_group: str | Literal[_Default.token] | None = _DEFAULT_GROUP,
    ) -> None:
        super().__init__(
            import_name,
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
        if not name:
            raise ValueError("'name' may not be empty.")
        if "." in name:
            raise ValueError(
                "'name' may not contain a dot '.' character; nest blueprints with"
                " register_blueprint() to get dotted names."
            )
        self.name = name
        self.url_prefix = url_prefix
        self.subdomain = subdomain
        #: Values given to every rule of the blueprint (``url_defaults=``).
        self.url_values_defaults: dict[str, Any] = dict(url_defaults or {})
        self.cli_group = cli_group
        #: The recorded setup functions, replayed on each registration.
        self.deferred_functions: list[DeferredSetupFunction] = []
        self._blueprints: list[tuple[Blueprint, dict[str, Any]]] = []

    @property
    def cli(self) -> click.Group:
        """The blueprint's command group: ``@bp.cli.command()`` adds a command to it.

        On registration its commands join the app's command line, in a group named
        after the blueprint (``cli_group=`` renames it; None adds them at the top).
        """
        group: click.Group | None = self.__dict__.get("_cli")
        if group is None:
            group = self._cli = _command_group()
        return group

    @cli.setter
    def cli(self, group: click.Group) -> None:
        self._cli = group

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_registered_once:
            raise AssertionError(
                f"The setup method '{f_name}' can no longer be called on the blueprint"
                f" '{self.name}'. It has already been registered at least once, and a"
                " change now would not reach the apps it is registered on. Make sure all"
                " imports, decorators and functions that set the blueprint up run before"
                " it is registered."
            )

    # -- recording ------------------------------------------------------------

    @setupmethod
    def record(self, func: DeferredSetupFunction) -> None:
        """Call ``func(state)`` each time the blueprint is registered on an app.

        ``state`` is a :class:`BlueprintSetupState`; extensions use this to learn
        about the app a blueprint is registered on.
        """
        self.deferred_functions.append(func)

    @setupmethod
    def record_once(self, func: DeferredSetupFunction) -> None:
        """Like :meth:`record`, but only on the blueprint's first registration on each app."""

        def once(state: BlueprintSetupState) -> None:
            if state.first_registration:
                func(state)

        self.record(functools.update_wrapper(once, func))

    def make_setup_state(
        self, app: Flask, options: dict[str, Any], first_registration: bool = False
    ) -> BlueprintSetupState:
        """The state handed to the deferred functions of one registration."""
        return BlueprintSetupState(self, app, options, first_registration)

    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: Any) -> None:
        """Nest ``blueprint`` in this one; it is registered on the app along with this one.

        Takes the options of ``app.register_blueprint``. The nested blueprint's
        endpoints are named ``"<this name>.<its name>.<endpoint>"`` and its URL
        prefix is appended to this one's.
        """
        if blueprint is self:
            raise ValueError("Cannot register a blueprint on itself.")
        self._blueprints.append((blueprint, options))

    # -- registration ---------------------------------------------------------

    def register(self, app: Flask, options: dict[str, Any]) -> None:
        """Register on ``app`` (``app.register_blueprint`` calls this): replay every record."""
        name_prefix = options.get("name_prefix", "")
        own_name = options.get("name", self.name)
        if not own_name or "." in own_name:
            raise ValueError(
                f"A blueprint cannot be registered under the name {own_name!r}: it must be"
                " non-empty and without dots."
            )
        name = f"{name_prefix}.{own_name}".lstrip(".")
        existing = app.blueprints.get(name)
        if existing is not None:
            which = "this" if existing is self else "a different"
            full = f" '{name}'" if own_name != name else ""
            raise ValueError(
                f"The name '{own_name}' is already registered for {which} blueprint{full}."
                " Use 'name=' to register it under a unique name."
            )
        first_registration = not any(bp is self for bp in app.blueprints.values())
        app.blueprints[name] = self
        self._got_registered_once = True
        state = self.make_setup_state(app, options, first_registration)

        if self.static_folder is not None:
            # The serving method comes with the static-files support; without it the
            # rule still builds URLs for ``url_for("bp.static", filename=...)``.
            state.add_url_rule(
                f"{self._static_rule_path()}/<path:filename>",
                view_func=getattr(self, "send_static_file", None),
                endpoint="static",
            )
        self._merge_into(app, name)
        for deferred in self.deferred_functions:
            deferred(state)
        self._register_commands(app, name, options)
        for child, child_options in self._blueprints:
            child.register(app, self._child_options(state, name, child, child_options))
        app._registry_changed()

    def _static_rule_path(self) -> str:
        path = self.static_url_path
        if path is None:
            folder = os.fspath(self.static_folder or "")
            path = f"/{os.path.basename(folder.rstrip('/' + os.sep))}"
        return path.rstrip("/")

    def _merge_into(self, app: Flask, name: str) -> None:
        """Copy the blueprint's own hooks and handlers into the app's registries."""

        def key(bp_key: str | None) -> str:
            return name if bp_key is None else f"{name}.{bp_key}"

        for bp_key, by_code in self.error_handler_spec.items():
            app.error_handler_spec[key(bp_key)] = defaultdict(
                dict, {code: dict(handlers) for code, handlers in by_code.items()}
            )
        for endpoint, func in self.view_functions.items():
            app.view_functions[endpoint] = func
        pairs: Iterable[tuple[MutableMapping[str | None, Any], MutableMapping[str | None, Any]]] = (
            (self.before_request_funcs, app.before_request_funcs),
            (self.after_request_funcs, app.after_request_funcs),
            (self.teardown_request_funcs, app.teardown_request_funcs),
            (self.url_default_functions, app.url_default_functions),
            (self.url_value_preprocessors, app.url_value_preprocessors),
            (self.template_context_processors, app.template_context_processors),
            (self.before_websocket_funcs, app.before_websocket_funcs),
            (self.after_websocket_funcs, app.after_websocket_funcs),
        )
        for own, target in pairs:
            for bp_key, funcs in own.items():
                if funcs:
                    target.setdefault(key(bp_key), []).extend(funcs)

    def _register_commands(self, app: Flask, name: str, options: dict[str, Any]) -> None:
        # The app's command line comes with the command-line support; without it the
        # commands have nowhere to go.
        app_cli: click.Group | None = getattr(app, "cli", None)
        if app_cli is None:
            return
        own_cli = self.cli
        if not own_cli.commands:
            return
        group = options.get("cli_group", self.cli_group)
        if group is None:
            app_cli.commands.update(own_cli.commands)
            return
        own_cli.name = name if group is _DEFAULT_GROUP else group
        app_cli.add_command(own_cli)

    @staticmethod
    def _child_options(
        state: BlueprintSetupState, name: str, child: Blueprint, given: dict[str, Any]
    ) -> dict[str, Any]:
        options = dict(given)
        subdomain = given.get("subdomain")
        if subdomain is None:
            subdomain = child.subdomain
        if subdomain is not None and state.subdomain is not None:
            options["subdomain"] = f"{subdomain}.{state.subdomain}"
        elif subdomain is not None or state.subdomain is not None:
            options["subdomain"] = subdomain if subdomain is not None else state.subdomain
        url_prefix = given.get("url_prefix")
        if url_prefix is None:
            url_prefix = child.url_prefix
        if url_prefix is not None and state.url_prefix is not None:
            options["url_prefix"] = f"{state.url_prefix.rstrip('/')}/{url_prefix.lstrip('/')}"
        elif url_prefix is not None or state.url_prefix is not None:
            options["url_prefix"] = url_prefix if url_prefix is not None else state.url_prefix
        options["name_prefix"] = name
        return options

    # -- routes ---------------------------------------------------------------

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        """Record a rule; on registration it is added below the blueprint's URL prefix."""
        if endpoint and "." in endpoint:
            raise ValueError("'endpoint' may not contain a dot '.' character.")
        if view_func is not None and "." in getattr(view_func, "__name__", ""):
            raise ValueError("'view_func' name may not contain a dot '.' character.")

        def add(state: BlueprintSetupState) -> None:
            state.add_url_rule(
                rule,
                endpoint,
                view_func,
                provide_automatic_options=provide_automatic_options,
                **options,
            )

        self.record(add)

    # -- app-wide hooks -------------------------------------------------------

    def _on_app(self, register: Callable[[Flask], Any]) -> None:
        self.record_once(lambda state: register(state.app))

    @setupmethod
    def before_app_request(self, f: F) -> F:
        """Like ``before_request``, for every request of the app, not only this blueprint's."""
        self._on_app(lambda app: app.before_request_funcs.setdefault(None, []).append(f))
        return f

    @setupmethod
    def after_app_request(self, f: F) -> F:
        """Like ``after_request``, for every request of the app."""
        self._on_app(lambda app: app.after_request_funcs.setdefault(None, []).append(f))
        return f

    @setupmethod
    def teardown_app_request(self, f: F) -> F:
        """Like ``teardown_request``, for every request of the app."""
        self._on_app(lambda app: app.teardown_request_funcs.setdefault(None, []).append(f))
        return f

    @setupmethod
    def before_app_websocket(self, f: F) -> F:
        """Like ``before_websocket``, for every websocket of the app."""
        self._on_app(lambda app: app.before_websocket_funcs.setdefault(None, []).append(f))
        return f

    @setupmethod
    def after_app_websocket(self, f: F) -> F:
        """Like ``after_websocket``, for every websocket of the app."""
        self._on_app(lambda app: app.after_websocket_funcs.setdefault(None, []).append(f))
        return f

    @setupmethod
    def app_context_processor(self, f: F) -> F:
        """Like ``context_processor``, for every template the app renders."""
        self._on_app(lambda app: app.template_context_processors.setdefault(None, []).append(f))
        return f

    @setupmethod
    def app_url_value_preprocessor(self, f: F) -> F:
        """Like ``url_value_preprocessor``, for every request of the app."""
        self._on_app(lambda app: app.url_value_preprocessors.setdefault(None, []).append(f))
        return f

    @setupmethod
    def app_url_defaults(self, f: F) -> F:
        """Like ``url_defaults``, for every URL the app builds."""
        self._on_app(lambda app: app.url_default_functions.setdefault(None, []).append(f))
        return f

    @setupmethod
    def app_errorhandler(self, code_or_exception: type[BaseException] | int) -> Callable[[F], F]:
        """Like ``errorhandler``, for errors anywhere in the app."""

        def decorator(f: F) -> F:
            self._on_app(lambda app: app.register_error_handler(code_or_exception, f))
            return f

        return decorator

    # -- app-wide template helpers ------------------------------------------------

    @setupmethod
    def app_template_filter(self, name: str | None = None) -> Callable[[F], F]:
        """Register the decorated function as a Jinja filter of the app (``name`` or its own)."""

        def decorator(f: F) -> F:
            self.add_app_template_filter(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_app_template_filter(self, f: Callable[..., Any], name: str | None = None) -> None:
        """Register ``f`` as a Jinja filter of the app."""
        self._on_app(lambda app: _templating(app).add_template_filter(f, name=name))

    @setupmethod
    def app_template_test(self, name: str | None = None) -> Callable[[F], F]:
        """Register the decorated function as a Jinja test of the app."""

        def decorator(f: F) -> F:
            self.add_app_template_test(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_app_template_test(self, f: Callable[..., bool], name: str | None = None) -> None:
        """Register ``f`` as a Jinja test of the app."""
        self._on_app(lambda app: _templating(app).add_template_test(f, name=name))

    @setupmethod
    def app_template_global(self, name: str | None = None) -> Callable[[F], F]:
        """Register the decorated function as a Jinja global of the app."""

        def decorator(f: F) -> F:
            self.add_app_template_global(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_app_template_global(self, f: Callable[..., Any], name: str | None = None) -> None:
        """Register ``f`` as a Jinja global of the app."""
        self._on_app(lambda app: _templating(app).add_template_global(f, name=name))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


__all__ = ["Blueprint", "BlueprintSetupState"]
