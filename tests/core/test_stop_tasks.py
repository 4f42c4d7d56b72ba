"""A node's shutdown ends its background tasks even when one loses a cancellation, and never
waits on one for ever (server/core/tasks.py)."""

from __future__ import annotations

import asyncio

from server.core.tasks import stop_tasks


async def swallows_cancellations(times: int, resumed: asyncio.Event) -> None:
    """Like a client library that catches a cancellation and goes back to reading."""
    for _ in range(times):
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            resumed.set()
    await asyncio.Event().wait()


async def test_a_task_that_swallowed_a_cancellation_is_cancelled_again() -> None:
    resumed = asyncio.Event()
    task = asyncio.create_task(swallows_cancellations(2, resumed))
    await asyncio.sleep(0)  # let it start waiting
    await stop_tasks([task], what="test", within_s=60)
    assert resumed.is_set()
    assert task.cancelled()


async def test_a_task_that_never_ends_is_left_behind_not_waited_for() -> None:
    released = asyncio.Event()

    async def stubborn() -> None:
        while not released.is_set():
            try:
                await released.wait()
            except asyncio.CancelledError:
                continue

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    await stop_tasks([task], what="test", within_s=0.3)
    assert not task.done()  # left behind: the shutdown went on without it
    released.set()
    await task


async def test_ended_and_failed_tasks_are_fine_and_an_empty_list_returns() -> None:
    async def fails() -> None:
        raise RuntimeError("boom")

    failed = asyncio.create_task(fails())
    finished = asyncio.create_task(asyncio.sleep(0))
    await asyncio.wait({failed, finished})
    await stop_tasks([failed, finished], what="test")
    await stop_tasks([], what="test")
    assert isinstance(failed.exception(), RuntimeError)
