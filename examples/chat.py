"""A websocket chat room: open http://127.0.0.1:8000/ in several tabs.

Run it with ``uvicorn examples.chat:app``. Every text message a client sends
on ``/ws`` reaches every other connected client as JSON,
``{"from": name, "text": message}``. Each client has a bounded outbox, so a
slow reader loses messages instead of making the server buffer without end.
"""

from __future__ import annotations

import itertools

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from asyncflask import Flask, websocket
from asyncflask.exceptions import WebSocketDisconnect

app = Flask(__name__)
app.config["CHAT_OUTBOX_SIZE"] = 64
app.config["CHAT_MAX_MESSAGE_LENGTH"] = 2000

#: One outbox per connected client (this process only).
clients: dict[MemoryObjectSendStream[dict[str, str]], str] = {}
_guest_numbers = itertools.count(1)

PAGE = """<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>asyncflask chat</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; }
  #log { list-style: none; padding: 0; min-height: 10rem; border: 1px solid #ccc; }
  #log li { padding: .2rem .5rem; }
  #log .mine { color: #555; }
</style>
<h1>Chat</h1>
<p id="status">connecting…</p>
<ul id="log"></ul>
<form id="form">
  <input id="text" autocomplete="off" placeholder="Say something" required>
  <button>Send</button>
</form>
<script>
  const log = document.getElementById("log");
  const status = document.getElementById("status");
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  const name = new URLSearchParams(location.search).get("name") || "";
  const ws = new WebSocket(scheme + location.host + "/ws?name=" + encodeURIComponent(name));

  function show(text, mine) {
    const item = document.createElement("li");
    item.textContent = text;
    if (mine) item.className = "mine";
    log.appendChild(item);
  }
  ws.onopen = () => { status.textContent = "connected"; };
  ws.onclose = (e) => { status.textContent = "disconnected (" + e.code + ")"; };
  ws.onmessage = (e) => {
    const message = JSON.parse(e.data);
    show(message.from + ": " + message.text, false);
  };
  document.getElementById("form").onsubmit = (e) => {
    e.preventDefault();
    const input = document.getElementById("text");
    ws.send(input.value);
    show("me: " + input.value, true);
    input.value = "";
  };
</script>
"""


@app.get("/")
def index() -> str:
    return PAGE


def _clean_name(raw: str | None) -> str:
    name = "".join(c for c in (raw or "") if c.isprintable()).strip()[:32]
    return name or f"guest-{next(_guest_numbers)}"


def broadcast(sender: MemoryObjectSendStream[dict[str, str]], text: str) -> None:
    """Queue ``text`` for every client but its sender; a full outbox drops the message."""
    message = {"from": clients[sender], "text": text}
    for outbox in list(clients):
        if outbox is not sender:
            try:
                outbox.send_nowait(message)
            except anyio.WouldBlock:
                pass  # that client reads too slowly: it misses this message
            except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                clients.pop(outbox, None)


async def deliver(outbox: MemoryObjectReceiveStream[dict[str, str]]) -> None:
    """Send this client's queued messages to it, in order."""
    async with outbox:
        async for message in outbox:
            await websocket.send_json(message)


@app.websocket("/ws")
async def chat() -> None:
    name = _clean_name(websocket.args.get("name"))
    limit = int(app.config["CHAT_MAX_MESSAGE_LENGTH"])
    await websocket.accept()
    send_outbox, receive_outbox = anyio.create_memory_object_stream[dict[str, str]](
        app.config["CHAT_OUTBOX_SIZE"]
    )
    clients[send_outbox] = name
    try:
        async with send_outbox, anyio.create_task_group() as tg:
            tg.start_soon(deliver, receive_outbox)
            try:
                while True:
                    text = await websocket.receive()
                    if isinstance(text, str) and text.strip():
                        broadcast(send_outbox, text[:limit])
            except WebSocketDisconnect:
                pass
            tg.cancel_scope.cancel()
    finally:
        clients.pop(send_outbox, None)
