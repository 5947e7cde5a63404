"""The benchmark runner's command line: ``python -m benchmarks [MODE] [options]``.

Modes: ``inprocess`` (the default), ``network``, ``smoke`` (a few seconds; exit 1 when
asyncflask costs more than 1.25x Starlette), ``parked`` (memory with 1,000 requests parked
behind a sync hook), ``profile`` (cProfile one app) and ``list``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path

from benchmarks import report
from benchmarks.frameworks import (
    FRAMEWORKS,
    FRAMEWORKS_BY_NAME,
    AppFactory,
    Framework,
    FrameworkUnavailable,
)
from benchmarks.inprocess import InProcessSettings
from benchmarks.network import NetworkSettings
from benchmarks.parked import APPS as PARKED_APPS
from benchmarks.parked import ParkedSettings
from benchmarks.results import Run
from benchmarks.scenarios import SCENARIOS, SCENARIOS_BY_NAME, Scenario

RESULTS_DIR = Path(__file__).resolve().parent / "results"
SMOKE_FRAMEWORKS = ("bare", "starlette", "asyncflask")
SMOKE_SCENARIOS = ("plaintext", "json", "route-100")
SMOKE_SETTINGS = InProcessSettings(repeats=5, batch_seconds=0.03, warmup_seconds=0.05)


class UsageError(Exception):
    """A bad option or a missing dependency; the message says how to fix it."""


def _names(value: str) -> list[str]:
    return [name.strip() for name in value.split(",") if name.strip()]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every mode."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure asyncflask against a bare ASGI app, Starlette, FastAPI and Quart.",
    )
    modes = parser.add_subparsers(dest="mode", metavar="MODE")

    def selection(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--frameworks",
            type=_names,
            help="comma-separated frameworks (default: all installed; see `list`)",
        )
        sub.add_argument(
            "--scenarios", type=_names, help="comma-separated scenarios (default: all)"
        )
        sub.add_argument(
            "--output-dir",
            type=Path,
            default=RESULTS_DIR,
            help="where <mode>.json and <mode>.md go (default: benchmarks/results)",
        )

    inprocess = modes.add_parser("inprocess", help="call each ASGI app directly (default)")
    selection(inprocess)
    defaults = InProcessSettings()
    inprocess.add_argument("--repeats", type=int, default=defaults.repeats)
    inprocess.add_argument(
        "--batch-seconds",
        type=float,
        default=defaults.batch_seconds,
        help="length of one timed batch",
    )
    inprocess.add_argument("--warmup-seconds", type=float, default=defaults.warmup_seconds)
    inprocess.add_argument("--no-uvloop", action="store_true", help="use asyncio's own event loop")
    inprocess.add_argument(
        "--core",
        type=int,
        default=defaults.core,
        help=f"the CPU to pin the run to, as a server worker is (default: {defaults.core})",
    )
    inprocess.add_argument(
        "--no-pin", action="store_true", help="let the scheduler move the run between CPUs"
    )

    network = modes.add_parser("network", help="uvicorn + wrk, requests/s and p99 latency")
    selection(network)
    net_defaults = NetworkSettings()
    network.add_argument(
        "--rounds",
        type=int,
        default=net_defaults.rounds,
        help="loads of each app; the median is reported",
    )
    network.add_argument(
        "--duration", type=int, default=net_defaults.duration, help="seconds of each load"
    )
    network.add_argument(
        "--warmup", type=int, default=net_defaults.warmup, help="seconds of load before it"
    )
    network.add_argument("--connections", type=int, default=net_defaults.connections)

    modes.add_parser(
        "smoke", help="a few seconds in-process; exit 1 if asyncflask > 1.25x Starlette"
    )

    parked = modes.add_parser(
        "parked", help="server memory with requests parked in an async view behind a sync hook"
    )
    parked.add_argument(
        "--apps",
        type=_names,
        help="comma-separated apps (default: every installed one of "
        + ", ".join(PARKED_APPS)
        + ")",
    )
    parked.add_argument("--requests", type=int, default=ParkedSettings().requests)
    parked.add_argument(
        "--output-dir",
        type=Path,
        default=RESULTS_DIR,
        help="where parked.json and parked.md go (default: benchmarks/results)",
    )

    profile = modes.add_parser("profile", help="cProfile one framework on one scenario")
    profile.add_argument("framework", choices=list(FRAMEWORKS_BY_NAME))
    profile.add_argument("scenario", choices=list(SCENARIOS_BY_NAME))
    profile.add_argument("--requests", type=int, default=20000)
    profile.add_argument("--sort", default="tottime", help="a pstats sort key")
    profile.add_argument("--limit", type=int, default=30, help="functions to show")
    profile.add_argument(
        "--restrict", help="only show functions whose path matches this regex, e.g. asyncflask"
    )

    modes.add_parser("list", help="list the scenarios and frameworks")
    return parser


def select_frameworks(names: Sequence[str] | None) -> dict[str, Mapping[str, AppFactory]]:
    """Load the apps of the named frameworks, or of every installed one.

    A required framework that is missing is an error that says how to install it; an optional
    one (FastAPI) is left out when it is not installed and not asked for.
    """
    if names:
        unknown = [name for name in names if name not in FRAMEWORKS_BY_NAME]
        if unknown:
            known = ", ".join(FRAMEWORKS_BY_NAME)
            raise UsageError(f"unknown framework(s) {', '.join(unknown)}; choose from {known}")
        chosen: list[Framework] = [f for f in FRAMEWORKS if f.name in names]
    else:
        chosen = [f for f in FRAMEWORKS if not f.optional or f.installed()]
    loaded: dict[str, Mapping[str, AppFactory]] = {}
    problems = []
    for framework in chosen:
        try:
            loaded[framework.name] = framework.factories()
        except FrameworkUnavailable as exc:
            problems.append(f"{framework.name}: {exc}")
    if problems:
        raise UsageError("cannot run the benchmarks:\n  " + "\n  ".join(problems))
    return loaded


def select_scenarios(names: Sequence[str] | None) -> list[Scenario]:
    """The named scenarios in registry order, or all of them."""
    if not names:
        return list(SCENARIOS)
    unknown = [name for name in names if name not in SCENARIOS_BY_NAME]
    if unknown:
        known = ", ".join(SCENARIOS_BY_NAME)
        raise UsageError(f"unknown scenario(s) {', '.join(unknown)}; choose from {known}")
    return [scenario for scenario in SCENARIOS if scenario.name in names]


def _new_run(
    mode: str, frameworks: Sequence[str], scenarios: Sequence[Scenario], settings: object
) -> Run:
    return Run(
        mode=mode,
        frameworks=list(frameworks),
        scenarios=[scenario.name for scenario in scenarios],
        settings=asdict(settings),  # type: ignore[call-overload]
        environment=report.environment(mode),
    )


def run_inprocess(args: argparse.Namespace) -> int:
    """Measure in-process, write the results and print the markdown table."""
    from benchmarks import inprocess

    factories = select_frameworks(args.frameworks)
    scenarios = select_scenarios(args.scenarios)
    settings = InProcessSettings(
        repeats=args.repeats,
        batch_seconds=args.batch_seconds,
        warmup_seconds=args.warmup_seconds,
        use_uvloop=not args.no_uvloop,
        core=None if args.no_pin else args.core,
    )
    run = _new_run("inprocess", list(factories), scenarios, settings)
    print(f"in-process: {', '.join(factories)}")
    inprocess.measure(run, scenarios, factories, settings)
    return _finish(run, args.output_dir)


def run_network(args: argparse.Namespace) -> int:
    """Measure behind uvicorn with wrk, write the results and print the markdown table."""
    from benchmarks import network

    factories = select_frameworks(args.frameworks)
    scenarios = select_scenarios(args.scenarios)
    try:
        cores = network.check_tools()
    except network.NetworkSetupError as exc:
        raise UsageError(str(exc)) from exc
    settings = NetworkSettings(
        rounds=args.rounds,
        duration=args.duration,
        warmup=args.warmup,
        connections=args.connections,
    )
    run = _new_run("network", list(factories), scenarios, settings)
    run.settings["server_core"] = cores.server
    run.settings["wrk_core"] = cores.client
    print(f"network: {', '.join(factories)}")
    network.measure(run, scenarios, list(factories), settings, cores)
    return _finish(run, args.output_dir)


def _finish(run: Run, output_dir: Path) -> int:
    json_path, markdown_path = report.write(run, output_dir)
    print()
    print(report.to_markdown(run))
    print(f"written: {json_path}, {markdown_path}")
    return 1 if run.errors() else 0


def run_smoke() -> int:
    """A few seconds in-process; 1 when asyncflask costs > 1.25x Starlette or an app is broken."""
    from benchmarks import inprocess

    factories = select_frameworks(SMOKE_FRAMEWORKS)
    scenarios = select_scenarios(SMOKE_SCENARIOS)
    run = _new_run("smoke", list(factories), scenarios, SMOKE_SETTINGS)
    inprocess.measure(run, scenarios, factories, SMOKE_SETTINGS, progress=False)
    print(report.to_markdown(run))
    failed = [t for t in report.targets(run) if t.verdict != "PASS"]
    if run.errors() or failed:
        print("smoke: FAIL", file=sys.stderr)
        return 1
    print("smoke: PASS")
    return 0


def run_parked(args: argparse.Namespace) -> int:
    """Measure the servers' memory with requests parked behind a sync hook; write the results."""
    from benchmarks import parked

    if args.apps:
        unknown = [name for name in args.apps if name not in PARKED_APPS]
        if unknown:
            known = ", ".join(PARKED_APPS)
            raise UsageError(f"unknown app(s) {', '.join(unknown)}; choose from {known}")
        missing = [name for name in args.apps if not parked.installed(name)]
        if missing:
            raise UsageError(
                f"cannot import the framework of {', '.join(missing)}: "
                "install the benchmark extras with `pip install -e '.[bench]'`"
            )
        names = list(args.apps)
    else:
        names = [name for name in PARKED_APPS if parked.installed(name)]
    if args.requests < 1:
        raise UsageError("--requests must be at least 1")
    settings = ParkedSettings(requests=args.requests, apps=names)
    print(f"parked: {', '.join(names)}")
    results = parked.measure(settings)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    json_path = args.output_dir / "parked.json"
    markdown_path = args.output_dir / "parked.md"
    environment = report.environment("parked")
    json_path.write_text(parked.results_json(results, settings, environment))
    markdown = parked.to_markdown(results, settings, environment)
    markdown_path.write_text(markdown)
    print()
    print(markdown)
    print(f"written: {json_path}, {markdown_path}")
    return 1 if any(memory.error for memory in results) else 0


def run_profile(args: argparse.Namespace) -> int:
    """Profile one framework on one scenario and print the hottest functions."""
    from benchmarks import inprocess

    factories = select_frameworks([args.framework])[args.framework]
    scenario = SCENARIOS_BY_NAME[args.scenario]
    factory = factories.get(scenario.name)
    if factory is None:
        raise UsageError(f"{args.framework} has no app for scenario {scenario.name!r}")
    profiler = inprocess.profile(factory, scenario, args.requests)
    print(f"{args.framework}, {scenario.title}: {args.requests} requests, sorted by {args.sort}")
    print(inprocess.format_profile(profiler, args.sort, args.limit, args.restrict))
    return 0


def run_list() -> int:
    """Print the scenarios and frameworks."""
    print("scenarios:")
    for scenario in SCENARIOS:
        print(f"  {scenario.name:<12} {scenario.title}")
    print("frameworks:")
    for framework in FRAMEWORKS:
        state = "installed" if framework.installed() else "not installed"
        optional = ", optional" if framework.optional else ""
        print(f"  {framework.name:<12} ({state}{optional})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the mode named on the command line (in-process when none is)."""
    parser = build_parser()
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments or (arguments[0].startswith("-") and arguments[0] not in ("-h", "--help")):
        arguments.insert(0, "inprocess")
    args = parser.parse_args(arguments)
    try:
        if args.mode == "inprocess":
            return run_inprocess(args)
        if args.mode == "network":
            return run_network(args)
        if args.mode == "smoke":
            return run_smoke()
        if args.mode == "parked":
            return run_parked(args)
        if args.mode == "profile":
            return run_profile(args)
        return run_list()
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
