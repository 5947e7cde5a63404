"""Finding the application a command runs: by ``--app`` or by the files of the folder.

As Flask does it: a module, a file, ``module:name`` or ``module:factory(args)``;
without a name, an app or a ``create_app``/``make_app`` factory in the module.
"""

from __future__ import annotations

import ast
import inspect
import os
import sys
import traceback
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

import click

if TYPE_CHECKING:
    from .app import Flask


class NoAppException(click.UsageError):
    """The application could not be found or loaded."""


# -- finding the application --------------------------------------------------


def _is_app(obj: object) -> bool:
    from .app import Flask

    return isinstance(obj, Flask)


def _called_with_wrong_args(f: Callable[..., Any]) -> bool:
    """Whether the TypeError being handled came from calling ``f`` (not from inside it)."""
    tb = sys.exc_info()[2]
    try:
        while tb is not None:
            if tb.tb_frame.f_code is getattr(f, "__code__", None):
                return False  # the call got into the function: the error is its own
            tb = tb.tb_next
        return True
    finally:
        del tb


def find_best_app(module: Any) -> Flask:
    """The app in ``module``: ``app``, ``application``, its only app, or what a factory returns.

    The factories tried are ``create_app()`` and ``make_app()``, called without arguments.
    """
    name = getattr(module, "__name__", repr(module))
    for attr in ("app", "application"):
        app = getattr(module, attr, None)
        if _is_app(app):
            return cast("Flask", app)
    found = [value for value in vars(module).values() if _is_app(value)]
    if len(found) == 1:
        return cast("Flask", found[0])
    if len(found) > 1:
        raise NoAppException(
            f"Detected multiple asyncflask applications in module {name!r}. Use"
            f" '--app {name}:name' to say which one."
        )
    for attr in ("create_app", "make_app"):
        factory = getattr(module, attr, None)
        if inspect.isfunction(factory):
            try:
                app = factory()
            except TypeError as e:
                if not _called_with_wrong_args(factory):
                    raise
                raise NoAppException(
                    f"Detected the factory {attr!r} in module {name!r}, but it cannot be"
                    f" called without arguments. Use '--app {name}:{attr}(args)' to pass them."
                ) from e
            if _is_app(app):
                return cast("Flask", app)
    raise NoAppException(
        f"Failed to find an asyncflask application or factory in module {name!r}."
        f" Use '--app {name}:name' to name one."
    )


def _parse_app_name(app_name: str) -> tuple[str, list[Any], dict[str, Any], bool]:
    """``name`` or ``factory(literal args)`` → (name, args, kwargs, is_call)."""
    try:
        expr = ast.parse(app_name.strip(), mode="eval").body
    except SyntaxError:
        raise NoAppException(
            f"Failed to parse {app_name!r} as an attribute name or a function call."
        ) from None
    if isinstance(expr, ast.Name):
        return expr.id, [], {}, False
    if not isinstance(expr, ast.Call):
        raise NoAppException(
            f"Failed to parse {app_name!r} as an attribute name or a function call."
        )
    if not isinstance(expr.func, ast.Name):
        raise NoAppException(f"The function reference must be a simple name: {app_name!r}.")
    try:
        args = [ast.literal_eval(arg) for arg in expr.args]
        kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in expr.keywords if kw.arg}
    except ValueError:
        raise NoAppException(
            f"Failed to parse the arguments as literal values: {app_name!r}."
        ) from None
    return expr.func.id, args, kwargs, True


def find_app_by_string(module: ModuleType, app_name: str) -> Flask:
    """The app named by ``app_name`` in ``module``: an attribute or a factory call with literals."""
    name, args, kwargs, is_call = _parse_app_name(app_name)
    try:
        attr = getattr(module, name)
    except AttributeError as e:
        raise NoAppException(f"Failed to find attribute {name!r} in {module.__name__!r}.") from e
    if inspect.isfunction(attr):
        try:
            app = attr(*args, **kwargs)
        except TypeError as e:
            if not _called_with_wrong_args(attr):
                raise
            raise NoAppException(
                f"The factory {app_name!r} in module {module.__name__!r} could not be called"
                " with the given arguments."
            ) from e
    elif is_call:
        raise NoAppException(f"{name!r} in module {module.__name__!r} is not a function.")
    else:
        app = attr
    if _is_app(app):
        return cast("Flask", app)
    raise NoAppException(
        f"No asyncflask application was obtained from '{module.__name__}:{app_name}'."
    )


def prepare_import(path: str | os.PathLike[str]) -> str:
    """The module name for a file or dotted path, with its top folder put first on ``sys.path``."""
    path = os.path.realpath(os.fspath(path))
    base, ext = os.path.splitext(path)
    if ext == ".py":
        path = base
    if os.path.basename(path) == "__init__":
        path = os.path.dirname(path)
    parts: list[str] = []
    # Climb while the folder is a package, so "pkg/sub/mod.py" imports as "pkg.sub.mod".
    while True:
        path, name = os.path.split(path)
        parts.append(name)
        if not os.path.exists(os.path.join(path, "__init__.py")):
            break
    if sys.path[0] != path:
        sys.path.insert(0, path)
    return ".".join(reversed(parts))


def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: bool = True
) -> Flask | None:
    """Import ``module_name`` and find the app in it (by ``app_name`` when given).

    An ImportError raised inside the module is reported with its traceback; a
    module that does not exist is a one-line error (or None).
    """
    try:
        __import__(module_name)
    except ImportError:
        if sys.exc_info()[2].tb_next:  # type: ignore[union-attr]
            raise NoAppException(
                f"While importing {module_name!r}, an ImportError was raised:\n\n"
                f"{traceback.format_exc()}"
            ) from None
        if raise_if_not_found:
            raise NoAppException(f"Could not import {module_name!r}.") from None
        return None
    module = sys.modules[module_name]
    if app_name is None:
        return find_best_app(module)
    return find_app_by_string(module, app_name)


__all__ = [
    "NoAppException",
    "find_app_by_string",
    "find_best_app",
    "locate_app",
    "prepare_import",
]
