"""Stopping a node's background tasks without ever hanging its shutdown.

A cancellation can be lost inside a client library: one that catches ``CancelledError`` on
its way out (or turns it into its own time-out and retries) goes back to waiting, and a plain
``task.cancel(); await task`` then waits forever. A node whose shutdown hangs never closes its
sockets, so its people wait for ping time-outs instead of moving to another node at once.
``stop_tasks`` cancels again while a task is still running, and after ``within_s`` leaves
behind (and logs) whatever still did not end.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import structlog

log = structlog.get_logger("baeum.tasks")

#: how long a node's shutdown waits on one group of background tasks
STOP_WITHIN_S = 5.0
#: how often a task that is still running is cancelled again
RECANCEL_S = 0.25


async def stop_tasks(
    tasks: Iterable[asyncio.Task[object]], *, what: str, within_s: float = STOP_WITHIN_S
) -> None:
    """Cancel ``tasks`` and wait for them to end, re-cancelling one that swallowed it."""
    everyone = [task for task in tasks if task is not asyncio.current_task()]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    running = {task for task in everyone if not task.done()}
    while running:
        left = deadline - loop.time()
        if left <= 0:
            log.error("background tasks did not stop in time; left behind", what=what,
                      tasks=sorted(task.get_name() for task in running))  # fmt: skip
            return
        for task in running:
            task.cancel()
        _, running = await asyncio.wait(running, timeout=min(RECANCEL_S, left))
    for task in everyone:
        if not task.cancelled() and task.exception() is not None:
            log.error("background task ended with an error", what=what, task=task.get_name(),
                      error=repr(task.exception()))  # fmt: skip
