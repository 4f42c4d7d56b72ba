"""The load generator's side of ``python -m bench sfu``: aiortc peers that publish and
subscribe the way a browser does, their cameras and microphones, and what they measure.

- ``Camera``: ``pattern`` is camera-like (FFmpeg's ``testsrc2``: moving colour bars, a
  gradient, a rotating disc and text), so the encoder makes frames of several packets;
  ``flat`` is aiortc's ``VideoStreamTrack`` frame (one colour, about one packet per frame).
  ``Tone`` is a microphone hearing a steady tone, so aiortc puts a real level in the RFC 6464
  header extension; aiortc's ``AudioStreamTrack`` is silence.
- ``Publisher``: one peer connection that publishes a camera and a microphone.
- ``Subscriber``: one receiving connection. It decodes what it receives (``decode=True``), or
  only counts packets: then each receiver's jitter buffer is replaced with a tap
  (``aiortc_glue.tap_packets``), so nothing is re-assembled or decoded, while the receiver
  still sends its RTCP receiver reports.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import struct
import time
from fractions import Fraction
from typing import Any, Protocol

import aiohttp
import aiortc.codecs.h264
import aiortc.codecs.vpx
import av
import av.filter
import socketio
from aiortc import (
    AudioStreamTrack,
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError
from aiortc.rtp import RtpPacket

from server.rooms.media import aiortc_glue

VIDEO_CLOCK = 90000


def peer_connection() -> RTCPeerConnection:
    """Everything on one transport, as a browser does when the server offers BUNDLE. aiortc's
    default ("balanced") leaves every m-line after the first of its kind on a transport it
    then closes (aiortc issue #1414): a subscriber would receive one voice only."""
    return RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))


class DecodeErrors(logging.Handler):
    """Counts aiortc's "failed to decode" warnings in this process (the subscribers')."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "failed to decode" in record.getMessage():
            self.count += 1


async def connect(base_url: str, token: str, n: int) -> tuple[socketio.AsyncClient, int]:
    """A joined class socket, and the user id the class knows this participant by."""
    sio = socketio.AsyncClient(reconnection=False)
    await sio.connect(base_url, namespaces=["/class"], transports=["websocket"],
                      auth={"token": token, "client_id": f"sfu-bench-{n:04d}"},
                      wait_timeout=10)  # fmt: skip
    answer = await sio.call("join", {}, namespace="/class", timeout=30)
    assert answer["ok"], answer
    return sio, int(answer["me"]["user_id"])


class Signalling(Protocol):
    """How a load-generator peer talks to a server: the SFU's socket, or the baseline's HTTP."""

    async def publish(self, offer: dict[str, str]) -> dict[str, str]: ...

    async def subscribe(self, shown: list[int] | None = None) -> dict[str, Any]: ...

    async def view(self, user_ids: list[int]) -> list[int]: ...

    async def answer(self, offer: dict[str, Any], answer: dict[str, str]) -> None: ...

    async def close(self) -> None: ...

    @property
    def voices(self) -> dict[str, int | None]: ...


class SocketSignalling:
    def __init__(self, sio: socketio.AsyncClient) -> None:
        self.sio = sio
        self.degraded = 0  # times the server stopped this subscriber's video (packet loss)
        self.voices: dict[str, int | None] = {}  # voice slot track id -> whose voice it is
        sio.on("media_degraded", self._degraded, namespace="/class")
        sio.on("voices", self._voices, namespace="/class")

    def _voices(self, data: dict[str, int | None]) -> None:
        self.voices = data

    def _degraded(self, data: Any) -> None:
        self.degraded += 1

    async def _call(self, event: str, data: Any) -> Any:
        answer = await self.sio.call(event, data, namespace="/class", timeout=30)
        assert answer["ok"], answer
        return answer

    async def publish(self, offer: dict[str, str]) -> dict[str, str]:
        return dict((await self._call("media_publish", offer))["answer"])

    async def subscribe(self, shown: list[int] | None = None) -> dict[str, Any]:
        offer = (await self._call("media_subscribe", {"video": shown}))["offer"]
        assert offer, "nothing to subscribe to"
        return dict(offer)

    async def view(self, user_ids: list[int]) -> list[int]:
        """Show only these people's video (``media_view``); whose video the server sends."""
        answer = await self._call("media_view", {"video": user_ids})
        return list(answer["video_of"])

    async def answer(self, offer: dict[str, Any], answer: dict[str, str]) -> None:
        await self._call("media_answer", answer)

    async def close(self) -> None:
        await self.sio.disconnect()


class HttpSignalling:
    """The baseline relay's endpoints (bench/aiortc_relay.py)."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self.session, self.base_url = session, base_url
        self.voices: dict[str, int | None] = {}  # the relay forwards every voice as is

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        async with self.session.post(self.base_url + path, json=body) as response:
            response.raise_for_status()
            return dict(await response.json())

    async def publish(self, offer: dict[str, str]) -> dict[str, str]:
        return {k: str(v) for k, v in (await self._post("/publish", offer)).items()}

    async def subscribe(self, shown: list[int] | None = None) -> dict[str, Any]:
        return await self._post("/subscribe", {})

    async def view(self, user_ids: list[int]) -> list[int]:
        raise NotImplementedError("the baseline relay has one publisher and no views")

    async def answer(self, offer: dict[str, Any], answer: dict[str, str]) -> None:
        await self._post("/answer", {"id": offer["id"], **answer})

    async def close(self) -> None:
        return None


def loopback_only() -> dict[str, str]:
    """Media over loopback only, on both sides: the benchmark never leaves this machine.
    Limits this process's ICE candidates; returns the server's setting that does the same."""
    aiortc_glue.limit_host_addresses(["127.0.0.1"])
    return {"BAEUM_MEDIA_HOST_ADDRESSES": '["127.0.0.1"]'}


# ---- sources ----------------------------------------------------------------------------------


class Camera(MediaStreamTrack):
    """A camera of ``width``×``height`` at ``fps`` (see the module's description)."""

    kind = "video"

    def __init__(self, source: str, width: int = 640, height: int = 480, fps: int = 30) -> None:
        super().__init__()
        self.width, self.height, self.fps = width, height, fps
        self.frames = 0  # handed to the encoder
        self._start = 0.0
        self._graph: av.filter.Graph | None = None
        self._sink: av.filter.FilterContext | None = None
        if source == "pattern":
            self._graph = av.filter.Graph()
            chain = [
                self._graph.add("testsrc2", f"size={width}x{height}:rate={fps}"),
                self._graph.add("format", "pix_fmts=yuv420p"),
                self._graph.add("buffersink"),
            ]
            for a, b in itertools.pairwise(chain):
                a.link_to(b)
            self._graph.configure()
            self._sink = chain[-1]

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self.frames == 0:
            self._start = time.monotonic()
        else:
            await asyncio.sleep(self._start + self.frames / self.fps - time.monotonic())
        frame = self._picture()
        frame.pts, frame.time_base = self.frames * VIDEO_CLOCK // self.fps, Fraction(1, VIDEO_CLOCK)
        self.frames += 1
        return frame

    def _picture(self) -> av.VideoFrame:
        if self._sink is None:  # what aiortc's VideoStreamTrack sends
            frame = av.VideoFrame(width=self.width, height=self.height)
            for plane in frame.planes:
                plane.update(bytes(plane.buffer_size))
            return frame
        pulled = self._sink.pull()
        assert isinstance(pulled, av.VideoFrame)
        return pulled


class Tone(AudioStreamTrack):
    """A microphone hearing a steady 400 Hz tone (aiortc's 20 ms frames at 8 kHz hold 8 whole
    periods, so every frame is the same): someone speaking, for the level meter."""

    SAMPLES = struct.pack("<160h", *(round(12000 * math.sin(2 * math.pi * n / 20))
                                     for n in range(160)))  # fmt: skip

    async def recv(self) -> av.AudioFrame:
        frame = await super().recv()
        assert isinstance(frame, av.AudioFrame)
        frame.planes[0].update(self.SAMPLES)
        return frame


class DtxSilence(AudioStreamTrack):
    """A muted-but-live microphone as a browser sends it when asked for Opus DTX (the
    server's answer says usedtx=1): one 20 ms frame of silence every 400 ms, its timestamp
    jumping over the frames not sent. aiortc's encoder has no DTX, so the track skips them."""

    GAP = 20  # frames of 20 ms: one sent, then nothing for 400 ms

    async def recv(self) -> av.AudioFrame:
        frame = await super().recv()
        for _ in range(self.GAP - 1):  # paced like a real microphone, and never sent
            await super().recv()
        assert isinstance(frame, av.AudioFrame)
        return frame


def cap_video_bitrate(kbps: int) -> None:
    """Make aiortc's VP8 and H.264 encoders in this process aim at ``kbps`` whatever the
    receiver's estimate (REMB) says: a gallery tile is a small, cheap stream, as a browser
    sends for a thumbnail. Without it aiortc aims at 0.25-1.5 Mbps (VP8) whatever the size."""
    vpx, h264 = aiortc.codecs.vpx, aiortc.codecs.h264
    vpx.DEFAULT_BITRATE = vpx.MIN_BITRATE = vpx.MAX_BITRATE = kbps * 1000
    h264.DEFAULT_BITRATE = h264.MIN_BITRATE = h264.MAX_BITRATE = kbps * 1000


# ---- peers ------------------------------------------------------------------------------------


class Publisher:
    """One participant's publishing connection: a camera and a microphone."""

    def __init__(self, signalling: Signalling, camera: Camera, microphone: MediaStreamTrack):
        self.signalling, self.camera, self.microphone = signalling, camera, microphone
        self.pc = peer_connection()

    async def publish(self, codec: str) -> None:
        video = self.pc.addTransceiver(self.camera, direction="sendonly")
        caps = RTCRtpSender.getCapabilities("video").codecs
        video.setCodecPreferences([c for c in caps if c.mimeType == f"video/{codec}"])
        self.pc.addTransceiver(self.microphone, direction="sendonly")
        await self.pc.setLocalDescription(await self.pc.createOffer())
        offer = {"type": self.pc.localDescription.type, "sdp": self.pc.localDescription.sdp}
        answer = await self.signalling.publish(offer)
        await self.pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))

    async def video_sent(self) -> tuple[int, int, int]:
        """The camera's payload bytes and RTP packets sent, and frames taken, so far."""
        stats = (await self.pc.getStats()).values()
        video = [s for s in stats if s.type == "outbound-rtp" and s.kind == "video"]
        return (
            sum(s.bytesSent for s in video),
            sum(s.packetsSent for s in video),
            self.camera.frames,
        )

    async def close(self) -> None:
        await self.pc.close()


class Subscriber:
    """One receiving connection; remote tracks are known by the server's track ids
    (``{user id}-video``; voices come on slots ``voice-{n}``, whose owner ``voices`` says)."""

    def __init__(self, signalling: Signalling, *, decode: bool = True) -> None:
        self.signalling = signalling
        self.decode = decode
        self.pc = peer_connection()
        self.frames: dict[str, int] = {}  # decoded video frames, by track id
        # seconds from subscribing to each video track's first decoded frame (decoding) or
        # first packet (counting: the server starts each copy at a keyframe)
        self.first: dict[str, float] = {}
        self.first_frame = asyncio.Event()  # any video track's
        self.started = 0.0
        self.video_of: list[int] | None = None  # whose video the server said it sends
        self.readers: list[asyncio.Task[None]] = []
        self.pc.on("track", self._on_track)

    def _on_track(self, track: MediaStreamTrack) -> None:
        if not self.decode:
            receiver = next(r for r in self.pc.getReceivers() if r.track is track)
            aiortc_glue.tap_packets(receiver, self._counter(track))
            return
        reader = self._read(track) if track.kind == "video" else self._drain(track)
        self.readers.append(asyncio.get_running_loop().create_task(reader))

    def _seen(self, track_id: str) -> None:
        if track_id not in self.first:
            self.first[track_id] = time.monotonic() - self.started
            self.first_frame.set()

    def _counter(self, track: MediaStreamTrack) -> aiortc_glue.OnPacket:
        track_id, video = track.id, track.kind == "video"

        async def on_packet(packet: RtpPacket) -> None:
            if video:
                self._seen(track_id)

        return on_packet

    async def _read(self, track: MediaStreamTrack) -> None:
        self.frames[track.id] = 0
        while True:
            await track.recv()
            self.frames[track.id] += 1
            self._seen(track.id)

    async def _drain(self, track: MediaStreamTrack) -> None:
        while True:
            await track.recv()

    async def subscribe(self, shown: list[int] | None = None) -> None:
        """Subscribe showing only ``shown``'s video (the offer has no other cameras); answer."""
        self.started = time.monotonic()
        offer = await self.signalling.subscribe(shown)
        if shown is not None:
            self.video_of = await self.signalling.view(shown)
        await self.pc.setRemoteDescription(RTCSessionDescription(offer["sdp"], offer["type"]))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        reply = {"type": self.pc.localDescription.type, "sdp": self.pc.localDescription.sdp}
        await self.signalling.answer(offer, reply)

    async def packets(self) -> dict[str, int]:
        """RTP packets received so far, by track id."""
        counts = {}
        for receiver in self.pc.getReceivers():
            if receiver.track is not None:
                stats = (await receiver.getStats()).values()
                inbound = (s.packetsReceived for s in stats if s.type == "inbound-rtp")
                counts[receiver.track.id] = sum(inbound)
        return counts

    async def close(self) -> None:
        for reader in self.readers:
            reader.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)
        await self.pc.close()
        await self.signalling.close()
