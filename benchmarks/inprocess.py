"""In-process mode: call each ASGI app directly and time microseconds per request.

For each scenario every framework's app is built and started (lifespan) once, its answer is
checked, it is warmed up, and then the frameworks are timed in interleaved batches (the order
rotates every repeat) so that drift in the machine's speed hits them all alike.
"""

from __future__ import annotations

import cProfile
import gc
import io
import pstats
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from functools import partial
from time import perf_counter
from typing import TypeVar

import anyio

from benchmarks.driver import ASGIApp, PreparedRequest, drive, lifespan
from benchmarks.frameworks import AppFactory
from benchmarks.results import Result, Run
from benchmarks.scenarios import Scenario

T = TypeVar("T")


@dataclass(frozen=True)
class InProcessSettings:
    """How long to warm up and how to split the timing into repeats."""

    repeats: int = 7
    batch_seconds: float = 0.1
    warmup_seconds: float = 0.2
    use_uvloop: bool = True


@dataclass
class _Subject:
    framework: str
    app: ASGIApp
    request: PreparedRequest
    batch_size: int = 0


def run_async(func: Callable[[], Awaitable[T]], use_uvloop: bool = True) -> T:
    """Run ``func()`` on asyncio, with uvloop when asked for and installed."""
    options = {"use_uvloop": use_uvloop and _uvloop_installed()}
    return anyio.run(func, backend="asyncio", backend_options=options)


def _uvloop_installed() -> bool:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


def measure(
    run: Run,
    scenarios: Sequence[Scenario],
    factories: Mapping[str, Mapping[str, AppFactory]],
    settings: InProcessSettings,
    progress: bool = True,
) -> None:
    """Measure every scenario in every framework of ``factories`` and add the results to ``run``."""
    for scenario in scenarios:
        if progress:
            print(f"  {scenario.title} ...", flush=True)
        run_async(
            partial(_measure_scenario, run, scenario, factories, settings), settings.use_uvloop
        )


class _Unmeasurable(Exception):
    """An app that could not be built or started, or that answered wrongly."""


def _describe(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, _Unmeasurable) else f"{type(exc).__name__}: {exc}"


async def _measure_scenario(
    run: Run,
    scenario: Scenario,
    factories: Mapping[str, Mapping[str, AppFactory]],
    settings: InProcessSettings,
) -> None:
    async with AsyncExitStack() as stack:
        subjects: list[_Subject] = []
        for framework, framework_factories in factories.items():
            try:
                subject = await _prepare(stack, framework, framework_factories, scenario)
                subject.batch_size = await _warm_up(subject, settings)
            except Exception as exc:
                run.add(Result.failed(framework, scenario.name, _describe(exc)))
            else:
                subjects.append(subject)

        samples: dict[str, list[float]] = {subject.framework: [] for subject in subjects}
        failures: dict[str, str] = {}
        for repeat in range(settings.repeats):
            shift = repeat % len(subjects) if subjects else 0
            for subject in subjects[shift:] + subjects[:shift]:
                if subject.framework in failures:
                    continue
                gc.collect()
                try:
                    samples[subject.framework].append(
                        await _time_batch(subject, scenario.expect.status)
                    )
                except Exception as exc:
                    failures[subject.framework] = _describe(exc)

        for subject in subjects:
            if subject.framework in failures:
                error = failures[subject.framework]
                run.add(Result.failed(subject.framework, scenario.name, error))
            else:
                run.add(
                    Result.from_samples(
                        subject.framework,
                        scenario.name,
                        samples[subject.framework],
                        batch_size=subject.batch_size,
                    )
                )


async def _prepare(
    stack: AsyncExitStack,
    framework: str,
    factories: Mapping[str, AppFactory],
    scenario: Scenario,
) -> _Subject:
    """Build and start the app and check its answer once."""
    factory = factories.get(scenario.name)
    if factory is None:
        raise _Unmeasurable("no app for this scenario")
    app = factory()
    state = await stack.enter_async_context(lifespan(app))
    subject = _Subject(framework, app, PreparedRequest(scenario.request, state))
    response = await drive(subject.app, subject.request)
    if not response.complete:
        raise _Unmeasurable("wrong answer: the app returned before completing its response")
    problem = scenario.expect.problem(response.status, response.body)
    if problem is not None:
        raise _Unmeasurable(f"wrong answer: {problem}")
    return subject


async def _warm_up(subject: _Subject, settings: InProcessSettings) -> int:
    """Run requests for ``warmup_seconds``; return how many fill one ``batch_seconds`` batch."""
    count = 0
    start = perf_counter()
    while (elapsed := perf_counter() - start) < settings.warmup_seconds or count < 20:
        await drive(subject.app, subject.request)
        count += 1
    return max(1, round(settings.batch_seconds * count / elapsed))


async def _time_batch(subject: _Subject, status: int) -> float:
    """Time one batch and return microseconds per request.

    Raises when a response was incomplete or had another status than expected.
    """
    app, request = subject.app, subject.request
    wrong = 0
    start = perf_counter()
    for _ in range(subject.batch_size):
        response = await drive(app, request)
        if response.status != status or not response.complete:
            wrong += 1
    elapsed = perf_counter() - start
    if wrong:
        raise _Unmeasurable(f"{wrong} of {subject.batch_size} timed responses were wrong")
    return elapsed / subject.batch_size * 1e6


def profile(
    factory: AppFactory, scenario: Scenario, requests: int, use_uvloop: bool = True
) -> cProfile.Profile:
    """Run ``requests`` requests of ``scenario`` under cProfile, after a warm-up, and return it."""
    profiler = cProfile.Profile()

    async def main() -> None:
        app = factory()
        async with lifespan(app) as state:
            prepared = PreparedRequest(scenario.request, state)
            response = await drive(app, prepared)
            problem = scenario.expect.problem(response.status, response.body)
            if problem is not None:
                raise RuntimeError(f"wrong answer: {problem}")
            for _ in range(min(requests, 2000)):
                await drive(app, prepared)
            profiler.enable()
            for _ in range(requests):
                await drive(app, prepared)
            profiler.disable()

    run_async(main, use_uvloop=use_uvloop)
    return profiler


def format_profile(
    profiler: cProfile.Profile, sort: str, limit: int, restrict: str | None = None
) -> str:
    """The ``limit`` top functions by ``sort``; only those whose path matches ``restrict``."""
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats(sort)
    if restrict:
        stats.print_stats(restrict, limit)
    else:
        stats.print_stats(limit)
    return out.getvalue()
