"""What the class-socket benchmarks (breakout, votes, board) share: the server with the demo's
all-day class, python-socketio clients connecting to ``/class`` and joining it many at once, and
hanging them up at the end."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
import socketio
from sqlalchemy import select

from bench.classroom import enrol_participants
from bench.http import percentile
from bench.server import RunningServer, process_cpu_seconds, running_server
from server.core.db import Database
from server.lms.models import ClassSession

NAMESPACE = "/class"
CALL_TIMEOUT_S = 60.0


class Joiner(Protocol):
    """A simulated person: its number, its socket, and the user id the join told it."""

    index: int
    sio: socketio.AsyncClient
    user_id: int


async def connect_and_join(sio: socketio.AsyncClient, base_url: str, auth: dict[str, Any]) -> int:
    """Connect to /class, join; the user id the class knows this client by."""
    await sio.connect(base_url, namespaces=[NAMESPACE], transports=["websocket"], auth=auth,
                      wait_timeout=CALL_TIMEOUT_S)  # fmt: skip
    answer = await sio.call("join", {}, namespace=NAMESPACE, timeout=CALL_TIMEOUT_S)
    if not answer.get("ok"):
        raise RuntimeError(f"join refused: {answer}")
    return int(answer["me"]["user_id"])


async def join_all(
    people: Sequence[Joiner], tokens: list[str], base_url: str, concurrency: int, client_prefix: str
) -> list[float]:
    """Everyone connects and joins, ``concurrency`` at a time; each one's latency.
    ``client_prefix``: the client ids are ``{client_prefix}-{index:06d}``."""
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def join(person: Joiner, token: str) -> None:
        async with gate:
            started = time.monotonic()
            auth = {"token": token, "client_id": f"{client_prefix}-{person.index:06d}"}
            person.user_id = await connect_and_join(person.sio, base_url, auth)
            latencies.append(time.monotonic() - started)

    await asyncio.gather(*(join(p, t) for p, t in zip(people, tokens, strict=True)))
    return latencies


async def first_class_session_id(database_url: str) -> int:
    """The demo's all-day class: the one ``enrol_participants`` enrols into."""
    db = Database(database_url)
    try:
        async with db.unit_of_work() as session:
            found = await session.scalar(select(ClassSession.id).order_by(ClassSession.id))
    finally:
        await db.close()
    assert found is not None, "the demo data has no class session"
    return int(found)


@dataclass
class ClassBench:
    """A running server with ``participants`` trainees enrolled in its all-day class: their
    class tokens, a connection pool for the sockets (no limit: every client holds one open) and
    an HTTP session for the instructor (its cookie jar takes the 127.0.0.1 cookies).
    ``clients`` are hung up when the bench ends, those still connected."""

    server: RunningServer
    tokens: list[str]
    class_session_id: int
    sockets: aiohttp.ClientSession
    http: aiohttp.ClientSession
    clients: list[socketio.AsyncClient] = field(default_factory=list)
    joins: list[float] = field(default_factory=list)  # each participant's join, in seconds
    join_cpu_s: float = 0.0  # the server's CPU over the joins

    async def join(
        self, people: Sequence[Joiner], concurrency: int, client_prefix: str
    ) -> list[float]:
        """``join_all`` with the server's CPU measured around it; each one's latency."""
        cpu0 = process_cpu_seconds(self.server.pid)
        self.joins = await join_all(people, self.tokens, self.server.base_url, concurrency,
                                    client_prefix)  # fmt: skip
        self.join_cpu_s = process_cpu_seconds(self.server.pid) - cpu0
        print(f"  joined {len(self.joins)}: p50 {percentile(self.joins, 0.5) * 1000:.0f} ms, "
              f"p99 {percentile(self.joins, 0.99) * 1000:.0f} ms; server CPU "
              f"{self.join_cpu_s:.1f} s", flush=True)  # fmt: skip
        return self.joins

    def join_figures(self) -> dict[str, float]:
        """The join's figures for the JSON line, as every class-socket benchmark reports them."""
        return {
            "join_p50_ms": round(percentile(self.joins, 0.5) * 1000, 1),
            "join_p99_ms": round(percentile(self.joins, 0.99) * 1000, 1),
            "join_cpu_s": round(self.join_cpu_s, 2),
        }

    async def hang_up(self) -> None:
        """Disconnect every registered client still connected; a failure stops none of the rest."""
        await asyncio.gather(*(c.disconnect() for c in self.clients if c.connected),
                             return_exceptions=True)  # fmt: skip


def print_log_tail(server: RunningServer, lines: int = 30) -> None:
    """The end of the server's log: why a call was refused or went unanswered is there."""
    log = (server.var_dir / "server.log").read_text(errors="replace")
    print("  server log (last lines):\n" + "\n".join(log.splitlines()[-lines:]))


@asynccontextmanager
async def class_bench(database_url: str | None, participants: int) -> AsyncIterator[ClassBench]:
    """Start the server (migrate, demo, serve), enrol ``participants`` trainees in the all-day
    class and open the two client sessions. On a RuntimeError (a refusal, a missing arrival)
    the server log's tail is printed before it goes on; the registered clients are always hung
    up before the sessions and the server go."""
    print("  starting server (migrate, demo, serve) ...", flush=True)
    async with running_server(database_url) as server:
        print(f"  server pid {server.pid} at {server.base_url}", flush=True)
        secret = (server.var_dir / "secret_key").read_bytes().strip()
        tokens = await enrol_participants(server.database_url, secret, participants)
        class_session_id = await first_class_session_id(server.database_url)
        connector = aiohttp.TCPConnector(limit=0)
        async with (
            aiohttp.ClientSession(connector=connector) as sockets,
            aiohttp.ClientSession(
                base_url=server.base_url, cookie_jar=aiohttp.CookieJar(unsafe=True)
            ) as http,
        ):
            bench = ClassBench(server, tokens, class_session_id, sockets, http)
            try:
                yield bench
            except RuntimeError:
                print_log_tail(server)
                raise
            finally:
                await bench.hang_up()
