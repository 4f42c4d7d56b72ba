"""Give the C heap's free pages back to the system once a minute (glibc's ``malloc_trim``).

Why: under a steady load a node's resident memory grew about 1 MB a minute (600 people, two
nodes; ~3 MB at 2,000) while the bytes malloc had handed out stayed flat, and so did Python's
objects: the growth was free memory that glibc keeps inside its main heap, whose automatic trim
only gives back the heap's top (``python -m bench soak --memory-probe``, bench/RESULTS.md,
"memory, 2026-12-02"). ``malloc_trim(0)`` returns those free pages to the system; measured at
0.3-7 ms a call on a node of 240 MB, so once a minute (``BAEUM_HEAP_TRIM_S``, 0 turns it off)
costs nothing noticeable on the event loop. Where the C library is not glibc (musl, macOS)
there is no such call and nothing is done.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import structlog
from aiohttp import web

from server.core.keys import SETTINGS
from server.core.tasks import stop_tasks

log = structlog.get_logger("baeum.heap")

#: returns glibc's answer: 1 if memory was given back, 0 if there was none to give
Trimmer = Callable[[], int]


def glibc_trimmer() -> Trimmer | None:
    """``malloc_trim(0)`` of the C library this process runs on, if that is glibc."""
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 - only glibc has it (musl has no malloc_trim)
        malloc_trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    malloc_trim.argtypes = [ctypes.c_size_t]
    malloc_trim.restype = ctypes.c_int

    def trim() -> int:
        return int(malloc_trim(0))

    return trim


@dataclass
class HeapTrim:
    """This app's trims: how many so far, and an event set after each (for tests to await)."""

    every_s: float
    trimmer: Trimmer | None = field(default_factory=glibc_trimmer)
    count: int = 0
    trimmed: asyncio.Event = field(default_factory=asyncio.Event)

    def trim(self) -> None:
        if self.trimmer is None:
            return
        self.trimmer()
        self.count += 1
        self.trimmed.set()

    async def run(self, stopping: asyncio.Event) -> None:
        """Trim every ``every_s`` until ``stopping`` is set; a failed trim is only logged."""
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), self.every_s)
            if not stopping.is_set():
                try:
                    self.trim()
                except Exception:  # a housekeeping nicety must never take the node down
                    log.exception("malloc_trim failed")


HEAP_TRIM: web.AppKey[HeapTrim] = web.AppKey("heap_trim", HeapTrim)


async def heap_trim_context(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: the trims run while the app runs (not at all with an interval of 0
    or on a C library without ``malloc_trim``)."""
    heap = app[HEAP_TRIM] = HeapTrim(app[SETTINGS].heap_trim_s)
    stopping = asyncio.Event()
    task = None
    if heap.every_s > 0 and heap.trimmer is not None:
        task = asyncio.create_task(heap.run(stopping))
    yield
    if task is not None:
        stopping.set()
        await stop_tasks([task], what="heap trims")
