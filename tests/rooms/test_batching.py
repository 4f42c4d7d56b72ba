"""Presence changes are coalesced per class: one message for a moment's worth of changes."""

from __future__ import annotations

import asyncio
from typing import Any

from server.rooms.batching import PresenceBatcher


async def test_a_moments_changes_go_out_as_one_message_per_class() -> None:
    sent: asyncio.Queue[tuple[int, dict[str, Any]]] = asyncio.Queue()

    async def emit(class_session_id: int, data: dict[str, Any]) -> None:
        await sent.put((class_session_id, data))

    batcher = PresenceBatcher(emit, delay_s=0.0)
    batcher.add(7, "joined", {"user_id": 1, "mic": False})
    batcher.add(7, "updated", {"user_id": 1, "mic": True})
    batcher.add(7, "joined", {"user_id": 2})
    batcher.add(7, "left", {"user_id": 2})
    batcher.add(8, "dropped", {"user_id": 3})
    first = await asyncio.wait_for(sent.get(), 5)
    second = await asyncio.wait_for(sent.get(), 5)
    assert dict([first, second]) == {
        7: {"changes": [{"kind": "joined", "user_id": 1, "mic": True},
                        {"kind": "left", "user_id": 2}]},
        8: {"changes": [{"kind": "dropped", "user_id": 3}]},
    }  # fmt: skip
    batcher.add(7, "updated", {"user_id": 1, "mic": False})  # after the flush: a new batch
    assert await asyncio.wait_for(sent.get(), 5) == (
        7, {"changes": [{"kind": "updated", "user_id": 1, "mic": False}]},
    )  # fmt: skip
    await batcher.close()
