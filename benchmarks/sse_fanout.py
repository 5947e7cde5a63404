"""SSE fan-out: many concurrent event streams held by one uvicorn worker.

    python -m benchmarks.sse_fanout --connections 1000 --frameworks asyncflask,starlette,quart

For each framework a uvicorn worker (uvloop + httptools) is started in a
subprocess. The clients (plain asyncio sockets, in this process) open every
connection to ``/events?start=T``; each stream answers with a ``hello`` event at
once, then sends ``--events`` events at ``T``, ``T + interval``, ... stamped with
the server's clock. Reported: connections held, events delivered, delivery
delay (receipt minus stamp, same machine) p50/p99, and the worker's resident
memory per held connection (RSS with every connection open minus RSS before
the first).

Starlette has no SSE helper: it serves a ``text/event-stream``
``StreamingResponse``; Quart returns an async generator with that mimetype.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

INTERVAL = 0.5


def _events_until(start: float, count: int) -> AsyncIterator[tuple[int, float]]:
    async def ticks() -> AsyncIterator[tuple[int, float]]:
        for n in range(count):
            delay = start + n * INTERVAL - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            yield n, time.time()

    return ticks()


def asyncflask_app(count: int) -> Any:
    from asyncflask import Flask, ServerSentEvent, request, sse

    app = Flask("fanout")

    @app.get("/events")
    async def events() -> Any:
        start = float(request.args["start"])

        async def source() -> AsyncIterator[Any]:
            yield ServerSentEvent("hello", event="hello")
            async for n, stamp in _events_until(start, count):
                yield ServerSentEvent(str(stamp), id=n)

        return sse(source())

    return app


def _encoded(start: float, count: int) -> AsyncIterator[str]:
    async def source() -> AsyncIterator[str]:
        yield "event: hello\ndata: hello\n\n"
        async for n, stamp in _events_until(start, count):
            yield f"id: {n}\ndata: {stamp}\n\n"

    return source()


def starlette_app(count: int) -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import StreamingResponse
    from starlette.routing import Route

    async def events(request: Request) -> StreamingResponse:
        start = float(request.query_params["start"])
        return StreamingResponse(_encoded(start, count), media_type="text/event-stream")

    return Starlette(routes=[Route("/events", events)])


def quart_app(count: int) -> Any:
    from quart import Quart, request

    app = Quart("fanout")

    @app.get("/events")
    async def events() -> Any:
        start = float(request.args["start"])

        async def source() -> AsyncIterator[bytes]:
            async for text in _encoded(start, count):
                yield text.encode()

        return source(), 200, {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}

    app.config["RESPONSE_TIMEOUT"] = None
    return app


APPS = {"asyncflask": asyncflask_app, "starlette": starlette_app, "quart": quart_app}


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def one_client(
    port: int, start: float, count: int, connected: asyncio.Event, ready: list[int]
) -> list[float]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**16)
    writer.write(
        f"GET /events?start={start} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream"
        "\r\n\r\n".encode()
    )
    delays: list[float] = []
    try:
        while len(delays) < count:
            line = await reader.readline()
            if not line:
                break
            if line.startswith(b"data: hello"):
                ready.append(1)
                connected.set()
            elif line.startswith(b"data: "):
                # A chunked-encoding size line that happens to start oddly is skipped.
                with contextlib.suppress(ValueError):
                    delays.append(time.time() - float(line[6:]))
    finally:
        writer.close()
    return delays


async def measure(framework: str, connections: int, count: int) -> dict[str, Any]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.sse_fanout", "serve", framework, str(port), str(count)],
        stdout=subprocess.DEVNULL,
    )
    try:
        await _wait_for_port(port)
        await asyncio.sleep(0.5)
        rss_before = rss_kib(server.pid)
        start = time.time() + 5 + connections / 500  # time to open every connection
        ready: list[int] = []
        connected = asyncio.Event()
        tasks = []
        for _ in range(connections):
            tasks.append(asyncio.create_task(one_client(port, start, count, connected, ready)))
            if len(tasks) % 100 == 0:
                await asyncio.sleep(0.01)
        while len(ready) < connections and time.time() < start - 0.2:
            await asyncio.sleep(0.05)
        held = len(ready)
        rss_held = rss_kib(server.pid)
        results = await asyncio.gather(*tasks, return_exceptions=True)
        delays = sorted(d for r in results if isinstance(r, list) for d in r)
        errors = [r for r in results if isinstance(r, BaseException)]
        quantiles = statistics.quantiles(delays, n=100) if len(delays) > 1 else [0.0] * 99
        return {
            "framework": framework,
            "connections": connections,
            "held": held,
            "events_expected": connections * count,
            "events_delivered": len(delays),
            "errors": len(errors),
            "delay_p50_ms": round(quantiles[49] * 1000, 1),
            "delay_p99_ms": round(quantiles[98] * 1000, 1),
            "rss_before_kib": rss_before,
            "rss_held_kib": rss_held,
            "kib_per_connection": round((rss_held - rss_before) / max(held, 1), 1),
        }
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)
        else:
            writer.close()
            return


def serve(framework: str, port: int, count: int) -> None:
    import uvicorn

    raise_fd_limit()
    uvicorn.run(
        APPS[framework](count),
        host="127.0.0.1",
        port=port,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        backlog=8192,
        timeout_graceful_shutdown=1,
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:
        serve(argv[1], int(argv[2]), int(argv[3]))
        return 0
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sse_fanout", description=__doc__)
    parser.add_argument("--connections", default="1000", help="comma-separated counts")
    parser.add_argument("--events", type=int, default=10)
    parser.add_argument("--frameworks", default="asyncflask,starlette,quart")
    parser.add_argument("--output", type=Path, default=None, help="write the results as JSON")
    args = parser.parse_args(argv)
    limit = raise_fd_limit()
    rows = []
    for connections in (int(c) for c in args.connections.split(",")):
        if connections + 100 > limit:
            parser.error(f"{connections} connections need a file descriptor limit above {limit}")
        for framework in args.frameworks.split(","):
            row = asyncio.run(measure(framework, connections, args.events))
            rows.append(row)
            print(json.dumps(row), flush=True)
    if args.output is not None:
        args.output.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
