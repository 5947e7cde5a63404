"""What blueprint nesting and signals cost per request.

Each case is one ``GET`` through the app's ASGI callable, in process (as the in-process
mode does), timed in interleaved batches; figures are medians over rounds and ratios are
medians of per-round ratios, so load elsewhere on the machine skews neither.

nesting
    ``app``: an app route. ``nested``: the same view in a blueprint nested three deep.
    Both apps have one ``before_request`` and one ``after_request`` hook on the app.
    ``*-6-hooks``: three of each, all on the app for the app route, spread over the app
    and the blueprints for the nested one, so both run the same hooks.
signals
    ``none``: nothing connected. ``other-app``: receivers connected for another app only.
    ``async`` / ``sync``: an async or sync receiver on ``request_started`` and
    ``request_finished``. Also the cost of one ``if signal.receivers:`` guard.

    python -m benchmarks.structure_costs [nesting|signals|all] [--repeat 15]

Exits 1 when the nested route costs more than ``LIMIT`` times the app route.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import timeit
from time import perf_counter
from typing import Any

import anyio

from asyncflask import Blueprint, Flask
from benchmarks.driver import HTTPRequest, PreparedRequest, drive

LIMIT = 1.10
BATCH = 2_000


def _app_route(hooks: int) -> Flask:
    app = Flask("bench_app_route")
    for _ in range(hooks // 2):
        app.before_request(_before)
        app.after_request(_after)

    @app.get("/x")
    async def view() -> str:
        return "ok"

    return app


def _nested_route(hooks: int) -> Flask:
    app = Flask("bench_nested_route")
    outer, middle, inner = (Blueprint(n, __name__) for n in ("outer", "middle", "inner"))
    levels: list[Any] = [app, outer, middle, inner]
    for i in range(hooks // 2):
        scaffold = levels[i % len(levels)] if hooks > 2 else app
        scaffold.before_request(_before)
        scaffold.after_request(_after)

    @inner.get("/x")
    async def view() -> str:
        return "ok"

    middle.register_blueprint(inner, url_prefix="/c")
    outer.register_blueprint(middle, url_prefix="/b")
    app.register_blueprint(outer, url_prefix="/a")
    return app


async def _before() -> None:
    return None


async def _after(response: Any) -> Any:
    return response


def _signal_app(kind: str) -> Flask:
    from asyncflask.signals import request_finished, request_started

    app = Flask(f"bench_signals_{kind}")

    @app.get("/x")
    async def view() -> str:
        return "ok"

    def sync_receiver(sender: Flask, **extra: Any) -> None:
        return None

    async def async_receiver(sender: Flask, **extra: Any) -> None:
        return None

    if kind == "other-app":
        other = Flask("bench_signals_other")
        for signal in (request_started, request_finished):
            signal.connect(async_receiver, other, weak=False)
    elif kind in ("async", "sync"):
        receiver = async_receiver if kind == "async" else sync_receiver
        for signal in (request_started, request_finished):
            signal.connect(receiver, app, weak=False)
    return app


async def _time(app: Flask, path: str, batch: int) -> float:
    request = PreparedRequest(HTTPRequest("GET", path))
    start = perf_counter()
    for i in range(batch):
        await drive(app, request)
        if i % 32 == 0:
            await anyio.lowlevel.checkpoint()
    return (perf_counter() - start) / batch


async def _measure(cases: dict[str, tuple[Flask, str]], repeat: int) -> dict[str, list[float]]:
    for name, (app, path) in cases.items():
        response = await drive(app, PreparedRequest(HTTPRequest("GET", path)))
        if (response.status, response.body) != (200, b"ok"):
            raise SystemExit(f"{name}: unexpected answer {response.status} {response.body!r}")
        await _time(app, path, BATCH // 4)
    samples: dict[str, list[float]] = {name: [] for name in cases}
    names = list(cases)
    for round_ in range(repeat):
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            app, path = cases[name]
            samples[name].append(await _time(app, path, BATCH))
    return samples


def _ratio(samples: dict[str, list[float]], top: str, bottom: str) -> float:
    return statistics.median(a / b for a, b in zip(samples[top], samples[bottom], strict=True))


def _report(samples: dict[str, list[float]]) -> None:
    for name, values in samples.items():
        print(f"  {name:<16} {statistics.median(values) * 1e6:8.2f} µs per request")


def nesting(repeat: int) -> int:
    cases = {
        "app": (_app_route(2), "/x"),
        "nested": (_nested_route(2), "/a/b/c/x"),
        "app-6-hooks": (_app_route(6), "/x"),
        "nested-6-hooks": (_nested_route(6), "/a/b/c/x"),
    }
    samples = anyio.run(_measure, cases, repeat)
    print("nesting (a view at app level vs in a blueprint nested three deep)")
    _report(samples)
    plain = _ratio(samples, "nested", "app")
    hooked = _ratio(samples, "nested-6-hooks", "app-6-hooks")
    print(f"  nested/app {plain:.3f}x; with six hooks over the levels {hooked:.3f}x")
    worst = max(plain, hooked)
    if worst > LIMIT:
        print(f"FAIL: nesting costs {worst:.2f}x (limit {LIMIT}x)", file=sys.stderr)
        return 1
    print(f"OK: within {LIMIT}x")
    return 0


def signals(repeat: int) -> int:
    from asyncflask.signals import request_started

    cases = {kind: (_signal_app(kind), "/x") for kind in ("none", "other-app", "async", "sync")}
    samples = anyio.run(_measure, cases, repeat)
    print("signals (request_started and request_finished)")
    _report(samples)
    for kind in ("other-app", "async", "sync"):
        print(f"  {kind}/none: {_ratio(samples, kind, 'none'):.3f}x")
    saved = dict(request_started.receivers)
    request_started.receivers.clear()
    try:
        number = 1_000_000
        guard, empty = (
            min(timeit.repeat(stmt, globals={"s": request_started}, number=number, repeat=5))
            / number
            * 1e9
            for stmt in ("if s.receivers: pass", "pass")
        )
        guard -= empty
    finally:
        request_started.receivers.update(saved)
    # appcontext_pushed, request_started, request_finished, request_tearing_down,
    # appcontext_tearing_down, appcontext_popped: the guards of a request without errors.
    print(f"  six unused-signal guards per request: {6 * guard / 1000:.3f} µs")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", default="all", choices=["nesting", "signals", "all"])
    parser.add_argument("--repeat", type=int, default=15, help="timing rounds (median taken)")
    args = parser.parse_args()
    status = 0
    if args.what in ("nesting", "all"):
        status |= nesting(args.repeat)
    if args.what in ("signals", "all"):
        status |= signals(args.repeat)
    return status


if __name__ == "__main__":
    sys.exit(main())
