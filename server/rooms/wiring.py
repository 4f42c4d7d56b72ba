"""How the live classes plug into the app: the /class namespace and this node's housekeeping."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.core.keys import CLOCK, DATABASE, METRICS, SETTINGS, SIO
from server.rooms import service
from server.rooms.batching import PresenceBatcher
from server.rooms.breakout import events as breakout_events
from server.rooms.events import NAMESPACE, classroom, room
from server.rooms.media import aiortc_glue, loopback
from server.rooms.media import events as media_events  # noqa: F401 - registers the events
from server.rooms.media.hosting import MEDIA_ROUTER, MediaRouter, media_signalling
from server.rooms.media.quality import Quality
from server.rooms.media.sfu import MEDIA, MediaNode, MediaOptions, media_node
from server.rooms.media.whip import WHIP_SESSIONS
from server.rooms.media.whip import routes as whip_routes
from server.rooms.models import ConnectionReport
from server.rooms.node import ROOMS, RoomsNode, housekeeping


def setup(app: web.Application) -> None:
    sio = app[SIO]

    async def announce(class_session_id: int, data: dict[str, object]) -> None:
        await sio.emit("participants_changed", data, to=room(class_session_id), namespace=NAMESPACE)

    node = RoomsNode(PresenceBatcher(announce, app[SETTINGS].presence_batch_s))
    node.tickers.append(lambda class_session_id: breakout_events.tick(app, class_session_id))
    app[ROOMS] = node
    app[METRICS].track_live_classes(node.live_classes)

    async def tell(sid: str, event: str, data: dict[str, Any]) -> None:
        await sio.emit(event, data, to=sid, namespace=NAMESPACE)

    async def to_class(class_session_id: int, event: str, data: dict[str, Any]) -> None:
        await sio.emit(event, data, to=room(class_session_id), namespace=NAMESPACE)

    settings = app[SETTINGS]
    if settings.media_host_addresses:
        aiortc_glue.limit_host_addresses([str(a) for a in settings.media_host_addresses])

    async def report(
        class_session_id: int,
        user_id: int,
        kind: str,
        detail: str,
        who: dict[str, Any],
        measured: Quality | None,
    ) -> None:
        figures = (
            {}
            if measured is None
            else {
                "packet_loss_pct": measured.loss_pct,
                "rtt_ms": measured.rtt_ms,
                "jitter_ms": measured.jitter_ms,
                "bitrate_kbps": measured.bitrate_kbps,
            }
        )
        async with app[DATABASE].unit_of_work(request_id="media:report") as session:
            await service.store_connection_report(session, ConnectionReport(
                at=app[CLOCK].now(), source="server", kind=kind, detail=detail, user_id=user_id,
                class_session_id=class_session_id,
                device_class=who.get("device_class") or "unknown", browser=who.get("browser"),
                os=who.get("os"), network_type=who.get("network_type"), **figures,
            ))  # fmt: skip

    options = MediaOptions(settings.ice_servers, settings.audio_speakers, settings.media_quality_s)
    app[MEDIA] = MediaNode(options, tell, to_class, report)
    app[MEDIA_ROUTER] = MediaRouter(app)
    app[WHIP_SESSIONS] = {}
    app.router.add_routes(whip_routes)
    loopback.setup(app)
    classroom.mount(app, sio)  # with the media events, registered by importing them
    app.cleanup_ctx.append(housekeeping)
    app.cleanup_ctx.append(media_node)
    app.cleanup_ctx.append(media_signalling)
