"""Where an application's package lives, and so where its instance folder is.

The instance folder holds what belongs to one deployment and stays out of
version control: local config, secrets, a SQLite file. An application that is
run from its source tree keeps it beside its module or package (``instance/``);
an installed one (below ``sys.prefix`` or in a ``site-packages`` folder) keeps
it in ``<prefix>/var/<app name>-instance``.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from importlib.machinery import ModuleSpec


def _root_spec(import_name: str) -> ModuleSpec | None:
    top_level = import_name.partition(".")[0]
    try:
        return importlib.util.find_spec(top_level)
    except (ImportError, ValueError):
        # ``__main__`` run as a script has no spec; a broken import has none either.
        return None


def _is_below(path: str, folder: str) -> bool:
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:  # different drives on Windows
        return False


def _namespace_location(import_name: str, spec: ModuleSpec) -> str:
    """The one folder of a namespace package's search path that holds ``import_name``."""
    locations = list(spec.submodule_search_locations or ())
    try:
        sub_spec = importlib.util.find_spec(import_name)
    except (ImportError, ValueError):
        sub_spec = None
    sub_locations = list(sub_spec.submodule_search_locations or ()) if sub_spec else []
    if sub_locations:
        package_path = os.path.commonpath(sub_locations)
        for location in locations:
            if _is_below(package_path, os.path.abspath(location)):
                return location
    return locations[0]


def package_folder(import_name: str) -> str:
    """The folder that contains the top-level module or package of ``import_name``.

    For ``myapp.views`` in ``/src/myapp/`` that is ``/src``; an import name that
    cannot be found (``__main__`` run as a script, say) gives the working directory.
    """
    spec = _root_spec(import_name)
    if spec is None:
        return os.getcwd()
    if spec.submodule_search_locations is not None:
        if spec.origin is None or spec.origin == "namespace":
            return os.path.dirname(os.path.abspath(_namespace_location(import_name, spec)))
        # A regular package: origin is its __init__.py, two levels below the folder.
        return os.path.dirname(os.path.dirname(os.path.abspath(spec.origin)))
    if spec.origin is None or spec.origin in ("built-in", "frozen"):
        return os.getcwd()
    return os.path.dirname(os.path.abspath(spec.origin))


def find_package(import_name: str) -> tuple[str | None, str]:
    """``(installation prefix or None, folder holding the package)`` for ``import_name``.

    The prefix is ``sys.prefix`` (or the folder above a ``lib/site-packages``)
    when the package is installed, None when it is run from a source tree.
    """
    folder = package_folder(import_name)
    prefix = os.path.abspath(sys.prefix)
    if _is_below(folder, prefix):
        return prefix, folder
    parent, name = os.path.split(folder)
    if name.lower() != "site-packages":
        return None, folder
    # <prefix>/lib/site-packages, <prefix>/lib/pythonX.Y/site-packages, or a bare one.
    grandparent, parent_name = os.path.split(parent)
    if parent_name.lower() == "lib":
        return grandparent, folder
    if os.path.basename(grandparent).lower() == "lib":
        return os.path.dirname(grandparent), folder
    return parent, folder


def default_instance_path(import_name: str, app_name: str) -> str:
    """The instance folder an application gets when none is given (see the module doc)."""
    prefix, folder = find_package(import_name)
    if prefix is None:
        return os.path.join(folder, "instance")
    return os.path.join(prefix, "var", f"{app_name}-instance")


__all__ = ["default_instance_path", "find_package", "package_folder"]
