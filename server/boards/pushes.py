"""Board changes pushed at a bounded rate: when a class posts at once, 1,000 post-its to 200
people must not be 200,000 messages (each one a frame the server writes and a phone decodes).

Per board and per node, the first change on a quiet board goes out at once; changes made in
the next ``interval_s`` wait and go out together as one ``board_posts`` message, and so on
while changes keep coming. A post changed twice within one wait goes out once, as its last
change: a post removed right after it was made is never shown again by a late copy of itself.
Only what was committed is pushed (callers hand bodies over after the commit)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Literal

import structlog

from server.core.tasks import stop_tasks

log = structlog.get_logger("baeum.boards")

Kind = Literal["post", "hidden"]
Send = Callable[[int, list[dict[str, Any]], list[dict[str, Any]]], Awaitable[None]]
"""(board id, posts, hidden notices): one ``board_posts`` message to everyone on the board."""


class PostPushes:
    def __init__(
        self, send: Send, interval_s: float, wait: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        self._send = send
        self._wait = wait or (lambda: asyncio.sleep(interval_s))
        self._waiting: dict[int, dict[int, tuple[Kind, dict[str, Any]]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def push(self, board_id: int, post_id: int, kind: Kind, body: dict[str, Any]) -> None:
        """A post (``kind="post"``) or its leaving the board (``"hidden"``) for everyone on
        the board: now if the board is quiet, else with the next batch."""
        waiting = self._waiting.get(board_id)
        if waiting is not None:
            waiting.pop(post_id, None)  # the latest change goes last, once
            waiting[post_id] = (kind, body)
            return
        self._waiting[board_id] = {}
        task = asyncio.get_running_loop().create_task(self._run(board_id, {post_id: (kind, body)}))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, board_id: int, batch: dict[int, tuple[Kind, dict[str, Any]]]) -> None:
        """Send, wait, send what came meanwhile; stop once a wait brought nothing."""
        try:
            while batch:
                posts = [body for kind, body in batch.values() if kind == "post"]
                hidden = [body for kind, body in batch.values() if kind == "hidden"]
                try:
                    await self._send(board_id, posts, hidden)
                except Exception:  # the posts are kept; pages catch up when they reopen
                    log.exception("board push failed", board_id=board_id, posts=len(batch))
                await self._wait()
                batch = self._waiting.get(board_id) or {}
                self._waiting[board_id] = {}
        finally:
            self._waiting.pop(board_id, None)

    async def close(self) -> None:
        await stop_tasks(list(self._tasks), what="board pushes")
