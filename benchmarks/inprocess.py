"""In-process mode: call each ASGI app directly and time microseconds per request.

Every scenario's app in every framework is built and started (lifespan) once, its answer is
checked and it is warmed up; then all of them are timed in interleaved batches (the order
rotates every repeat) so that drift in the machine's speed hits them all alike.

Requests run one after another in one task. Every few requests the event loop gets a turn, as
a server's loop does between requests, so the work an app leaves to the loop (callbacks,
cancelled timers to clean up) is done, and timed, within the batch instead of piling up.

Before timing, each app's thread hops are counted over a few requests (see
``benchmarks.hops``); the counters are off while timing.

A websocket scenario's "request" is a whole connection: connect, every message echoed, then a
disconnect, so its number is microseconds per connection.
"""

from __future__ import annotations

import cProfile
import gc
import io
import os
import pstats
import statistics
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass, field
from functools import partial
from time import perf_counter, process_time
from typing import Any, TypeVar

import anyio
from anyio.lowlevel import checkpoint

from benchmarks.driver import (
    ASGIApp,
    PreparedRequest,
    PreparedWebSocket,
    drive,
    drive_websocket,
    lifespan,
)
from benchmarks.frameworks import AppFactory
from benchmarks.hops import counting_hops, own_hops
from benchmarks.results import Result, Run
from benchmarks.scenarios import Scenario, primed_request

T = TypeVar("T")

#: Requests between two turns of the event loop.
LOOP_TURN_EVERY = 8
#: Requests (or websocket connections) over which each app's thread hops are counted.
HOP_COUNT_REQUESTS = 100
#: Seconds an app has to give its first, checked answer: a stuck app fails instead of hanging.
CHECK_TIMEOUT = 10.0


def first_core() -> int | None:
    """The first CPU this process may run on, or None when there is only one (or no way to pin)."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    cores = sorted(os.sched_getaffinity(0))
    return cores[0] if len(cores) > 1 else None


@dataclass(frozen=True)
class InProcessSettings:
    """How long to warm up, how to split the timing into repeats, and where to run."""

    repeats: int = 7
    batch_seconds: float = 0.1
    warmup_seconds: float = 0.2
    use_uvloop: bool = True
    #: The CPU the whole run (event loop and worker threads) is pinned to, as a server worker
    #: is in network mode; None leaves it to the scheduler. Unpinned, a sync view's thread
    #: hop can land on another, idle CPU, and on a virtual machine the wake-up across CPUs
    #: costs several times the hop itself (measured here: 88 vs 12 us).
    core: int | None = field(default_factory=first_core)


@contextmanager
def pinned(core: int | None) -> Iterator[None]:
    """Run the calling thread (and threads it starts) on ``core`` only, then restore."""
    if core is None or not hasattr(os, "sched_setaffinity"):
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {core})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


@dataclass
class _Subject:
    framework: str
    scenario: str
    app: ASGIApp
    request: PreparedRequest | PreparedWebSocket
    #: The status every timed HTTP response must have.
    status: int
    #: The messages every timed websocket connection must get back.
    echoes: list[str | bytes] = field(default_factory=list)
    batch_size: int = 0
    samples: list[float] = field(default_factory=list)
    #: CPU microseconds per request (every thread of the process), one per batch.
    cpu_samples: list[float] = field(default_factory=list)
    #: Calls handed to a worker thread per request, counted before timing.
    hops: float = 0.0
    error: str | None = None


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
    """Measure every scenario in every framework of ``factories`` and add the results to ``run``.

    All apps are started first and then timed in turn, each repeat in a rotated order, so that
    a slow spell of the machine is shared by every framework and every scenario.
    """
    with pinned(settings.core):
        run_async(
            partial(_measure_all, run, scenarios, factories, settings, progress),
            settings.use_uvloop,
        )


class _Unmeasurable(Exception):
    """An app that could not be built or started, or that answered wrongly."""


def _describe(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, _Unmeasurable) else f"{type(exc).__name__}: {exc}"


def _say(progress: bool, message: str) -> None:
    if progress:
        print(message, flush=True)


async def _measure_all(
    run: Run,
    scenarios: Sequence[Scenario],
    factories: Mapping[str, Mapping[str, AppFactory]],
    settings: InProcessSettings,
    progress: bool,
) -> None:
    async with AsyncExitStack() as stack:
        subjects: list[_Subject] = []
        _say(progress, "  starting, checking and warming up every app ...")
        for scenario in scenarios:
            for framework, framework_factories in factories.items():
                try:
                    subject = await _prepare(stack, framework, framework_factories, scenario)
                    subject.batch_size = await _warm_up(subject, settings)
                    subject.hops = await _count_hops(subject)
                except Exception as exc:
                    run.add(Result.failed(framework, scenario.name, _describe(exc)))
                else:
                    subjects.append(subject)

        for repeat in range(settings.repeats):
            _say(progress, f"  repeat {repeat + 1} of {settings.repeats} ...")
            shift = repeat * len(subjects) // settings.repeats
            for subject in subjects[shift:] + subjects[:shift]:
                if subject.error is not None:
                    continue
                gc.collect()
                try:
                    wall, cpu = await _time_batch(subject)
                    subject.samples.append(wall)
                    subject.cpu_samples.append(cpu)
                except Exception as exc:
                    subject.error = _describe(exc)

    for subject in subjects:
        if subject.error is not None:
            run.add(Result.failed(subject.framework, subject.scenario, subject.error))
        else:
            run.add(
                Result.from_samples(
                    subject.framework,
                    subject.scenario,
                    subject.samples,
                    batch_size=subject.batch_size,
                    cpu_us=statistics.median(subject.cpu_samples),
                    hops=subject.hops,
                )
            )


async def _prepare(
    stack: AsyncExitStack,
    framework: str,
    factories: Mapping[str, AppFactory],
    scenario: Scenario,
) -> _Subject:
    """Build and start the app, prime it when the scenario says so, and check its answer once."""
    factory = factories.get(scenario.name)
    if factory is None:
        raise _Unmeasurable("no app for this scenario")
    app = factory()
    state = await stack.enter_async_context(lifespan(app))
    expect = scenario.expect
    with anyio.fail_after(CHECK_TIMEOUT):
        if scenario.websocket_messages is not None:
            session = PreparedWebSocket(scenario.request, scenario.websocket_messages, state)
            echoes: list[str | bytes] = list(expect.messages or ())
            subject = _Subject(framework, scenario.name, app, session, 0, echoes)
            captured = await drive_websocket(app, session)
            problem = expect.websocket_problem(captured.accepted, captured.received)
        else:
            request = await _primed(app, scenario, state)
            subject = _Subject(framework, scenario.name, app, request, expect.status)
            response = await drive(app, request)
            if not response.complete:
                raise _Unmeasurable("wrong answer: the app returned before completing its response")
            header_names = {name.decode("latin-1").lower() for name, _ in response.headers}
            problem = expect.problem(response.status, response.body, header_names)
    if problem is not None:
        raise _Unmeasurable(f"wrong answer: {problem}")
    return subject


async def _primed(app: ASGIApp, scenario: Scenario, state: dict[str, Any]) -> PreparedRequest:
    """The scenario's request, with the cookies the app set in answer to its priming request."""
    if scenario.prime is None:
        return PreparedRequest(scenario.request, state)
    response = await drive(app, PreparedRequest(scenario.prime, state))
    set_cookies = [
        value.decode("latin-1") for name, value in response.headers if name.lower() == b"set-cookie"
    ]
    try:
        request = primed_request(scenario, response.status, set_cookies)
    except ValueError as exc:
        raise _Unmeasurable(str(exc)) from exc
    return PreparedRequest(request, state)


async def _warm_up(subject: _Subject, settings: InProcessSettings) -> int:
    """Run requests for ``warmup_seconds``; return how many fill one ``batch_seconds`` batch."""
    count = 0
    start = perf_counter()
    while (elapsed := perf_counter() - start) < settings.warmup_seconds or count < 20:
        await _run_requests(subject, LOOP_TURN_EVERY)
        count += LOOP_TURN_EVERY
    return max(LOOP_TURN_EVERY, round(settings.batch_seconds * count / elapsed))


async def _count_hops(subject: _Subject) -> float:
    """The calls one request hands to a worker thread, over ``HOP_COUNT_REQUESTS`` requests."""
    before = own_hops(subject.app)
    with counting_hops() as counter:
        wrong = await _run_requests(subject, HOP_COUNT_REQUESTS)
    if wrong:
        raise _Unmeasurable(f"{wrong} of {HOP_COUNT_REQUESTS} responses were wrong")
    return (own_hops(subject.app) - before + counter.calls) / HOP_COUNT_REQUESTS


async def _run_requests(subject: _Subject, count: int) -> int:
    """Run ``count`` requests, giving the loop a turn every few; return how many were wrong."""
    app, request, status = subject.app, subject.request, subject.status
    if isinstance(request, PreparedWebSocket):
        return await _run_connections(app, request, subject.echoes, count)
    wrong = 0
    for index in range(1, count + 1):
        response = await drive(app, request)
        if response.status != status or not response.complete:
            wrong += 1
        if index % LOOP_TURN_EVERY == 0:
            await checkpoint()
    await checkpoint()
    return wrong


async def _run_connections(
    app: ASGIApp, session: PreparedWebSocket, echoes: list[str | bytes], count: int
) -> int:
    """Run ``count`` websocket connections; return how many did not echo every message.

    The loop gets a turn after every connection: each is a hundred messages' worth of work.
    """
    wrong = 0
    for _ in range(count):
        captured = await drive_websocket(app, session)
        if not captured.accepted or captured.received != echoes:
            wrong += 1
        await checkpoint()
    return wrong


async def _time_batch(subject: _Subject) -> tuple[float, float]:
    """Time one batch; return wall-clock and CPU microseconds per request.

    CPU time counts every thread of the process, so for a sync view it includes the worker
    thread's work but not the time both threads wait on each other to wake up.
    Raises when a response was incomplete or had another status than expected.
    """
    start, cpu_start = perf_counter(), process_time()
    wrong = await _run_requests(subject, subject.batch_size)
    elapsed, cpu = perf_counter() - start, process_time() - cpu_start
    if wrong:
        raise _Unmeasurable(f"{wrong} of {subject.batch_size} timed responses were wrong")
    return elapsed / subject.batch_size * 1e6, cpu / subject.batch_size * 1e6


def profile(
    factory: AppFactory, scenario: Scenario, requests: int, use_uvloop: bool = True
) -> cProfile.Profile:
    """Run ``requests`` requests of ``scenario`` under cProfile, after a warm-up, and return it."""
    profiler = cProfile.Profile()

    async def main() -> None:
        async with AsyncExitStack() as stack:
            subject = await _prepare(stack, "profiled", {scenario.name: factory}, scenario)
            await _run_requests(subject, min(requests, 2000))
            profiler.enable()
            wrong = await _run_requests(subject, requests)
            profiler.disable()
            if wrong:
                raise RuntimeError(f"{wrong} of {requests} profiled responses were wrong")

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
