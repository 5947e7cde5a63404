"""The frameworks under test. Each module maps scenario names to app factories in ``FACTORIES``."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

#: Builds an ASGI app. Typed loosely because each framework types its scope in its own way.
AppFactory = Callable[[], Any]

INSTALL_HINT = "install the benchmark extras with `pip install -e '.[bench]'`"


class FrameworkUnavailable(RuntimeError):
    """A framework's package is missing or cannot be imported."""


@dataclass(frozen=True)
class Framework:
    """A framework under test and the module holding its apps."""

    name: str
    module: str
    package: str | None
    #: Optional frameworks are measured when installed and skipped otherwise.
    optional: bool = False

    def installed(self) -> bool:
        """Whether the framework's package can be found, without importing it."""
        return self.package is None or importlib.util.find_spec(self.package) is not None

    def factories(self) -> Mapping[str, AppFactory]:
        """Import the framework's app module and return its scenario → factory mapping."""
        if not self.installed():
            raise FrameworkUnavailable(f"{self.package} is not installed: {INSTALL_HINT}")
        try:
            module = importlib.import_module(self.module)
        except ImportError as exc:
            hint = f"; {INSTALL_HINT}" if isinstance(exc, ModuleNotFoundError) else ""
            raise FrameworkUnavailable(
                f"cannot import the {self.name} benchmark apps: {exc}{hint}"
            ) from exc
        factories: Mapping[str, AppFactory] = module.FACTORIES
        return factories


#: In the order they appear in reports: the floor first, asyncflask last.
FRAMEWORKS: tuple[Framework, ...] = (
    Framework("bare", "benchmarks.frameworks.bare_apps", None),
    Framework("starlette", "benchmarks.frameworks.starlette_apps", "starlette"),
    Framework("fastapi", "benchmarks.frameworks.fastapi_apps", "fastapi", optional=True),
    Framework("quart", "benchmarks.frameworks.quart_apps", "quart"),
    Framework("asyncflask", "benchmarks.frameworks.asyncflask_apps", "asyncflask"),
)

FRAMEWORKS_BY_NAME = {framework.name: framework for framework in FRAMEWORKS}
