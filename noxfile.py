"""Development sessions: ``nox -s tests``, ``nox -s lint``, ``nox -s typecheck``, ``nox -s bench``."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite."""
    session.install("-e", ".[test]")
    session.run("pytest", "-q", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Check style with ruff."""
    session.install("ruff")
    session.run("ruff", "check", "asyncflask", "tests", "benchmarks", "examples")
    session.run("ruff", "format", "--check", "asyncflask")


@nox.session
def typecheck(session: nox.Session) -> None:
    """Check types with mypy (strict)."""
    session.install("-e", ".[test]")
    session.run("mypy")


@nox.session
def bench(session: nox.Session) -> None:
    """The benchmark smoke check: asyncflask against Starlette, in-process, a few seconds."""
    session.install("-e", ".[bench]")
    session.run("python", "-m", "benchmarks", "smoke", *session.posargs)
