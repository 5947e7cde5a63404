"""Network mode: each app behind uvicorn, loaded by wrk; requests per second and p99 latency.

Each server (uvloop + httptools, one process) is pinned to one core and wrk to another, so the
two do not compete. Each app is checked with one real request before wrk runs, and every
server is stopped at the end of the run, whatever happens.

A scenario with a priming request gets it sent once per server; the cookies the answer sets go
into that server's wrk script. A websocket scenario is loaded by ``benchmarks.wsload`` instead
of wrk (pinned the same way): its "requests" are echoed messages, its p99 one echo's round trip.
"""

from __future__ import annotations

import http.client
import importlib.util
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.client import HTTPMessage
from pathlib import Path
from typing import Any

from benchmarks.driver import HTTPRequest
from benchmarks.results import Result, Run
from benchmarks.scenarios import Scenario, primed_request

ROOT = Path(__file__).resolve().parent.parent
RESULT_MARKER = "WRK_RESULT "


class NetworkSetupError(RuntimeError):
    """A tool the network mode needs is missing."""


class ServerError(RuntimeError):
    """The app's server did not start or did not answer."""


@dataclass(frozen=True)
class NetworkSettings:
    """How hard and how long wrk drives each server."""

    rounds: int = 5
    duration: int = 2
    warmup: int = 1
    connections: int = 64
    startup_timeout: float = 20.0


@dataclass(frozen=True)
class Cores:
    """The cores the server and wrk are pinned to (None: not pinned)."""

    server: int | None
    client: int | None


@dataclass
class _Server:
    framework: str
    scenario: str
    #: The load tool's command line for a load of that many seconds.
    load_command: Callable[[int], list[str]]
    rps: list[float] = field(default_factory=list)
    p99_ms: list[float] = field(default_factory=list)
    error: str | None = None


def check_tools() -> Cores:
    """Fail with a fix when wrk or uvicorn's fast loop and parser are missing; pick the cores."""
    if shutil.which("wrk") is None:
        raise NetworkSetupError("wrk is not installed: run `apt-get install -y wrk`")
    for module in ("uvicorn", "uvloop", "httptools"):
        if importlib.util.find_spec(module) is None:
            raise NetworkSetupError(
                f"{module} is not installed: run `pip install 'uvicorn[standard]'`"
            )
    cores = sorted(os.sched_getaffinity(0))
    if shutil.which("taskset") is None or len(cores) < 2:
        print("  warning: not pinning server and wrk to separate cores", file=sys.stderr)
        return Cores(None, None)
    return Cores(cores[0], cores[1])


def measure(
    run: Run,
    scenarios: Sequence[Scenario],
    frameworks: Sequence[str],
    settings: NetworkSettings,
    cores: Cores,
    progress: bool = True,
) -> None:
    """Serve and load every scenario in every framework and add the results to ``run``.

    Every server is started, checked and warmed up first (idle servers cost nothing); then
    each round loads them one after another in a rotated order, so that a slow spell of the
    machine is shared by every framework and scenario. The result is the median of the rounds.
    """
    with tempfile.TemporaryDirectory(prefix="asyncflask-bench-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        servers: list[_Server] = []
        _say(progress, "  starting, checking and warming up every server ...")
        for scenario in scenarios:
            for framework in frameworks:
                try:
                    server = _start(stack, framework, scenario, settings, cores, workdir)
                except (ServerError, OSError, subprocess.SubprocessError) as exc:
                    run.add(Result.failed(framework, scenario.name, str(exc)))
                else:
                    servers.append(server)

        for round_index in range(settings.rounds):
            _say(progress, f"  round {round_index + 1} of {settings.rounds} ...")
            shift = round_index * len(servers) // settings.rounds
            for server in servers[shift:] + servers[:shift]:
                if server.error is None:
                    _load(server, settings, cores)

    for server in servers:
        if server.error is not None:
            run.add(Result.failed(server.framework, server.scenario, server.error))
        else:
            run.add(
                Result.from_samples(
                    server.framework,
                    server.scenario,
                    server.rps,
                    p99_ms=statistics.median(server.p99_ms),
                )
            )


def _say(progress: bool, message: str) -> None:
    if progress:
        print(message, flush=True)


def _start(
    stack: ExitStack,
    framework: str,
    scenario: Scenario,
    settings: NetworkSettings,
    cores: Cores,
    workdir: Path,
) -> _Server:
    """Start the app's server for the rest of the run, check its answer once and warm it up."""
    name = f"{scenario.name}-{framework}"
    log_path = workdir / f"{name}.log"
    port = stack.enter_context(_serve(framework, scenario.name, cores.server, settings, log_path))
    load_command: Callable[[int], list[str]]
    if scenario.is_websocket:
        load_command = partial(_wsload_command, port, scenario.name, settings.connections)
        _check_websocket(port, scenario.name, cores.client)
    else:
        request = _primed(port, scenario)
        status, body, headers = _fetch(port, request)
        problem = scenario.expect.problem(status, body, {key.lower() for key in headers})
        if problem is not None:
            raise ServerError(f"wrong answer: {problem}")
        script = _write_wrk_script(workdir, name, request)
        url = f"http://127.0.0.1:{port}{request.target}"
        load_command = partial(_wrk_command, url, script, settings.connections)
    _run_load(load_command(settings.warmup), settings.warmup, cores.client)
    return _Server(framework, scenario.name, load_command)


def _primed(port: int, scenario: Scenario) -> HTTPRequest:
    """The scenario's request, with the cookies the server set in answer to its priming one."""
    if scenario.prime is None:
        return scenario.request
    status, _, headers = _fetch(port, scenario.prime)
    try:
        return primed_request(scenario, status, headers.get_all("set-cookie") or [])
    except ValueError as exc:
        raise ServerError(str(exc)) from exc


def _check_websocket(port: int, scenario: str, core: int | None) -> None:
    """One websocket connection, every echo compared; raise when anything was wrong."""
    stats = _run_load(_wsload_command(port, scenario, 1, 10, sessions=1), 10, core)
    if stats.get("first_error") or stats["connections"] != 1:
        raise ServerError(f"wrong answer: {stats.get('first_error', 'no connection completed')}")


def _load(server: _Server, settings: NetworkSettings, cores: Cores) -> None:
    """Load ``server`` once and record its throughput and p99, or its failure."""
    try:
        stats = _run_load(server.load_command(settings.duration), settings.duration, cores.client)
    except (ServerError, OSError, subprocess.SubprocessError) as exc:
        server.error = str(exc)
        return
    bad = stats["errors_status"] + stats["errors_connect"] + stats["errors_timeout"]
    if bad:
        first = f"; the first: {stats['first_error']}" if "first_error" in stats else ""
        server.error = (
            f"{int(bad)} failed requests under load (wrong answers, connect errors or "
            f"timeouts){first}"
        )
        return
    server.rps.append(stats["requests"] / (stats["duration_us"] / 1e6))
    server.p99_ms.append(stats["p99_us"] / 1000)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _child_env() -> dict[str, str]:
    """This environment, with the repository importable (for ``python -m benchmarks.…``)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _pinned(command: list[str], core: int | None) -> list[str]:
    return command if core is None else ["taskset", "-c", str(core), *command]


@contextmanager
def _serve(
    framework: str, scenario: str, core: int | None, settings: NetworkSettings, log_path: Path
) -> Iterator[int]:
    """Start ``benchmarks.serve`` on a free port, yield the port, and always stop it."""
    port = _free_port()
    command = [sys.executable, "-m", "benchmarks.serve", framework, scenario, "--port", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            _pinned(command, core), cwd=ROOT, env=_child_env(), stdout=log, stderr=subprocess.STDOUT
        )
    try:
        _wait_until_listening(process, port, settings.startup_timeout, log_path)
        yield port
    finally:
        _stop(process)


def _wait_until_listening(
    process: subprocess.Popen[bytes], port: int, timeout: float, log_path: Path
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = log_path.read_text(errors="replace").strip()
            raise ServerError(f"server exited with {process.returncode}: {log[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise ServerError(f"server did not listen on port {port} within {timeout:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _fetch(port: int, request: HTTPRequest) -> tuple[int, bytes, HTTPMessage]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(
            request.method, request.target, body=request.body or None, headers=dict(request.headers)
        )
        response = connection.getresponse()
        return response.status, response.read(), response.headers
    finally:
        connection.close()


_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "%s{\\"requests\\": %d, \\"duration_us\\": %d, \\"p50_us\\": %.1f, \\"p99_us\\": %.1f, "
    .. "\\"errors_connect\\": %d, \\"errors_read\\": %d, \\"errors_write\\": %d, "
    .. "\\"errors_status\\": %d, \\"errors_timeout\\": %d}\\n",
    "MARKER", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def _write_wrk_script(workdir: Path, name: str, request: HTTPRequest) -> Path:
    """A wrk Lua script that sends ``request`` and prints wrk's summary as JSON."""
    lines = [f"wrk.method = {json.dumps(request.method)}"]
    for header, value in request.headers:
        lines.append(f"wrk.headers[{json.dumps(header)}] = {json.dumps(value)}")
    if request.body:
        body_path = workdir / f"{name}.body"
        body_path.write_bytes(request.body)
        lines += [
            f"local body_file = assert(io.open({json.dumps(str(body_path))}, 'rb'))",
            "wrk.body = body_file:read('*a')",
            "body_file:close()",
        ]
    script = workdir / f"{name}.lua"
    script.write_text("\n".join(lines) + _DONE.replace("MARKER", RESULT_MARKER))
    return script


def _wrk_command(url: str, script: Path, connections: int, seconds: int) -> list[str]:
    return [
        "wrk",
        "--threads=1",
        f"--connections={connections}",
        f"--duration={seconds}s",
        "--timeout=10s",
        f"--script={script}",
        url,
    ]


def _wsload_command(
    port: int, scenario: str, connections: int, seconds: int, sessions: int = 0
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "benchmarks.wsload",
        scenario,
        f"--port={port}",
        f"--connections={connections}",
        f"--duration={seconds}",
        f"--sessions={sessions}",
        "--timeout=10",
    ]


def _run_load(command: list[str], seconds: int, core: int | None) -> dict[str, Any]:
    """Run a load tool (wrk or wsload) pinned to ``core`` and return its JSON summary."""
    completed = subprocess.run(
        _pinned(command, core),
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=False,
        cwd=ROOT,
        env=_child_env(),
    )
    for line in completed.stdout.splitlines():
        if line.startswith(RESULT_MARKER):
            stats: dict[str, Any] = json.loads(line[len(RESULT_MARKER) :])
            return stats
    raise ServerError(
        f"`{' '.join(command)}` exited with {completed.returncode} and no summary: "
        f"{(completed.stdout + completed.stderr).strip()[-2000:]}"
    )
