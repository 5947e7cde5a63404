"""Two measurements of the web layer that requests/s do not show.

``memory``: serve a large static file (100 MiB by default) with uvicorn to 20 concurrent
clients and sample the server's resident memory while they download it. A server that
streams from disk stays flat; one that reads whole files grows by the file size per client.

``stall``: in-process, an async view renders a large template while a ticker measures the
event loop's longest stall and a concurrent ``GET /`` is timed. ``render_template`` renders
on the loop; ``await render_template_async`` renders in a worker thread.

    python -m benchmarks.weblayer memory [--size-mib 100] [--clients 20]
    python -m benchmarks.weblayer stall [--rows 20000]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anyio

from benchmarks.payloads import static_content

FILE_NAME = "large.bin"


# -- memory while serving a large file ----------------------------------------------------------


def _static_app(framework: str, folder: str) -> Any:
    if framework == "asyncflask":
        from asyncflask import Flask

        return Flask(__name__, static_folder=folder, static_url_path="/static")
    if framework == "starlette":
        from starlette.applications import Starlette
        from starlette.routing import Mount
        from starlette.staticfiles import StaticFiles

        return Starlette(routes=[Mount("/static", StaticFiles(directory=folder))])
    if framework == "quart":
        from quart import Quart

        return Quart(__name__, static_folder=folder, static_url_path="/static")
    raise SystemExit(f"unknown framework {framework!r}")


def _serve(framework: str, port: int, folder: str) -> None:
    import uvicorn

    uvicorn.run(
        _static_app(framework, folder),
        host="127.0.0.1",
        port=port,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _wait_until_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the server exited before it listened")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the server did not start listening within 20 s")


async def _download(url: str, clients: int, size: int) -> float:
    import httpx

    async def one(client: httpx.AsyncClient) -> None:
        received = 0
        async with client.stream("GET", url) as response:
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            async for chunk in response.aiter_raw():
                received += len(chunk)
        if received != size:
            raise SystemExit(f"received {received} bytes of {size}")

    start = time.perf_counter()
    async with httpx.AsyncClient(timeout=120) as client, anyio.create_task_group() as tg:
        for _ in range(clients):
            tg.start_soon(one, client)
    return time.perf_counter() - start


def measure_memory(framework: str, size_mib: int, clients: int) -> dict[str, float]:
    """Serve a ``size_mib`` file to ``clients`` at once; the server's RSS before and during."""
    folder = Path(tempfile.gettempdir()) / "asyncflask-benchmark-large"
    folder.mkdir(exist_ok=True)
    path = folder / FILE_NAME
    size = size_mib * 1024 * 1024
    if not path.exists() or path.stat().st_size != size:
        block = static_content(1024 * 1024)
        with open(path, "wb") as file:
            for _ in range(size_mib):
                file.write(block)
    port = _free_port()
    command = [sys.executable, "-m", "benchmarks.weblayer", "_serve", framework, str(port)]
    process = subprocess.Popen([*command, str(folder)])
    try:
        _wait_until_listening(port, process)
        baseline = _rss_kib(process.pid)
        samples: list[int] = []
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                samples.append(_rss_kib(process.pid))
                time.sleep(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        url = f"http://127.0.0.1:{port}/static/{FILE_NAME}"
        seconds = anyio.run(_download, url, clients, size)
        done.set()
        sampler.join()
    finally:
        process.terminate()
        process.wait(10)
    return {
        "baseline_mib": baseline / 1024,
        "peak_mib": max(samples) / 1024,
        "median_mib": statistics.median(samples) / 1024,
        "seconds": seconds,
        "mib_per_second": size_mib * clients / seconds,
    }


# -- the event loop while a large template renders -------------------------------------------


async def _stall_run(rows: int, offload: bool) -> dict[str, float]:
    from asyncflask import Flask, render_template_string, render_template_string_async

    source = (
        "<table>{% for row in rows %}<tr><td>{{ row }}</td><td>{{ row * 2 }}</td>"
        "<td>{{ 'x & y' }}</td></tr>{% endfor %}</table>"
    )
    app = Flask(__name__)

    @app.route("/")
    async def index() -> str:
        return "ok"

    @app.route("/big")
    async def big() -> str:
        if offload:
            return await render_template_string_async(source, rows=range(rows))
        return render_template_string(source, rows=range(rows))

    client = app.test_client()
    await client.get("/big")  # compile the template outside the measurement
    stalls: list[float] = []
    latencies: list[float] = []
    finished = anyio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not finished.is_set():
            await anyio.sleep(0.001)
            now = time.perf_counter()
            stalls.append(now - last - 0.001)
            last = now

    async def pings() -> None:
        while not finished.is_set():
            start = time.perf_counter()
            await client.get("/")
            latencies.append(time.perf_counter() - start)
            await anyio.sleep(0.005)

    async with anyio.create_task_group() as tg:
        tg.start_soon(ticker)
        tg.start_soon(pings)
        start = time.perf_counter()
        for _ in range(5):
            await client.get("/big")
        render_seconds = (time.perf_counter() - start) / 5
        finished.set()
    return {
        "render_ms": render_seconds * 1000,
        "max_stall_ms": max(stalls) * 1000,
        "max_get_ms": max(latencies) * 1000 if latencies else float("nan"),
        "median_get_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
    }


def measure_stall(rows: int) -> dict[str, dict[str, float]]:
    """The loop's longest stall and ``GET /``'s latency, rendering on and off the loop."""
    return {
        "render_template (on the loop)": anyio.run(_stall_run, rows, False),
        "await render_template_async": anyio.run(_stall_run, rows, True),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run one measurement."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.weblayer", description=__doc__)
    sub = parser.add_subparsers(dest="mode", required=True)
    memory = sub.add_parser("memory", help="server RSS while serving a large static file")
    memory.add_argument("--size-mib", type=int, default=100)
    memory.add_argument("--clients", type=int, default=20)
    memory.add_argument("--frameworks", default="asyncflask,starlette")
    stall = sub.add_parser("stall", help="event loop stall while a large template renders")
    stall.add_argument("--rows", type=int, default=20_000)
    serve = sub.add_parser("_serve")
    serve.add_argument("framework")
    serve.add_argument("port", type=int)
    serve.add_argument("folder")
    args = parser.parse_args(argv)

    if args.mode == "_serve":
        _serve(args.framework, args.port, args.folder)
        return 0
    if args.mode == "memory":
        print(f"{args.size_mib} MiB file, {args.clients} concurrent clients, uvicorn")
        print("| framework | RSS idle (MiB) | RSS peak (MiB) | RSS median (MiB) | MiB/s |")
        print("| --- | --: | --: | --: | --: |")
        for framework in args.frameworks.split(","):
            r = measure_memory(framework, args.size_mib, args.clients)
            print(
                f"| {framework} | {r['baseline_mib']:.1f} | {r['peak_mib']:.1f} |"
                f" {r['median_mib']:.1f} | {r['mib_per_second']:.0f} |"
            )
        return 0
    print(f"{args.rows}-row template, 5 renders; GET / every 5 ms alongside")
    print("| rendering | render (ms) | longest stall (ms) | GET / max (ms) | GET / median (ms) |")
    print("| --- | --: | --: | --: | --: |")
    for name, r in measure_stall(args.rows).items():
        print(
            f"| {name} | {r['render_ms']:.1f} | {r['max_stall_ms']:.1f} |"
            f" {r['max_get_ms']:.1f} | {r['median_get_ms']:.2f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
