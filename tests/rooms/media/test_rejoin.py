"""Coming back: a rejoin, a second socket, a screen share started and stopped.

The 2020 platform lost phone users whenever a call came in; here a person who comes back
(on the same socket or a new one) feeds the very tracks their classmates already have, with
no renegotiation, from the next keyframe.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from aiortc import MediaStreamTrack, VideoStreamTrack

from server.rooms.media.sfu import MEDIA
from tests.conftest import AppClient, bearer
from tests.rooms.classroom import Participant
from tests.rooms.media.conftest import Peer


async def frames_of(track: MediaStreamTrack, count: int) -> list[Any]:
    return [await asyncio.wait_for(track.recv(), 10) for _ in range(count)]


def decode_failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "failed to decode" in r.getMessage()]


async def test_a_rejoining_publisher_feeds_the_same_track(
    peers: dict[str, Peer], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="aiortc")
    park, kim = peers["park"], peers["kim"]
    await park.publish(VideoStreamTrack())
    await kim.subscribe()
    video = await asyncio.wait_for(kim.tracks.get(), 10)
    await frames_of(video, 5)
    await park.socket.ok("leave")  # a phone call: gone
    assert park.publisher is not None
    await park.publisher.close()
    park.socket.state = await park.socket.ok("join")  # back
    await park.publish(VideoStreamTrack())
    frames = await frames_of(video, 15)  # the same track carries on
    assert {(f.width, f.height) for f in frames} == {(640, 480)}
    assert kim.socket.nothing_pending("media_offer")
    assert decode_failures(caplog) == []


async def test_a_second_socket_of_the_same_person_takes_over_publishing(
    peers: dict[str, Peer], client: AppClient
) -> None:
    """A reconnect arrives on a new socket before the old one is noticed gone: the new
    connection publishes, and the old socket's late departure must not end it."""
    park, kim = peers["park"], peers["kim"]
    await park.publish(VideoStreamTrack())
    await kim.subscribe()
    video = await asyncio.wait_for(kim.tracks.get(), 10)
    await frames_of(video, 5)
    response = await client.post(
        f"/api/v1/class-sessions/{park.class_session_id}/class-token",
        headers=bearer(park.api_token),
    )
    second = Participant()
    await second.connect(client, {"token": (await response.json())["token"]})
    second.state = await second.ok("join")
    again = Peer(second, park.class_session_id, park.api_token)
    try:
        await again.publish(VideoStreamTrack())
        (class_media,) = client.app[MEDIA].classes.values()
        assert list(class_media.publishers) == [second.sio.get_sid("/class")]
        await park.close()  # the old socket goes
        frames = await frames_of(video, 15)
        assert {(f.width, f.height) for f in frames} == {(640, 480)}
        assert len(class_media.publications) == 1
    finally:
        await again.close()


async def test_a_screen_share_is_its_own_track_for_everyone(
    peers: dict[str, Peer], client: AppClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="aiortc")
    park, kim = peers["park"], peers["kim"]
    park_id = park.socket.state["me"]["user_id"]
    await kim.subscribe()
    await kim.socket.ok("media_view", {"video": []})  # kim shows no camera at all
    await park.publish(VideoStreamTrack(), screen=VideoStreamTrack())
    assert await kim.socket.next("screen_share") == {"user_id": park_id, "active": True}
    await kim.answer_next_offer()
    screen = await asyncio.wait_for(kim.tracks.get(), 10)
    assert screen.id == f"{park_id}-screen"
    shared = await frames_of(screen, 10)  # the screen reaches everyone
    assert {(f.width, f.height) for f in shared} == {(640, 480)}
    (class_media,) = client.app[MEDIA].classes.values()
    forwards = class_media.subscribers[kim.socket.sio.get_sid("/class")].forwards
    assert f"{park_id}-video" not in forwards  # the camera kim does not show costs nothing

    await park.publish(VideoStreamTrack())  # stops sharing: offers again without it
    assert await kim.socket.next("screen_share") == {"user_id": park_id, "active": False}
    assert decode_failures(caplog) == []
