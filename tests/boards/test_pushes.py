"""Board pushes at a bounded rate (server/boards/pushes.py): a quiet board's change goes out at
once, a burst goes out in batches, and a post's last change within a batch is the one sent."""

from __future__ import annotations

import asyncio
from typing import Any

from server.boards.pushes import PostPushes


class Gate:
    """The wait between batches, opened by the test instead of by time."""

    def __init__(self) -> None:
        self.waiting = asyncio.Event()
        self.opened = asyncio.Event()

    async def wait(self) -> None:
        self.waiting.set()
        await self.opened.wait()
        self.opened.clear()

    async def open(self) -> None:
        """Let one wait end, and wait for the batch it releases to be sent."""
        self.waiting.clear()
        self.opened.set()
        await asyncio.sleep(0)


Batch = tuple[int, list[dict[str, Any]], list[dict[str, Any]]]


def recorder() -> tuple[list[Batch], Any, asyncio.Queue[Batch]]:
    sent: list[Batch] = []
    arrived: asyncio.Queue[Batch] = asyncio.Queue()

    async def send(
        board_id: int, posts: list[dict[str, Any]], hidden: list[dict[str, Any]]
    ) -> None:
        sent.append((board_id, posts, hidden))
        arrived.put_nowait((board_id, posts, hidden))

    return sent, send, arrived


def post(post_id: int, version: int = 1) -> dict[str, Any]:
    return {"id": post_id, "version": version, "body": f"글 {post_id}"}


async def test_a_quiet_board_is_told_at_once_and_a_burst_in_one_batch() -> None:
    gate = Gate()
    sent, send, arrived = recorder()
    pushes = PostPushes(send, 60.0, wait=gate.wait)

    pushes.push(7, 1, "post", post(1))
    assert await asyncio.wait_for(arrived.get(), 5) == (7, [post(1)], [])
    await asyncio.wait_for(gate.waiting.wait(), 5)
    for n in range(2, 12):  # ten more while the board waits
        pushes.push(7, n, "post", post(n))
    assert len(sent) == 1  # nothing more until the wait ends

    await gate.open()
    board_id, posts, hidden = await asyncio.wait_for(arrived.get(), 5)
    assert (board_id, hidden) == (7, [])
    assert [p["id"] for p in posts] == list(range(2, 12))  # in order, each once

    await asyncio.wait_for(gate.waiting.wait(), 5)
    await gate.open()  # a wait that brought nothing ends the batching
    pushes.push(7, 12, "post", post(12))
    assert await asyncio.wait_for(arrived.get(), 5) == (7, [post(12)], [])
    await pushes.close()


async def test_a_post_changed_twice_in_a_batch_goes_out_once_as_its_last_change() -> None:
    gate = Gate()
    _, send, arrived = recorder()
    pushes = PostPushes(send, 60.0, wait=gate.wait)
    pushes.push(3, 1, "post", post(1))
    await arrived.get()
    await asyncio.wait_for(gate.waiting.wait(), 5)

    pushes.push(3, 2, "post", post(2))
    pushes.push(3, 5, "post", post(5))
    pushes.push(3, 2, "hidden", {"post_id": 2, "version": 2, "status": "removed"})
    pushes.push(3, 5, "post", post(5, version=2))
    await gate.open()
    _, posts, hidden = await asyncio.wait_for(arrived.get(), 5)
    assert posts == [post(5, version=2)]  # the edit, not the first version as well
    assert hidden == [{"post_id": 2, "version": 2, "status": "removed"}]  # never shown again
    await pushes.close()


async def test_boards_are_told_apart_and_a_failed_send_holds_back_no_later_batch() -> None:
    gate = Gate()
    failures: list[int] = []
    arrived: asyncio.Queue[Batch] = asyncio.Queue()

    async def send(
        board_id: int, posts: list[dict[str, Any]], hidden: list[dict[str, Any]]
    ) -> None:
        if board_id == 1 and not failures:
            failures.append(board_id)
            raise ConnectionError("the message bus is away")
        arrived.put_nowait((board_id, posts, hidden))

    pushes = PostPushes(send, 60.0, wait=gate.wait)
    pushes.push(1, 10, "post", post(10))  # its send fails (the post itself is kept)
    pushes.push(2, 20, "post", post(20))  # a quiet board of its own: not held back by board 1
    assert await asyncio.wait_for(arrived.get(), 5) == (2, [post(20)], [])
    assert failures == [1]

    pushes.push(1, 11, "post", post(11))
    await gate.open()
    assert await asyncio.wait_for(arrived.get(), 5) == (1, [post(11)], [])
    await pushes.close()
