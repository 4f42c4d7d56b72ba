"""What the class-socket benchmarks (breakout, votes, board) share: connecting python-socketio
clients to ``/class`` and joining the class, many at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any, Protocol

import socketio

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
