"""Helpers for the realtime tests: a uvicorn server in a thread and a headless Chromium.

The browser is driven over the Chrome DevTools Protocol with the ``websockets``
package the tests already use, so no WebDriver or extra dependency is needed.
Tests that need Chromium skip, saying why, when it is not installed.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from websockets.asyncio.client import ClientConnection, connect

from asyncflask import Flask
from asyncflask.serving import Server
from tests.test_server import free_port as free_port
from tests.test_server import serve as serve_with

TIMEOUT = 10
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
    "--disable-dev-shm-usage",
    "--remote-debugging-port=0",
]


@contextmanager
def serve(app: Flask, **options: Any) -> Iterator[str]:
    """Run ``app`` under uvicorn (asyncflask's server) in a thread; yield its base URL."""
    with serve_with(app, server_class=Server, **options) as base_url:
        yield base_url


def chromium_path() -> str:
    """The Chromium executable, or skip the test with the reason."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("Chromium is not installed (Debian: apt-get install -y chromium); browser test")
    raise AssertionError("unreachable")


class Page:
    """One browser tab, attached over the DevTools protocol."""

    def __init__(self, browser: Browser, session_id: str) -> None:
        self.browser = browser
        self.session_id = session_id

    async def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript in the page and return its (JSON) value."""
        result = await self.browser.command(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session_id=self.session_id,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"JavaScript error: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = TIMEOUT) -> Any:
        """Poll ``expression`` until it is truthy; return its value."""
        with anyio.fail_after(timeout):
            while True:
                value = await self.evaluate(expression)
                if value:
                    return value
                await anyio.sleep(0.05)


class Browser:
    """A headless Chromium process and its DevTools connection."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self._ids = itertools.count(1)

    async def command(
        self, method: str, params: dict[str, Any] | None = None, *, session_id: str | None = None
    ) -> dict[str, Any]:
        """Send one DevTools command and wait for its result (events in between are skipped)."""
        command_id = next(self._ids)
        message: dict[str, Any] = {"id": command_id, "method": method, "params": params or {}}
        if session_id is not None:
            message["sessionId"] = session_id
        await self.connection.send(json.dumps(message))
        with anyio.fail_after(TIMEOUT):
            while True:
                reply = json.loads(await self.connection.recv())
                if reply.get("id") == command_id:
                    if "error" in reply:
                        raise RuntimeError(f"{method} failed: {reply['error']}")
                    return dict(reply.get("result", {}))

    async def open(self, url: str) -> Page:
        """Open ``url`` in a new tab."""
        target = await self.command("Target.createTarget", {"url": url})
        attached = await self.command(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}
        )
        page = Page(self, attached["sessionId"])
        # The tab starts on about:blank; wait for the page itself to have loaded.
        await page.wait_for("location.href !== 'about:blank' && document.readyState === 'complete'")
        return page


@asynccontextmanager
async def launch_browser(profile_dir: Path) -> AsyncIterator[Browser]:
    """Start headless Chromium with a fresh profile; stop it when the block ends."""
    executable = chromium_path()
    profile_dir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "HOME": str(profile_dir)},
    )
    try:
        port_file = profile_dir / "DevToolsActivePort"
        with anyio.fail_after(30):
            while not port_file.exists() or len(port_file.read_text().splitlines()) < 2:
                if process.poll() is not None:
                    pytest.skip(f"Chromium could not start here (exit code {process.returncode})")
                await anyio.sleep(0.05)
        port, path = port_file.read_text().splitlines()[:2]
        async with connect(f"ws://127.0.0.1:{port}{path}", max_size=None) as connection:
            yield Browser(connection)
    finally:
        process.terminate()
        try:
            process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
