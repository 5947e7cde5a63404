"""What a benchmark run measured, shared by both modes and the report."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Result:
    """One framework on one scenario: its headline number, or why there is none.

    ``value`` is microseconds per request in-process (lower is better) and requests per
    second over the network (higher is better).
    """

    framework: str
    scenario: str
    value: float | None = None
    samples: list[float] = field(default_factory=list)
    extra: dict[str, float] = field(default_factory=dict)
    error: str | None = None

    @classmethod
    def from_samples(
        cls, framework: str, scenario: str, samples: list[float], **extra: float
    ) -> Result:
        """A result whose value is the median of ``samples``."""
        spread = {"min": min(samples), "max": max(samples)} if samples else {}
        return cls(
            framework,
            scenario,
            value=statistics.median(samples),
            samples=samples,
            extra={**spread, **extra},
        )

    @classmethod
    def failed(cls, framework: str, scenario: str, error: str) -> Result:
        """A result for an app that could not be built, started or gave a wrong answer."""
        return cls(framework, scenario, error=error)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


@dataclass
class Run:
    """Every result of one run, with the settings and machine they were measured on."""

    mode: str
    frameworks: list[str]
    scenarios: list[str]
    settings: dict[str, Any]
    environment: dict[str, Any]
    results: dict[tuple[str, str], Result] = field(default_factory=dict)

    def add(self, result: Result) -> None:
        """Record ``result`` under its scenario and framework."""
        self.results[result.scenario, result.framework] = result

    def value(self, scenario: str, framework: str) -> float | None:
        """The headline number of ``framework`` on ``scenario``, or None when it has none."""
        result = self.results.get((scenario, framework))
        return None if result is None else result.value

    def errors(self) -> list[Result]:
        """The results that failed."""
        return [result for result in self.results.values() if result.error is not None]
