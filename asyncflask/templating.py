"""Jinja templates: the app's environment, its loader, and the render functions.

Every app has one sync Jinja environment, ``app.jinja_env``, created on first use.
``render_template`` renders where it is called: in a sync view that is the view's
worker thread, in an async view the event loop (fine for ordinary pages).
``await render_template_async(...)`` renders a large page on the request's worker
thread instead, so the loop keeps serving other requests meanwhile.
"""

from __future__ import annotations

import functools
import importlib
import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import anyio.lowlevel
import jinja2
from jinja2 import BaseLoader, Template, TemplateNotFound

from .config import Config
from .flashing import get_flashed_messages
from .globals import _cv_context, g, request, session
from .helpers import stream_with_context

if TYPE_CHECKING:
    from .app import Flask
    from .json.provider import JSONProvider
    from .scaffold import HookRegistry

F = TypeVar("F", bound=Callable[..., Any])
TemplateNames = str | Template | list[str | Template]

#: A streamed template sends what it rendered once it has this many characters...
_STREAM_BATCH_CHARS = 8192
#: ...or once the oldest of it waited this long (measured: 910 pieces of a 100-row page
#: sent one by one took 75 ms, 65 times the page's rendering).
_STREAM_BATCH_SECONDS = 0.005

#: Template names whose output is HTML or XML, and therefore autoescaped.
_AUTOESCAPE_EXTENSIONS = (".html", ".htm", ".xml", ".xhtml", ".svg")


class Environment(jinja2.Environment):
    """The app's Jinja environment: it loads templates from the app and its blueprints.

    ``auto_reload`` left unset follows ``TEMPLATES_AUTO_RELOAD``, and debug mode when
    that is None, at the time a template is loaded.
    """

    def __init__(self, app: Flask, **options: Any) -> None:
        if "loader" not in options:
            options["loader"] = app.create_global_jinja_loader()
        self.app = app
        super().__init__(**options)

    @property
    def auto_reload(self) -> bool:
        """Whether templates are checked for changes on disk before each use."""
        if self._auto_reload is not None:
            return self._auto_reload
        setting = self.app.config["TEMPLATES_AUTO_RELOAD"]
        return bool(self.app.debug if setting is None else setting)

    @auto_reload.setter
    def auto_reload(self, value: bool | None) -> None:
        self._auto_reload = value


def _blueprints(app: Flask) -> Iterable[Any]:
    iter_blueprints = getattr(app, "iter_blueprints", None)
    if iter_blueprints is not None:
        return iter_blueprints()  # type: ignore[no-any-return]
    return list(app.blueprints.values())


class DispatchingJinjaLoader(BaseLoader):
    """Find a template in the app's template folder first, then in each blueprint's.

    Blueprints are searched in the order they were registered, so the app can
    override a blueprint's template by putting one of the same name in its own folder.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app

    def _loaders(self) -> Iterator[tuple[Any, BaseLoader]]:
        loader = self.app.jinja_loader
        if loader is not None:
            yield self.app, loader
        for blueprint in _blueprints(self.app):
            loader = blueprint.jinja_loader
            if loader is not None:
                yield blueprint, loader

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        """The source of ``template`` from the first loader that has it."""
        explain = self.app.config["EXPLAIN_TEMPLATE_LOADING"]
        attempts: list[str] = []
        for owner, loader in self._loaders():
            try:
                rv = loader.get_source(environment, template)
            except TemplateNotFound:
                if explain:
                    attempts.append(f"{self._describe(owner)}: not found")
                continue
            if explain:
                attempts.append(f"{self._describe(owner)}: found ({rv[1]})")
                self._explain(template, attempts)
            return rv
        if explain:
            self._explain(template, attempts)
        raise TemplateNotFound(template)

    def _describe(self, owner: Any) -> str:
        kind = "application" if owner is self.app else "blueprint"
        folder = os.path.join(owner.root_path, owner.template_folder or "")
        return f"{kind} {owner.name!r} ({folder})"

    def _explain(self, template: str, attempts: list[str]) -> None:
        lines = [f"Locating template {template!r}:"]
        lines.extend(f"  {number}. {text}" for number, text in enumerate(attempts, 1))
        if not attempts:
            lines.append("  No template folder is configured on the app or its blueprints.")
        self.app.logger.info("\n".join(lines))

    def list_templates(self) -> list[str]:
        """Every template name the app and its blueprints provide."""
        names: set[str] = set()
        for _, loader in self._loaders():
            names.update(loader.list_templates())
        return sorted(names)


def _default_template_ctx_processor() -> dict[str, Any]:
    """Put ``g`` and ``request`` into the context; ``session`` is a global proxy.

    The session is left to the proxy so that a template which never reads it
    does not open (and verify) the session cookie.
    """
    ctx = _cv_context.get(None)
    rv: dict[str, Any] = {}
    if ctx is not None:
        rv["g"] = ctx.g
        if ctx.request is not None:
            rv["request"] = ctx.request
    return rv


class TemplatingMixin:
    """What ``Flask`` offers for templates: the environment, filters, tests, globals."""

    #: The environment class ``create_jinja_environment`` instantiates.
    jinja_environment: type[Environment] = Environment
    #: Options passed to the environment; change them before ``jinja_env`` is first used.
    jinja_options: dict[str, Any] = {}

    if TYPE_CHECKING:
        config: Config
        debug: bool
        json: JSONProvider
        template_context_processors: HookRegistry

        def url_for(self, endpoint: str, **values: Any) -> str: ...
        def _is_async(self, func: Callable[..., Any]) -> bool: ...

    @functools.cached_property
    def jinja_env(self) -> Environment:
        """The app's Jinja environment, created on first access."""
        return self.create_jinja_environment()

    @property
    def templates_auto_reload(self) -> bool:
        """Whether templates reload when they change (``TEMPLATES_AUTO_RELOAD``, else debug)."""
        setting = self.config["TEMPLATES_AUTO_RELOAD"]
        return bool(self.debug if setting is None else setting)

    @templates_auto_reload.setter
    def templates_auto_reload(self, value: bool) -> None:
        self.config["TEMPLATES_AUTO_RELOAD"] = value

    def create_jinja_environment(self) -> Environment:
        """Build the environment from ``jinja_options``, with Flask's globals and autoescaping."""
        options = dict(self.jinja_options)
        options.setdefault("autoescape", self.select_jinja_autoescape)
        options.setdefault("auto_reload", None)
        app: Flask = self  # type: ignore[assignment]
        env = self.jinja_environment(app, **options)
        env.globals.update(
            url_for=self.url_for,
            get_flashed_messages=get_flashed_messages,
            config=self.config,
            request=request,
            session=session,
            g=g,
        )
        env.policies["json.dumps_function"] = self.json.dumps
        return env

    def create_global_jinja_loader(self) -> DispatchingJinjaLoader:
        """The loader of ``jinja_env``: the app's templates, then each blueprint's."""
        app: Flask = self  # type: ignore[assignment]
        return DispatchingJinjaLoader(app)

    def select_jinja_autoescape(self, filename: str | None) -> bool:
        """Whether to autoescape a template: string templates and HTML/XML/SVG files."""
        if filename is None:
            return True
        return filename.endswith(_AUTOESCAPE_EXTENSIONS)

    def update_template_context(self, context: dict[str, Any]) -> None:
        """Add what the context processors return; the caller's own values win."""
        _apply_context_processors(self, context, None)

    # -- filters, tests and globals -------------------------------------------

    def template_filter(self, name: str | Callable[..., Any] | None = None) -> Any:
        """Register the decorated function as a Jinja filter (named after it by default)."""
        if callable(name):
            self.add_template_filter(name)
            return name

        def decorator(f: F) -> F:
            self.add_template_filter(f, name=name)
            return f

        return decorator

    def add_template_filter(self, f: Callable[..., Any], name: str | None = None) -> None:
        """Register ``f`` as a Jinja filter."""
        self.jinja_env.filters[name or f.__name__] = f

    def template_test(self, name: str | Callable[..., bool] | None = None) -> Any:
        """Register the decorated function as a Jinja test (``{% if x is name %}``)."""
        if callable(name):
            self.add_template_test(name)
            return name

        def decorator(f: F) -> F:
            self.add_template_test(f, name=name)
            return f

        return decorator

    def add_template_test(self, f: Callable[..., bool], name: str | None = None) -> None:
        """Register ``f`` as a Jinja test."""
        self.jinja_env.tests[name or f.__name__] = f

    def template_global(self, name: str | Callable[..., Any] | None = None) -> Any:
        """Make the decorated function available in every template."""
        if callable(name):
            self.add_template_global(name)
            return name

        def decorator(f: F) -> F:
            self.add_template_global(f, name=name)
            return f

        return decorator

    def add_template_global(self, f: Callable[..., Any], name: str | None = None) -> None:
        """Make ``f`` available in every template."""
        self.jinja_env.globals[name or f.__name__] = f


# -- context processors ---------------------------------------------------------


def _context_processors(app: Any) -> list[Callable[[], Any]]:
    processors: HookRegistry = app.template_context_processors
    funcs = list(processors.get(None, ()))
    ctx = _cv_context.get(None)
    if ctx is not None and ctx.request is not None:
        for name in reversed(ctx.request.blueprints):
            funcs.extend(processors.get(name, ()))
    return funcs


def _apply_context_processors(
    app: Any, context: dict[str, Any], awaited: dict[int, Any] | None
) -> None:
    """Run the context processors in order; ``awaited`` holds async ones' results by index."""
    original = dict(context)
    for index, func in enumerate(_context_processors(app)):
        if awaited is not None and index in awaited:
            rv = awaited[index]
        elif app._is_async(func):
            if _on_event_loop():
                raise TypeError(
                    f"The context processor {func!r} is async, and a template rendered on"
                    " the event loop cannot wait for it: use `await"
                    " render_template_async(...)` (or `render_template_string_async`)."
                )
            # From a sync view's thread, as in Flask: the coroutine runs on the loop.
            rv = app.ensure_sync(func)()
        else:
            rv = func()
        if rv:
            context.update(rv)
    context.update(original)


def _on_event_loop() -> bool:
    try:
        anyio.lowlevel.current_token()
    except RuntimeError:
        return False
    return True


async def _await_async_processors(app: Flask) -> dict[int, Any]:
    results: dict[int, Any] = {}
    for index, func in enumerate(_context_processors(app)):
        if app._is_async(func):
            results[index] = await func()
    return results


# -- rendering --------------------------------------------------------------------


def _signal(name: str) -> Any:
    """The signal ``name`` when it has receivers, else None (so unused signals cost nothing)."""
    signals = _signals_module()
    if signals is None:
        return None
    signal = getattr(signals, name, None)
    if signal is None or not signal.receivers:
        return None
    return signal


@functools.cache
def _signals_module() -> Any:
    try:
        return importlib.import_module("asyncflask.signals")
    except ImportError:
        return None


def _app() -> Flask:
    ctx = _cv_context.get(None)
    if ctx is None:
        raise RuntimeError(
            "Rendering a template needs an active application: push one with"
            " `with app.app_context():`, or render inside a view."
        )
    return ctx.app


def _prepare(app: Flask, template: Template, context: dict[str, Any]) -> None:
    signal = _signal("before_render_template")
    if signal is not None:
        signal.send(app, _async_wrapper=app.ensure_sync, template=template, context=context)


def _rendered(app: Flask, template: Template, context: dict[str, Any]) -> None:
    signal = _signal("template_rendered")
    if signal is not None:
        signal.send(app, _async_wrapper=app.ensure_sync, template=template, context=context)


def _render(app: Flask, template: Template, context: dict[str, Any]) -> str:
    app.update_template_context(context)
    _prepare(app, template, context)
    rv = template.render(context)
    _rendered(app, template, context)
    return rv


def _stream(app: Flask, template: Template, context: dict[str, Any]) -> Iterator[str]:
    app.update_template_context(context)
    _prepare(app, template, context)

    def generate() -> Iterator[str]:
        # Jinja yields every piece of text on its own, hundreds per page, and each chunk of
        # a streamed body costs a hop to the request's thread: pieces go out together, once
        # they add up to _STREAM_BATCH_CHARS or the first of them is _STREAM_BATCH_SECONDS old.
        batch: list[str] = []
        size = 0
        started = 0.0
        for piece in template.generate(context):
            if not batch:
                started = time.monotonic()
            batch.append(piece)
            size += len(piece)
            if size >= _STREAM_BATCH_CHARS or time.monotonic() - started >= _STREAM_BATCH_SECONDS:
                yield "".join(batch)
                batch.clear()
                size = 0
        if batch:
            yield "".join(batch)
        _rendered(app, template, context)

    rv: Iterator[str] = stream_with_context(generate())
    return rv


def render_template(template_name_or_list: TemplateNames, **context: Any) -> str:
    """Render the template ``template_name_or_list`` (the first that exists, for a list).

    The keyword arguments are the template's variables, on top of ``config``,
    ``request``, ``session``, ``g``, ``url_for``, ``get_flashed_messages`` and
    what the context processors return.
    """
    app = _app()
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _render(app, template, context)


def render_template_string(source: str, **context: Any) -> str:
    """Render a template given as a string; its output is autoescaped."""
    app = _app()
    template = app.jinja_env.from_string(source)
    return _render(app, template, context)


def stream_template(template_name_or_list: TemplateNames, **context: Any) -> Iterator[str]:
    """Render a template piece by piece, for a streamed response: ``return stream_template(...)``.

    ``request``, ``session`` and ``g`` stay usable while the pieces are produced.
    """
    app = _app()
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _stream(app, template, context)


def stream_template_string(source: str, **context: Any) -> Iterator[str]:
    """``stream_template`` for a template given as a string."""
    app = _app()
    template = app.jinja_env.from_string(source)
    return _stream(app, template, context)


def _render_loaded(
    app: Flask, load: Callable[[], Template], context: dict[str, Any], awaited: dict[int, Any]
) -> str:
    template = load()
    _apply_context_processors(app, context, awaited)
    _prepare(app, template, context)
    rv = template.render(context)
    _rendered(app, template, context)
    return rv


async def _render_off_loop(
    app: Flask, load: Callable[[], Template], context: dict[str, Any]
) -> str:
    awaited = await _await_async_processors(app)
    # On the request's own thread (a request's sync user code shares one), which sees this
    # request's context variables. One function for every call: ``_call`` caches by callable.
    return await app._call(_render_loaded, app, load, context, awaited)


async def render_template_async(template_name_or_list: TemplateNames, **context: Any) -> str:
    """``render_template`` on the request's thread, so a large page does not stall the loop.

    Context processors may be ``async def`` here; they are awaited before rendering.
    """
    app = _app()
    env = app.jinja_env
    return await _render_off_loop(
        app, lambda: env.get_or_select_template(template_name_or_list), context
    )


async def render_template_string_async(source: str, **context: Any) -> str:
    """``render_template_string`` in a worker thread."""
    app = _app()
    env = app.jinja_env
    return await _render_off_loop(app, lambda: env.from_string(source), context)


def get_template_attribute(template_name: str, attribute: str) -> Any:
    """A macro or variable defined by a template, e.g. to call a macro from Python code."""
    return getattr(_app().jinja_env.get_template(template_name).module, attribute)


__all__ = [
    "DispatchingJinjaLoader",
    "Environment",
    "TemplatingMixin",
    "get_template_attribute",
    "render_template",
    "render_template_async",
    "render_template_string",
    "render_template_string_async",
    "stream_template",
    "stream_template_string",
]
