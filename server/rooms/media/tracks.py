"""What a class's media is made of on this node: a publisher's ``Publication`` of one track,
each subscriber's ``Forward`` (copy) of it, and the ``Subscriber``'s receiving connection.

A publication hands every RTP packet it receives to its forwards, which rewrite the header for
their subscriber's stream and send it on; keyframe requests to the publisher are coalesced.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiortc import (
    RTCPeerConnection,
    RTCRtpReceiver,
)
from aiortc.rtp import RtpPacket

from server.rooms.media import aiortc_glue
from server.rooms.media.forwarding import Splice, keyframe_start

KEYFRAME_INTERVAL_S = 0.3  # at most one upstream keyframe request per publisher per interval
TRACK_LABELS = {"camera": "video", "microphone": "audio", "screen": "screen",
                "screen_audio": "screen_audio"}  # fmt: skip
SendTime = tuple[int, bytes]  # (NTP timestamp, abs-send-time) of one moment, for every copy


class Forward:
    """One subscriber's copy of one published track: the publisher's packets, each written
    out of the subscriber's sender with its header rewritten (``Splice``), never re-packed."""

    def __init__(self, kind: str, track_id: str) -> None:
        self.kind = kind
        self.id = track_id
        self.track = aiortc_glue.IdleTrack(kind, track_id)
        self.splice = Splice(90000 if kind == "video" else 48000)
        self.out: aiortc_glue.RtpOut | None = None  # set once the sender exists
        self.mime_type = ""  # the codec its subscriber's transceiver was offered
        self.source: str | None = None  # the publication feeding it (its track id), if any
        self.forwarded = 0
        self.paused = False  # not shown by the subscriber (another gallery page, audio only)

    @property
    def waiting_for_keyframe(self) -> bool:
        return self.splice.waiting

    def pause(self, paused: bool) -> bool:
        """Stop or resume forwarding; True if resuming (the caller asks for a keyframe)."""
        resuming = self.paused and not paused
        self.paused = paused
        if resuming:
            self.splice.restart()
        return resuming

    def restart(self) -> None:
        """The stream is spliced afresh at the next start (a new publication took over)."""
        self.splice.restart()

    async def forward(self, packet: RtpPacket, starts: bool, now: float, sent: SendTime) -> bool:
        """Send one packet on; True if this subscriber still waits for a keyframe."""
        out = self.out
        if self.paused or out is None or not out.ready:
            return False
        rewritten = self.splice.rewrite(packet.sequence_number, packet.timestamp, starts, now)
        if rewritten is None:
            return self.splice.waiting
        seq, timestamp = rewritten
        level = packet.extensions.audio_level
        header = out.header(packet.marker, seq, timestamp, sent[1], level and level[1])
        if await out.write(header, packet.payload, timestamp, sent[0]):
            self.forwarded += 1
            return False
        self.splice.restart()  # the connection went: start again at a keyframe
        return False

    def end(self) -> None:
        self.track.end()


@dataclass(eq=False)
class Publication:
    """One track a participant publishes."""

    user_id: int
    kind: str
    receiver: RTCRtpReceiver
    source: str = ""  # camera, microphone, screen or screen_audio (default: by kind)
    forwards: set[Forward] = field(default_factory=set)
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)  # the node's, kept referenced
    mime_type: str = ""  # the negotiated codec, which every subscriber must use too
    levels: list[int] = field(default_factory=list)  # audio levels heard in this window
    frames: int = 0
    octets: int = 0  # payload bytes received, for the publishing bitrate
    last_keyframe_request: float = 0.0
    keyframe_pending: asyncio.TimerHandle | None = None

    def __post_init__(self) -> None:
        self.source = self.source or ("camera" if self.kind == "video" else "microphone")

    @property
    def track_id(self) -> str:
        """One per person and source, stable for the whole class (rejoining feeds the same
        subscriber tracks): ``{user}-video``, ``-audio``, ``-screen``, ``-screen_audio``."""
        return f"{self.user_id}-{TRACK_LABELS[self.source]}"

    @property
    def is_voice(self) -> bool:
        """A microphone: forwarded only among the loudest (a shared clip's sound always is)."""
        return self.source == "microphone"

    async def on_packet(self, packet: RtpPacket) -> None:
        """One packet from the publisher, to every subscriber forwarding this track."""
        if self.kind == "audio":
            level = packet.extensions.audio_level
            if level is not None:
                self.levels.append(level[1])
        elif packet.marker:
            self.frames += 1
        self.octets += len(packet.payload)
        if not self.forwards:
            return
        starts = keyframe_start(self.mime_type, packet.payload)
        now, sent = time.monotonic(), aiortc_glue.send_time()
        waiting = False
        for forward in list(self.forwards):
            if await forward.forward(packet, starts, now, sent):
                waiting = True
        if waiting:  # asked too early (before the subscriber connected) or lost: ask again
            self.want_keyframe()

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
        """Stop feeding the forwards; they stay with their subscribers, waiting for this
        person's next publication of the same source (a rejoin, a new network, a new socket)."""
        if self.keyframe_pending is not None:
            self.keyframe_pending.cancel()
        for forward in self.forwards:
            forward.restart()
        self.forwards.clear()


@dataclass(eq=False)
class Subscriber:
    """One participant's receiving connection."""

    sid: str
    user_id: int
    pc: RTCPeerConnection
    forwards: dict[str, Forward] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    awaiting_answer: bool = False
    again: bool = False  # something changed while an offer was out
    lossy_reports: int = 0  # consecutive receiver reports of heavy video loss
    shown: frozenset[int] | None = None  # whose video the client shows; None: everyone's
    audio_only: bool = False
    voices: list[Forward] = field(default_factory=list)  # the audible voices' slots
    rooms: dict[int, int] = field(default_factory=dict)  # the class's: user id -> breakout group
    everywhere: set[int] = field(default_factory=set)  # heard in every group (a broadcast)

    def wants_video_of(self, user_id: int) -> bool:
        return not self.audio_only and (self.shown is None or user_id in self.shown)

    def same_room(self, user_id: int) -> bool:
        """In the same breakout group (or both in the main room) as this subscriber."""
        return user_id in self.everywhere or self.rooms.get(self.user_id) == self.rooms.get(user_id)

    def wants(self, publication: Publication) -> bool:
        """Whether this (non-voice) publication is forwarded to this subscriber now."""
        if not self.same_room(publication.user_id):
            return False  # while groups are open, a group sees and hears only itself
        if publication.source == "camera":
            return self.wants_video_of(publication.user_id)
        if publication.source == "screen":
            return not self.audio_only  # a screen share is for everyone who shows video
        return True


def ignore_loss(fraction: float, jitter: int, rtt: float | None) -> None:
    """Audio loss is left to Opus's own concealment and FEC."""


def as_async(action: Callable[[], None]) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        action()

    return run
