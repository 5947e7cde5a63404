"""Flask extensions, installed from PyPI, through ``import asyncflask.flask_patch``.

Each test writes a small app script and runs it in an interpreter of its own,
so the patch never leaks into the rest of the suite. Every script ends by
checking that no module of the real Flask package was loaded.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

_NO_REAL_FLASK = """

import sys as _sys
_real = sorted(
    name for name, module in list(_sys.modules.items())
    if (name == "flask" or name.startswith("flask."))
    and not getattr(module, "__name__", "").startswith("asyncflask")
)
assert not _real, f"the real Flask was loaded: {_real}"
"""

RunScript = Callable[..., str]


@pytest.fixture
def run_script(tmp_path: Path) -> RunScript:
    """Run ``code`` as ``app_script.py`` in ``tmp_path``; return its stdout.

    ``backend`` is the event loop its ``anyio.run(main)`` uses (asyncio or trio).
    """

    def run(
        code: str,
        *,
        files: dict[str, str] | None = None,
        timeout: float = 120,
        backend: str = "asyncio",
    ) -> str:
        for name, text in (files or {}).items():
            target = tmp_path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(text))
        script = tmp_path / "app_script.py"
        source = textwrap.dedent(code).replace(
            "anyio.run(main)", f"anyio.run(main, backend={backend!r})"
        )
        script.write_text(source + _NO_REAL_FLASK)
        done = subprocess.run(
            [sys.executable, str(script)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
        return done.stdout

    return run
