"""Presence changes, coalesced: one ``participants_changed`` message per class per moment.

When 1,000 people join a class within a minute, announcing each arrival to everyone is a
million deliveries; batching the arrivals of each quarter second makes it a few thousand.
Within a batch a person's latest change wins (joined then updated is still "joined", with the
newest fields; joined then left is "left").
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from server.core.tasks import stop_tasks

Emit = Callable[[int, dict[str, Any]], Awaitable[None]]
STICKY = ("joined", "resumed")  # an update within the batch does not hide these


class PresenceBatcher:
    def __init__(self, emit: Emit, delay_s: float) -> None:
        self._emit = emit
        self._delay_s = delay_s
        self._pending: dict[int, dict[int, dict[str, Any]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def add(self, class_session_id: int, kind: str, change: dict[str, Any]) -> None:
        """Queue a change (``change`` has ``user_id``); sent with the class's next batch."""
        batch = self._pending.get(class_session_id)
        if batch is None:
            batch = self._pending[class_session_id] = {}
            task = asyncio.get_running_loop().create_task(self._flush_later(class_session_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        previous = batch.get(change["user_id"])
        if previous is not None and kind == "updated" and previous["kind"] in STICKY:
            kind = previous["kind"]
        batch[change["user_id"]] = {"kind": kind, **change}

    async def _flush_later(self, class_session_id: int) -> None:
        if self._delay_s > 0:
            await asyncio.sleep(self._delay_s)
        else:
            await asyncio.sleep(0)  # let the rest of this moment's changes join the batch
        batch = self._pending.pop(class_session_id, {})
        if batch:
            await self._emit(class_session_id, {"changes": list(batch.values())})

    async def close(self) -> None:
        await stop_tasks(list(self._tasks), what="class change batches")
