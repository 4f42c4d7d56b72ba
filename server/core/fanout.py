"""A lean broadcast for socket.io rooms: one encoded packet, queued to every recipient.

python-socketio already encodes a room broadcast once, but then starts one asyncio task per
recipient to hand it over; for a class of 1,000 that is 1,000 tasks per chat line. Here the
shared engine.io packet is put straight on each recipient's send queue (what those tasks do
in the end), in one loop. Broadcasts with acknowledgement callbacks or binary data take the
library's own path. Measured with ``python -m bench classroom`` (bench/RESULTS.md).

The mixin sits between the pub/sub manager and ``AsyncManager`` in the class order, so local
delivery of a Redis-relayed broadcast takes the lean path too.
"""

from __future__ import annotations

from typing import Any

import socketio
from engineio import packet as eio_packet
from socketio import packet as sio_packet


class LeanFanout(socketio.AsyncManager):  # type: ignore[misc]
    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str,
        room: str | None = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: str | None = None,
        **kwargs: Any,
    ) -> None:
        room = to or room
        args = list(data) if isinstance(data, tuple) else ([] if data is None else [data])
        if callback is not None or sio_packet.Packet.data_is_binary(args):
            await super().emit(event, data, namespace, room=room, skip_sid=skip_sid,
                               callback=callback, **kwargs)  # fmt: skip
            return
        if namespace not in self.rooms:
            return
        encoded = self.server.packet_class(
            sio_packet.EVENT, namespace=namespace, data=[event, *args]
        ).encode()
        shared = eio_packet.Packet(eio_packet.MESSAGE, encoded)
        skip = set(skip_sid) if isinstance(skip_sid, list) else {skip_sid}
        sockets = self.server.eio.sockets
        for sid, eio_sid in self.get_participants(namespace, room):
            if sid in skip:
                continue
            socket = sockets.get(eio_sid)
            if socket is not None and not socket.closed:
                socket.queue.put_nowait(shared)


class LeanManager(LeanFanout):
    """The in-process manager (one node), with the lean broadcast."""


class LeanRedisManager(socketio.AsyncRedisManager, LeanFanout):  # type: ignore[misc]
    """The Redis manager (many nodes), with the lean broadcast for this node's recipients."""
