"""``app.run()`` serves the app with uvicorn (in a subprocess, on a free loopback port)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.test_server import free_port

ROOT = Path(__file__).resolve().parent.parent


def test_app_run_serves_on_the_given_port() -> None:
    port = free_port()
    code = (
        "from examples.hello import app; "
        f"app.run(host='127.0.0.1', port={port}, log_level='warning')"
    )
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        assert r.status_code == 200
        assert r.text == "<p>Hello, World!</p>"
    finally:
        process.terminate()
        process.wait(timeout=10)
