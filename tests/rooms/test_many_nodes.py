"""One class across two server nodes sharing Redis and the database (the scaled set-up).

These run on the services stack only: without Redis there is one node by design, and
``tests/conftest.py`` does not collect this module.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription, VideoStreamTrack

from server.app import create_app
from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE, LIVE
from server.lms.models import StaffRole
from server.rooms import service
from server.rooms.attendance import intervals
from server.rooms.media.sfu import MEDIA
from server.rooms.models import AttendanceKind
from server.rooms.node import NODE_LEASE_S, sweep
from tests.conftest import AppClient, NodeFactory, add_person, api_token, bearer, stack_for
from tests.factories import make_class
from tests.rooms.classroom import Participant

pytestmark = pytest.mark.parametrize("stack", [stack_for("services")], ids=["services"])


class TwoNodes:
    def __init__(self, a: AppClient, b: AppClient, tokens: dict[str, str], ids: dict[str, int],
                 class_session_id: int) -> None:  # fmt: skip
        self.a, self.b = a, b
        self.tokens, self.ids, self.class_session_id = tokens, ids, class_session_id
        self.sockets: list[Participant] = []

    async def join(self, node: AppClient, login: str, client_id: str | None = None) -> Participant:
        response = await node.post(
            f"/api/v1/class-sessions/{self.class_session_id}/class-token",
            headers=bearer(self.tokens[login]),
        )
        p = Participant(client_id)
        self.sockets.append(p)
        await p.connect(node, {"token": (await response.json())["token"]})
        p.state = await p.ok("join")
        return p


@pytest.fixture
async def two(
    nodes: NodeFactory,
    clock: ManualClock,
    aiohttp_client: Callable[..., Awaitable[AppClient]],
) -> AsyncIterator[TwoNodes]:
    quiet = {"rooms_housekeeping_s": 3600.0}  # sweeps run when the test says, not on a timer
    a = await aiohttp_client(create_app(nodes.settings(node_id="node-a", **quiet), clock=clock))
    b = await aiohttp_client(create_app(nodes.settings(node_id="node-b", **quiet), clock=clock))
    ids = {}
    for login, role in (("kim", Role.TRAINEE), ("lee", Role.TRAINEE), ("park", Role.INSTRUCTOR)):
        ids[login] = (await add_person(a.app, login, [role], clock)).id
    klass = await make_class(
        a.app, clock, trainees=[ids["kim"], ids["lee"]],
        staff={StaffRole.INSTRUCTOR: ids["park"]}, starts_in=timedelta(minutes=-5),
    )  # fmt: skip
    tokens = {login: await api_token(a, login) for login in ids}
    pair = TwoNodes(a, b, tokens, ids, klass.class_session_id)
    yield pair
    for p in pair.sockets:
        await p.close()


async def test_people_on_two_nodes_are_in_one_class(two: TwoNodes) -> None:
    park = await two.join(two.a, "park")
    kim = await two.join(two.a, "kim")
    lee = await two.join(two.b, "lee")
    assert {p["name"] for p in lee.state["participants"]} == {"Park", "Kim", "Lee"}
    assert (await park.change("joined", two.ids["kim"]))["name"] == "Kim"
    assert (await park.change("joined", two.ids["lee"]))["name"] == "Lee"
    await lee.ok("raise_hand")
    assert (await park.next("hand_raised"))["queue"] == [two.ids["lee"]]
    sent = await lee.ok("send_chat", {"text": "B 노드에서 보냅니다"})
    assert (await kim.next("chat_message"))["id"] == sent["id"]
    assert (await park.next("chat_message"))["id"] == sent["id"]
    await park.ok("spotlight", {"user_id": two.ids["lee"]})
    assert await lee.next("spotlight_changed") == {"user_id": two.ids["lee"]}


async def test_a_crashed_node_loses_no_attendance(two: TwoNodes, clock: ManualClock) -> None:
    """kim's node stops answering (its heartbeat lapses); kim comes back through the other."""
    park = await two.join(two.a, "park")
    kim = await two.join(two.b, "kim")
    await park.change("joined", two.ids["kim"])
    clock.advance(600)
    # node B stops renewing its heartbeat (as if killed): after the lease, A takes over
    clock.advance(NODE_LEASE_S + 1)
    await sweep(two.a.app)
    dropped = await park.change("dropped")
    assert dropped == {"kind": "dropped", "user_id": two.ids["kim"], "reason": "server lost"}
    clock.advance(30)
    back = await two.join(two.a, "kim", client_id=kim.client_id)
    assert back.state["me"]["status"] == "present"
    clock.advance(100)
    async with two.a.app[DATABASE].unit_of_work() as session:
        marks = await service.attendance_marks(session, two.class_session_id)
    kinds = [m.kind for m in marks if m.user_id == two.ids["kim"]]
    assert kinds == [AttendanceKind.JOIN, AttendanceKind.DROP, AttendanceKind.RESUME]
    parts = intervals(marks, timedelta(seconds=120), clock.now())[two.ids["kim"]]
    assert [(p.seconds, p.bridged_drops) for p in parts] == [(600 + NODE_LEASE_S + 1 + 30 + 100, 1)]


async def test_a_node_restart_moves_its_people_without_a_gap(
    two: TwoNodes, clock: ManualClock
) -> None:
    park = await two.join(two.a, "park")
    kim = await two.join(two.b, "kim")
    await park.change("joined", two.ids["kim"])
    clock.advance(60)
    await two.b.close()  # node B shuts down; its sockets close
    await kim.sio.wait()
    assert (await park.change("dropped"))["user_id"] == two.ids["kim"]
    clock.advance(5)
    back = await two.join(two.a, "kim", client_id=kim.client_id)
    assert [p["user_id"] for p in back.state["participants"]].count(two.ids["kim"]) == 1
    async with two.a.app[DATABASE].unit_of_work() as session:
        marks = await service.attendance_marks(session, two.class_session_id)
    parts = intervals(marks, timedelta(seconds=120), clock.now())[two.ids["kim"]]
    assert len(parts) == 1
    assert parts[0].bridged_drops == 1


async def _publish(socket: Participant) -> RTCPeerConnection:
    pc = RTCPeerConnection()
    pc.addTransceiver(VideoStreamTrack(), direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    offer = {"type": pc.localDescription.type, "sdp": pc.localDescription.sdp}
    answer = (await socket.ok("media_publish", offer))["answer"]
    await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
    return pc


async def _subscribe(socket: Participant) -> tuple[RTCPeerConnection, asyncio.Queue[Any]]:
    pc = RTCPeerConnection()
    tracks: asyncio.Queue[Any] = asyncio.Queue()
    pc.on("track", tracks.put_nowait)
    offer = (await socket.ok("media_subscribe"))["offer"]
    await pc.setRemoteDescription(RTCSessionDescription(offer["sdp"], offer["type"]))
    await pc.setLocalDescription(await pc.createAnswer())
    await socket.ok("media_answer", {"type": "answer", "sdp": pc.localDescription.sdp})
    return pc, tracks


async def test_media_crosses_nodes_through_the_host_and_moves_when_it_stops(
    two: TwoNodes,
) -> None:
    """kim publishes through node B (B hosts the class's media); park subscribes through A."""
    kim = await two.join(two.b, "kim")
    park = await two.join(two.a, "park")
    lee = await two.join(two.a, "lee")
    pcs = [await _publish(kim)]
    try:
        assert await two.a.app[LIVE].lease_owner(f"media:{two.class_session_id}") == "node-b"
        pc, tracks = await _subscribe(park)
        pcs.append(pc)
        video = await asyncio.wait_for(tracks.get(), 10)
        frames = [await asyncio.wait_for(video.recv(), 10) for _ in range(10)]
        assert len(frames) == 10
        assert two.a.app[MEDIA].classes == {}  # A relayed the signalling; B holds the peers
        await two.b.close()  # the host stops; its lease is released
        pcs.append(await _publish(lee))  # the next request makes A the host
        assert await two.a.app[LIVE].lease_owner(f"media:{two.class_session_id}") == "node-a"
        assert two.a.app[MEDIA].classes[two.class_session_id].publications
    finally:
        for pc in pcs:
            await pc.close()


async def test_breakout_groups_span_nodes_and_survive_a_node_restart(
    two: TwoNodes, clock: ManualClock, nodes: NodeFactory,
    aiohttp_client: Callable[..., Awaitable[AppClient]],
) -> None:  # fmt: skip
    made = await two.a.post(
        f"/api/v1/class-sessions/{two.class_session_id}/breakout-sets",
        json={"name": "분임", "groups": ["A", "B"]}, headers=bearer(two.tokens["park"]),
    )  # fmt: skip
    group_set = await made.json()
    a = group_set["groups"][0]["id"]
    placed = await two.a.put(
        f"/api/v1/breakout-sets/{group_set['id']}/members", headers=bearer(two.tokens["park"]),
        json={"assignments": [{"user_id": two.ids["kim"], "group_id": a},
                              {"user_id": two.ids["lee"], "group_id": a}]},
    )  # fmt: skip
    assert placed.status == 200
    park = await two.join(two.a, "park")
    kim = await two.join(two.a, "kim")
    lee = await two.join(two.b, "lee")
    await park.ok("breakout_open", {"set_id": group_set["id"], "minutes": 10, "warnings_s": [60]})
    assert (await lee.next("breakout_opened"))["groups"][0]["members"] == sorted(
        [two.ids["kim"], two.ids["lee"]]
    )
    await kim.ok("send_chat", {"text": "다른 노드의 같은 조", "to": "group"})
    assert (await lee.next("chat_message"))["payload"]["text"] == "다른 노드의 같은 조"

    # node B restarts: the groups and the clock are in Redis; lee comes back to group A
    await lee.close()
    await two.b.close()
    quiet = {"rooms_housekeeping_s": 3600.0}
    b2 = await aiohttp_client(create_app(nodes.settings(node_id="node-b", **quiet), clock=clock))
    lee = await two.join(b2, "lee")
    assert lee.state["breakout"]["my_group"] == a
    # both nodes sweep; the warning is given once, wherever it is swept
    clock.advance(9 * 60 + 1)
    await sweep(two.a.app)
    await sweep(b2.app)
    assert (await lee.next("breakout_warning"))["seconds_left"] == 60
    assert (await kim.next("breakout_warning"))["seconds_left"] == 60
    await park.ok("breakout_broadcast", {"text": "마무리하세요"})
    await kim.next("breakout_message")
    assert kim.nothing_pending("breakout_warning")  # once, though two nodes swept
    clock.advance(60)
    await sweep(b2.app)
    await kim.next("breakout_closed")
    await lee.next("breakout_closed")
