"""Live state: what a class needs to share across server nodes, fast and short-lived.

Presence, counters, leases (which node hosts a class's media), pub/sub between nodes and
rate limits. Two implementations pass the same tests: ``MemoryLiveState`` for one process
and ``RedisLiveState`` for many nodes. Durable records never live here: they go to the
database. Times come from the app's clock so expiry is testable without waiting.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after_s: float
    remaining: int


class Subscription(Protocol):
    def __aiter__(self) -> AsyncIterator[bytes]: ...


class LiveState(Protocol):
    backend: str

    async def ping(self) -> bool:
        """True when the backend answers."""
        ...

    async def close(self) -> None: ...

    # presence: a space (e.g. "session:12") holds members with small string fields
    async def presence_set(self, space: str, member: str, fields: dict[str, str]) -> bool:
        """Add or update a member; True if the member was not present before."""
        ...

    async def presence_add(self, space: str, member: str, fields: dict[str, str]) -> bool:
        """Add a member only if absent (nothing changes otherwise); True if it was added."""
        ...

    async def presence_remove(self, space: str, member: str) -> bool:
        """Remove a member; True if it was present."""
        ...

    async def presence_members(self, space: str) -> dict[str, dict[str, str]]: ...

    async def presence_get(self, space: str, member: str) -> dict[str, str] | None:
        """One member's fields, without reading the whole space."""
        ...

    async def presence_count(self, space: str) -> int:
        """How many members, without reading them (admission checks a class's size)."""
        ...

    # counters
    async def incr(self, key: str, amount: int = 1) -> int: ...

    async def counter(self, key: str) -> int: ...

    # leases: one owner at a time, until released or expired
    async def lease_acquire(self, name: str, owner: str, ttl_s: float) -> bool:
        """Take the lease if free or expired, or extend it if ``owner`` already holds it."""
        ...

    async def lease_release(self, name: str, owner: str) -> bool: ...

    async def lease_owner(self, name: str) -> str | None: ...

    # pub/sub between nodes
    async def publish(self, channel: str, message: bytes) -> int:
        """Send to every current subscriber of the channel on any node; returns how many."""
        ...

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[Subscription]:
        """``async with live.subscribe(ch) as sub: async for msg in sub: ...``.

        The subscription is active when the ``async with`` block is entered.
        """
        ...

    # rate limits (GCRA: ``limit`` events per ``period_s``, bursts up to ``limit``)
    async def rate_limit(
        self, key: str, limit: int, period_s: float, *, consume: bool = True
    ) -> RateDecision:
        """Count one event, or with ``consume=False`` only say whether one would be allowed."""
        ...

    async def rate_reset(self, key: str) -> None:
        """Forget a rate limit's count (a successful log-in clears its failures)."""
        ...
