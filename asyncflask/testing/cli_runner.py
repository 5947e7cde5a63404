"""Invoke the app's click commands in tests: ``app.test_cli_runner().invoke(args=[...])``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any

from click.testing import CliRunner, Result

if TYPE_CHECKING:
    from ..app import Flask


class FlaskCliRunner(CliRunner):
    """A click ``CliRunner`` that runs commands with the app already loaded.

    ``runner.invoke(args=["hello", "--name", "x"])`` runs a command of ``app.cli``
    (pass ``cli=`` to run another command or group); the app's context is pushed.
    """

    def __init__(self, app: Flask, **kwargs: Any) -> None:
        self.app = app
        super().__init__(**kwargs)

    def invoke(  # type: ignore[override]
        self,
        cli: Any = None,
        args: str | Sequence[str] | None = None,
        input: str | bytes | IO[Any] | None = None,
        env: Mapping[str, str | None] | None = None,
        catch_exceptions: bool = True,
        color: bool = False,
        **extra: Any,
    ) -> Result:
        """Invoke ``cli`` (the app's command group by default) with ``args``."""
        from ..cli import ScriptInfo

        if cli is None:
            cli = self.app.cli
        if "obj" not in extra:
            extra["obj"] = ScriptInfo(create_app=lambda: self.app, set_debug_flag=False)
        return super().invoke(cli, args, input, env, catch_exceptions, color, **extra)


__all__ = ["FlaskCliRunner"]
