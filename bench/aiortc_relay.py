"""The baseline the SFU is compared with: aiortc's own relay (``MediaRelay``), as its examples
do it. It decodes the publisher's track once and every subscriber's sender encodes it again.

``python -m bench.aiortc_relay --port N`` serves three JSON endpoints on 127.0.0.1, only for
``python -m bench sfu --compare``: ``/publish`` (offer in, answer out), ``/subscribe`` (an offer
out, with an id) and ``/answer`` (the subscriber's answer in).
"""

from __future__ import annotations

import argparse
import itertools
from typing import Any

from aiohttp import web
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaRelay

from server.rooms.media import aiortc_glue

SOURCES: web.AppKey[dict[str, MediaStreamTrack]] = web.AppKey("sources", dict)
PEERS: web.AppKey[dict[int, RTCPeerConnection]] = web.AppKey("peers", dict)
RELAY: web.AppKey[MediaRelay] = web.AppKey("relay", MediaRelay)
IDS: web.AppKey[Any] = web.AppKey("ids", object)


def description(pc: RTCPeerConnection) -> dict[str, str]:
    assert pc.localDescription is not None
    return {"type": pc.localDescription.type, "sdp": pc.localDescription.sdp}


async def publish(request: web.Request) -> web.Response:
    offer = await request.json()
    pc = RTCPeerConnection()
    request.app[PEERS][next(request.app[IDS])] = pc
    pc.on("track", lambda track: request.app[SOURCES].__setitem__(track.kind, track))
    await pc.setRemoteDescription(RTCSessionDescription(offer["sdp"], offer["type"]))
    await pc.setLocalDescription(await pc.createAnswer())
    return web.json_response(description(pc))


async def subscribe(request: web.Request) -> web.Response:
    pc = RTCPeerConnection()
    peer_id = next(request.app[IDS])
    request.app[PEERS][peer_id] = pc
    for track in request.app[SOURCES].values():
        pc.addTrack(request.app[RELAY].subscribe(track))
    await pc.setLocalDescription(await pc.createOffer())
    return web.json_response({"id": peer_id, **description(pc)})


async def answer(request: web.Request) -> web.Response:
    body = await request.json()
    pc = request.app[PEERS][body["id"]]
    await pc.setRemoteDescription(RTCSessionDescription(body["sdp"], "answer"))
    return web.json_response({"ok": True})


async def close_all(app: web.Application) -> None:
    for pc in app[PEERS].values():
        await pc.close()


def make_app() -> web.Application:
    app = web.Application()
    app[SOURCES], app[PEERS], app[RELAY] = {}, {}, MediaRelay()
    app[IDS] = itertools.count(1)
    app.router.add_post("/publish", publish)
    app.router.add_post("/subscribe", subscribe)
    app.router.add_post("/answer", answer)
    app.on_shutdown.append(close_all)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    aiortc_glue.limit_host_addresses(["127.0.0.1"])
    web.run_app(make_app(), host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
