"""examples/chat.py and examples/sse_clock.py: through the test client and over a real uvicorn.

Also: ``app.run()`` stops within seconds of SIGINT or SIGTERM with an event
stream and a websocket open.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from realtime_support import free_port, serve
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from asyncflask.exceptions import WebSocketDisconnect
from examples import chat, sse_clock

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 10


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setitem(sse_clock.app.config, "CLOCK_INTERVAL", 0.01)
    monkeypatch.setitem(sse_clock.app.config, "CLOCK_TICKS_PER_STREAM", 3)
    return sse_clock.app


async def read_ticks(response: Any) -> list[dict[str, Any]]:
    """Parse the events of a finished SSE stream body."""
    events: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    async for line in response.iter_lines():
        if not line:
            if current:
                events.append(current)
            current = {}
            continue
        field, _, value = line.partition(": ")
        current[field] = json.loads(value) if field == "data" else value
    return events


# -- sse_clock through the test client ---------------------------------------------------------


async def test_clock_page_uses_event_source() -> None:
    r = await sse_clock.app.test_client().get("/")
    assert r.status_code == 200
    assert r.mimetype == "text/html"
    assert 'new EventSource("/events")' in r.text


async def test_clock_ticks_with_ids_then_ends(clock: Any) -> None:
    with anyio.fail_after(TIMEOUT):
        async with clock.test_client().stream("GET", "/events") as r:
            assert r.headers["Content-Type"] == "text/event-stream; charset=utf-8"
            events = await read_ticks(r)
    assert [e["id"] for e in events] == ["0", "1", "2"]
    assert [e["event"] for e in events] == ["tick"] * 3
    assert [e["data"]["tick"] for e in events] == [0, 1, 2]
    assert events[0]["retry"] == "1000"
    assert "retry" not in events[1]


async def test_clock_resumes_after_last_event_id(clock: Any) -> None:
    with anyio.fail_after(TIMEOUT):
        async with clock.test_client().stream(
            "GET", "/events", headers={"Last-Event-ID": "41"}
        ) as r:
            events = await read_ticks(r)
    assert [e["id"] for e in events] == ["42", "43", "44"]


@pytest.mark.parametrize("last_id", ["abc", "-5", "9" * 40, "1.5", " 7", "²"])
async def test_clock_ignores_a_last_event_id_it_never_sent(clock: Any, last_id: str) -> None:
    with anyio.fail_after(TIMEOUT):
        async with clock.test_client().stream(
            "GET", "/events", headers={"Last-Event-ID": last_id}
        ) as r:
            assert r.status_code == 200
            events = await read_ticks(r)
    assert [e["id"] for e in events] == ["0", "1", "2"]


# -- chat through the test client ------------------------------------------------------------


async def test_chat_page_opens_a_websocket() -> None:
    r = await chat.app.test_client().get("/")
    assert r.status_code == 200
    assert "new WebSocket(" in r.text


async def test_chat_message_reaches_every_other_client() -> None:
    client = chat.app.test_client()
    with anyio.fail_after(TIMEOUT):
        async with (
            client.websocket("/ws", query_string={"name": "ada"}) as ada,
            client.websocket("/ws", query_string={"name": "bob"}) as bob,
            client.websocket("/ws", query_string={"name": "cy"}) as cy,
        ):
            await _wait_for_clients(3)
            await ada.send("hello, all")
            assert await bob.receive_json() == {"from": "ada", "text": "hello, all"}
            assert await cy.receive_json() == {"from": "ada", "text": "hello, all"}
            await bob.send("hi ada")
            assert await ada.receive_json() == {"from": "bob", "text": "hi ada"}
            assert await cy.receive_json() == {"from": "bob", "text": "hi ada"}
    assert chat.clients == {}


async def _wait_for_clients(count: int) -> None:
    with anyio.fail_after(TIMEOUT):
        while len(chat.clients) < count:
            await anyio.sleep(0.01)


async def test_chat_names_are_cleaned_and_blank_messages_dropped() -> None:
    client = chat.app.test_client()
    with anyio.fail_after(TIMEOUT):
        async with (
            client.websocket("/ws", query_string={"name": "\x1b[31mevil\n" + "x" * 100}) as one,
            client.websocket("/ws") as two,
        ):
            await _wait_for_clients(2)
            await one.send("   ")
            await one.send(b"binary is ignored")
            await one.send("real")
            message = await two.receive_json()
    assert message["text"] == "real"
    assert message["from"] == ("[31mevil" + "x" * 100)[:32]


async def test_chat_slow_reader_does_not_block_the_room(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(chat.app.config, "CHAT_OUTBOX_SIZE", 2)
    client = chat.app.test_client()
    with anyio.fail_after(TIMEOUT):
        async with (
            client.websocket("/ws", query_string={"name": "fast"}) as fast,
            client.websocket("/ws", query_string={"name": "slow"}) as slow,
            client.websocket("/ws", query_string={"name": "echo"}) as echo,
        ):
            await _wait_for_clients(3)
            for n in range(200):
                await fast.send(str(n))
            # The room kept going: a reader keeping up sees the last message.
            seen = [(await echo.receive_json())["text"] for _ in range(2)]
            assert seen[0] == "0"
            got_slow = []
            with anyio.move_on_after(0.3):
                while True:
                    got_slow.append((await slow.receive_json())["text"])
    assert 1 <= len(got_slow) < 200


async def test_chat_hundred_clients() -> None:
    client = chat.app.test_client()
    received: list[int] = []

    async def member(n: int, ready: anyio.Event, go: anyio.Event) -> None:
        async with client.websocket("/ws", query_string={"name": f"m{n}"}) as ws:
            ready.set()
            await go.wait()
            if n == 0:
                await ws.send("to everyone")
            else:
                message = await ws.receive_json()
                assert message == {"from": "m0", "text": "to everyone"}
                received.append(n)

    with anyio.fail_after(TIMEOUT * 2):
        go = anyio.Event()
        async with anyio.create_task_group() as tg:
            readies = []
            for n in range(100):
                ready = anyio.Event()
                readies.append(ready)
                tg.start_soon(member, n, ready, go)
            for ready in readies:
                await ready.wait()
            await _wait_for_clients(100)
            go.set()
    assert sorted(received) == list(range(1, 100))


async def test_chat_message_over_the_size_limit_closes_1009(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(chat.app.config, "WEBSOCKET_MAX_MESSAGE_SIZE", 100)
    with anyio.fail_after(TIMEOUT):
        async with chat.app.test_client().websocket("/ws") as ws:
            await ws.send("x" * 101)
            with pytest.raises(WebSocketDisconnect) as info:
                await ws.receive()
    assert info.value.code == 1009


# -- over a real uvicorn -----------------------------------------------------------------------


@pytest.fixture
def asyncio_only(anyio_backend: str) -> None:
    if anyio_backend != "asyncio":
        pytest.skip("uvicorn and the websockets client run on asyncio")


@pytest.mark.usefixtures("asyncio_only")
async def test_clock_over_uvicorn_resumes_with_last_event_id(clock: Any) -> None:
    with serve(clock) as base_url, anyio.fail_after(TIMEOUT):
        async with httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT) as http:
            async with http.stream("GET", "/events") as r:
                assert r.headers["content-type"] == "text/event-stream; charset=utf-8"
                assert r.headers["cache-control"] == "no-cache"
                lines = [line async for line in r.aiter_lines()]
            ids = [line.removeprefix("id: ") for line in lines if line.startswith("id: ")]
            assert ids == ["0", "1", "2"]
            async with http.stream("GET", "/events", headers={"Last-Event-ID": ids[-1]}) as r:
                lines = [line async for line in r.aiter_lines()]
            ids = [line.removeprefix("id: ") for line in lines if line.startswith("id: ")]
            assert ids == ["3", "4", "5"]


@pytest.mark.usefixtures("asyncio_only")
async def test_chat_over_uvicorn() -> None:
    with serve(chat.app) as base_url, anyio.fail_after(TIMEOUT):
        ws_url = base_url.replace("http://", "ws://") + "/ws"
        async with (
            ws_connect(ws_url + "?name=ada") as ada,
            ws_connect(ws_url + "?name=bob") as bob,
        ):
            await _wait_for_clients(2)
            await ada.send("over the wire")
            assert json.loads(await bob.recv()) == {"from": "ada", "text": "over the wire"}
            await bob.send("back")
            assert json.loads(await ada.recv()) == {"from": "bob", "text": "back"}


@pytest.mark.usefixtures("asyncio_only")
async def test_a_hundred_sse_and_websocket_clients_over_uvicorn(clock: Any) -> None:
    async def listen(http: httpx.AsyncClient) -> None:
        async with http.stream("GET", "/events") as r:
            lines = [line async for line in r.aiter_lines() if line.startswith("id: ")]
        assert lines == ["id: 0", "id: 1", "id: 2"]
        done.append("sse")

    done: list[str] = []
    with serve(clock) as base_url, anyio.fail_after(TIMEOUT * 3):
        limits = httpx.Limits(max_connections=200)
        async with (
            httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT, limits=limits) as http,
            anyio.create_task_group() as tg,
        ):
            for _ in range(100):
                tg.start_soon(listen, http)
    assert len(done) == 100


# -- stopping app.run() with streams open ------------------------------------------------------

SERVED_SCRIPT = """
import sys
from pathlib import Path

import anyio

from asyncflask import Flask, sse, websocket

app = Flask("stoppable")
marker = Path(sys.argv[2])


@app.get("/events")
async def events():
    async def source():
        try:
            yield "started"
            while True:
                await anyio.sleep(3600)
                yield "never"
        finally:
            marker.write_text("source closed")

    return sse(source(), ping=None)


@app.websocket("/ws")
async def ws():
    await websocket.send("open")
    while True:
        await websocket.receive()


app.run(port=int(sys.argv[1]), log_level="warning")
"""


@pytest.mark.usefixtures("asyncio_only")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
async def test_app_run_stops_promptly_with_streams_open(tmp_path: Path, signum: int) -> None:
    script = tmp_path / "served.py"
    script.write_text(textwrap.dedent(SERVED_SCRIPT))
    marker = tmp_path / "marker"
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, str(script), str(port), str(marker)], env=env)
    try:
        base_url = f"http://127.0.0.1:{port}"
        with anyio.fail_after(TIMEOUT):
            while True:
                try:
                    with socket_probe(port):
                        break
                except OSError:
                    await anyio.sleep(0.05)
        async with (
            httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT) as http,
            http.stream("GET", "/events") as stream,
            ws_connect(base_url.replace("http", "ws") + "/ws") as ws,
        ):
            lines = stream.aiter_lines()
            assert await anext(lines) == "data: started"
            assert await ws.recv() == "open"
            started = time.monotonic()
            process.send_signal(signum)
            with anyio.fail_after(TIMEOUT):
                rest = [line async for line in lines]
                with pytest.raises(ConnectionClosed) as info:
                    await ws.recv()
            assert rest == [""]
            assert info.value.rcvd is not None and info.value.rcvd.code == 1001
        returncode = await anyio.to_thread.run_sync(process.wait, TIMEOUT)
        assert time.monotonic() - started < 5
        assert returncode in (0, -signum)  # uvicorn re-raises SIGTERM once it has stopped
        assert marker.read_text() == "source closed"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def socket_probe(port: int) -> Any:
    import socket

    return socket.create_connection(("127.0.0.1", port), timeout=0.5)


# -- the examples in docs/realtime.md ----------------------------------------------------------


def docs_app(marker: str) -> Any:
    """Run the Python block of docs/realtime.md containing ``marker``; return its ``app``."""
    text = (ROOT / "docs" / "realtime.md").read_text()
    blocks = [b.split("```", 1)[0] for b in text.split("```python\n")[1:]]
    (block,) = [b for b in blocks if marker in b and "app = Flask" in b]
    namespace: dict[str, Any] = {"__name__": "docs_realtime"}
    exec(compile(block, "docs/realtime.md", "exec"), namespace)
    return namespace["app"]


async def test_docs_messages_resume_after_last_event_id() -> None:
    app = docs_app('"/messages"')
    client = app.test_client()
    with anyio.fail_after(TIMEOUT):
        async with client.stream("GET", "/messages", headers={"Last-Event-ID": "97"}) as r:
            events = await read_ticks_text(r)
        async with client.stream("GET", "/messages", headers={"Last-Event-ID": "x"}) as r:
            first = await read_ticks_text(r)
    assert events == [("98", "message 98"), ("99", "message 99")]
    assert first[0] == ("0", "message 0") and len(first) == 100


async def read_ticks_text(response: Any) -> list[tuple[str, str]]:
    events, current = [], {}
    async for line in response.iter_lines():
        if not line:
            events.append((current.get("id", ""), current.get("data", "")))
            current = {}
        else:
            field, _, value = line.partition(": ")
            current[field] = value
    return events


async def test_docs_progress_stream_encodes_json_events(monkeypatch: pytest.MonkeyPatch) -> None:
    app = docs_app('"/progress"')

    async def no_sleep(seconds: float) -> None:
        pass

    monkeypatch.setattr(anyio, "sleep", no_sleep)
    r = await app.test_client().get("/progress")
    assert r.data.startswith(b'event: progress\nid: 0\ndata: {"percent": 0}\n\n')
    assert r.data.endswith(b"event: finished\ndata: done\n\n")


async def test_docs_echo_websocket() -> None:
    app = docs_app('"/echo"')
    with anyio.fail_after(TIMEOUT):
        async with app.test_client().websocket("/echo") as ws:
            assert ws.response_headers["X-Server"] == "asyncflask"
            await ws.send("hi")
            assert await ws.receive() == "hi"


async def test_docs_signup_background_task(caplog: pytest.LogCaptureFixture) -> None:
    app = docs_app('"/signup"')
    caplog.set_level("INFO", logger=app.logger.name)
    async with app.test_client() as client:
        r = await client.post("/signup", data={"email": "ada@example.com"})
    assert r.text == "Thanks! Check your inbox."
    assert any("welcome mail to ada@example.com" in rec.getMessage() for rec in caplog.records)


async def test_a_hundred_sse_and_a_hundred_websocket_clients_at_once(clock: Any) -> None:
    """One event loop serves 100 clock streams and a 100-member chat room at the same time."""
    clock_client = clock.test_client()
    chat_client = chat.app.test_client()
    ticks: list[list[str]] = []
    heard: list[int] = []
    said = anyio.Event()

    async def watch_clock() -> None:
        async with clock_client.stream("GET", "/events") as r:
            events = await read_ticks(r)
        ticks.append([e["id"] for e in events])

    async def chat_member(n: int) -> None:
        async with chat_client.websocket("/ws", query_string={"name": f"m{n}"}) as ws:
            if n == 0:
                await _wait_for_clients(100)
                await ws.send("all at once")
                said.set()
                await anyio.sleep(0.5)  # stay in the room while the others read
            else:
                assert await ws.receive_json() == {"from": "m0", "text": "all at once"}
                heard.append(n)

    with anyio.fail_after(TIMEOUT * 2):
        async with anyio.create_task_group() as tg:
            for n in range(100):
                tg.start_soon(chat_member, n)
                tg.start_soon(watch_clock)
    assert said.is_set()
    assert sorted(heard) == list(range(1, 100))
    assert ticks == [["0", "1", "2"]] * 100
