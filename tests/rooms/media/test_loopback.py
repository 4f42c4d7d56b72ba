"""The connection test's media loopback, with real aiortc clients as the browsers.

A client offers its synthetic camera (640×480 VP8) and microphone (Opus); the server answers
with a connection that sends each track back, packet by packet, and the client decodes what
returns. Around that: the limits (one per person, a cap per node, a timeout), bad offers, and
TURN-only clients through a real coturn.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import av
import pytest
from aiortc import (
    AudioStreamTrack,
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCIceTransportPolicy,
    RTCPeerConnection,
    RTCSessionDescription,
    VideoStreamTrack,
)

from server.app import create_app
from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.lms.models import StaffRole
from server.rooms.media import aiortc_glue
from server.rooms.media.loopback import LOOPBACKS, Loopback, Loopbacks
from tests.conftest import AppClient, NodeFactory, add_person, api_token, bearer
from tests.factories import make_class
from tests.rooms.media.test_sfu import decode_failures, frames_of
from tests.rooms.media.test_turn import (  # noqa: F401 - the coturn fixtures
    local_candidate_types,
    turn_client,
    turn_port,
)

URL = "/api/v1/connection-tests/loopback"
Browsers = list[RTCPeerConnection]


@pytest.fixture
async def browsers() -> AsyncIterator[Browsers]:
    """The test's client peer connections, closed when it ends."""
    made: Browsers = []
    yield made
    for pc in made:
        await pc.close()


@pytest.fixture
def make_client(
    nodes: NodeFactory, clock: ManualClock, aiohttp_client: Callable[..., Awaitable[AppClient]]
) -> Callable[..., Awaitable[AppClient]]:
    """A running app with settings of the test's own (the limits under test)."""

    async def make(**overrides: Any) -> AppClient:
        return await aiohttp_client(create_app(nodes.settings(**overrides), clock=clock))

    return make


def browser(
    browsers: Browsers, *, video: bool = True, config: RTCConfiguration | None = None
) -> tuple[RTCPeerConnection, asyncio.Queue[MediaStreamTrack]]:
    """A client with a microphone (and a camera), and the tracks that come back to it."""
    pc = RTCPeerConnection(config)
    browsers.append(pc)
    if video:
        pc.addTrack(VideoStreamTrack())
    pc.addTrack(AudioStreamTrack())
    returned: asyncio.Queue[MediaStreamTrack] = asyncio.Queue()
    pc.on("track", returned.put_nowait)
    return pc, returned


async def offer_of(pc: RTCPeerConnection) -> dict[str, str]:
    await pc.setLocalDescription(await pc.createOffer())
    assert pc.localDescription is not None
    return {"type": "offer", "sdp": pc.localDescription.sdp}


async def start(
    client: AppClient, pc: RTCPeerConnection, headers: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    """Offer to the loopback; on success the client takes the answer (media starts)."""
    response = await client.post(URL, json=await offer_of(pc), headers=headers)
    body: dict[str, Any] = await response.json()
    if response.status == 201:
        answer = body["answer"]
        await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
    return response.status, body


async def stop(client: AppClient, loopback_id: str, headers: dict[str, str]) -> int:
    return (await client.delete(f"{URL}/{loopback_id}", headers=headers)).status


def record_starts(loopbacks: Loopbacks, monkeypatch: pytest.MonkeyPatch) -> list[Loopback]:
    """Every loopback the node starts, kept even after it ends (so no end can be missed)."""
    started: list[Loopback] = []
    original = loopbacks.start

    async def recording(user_id: int, sdp: str) -> tuple[Loopback, dict[str, str]]:
        loopback, answer = await original(user_id, sdp)
        started.append(loopback)
        return loopback, answer

    monkeypatch.setattr(loopbacks, "start", recording)
    return started


async def joined_by_link(client: AppClient, clock: ManualClock) -> tuple[int, dict[str, str]]:
    """A trainee who opened a join link: signed in by the session cookie, with its CSRF token
    (the class token it also got is for the class socket, not for the API)."""
    operator = await add_person(client.app, "oh.operator", [Role.OPERATOR], clock)
    trainee = await add_person(client.app, "kim", [Role.TRAINEE], clock)
    klass = await make_class(client.app, clock, trainees=[trainee.id],
                             staff={StaffRole.INSTRUCTOR: operator.id})  # fmt: skip
    links = await client.post(
        f"/api/v1/class-sessions/{klass.class_session_id}/join-links",
        json={}, headers=bearer(await api_token(client, operator.login)),
    )  # fmt: skip
    join_token = (await links.json())[0]["url"].rsplit("/join/", 1)[1]
    joined = await client.post("/api/v1/join", json={"token": join_token})
    assert joined.status == 200, await joined.text()
    return trainee.id, {"X-CSRF-Token": (await joined.json())["csrf_token"]}


async def signed_in(client: AppClient, clock: ManualClock, login: str, role: Role) -> tuple[
    int, dict[str, str]
]:  # fmt: skip
    person = await add_person(client.app, login, [role], clock)
    return person.id, bearer(await api_token(client, login))


async def test_a_trainee_sees_and_hears_themselves_through_the_server(
    client: AppClient,
    clock: ManualClock,
    browsers: Browsers,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.WARNING, logger="aiortc")
    user_id, csrf = await joined_by_link(client, clock)
    pc, returned = browser(browsers)
    status, body = await start(client, pc, csrf)
    assert status == 201, body
    assert body["answer"]["type"] == "answer"
    assert body["ice_servers"] == []  # none configured here
    assert body["timeout_s"] == 60

    tracks = {t.kind: t for t in [await returned.get(), await returned.get()]}
    video = await frames_of(tracks["video"], 30)
    audio = await frames_of(tracks["audio"], 25)
    assert all(isinstance(f, av.VideoFrame) for f in video)
    assert {(f.width, f.height) for f in video} == {(640, 480)}
    assert all(f.sample_rate == 48000 for f in audio)
    assert decode_failures(caplog) == []

    loopback = client.app[LOOPBACKS].by_user[user_id]
    assert loopback.id == body["id"]
    for echo in loopback.echoes:  # forwarded packet by packet: never re-assembled nor decoded
        tap = getattr(echo.received.receiver, aiortc_glue.JITTER_BUFFER)
        assert type(tap).__name__ == "_PacketTap"
        assert echo.forward.forwarded > 0
        assert echo.forward.out is not None
        assert echo.forward.out.sender is echo.transceiver.sender

    await picture_loss_asks_the_client_for_a_keyframe(pc, loopback, monkeypatch)

    assert await stop(client, body["id"], csrf) == 204
    assert loopback.closed.is_set()
    assert loopback.pc.connectionState == "closed"
    assert client.app[LOOPBACKS].count == 0


async def picture_loss_asks_the_client_for_a_keyframe(
    pc: RTCPeerConnection, loopback: Loopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client's PLI on the video coming back becomes the server's PLI to the client's
    camera (the only place a keyframe can come from)."""
    asked: asyncio.Queue[Any] = asyncio.Queue()
    original = aiortc_glue.request_keyframe

    async def recording(receiver: Any) -> bool:
        asked.put_nowait(receiver)
        return await original(receiver)

    monkeypatch.setattr(aiortc_glue, "request_keyframe", recording)
    (returning,) = [t.receiver for t in pc.getTransceivers() if t.kind == "video"]
    assert await original(returning)  # the client's own PLI, for the stream it gets back
    (video,) = [e for e in loopback.echoes if e.transceiver.kind == "video"]
    assert await asyncio.wait_for(asked.get(), 5) is video.received.receiver


async def test_a_relay_only_client_loops_back_through_turn(
    turn_client: AppClient,  # noqa: F811 - the fixture imported from test_turn
    clock: ManualClock,
    browsers: Browsers,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The test's second round: offer again, relay-only, with the ICE servers the first
    answer handed out; the new loopback replaces the first."""
    caplog.set_level(logging.WARNING, logger="aiortc")
    user_id, headers = await signed_in(turn_client, clock, "kim", Role.TRAINEE)
    first, _ = browser(browsers, video=False)
    status, direct = await start(turn_client, first, headers)
    assert status == 201, direct
    ice = [RTCIceServer(s["urls"], s["username"], s["credential"]) for s in direct["ice_servers"]]
    assert ice
    assert all(s.username and s.credential for s in ice)  # time-limited TURN credentials

    config = RTCConfiguration(iceServers=ice, iceTransportPolicy=RTCIceTransportPolicy.RELAY)
    pc, returned = browser(browsers, config=config)
    status, relayed = await start(turn_client, pc, headers)
    assert status == 201, relayed
    assert turn_client.app[LOOPBACKS].by_user[user_id].id == relayed["id"] != direct["id"]

    tracks = {t.kind: t for t in [await returned.get(), await returned.get()]}
    video = await frames_of(tracks["video"], 15)
    assert {(f.width, f.height) for f in video} == {(640, 480)}
    assert decode_failures(caplog) == []
    assert local_candidate_types(pc) == {"relay"}


async def test_a_bad_offer_is_refused_and_changes_nothing(
    client: AppClient, clock: ManualClock, browsers: Browsers
) -> None:
    user_id, headers = await signed_in(client, clock, "kim", Role.TRAINEE)
    running, _ = browser(browsers, video=False)
    assert (await start(client, running, headers))[0] == 201
    loopbacks = client.app[LOOPBACKS]
    kept = loopbacks.by_user[user_id]

    good = (await offer_of(browser(browsers)[0]))["sdp"]
    receive_only = RTCPeerConnection()
    browsers.append(receive_only)
    receive_only.addTransceiver("video", direction="recvonly")
    bad = {
        "not sdp": {"type": "offer", "sdp": "v=0\r\nnonsense"},
        "an answer": {"type": "answer", "sdp": good},
        "receive only": await offer_of(receive_only),
        "no fingerprint": {"type": "offer", "sdp": "\r\n".join(
            line for line in good.split("\r\n") if not line.startswith("a=fingerprint"))},
        "no common codec": {"type": "offer", "sdp": good.replace("VP8/", "VP9/").replace(
            "H264/", "AV1/")},
        "too short": {"type": "offer", "sdp": "v=0"},
    }  # fmt: skip
    for name, offer in bad.items():
        response = await client.post(URL, json=offer, headers=headers)
        assert response.status == 422, name
        assert response.content_type == "application/problem+json"
        problem = await response.json()
        assert problem["type"] == "/problems/validation-error", name
        assert problem["errors"][0]["in"] == "body", name
        assert loopbacks.by_user == {user_id: kept}, name
        assert loopbacks.count == 1, name
    assert not kept.closed.is_set()  # the running one goes on


async def test_a_second_loopback_replaces_the_first(
    client: AppClient, clock: ManualClock, browsers: Browsers
) -> None:
    user_id, headers = await signed_in(client, clock, "kim", Role.TRAINEE)
    _, someone_else = await signed_in(client, clock, "lee", Role.TRAINEE)
    loopbacks = client.app[LOOPBACKS]
    status, first = await start(client, browser(browsers, video=False)[0], headers)
    assert status == 201
    replaced = loopbacks.by_user[user_id]
    status, second = await start(client, browser(browsers, video=False)[0], headers)
    assert status == 201
    assert replaced.closed.is_set()
    assert replaced.pc.connectionState == "closed"
    assert loopbacks.by_user[user_id].id == second["id"] != first["id"]
    assert loopbacks.count == 1

    assert await stop(client, first["id"], headers) == 404  # ended already
    assert await stop(client, second["id"], someone_else) == 404  # not theirs to end
    assert await stop(client, second["id"], headers) == 204
    assert loopbacks.count == 0


async def test_a_node_runs_at_most_its_limit(
    make_client: Callable[..., Awaitable[AppClient]], clock: ManualClock, browsers: Browsers
) -> None:
    client = await make_client(loopback_max=2, loopback_timeout_s=30)
    kim = await signed_in(client, clock, "kim", Role.TRAINEE)
    park = await signed_in(client, clock, "park", Role.INSTRUCTOR)
    oh = await signed_in(client, clock, "ohm", Role.OPERATOR)
    assert (await start(client, browser(browsers, video=False)[0], kim[1]))[0] == 201
    assert (await start(client, browser(browsers, video=False)[0], park[1]))[0] == 201

    response = await client.post(
        URL, json=await offer_of(browser(browsers, video=False)[0]), headers=oh[1]
    )
    assert response.status == 503
    assert response.content_type == "application/problem+json"
    problem = await response.json()
    assert problem["type"] == "/problems/unavailable"
    assert "limit of 2" in problem["detail"]
    assert response.headers["Retry-After"] == "30"
    assert client.app[LOOPBACKS].count == 2

    status, again = await start(client, browser(browsers, video=False)[0], kim[1])
    assert status == 201  # replacing one's own needs no new place
    assert await stop(client, again["id"], kim[1]) == 204
    assert (await start(client, browser(browsers, video=False)[0], oh[1]))[0] == 201
    assert set(client.app[LOOPBACKS].by_user) == {park[0], oh[0]}


async def test_a_loopback_ends_itself_after_the_timeout(
    make_client: Callable[..., Awaitable[AppClient]],
    clock: ManualClock,
    browsers: Browsers,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = await make_client(loopback_timeout_s=0.2)
    loopbacks = client.app[LOOPBACKS]
    started = record_starts(loopbacks, monkeypatch)
    _, headers = await signed_in(client, clock, "kim", Role.TRAINEE)
    loop = asyncio.get_running_loop()
    before = loop.time()
    status, body = await start(client, browser(browsers, video=False)[0], headers)
    assert status == 201
    assert body["timeout_s"] == 0.2
    (loopback,) = started
    await asyncio.wait_for(loopback.closed.wait(), 10)
    assert loop.time() - before >= 0.2
    assert loopback.pc.connectionState == "closed"
    assert loopbacks.count == 0
    assert await stop(client, body["id"], headers) == 404


async def test_the_loopbacks_close_when_the_server_stops(
    make_client: Callable[..., Awaitable[AppClient]], clock: ManualClock, browsers: Browsers
) -> None:
    client = await make_client()
    user_id, headers = await signed_in(client, clock, "kim", Role.TRAINEE)
    assert (await start(client, browser(browsers, video=False)[0], headers))[0] == 201
    loopback = client.app[LOOPBACKS].by_user[user_id]
    await client.close()
    assert loopback.closed.is_set()
    assert loopback.pc.connectionState == "closed"
