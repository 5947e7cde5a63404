"""Turn a run into ratios, target verdicts, a JSON file and a markdown table."""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import platform
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from benchmarks.results import Result, Run
from benchmarks.scenarios import SCENARIOS_BY_NAME

SUBJECT = "asyncflask"
PACKAGES = (
    "asyncflask",
    "starlette",
    "fastapi",
    "quart",
    "uvicorn",
    "uvloop",
    "httptools",
    "anyio",
)


@dataclass(frozen=True)
class Target:
    """A goal the project set itself, e.g. asyncflask's cost at most Starlette's."""

    label: str
    value: float | None
    comparison: Literal["<=", ">="]
    limit: float

    @property
    def verdict(self) -> str:
        """PASS, FAIL, or n/a when a number is missing."""
        if self.value is None:
            return "n/a"
        ok = self.value <= self.limit if self.comparison == "<=" else self.value >= self.limit
        return "PASS" if ok else "FAIL"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "label": self.label,
            "value": self.value,
            "comparison": self.comparison,
            "limit": self.limit,
            "verdict": self.verdict,
        }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator``, or None when either is missing."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def cost_ratio(run: Run, scenario: str, other_scenario: str, framework: str) -> float | None:
    """How many times ``scenario`` costs ``other_scenario`` in ``framework``, in either mode.

    In-process the cost is the time per request; over the network it is the inverse of the
    throughput.
    """
    first, second = run.value(scenario, framework), run.value(other_scenario, framework)
    if run.mode == "network":
        return ratio(second, first)
    return ratio(first, second)


def subject_ratios(run: Run, scenario: str) -> dict[str, float | None]:
    """asyncflask's number divided by each other framework's on ``scenario``."""
    subject = run.value(scenario, SUBJECT)
    return {
        f"{SUBJECT}/{framework}": ratio(subject, run.value(scenario, framework))
        for framework in run.frameworks
        if framework != SUBJECT
    }


DISPLAY_NAMES = {
    "bare": "bare ASGI",
    "starlette": "Starlette",
    "fastapi": "FastAPI",
    "quart": "Quart",
}


def targets(run: Run) -> list[Target]:
    """The issue's targets that this run can judge: its mode's, for the scenarios it measured."""
    found: list[Target] = []
    if SUBJECT not in run.frameworks:
        return found

    def versus(scenario: str, other: str, comparison: Literal["<=", ">="], limit: float) -> None:
        if scenario in run.scenarios and other in run.frameworks:
            what = "throughput" if run.mode == "network" else "cost"
            found.append(
                Target(
                    f"{_title(scenario)}: {what} vs {DISPLAY_NAMES[other]}",
                    subject_ratios(run, scenario)[f"{SUBJECT}/{other}"],
                    comparison,
                    limit,
                )
            )

    def within(label: str, scenario: str, baseline: str, limit: float) -> None:
        if scenario in run.scenarios and baseline in run.scenarios:
            found.append(Target(label, cost_ratio(run, scenario, baseline, SUBJECT), "<=", limit))

    if run.mode == "smoke":
        for scenario in ("plaintext", "json", "route-100"):
            versus(scenario, "starlette", "<=", 1.25)
        return found
    if run.mode == "inprocess":
        for scenario in ("plaintext", "json", "route-100", "echo", "sync"):
            # A sync view runs on a thread of its request's own, in one hop: 0.6x Starlette.
            versus(scenario, "starlette", "<=", 0.6 if scenario == "sync" else 1.0)
            versus(scenario, "quart", "<=", 0.4)
    else:
        for scenario in ("plaintext", "json", "route-100"):
            versus(scenario, "starlette", ">=", 0.95)
            versus(scenario, "quart", ">=", 2.0)
        versus("plaintext", "bare", ">=", 0.75)
    within("Routing: cost with 1,000 vs 10 other routes", "route-1000", "route-10", 1.10)
    within("Sync view: cost of a sync vs an async view", "sync", "plaintext", 2.0)
    # Sync hooks and a sync view run in one hop, so two hooks cost little more than none.
    within("Sync hooks: cost of a sync view with vs without sync hooks", "sync-hooks", "sync", 1.3)
    return found


def _title(scenario: str) -> str:
    known = SCENARIOS_BY_NAME.get(scenario)
    return known.title if known else scenario


def environment(mode: str) -> dict[str, Any]:
    """Where and with what the run was measured."""
    versions: dict[str, str | None] = {}
    for package in PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "commit": _git_commit(),
        "packages": versions,
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git_commit() -> str | None:
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
            check=False,
        )
    except OSError:
        return None
    return completed.stdout.strip() or None


def to_json(run: Run) -> dict[str, Any]:
    """The whole run, its ratios and its target verdicts as a JSON-ready dict."""
    return {
        "mode": run.mode,
        "unit": "requests/s" if run.mode == "network" else "microseconds per request",
        "environment": run.environment,
        "settings": run.settings,
        "frameworks": run.frameworks,
        "scenarios": [
            {
                "name": scenario,
                "title": _title(scenario),
                "unit": unit(run, scenario),
                "results": {
                    framework: run.results[scenario, framework].to_json()
                    for framework in run.frameworks
                    if (scenario, framework) in run.results
                },
                "ratios": subject_ratios(run, scenario),
            }
            for scenario in run.scenarios
        ],
        "targets": [target.to_json() for target in targets(run)],
    }


def _is_websocket(scenario: str) -> bool:
    known = SCENARIOS_BY_NAME.get(scenario)
    return known is not None and known.is_websocket


def unit(run: Run, scenario: str) -> str:
    """What the numbers of ``scenario`` count in this run's mode."""
    if run.mode == "network":
        return "echoed messages/s" if _is_websocket(scenario) else "requests/s"
    return "microseconds per connection" if _is_websocket(scenario) else "microseconds per request"


def _number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}"


def _times(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    align = ["---"] + ["--:"] * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def to_markdown(run: Run) -> str:
    """A markdown report: numbers and ratios per endpoint, derived ratios, target verdicts."""
    others = [framework for framework in run.frameworks if framework != SUBJECT]
    has_subject = SUBJECT in run.frameworks
    network = run.mode == "network"
    lines = [f"# asyncflask benchmarks: {run.mode}", ""]
    env = run.environment
    lines.append(
        f"{env['date']}, commit {env['commit']}, {env['python']}, {env['cpu']} "
        f"({env['cores']} cores). Settings: "
        + ", ".join(f"{key}={value}" for key, value in run.settings.items())
        + "."
    )
    lines.append("")
    if network:
        lines.append("Requests per second (higher is better); ratios are asyncflask / other.")
    else:
        lines.append(
            "Microseconds per request, median of the repeats (lower is better); "
            "ratios are asyncflask / other."
        )
    lines.append("")

    header = ["Endpoint", *run.frameworks]
    if has_subject:
        header += [f"af / {framework}" for framework in others]
    rows = []
    for scenario in run.scenarios:
        row = [_title(scenario)]
        row += [_cell(run, scenario, framework) for framework in run.frameworks]
        if has_subject:
            ratios = subject_ratios(run, scenario)
            row += [_times(ratios[f"{SUBJECT}/{framework}"]) for framework in others]
        rows.append(row)
    lines += _table(header, rows)
    for scenario in filter(_is_websocket, run.scenarios):
        if network:
            what = "echoed messages per second, and its p99 latency is one echo's round trip"
        else:
            what = "microseconds per connection (open, every message echoed, close)"
        lines += ["", f"{_title(scenario)}: the number is {what}."]

    if network:
        lines += ["", "p99 latency in milliseconds (lower is better).", ""]
        rows = []
        for scenario in run.scenarios:
            row = [_title(scenario)]
            for framework in run.frameworks:
                result = run.results.get((scenario, framework))
                p99 = result.extra.get("p99_ms") if result and result.value else None
                row.append(_number(p99, 2))
            rows.append(row)
        lines += _table(["Endpoint", *run.frameworks], rows)

    derived = [
        ("Routing: 1,000 vs 10 other routes", "route-1000", "route-10"),
        ("Sync vs async view", "sync", "plaintext"),
        ("Sync view with vs without sync hooks", "sync-hooks", "sync"),
    ]
    derived = [d for d in derived if d[1] in run.scenarios and d[2] in run.scenarios]
    if derived:
        lines += ["", "Cost ratios within each framework (1.00x = no extra cost).", ""]
        rows = [
            [label] + [_times(cost_ratio(run, first, second, fw)) for fw in run.frameworks]
            for label, first, second in derived
        ]
        lines += _table(["Comparison", *run.frameworks], rows)

    hop = _thread_hop_rows(run)
    if hop:
        lines += [
            "",
            "The thread hop: what a sync view costs beyond the same view written async, in"
            " microseconds per request.",
            "",
        ]
        lines += _table(["Measure", *run.frameworks], hop)

    hops = _hop_rows(run)
    if hops:
        lines += [
            "",
            "Thread hops per request: calls handed to a worker thread and waited for"
            " (counted before timing).",
            "",
        ]
        lines += _table(["Endpoint", *run.frameworks], hops)

    verdicts = targets(run)
    if verdicts:
        lines += ["", "## Targets", ""]
        rows = [
            [
                target.label,
                _number(target.value, 2),
                f"{target.comparison} {target.limit:.2f}",
                target.verdict,
            ]
            for target in verdicts
        ]
        lines += _table(["Target (asyncflask)", "Value", "Goal", "Result"], rows)
        floor = cost_ratio(run, "sync", "plaintext", "bare")
        if run.mode == "inprocess" and floor is not None:
            lines += [
                "",
                "In-process, a sync view's cost is mostly the hop to a worker thread and back: "
                f"the bare app pays {floor:.1f}x for that hop alone. The network run, where the "
                "server's own cost is included, is the one to judge the sync target by.",
            ]

    errors = run.errors()
    if errors:
        lines += ["", "## Failures", ""]
        lines += [f"- {e.framework}, {_title(e.scenario)}: {e.error}" for e in errors]
    return "\n".join(lines) + "\n"


def _thread_hop_rows(run: Run) -> list[list[str]]:
    """Sync minus async view per framework: wall and CPU time in-process, time at full load
    over the network."""
    if "sync" not in run.scenarios or "plaintext" not in run.scenarios:
        return []

    def extra(key: str) -> Callable[[Result], float | None]:
        return lambda result: result.extra.get(key)

    def per_request(result: Result) -> float | None:
        return 1e6 / result.value if result.value else None

    measures: list[tuple[str, Callable[[Result], float | None]]]
    if run.mode == "network":
        measures = [("time per request at full load", per_request)]
    else:
        measures = [
            ("wall clock, one request at a time", lambda r: r.value),
            ("CPU time, all threads", extra("cpu_us")),
        ]
    rows = []
    for label, measure in measures:
        row = [label]
        for framework in run.frameworks:
            sync = run.results.get(("sync", framework))
            plain = run.results.get(("plaintext", framework))
            values = [measure(r) if r is not None and r.value else None for r in (sync, plain)]
            if values[0] is None or values[1] is None:
                row.append("n/a")
            else:
                row.append(_number(values[0] - values[1], 1))
        rows.append(row)
    return rows


def _hop_rows(run: Run) -> list[list[str]]:
    """Hops per request, for the endpoints where some framework hops at all."""
    rows = []
    for scenario in run.scenarios:
        counts = []
        for framework in run.frameworks:
            result = run.results.get((scenario, framework))
            counts.append(None if result is None else result.extra.get("hops"))
        if any(count for count in counts):
            rows.append([_title(scenario), *(_hop_count(count) for count in counts)])
    return rows


def _hop_count(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0f}" if value == round(value) else f"{value:.2f}"


def _cell(run: Run, scenario: str, framework: str) -> str:
    result = run.results.get((scenario, framework))
    if result is None:
        return "n/a"
    if result.error is not None:
        return "FAILED"
    return _number(result.value, 0 if run.mode == "network" else 1)


def write(run: Run, directory: Path) -> tuple[Path, Path]:
    """Write ``<mode>.json`` and ``<mode>.md`` into ``directory`` and return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    json_path = directory / f"{run.mode}.json"
    markdown_path = directory / f"{run.mode}.md"
    json_path.write_text(json.dumps(to_json(run), indent=2) + "\n")
    markdown_path.write_text(to_markdown(run))
    return json_path, markdown_path
