"""Live state in this process's memory: the embedded default, one node only."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from server.core.clock import Clock
from server.core.live.base import RateDecision, Subscription
from server.core.live.gcra import gcra


class _QueueSubscription:
    def __init__(self, queue: asyncio.Queue[bytes]) -> None:
        self._queue = queue

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            yield await self._queue.get()


class MemoryLiveState:
    backend = "memory"

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._presence: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
        self._counters: dict[str, int] = defaultdict(int)
        self._leases: dict[str, tuple[str, float]] = {}
        self._subscribers: dict[str, set[asyncio.Queue[bytes]]] = defaultdict(set)
        self._rates: dict[str, float] = {}

    def _now(self) -> float:
        return self._clock.now().timestamp()

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._subscribers.clear()

    async def presence_set(self, space: str, member: str, fields: dict[str, str]) -> bool:
        members = self._presence[space]
        is_new = member not in members
        members[member] = {**members.get(member, {}), **fields}
        return is_new

    async def presence_add(self, space: str, member: str, fields: dict[str, str]) -> bool:
        members = self._presence[space]
        if member in members:
            return False
        members[member] = dict(fields)
        return True

    async def presence_remove(self, space: str, member: str) -> bool:
        members = self._presence.get(space, {})
        removed = members.pop(member, None) is not None
        if not members:
            self._presence.pop(space, None)
        return removed

    async def presence_members(self, space: str) -> dict[str, dict[str, str]]:
        return {m: dict(f) for m, f in self._presence.get(space, {}).items()}

    async def presence_get(self, space: str, member: str) -> dict[str, str] | None:
        fields = self._presence.get(space, {}).get(member)
        return dict(fields) if fields is not None else None

    async def presence_count(self, space: str) -> int:
        return len(self._presence.get(space, {}))

    async def incr(self, key: str, amount: int = 1) -> int:
        self._counters[key] += amount
        return self._counters[key]

    async def counter(self, key: str) -> int:
        return self._counters.get(key, 0)

    async def lease_acquire(self, name: str, owner: str, ttl_s: float) -> bool:
        now = self._now()
        held = self._leases.get(name)
        if held and held[0] != owner and held[1] > now:
            return False
        self._leases[name] = (owner, now + ttl_s)
        return True

    async def lease_release(self, name: str, owner: str) -> bool:
        held = self._leases.get(name)
        if held and held[0] == owner:
            del self._leases[name]
            return held[1] > self._now()
        return False

    async def lease_owner(self, name: str) -> str | None:
        held = self._leases.get(name)
        return held[0] if held and held[1] > self._now() else None

    async def publish(self, channel: str, message: bytes) -> int:
        queues = self._subscribers.get(channel, set())
        for queue in queues:
            queue.put_nowait(message)
        return len(queues)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscription]:
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._subscribers[channel].add(queue)
        try:
            yield _QueueSubscription(queue)
        finally:
            self._subscribers[channel].discard(queue)

    async def rate_limit(
        self, key: str, limit: int, period_s: float, *, consume: bool = True
    ) -> RateDecision:
        now = self._now()
        tat, decision = gcra(self._rates.get(key), now, limit, period_s)
        if consume:
            self._rates[key] = tat
        if len(self._rates) > 50_000:  # forget keys whose every event has drained
            self._rates = {k: t for k, t in self._rates.items() if t > now}
        return decision

    async def rate_reset(self, key: str) -> None:
        self._rates.pop(key, None)
