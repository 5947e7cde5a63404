"""Application configuration: a dict with loaders for objects, files, mappings and environment."""

from __future__ import annotations

import contextlib
import errno
import importlib
import json
import os
import types
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import IO, Any, Generic, TypeVar, overload

T = TypeVar("T")

#: Every setting the framework reads, with its default. ``SYNC_THREAD_LIMIT`` caps the
#: threads running sync views and hooks at once, ``SYNC_LEASE_LIMIT`` the threads leased
#: to requests at all (see docs/threads.md); ``BODY_TIMEOUT`` is the time a client has to
#: send a request body (408 after it); ``MAX_CONTENT_LENGTH`` defaults to 16 MiB because
#: bodies are buffered before the view runs.
DEFAULT_CONFIG: dict[str, Any] = {
    "DEBUG": False,
    "TESTING": False,
    "PROPAGATE_EXCEPTIONS": None,
    "SECRET_KEY": None,
    "SECRET_KEY_FALLBACKS": None,
    "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
    "USE_X_SENDFILE": False,
    "SERVER_NAME": None,
    "APPLICATION_ROOT": "/",
    "SESSION_COOKIE_NAME": "session",
    "SESSION_COOKIE_DOMAIN": None,
    "SESSION_COOKIE_PATH": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_PARTITIONED": False,
    "SESSION_COOKIE_SAMESITE": None,
    "SESSION_REFRESH_EACH_REQUEST": True,
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "MAX_FORM_MEMORY_SIZE": 500_000,
    "MAX_FORM_PARTS": 1_000,
    "BODY_TIMEOUT": 60,
    "SEND_FILE_MAX_AGE_DEFAULT": None,
    "TRAP_BAD_REQUEST_ERRORS": None,
    "TRAP_HTTP_EXCEPTIONS": False,
    "EXPLAIN_TEMPLATE_LOADING": False,
    "PREFERRED_URL_SCHEME": "http",
    "TEMPLATES_AUTO_RELOAD": None,
    "MAX_COOKIE_SIZE": 4093,
    "SSE_PING_INTERVAL": 15,
    "BACKGROUND_TASK_SHUTDOWN_TIMEOUT": 5,
    "WEBSOCKET_MAX_MESSAGE_SIZE": 16 * 1024 * 1024,
    "PROVIDE_AUTOMATIC_OPTIONS": True,
    "TRUSTED_HOSTS": None,
    "SYNC_THREAD_LIMIT": 64,
    "SYNC_LEASE_LIMIT": 1_000,
}


def import_string(import_name: str) -> Any:
    """Import ``package.module:attr`` or ``package.module.attr`` and return it."""
    module_name, sep, attr = import_name.replace(":", ".").rpartition(".")
    if not sep:
        return importlib.import_module(import_name)
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return importlib.import_module(import_name)
    try:
        return getattr(module, attr)
    except AttributeError:
        try:
            return importlib.import_module(import_name)
        except ImportError:
            raise ImportError(f"{module_name!r} has no attribute {attr!r}") from None


def as_timedelta(value: timedelta | float) -> timedelta:
    """A number of seconds as a ``timedelta`` (a ``timedelta`` is returned as it is)."""
    if isinstance(value, timedelta):
        return value
    return timedelta(seconds=value)


class ConfigAttribute(Generic[T]):
    """Expose a config key as an app attribute (``app.debug``, ``app.secret_key``)."""

    def __init__(self, name: str, get_converter: Callable[[Any], T] | None = None) -> None:
        self.__name__ = name
        self.get_converter = get_converter

    @overload
    def __get__(self, obj: None, owner: None) -> ConfigAttribute[T]: ...

    @overload
    def __get__(self, obj: Any, owner: Any) -> T: ...

    def __get__(self, obj: Any, owner: Any = None) -> T | ConfigAttribute[T]:
        if obj is None:
            return self
        rv = obj.config[self.__name__]
        if self.get_converter is not None:
            rv = self.get_converter(rv)
        return rv  # type: ignore[no-any-return]

    def __set__(self, obj: Any, value: Any) -> None:
        obj.config[self.__name__] = value


class Config(dict[str, Any]):
    """A dict of settings; only UPPERCASE keys are loaded by the ``from_*`` methods."""

    def __init__(
        self, root_path: str | os.PathLike[str], defaults: Mapping[str, Any] | None = None
    ):
        super().__init__(defaults or {})
        self.root_path = os.fspath(root_path)

    def from_envvar(self, variable_name: str, silent: bool = False) -> bool:
        """Load the Python file named by environment variable ``variable_name``."""
        rv = os.environ.get(variable_name)
        if not rv:
            if silent:
                return False
            raise RuntimeError(
                f"The environment variable {variable_name!r} is not set and as such"
                " configuration could not be loaded. Set this variable and make it"
                " point to a configuration file."
            )
        return self.from_pyfile(rv, silent=silent)

    def from_prefixed_env(
        self, prefix: str = "ASYNCFLASK", *, loads: Callable[[str], Any] = json.loads
    ) -> bool:
        """Load ``PREFIX_*`` environment variables, parsing values with ``loads`` when possible.

        ``ASYNCFLASK_SECRET_KEY`` sets ``config["SECRET_KEY"]``; a value that does not
        parse (with ``json.loads`` by default) stays a string. A double underscore sets a
        nested key: ``ASYNCFLASK_DB__HOST`` sets ``config["DB"]["HOST"]``.

        With the ``ASYNCFLASK`` prefix, ``FLASK_*`` variables are read too, and an
        ``ASYNCFLASK_*`` one wins over its ``FLASK_*`` twin, so a deployment written for
        Flask keeps its settings. Any other prefix reads only its own variables.
        """
        prefixes = ["FLASK_", "ASYNCFLASK_"] if prefix == "ASYNCFLASK" else [f"{prefix}_"]
        for current_prefix in prefixes:
            self._load_prefixed(current_prefix, loads)
        return True

    def _load_prefixed(self, prefix: str, loads: Callable[[str], Any]) -> None:
        for key in sorted(os.environ):
            if not key.startswith(prefix):
                continue
            value: Any = os.environ[key]
            with contextlib.suppress(Exception):
                value = loads(value)
            key = key.removeprefix(prefix)
            if "__" not in key:
                self[key] = value
                continue
            current: dict[str, Any] = self
            *parts, tail = key.split("__")
            for part in parts:
                current = current.setdefault(part, {})
            current[tail] = value

    def from_pyfile(self, filename: str | os.PathLike[str], silent: bool = False) -> bool:
        """Execute a Python file and load its UPPERCASE names."""
        filename = os.path.join(self.root_path, filename)
        module = types.ModuleType("config")
        module.__file__ = filename
        try:
            with open(filename, mode="rb") as config_file:
                exec(compile(config_file.read(), filename, "exec"), module.__dict__)
        except OSError as e:
            if silent and e.errno in (errno.ENOENT, errno.EISDIR, errno.ENOTDIR):
                return False
            e.strerror = f"Unable to load configuration file ({e.strerror})"
            raise
        self.from_object(module)
        return True

    def from_object(self, obj: object | str) -> None:
        """Load the UPPERCASE attributes of an object, or of the object an import string names."""
        if isinstance(obj, str):
            obj = import_string(obj)
        for key in dir(obj):
            if key.isupper():
                self[key] = getattr(obj, key)

    def from_file(
        self,
        filename: str | os.PathLike[str],
        load: Callable[[IO[Any]], Mapping[str, Any]],
        silent: bool = False,
        text: bool = True,
    ) -> bool:
        """Load a file with ``load`` (``json.load``, ``tomllib.load`` with ``text=False``)."""
        filename = os.path.join(self.root_path, filename)
        try:
            with open(filename, "r" if text else "rb") as f:
                obj = load(f)
        except OSError as e:
            if silent and e.errno in (errno.ENOENT, errno.EISDIR):
                return False
            e.strerror = f"Unable to load configuration file ({e.strerror})"
            raise
        return self.from_mapping(obj)

    def from_mapping(self, mapping: Mapping[str, Any] | None = None, **kwargs: Any) -> bool:
        """Load the UPPERCASE keys of a mapping and of the keyword arguments."""
        mappings: dict[str, Any] = {}
        if mapping is not None:
            mappings.update(mapping)
        mappings.update(kwargs)
        for key, value in mappings.items():
            if key.isupper():
                self[key] = value
        return True

    def get_namespace(
        self, namespace: str, lowercase: bool = True, trim_namespace: bool = True
    ) -> dict[str, Any]:
        """Return the keys starting with ``namespace`` (e.g. ``"IMAGE_STORE_"``) as a dict."""
        rv: dict[str, Any] = {}
        for key, value in self.items():
            if not key.startswith(namespace):
                continue
            name = key[len(namespace) :] if trim_namespace else key
            rv[name.lower() if lowercase else name] = value
        return rv

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"


__all__ = ["DEFAULT_CONFIG", "Config", "ConfigAttribute", "as_timedelta", "import_string"]
