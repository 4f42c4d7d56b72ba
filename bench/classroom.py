"""``python -m bench classroom``: many participants in one live class on one server node.

The participants are simulated with a small socket.io client written against the wire protocol
(engine.io 4 over a websocket, socket.io 5 packets): a full python-socketio client per simulated
person would spend the load generator's CPU on itself, and the load generator shares this
2-core machine with the server. It speaks the same protocol browsers do: it answers pings,
connects to ``/class`` with a class token, joins, sends chat with acknowledgements.

Phases:
1. join: every participant connects and joins (at most ``--join-concurrency`` at once); the
   time from opening the websocket to the join acknowledgement is the join latency.
2. chat: ``--messages`` chat messages at ``--rate`` per second, each from a different
   participant; every participant records when each message reaches it. The latency of a
   message to one participant is its arrival time minus its send time (one machine, one
   monotonic clock), and every (message, participant) pair is one delivery.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from sqlalchemy import insert, select

from bench.http import percentile
from bench.server import process_cpu_seconds, running_server
from server.core.auth import tokens
from server.core.auth.models import User, UserRole
from server.core.db import Database
from server.lms.models import ClassSession, Enrolment

describe = "N participants in one class on one node: join time, chat delivery p50/p99, CPU"
NAMESPACE = "/class"
CHAT_PREFIX = '42/class,["chat_message",'
GOAL = {"participants": 1000, "chat_p99_ms": 250}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--participants", type=int, default=500)
    parser.add_argument("--messages", type=int, default=100, help="chat messages to send")
    parser.add_argument("--rate", type=float, default=10.0, help="chat messages per second")
    parser.add_argument("--join-concurrency", type=int, default=50)
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")


# ---- a lean socket.io client ------------------------------------------------------------------


@dataclass
class Person:
    index: int
    token: str
    ws: aiohttp.ClientWebSocketResponse | None = None
    acks: dict[int, asyncio.Future[Any]] = field(default_factory=dict)
    next_ack: int = 0
    arrivals: dict[int, float] = field(default_factory=dict)  # chat seq -> monotonic time
    reader: asyncio.Task[None] | None = None

    async def open(self, session: aiohttp.ClientSession, base_url: str) -> None:
        url = base_url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        self.ws = await session.ws_connect(url, max_msg_size=0, autoping=True)
        opening = await self.ws.receive_str()
        assert opening.startswith("0"), opening
        auth = {"token": self.token, "client_id": f"bench-{self.index:06d}"}
        await self.ws.send_str(f"40{NAMESPACE},{json.dumps(auth)}")
        reply = await self._next_text()
        if not reply.startswith(f"40{NAMESPACE},"):
            raise RuntimeError(f"participant {self.index} refused: {reply[:200]}")
        self.reader = asyncio.create_task(self._read())

    async def _next_text(self) -> str:
        assert self.ws is not None
        while True:
            text = await self.ws.receive_str()
            if text == "2":  # engine.io ping
                await self.ws.send_str("3")
                continue
            return text

    async def _read(self) -> None:
        assert self.ws is not None
        async for message in self.ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            text: str = message.data
            if text == "2":
                await self.ws.send_str("3")
            elif text.startswith(CHAT_PREFIX):
                now = time.monotonic()
                body = json.loads(text[len(f"42{NAMESPACE},") :])[1]
                seq, _ = body["payload"]["text"].split(":", 1)
                self.arrivals[int(seq)] = now
            elif text.startswith(f"43{NAMESPACE},"):
                rest = text[len(f"43{NAMESPACE},") :]
                ack_id, payload = rest.split("[", 1)
                future = self.acks.pop(int(ack_id), None)
                if future is not None and not future.done():
                    future.set_result(json.loads("[" + payload)[0])

    async def call(self, event: str, data: Any) -> Any:
        assert self.ws is not None
        ack_id = self.next_ack
        self.next_ack += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.acks[ack_id] = future
        await self.ws.send_str(f"42{NAMESPACE},{ack_id}{json.dumps([event, data])}")
        return await asyncio.wait_for(future, 60)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)


# ---- preparing the class ----------------------------------------------------------------------


async def enrol_participants(database_url: str, secret: bytes, count: int) -> list[str]:
    """Create ``count`` trainees enrolled in the demo's all-day class; return class tokens."""
    db = Database(database_url)
    now = datetime.now(UTC)
    try:
        async with db.unit_of_work() as session:
            class_session = await session.scalar(select(ClassSession).order_by(ClassSession.id))
            assert class_session is not None, "the demo data has no class session"
            users = [
                {"login": f"bench{n:06d}", "name": f"참가자{n}", "accessibility_needs": [],
                 "is_active": True, "created_at": now}
                for n in range(count)
            ]  # fmt: skip
            ids = list(await session.scalars(insert(User).returning(User.id), users))
            await session.execute(
                insert(UserRole), [{"user_id": i, "role": "trainee"} for i in ids]
            )
            await session.execute(
                insert(Enrolment),
                [{"cohort_id": class_session.cohort_id, "user_id": i, "status": "approved",
                  "created_at": now} for i in ids],
            )  # fmt: skip
            class_session_id = class_session.id
    finally:
        await db.close()
    expires = now + timedelta(hours=2)
    grants = ["publish", "subscribe"]
    claims: Callable[[int], dict[str, Any]] = lambda i: {  # noqa: E731
        "sub": str(i),
        "cs": class_session_id,
        "grants": grants,
    }
    return [tokens.sign(secret, tokens.Purpose.CLASS, claims(i), expires) for i in ids]


# ---- the phases -------------------------------------------------------------------------------


async def join_all(
    people: list[Person], session: aiohttp.ClientSession, base_url: str, concurrency: int
) -> list[float]:
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def join(person: Person) -> None:
        async with gate:
            started = time.monotonic()
            await person.open(session, base_url)
            answer = await person.call("join", {})
            if not answer.get("ok"):
                raise RuntimeError(f"join refused: {answer}")
            latencies.append(time.monotonic() - started)

    await asyncio.gather(*(join(p) for p in people))
    return latencies


async def chat(people: list[Person], messages: int, rate: float) -> tuple[dict[int, float], int]:
    """Send the messages; wait until every participant has every one (or 30 s of silence)."""
    sent_at: dict[int, float] = {}
    refused = 0
    for seq in range(messages):
        sender = people[seq % len(people)]
        sent_at[seq] = time.monotonic()
        answer = await sender.call("send_chat", {"text": f"{seq}:bench"})
        refused += 0 if answer.get("ok") else 1
        next_at = sent_at[0] + (seq + 1) / rate
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if all(len(p.arrivals) >= messages for p in people):
            break
        await asyncio.sleep(0.1)
    return sent_at, refused


async def run(args: argparse.Namespace) -> dict[str, Any]:
    extra = {"BAEUM_LOGIN_ATTEMPTS_PER_ADDRESS_PER_MIN": "1000000"}
    print(f"bench classroom: {args.participants} participants, {args.messages} messages "
          f"at {args.rate}/s")  # fmt: skip
    async with running_server(args.database_url, extra) as server:
        secret = (server.var_dir / "secret_key").read_bytes().strip()
        class_tokens = await enrol_participants(server.database_url, secret, args.participants)
        people = [Person(i, t) for i, t in enumerate(class_tokens)]
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            cpu0 = process_cpu_seconds(server.pid)
            try:
                joins = await join_all(people, session, server.base_url, args.join_concurrency)
            except RuntimeError:
                log = (server.var_dir / "server.log").read_text(errors="replace")
                print("  server log (last lines):\n" + "\n".join(log.splitlines()[-30:]))
                raise
            cpu1 = process_cpu_seconds(server.pid)
            p50, p99 = percentile(joins, 0.5) * 1000, percentile(joins, 0.99) * 1000
            print(f"  joined {len(joins)}: p50 {p50:.0f} ms, p99 {p99:.0f} ms; "
                  f"server CPU {cpu1 - cpu0:.1f} s")  # fmt: skip
            sent_at, refused = await chat(people, args.messages, args.rate)
            cpu2 = process_cpu_seconds(server.pid)
            for person in people:
                await person.close()
    latencies = [arrival - sent_at[seq] for p in people for seq, arrival in p.arrivals.items()]
    deliveries = len(latencies)
    expected = args.messages * len(people)
    chat_cpu = cpu2 - cpu1
    figures = {
        "bench": "classroom",
        "participants": len(people),
        "join_p50_ms": round(percentile(joins, 0.5) * 1000, 1),
        "join_p99_ms": round(percentile(joins, 0.99) * 1000, 1),
        "messages": args.messages,
        "rate_per_s": args.rate,
        "chat_p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "chat_p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "deliveries": deliveries,
        "lost": expected - deliveries,
        "refused": refused,
        "join_cpu_s": round(cpu1 - cpu0, 2),
        "server_cpu_s": round(chat_cpu, 2),
        "deliveries_per_cpu_s": round(deliveries / chat_cpu, 0) if chat_cpu > 0 else None,
        "goal": GOAL,
    }
    print(f"  chat: {deliveries}/{expected} deliveries, p50 {figures['chat_p50_ms']} ms, "
          f"p99 {figures['chat_p99_ms']} ms, server CPU {chat_cpu:.1f} s, "
          f"{figures['deliveries_per_cpu_s']} deliveries per CPU second")  # fmt: skip
    return figures
