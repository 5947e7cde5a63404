"""Serve one benchmark app with uvicorn (uvloop + httptools, one process).

The network mode starts this as a subprocess; it is also handy by hand::

    python -m benchmarks.serve asyncflask plaintext --port 8000
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from collections.abc import Sequence

import uvicorn

from benchmarks.frameworks import FRAMEWORKS_BY_NAME
from benchmarks.scenarios import SCENARIOS_BY_NAME


def _stop_when_orphaned_or_late(server: uvicorn.Server, max_seconds: float) -> None:
    """Stop the server when the process that started it is gone, or after ``max_seconds``.

    A benchmark run that is killed cannot stop its servers; they stop themselves.
    """
    parent = os.getppid()
    deadline = time.monotonic() + max_seconds

    def watch() -> None:
        while not server.should_exit:
            if os.getppid() != parent or time.monotonic() > deadline:
                server.should_exit = True
                return
            time.sleep(1)

    threading.Thread(target=watch, name="serve-watchdog", daemon=True).start()


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.serve", description=__doc__)
    parser.add_argument("framework", choices=list(FRAMEWORKS_BY_NAME))
    parser.add_argument("scenario", choices=list(SCENARIOS_BY_NAME))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=1800.0,
        help="stop by itself after this long (default: %(default)s)",
    )
    args = parser.parse_args(argv)

    factory = FRAMEWORKS_BY_NAME[args.framework].factories().get(args.scenario)
    if factory is None:
        parser.error(f"{args.framework} has no app for scenario {args.scenario!r}")
    config = uvicorn.Config(
        factory(),
        host=args.host,
        port=args.port,
        loop="uvloop",
        http="httptools",
        lifespan="auto",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    _stop_when_orphaned_or_late(server, args.max_seconds)
    server.run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
