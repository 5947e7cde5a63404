"""Memory with many requests parked in an async view behind a sync hook.

asyncflask runs all sync code of a request on one thread leased to it, so a request whose
sync ``before_request`` hook is followed by an ``async def`` view that awaits something slow
keeps its (idle) thread for the whole await. This measures what that costs: the server's
resident memory with 1,000 such requests parked at once.

Each app below is served by uvicorn (uvloop, httptools, one process) on 127.0.0.1 and a free
port. After a warm-up, the idle server's ``VmRSS`` is read from ``/proc/<pid>/status``; then
1,000 connections each send ``GET /park``, which passes the sync hook and waits in the async
view until released. Once the app reports all of them parked (and, for asyncflask, that many
threads leased), ``VmRSS`` and the thread count are read again; ``GET /release`` lets them
all answer, and every answer must be ``200 released``. The server is stopped whatever
happens.

The apps:

- ``asyncflask``: a sync ``before_request`` hook on the blueprint of ``/park`` (each parked
  request holds a leased thread);
- ``asyncflask-async-hook``: the same app with the hook written ``async def`` (no thread at
  all), so the difference between the two is the leased threads alone;
- ``quart``: a sync ``before_request`` hook (Quart runs it on an executor thread and lets
  the thread go before the view);
- ``starlette``: ``run_in_threadpool`` on a sync function at the top of the async endpoint;
- ``fastapi``: a sync dependency of the async endpoint.

``/parked`` and ``/release`` carry no hook: with every lease taken, an endpoint that needed a
thread would wait for one.

Run it with ``python -m benchmarks parked``.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RELEASED = "released"


class _Parking:
    """The requests waiting in ``/park``, and the event that releases them."""

    def __init__(self) -> None:
        self.count = 0
        self._event: asyncio.Event | None = None

    async def park(self) -> str:
        if self._event is None:
            self._event = asyncio.Event()
        event = self._event
        self.count += 1
        try:
            await event.wait()
        finally:
            self.count -= 1
        return RELEASED

    def release(self) -> int:
        """Release every parked request; later ones wait for the next release."""
        waiting = self.count
        if self._event is not None:
            self._event.set()
            self._event = None
        return waiting


def check_user() -> None:
    """The sync hook, where a CSRF check or a user loader would go."""


async def check_user_async() -> None:
    """The same hook written async."""


def _status(parking: _Parking, leased: int | None) -> str:
    return json.dumps({"parked": parking.count, "leased": leased})


def _asyncflask(sync_hook: bool) -> Any:
    from asyncflask import Blueprint, Flask

    app = Flask(__name__)
    parking = _Parking()
    guarded = Blueprint("guarded", __name__)
    guarded.before_request(check_user if sync_hook else check_user_async)

    @guarded.route("/park")
    async def park() -> str:
        return await parking.park()

    @guarded.route("/ping")
    async def ping() -> str:
        return "pong"

    app.register_blueprint(guarded)

    @app.route("/parked")
    async def parked() -> tuple[str, dict[str, str]]:
        leased = app._sync.budget().leased
        return _status(parking, leased), {"Content-Type": "application/json"}

    @app.route("/release")
    async def release() -> str:
        return str(parking.release())

    return app


def asyncflask_sync_hook() -> Any:
    """asyncflask: a sync ``before_request`` hook in front of the parked async view."""
    return _asyncflask(sync_hook=True)


def asyncflask_async_hook() -> Any:
    """asyncflask: the same hook written ``async def``; no thread is leased."""
    return _asyncflask(sync_hook=False)


def quart_sync_hook() -> Any:
    """Quart: a sync ``before_request`` hook in front of the parked async view."""
    from quart import Blueprint, Quart

    app = Quart(__name__)
    parking = _Parking()
    guarded = Blueprint("guarded", __name__)
    guarded.before_request(check_user)

    @guarded.route("/park")
    async def park() -> str:
        return await parking.park()

    @guarded.route("/ping")
    async def ping() -> str:
        return "pong"

    app.register_blueprint(guarded)

    @app.route("/parked")
    async def parked() -> tuple[str, dict[str, str]]:
        return _status(parking, None), {"Content-Type": "application/json"}

    @app.route("/release")
    async def release() -> str:
        return str(parking.release())

    return app


def starlette_sync_call() -> Any:
    """Starlette: the sync check run with ``run_in_threadpool`` at the top of the endpoint."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import JSONResponse, PlainTextResponse
    from starlette.routing import Route

    parking = _Parking()

    async def park(request: Request) -> PlainTextResponse:
        await run_in_threadpool(check_user)
        return PlainTextResponse(await parking.park())

    async def ping(request: Request) -> PlainTextResponse:
        await run_in_threadpool(check_user)
        return PlainTextResponse("pong")

    async def parked(request: Request) -> JSONResponse:
        return JSONResponse({"parked": parking.count, "leased": None})

    async def release(request: Request) -> PlainTextResponse:
        return PlainTextResponse(str(parking.release()))

    return Starlette(
        routes=[
            Route("/park", park),
            Route("/ping", ping),
            Route("/parked", parked),
            Route("/release", release),
        ]
    )


def fastapi_sync_dependency() -> Any:
    """FastAPI: a sync dependency of the parked async endpoint."""
    from fastapi import Depends, FastAPI
    from fastapi.responses import PlainTextResponse

    app = FastAPI()
    parking = _Parking()

    @app.get("/park", response_class=PlainTextResponse, dependencies=[Depends(check_user)])
    async def park() -> str:
        return await parking.park()

    @app.get("/ping", response_class=PlainTextResponse, dependencies=[Depends(check_user)])
    async def ping() -> str:
        return "pong"

    @app.get("/parked")
    async def parked() -> dict[str, int | None]:
        return {"parked": parking.count, "leased": None}

    @app.get("/release", response_class=PlainTextResponse)
    async def release() -> str:
        return str(parking.release())

    return app


#: Each app's name, its factory's name in this module, and the package it needs.
APPS: dict[str, tuple[str, str]] = {
    "asyncflask": ("asyncflask_sync_hook", "asyncflask"),
    "asyncflask-async-hook": ("asyncflask_async_hook", "asyncflask"),
    "quart": ("quart_sync_hook", "quart"),
    "starlette": ("starlette_sync_call", "starlette"),
    "fastapi": ("fastapi_sync_dependency", "fastapi"),
}


@dataclass
class Memory:
    """What one app's server held: idle after the warm-up, and with the requests parked."""

    app: str
    requests: int
    idle_kib: int = 0
    idle_threads: int = 0
    parked_kib: int = 0
    parked_threads: int = 0
    leased: int | None = None
    released_kib: int = 0
    seconds_to_park: float = 0.0
    error: str | None = None

    @property
    def per_request_kib(self) -> float:
        """What each parked request added to the resident memory."""
        return (self.parked_kib - self.idle_kib) / self.requests

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {**self.__dict__, "per_request_kib": self.per_request_kib}


@dataclass
class ParkedSettings:
    """How many requests to park, and how long anything may take."""

    requests: int = 1000
    #: Sequential requests to ``/ping`` (the hook and an async view that does not wait) first.
    warmup_requests: int = 200
    #: Seconds to let the server settle before each reading of its memory.
    settle_seconds: float = 1.0
    timeout: float = 120.0
    apps: Sequence[str] = field(default_factory=lambda: list(APPS))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def proc_status(pid: int) -> dict[str, str]:
    """The fields of ``/proc/<pid>/status``."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value.strip()
    return fields


def rss_kib(pid: int) -> tuple[int, int]:
    """The resident memory (KiB) and the thread count of process ``pid``."""
    status = proc_status(pid)
    return int(status["VmRSS"].split()[0]), int(status["Threads"])


async def _request(port: int, path: str, timeout: float) -> tuple[int, bytes]:
    """``GET path`` on a connection of its own; the status and body."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
        )
        raw = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split()
    if len(status_line) < 2 or not status_line[1].isdigit():
        raise RuntimeError(f"GET {path}: not an HTTP response: {raw[:100]!r}")
    if b"transfer-encoding: chunked" in head.lower():
        body = _unchunk(body)
    return int(status_line[1]), body


def _unchunk(data: bytes) -> bytes:
    out = bytearray()
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2 :]
    return bytes(out)


async def _status_of(port: int) -> dict[str, Any]:
    status, body = await _request(port, "/parked", 10)
    if status != 200:
        raise RuntimeError(f"GET /parked answered {status}: {body[:100]!r}")
    answer: dict[str, Any] = json.loads(body)
    return answer


async def _measure(memory: Memory, pid: int, port: int, settings: ParkedSettings) -> None:
    for _ in range(settings.warmup_requests):
        status, body = await _request(port, "/ping", 10)
        if (status, body) != (200, b"pong"):
            raise RuntimeError(f"GET /ping answered {status} {body[:100]!r}")
    await asyncio.sleep(settings.settle_seconds)
    memory.idle_kib, memory.idle_threads = rss_kib(pid)

    started = time.monotonic()
    parked = [
        asyncio.create_task(_request(port, "/park", settings.timeout))
        for _ in range(settings.requests)
    ]
    try:
        deadline = started + settings.timeout
        while True:
            state = await _status_of(port)
            if state["parked"] >= settings.requests:
                break
            done = [task for task in parked if task.done()]
            if done:
                status, body = done[0].result()
                raise RuntimeError(f"a parked request answered early: {status} {body[:100]!r}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {state['parked']} of {settings.requests} parked")
            await asyncio.sleep(0.2)
        memory.seconds_to_park = time.monotonic() - started
        await asyncio.sleep(settings.settle_seconds)
        memory.parked_kib, memory.parked_threads = rss_kib(pid)
        memory.leased = (await _status_of(port))["leased"]

        status, body = await _request(port, "/release", 10)
        if status != 200:
            raise RuntimeError(f"GET /release answered {status}: {body[:100]!r}")
        answers = await asyncio.wait_for(asyncio.gather(*parked), settings.timeout)
    finally:
        for task in parked:
            task.cancel()
        await asyncio.gather(*parked, return_exceptions=True)
    wrong = [answer for answer in answers if answer != (200, RELEASED.encode())]
    if wrong:
        raise RuntimeError(f"{len(wrong)} of {len(answers)} parked requests answered {wrong[0]}")
    await asyncio.sleep(settings.settle_seconds / 2)
    memory.released_kib, _ = rss_kib(pid)


def _serve(name: str, port: int) -> subprocess.Popen[bytes]:
    factory, _ = APPS[name]
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        f"benchmarks.parked:{factory}",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--log-level",
        "warning",
        "--no-access-log",
        "--backlog",
        "4096",
    ]
    return subprocess.Popen(command, cwd=ROOT, stdin=subprocess.DEVNULL)


def _wait_until_serving(server: subprocess.Popen[bytes], port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with status {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the server did not listen within {timeout:.0f} s")


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def measure_app(name: str, settings: ParkedSettings) -> Memory:
    """Serve app ``name``, park ``settings.requests`` requests in it, and read its memory."""
    memory = Memory(name, settings.requests)
    port = _free_port()
    server = _serve(name, port)
    try:
        _wait_until_serving(server, port, 20)
        asyncio.run(_measure(memory, server.pid, port, settings))
    except Exception as exc:
        memory.error = f"{type(exc).__name__}: {exc}"
    finally:
        _stop(server)
    return memory


def measure(settings: ParkedSettings, say: Callable[[str], None] = print) -> list[Memory]:
    """Measure every app in ``settings.apps``, one server at a time."""
    _raise_fd_limit(settings.requests * 2 + 100)
    results = []
    for name in settings.apps:
        say(f"  {name}: parking {settings.requests} requests ...")
        results.append(measure_app(name, settings))
    return results


def _raise_fd_limit(wanted: int) -> None:
    """Allow this process (and the servers it starts) ``wanted`` open files, if permitted."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        limit = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))


def installed(name: str) -> bool:
    """Whether app ``name``'s framework can be imported."""
    import importlib.util

    return importlib.util.find_spec(APPS[name][1]) is not None


def to_markdown(
    results: Sequence[Memory], settings: ParkedSettings, environment: dict[str, Any]
) -> str:
    """A table of the measurements, and each leased thread's share when both asyncflask apps ran."""
    env = environment
    lines = [
        "# asyncflask benchmarks: parked requests",
        "",
        f"{env['date']}, commit {env['commit']}, {env['python']}, {env['cpu']} "
        f"({env['cores']} cores).",
        "",
        f"Resident memory of one uvicorn process, idle after {settings.warmup_requests} "
        f"requests and with {settings.requests:,} requests parked in an async view behind a "
        "sync hook.",
        "",
        "| App | idle RSS (MiB) | parked RSS (MiB) | threads idle / parked | leased | "
        "KiB per parked request |",
        "| --- | --: | --: | --: | --: | --: |",
    ]
    for memory in results:
        if memory.error is not None:
            lines.append(f"| {memory.app} | FAILED: {memory.error} | | | | |")
            continue
        leased = "n/a" if memory.leased is None else f"{memory.leased:,}"
        lines.append(
            f"| {memory.app} | {memory.idle_kib / 1024:,.1f} | {memory.parked_kib / 1024:,.1f} | "
            f"{memory.idle_threads:,} / {memory.parked_threads:,} | {leased} | "
            f"{memory.per_request_kib:,.1f} |"
        )
    by_name = {memory.app: memory for memory in results if memory.error is None}
    sync, no_thread = by_name.get("asyncflask"), by_name.get("asyncflask-async-hook")
    if sync is not None and no_thread is not None and sync.leased:
        per_thread = (sync.parked_kib - no_thread.parked_kib) / sync.leased
        lines += [
            "",
            f"Each idle leased thread: {per_thread:,.1f} KiB of resident memory "
            f"({sync.parked_kib - no_thread.parked_kib:,} KiB for {sync.leased:,}), the "
            "difference between the sync and the async hook with every request parked.",
        ]
    return "\n".join(lines) + "\n"


def results_json(
    results: Sequence[Memory], settings: ParkedSettings, environment: dict[str, Any]
) -> str:
    """The measurements, and where they were taken, as JSON."""
    document = {
        "mode": "parked",
        "environment": environment,
        "settings": {**asdict(settings), "apps": list(settings.apps)},
        "results": [memory.to_json() for memory in results],
    }
    return json.dumps(document, indent=2) + "\n"
