"""Breakout groups and the class's media: whenever people change rooms, the media host learns
who is in which group, so a group sees and hears only itself (and the main room only itself)."""

from __future__ import annotations

import contextlib

from aiohttp import web

from server.core.errors import Problem
from server.core.keys import LIVE
from server.rooms import presence
from server.rooms.media.hosting import MEDIA_ROUTER


async def sync_media_rooms(app: web.Application, class_session_id: int) -> None:
    """Tell the media host the current groups (an empty map when they close)."""
    live = app[LIVE]
    rooms = await presence.rooms(live, class_session_id)
    everywhere = sorted(await presence.heard_everywhere(live, class_session_id))
    with contextlib.suppress(Problem):  # the groups stand even if media is unreachable
        await app[MEDIA_ROUTER].call(
            "rooms", class_session_id, rooms={str(u): g for u, g in rooms.items()},
            everywhere=everywhere,
        )  # fmt: skip
