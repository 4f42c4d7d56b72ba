"""The selective forwarding unit: encoded media from each publisher to its subscribers.

Each participant has (up to) two peer connections with this node, as in LiveKit: one on which
they publish (the client offers), one on which they receive (the server offers, and offers
again whenever what they receive changes). A published track's encoded frames are handed,
never decoded, to one ``ForwardTrack`` per subscriber, whose sender only packetises them.

Codecs: VP8 for video and Opus for audio are negotiated on both sides, so that what a
publisher sends is exactly what each subscriber's sender may pass on.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import av
import structlog
from aiohttp import web
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpReceiver,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError
from aiortc.sdp import SessionDescription

from server.config import IceServer
from server.rooms.media import aiortc_glue

log = structlog.get_logger("baeum.media")

CODECS = {"video": ("video/vp8", "video/h264", "video/rtx"), "audio": ("audio/opus",)}
H264_IDR, H264_SPS = 5, 7
KEYFRAME_INTERVAL_S = 0.3  # at most one upstream keyframe request per publisher per interval
SPEAKER_INTERVAL_S = 0.5  # how often the active speakers are chosen
SPEECH_LEVEL = 50  # RFC 6464 level (-dBov) at or below which a window counts as speech
LOSSY = 0.2  # a receiver report losing more than this share of video packets is heavy loss
LOSSY_REPORTS = 3  # this many heavy-loss reports in a row and the subscriber's video stops
FORWARD_QUEUE = 64  # frames a slow subscriber may fall behind before it skips to a keyframe

Tell = Callable[[str, str, dict[str, Any]], Awaitable[None]]  # (sid, event, data) to one client
Announce = Callable[[str, dict[str, Any]], Awaitable[None]]  # (event, data) to the class
#: (user id, kind, detail, who: device class, browser, OS, network type) of a media failure
Report = Callable[[int, str, str, dict[str, Any]], Awaitable[None]]


def is_keyframe(mime_type: str, data: bytes) -> bool:
    """Whether a decoder can start at this frame. VP8: the frame tag's P bit is 0 (RFC 6386
    section 9.1). H.264 (Annex B, as aiortc re-assembles it): an IDR slice or a sequence
    parameter set among its NAL units. Audio frames are all independent."""
    mime = mime_type.lower()
    if mime == "video/vp8":
        return bool(data) and not data[0] & 0x01
    if mime == "video/h264":
        return any(
            data[i + 3] & 0x1F in (H264_IDR, H264_SPS)
            for i in range(len(data) - 3)
            if data[i : i + 3] == b"\x00\x00\x01"
        )
    return not mime.startswith("video/")


class ForwardTrack(MediaStreamTrack):
    """One subscriber's copy of one published track: encoded frames in, the same frames out."""

    def __init__(self, kind: str, track_id: str, on_overflow: Callable[[], None]) -> None:
        super().__init__()
        self.kind = kind
        self._id = track_id
        self._frames: asyncio.Queue[av.Packet[Any] | None] = asyncio.Queue(maxsize=FORWARD_QUEUE)
        self.on_overflow = on_overflow
        self.waiting_for_keyframe = kind == "video"  # a decoder can only start at one
        self.forwarded = 0
        self.paused = False  # not shown by the subscriber (another gallery page, audio only)

    def pause(self, paused: bool) -> bool:
        """Stop or resume forwarding; True if resuming (the caller asks for a keyframe)."""
        resuming = self.paused and not paused
        self.paused = paused
        if resuming:
            self.waiting_for_keyframe = self.kind == "video"
        return resuming

    def push(self, packet: av.Packet[Any], keyframe: bool) -> None:
        if self.paused:
            return
        if self._frames.full():  # fell behind: drop the backlog, start again at a keyframe
            while not self._frames.empty():
                self._frames.get_nowait()
            self.waiting_for_keyframe = self.kind == "video"
            self.on_overflow()
        if self.waiting_for_keyframe and not keyframe:
            return
        self.waiting_for_keyframe = False
        self.forwarded += 1
        self._frames.put_nowait(packet)

    def end(self) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            self._frames.put_nowait(None)

    async def recv(self) -> av.Packet[Any]:
        if self.readyState != "live":
            raise MediaStreamError
        packet = await self._frames.get()
        if packet is None:
            self.stop()
            raise MediaStreamError
        return packet


@dataclass(eq=False)
class Publication:
    """One track a participant publishes."""

    user_id: int
    kind: str
    receiver: RTCRtpReceiver
    forwards: set[ForwardTrack] = field(default_factory=set)
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)  # the node's, kept referenced
    mime_type: str = ""  # the negotiated codec, which every subscriber must use too
    levels: list[int] = field(default_factory=list)  # audio levels heard in this window
    frames: int = 0
    last_keyframe_request: float = 0.0
    keyframe_pending: asyncio.TimerHandle | None = None

    @property
    def track_id(self) -> str:
        return f"{self.user_id}-{self.kind}"

    def on_frame(self, codec: Any, encoded_frame: Any) -> None:
        packet = av.Packet(encoded_frame.data)
        packet.pts = encoded_frame.timestamp
        packet.time_base = Fraction(1, codec.clockRate)
        keyframe = is_keyframe(codec.mimeType, encoded_frame.data)
        self.frames += 1
        waiting = False
        for forward in self.forwards:
            forward.push(packet, keyframe)
            waiting = waiting or forward.waiting_for_keyframe
        if waiting:  # asked too early (before the publisher's media flowed) or lost: ask again
            self.want_keyframe()

    def hear(self, level: int) -> None:
        self.levels.append(level)

    def loudness(self) -> float:
        """This window's mean loudness (127 - level: 0 is silence); the window starts again."""
        levels, self.levels = self.levels, []
        return 127 - sum(levels) / len(levels) if levels else 0.0

    def want_keyframe(self) -> None:
        """Coalesced: now if none was asked for in the last interval, else once at its end."""
        if self.kind != "video" or self.keyframe_pending is not None:
            return
        loop = asyncio.get_running_loop()
        wait = self.last_keyframe_request + KEYFRAME_INTERVAL_S - time.monotonic()
        self.keyframe_pending = loop.call_later(max(0.0, wait), self._ask_keyframe)

    def _ask_keyframe(self) -> None:
        self.keyframe_pending = None
        self.last_keyframe_request = time.monotonic()
        task = asyncio.get_running_loop().create_task(aiortc_glue.request_keyframe(self.receiver))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def end(self) -> None:
        if self.keyframe_pending is not None:
            self.keyframe_pending.cancel()
        for forward in self.forwards:
            forward.end()
        self.forwards.clear()


@dataclass(eq=False)
class Subscriber:
    """One participant's receiving connection."""

    sid: str
    user_id: int
    pc: RTCPeerConnection
    forwards: dict[str, tuple[ForwardTrack, RTCRtpSender]] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    awaiting_answer: bool = False
    again: bool = False  # something changed while an offer was out
    lossy_reports: int = 0  # consecutive receiver reports of heavy video loss
    shown: frozenset[int] | None = None  # whose video the client shows; None: everyone's
    audio_only: bool = False

    def wants_video_of(self, user_id: int) -> bool:
        return not self.audio_only and (self.shown is None or user_id in self.shown)


def _rtc_configuration(ice_servers: list[IceServer]) -> RTCConfiguration:
    """The server's own peers use STUN only: its host candidates are what clients' TURN
    relays reach (TURN is for clients behind strict networks, with their own credentials)."""
    stun = [[u for u in s.urls if u.startswith("stun:")] for s in ice_servers]
    return RTCConfiguration(iceServers=[RTCIceServer(urls) for urls in stun if urls])


def _prefer(pc: RTCPeerConnection, mime_of: Callable[[Any], str | None] = lambda _: None) -> None:
    """Negotiate only codecs the forwarding path passes through unchanged; where a transceiver
    forwards a publication, only that publication's codec (and retransmissions)."""
    for transceiver in pc.getTransceivers():
        forced = mime_of(transceiver)
        wanted = (forced.lower(), "video/rtx") if forced else CODECS[transceiver.kind]
        capabilities = RTCRtpSender.getCapabilities(transceiver.kind).codecs
        transceiver.setCodecPreferences([c for c in capabilities if c.mimeType.lower() in wanted])


def _negotiated(pc: RTCPeerConnection) -> dict[str, str]:
    """The codec each media line settled on (by mid), from the local description."""
    assert pc.localDescription is not None
    parsed = SessionDescription.parse(pc.localDescription.sdp)
    return {m.rtp.muxId: m.rtp.codecs[0].mimeType for m in parsed.media if m.rtp.codecs}


def _description(pc: RTCPeerConnection) -> dict[str, str]:
    assert pc.localDescription is not None
    return {"type": pc.localDescription.type, "sdp": pc.localDescription.sdp}


class ClassMedia:
    """The media of one class on this node."""

    def __init__(
        self,
        ice_servers: list[IceServer],
        tell: Tell,
        announce: Announce,
        tasks: set[asyncio.Task[Any]],
        speakers: int = 3,
        report: Report | None = None,
    ) -> None:
        self._ice_servers = ice_servers
        self._tell = tell
        self._announce = announce
        self._tasks = tasks
        self._speakers = speakers
        self._report = report
        self.active_speaker: int | None = None
        self.audible: set[str] = set()  # audio publications forwarded to everyone
        self._speaker_task: asyncio.Task[None] | None = None
        self.publishers: dict[str, RTCPeerConnection] = {}  # by socket id
        self.publications: dict[str, Publication] = {}  # by track id
        self.publications_of: dict[str, list[str]] = {}  # socket id -> track ids
        self.subscribers: dict[str, Subscriber] = {}

    async def publish(
        self, sid: str, user_id: int, offer: dict[str, str], who: dict[str, Any] | None = None
    ) -> dict[str, str]:
        """Take a publisher's offer; its tracks are forwarded as soon as they arrive.

        A new offer from the same socket replaces its connection (a phone that changed
        network): the subscribers' forward tracks move to the new publications, so they
        keep receiving without renegotiating, from the next keyframe.
        """
        kept: dict[str, Publication] = {}
        old = self.publishers.pop(sid, None)
        if old is not None:
            kept = await self._end_publisher(sid, old, keep_forwards=True)
        pc = RTCPeerConnection(_rtc_configuration(self._ice_servers))
        self._watch(pc, user_id, "publishing", who or {})
        self.publishers[sid] = pc
        new: list[Publication] = []

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            receiver = next(r for r in pc.getReceivers() if r.track is track)
            publication = Publication(user_id, track.kind, receiver, tasks=self._tasks)
            aiortc_glue.tap_receiver(receiver, publication.on_frame)
            if track.kind == "audio":
                aiortc_glue.on_audio_level(receiver, publication.hear)
                self.audible.add(publication.track_id)
                self._start_speaker_loop()
            self.publications[publication.track_id] = publication
            self.publications_of.setdefault(sid, []).append(publication.track_id)
            new.append(publication)

        await pc.setRemoteDescription(RTCSessionDescription(offer["sdp"], offer["type"]))
        _prefer(pc)
        await pc.setLocalDescription(await pc.createAnswer())
        codecs = _negotiated(pc)
        for transceiver in pc.getTransceivers():
            for publication in new:
                if transceiver.receiver is publication.receiver and transceiver.mid in codecs:
                    publication.mime_type = codecs[transceiver.mid]
        self._carry_over(kept, new)
        for subscriber in list(self.subscribers.values()):
            if any(p.user_id != subscriber.user_id for p in new):
                await self._renegotiate(subscriber)
        return _description(pc)

    async def subscribe(
        self, sid: str, user_id: int, who: dict[str, Any] | None = None
    ) -> dict[str, str] | None:
        """A receiving connection with everyone else's tracks; None if there is nothing yet."""
        old = self.subscribers.pop(sid, None)
        if old is not None:
            await self._end_subscriber(old)
        pc = RTCPeerConnection(_rtc_configuration(self._ice_servers))
        self._watch(pc, user_id, "receiving", who or {})
        subscriber = Subscriber(sid, user_id, pc)
        self.subscribers[sid] = subscriber
        async with subscriber.lock:
            if not self._add_forwards(subscriber):
                return None
            return await self._offer(subscriber)

    async def answer(self, sid: str, answer: dict[str, str]) -> None:
        subscriber = self.subscribers.get(sid)
        if subscriber is None or not subscriber.awaiting_answer:
            raise LookupError("No offer is waiting for an answer.")
        async with subscriber.lock:
            await subscriber.pc.setRemoteDescription(
                RTCSessionDescription(answer["sdp"], answer["type"])
            )
            subscriber.awaiting_answer = False
            again, subscriber.again = subscriber.again, False
        for forward, _ in subscriber.forwards.values():
            self._publication_of(forward).want_keyframe()
        if again:
            await self._renegotiate(subscriber)

    def _start_speaker_loop(self) -> None:
        if self._speaker_task is None:
            self._speaker_task = asyncio.get_running_loop().create_task(self._choose_speakers())

    async def _choose_speakers(self) -> None:
        while True:
            await asyncio.sleep(SPEAKER_INTERVAL_S)
            await self.choose_speakers()

    async def choose_speakers(self) -> None:
        """The loudest voices of the last window: the active speaker is announced, and only
        the top few voices' audio is forwarded (silence costs no bandwidth)."""
        voices = [p for p in self.publications.values() if p.kind == "audio"]
        loudness = {p.track_id: p.loudness() for p in voices}
        speaking = sorted(
            (t for t, v in loudness.items() if v >= 127 - SPEECH_LEVEL),
            key=lambda t: -loudness[t],
        )
        if speaking:
            self._set_audible(set(speaking[: self._speakers]))
        speaker = self.publications[speaking[0]].user_id if speaking else None
        if speaker is not None and speaker != self.active_speaker:
            self.active_speaker = speaker
            await self._announce("active_speaker", {"user_id": speaker})

    def _set_audible(self, audible: set[str]) -> None:
        """Keep the previous voices until someone else speaks (no gaps between phrases)."""
        if len(self.publications) and len(audible) < self._speakers:
            keep = [t for t in self.audible if t not in audible and t in self.publications]
            audible |= set(keep[: self._speakers - len(audible)])
        self.audible = audible
        for subscriber in self.subscribers.values():
            for track_id, (forward, _) in subscriber.forwards.items():
                if forward.kind == "audio":
                    forward.pause(track_id not in audible)

    def _publication_of(self, forward: ForwardTrack) -> Publication:
        return self.publications[forward.id]

    def _add_forwards(self, subscriber: Subscriber) -> bool:
        """Add a forwarded track for every publication this subscriber lacks; True if any."""
        added = False
        for track_id, publication in self.publications.items():
            if publication.user_id == subscriber.user_id or track_id in subscriber.forwards:
                continue
            forward = ForwardTrack(publication.kind, track_id, publication.want_keyframe)
            if publication.kind == "video":
                forward.pause(not subscriber.wants_video_of(publication.user_id))
            else:
                forward.pause(track_id not in self.audible)
            sender = subscriber.pc.addTrack(forward)
            on_loss = self._loss_watch(subscriber) if publication.kind == "video" else _ignore
            aiortc_glue.on_feedback(sender, _async(publication.want_keyframe), on_loss)
            publication.forwards.add(forward)
            subscriber.forwards[track_id] = (forward, sender)
            added = True
        return added

    async def _offer(self, subscriber: Subscriber) -> dict[str, str]:
        def mime_of(transceiver: Any) -> str | None:
            track = transceiver.sender.track
            publication = self.publications.get(track.id) if track is not None else None
            return publication.mime_type or None if publication is not None else None

        _prefer(subscriber.pc, mime_of)
        await subscriber.pc.setLocalDescription(await subscriber.pc.createOffer())
        subscriber.awaiting_answer = True
        return _description(subscriber.pc)

    async def _renegotiate(self, subscriber: Subscriber) -> None:
        async with subscriber.lock:
            if subscriber.awaiting_answer:
                subscriber.again = True
                return
            if not self._add_forwards(subscriber):
                return
            offer = await self._offer(subscriber)
        await self._tell(subscriber.sid, "media_offer", offer)

    def set_view(self, sid: str, shown: frozenset[int] | None, audio_only: bool) -> list[int]:
        """Forward only the video this subscriber shows; returns whose video it now gets."""
        subscriber = self.subscribers.get(sid)
        if subscriber is None:
            raise LookupError("Subscribe (media_subscribe) first.")
        subscriber.shown, subscriber.audio_only = shown, audio_only
        subscriber.lossy_reports = 0
        receiving = []
        for track_id, (forward, _) in subscriber.forwards.items():
            publication = self.publications.get(track_id)
            if publication is None or publication.kind != "video":
                continue
            wanted = subscriber.wants_video_of(publication.user_id)
            if forward.pause(not wanted):
                publication.want_keyframe()
            if wanted:
                receiving.append(publication.user_id)
        return sorted(receiving)

    async def leave(self, sid: str) -> None:
        """A participant's socket went: close its connections, end what it published."""
        pc = self.publishers.pop(sid, None)
        if pc is not None:
            await self._end_publisher(sid, pc)
        subscriber = self.subscribers.pop(sid, None)
        if subscriber is not None:
            await self._end_subscriber(subscriber)

    def _watch(self, pc: RTCPeerConnection, user_id: int, role: str, who: dict[str, Any]) -> None:
        """A connection that fails is a connection report (ICE: no path; DTLS: no handshake)."""

        async def changed() -> None:
            if pc.connectionState != "failed" or self._report is None:
                return
            kind = "ice_failed" if pc.iceConnectionState == "failed" else "dtls_failed"
            await self._report(user_id, kind, f"{role} connection failed", who)

        pc.on("connectionstatechange", changed)

    def _loss_watch(self, subscriber: Subscriber) -> Callable[[float], None]:
        """A subscriber whose video keeps losing packets gets no more video (audio stays, and
        audio suffers last); its client is told and may ask for video again (media_view)."""

        def reported(fraction: float) -> None:
            subscriber.lossy_reports = subscriber.lossy_reports + 1 if fraction > LOSSY else 0
            if subscriber.lossy_reports < LOSSY_REPORTS or subscriber.audio_only:
                return
            subscriber.audio_only = True
            for forward, _ in subscriber.forwards.values():
                if forward.kind == "video":
                    forward.pause(True)
            notice = {"video": False, "reason": "packet loss", "loss": round(fraction, 2)}

            async def tell() -> None:
                await self._tell(subscriber.sid, "media_degraded", notice)

            task = asyncio.get_running_loop().create_task(tell())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        return reported

    def _carry_over(self, kept: dict[str, Publication], new: list[Publication]) -> None:
        """Hand the old publications' forward tracks to their same-codec successors."""
        for publication in new:
            old = kept.pop(publication.track_id, None)
            if old is None or old.mime_type != publication.mime_type:
                if old is not None:
                    old.end()
                continue
            for forward in old.forwards:
                forward.waiting_for_keyframe = forward.kind == "video"
                forward.on_overflow = publication.want_keyframe
            publication.forwards, old.forwards = old.forwards, set()
            publication.want_keyframe()
        for old in kept.values():
            old.end()

    async def _end_publisher(
        self, sid: str, pc: RTCPeerConnection, *, keep_forwards: bool = False
    ) -> dict[str, Publication]:
        """Close a publishing connection; its publications end, or are returned (still
        feeding nobody, their forwards untouched) for a replacement to take over."""
        kept: dict[str, Publication] = {}
        for track_id in self.publications_of.pop(sid, []):
            publication = self.publications.pop(track_id, None)
            if publication is None:
                continue
            if keep_forwards:
                kept[track_id] = publication
            else:
                publication.end()
        await pc.close()
        return kept

    async def _end_subscriber(self, subscriber: Subscriber) -> None:
        for track_id, (forward, _) in subscriber.forwards.items():
            forward.end()
            publication = self.publications.get(track_id)
            if publication is not None:
                publication.forwards.discard(forward)
        await subscriber.pc.close()

    async def close(self) -> None:
        for sid in set(self.publishers) | set(self.subscribers):
            await self.leave(sid)
        if self._speaker_task is not None:
            self._speaker_task.cancel()
            await asyncio.gather(self._speaker_task, return_exceptions=True)
            self._speaker_task = None

    def is_empty(self) -> bool:
        return not self.publishers and not self.subscribers


def _ignore(_: float) -> None:
    """Audio loss is left to Opus's own concealment and FEC."""


def _async(action: Callable[[], None]) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        action()

    return run


class MediaNode:
    """Every class's media on this node (``app[MEDIA]``)."""

    def __init__(
        self,
        ice_servers: list[IceServer],
        tell: Tell,
        announce: Callable[[int, str, dict[str, Any]], Awaitable[None]],
        speakers: int = 3,
        report: Callable[[int, int, str, str, dict[str, Any]], Awaitable[None]] | None = None,
    ) -> None:
        self._ice_servers = ice_servers
        self._tell = tell
        self._announce = announce
        self._speakers = speakers
        self._report = report
        self._tasks: set[asyncio.Task[Any]] = set()
        self.classes: dict[int, ClassMedia] = {}

    def of(self, class_session_id: int) -> ClassMedia:
        media = self.classes.get(class_session_id)
        if media is None:

            async def announce(event: str, data: dict[str, Any]) -> None:
                await self._announce(class_session_id, event, data)

            async def report(user_id: int, kind: str, detail: str, who: dict[str, Any]) -> None:
                if self._report is not None:
                    await self._report(class_session_id, user_id, kind, detail, who)

            media = ClassMedia(
                self._ice_servers, self._tell, announce, self._tasks, self._speakers,
                report,
            )  # fmt: skip
            self.classes[class_session_id] = media
        return media

    async def leave(self, class_session_id: int, sid: str) -> None:
        media = self.classes.get(class_session_id)
        if media is None:
            return
        await media.leave(sid)
        if media.is_empty():
            await media.close()
            del self.classes[class_session_id]

    async def close(self) -> None:
        for media in list(self.classes.values()):
            await media.close()
        self.classes.clear()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


MEDIA: web.AppKey[MediaNode] = web.AppKey("media", MediaNode)


async def media_node(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: close every peer connection when the node stops."""
    yield
    await app[MEDIA].close()
