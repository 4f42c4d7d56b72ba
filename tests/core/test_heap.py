"""The node gives glibc's free heap pages back to the system now and then (server/core/heap.py).

Why it exists: under a steady load the resident memory of a node grew about 1 MB a minute while
malloc's bytes in use stayed flat (bench/RESULTS.md, "memory, 2026-12-02"); the growth was free
memory glibc kept inside its heap. These tests count trims and glibc's own answer, not RSS.
"""

from __future__ import annotations

import asyncio
import ctypes
from collections.abc import Awaitable, Callable

from server.app import create_app
from server.core.clock import ManualClock
from server.core.heap import HEAP_TRIM, HeapTrim, glibc_trimmer
from tests.conftest import AppClient, NodeFactory


def test_glibc_trim_gives_back_free_memory_inside_the_heap() -> None:
    """Free blocks below a block still in use: only malloc_trim(0) can return them (glibc's own
    trim after free() gives back the heap's top, which the block in use pins)."""
    trim = glibc_trimmer()
    assert trim is not None, "this machine runs glibc: malloc_trim must be found"
    libc = ctypes.CDLL(None)
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = [libc.malloc(16 * 1024) for _ in range(2000)]  # 32 MB, below the mmap threshold
    assert all(blocks)
    for block in blocks[:-1]:
        libc.free(block)
    try:
        assert trim() == 1  # glibc: 1 when memory was given back to the system
    finally:
        libc.free(blocks[-1])


def test_a_trim_is_counted_and_none_without_glibc() -> None:
    calls: list[int] = []

    def trimmer() -> int:
        calls.append(1)
        return 1

    heap = HeapTrim(60.0, trimmer=trimmer)
    heap.trim()
    heap.trim()
    assert (heap.count, len(calls), heap.trimmed.is_set()) == (2, 2, True)
    elsewhere = HeapTrim(60.0, trimmer=None)  # musl, macOS: no malloc_trim
    elsewhere.trim()
    assert (elsewhere.count, elsewhere.trimmed.is_set()) == (0, False)


async def test_a_running_node_trims_on_its_interval(
    nodes: NodeFactory,
    clock: ManualClock,
    aiohttp_client: Callable[..., Awaitable[AppClient]],
) -> None:
    app = create_app(nodes.settings(heap_trim_s=0.01), clock=clock)
    await aiohttp_client(app)
    heap = app[HEAP_TRIM]
    await asyncio.wait_for(heap.trimmed.wait(), 30)
    heap.trimmed.clear()
    await asyncio.wait_for(heap.trimmed.wait(), 30)  # and again: it runs on, not once
    assert heap.count >= 2


async def test_an_interval_of_zero_turns_the_trims_off(
    nodes: NodeFactory,
    clock: ManualClock,
    aiohttp_client: Callable[..., Awaitable[AppClient]],
) -> None:
    app = create_app(nodes.settings(heap_trim_s=0), clock=clock)
    client = await aiohttp_client(app)
    assert (await client.get("/healthz")).status == 200  # the app runs, requests answered
    assert app[HEAP_TRIM].count == 0
