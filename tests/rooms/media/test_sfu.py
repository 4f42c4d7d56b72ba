"""Media through a running server with real aiortc clients: publish, subscribe, decode.

The publisher is an aiortc peer sending its synthetic camera (640×480 VP8) and microphone
(Opus); subscribers are aiortc peers that decode what arrives. The server forwards RTP packets
(headers rewritten, payloads untouched) and must never make a subscriber's decoder fail.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import re
from array import array
from typing import Any

import av
import pytest
from aiortc import (
    AudioStreamTrack,
    MediaStreamTrack,
    RTCPeerConnection,
    RTCSessionDescription,
    VideoStreamTrack,
)
from sqlalchemy import select

from server.core.keys import DATABASE
from server.rooms.media import aiortc_glue
from server.rooms.media.sfu import MEDIA
from server.rooms.models import ConnectionReport
from tests.conftest import AppClient
from tests.rooms.media.conftest import Peer, bundled


async def frames_of(track: MediaStreamTrack, count: int) -> list[Any]:
    return [await asyncio.wait_for(track.recv(), 10) for _ in range(count)]


def decode_failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "failed to decode" in r.getMessage()]


async def test_a_subscriber_decodes_the_publishers_video_and_audio(
    peers: dict[str, Peer], client: AppClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="aiortc")
    park, kim = peers["park"], peers["kim"]
    await park.publish(VideoStreamTrack(), AudioStreamTrack())
    await kim.subscribe()
    tracks = {t.kind: t for t in [await kim.tracks.get(), await kim.tracks.get()]}
    video = await frames_of(tracks["video"], 30)
    audio = await frames_of(tracks["audio"], 25)
    assert {(f.width, f.height) for f in video} == {(640, 480)}
    assert all(f.sample_rate == 48000 for f in audio)
    assert decode_failures(caplog) == []
    (class_media,) = client.app[MEDIA].classes.values()
    publication = class_media.publications[f"{park.socket.state['me']['user_id']}-video"]
    assert publication.frames >= 30
    tap = getattr(publication.receiver, aiortc_glue.JITTER_BUFFER)
    assert type(tap).__name__ == "_PacketTap"  # the server forwarded; it never re-assembled
    decoder_queue = vars(publication.receiver)["_RTCRtpReceiver__decoder_queue"]
    assert decoder_queue.empty()  # nor decoded


async def test_a_later_publisher_reaches_existing_subscribers_by_renegotiation(
    peers: dict[str, Peer], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="aiortc")
    park, kim, lee = peers["park"], peers["kim"], peers["lee"]
    await kim.subscribe()  # nothing to receive yet
    assert kim.tracks.empty()
    await park.publish(VideoStreamTrack())
    await kim.answer_next_offer()
    video = await asyncio.wait_for(kim.tracks.get(), 10)
    assert len(await frames_of(video, 15)) == 15
    await lee.publish(VideoStreamTrack())
    await kim.answer_next_offer()
    second = await asyncio.wait_for(kim.tracks.get(), 10)
    assert len(await frames_of(second, 15)) == 15
    assert decode_failures(caplog) == []


async def test_nobody_receives_their_own_stream(peers: dict[str, Peer]) -> None:
    park = peers["park"]
    await park.publish(VideoStreamTrack())
    await park.subscribe()
    assert (await park.socket.ok("media_subscribe"))["offer"] is None


async def test_media_events_check_grants_and_input(peers: dict[str, Peer]) -> None:
    kim = peers["kim"]
    bad = await kim.socket.call("media_publish", {"type": "answer", "sdp": "v=0 not really"})
    assert bad["error"]["type"] == "validation-error"
    stray = await kim.socket.call("media_answer", {"type": "answer", "sdp": "v=0 nothing asked"})
    assert stray["error"]["type"] == "conflict"
    huge = await kim.socket.call("media_publish", {"type": "offer", "sdp": "v" * 100_001})
    assert huge["error"]["type"] == "validation-error"


async def test_leaving_closes_the_peers_connections(
    peers: dict[str, Peer], client: AppClient
) -> None:
    park = peers["park"]
    await park.publish(VideoStreamTrack())
    assert client.app[MEDIA].classes
    await park.socket.ok("leave")
    assert client.app[MEDIA].classes == {}


async def test_everyone_leaving_at_once_closes_the_class_media_once(
    peers: dict[str, Peer], client: AppClient
) -> None:
    """The last two connections going at the same moment (a class's end, a node's sockets
    closed together): the second found the class's media already gone (KeyError)."""
    park, kim = peers["park"], peers["kim"]
    await park.publish(VideoStreamTrack())
    await kim.subscribe()
    node = client.app[MEDIA]
    ((class_id, media),) = node.classes.items()
    (publisher,), (subscriber,) = media.publishers, media.subscribers
    await asyncio.gather(node.leave(class_id, publisher), node.leave(class_id, subscriber))
    assert node.classes == {}


async def test_a_subscriber_receives_only_the_video_it_shows(
    peers: dict[str, Peer], client: AppClient
) -> None:
    park, kim, lee = peers["park"], peers["kim"], peers["lee"]
    park_id, lee_id = (p.socket.state["me"]["user_id"] for p in (park, lee))
    await park.publish(VideoStreamTrack())
    await lee.publish(VideoStreamTrack())
    await kim.subscribe()
    tracks = {}
    for _ in range(2):
        track = await asyncio.wait_for(kim.tracks.get(), 10)
        tracks[track.id] = track
    (class_media,) = client.app[MEDIA].classes.values()
    forwards = class_media.subscribers[kim.socket.sio.get_sid("/class")].forwards
    park_forward, lee_forward = forwards[f"{park_id}-video"], forwards[f"{lee_id}-video"]
    await frames_of(tracks[f"{park_id}-video"], 5)

    shown = await kim.socket.ok("media_view", {"video": [park_id]})
    assert shown["video_of"] == [park_id]
    lee_before, park_before = lee_forward.forwarded, park_forward.forwarded
    await frames_of(tracks[f"{park_id}-video"], 15)
    assert park_forward.forwarded > park_before
    assert lee_forward.forwarded == lee_before  # the hidden tile costs nothing

    assert (await kim.socket.ok("media_view", {"video": None}))["video_of"] == [park_id, lee_id]
    resumed = await frames_of(tracks[f"{lee_id}-video"], 10)
    assert {(f.width, f.height) for f in resumed} == {(640, 480)}
    assert (await kim.socket.ok("media_view", {"audio_only": True}))["video_of"] == []


async def test_keyframe_requests_are_coalesced_per_publisher() -> None:
    """However many subscribers ask, the publisher is asked at most once per 300 ms."""
    from server.rooms.media.tracks import KEYFRAME_INTERVAL_S, Publication

    pc = RTCPeerConnection()
    publication = Publication(1, "video", pc.addTransceiver("video").receiver)
    loop = asyncio.get_running_loop()
    try:
        for _ in range(20):
            publication.want_keyframe()
        first = publication.keyframe_pending
        assert first is not None
        assert first.when() <= loop.time()  # nothing was asked before: ask at once
        first.cancel()
        publication._ask_keyframe()  # what the loop would run now
        for _ in range(20):
            publication.want_keyframe()
        second = publication.keyframe_pending
        assert second is not None
        assert second is not first
        assert second.when() >= loop.time() + KEYFRAME_INTERVAL_S * 0.9  # once, a bit later
        await asyncio.gather(*publication.tasks)
    finally:
        publication.end()
        await pc.close()


class Tone(AudioStreamTrack):
    """A microphone that hears a steady 440 Hz tone: someone speaking, for the level meter."""

    async def recv(self) -> Any:
        frame = await super().recv()
        assert isinstance(frame, av.AudioFrame)
        start = frame.pts or 0
        samples = array(
            "h",
            (int(12000 * math.sin(2 * math.pi * 440 * (start + n) / 48000))
             for n in range(frame.samples)),
        )  # fmt: skip
        frame.planes[0].update(samples.tobytes())
        return frame


async def test_the_active_speaker_is_announced_and_only_the_loudest_are_heard(
    peers: dict[str, Peer], client: AppClient
) -> None:
    park, kim, lee = peers["park"], peers["kim"], peers["lee"]
    park_id = park.socket.state["me"]["user_id"]
    await lee.publish(AudioStreamTrack())  # silence
    await park.publish(Tone())
    await kim.subscribe()
    assert await kim.socket.next("active_speaker") == {"user_id": park_id}
    (class_media,) = client.app[MEDIA].classes.values()
    assert class_media.audible == {f"{park_id}-audio"}  # BAEUM_AUDIO_SPEAKERS=1 here
    forwards = class_media.subscribers[kim.socket.sio.get_sid("/class")].forwards
    assert set(forwards) == {"voice-0"}  # one slot for the one voice heard at a time
    assert forwards["voice-0"].source == f"{park_id}-audio"
    assert not forwards["voice-0"].paused
    (voice,) = [await asyncio.wait_for(kim.tracks.get(), 10)]
    assert voice.id == "voice-0"
    assert len(await frames_of(voice, 10)) == 10


async def test_h264_is_forwarded_as_h264_and_decodes(
    peers: dict[str, Peer], client: AppClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="aiortc")
    park, kim = peers["park"], peers["kim"]
    await park.publish(VideoStreamTrack(), video_codec="video/H264")
    await kim.subscribe()
    video = await asyncio.wait_for(kim.tracks.get(), 10)
    frames = await frames_of(video, 30)
    assert {(f.width, f.height) for f in frames} == {(640, 480)}
    (class_media,) = client.app[MEDIA].classes.values()
    (publication,) = class_media.publications.values()
    assert publication.mime_type == "video/H264"
    assert kim.subscriber is not None
    assert kim.subscriber.remoteDescription is not None
    offered = kim.subscriber.remoteDescription.sdp
    assert "H264/90000" in offered
    assert "VP8/90000" not in offered  # the subscriber may only take what is forwarded
    assert decode_failures(caplog) == []


async def test_a_publisher_on_a_new_network_republishes_and_subscribers_follow(
    peers: dict[str, Peer], client: AppClient, caplog: pytest.LogCaptureFixture
) -> None:
    """A phone moving from Wi-Fi to mobile data makes a new publishing connection (aiortc has
    no ICE restart); its subscribers keep their track, which carries on from a keyframe."""
    caplog.set_level(logging.WARNING, logger="aiortc")
    park, kim = peers["park"], peers["kim"]
    await park.publish(VideoStreamTrack())
    await kim.subscribe()
    video = await asyncio.wait_for(kim.tracks.get(), 10)
    await frames_of(video, 5)
    old = park.publisher
    await park.publish(VideoStreamTrack())  # the new connection replaces the old one
    assert old is not None
    await old.close()
    frames = await frames_of(video, 20)  # the same track, now fed by the new connection
    assert {(f.width, f.height) for f in frames} == {(640, 480)}
    assert decode_failures(caplog) == []
    assert kim.socket.nothing_pending("media_offer")  # no renegotiation was needed
    (class_media,) = client.app[MEDIA].classes.values()
    (publication,) = class_media.publications.values()
    assert len(publication.forwards) == 1
    assert publication.frames > 0


async def test_a_failed_media_connection_becomes_a_connection_report(
    peers: dict[str, Peer], client: AppClient
) -> None:
    """A client whose certificate does not match its offer (a broken or meddled-with path):
    the server's DTLS check fails, and the failure is on record with the device."""
    kim = peers["kim"]
    pc = RTCPeerConnection()
    pc.addTransceiver(VideoStreamTrack(), direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    assert pc.localDescription is not None
    forged = re.sub(r"a=fingerprint:sha-256 \S+", "a=fingerprint:sha-256 " + ":".join(["AB"] * 32),
                    pc.localDescription.sdp)  # fmt: skip
    try:
        answer = (await kim.socket.ok("media_publish", {"type": "offer", "sdp": forged}))["answer"]
        await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
        reports = await reports_of(client, "dtls_failed")
        assert [(r.source, r.user_id, r.detail) for r in reports] == [
            ("server", kim.socket.state["me"]["user_id"], "publishing connection failed")
        ]
        assert reports[0].class_session_id == kim.class_session_id
    finally:
        await pc.close()


async def reports_of(client: AppClient, kind: str, deadline_s: float = 20.0) -> list[Any]:
    """The stored reports of this kind, once there are any (the failure takes a handshake)."""
    loop = asyncio.get_running_loop()
    until = loop.time() + deadline_s
    while True:
        async with client.app[DATABASE].unit_of_work() as session:
            rows = list(
                await session.scalars(select(ConnectionReport).where(ConnectionReport.kind == kind))
            )
        if rows or loop.time() > until:
            return rows
        await asyncio.sleep(0.1)


async def test_a_subscriber_losing_video_keeps_audio_and_is_told(
    peers: dict[str, Peer], client: AppClient
) -> None:
    """The subscriber's network loses half of its video packets (simulated on its side): its
    receiver reports say so, the server stops its video, keeps its audio, and tells it."""
    park, kim = peers["park"], peers["kim"]
    await park.publish(VideoStreamTrack(), AudioStreamTrack())
    await kim.subscribe()
    tracks = {t.kind: t for t in [await kim.tracks.get(), await kim.tracks.get()]}
    assert kim.subscriber is not None
    (video_receiver,) = [t.receiver for t in kim.subscriber.getTransceivers() if t.kind == "video"]
    lose_every_other_packet(video_receiver)
    notice = await kim.socket.next("media_degraded", within_s=20)
    assert notice["video"] is False
    assert notice["reason"] == "packet loss"
    assert notice["loss"] > 0.2
    (class_media,) = client.app[MEDIA].classes.values()
    forwards = class_media.subscribers[kim.socket.sio.get_sid("/class")].forwards
    paused = {f.kind: f.paused for f in forwards.values()}
    assert paused == {"video": True, "audio": False}
    assert len(await frames_of(tracks["audio"], 10)) == 10  # audio goes on
    back = await kim.socket.ok("media_view", {"video": None})  # the client asks again
    assert back["video_of"] == [park.socket.state["me"]["user_id"]]
    (dropped,) = await reports_of(client, "video_dropped")
    assert dropped.user_id == kim.socket.state["me"]["user_id"]
    assert dropped.packet_loss_pct is not None
    assert dropped.packet_loss_pct > 20


def lose_every_other_packet(receiver: Any) -> None:
    """A lossy network in front of an aiortc receiver: every second RTP packet never arrives."""
    original = receiver._handle_rtp_packet
    count = itertools.count()

    async def handle(packet: Any, *args: Any, **kwargs: Any) -> None:
        if next(count) % 2 == 0:
            await original(packet, *args, **kwargs)

    receiver._handle_rtp_packet = handle


async def test_before_anyone_speaks_only_the_first_voices_are_forwarded(
    peers: dict[str, Peer], client: AppClient
) -> None:
    """A 30-person class joins muted-but-live: forwarding every silent microphone to everyone
    would cost 30 × 29 streams. Until someone speaks, only the first N voices go out."""
    park, kim, lee = peers["park"], peers["kim"], peers["lee"]
    await lee.publish(AudioStreamTrack())  # silence
    await park.publish(AudioStreamTrack())
    await kim.subscribe()
    (class_media,) = client.app[MEDIA].classes.values()
    lee_audio = f"{lee.socket.state['me']['user_id']}-audio"
    assert class_media.audible == {lee_audio}  # BAEUM_AUDIO_SPEAKERS=1 here
    await class_media.choose_speakers()  # silence changes nothing
    subscriber = class_media.subscribers[kim.socket.sio.get_sid("/class")]
    assert [slot.source for slot in subscriber.voices] == [lee_audio]
    await lee.socket.ok("leave")
    assert class_media.audible == set()
    assert [(slot.source, slot.paused) for slot in subscriber.voices] == [(None, True)]


class Voice(Tone):
    """A microphone whose owner speaks or falls silent when the test says."""

    def __init__(self, speaking: bool) -> None:
        super().__init__()
        self.speaking = speaking

    async def recv(self) -> Any:
        if self.speaking:
            return await super().recv()
        return await AudioStreamTrack.recv(self)


async def test_the_active_speaker_switches_and_the_new_voice_is_heard(
    peers: dict[str, Peer], client: AppClient
) -> None:
    park, kim, lee = peers["park"], peers["kim"], peers["lee"]
    park_id, lee_id = park.socket.state["me"]["user_id"], lee.socket.state["me"]["user_id"]
    park_voice, lee_voice = Voice(speaking=True), Voice(speaking=False)
    await park.publish(park_voice)
    await lee.publish(lee_voice)
    await kim.subscribe()
    assert await kim.socket.next("active_speaker") == {"user_id": park_id}
    voice = await asyncio.wait_for(kim.tracks.get(), 10)
    await frames_of(voice, 5)
    park_voice.speaking, lee_voice.speaking = False, True  # the instructor hands over
    assert await kim.socket.next("active_speaker") == {"user_id": lee_id}
    (class_media,) = client.app[MEDIA].classes.values()
    assert class_media.audible == {f"{lee_id}-audio"}  # BAEUM_AUDIO_SPEAKERS=1 here
    slot = class_media.subscribers[kim.socket.sio.get_sid("/class")].forwards["voice-0"]
    assert slot.source == f"{lee_id}-audio"  # the same slot, now fed by lee
    heard = [await kim.socket.next("voices") for _ in range(2)]  # who is in the slot
    assert heard == [{"voice-0": park_id}, {"voice-0": lee_id}]
    assert kim.subscriber is not None
    before = await packets_received(kim.subscriber)
    deadline = asyncio.get_running_loop().time() + 5
    while await packets_received(kim.subscriber) < before + 10:  # kim hears lee, same track
        assert asyncio.get_running_loop().time() < deadline, "lee's voice never arrived"
        await asyncio.sleep(0.05)
    frame = await voice.recv()
    assert isinstance(frame, av.AudioFrame)
    assert frame.sample_rate == 48000


async def packets_received(pc: RTCPeerConnection) -> int:
    stats = await pc.getStats()
    return sum(s.packetsReceived for s in stats.values() if s.type == "inbound-rtp")


async def test_every_track_of_a_many_line_offer_flows(peers: dict[str, Peer]) -> None:
    """Two publishers whose microphones come before their cameras: the subscriber's offer has
    an audio line first, then videos and audios mixed. Every line must carry media (aiortc's
    "balanced" bundling left all but the first line of each kind on a transport it closed)."""
    park, kim, lee = peers["park"], peers["kim"], peers["lee"]
    await park.publish(AudioStreamTrack(), VideoStreamTrack())
    await lee.publish(AudioStreamTrack(), VideoStreamTrack())
    await kim.subscribe()
    tracks = [await asyncio.wait_for(kim.tracks.get(), 10) for _ in range(3)]  # + a voice slot
    videos = [t for t in tracks if t.kind == "video"]
    assert len(videos) == 2
    for video in videos:
        assert len(await frames_of(video, 5)) == 5


async def test_a_camera_gets_a_track_only_once_it_is_shown(
    peers: dict[str, Peer], client: AppClient
) -> None:
    """In a class of 30 a page shows 9: the other 20 cameras cost a subscriber nothing, not
    even a media line, until it turns the page to them."""
    park, kim, lee = peers["park"], peers["kim"], peers["lee"]
    park_id, lee_id = (p.socket.state["me"]["user_id"] for p in (park, lee))
    await park.publish(VideoStreamTrack())
    await lee.publish(VideoStreamTrack())
    kim.subscriber = bundled()
    kim.subscriber.on("track", kim.tracks.put_nowait)
    offer = (await kim.socket.ok("media_subscribe", {"video": [park_id]}))["offer"]
    assert offer["sdp"].count("m=video") == 1
    await kim._answer(offer)
    first = await asyncio.wait_for(kim.tracks.get(), 10)
    assert first.id == f"{park_id}-video"
    turned = await kim.socket.ok("media_view", {"video": [lee_id]})  # the next page
    assert turned["video_of"] == [lee_id]
    await kim.answer_next_offer()
    second = await asyncio.wait_for(kim.tracks.get(), 10)
    assert second.id == f"{lee_id}-video"
    assert len(await frames_of(second, 10)) == 10
    (class_media,) = client.app[MEDIA].classes.values()
    forwards = class_media.subscribers[kim.socket.sio.get_sid("/class")].forwards
    assert forwards[f"{park_id}-video"].paused


async def test_publishers_are_asked_to_send_nothing_during_silence(
    peers: dict[str, Peer], client: AppClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Opus DTX (usedtx=1 in the answer): browsers then send a muted-but-live microphone at
    a packet per 400 ms, not 50 a second. The answer must still be one aiortc accepts."""
    caplog.set_level(logging.WARNING, logger="aiortc")
    park, kim = peers["park"], peers["kim"]
    await park.publish(AudioStreamTrack())
    assert park.publisher is not None
    assert park.publisher.remoteDescription is not None
    answer = park.publisher.remoteDescription.sdp
    (opus,) = re.findall(r"a=rtpmap:(\d+) opus/48000/2", answer)
    assert f"a=fmtp:{opus} usedtx=1" in answer
    await kim.subscribe()
    voice = await asyncio.wait_for(kim.tracks.get(), 10)
    assert len(await frames_of(voice, 10)) == 10
    assert decode_failures(caplog) == []


async def test_an_unusable_offer_or_answer_is_refused_and_changes_nothing(
    peers: dict[str, Peer], client: AppClient
) -> None:
    """A client's garbled or unfitting description is its error, not the server's: a working
    connection stays, a refused new one is closed, and the offer waiting for an answer still
    takes a good one."""
    park, kim = peers["park"], peers["kim"]
    await park.publish(VideoStreamTrack())
    (class_media,) = client.app[MEDIA].classes.values()
    working = dict(class_media.publishers)
    garbled = {"type": "offer", "sdp": "v=0 not an offer"}
    assert (await park.socket.call("media_publish", garbled))["error"]["type"] == "validation-error"
    assert class_media.publishers == working

    lee = peers["lee"]
    no_ice = bundled()
    no_ice.addTransceiver(VideoStreamTrack(), direction="sendonly")
    await no_ice.setLocalDescription(await no_ice.createOffer())
    sdp = re.sub(r"a=ice-(ufrag|pwd):.*\r\n", "", no_ice.localDescription.sdp)
    unfit = await lee.socket.call("media_publish", {"type": "offer", "sdp": sdp})
    await no_ice.close()
    assert unfit["error"]["type"] == "validation-error", unfit
    assert lee.socket.state["me"]["user_id"] not in class_media.publisher_users.values()

    kim.subscriber = bundled()
    kim.subscriber.on("track", kim.tracks.put_nowait)
    offer = (await kim.socket.ok("media_subscribe"))["offer"]
    for wrong in ("v=0 nothing", offer["sdp"]):  # garbled; well-formed but not an answer to it
        refused = await kim.socket.call("media_answer", {"type": "answer", "sdp": wrong})
        assert refused["error"]["type"] == "validation-error", refused
    await kim._answer(offer)
    video = await asyncio.wait_for(kim.tracks.get(), 10)
    assert len(await frames_of(video, 3)) == 3
