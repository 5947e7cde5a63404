"""Make ``flask`` mean asyncflask in this process, so Flask extensions work unchanged.

Put this line before the first import of an extension (or of ``flask``)::

    import asyncflask.flask_patch

From then on ``import flask`` and ``flask.X`` give asyncflask's modules, so an
extension's ``current_app``, ``request``, ``g``, ``session``, signals,
``url_for``, ``abort`` and ``Response`` are asyncflask's. The Werkzeug names
extensions use (``werkzeug.datastructures``, ``.exceptions``, ``.routing``,
``.utils``, ``.http``, ``.security``, ``.wrappers``) are replaced name by name
with asyncflask's equivalents, so ``isinstance`` checks agree; a name asyncflask
lacks stays Werkzeug's. Nothing changes unless this module is imported.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import sys
import types
from collections.abc import Iterable

import asyncflask

#: Flask's module names whose asyncflask counterpart has another name.
_RENAMED = {
    "flask.sansio": "asyncflask",
    "flask.sansio.app": "asyncflask.app",
    "flask.sansio.blueprints": "asyncflask.blueprints",
    "flask.sansio.scaffold": "asyncflask.scaffold",
}

#: Werkzeug modules whose names extensions use, and where asyncflask keeps its own.
_WERKZEUG = {
    "werkzeug.datastructures": ("asyncflask.datastructures",),
    "werkzeug.exceptions": ("asyncflask.exceptions",),
    "werkzeug.routing": ("asyncflask.routing",),
    "werkzeug.utils": ("asyncflask.utils", "asyncflask.config"),
    "werkzeug.http": ("asyncflask.http",),
    "werkzeug.security": ("asyncflask.security",),
    "werkzeug.wrappers": ("asyncflask.wrappers",),
}

#: asyncflask modules never aliased: the command-line entry point and this module.
_SKIP = {"asyncflask.__main__", "asyncflask.flask_patch"}


def _asyncflask_modules() -> Iterable[types.ModuleType]:
    yield asyncflask
    for info in pkgutil.walk_packages(asyncflask.__path__, "asyncflask."):
        if info.name in _SKIP or info.name.rpartition(".")[2].startswith("_"):
            continue
        yield importlib.import_module(info.name)


def _alias_flask() -> None:
    for module in _asyncflask_modules():
        sys.modules["flask" + module.__name__[len("asyncflask") :]] = module
    for flask_name, ours in _RENAMED.items():
        if ours in sys.modules or importlib.util.find_spec(ours) is not None:
            sys.modules.setdefault(flask_name, importlib.import_module(ours))


def _patch_werkzeug() -> None:
    for name, sources in _WERKZEUG.items():
        ours = [importlib.import_module(source) for source in sources]
        try:
            module = importlib.import_module(name)
        except ImportError:
            # No Werkzeug: a module of asyncflask's names, so the imports still work.
            module = _stand_in(name)
            names: Iterable[str] = {n for source in ours for n in getattr(source, "__all__", ())}
        else:
            names = [n for n in dir(module) if not n.startswith("_")]
        for attr in names:
            for source in ours:
                value = getattr(source, attr, None)
                if value is not None and not isinstance(value, types.ModuleType):
                    setattr(module, attr, value)
                    break


def _stand_in(name: str) -> types.ModuleType:
    parent_name, _, child = name.rpartition(".")
    parent = sys.modules.get(parent_name)
    if parent is None:
        parent = types.ModuleType(parent_name, "asyncflask's stand-in for Werkzeug")
        parent.__path__ = []
        sys.modules[parent_name] = parent
    module = types.ModuleType(name, f"asyncflask's equivalents of {name}")
    sys.modules[name] = module
    setattr(parent, child, module)
    return module


def _apply() -> None:
    existing = sys.modules.get("flask")
    if existing is asyncflask:
        return  # applied already
    if existing is not None:
        raise ImportError(
            "flask was imported before asyncflask.flask_patch, so extensions already hold"
            " Flask's own objects. Move `import asyncflask.flask_patch` above every import"
            " of flask and of Flask extensions (the first lines of your app)."
        )
    _alias_flask()
    _patch_werkzeug()


_apply()
