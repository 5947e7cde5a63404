"""A clock that ticks over Server-Sent Events: open http://127.0.0.1:8000/.

Run it with ``uvicorn examples.sse_clock:app``. ``/events`` sends one tick a
second, each with an ``id``. Streams end now and then (as proxies cut long
ones); the browser's ``EventSource`` reconnects by itself and sends the last
id it saw in the ``Last-Event-ID`` header, and the clock resumes with the
next tick, so the page never misses one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timezone

import anyio

from asyncflask import Flask, ServerSentEvent, request, sse

app = Flask(__name__)
app.config["CLOCK_INTERVAL"] = 1.0  # seconds between ticks
app.config["CLOCK_TICKS_PER_STREAM"] = 60  # then the stream ends and the browser resumes it
app.config["CLOCK_RETRY_MS"] = 1000  # how long the browser waits before reconnecting

PAGE = """<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>asyncflask clock</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; }
  #now { font-size: 3rem; font-variant-numeric: tabular-nums; }
</style>
<h1>Server clock</h1>
<p id="now">…</p>
<p>Ticks received: <span id="count">0</span>, connections: <span id="connections">0</span></p>
<ol id="ticks"></ol>
<script>
  const now = document.getElementById("now");
  const count = document.getElementById("count");
  const connections = document.getElementById("connections");
  const ticks = document.getElementById("ticks");
  const events = new EventSource("/events");
  events.onopen = () => { connections.textContent = Number(connections.textContent) + 1; };
  events.addEventListener("tick", (e) => {
    const tick = JSON.parse(e.data);
    now.textContent = tick.time;
    count.textContent = Number(count.textContent) + 1;
    const item = document.createElement("li");
    item.dataset.id = e.lastEventId;
    item.textContent = "#" + e.lastEventId + " " + tick.time;
    ticks.appendChild(item);
    while (ticks.children.length > 20) ticks.removeChild(ticks.firstChild);
  });
</script>
"""


@app.get("/")
def index() -> str:
    return PAGE


def first_tick() -> int:
    """The tick after the one the client saw last (0 for a new client)."""
    last = request.headers.get("Last-Event-ID", "")
    if last.isascii() and last.isdigit() and len(last) < 20:
        return int(last) + 1
    return 0  # no id, or one this clock never sent


@app.get("/events")
async def events() -> object:
    interval = float(app.config["CLOCK_INTERVAL"])
    per_stream = app.config["CLOCK_TICKS_PER_STREAM"]
    retry = int(app.config["CLOCK_RETRY_MS"])
    start = first_tick()

    async def ticks() -> AsyncIterator[ServerSentEvent]:
        tick = start
        while per_stream is None or tick < start + per_stream:
            now = datetime.now(timezone.utc).strftime("%H:%M:%S")
            data = {"tick": tick, "time": now}
            # The first event tells the browser how soon to reconnect once the stream ends.
            yield ServerSentEvent(
                data, event="tick", id=tick, retry=retry if tick == start else None
            )
            tick += 1
            await anyio.sleep(interval)

    return sse(ticks())
