"""How the live classes plug into the app: the /class namespace and this node's housekeeping."""

from __future__ import annotations

from aiohttp import web

from server.core.keys import METRICS, SIO
from server.rooms.events import NAMESPACE, classroom, room
from server.rooms.node import ROOMS, RoomsNode, housekeeping


def setup(app: web.Application) -> None:
    sio = app[SIO]

    async def announce(class_session_id: int, event: str, data: dict[str, object]) -> None:
        await sio.emit(event, data, to=room(class_session_id), namespace=NAMESPACE)

    node = RoomsNode(announce)
    app[ROOMS] = node
    app[METRICS].track_live_classes(node.live_classes)
    classroom.mount(app, sio)
    app.cleanup_ctx.append(housekeeping)
