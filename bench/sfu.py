"""``python -m bench sfu --subscribers K``: one publisher's video and audio to K subscribers.

A real server in its own process; the publisher and the subscribers are aiortc peers in this
process, signalling over the class socket like a browser. The publisher sends aiortc's
synthetic 640×480 camera (VP8 or H.264) and microphone (Opus); every subscriber decodes what it
receives. Figures: server CPU microseconds per forwarded RTP packet (the forwarding unit's cost),
the slowest subscriber's frame rate, decode errors, and the time from subscribing to the first
decoded frame (a keyframe).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import time
from typing import Any

import socketio
from aiortc import (
    AudioStreamTrack,
    MediaStreamTrack,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
    VideoStreamTrack,
)

from bench.classroom import enrol_participants
from bench.http import percentile
from bench.server import process_cpu_seconds, running_server
from server.rooms.media import aiortc_glue

describe = "one publisher to K subscribers through the SFU: CPU per forwarded packet, fps, errors"
GOAL = {"us_per_packet": 20, "decode_errors": 0, "first_keyframe_p95_ms": 500}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--subscribers", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured forwarding time")
    parser.add_argument("--codec", choices=["VP8", "H264"], default="VP8")
    parser.add_argument("--database-url", default=None)


class DecodeErrors(logging.Handler):
    """Counts aiortc's "failed to decode" warnings in this process (the subscribers')."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "failed to decode" in record.getMessage():
            self.count += 1


async def connect(base_url: str, token: str, n: int) -> socketio.AsyncClient:
    sio = socketio.AsyncClient(reconnection=False)
    await sio.connect(base_url, namespaces=["/class"], transports=["websocket"],
                      auth={"token": token, "client_id": f"sfu-bench-{n:04d}"})  # fmt: skip
    answer = await sio.call("join", {}, namespace="/class", timeout=30)
    assert answer["ok"], answer
    return sio


async def publish(sio: socketio.AsyncClient, codec: str) -> RTCPeerConnection:
    pc = RTCPeerConnection()
    video = pc.addTransceiver(VideoStreamTrack(), direction="sendonly")
    caps = RTCRtpSender.getCapabilities("video").codecs
    video.setCodecPreferences([c for c in caps if c.mimeType == f"video/{codec}"])
    pc.addTransceiver(AudioStreamTrack(), direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    offer = {"type": pc.localDescription.type, "sdp": pc.localDescription.sdp}
    answer = await sio.call("media_publish", offer, namespace="/class", timeout=30)
    assert answer["ok"], answer
    await pc.setRemoteDescription(RTCSessionDescription(**answer["answer"]))
    return pc


class Subscriber:
    def __init__(self, sio: socketio.AsyncClient) -> None:
        self.sio = sio
        self.pc = RTCPeerConnection()
        self.frames = 0
        self.first_frame_s: float | None = None
        self.first_frame = asyncio.Event()
        self.started = 0.0
        self.readers: list[asyncio.Task[None]] = []
        self.pc.on("track", self._on_track)

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "video":
            self.readers.append(asyncio.get_running_loop().create_task(self._read(track)))
        else:
            self.readers.append(asyncio.get_running_loop().create_task(self._drain(track)))

    async def _read(self, track: MediaStreamTrack) -> None:
        while True:
            await track.recv()
            self.frames += 1
            if self.first_frame_s is None:
                self.first_frame_s = time.monotonic() - self.started
                self.first_frame.set()

    async def _drain(self, track: MediaStreamTrack) -> None:
        while True:
            await track.recv()

    async def subscribe(self) -> None:
        self.started = time.monotonic()
        answer = await self.sio.call("media_subscribe", {}, namespace="/class", timeout=30)
        assert answer["ok"], answer
        assert answer["offer"], "nothing to subscribe to"
        await self.pc.setRemoteDescription(RTCSessionDescription(**answer["offer"]))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        reply = {"type": self.pc.localDescription.type, "sdp": self.pc.localDescription.sdp}
        done = await self.sio.call("media_answer", reply, namespace="/class", timeout=30)
        assert done["ok"], done

    async def packets_received(self) -> int:
        stats = await self.pc.getStats()
        return sum(s.packetsReceived for s in stats.values() if s.type == "inbound-rtp")

    async def close(self) -> None:
        for reader in self.readers:
            reader.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)
        await self.pc.close()
        await self.sio.disconnect()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    errors = DecodeErrors()
    logging.getLogger("aiortc").addHandler(errors)
    print(f"bench sfu: 1 publisher ({args.codec} + Opus) to {args.subscribers} subscribers")
    # media over loopback only, on both sides: the benchmark never leaves this machine
    aiortc_glue.limit_host_addresses(["127.0.0.1"])
    loopback = {"BAEUM_MEDIA_HOST_ADDRESSES": '["127.0.0.1"]'}
    async with running_server(args.database_url, loopback) as server:
        secret = (server.var_dir / "secret_key").read_bytes().strip()
        tokens = await enrol_participants(server.database_url, secret, args.subscribers + 1)
        publisher_sio = await connect(server.base_url, tokens[0], 0)
        publisher = await publish(publisher_sio, args.codec)
        subscribers = [Subscriber(await connect(server.base_url, t, n + 1))
                       for n, t in enumerate(tokens[1:])]  # fmt: skip
        await asyncio.gather(*(s.subscribe() for s in subscribers))
        with contextlib.suppress(TimeoutError):  # a subscriber with no frame is reported
            await asyncio.wait_for(asyncio.gather(*(s.first_frame.wait() for s in subscribers)), 20)
        packets0 = sum([await s.packets_received() for s in subscribers])
        frames0 = [s.frames for s in subscribers]
        cpu0, t0 = process_cpu_seconds(server.pid), time.monotonic()
        await asyncio.sleep(args.seconds)
        cpu1, t1 = process_cpu_seconds(server.pid), time.monotonic()
        packets1 = sum([await s.packets_received() for s in subscribers])
        fps = [(s.frames - f0) / (t1 - t0) for s, f0 in zip(subscribers, frames0, strict=True)]
        for s in subscribers:
            await s.close()
        await publisher.close()
        await publisher_sio.disconnect()
    forwarded = packets1 - packets0
    cpu = cpu1 - cpu0
    first = [s.first_frame_s * 1000 for s in subscribers if s.first_frame_s is not None]
    figures = {
        "bench": "sfu",
        "subscribers": args.subscribers,
        "codec": args.codec,
        "seconds": args.seconds,
        "forwarded_packets": forwarded,
        "server_cpu_s": round(cpu, 2),
        "us_per_packet": round(cpu / forwarded * 1e6, 1) if forwarded else None,
        "subscriber_fps_min": round(min(fps), 1) if fps else None,
        "subscriber_fps_mean": round(sum(fps) / len(fps), 1) if fps else None,
        "decode_errors": errors.count,
        "first_keyframe_p95_ms": round(percentile(first, 0.95), 1) if first else None,
        "no_first_frame": args.subscribers - len(first),
        "goal": GOAL,
    }
    print(f"  forwarded {forwarded} packets in {args.seconds:.0f} s on {cpu:.2f} server CPU s: "
          f"{figures['us_per_packet']} µs per packet; slowest subscriber "
          f"{figures['subscriber_fps_min']} fps; {errors.count} decode errors; first frame "
          f"p95 {figures['first_keyframe_p95_ms']} ms")  # fmt: skip
    return figures
