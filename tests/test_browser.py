"""The realtime examples in a real browser: headless Chromium on pages served by uvicorn.

Skipped, with the reason, when Chromium is not installed (Debian: ``apt-get
install -y chromium``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from realtime_support import launch_browser, serve

from examples import chat, sse_clock

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_chat_tabs_see_each_other(tmp_path: Path) -> None:
    with serve(chat.app) as base_url:
        async with launch_browser(tmp_path / "profile") as browser:
            ada = await browser.open(f"{base_url}/?name=ada")
            bob = await browser.open(f"{base_url}/?name=bob")
            for page in (ada, bob):
                await page.wait_for("document.getElementById('status').textContent === 'connected'")
            await ada.evaluate(
                "document.getElementById('text').value = 'hello from ada <b>&';"
                "document.getElementById('form').requestSubmit(); true"
            )
            await bob.wait_for(
                "[...document.querySelectorAll('#log li')]"
                ".some(li => li.textContent === 'ada: hello from ada <b>&')"
            )
            await bob.evaluate(
                "document.getElementById('text').value = 'hi ada';"
                "document.getElementById('form').requestSubmit(); true"
            )
            await ada.wait_for(
                "[...document.querySelectorAll('#log li')]"
                ".some(li => li.textContent === 'bob: hi ada')"
            )
            ada_log = await ada.evaluate(
                "[...document.querySelectorAll('#log li')].map(li => li.textContent)"
            )
            # The message was shown as text, not markup.
            assert await bob.evaluate("document.querySelectorAll('#log b').length") == 0
    assert ada_log == ["me: hello from ada <b>&", "bob: hi ada"]


async def test_clock_ticks_and_resumes_after_reconnecting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sse_clock.app.config, "CLOCK_INTERVAL", 0.05)
    monkeypatch.setitem(sse_clock.app.config, "CLOCK_TICKS_PER_STREAM", 3)
    monkeypatch.setitem(sse_clock.app.config, "CLOCK_RETRY_MS", 100)
    with serve(sse_clock.app) as base_url:
        async with launch_browser(tmp_path / "profile") as browser:
            page = await browser.open(f"{base_url}/")
            await page.wait_for("Number(document.getElementById('count').textContent) >= 9")
            ids = json.loads(
                await page.evaluate(
                    "JSON.stringify([...document.querySelectorAll('#ticks li')]"
                    ".map(li => Number(li.dataset.id)))"
                )
            )
            connections = int(
                await page.evaluate("document.getElementById('connections').textContent")
            )
            clock_text = await page.evaluate("document.getElementById('now').textContent")
    # Every stream ended after 3 ticks; the browser came back with Last-Event-ID and the
    # clock went on from the next tick: no tick missed, none repeated.
    assert ids[:9] == list(range(9))
    assert connections >= 3
    assert len(clock_text) == 8 and clock_text.count(":") == 2
