"""Simulated participants: real socket.io clients that come back by themselves, as the
browser's client does, and remember exactly what the server told them.

Every action has a text of its own, so the records can be checked one by one afterwards:
``acked`` holds what the server acknowledged, ``refused`` what it said it did not do (with
the error type), ``unknown`` what got no answer (a time-out during a fault: the client does
not know, so the checks allow either, but never twice).

Chat goes as the page sends it (static/js/classroom/chat.js): each message with a request id
of its own, and one that got no answer is sent again with the same id once the person is back
in the class, until it is acknowledged (then it moves from ``unknown`` to ``acked``) or
refused for good (then to ``refused``); "not now" answers (the database or Redis away) are
asked again.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import socketio

from tests.chaos.proxy import Proxy

UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
ANSWER_S = 8.0  # how long a client waits for an acknowledgement before calling it unknown
JOIN_S = 30.0  # a join carries the whole class state: on a loaded machine it may take long
RESEND_S = 120.0  # how long a member keeps re-sending an unanswered chat line by itself
#: answers that mean "not now": a chat line refused so may still be asked again
AGAIN = frozenset({"unavailable", "rate-limited", "internal-error", "not-in-class"})


@dataclass
class Outcomes:
    acked: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    refused: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    unknown: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


class Member:
    """One person's browser tab behind their own proxy (their network and the balancer)."""

    def __init__(self, login: str, user_id: int, join_link: str, proxy: Proxy) -> None:
        self.login, self.user_id, self.join_link, self.proxy = login, user_id, join_link, proxy
        self.client_id = secrets.token_hex(8)
        self.sio = socketio.AsyncClient(
            reconnection=True, reconnection_attempts=0, reconnection_delay=0.2,
            reconnection_delay_max=1.0, randomization_factor=0.3,
        )  # fmt: skip
        self.joined = asyncio.Event()
        self.state: dict[str, Any] = {}
        self.joins = 0  # join answers received (first join and every return)
        self.refusals: list[dict[str, Any]] = []  # connect_error and join errors: told why
        self.last_event_id: int | None = None
        self.join_timeouts: list[str] = []  # join calls that got no answer (for the report)
        self.inbox: dict[str, list[Any]] = defaultdict(list)
        self.out = Outcomes()
        self._joining: asyncio.Task[None] | None = None
        self._again: asyncio.Task[None] | None = None
        self._resending: asyncio.Task[None] | None = None
        self._resend_lock = asyncio.Lock()
        self.unsent_chat: dict[str, dict[str, Any]] = {}  # label -> the call, request id and all
        self._closing = False

        async def connected() -> None:
            self.joined.clear()
            self._joining = asyncio.create_task(self._join())  # acks need the read loop free
            self._joining.add_done_callback(self._joined)

        async def disconnected(reason: Any = None, *_: Any) -> None:
            self.joined.clear()
            if reason == self.sio.reason.SERVER_DISCONNECT and not self._closing:
                # as the page does (static/js/classroom/live.js): a server's goodbye is not
                # the person's, so connect again (the client's own reconnection does not)
                self._again = asyncio.create_task(self._connect_again())

        async def refused(data: Any = None) -> None:
            self.refusals.append(dict(data.get("data") or data) if isinstance(data, dict) else {})

        async def anything(event: str, data: Any = None) -> None:
            self.inbox[event].append(data)
            if isinstance(data, dict) and isinstance(data.get("id"), int) and event in (
                "chat_message", "caption",
            ):  # fmt: skip
                self.last_event_id = max(self.last_event_id or 0, data["id"])

        self.sio.on("connect", connected, namespace="/class")
        self.sio.on("disconnect", disconnected, namespace="/class")
        self.sio.on("connect_error", refused, namespace="/class")
        self.sio.on("*", anything, namespace="/class")

    async def connect(self) -> None:
        await self.sio.connect(
            self.proxy.url, namespaces=["/class"], transports=["websocket"],
            auth={"client_id": self.client_id, "join_link": self.join_link},
            headers={"User-Agent": UA}, wait_timeout=60,
        )  # fmt: skip

    async def _connect_again(self) -> None:
        while not self._closing:
            if not self.sio.connected and self.sio.eio.state == "disconnected":
                try:
                    await self.connect()
                    return
                except socketio.exceptions.ConnectionError:
                    pass
            await asyncio.sleep(0.2)  # the page's reconnect pace

    async def _join(self) -> None:
        """Join, and while the server says it cannot (temporarily), ask again."""
        while not self._closing and "/class" in self.sio.namespaces:
            try:
                answer = await self.sio.call(
                    "join", {"last_event_id": self.last_event_id}, namespace="/class",
                    timeout=JOIN_S,
                )  # fmt: skip
            except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError) as exc:
                self.join_timeouts.append(repr(exc))
                continue
            if answer.get("ok"):
                self.state = answer
                self.joins += 1
                self.last_event_id = max(self.last_event_id or 0, answer["last_event_id"])
                self.joined.set()
                if self.unsent_chat:  # back: what got no answer goes again
                    self._resend_soon()
                return
            self.refusals.append(answer["error"])
            if answer["error"]["type"] != "unavailable":
                return  # told why not: not coming back
            await asyncio.sleep(0.5)  # retry pace of a client told "temporarily unavailable"

    def _joined(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self.refusals.append({"type": "client-error", "detail": repr(task.exception())})

    async def act(self, kind: str, event: str, data: dict[str, Any], label: str) -> Any:
        """Send one action; file its outcome under ``kind`` by ``label`` (its unique text)."""
        try:
            answer = await self.sio.call(event, data, namespace="/class", timeout=ANSWER_S)
        except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
            self.out.unknown[kind].append(label)
            return None
        if answer.get("ok"):
            self.out.acked[kind].append(label)
            return answer
        self.out.refused[kind].append((label, answer["error"]["type"]))
        return None

    async def chat(self, data: dict[str, Any], label: str) -> Any:
        """A chat line (``data`` carries its request id); unanswered, it is sent again."""
        answer = await self.act("chat", "send_chat", data, label)
        if label in self.out.unknown["chat"]:
            self.unsent_chat[label] = data
            self._resend_soon()
        return answer

    def _resend_soon(self) -> None:
        if self._resending is None or self._resending.done():
            self._resending = asyncio.create_task(self.resend_chat(RESEND_S))

    async def resend_chat(self, within_s: float) -> None:
        """Send every unanswered chat line again, with its own request id, while in the class,
        until each is acknowledged or refused for good (or ``within_s`` runs out)."""
        deadline = time.monotonic() + within_s
        async with self._resend_lock:
            for label, data in list(self.unsent_chat.items()):
                while label in self.unsent_chat and time.monotonic() < deadline:
                    await self._resend_one(label, data, deadline)

    async def _resend_one(self, label: str, data: dict[str, Any], deadline: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.joined.wait(), max(0.0, deadline - time.monotonic()))
        if not self.joined.is_set():
            return
        try:
            answer = await self.sio.call("send_chat", data, namespace="/class", timeout=ANSWER_S)
        except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
            return  # still no answer: again once back (or at once, if still in the class)
        if not answer.get("ok") and answer["error"]["type"] in AGAIN:
            await asyncio.sleep(0.5)  # the client's pace after "not now"
            return
        self.unsent_chat.pop(label)
        self.out.unknown["chat"].remove(label)
        if answer.get("ok"):
            self.out.acked["chat"].append(label)
        else:
            self.out.refused["chat"].append((label, answer["error"]["type"]))

    async def close(self) -> None:
        self._closing = True
        for task in (self._joining, self._again, self._resending):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        with contextlib.suppress(Exception):
            await self.sio.disconnect()
