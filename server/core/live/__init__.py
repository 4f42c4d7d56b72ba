"""Live state shared by server nodes: in-process or Redis, behind one interface."""

from __future__ import annotations

from server.config import Settings
from server.core.clock import Clock
from server.core.live.base import LiveState, RateDecision
from server.core.live.memory import MemoryLiveState
from server.core.live.redis import RedisLiveState

__all__ = ["LiveState", "MemoryLiveState", "RateDecision", "RedisLiveState", "open_live_state"]


def open_live_state(settings: Settings, clock: Clock) -> LiveState:
    """Redis when BAEUM_REDIS_URL is set, otherwise this process's memory."""
    if settings.redis_url is not None:
        return RedisLiveState(str(settings.redis_url), clock, prefix=settings.redis_prefix)
    return MemoryLiveState(clock)
