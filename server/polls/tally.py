"""Counts pushed at a bounded rate: in a 1,000-person class a storm of votes is not a million
messages. A vote marks its question dirty; each class's dirty counts go out together at most
every ``interval_s``, read fresh from the records at sending time, so whichever node sends
last sends the exact count (the voter's own acknowledgement is immediate)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from server.core.tasks import stop_tasks

Flush = Callable[[int, set[int]], Awaitable[None]]


class Tallies:
    def __init__(self, flush: Flush, interval_s: float) -> None:
        self._flush = flush
        self._interval_s = interval_s
        self._dirty: dict[int, set[int]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def touch(self, class_session_id: int, item_id: int) -> None:
        dirty = self._dirty.get(class_session_id)
        if dirty is None:
            dirty = self._dirty[class_session_id] = set()
            task = asyncio.get_running_loop().create_task(self._later(class_session_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        dirty.add(item_id)

    async def _later(self, class_session_id: int) -> None:
        await asyncio.sleep(self._interval_s)
        dirty = self._dirty.pop(class_session_id, set())
        if dirty:
            await self._flush(class_session_id, dirty)

    async def close(self) -> None:
        await stop_tasks(list(self._tasks), what="vote tallies")
