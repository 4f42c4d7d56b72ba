"""Media while breakout groups are open, through a running server with real aiortc clients:
a participant in group A receives group A's video and voices and nothing of group B or of
the main room; the instructor's voice can reach every group; after closing, the main room's
media flows to everyone again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiortc import AudioStreamTrack, MediaStreamTrack, VideoStreamTrack

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.lms.models import StaffRole
from server.rooms.media.sfu import MEDIA, ClassMedia
from server.rooms.media.tracks import Forward
from tests.conftest import AppClient, add_person, api_token, bearer
from tests.factories import make_class
from tests.rooms.classroom import Participant
from tests.rooms.media.conftest import Peer
from tests.rooms.media.test_sfu import Tone, frames_of


@pytest.fixture
async def four(client: AppClient, clock: ManualClock) -> AsyncIterator[dict[str, Peer]]:
    """park (instructor, main room), kim and choi (group A), lee (group B)."""
    ids = {}
    for login, role in (("park", Role.INSTRUCTOR), ("kim", Role.TRAINEE),
                        ("choi", Role.TRAINEE), ("lee", Role.TRAINEE)):  # fmt: skip
        ids[login] = (await add_person(client.app, login, [role], clock)).id
    klass = await make_class(client.app, clock, trainees=[ids["kim"], ids["choi"], ids["lee"]],
                             staff={StaffRole.INSTRUCTOR: ids["park"]},
                             starts_in=timedelta(minutes=-1))  # fmt: skip
    made: dict[str, Peer] = {}
    for login in ids:
        token = await api_token(client, login)
        response = await client.post(
            f"/api/v1/class-sessions/{klass.class_session_id}/class-token", headers=bearer(token)
        )
        socket = Participant()
        await socket.connect(client, {"token": (await response.json())["token"]})
        socket.state = await socket.ok("join")
        made[login] = Peer(socket, klass.class_session_id, token)
    yield made
    for peer in made.values():
        await peer.close()


async def make_groups(client: AppClient, peers: dict[str, Peer]) -> tuple[int, int, int]:
    park, cs_id = peers["park"], peers["park"].class_session_id
    ids = {login: p.socket.state["me"]["user_id"] for login, p in peers.items()}
    made = await client.post(f"/api/v1/class-sessions/{cs_id}/breakout-sets",
                             json={"name": "분임", "groups": ["A", "B"]},
                             headers=bearer(park.api_token))  # fmt: skip
    group_set = await made.json()
    a, b = (g["id"] for g in group_set["groups"])
    await client.put(f"/api/v1/breakout-sets/{group_set['id']}/members",
                     headers=bearer(park.api_token),
                     json={"assignments": [{"user_id": ids["kim"], "group_id": a},
                                           {"user_id": ids["choi"], "group_id": a},
                                           {"user_id": ids["lee"], "group_id": b}]})  # fmt: skip
    return group_set["id"], a, b


async def tracks_of(peer: Peer, count: int) -> dict[str, MediaStreamTrack]:
    got = {}
    for _ in range(count):
        track = await asyncio.wait_for(peer.tracks.get(), 10)
        got[track.id] = track
    return got


async def flowing(track: MediaStreamTrack, forward: Forward, packets: int = 20) -> int:
    """The server forwards ``packets`` more on this track and the client decodes frames."""
    before = forward.forwarded
    await asyncio.wait_for(_until(lambda: forward.forwarded >= before + packets), 10)
    await frames_of(track, 3)
    return forward.forwarded - before


async def test_a_group_sees_and_hears_only_itself_until_the_groups_close(
    four: dict[str, Peer], client: AppClient, clock: ManualClock
) -> None:
    park, kim, choi, lee = (four[x] for x in ("park", "kim", "choi", "lee"))
    uid = {login: p.socket.state["me"]["user_id"] for login, p in four.items()}
    await park.publish(VideoStreamTrack(), Tone())
    await choi.publish(VideoStreamTrack(), Tone())
    await lee.publish(VideoStreamTrack(), AudioStreamTrack())  # group B stays silent
    await kim.subscribe()
    tracks = await tracks_of(kim, 4)  # three cameras and one voice slot (one speaker at a time)
    media: ClassMedia = next(iter(client.app[MEDIA].classes.values()))
    kim_sub = media.subscribers[kim.socket.sio.get_sid("/class")]
    forwards = kim_sub.forwards
    video = {x: forwards[f"{uid[x]}-video"] for x in ("park", "choi", "lee")}
    for x in ("park", "choi", "lee"):
        assert await flowing(tracks[f"{uid[x]}-video"], video[x]) > 0

    set_id, a, b = await make_groups(client, four)
    await park.socket.ok("breakout_open", {"set_id": set_id, "minutes": 10})
    await kim.socket.next("breakout_opened")
    await asyncio.wait_for(_until(lambda: media.rooms == {uid["kim"]: a, uid["choi"]: a,
                                                          uid["lee"]: b}), 10)  # fmt: skip
    await media.choose_speakers()
    lee_sent, park_sent = video["lee"].forwarded, video["park"].forwarded
    assert await flowing(tracks[f"{uid['choi']}-video"], video["choi"], 60) > 0  # group A: yes
    assert video["lee"].forwarded == lee_sent  # group B: nothing
    assert video["park"].forwarded == park_sent  # the main room: nothing
    (slot,) = kim_sub.voices
    assert slot.source == f"{uid['choi']}-audio"  # the voice kim hears is group A's

    # the instructor's overview: who talks in A; B silent, an alert once it lasts
    overview = {g["id"]: g for g in (await park.socket.ok("breakout_overview"))["groups"]}
    assert overview[a]["talking"] == [uid["choi"]]
    assert overview[b]["talking"] == []
    assert overview[b]["quiet_s"] is not None
    assert not overview[b]["silence_alert"]
    clock.advance(301)  # five minutes with nobody heard in B (BAEUM_BREAKOUT_SILENCE_ALERT_S)
    await media.choose_speakers()
    overview = {g["id"]: g for g in (await park.socket.ok("breakout_overview"))["groups"]}
    assert overview[b]["silence_alert"]
    assert overview[b]["quiet_s"] >= 300
    assert not overview[a]["silence_alert"]  # choi was heard a moment ago

    await park.socket.ok("breakout_voice", {"on": True})  # the instructor speaks to all groups
    await asyncio.wait_for(_until(lambda: media.everywhere == {uid["park"]}), 10)
    assert kim_sub.same_room(uid["park"])
    assert not kim_sub.same_room(uid["lee"])

    await park.socket.ok("breakout_close", {})
    await kim.socket.next("breakout_closed")
    await asyncio.wait_for(_until(lambda: media.rooms == {} and not media.everywhere), 10)
    assert await flowing(tracks[f"{uid['lee']}-video"], video["lee"]) > 0  # everyone again
    assert await flowing(tracks[f"{uid['park']}-video"], video["park"]) > 0


async def _until(condition: object) -> None:
    """Poll a server-side condition that follows a socket event (set after its commit)."""
    assert callable(condition)
    for _ in range(1000):  # the server's state has no event to await; at most 20 s
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the condition never held")
