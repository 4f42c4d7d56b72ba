"""Real socket.io clients in a live class, for the classroom tests."""

from __future__ import annotations

import asyncio
import secrets
from collections import defaultdict
from typing import Any

import socketio

from tests.conftest import AppClient

PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 10; SM-G960N) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36"
)
PC_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"


class Participant:
    """One browser tab in the class: a socket.io client that remembers what it was sent."""

    def __init__(self, client_id: str | None = None) -> None:
        self.client_id = client_id or secrets.token_hex(8)
        self.sio = socketio.AsyncClient(reconnection=False)
        self.inbox: dict[str, asyncio.Queue[Any]] = defaultdict(asyncio.Queue)
        self.refusal: asyncio.Queue[Any] = asyncio.Queue()
        self.state: dict[str, Any] = {}  # the class state its join returned
        self.changes: list[dict[str, Any]] = []  # presence changes received, not yet asked for

        async def anything(event: str, data: Any = None) -> None:
            self.inbox[event].put_nowait(data)
            if event == "board_posts":  # a board's batch, read post by post as the page does
                for post in data["posts"]:
                    self.inbox["board_post"].put_nowait(post)
                for notice in data["hidden"]:
                    self.inbox["board_post_hidden"].put_nowait(notice)

        async def refused(data: Any = None) -> None:
            self.refusal.put_nowait(data)

        self.sio.on("*", anything, namespace="/class")
        self.sio.on("connect_error", refused, namespace="/class")

    async def connect(
        self, client: AppClient, auth: dict[str, Any], *, user_agent: str = PC_UA,
        headers: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        await self.sio.connect(
            str(client.make_url("/")),
            namespaces=["/class"],
            auth={"client_id": self.client_id, **auth},
            headers={"User-Agent": user_agent, **(headers or {})},
            transports=["websocket"],
            wait_timeout=10,  # the client's default (1 s) is short for a loaded CI machine
        )

    async def refused_with(
        self, client: AppClient, auth: dict[str, Any], **kw: Any
    ) -> dict[str, Any]:
        """Connect expecting a refusal; returns the refusal's data (type, detail)."""
        try:
            await self.connect(client, auth, **kw)
        except socketio.exceptions.ConnectionError:
            reason = await asyncio.wait_for(self.refusal.get(), 5)
            return dict(reason["data"])
        raise AssertionError("the connection was accepted")

    async def call(self, event: str, data: Any = None) -> Any:
        """The event's acknowledgement. The wait is long (15 s) for a loaded CI machine, where
        5 s was once missed; no test measures speed by it, and a missing answer still fails."""
        return await self.sio.call(event, data, namespace="/class", timeout=15)

    async def ok(self, event: str, data: Any = None) -> Any:
        answer = await self.call(event, data)
        assert answer["ok"] is True, answer
        return answer

    async def next(self, event: str, within_s: float = 10) -> Any:
        """The next ``event`` this client is sent (waits up to ``within_s`` seconds)."""
        return await asyncio.wait_for(self.inbox[event].get(), within_s)

    async def change(self, kind: str, user_id: int | None = None) -> dict[str, Any]:
        """The next presence change of this kind (joined, resumed, updated, dropped, left),
        about ``user_id`` if given, from the coalesced ``participants_changed`` messages;
        other changes are kept for later."""
        while True:
            for n, change in enumerate(self.changes):
                if change["kind"] == kind and user_id in (None, change["user_id"]):
                    return self.changes.pop(n)
            self.changes.extend((await self.next("participants_changed"))["changes"])

    def nothing_pending(self, event: str) -> bool:
        return self.inbox[event].empty()

    async def drop(self) -> None:
        """Lose the connection the way a phone does: no goodbye, the transport just closes."""
        await self.sio.eio.ws.close()
        await self.sio.wait()

    async def disconnect_cleanly(self) -> None:
        """Go as the page's socket.io client goes when told to disconnect: its disconnect
        packet is on the wire before the websocket closes, so the server is told why
        (``client disconnect``). python-socketio's own ``disconnect()`` queues that packet but
        closes the websocket before its write loop sends it: to the server that is a closed
        transport, like a lost network."""
        goodbye = self.sio.packet_class(socketio.packet.DISCONNECT, namespace="/class")
        await self.sio._send_packet(goodbye)
        await asyncio.wait_for(self.sio.eio.queue.join(), 5)  # written to the websocket
        await self.sio.disconnect()

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()
