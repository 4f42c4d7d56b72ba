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
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
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
from bench.server import free_port, process_cpu_seconds, running_server
from server.rooms.media import aiortc_glue

describe = "one publisher to K subscribers through the SFU: CPU per forwarded packet, fps, errors"
GOAL = {"us_per_packet": 20, "decode_errors": 0, "first_keyframe_p95_ms": 500}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--subscribers", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured forwarding time")
    parser.add_argument("--codec", choices=["VP8", "H264"], default="VP8")
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--compare", action="store_true", help="also run aiortc's MediaRelay on the same load"
    )


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


async def publish(signalling: Signalling, codec: str) -> RTCPeerConnection:
    pc = RTCPeerConnection()
    video = pc.addTransceiver(VideoStreamTrack(), direction="sendonly")
    caps = RTCRtpSender.getCapabilities("video").codecs
    video.setCodecPreferences([c for c in caps if c.mimeType == f"video/{codec}"])
    pc.addTransceiver(AudioStreamTrack(), direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    offer = {"type": pc.localDescription.type, "sdp": pc.localDescription.sdp}
    answer = await signalling.publish(offer)
    await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
    return pc


class Signalling(Protocol):
    """How a load-generator peer talks to a server: the SFU's socket, or the baseline's HTTP."""

    async def publish(self, offer: dict[str, str]) -> dict[str, str]: ...

    async def subscribe(self) -> dict[str, Any]: ...

    async def answer(self, offer: dict[str, Any], answer: dict[str, str]) -> None: ...

    async def close(self) -> None: ...


class SocketSignalling:
    def __init__(self, sio: socketio.AsyncClient) -> None:
        self.sio = sio

    async def _call(self, event: str, data: Any) -> Any:
        answer = await self.sio.call(event, data, namespace="/class", timeout=30)
        assert answer["ok"], answer
        return answer

    async def publish(self, offer: dict[str, str]) -> dict[str, str]:
        return dict((await self._call("media_publish", offer))["answer"])

    async def subscribe(self) -> dict[str, Any]:
        offer = (await self._call("media_subscribe", {}))["offer"]
        assert offer, "nothing to subscribe to"
        return dict(offer)

    async def answer(self, offer: dict[str, Any], answer: dict[str, str]) -> None:
        await self._call("media_answer", answer)

    async def close(self) -> None:
        await self.sio.disconnect()


class HttpSignalling:
    """The baseline relay's endpoints (bench/aiortc_relay.py)."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self.session, self.base_url = session, base_url

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        async with self.session.post(self.base_url + path, json=body) as response:
            response.raise_for_status()
            return dict(await response.json())

    async def publish(self, offer: dict[str, str]) -> dict[str, str]:
        return {k: str(v) for k, v in (await self._post("/publish", offer)).items()}

    async def subscribe(self) -> dict[str, Any]:
        return await self._post("/subscribe", {})

    async def answer(self, offer: dict[str, Any], answer: dict[str, str]) -> None:
        await self._post("/answer", {"id": offer["id"], **answer})

    async def close(self) -> None:
        return None


class Subscriber:
    def __init__(self, signalling: Signalling) -> None:
        self.signalling = signalling
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
        offer = await self.signalling.subscribe()
        await self.pc.setRemoteDescription(RTCSessionDescription(offer["sdp"], offer["type"]))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        reply = {"type": self.pc.localDescription.type, "sdp": self.pc.localDescription.sdp}
        await self.signalling.answer(offer, reply)

    async def packets_received(self) -> int:
        stats = await self.pc.getStats()
        return sum(s.packetsReceived for s in stats.values() if s.type == "inbound-rtp")

    async def close(self) -> None:
        for reader in self.readers:
            reader.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)
        await self.pc.close()
        await self.signalling.close()


@dataclass
class Measured:
    forwarded: int
    cpu_s: float
    fps: list[float]
    first_ms: list[float]


async def measure(
    publisher_signalling: Signalling,
    subscriber_signalling: list[Signalling],
    codec: str,
    seconds: float,
    pid: int,
) -> Measured:
    """Publish, subscribe everyone, then count what is forwarded over ``seconds``."""
    publisher = await publish(publisher_signalling, codec)
    subscribers = [Subscriber(s) for s in subscriber_signalling]
    try:
        await asyncio.gather(*(s.subscribe() for s in subscribers))
        with contextlib.suppress(TimeoutError):  # a subscriber with no frame is reported
            await asyncio.wait_for(asyncio.gather(*(s.first_frame.wait() for s in subscribers)), 20)
        packets0 = sum([await s.packets_received() for s in subscribers])
        frames0 = [s.frames for s in subscribers]
        cpu0, t0 = process_cpu_seconds(pid), time.monotonic()
        await asyncio.sleep(seconds)
        cpu1, t1 = process_cpu_seconds(pid), time.monotonic()
        packets1 = sum([await s.packets_received() for s in subscribers])
        fps = [(s.frames - f0) / (t1 - t0) for s, f0 in zip(subscribers, frames0, strict=True)]
        first = [s.first_frame_s * 1000 for s in subscribers if s.first_frame_s is not None]
        return Measured(packets1 - packets0, cpu1 - cpu0, fps, first)
    finally:
        for s in subscribers:
            await s.close()
        await publisher.close()
        await publisher_signalling.close()


@contextlib.asynccontextmanager
async def baseline_server() -> AsyncIterator[tuple[str, int]]:
    """aiortc's MediaRelay behind bench/aiortc_relay.py, in its own process."""
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.aiortc_relay", "--port", str(port),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(300):  # up to about 30 s for the process to listen
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.post(base + "/subscribe", json={}):
                        break
                await asyncio.sleep(0.1)
        yield base, proc.pid
    finally:
        proc.terminate()
        await proc.wait()


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
        sockets = [await connect(server.base_url, t, n) for n, t in enumerate(tokens)]
        sfu = await measure(SocketSignalling(sockets[0]),
                            [SocketSignalling(s) for s in sockets[1:]],
                            args.codec, args.seconds, server.pid)  # fmt: skip
    baseline: Measured | None = None
    if args.compare:
        print("  the same load through aiortc's MediaRelay (decode once, encode per subscriber)")
        async with baseline_server() as (base, pid), aiohttp.ClientSession() as session:
            http = [HttpSignalling(session, base) for _ in range(args.subscribers + 1)]
            baseline = await measure(http[0], list(http[1:]), args.codec, args.seconds, pid)
    forwarded, cpu, fps, first = sfu.forwarded, sfu.cpu_s, sfu.fps, sfu.first_ms
    sfu_us, relay_us = _us(sfu), (_us(baseline) if baseline else None)
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
        "relay_us_per_packet": relay_us,
        "relay_fps_min": round(min(baseline.fps), 1) if baseline and baseline.fps else None,
        "relay_ratio": round(relay_us / sfu_us, 2) if relay_us and sfu_us else None,
        "goal": GOAL,
    }
    print(f"  forwarded {forwarded} packets in {args.seconds:.0f} s on {cpu:.2f} server CPU s: "
          f"{figures['us_per_packet']} µs per packet; slowest subscriber "
          f"{figures['subscriber_fps_min']} fps; {errors.count} decode errors; first frame "
          f"p95 {figures['first_keyframe_p95_ms']} ms")  # fmt: skip
    if baseline is not None:
        print(f"  aiortc relay: {relay_us} µs per packet, slowest subscriber "
              f"{figures['relay_fps_min']} fps; ratio {figures['relay_ratio']}")  # fmt: skip
    return figures


def _us(measured: Measured) -> float | None:
    if not measured.forwarded:
        return None
    return round(measured.cpu_s / measured.forwarded * 1e6, 1)
