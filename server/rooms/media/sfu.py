"""The selective forwarding unit: encoded media from each publisher to its subscribers.

Each participant has (up to) two peer connections with this node, as in LiveKit: one on which
they publish (the client offers), one on which they receive (the server offers, and offers
again whenever what they receive changes). Each RTP packet a publisher sends goes, never
re-assembled nor decoded, to one ``Forward`` per subscriber, which rewrites its header for
that subscriber's stream and sends it (``aiortc_glue`` holds the aiortc internals this takes).

Codecs: VP8 or H.264 for video and Opus for audio; a subscriber is offered exactly the codec
its publisher negotiated, so every packet can pass on unchanged (``sdp``).

This module is the class's media as a whole (``ClassMedia``: who publishes, who receives
what, the speakers, limits, quality samples) and the node's (``MediaNode``); the pieces a
class is made of are in ``tracks``, the packet rules in ``forwarding``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from aiohttp import web
from aiortc import (
    MediaStreamTrack,
    RTCPeerConnection,
)

from server.config import IceServer
from server.core.tasks import stop_tasks
from server.rooms.media import aiortc_glue, quality
from server.rooms.media.limits import EncodingLimits, limits_for
from server.rooms.media.quality import Counters, Quality
from server.rooms.media.sdp import (
    REFUSED_DESCRIPTION,
    BadDescription,
    ask_for_dtx,
    local_description,
    negotiated_codecs,
    prefer_codecs,
    read_description,
    rtc_configuration,
)
from server.rooms.media.tracks import (
    Forward,
    Publication,
    Subscriber,
    as_async,
    ignore_loss,
)

log = structlog.get_logger("baeum.media")

SPEAKER_INTERVAL_S = 0.5  # how often the active speakers are chosen
SPEECH_LEVEL = 50  # RFC 6464 level (-dBov) at or below which a window counts as speech
LOSSY = 0.2  # a receiver report losing more than this share of video packets is heavy loss
LOSSY_REPORTS = 3  # this many heavy-loss reports in a row and the subscriber's video stops

Tell = Callable[[str, str, dict[str, Any]], Awaitable[None]]  # (sid, event, data) to one client
Announce = Callable[[str, dict[str, Any]], Awaitable[None]]  # (event, data) to the class
#: (user id, kind, detail, who: device class, browser, OS, network type) of a media failure
Report = Callable[[int, str, str, dict[str, Any], Quality | None], Awaitable[None]]


@dataclass(frozen=True)
class MediaOptions:
    """The node's media settings (BAEUM_ICE_SERVERS, _AUDIO_SPEAKERS, _MEDIA_QUALITY_S)."""

    ice_servers: list[IceServer] = field(default_factory=list)
    speakers: int = 3  # voices forwarded at once, the loudest
    quality_interval_s: float = 0.0  # how often quality is sampled into reports; 0: never


class ClassMedia:
    """The media of one class on this node."""

    def __init__(
        self,
        options: MediaOptions,
        tell: Tell,
        announce: Announce,
        tasks: set[asyncio.Task[Any]],
        report: Report | None = None,
    ) -> None:
        self._ice_servers = options.ice_servers
        self._tell = tell
        self._announce = announce
        self._tasks = tasks
        self._speakers = options.speakers
        self._quality_interval_s = options.quality_interval_s
        self._report = report
        self.active_speaker: int | None = None
        self.audible: set[str] = set()  # audio publications forwarded to everyone
        self._speaker_task: asyncio.Task[None] | None = None
        self._quality_task: asyncio.Task[None] | None = None
        self.publishers: dict[str, RTCPeerConnection] = {}  # by socket id
        self.publisher_users: dict[str, int] = {}  # socket id -> user id
        self.who: dict[str, dict[str, Any]] = {}  # socket id -> device, for reports
        self.on_stage: set[int] = set()  # shown large: the instructor
        self.spotlight: int | None = None
        self.sharing_screen: set[int] = set()
        self.told_limits: dict[str, EncodingLimits] = {}  # socket id -> limits it was sent
        self.publications: dict[str, Publication] = {}  # by track id
        self.publications_of: dict[str, list[str]] = {}  # socket id -> track ids
        self.subscribers: dict[str, Subscriber] = {}
        self.rooms: dict[int, int] = {}  # user id -> breakout group while groups are open
        self.everywhere: set[int] = set()  # whose voice reaches every group (a broadcast)
        self.spoke_at: dict[int, float] = {}  # user id -> when last heard speaking (loop time)

    async def publish(
        self,
        sid: str,
        user_id: int,
        offer: dict[str, str],
        who: dict[str, Any] | None = None,
        on_stage: bool = False,
        screen: frozenset[str] = frozenset(),
    ) -> dict[str, str]:
        """Take a publisher's offer (``screen``: the mids carrying a screen share); its tracks
        are forwarded as soon as they arrive.

        One publishing connection per person: a new offer, from this socket (a phone that
        changed network) or another (a reconnect), replaces the old connection. Subscribers
        keep their tracks, fed from the next keyframe without renegotiating. An offer that
        cannot be used (``BadDescription``) changes nothing.
        """
        description = read_description(offer, "offer")
        for other in [s for s, u in self.publisher_users.items() if u == user_id] + [sid]:
            if other in self.publishers:
                await self._end_publisher(other, self.publishers.pop(other), leaving=False)
        pc = RTCPeerConnection(rtc_configuration(self._ice_servers))
        self._watch(pc, user_id, "publishing", who or {})
        self.publishers[sid], self.publisher_users[sid], self.who[sid] = pc, user_id, who or {}
        if on_stage:
            self.on_stage.add(user_id)
        self._start_quality_loop()
        new: list[Publication] = []

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            receiver = next(r for r in pc.getReceivers() if r.track is track)
            mid = next((t.mid for t in pc.getTransceivers() if t.receiver is receiver), None)
            shared = "screen" if track.kind == "video" else "screen_audio"
            source = shared if mid in screen else ""
            publication = Publication(user_id, track.kind, receiver, source, tasks=self._tasks)
            aiortc_glue.tap_packets(receiver, publication.on_packet)
            if publication.is_voice:
                live = {t for t in self.audible if t in self.publications}
                if len(live) < self._speakers:  # until someone speaks: the first N
                    self.audible.add(publication.track_id)
                self._start_speaker_loop()
            self.publications[publication.track_id] = publication
            self.publications_of.setdefault(sid, []).append(publication.track_id)
            new.append(publication)

        try:
            await pc.setRemoteDescription(description)
            prefer_codecs(pc)
            await pc.setLocalDescription(await pc.createAnswer())
        except REFUSED_DESCRIPTION as exc:
            await self._end_publisher(sid, self.publishers.pop(sid), leaving=True)
            raise BadDescription(f"The offer cannot be answered ({exc}).") from None
        codecs = negotiated_codecs(pc)
        for transceiver in pc.getTransceivers():
            for publication in new:
                if transceiver.receiver is publication.receiver and transceiver.mid in codecs:
                    publication.mime_type = codecs[transceiver.mid]
        for subscriber in list(self.subscribers.values()):
            self._bind_voices(subscriber)  # a voice back on a new connection: at once
            if any(p.user_id != subscriber.user_id for p in new):
                await self._renegotiate(subscriber)
        await self._announce_screen(user_id, any(p.source == "screen" for p in new))
        await self.tell_limits()
        described = local_description(pc)
        return {**described, "sdp": ask_for_dtx(described["sdp"])}

    async def subscribe(
        self,
        sid: str,
        user_id: int,
        who: dict[str, Any] | None = None,
        shown: frozenset[int] | None = None,
        audio_only: bool = False,
    ) -> dict[str, str] | None:
        """A receiving connection with everyone else's tracks (the videos of ``shown`` only,
        as ``media_view``); None if there is nothing yet."""
        old = self.subscribers.pop(sid, None)
        if old is not None:
            await self._end_subscriber(old)
        pc = RTCPeerConnection(rtc_configuration(self._ice_servers))
        self._watch(pc, user_id, "receiving", who or {})
        subscriber = Subscriber(sid, user_id, pc, shown=shown, audio_only=audio_only)
        subscriber.rooms = self.rooms  # shared: a move is seen by every subscriber at once
        subscriber.everywhere = self.everywhere
        self.subscribers[sid], self.who[sid] = subscriber, who or {}

        @pc.on("connectionstatechange")
        def connected() -> None:
            if pc.connectionState == "connected":  # its first pictures can be asked for now
                self._ask_keyframes(subscriber)

        self._start_quality_loop()
        await self.tell_limits()
        async with subscriber.lock:
            if not self._add_forwards(subscriber):
                return None
            return await self._offer(subscriber)

    async def answer(self, sid: str, answer: dict[str, str]) -> None:
        subscriber = self.subscribers.get(sid)
        if subscriber is None or not subscriber.awaiting_answer:
            raise LookupError("No offer is waiting for an answer.")
        description = read_description(answer, "answer")
        async with subscriber.lock:
            try:
                await subscriber.pc.setRemoteDescription(description)
            except REFUSED_DESCRIPTION as exc:  # the offer still waits for a usable answer
                raise BadDescription(f"The answer does not fit the offer ({exc}).") from None
            subscriber.awaiting_answer = False
            again, subscriber.again = subscriber.again, False
        if subscriber.pc.connectionState == "connected":  # else: once it is (subscribe)
            self._ask_keyframes(subscriber)
        if again:
            await self._renegotiate(subscriber)

    def _ask_keyframes(self, subscriber: Subscriber) -> None:
        """A keyframe from every publisher whose video this subscriber waits to start."""
        for forward in subscriber.forwards.values():
            publication = self.publications.get(forward.source or "")
            starting = forward.waiting_for_keyframe and not forward.paused
            if starting and publication is not None and forward in publication.forwards:
                publication.want_keyframe()

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
        voices = [p for p in self.publications.values() if p.is_voice]
        loudness = {p.track_id: p.loudness() for p in voices}
        speaking = sorted(
            (t for t, v in loudness.items() if v >= 127 - SPEECH_LEVEL),
            key=lambda t: -loudness[t],
        )
        now = asyncio.get_running_loop().time()
        for track_id in speaking:
            self.spoke_at[self.publications[track_id].user_id] = now
        if speaking:  # the loudest few of each room (the main room, or each breakout group)
            by_room: dict[int | None, list[str]] = {}
            for track_id in speaking:
                user_id = self.publications[track_id].user_id
                room = -1 if user_id in self.everywhere else self.rooms.get(user_id)
                by_room.setdefault(room, []).append(track_id)
            self._set_audible(
                {t for loudest in by_room.values() for t in loudest[: self._speakers]}
            )
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
            self._bind_voices(subscriber)

    def _voice_slots(self, subscriber: Subscriber) -> bool:
        """Give the subscriber one audio track per voice it may hear at once (up to
        ``speakers``; fewer while fewer others publish a microphone). True if any was added.

        Voices reach a subscriber through these slots, each fed by whichever voice is
        currently audible: a class of 30 costs 3 audio lines per subscriber, not 29."""
        others = sum(
            1 for p in self.publications.values()
            if p.is_voice and p.user_id != subscriber.user_id and subscriber.same_room(p.user_id)
        )  # fmt: skip
        added = False
        while len(subscriber.voices) < min(self._speakers, others):
            slot = Forward("audio", f"voice-{len(subscriber.voices)}")
            slot.mime_type = "audio/opus"
            slot.pause(True)
            sender = subscriber.pc.addTrack(slot.track)
            slot.out = aiortc_glue.RtpOut(sender, as_async(lambda: None), ignore_loss)
            subscriber.voices.append(slot)
            subscriber.forwards[slot.id] = slot
            added = True
        return added

    def _bind_voices(self, subscriber: Subscriber) -> None:
        """Feed the subscriber's voice slots from the audible voices (not its own); a slot
        whose voice stops being audible takes the next one, spliced in seamlessly."""
        wanted = [t for t in sorted(self.audible) if t in self.publications
                  and self.publications[t].user_id != subscriber.user_id
                  and subscriber.same_room(self.publications[t].user_id)]  # fmt: skip
        bound = set()
        for slot in subscriber.voices:
            publication = self.publications.get(slot.source or "")
            if publication is not None and slot in publication.forwards and slot.source in wanted:
                bound.add(slot.source)
                continue
            if publication is not None:
                publication.forwards.discard(slot)
            slot.source = None
            slot.pause(True)
        free = [slot for slot in subscriber.voices if slot.source is None]
        changed = False
        for track_id, slot in zip([t for t in wanted if t not in bound], free, strict=False):
            slot.source = track_id
            slot.restart()
            slot.pause(False)
            self.publications[track_id].forwards.add(slot)
            changed = True
        if changed:
            heard = {slot.id: self._user_of(slot.source) for slot in subscriber.voices}
            self._spawn(self._tell(subscriber.sid, "voices", heard))

    def _user_of(self, track_id: str | None) -> int | None:
        publication = self.publications.get(track_id or "")
        return publication.user_id if publication is not None else None

    def _spawn(self, work: Awaitable[None]) -> None:
        async def run() -> None:
            await work

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def class_size(self) -> int:
        """People with a media connection in this class."""
        subscribing = {s.user_id for s in self.subscribers.values()}
        return len(subscribing | set(self.publisher_users.values()))

    async def tell_limits(self) -> None:
        """Tell each publisher what to send, when that changed (``media_limits``)."""
        size = self.class_size()
        for sid, user_id in list(self.publisher_users.items()):
            limits = limits_for(size, user_id in self.on_stage or user_id == self.spotlight)
            if self.told_limits.get(sid) != limits:
                self.told_limits[sid] = limits
                await self._tell(sid, "media_limits", limits.as_message())

    async def set_spotlight(self, user_id: int | None) -> None:
        self.spotlight = user_id
        await self.tell_limits()

    def _start_quality_loop(self) -> None:
        if self._quality_task is None and self._quality_interval_s > 0 and self._report:
            self._quality_task = asyncio.get_running_loop().create_task(self._sample_quality())

    async def _sample_quality(self) -> None:
        """Every interval, one quality report per connection (see ``quality``)."""
        counters: dict[tuple[str, str], Counters] = {}
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            await asyncio.sleep(self._quality_interval_s)
            now = loop.time()
            seconds, last = now - last, now
            for sample in await self._quality_samples(counters, seconds):
                try:
                    await self._report_quality(*sample)
                except Exception:  # a lost sample must not end the sampling
                    log.exception("quality sample not stored")

    async def _quality_samples(
        self, counters: dict[tuple[str, str], Counters], seconds: float
    ) -> list[tuple[str, int, str, Quality]]:
        samples = []
        for sid, subscriber in list(self.subscribers.items()):
            outs = [f.out for f in subscriber.forwards.values() if f.out is not None]
            before = counters.setdefault((sid, "receiving"), Counters())
            samples.append((sid, subscriber.user_id, "receiving",
                            quality.receiving(outs, before, seconds)))  # fmt: skip
        for sid, user_id in list(self.publisher_users.items()):
            mine = [self.publications[t] for t in self.publications_of.get(sid, [])
                    if t in self.publications]  # fmt: skip
            receivers = [(p.receiver, 90000 if p.kind == "video" else 48000) for p in mine]
            before = counters.setdefault((sid, "publishing"), Counters())
            octets = sum(p.octets for p in mine)
            measured = await quality.publishing(receivers, octets, before, seconds)
            samples.append((sid, user_id, "publishing", measured))
        return samples

    async def _report_quality(self, sid: str, user_id: int, role: str, measured: Quality) -> None:
        if self._report is not None:
            await self._report(user_id, "quality", role, self.who.get(sid, {}), measured)

    def _add_forwards(self, subscriber: Subscriber) -> bool:
        """Feed this subscriber every publication it lacks (videos only once shown): through
        the track it already has for that person and source if the codec matches, else a new
        track. True if a track was added (the subscriber must be offered again)."""
        added = False
        for track_id, publication in self.publications.items():
            if publication.user_id == subscriber.user_id or publication.is_voice:
                continue
            forward = subscriber.forwards.get(track_id)
            if forward is not None and forward in publication.forwards:
                continue
            wanted = subscriber.wants(publication)
            if forward is not None and forward.mime_type == publication.mime_type:
                forward.restart()  # an earlier publication's track: carry on from a keyframe
                forward.pause(not wanted)
                forward.source = track_id
                publication.forwards.add(forward)
                publication.want_keyframe()
                continue
            if publication.kind == "video" and not wanted:
                continue  # a track only once it is shown: a big class's pages cost nothing
            self._new_forward(subscriber, publication)
            added = True
        added = self._voice_slots(subscriber) or added
        self._bind_voices(subscriber)
        return added

    def _new_forward(self, subscriber: Subscriber, publication: Publication) -> None:
        forward = Forward(publication.kind, publication.track_id)
        forward.mime_type = publication.mime_type
        forward.source = publication.track_id
        forward.pause(not subscriber.wants(publication))
        sender = subscriber.pc.addTrack(forward.track)
        on_loss = self._loss_watch(subscriber) if publication.kind == "video" else ignore_loss
        forward.out = aiortc_glue.RtpOut(sender, as_async(publication.want_keyframe), on_loss)
        publication.forwards.add(forward)
        old = subscriber.forwards.get(publication.track_id)
        if old is not None:  # another codec: the old track stays silent
            old.end()
        subscriber.forwards[publication.track_id] = forward

    async def _offer(self, subscriber: Subscriber) -> dict[str, str]:
        def mime_of(transceiver: Any) -> str | None:
            track = transceiver.sender.track
            publication = self.publications.get(track.id) if track is not None else None
            return publication.mime_type or None if publication is not None else None

        prefer_codecs(subscriber.pc, mime_of)
        await subscriber.pc.setLocalDescription(await subscriber.pc.createOffer())
        subscriber.awaiting_answer = True
        return local_description(subscriber.pc)

    async def _renegotiate(self, subscriber: Subscriber) -> None:
        async with subscriber.lock:
            if subscriber.awaiting_answer:
                subscriber.again = True
                return
            if not self._add_forwards(subscriber):
                return
            offer = await self._offer(subscriber)
        await self._tell(subscriber.sid, "media_offer", offer)

    def silence(self) -> dict[int, float]:
        """Seconds since each person was last heard speaking (those heard at all)."""
        now = asyncio.get_running_loop().time()
        return {user_id: now - at for user_id, at in self.spoke_at.items()}

    async def set_rooms(self, rooms: dict[int, int], everywhere: set[int] | None = None) -> None:
        """Breakout groups open, change or close (``rooms`` empty): each subscriber then gets
        only its own group's (or the main room's) video, screen and voices, plus the voices
        of ``everywhere`` (the instructor speaking into every group)."""
        self.rooms.clear()
        self.rooms.update(rooms)
        self.everywhere.clear()
        self.everywhere.update(everywhere or set())
        self._set_audible(set(self.audible))  # rebinds every subscriber's voice slots
        for subscriber in list(self.subscribers.values()):
            await self.set_view(subscriber.sid, subscriber.shown, subscriber.audio_only)
            await self._renegotiate(subscriber)  # more voice slots, if the new room has more
            self._bind_voices(subscriber)

    async def set_view(self, sid: str, shown: frozenset[int] | None, audio_only: bool) -> list[int]:
        """Forward only the video this subscriber shows; returns whose cameras it now gets.
        Someone shown for the first time gets a track, by offering the subscriber again."""
        subscriber = self.subscribers.get(sid)
        if subscriber is None:
            raise LookupError("Subscribe (media_subscribe) first.")
        subscriber.shown, subscriber.audio_only = shown, audio_only
        subscriber.lossy_reports = 0
        receiving, missing = set(), False
        for publication in list(self.publications.values()):
            if publication.kind != "video" or publication.user_id == subscriber.user_id:
                continue
            wanted = subscriber.wants(publication)
            forward = subscriber.forwards.get(publication.track_id)
            if forward is None or forward not in publication.forwards:
                missing = missing or wanted
            elif forward.pause(not wanted):
                publication.want_keyframe()
            if wanted and publication.source == "camera":
                receiving.add(publication.user_id)
        if missing:
            await self._renegotiate(subscriber)
        return sorted(receiving)

    async def leave(self, sid: str) -> None:
        """A participant's socket went: close its connections, end what it published."""
        pc = self.publishers.pop(sid, None)
        if pc is not None:
            await self._end_publisher(sid, pc, leaving=True)
        subscriber = self.subscribers.pop(sid, None)
        if subscriber is not None:
            await self._end_subscriber(subscriber)
        self.who.pop(sid, None)
        await self.tell_limits()

    def _watch(self, pc: RTCPeerConnection, user_id: int, role: str, who: dict[str, Any]) -> None:
        """A connection that fails is a connection report (ICE: no path; DTLS: no handshake)."""

        async def changed() -> None:
            if pc.connectionState != "failed" or self._report is None:
                return
            kind = "ice_failed" if pc.iceConnectionState == "failed" else "dtls_failed"
            await self._report(user_id, kind, f"{role} connection failed", who, None)

        pc.on("connectionstatechange", changed)

    def _loss_watch(self, subscriber: Subscriber) -> Callable[[float, int, float | None], None]:
        """A subscriber whose video keeps losing packets gets no more video (audio stays, and
        audio suffers last); its client is told and may ask for video again (media_view)."""

        def reported(fraction: float, jitter: int, rtt: float | None) -> None:
            subscriber.lossy_reports = subscriber.lossy_reports + 1 if fraction > LOSSY else 0
            if subscriber.lossy_reports < LOSSY_REPORTS or subscriber.audio_only:
                return
            subscriber.audio_only = True
            for forward in subscriber.forwards.values():
                if forward.kind == "video":
                    forward.pause(True)
            notice = {"video": False, "reason": "packet loss", "loss": round(fraction, 2)}

            async def tell() -> None:
                await self._tell(subscriber.sid, "media_degraded", notice)
                if self._report is not None:  # on record: who lost video, and why
                    measured = Quality(round(fraction * 100, 1), rtt and rtt * 1000, None, None)
                    detail = "video stopped for packet loss"
                    who = self.who.get(subscriber.sid, {})
                    await self._report(subscriber.user_id, "video_dropped", detail, who, measured)

            task = asyncio.get_running_loop().create_task(tell())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        return reported

    async def _end_publisher(self, sid: str, pc: RTCPeerConnection, *, leaving: bool) -> None:
        """Close a publishing connection and end its publications. Their forwards stay with
        the subscribers for the next publication from this person; if the person is leaving,
        their voice frees its place among the audible ones."""
        user_id = self.publisher_users.pop(sid, None)
        self.told_limits.pop(sid, None)
        screen = False
        for track_id in self.publications_of.pop(sid, []):
            publication = self.publications.pop(track_id, None)
            if publication is None:
                continue
            publication.end()
            screen = screen or publication.source == "screen"
            if leaving:
                self.audible.discard(track_id)
        for subscriber in self.subscribers.values():
            self._bind_voices(subscriber)  # a voice that went frees its slots
        await pc.close()
        if leaving and screen and user_id is not None:
            await self._announce_screen(user_id, False)

    async def _announce_screen(self, user_id: int, sharing: bool) -> None:
        """Tell the class when someone's screen share starts or stops."""
        if sharing != (user_id in self.sharing_screen):
            self.sharing_screen.symmetric_difference_update({user_id})
            await self._announce("screen_share", {"user_id": user_id, "active": sharing})

    async def _end_subscriber(self, subscriber: Subscriber) -> None:
        for forward in subscriber.forwards.values():
            forward.end()
            publication = self.publications.get(forward.source or "")
            if publication is not None:
                publication.forwards.discard(forward)
        await subscriber.pc.close()

    async def close(self) -> None:
        for sid in set(self.publishers) | set(self.subscribers):
            await self.leave(sid)
        for task in (self._speaker_task, self._quality_task):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        self._speaker_task = self._quality_task = None

    def is_empty(self) -> bool:
        return not self.publishers and not self.subscribers


class MediaNode:
    """Every class's media on this node (``app[MEDIA]``)."""

    def __init__(
        self,
        options: MediaOptions,
        tell: Tell,
        announce: Callable[[int, str, dict[str, Any]], Awaitable[None]],
        report: Callable[..., Awaitable[None]] | None = None,
    ) -> None:
        """``report(class session id, user id, kind, detail, who, quality)``."""
        self._options = options
        self._tell = tell
        self._announce = announce
        self._report = report
        self._tasks: set[asyncio.Task[Any]] = set()
        self.classes: dict[int, ClassMedia] = {}

    def of(self, class_session_id: int) -> ClassMedia:
        media = self.classes.get(class_session_id)
        if media is None:

            async def announce(event: str, data: dict[str, Any]) -> None:
                await self._announce(class_session_id, event, data)

            async def report(
                user_id: int, kind: str, detail: str, who: dict[str, Any], measured: Quality | None
            ) -> None:
                if self._report is not None:
                    await self._report(class_session_id, user_id, kind, detail, who, measured)

            media = ClassMedia(self._options, self._tell, announce, self._tasks, report)
            self.classes[class_session_id] = media
        return media

    async def leave(self, class_session_id: int, sid: str) -> None:
        media = self.classes.get(class_session_id)
        if media is None:
            return
        await media.leave(sid)
        # out of the map before the await: two last leaves at once close it once, and a
        # publisher arriving meanwhile starts afresh instead of joining what is closing
        if media.is_empty() and self.classes.get(class_session_id) is media:
            del self.classes[class_session_id]
            await media.close()

    async def close(self) -> None:
        for media in list(self.classes.values()):
            await media.close()
        self.classes.clear()
        await stop_tasks(list(self._tasks), what="media tasks")


MEDIA: web.AppKey[MediaNode] = web.AppKey("media", MediaNode)


async def media_node(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: close every peer connection when the node stops."""
    yield
    await app[MEDIA].close()
