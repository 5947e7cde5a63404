"""Websocket routes on subdomains."""

from __future__ import annotations

import pytest

from asyncflask import Flask, websocket
from asyncflask.exceptions import WebSocketDisconnect

pytestmark = pytest.mark.anyio


async def test_websocket_routes_match_their_subdomain() -> None:
    app = Flask(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.com"

    @app.websocket("/ws", subdomain="chat")
    async def chat() -> None:
        await websocket.send("chat")

    @app.websocket("/ws")
    async def main() -> None:
        await websocket.send("main")

    async with app.test_client() as client:
        async with client.websocket("/ws", headers={"Host": "chat.example.com"}) as ws:
            assert await ws.receive() == "chat"
        async with client.websocket("/ws", headers={"Host": "example.com"}) as ws:
            assert await ws.receive() == "main"
        with pytest.raises(WebSocketDisconnect) as info:
            async with client.websocket("/ws", headers={"Host": "other.example.com"}):
                pass
        assert info.value.status_code == 403
