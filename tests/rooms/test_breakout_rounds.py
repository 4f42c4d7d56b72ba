"""Breakout rounds with real socket.io clients: opening moves everyone at once, late joiners
and reconnects land in their group, group chat stays in the group, visits, help calls, moves,
broadcasts, the clock's warnings, extension and closing (with a controllable clock), the record
of who was where, and bad requests that change nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from server.app import create_app
from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE, LIVE, SETTINGS
from server.lms.models import StaffRole
from server.rooms.breakout import rounds
from server.rooms.node import NODE_LEASE_S, node_lease, sweep
from tests.conftest import (
    AppClient,
    NodeFactory,
    Person,
    add_person,
    api_token,
    bearer,
    delete_prefix,
)
from tests.factories import ClassFixture, make_class
from tests.rooms.classroom import Participant

TRAINEES = ["kim", "lee", "choi", "jung", "kang", "yoon"]  # A: kim lee choi, B: jung kang yoon


@dataclass
class Breakout:
    clients: list[AppClient]  # one node, or two sharing Redis and the database
    klass: ClassFixture
    who: dict[str, Person]
    tokens: dict[str, str]
    set_id: int
    a: int
    b: int
    sockets: list[Participant]

    @property
    def client(self) -> AppClient:
        return self.clients[0]

    async def enter(self, login: str, client_id: str | None = None) -> Participant:
        """Join the class, on the nodes in turn (with two nodes, neighbours differ)."""
        node = self.clients[len(self.sockets) % len(self.clients)]
        p = Participant(client_id)
        self.sockets.append(p)
        await p.connect(node, {"api_token": self.tokens[login],
                               "class_session_id": self.klass.class_session_id})  # fmt: skip
        p.state = await p.ok("join")
        return p

    async def sweep(self) -> None:
        """Every node's housekeeping once, as its timer would: renew its heartbeat (the test's
        clock jumps minutes), then sweep the classes it has people in."""
        for node in self.clients:
            node_id = node.app[SETTINGS].node_id
            await node.app[LIVE].lease_acquire(node_lease(node_id), node_id, NODE_LEASE_S)
        for node in self.clients:
            await sweep(node.app)

    async def record(self) -> list[dict[str, Any]]:
        response = await self.client.get(
            f"/api/v1/class-sessions/{self.klass.class_session_id}/breakout-rounds",
            headers=bearer(self.tokens["park"]),
        )
        assert response.status == 200, await response.text()
        return list(await response.json())


async def prepare(clients: list[AppClient], clock: ManualClock) -> Breakout:
    """Six trainees and an instructor; a set with groups A (kim lee choi) and B (the rest)."""
    client = clients[0]
    who = {login: await add_person(client.app, login, [Role.TRAINEE], clock, name=login.title())
           for login in TRAINEES}  # fmt: skip
    who["park"] = await add_person(client.app, "park", [Role.INSTRUCTOR], clock, name="박강사")
    klass = await make_class(client.app, clock, trainees=[who[t].id for t in TRAINEES],
                             staff={StaffRole.INSTRUCTOR: who["park"].id},
                             starts_in=timedelta(minutes=-5))  # fmt: skip
    tokens = {login: await api_token(client, login) for login in who}
    made = await client.post(f"/api/v1/class-sessions/{klass.class_session_id}/breakout-sets",
                             json={"name": "토의", "groups": ["A", "B"]},
                             headers=bearer(tokens["park"]))  # fmt: skip
    group_set = await made.json()
    a, b = (g["id"] for g in group_set["groups"])
    placed = await client.put(
        f"/api/v1/breakout-sets/{group_set['id']}/members", headers=bearer(tokens["park"]),
        json={"assignments": [{"user_id": who[t].id, "group_id": a if n < 3 else b}
                              for n, t in enumerate(TRAINEES)]},
    )  # fmt: skip
    assert placed.status == 200, await placed.text()
    return Breakout(clients, klass, who, tokens, group_set["id"], a, b, [])


@pytest.fixture
async def breakout(client: AppClient, clock: ManualClock) -> AsyncIterator[Breakout]:
    state = await prepare([client], clock)
    yield state
    for p in state.sockets:
        await p.close()


async def open_groups(bo: Breakout, park: Participant, **kw: Any) -> dict[str, Any]:
    body = {"set_id": bo.set_id, "minutes": 10, **kw}
    answer: dict[str, Any] = await park.ok("breakout_open", body)
    return answer


def members(round_out: dict[str, Any]) -> dict[int, list[int]]:
    return {g["id"]: g["members"] for g in round_out["groups"]}


async def test_opening_moves_everyone_and_latecomers_land_in_their_group(
    breakout: Breakout,
) -> None:
    bo, ids = breakout, {login: p.id for login, p in breakout.who.items()}
    park = await bo.enter("park")
    kim, jung = await bo.enter("kim", client_id="kim-phone"), await bo.enter("jung")
    opened = await open_groups(bo, park)
    for p in (kim, jung, park):
        told = await p.next("breakout_opened")
        assert members(told) == {bo.a: [ids["kim"], ids["lee"], ids["choi"]],
                                 bo.b: [ids["jung"], ids["kang"], ids["yoon"]]}  # fmt: skip
        assert told["round_id"] == opened["round_id"]
    seen = {p["user_id"]: p["group_id"] for p in (await bo.enter("choi")).state["participants"]}
    assert (seen[ids["kim"]], seen[ids["jung"]], seen[ids["park"]]) == (bo.a, bo.b, None)

    yoon = await bo.enter("yoon")  # late
    assert yoon.state["breakout"]["my_group"] == bo.b
    assert yoon.state["me"]["group_id"] == bo.b
    await kim.drop()  # a phone call; back on a new socket
    again = await bo.enter("kim", client_id="kim-phone")
    assert again.state["breakout"]["my_group"] == bo.a
    assert again.state["me"]["group_id"] == bo.a
    assert park.state["breakout"] is None  # the instructor joined before the round


async def test_group_chat_stays_in_the_group_and_visitors_hear_it(breakout: Breakout) -> None:
    bo = breakout
    park = await bo.enter("park")
    kim, lee, jung = await bo.enter("kim"), await bo.enter("lee"), await bo.enter("jung")
    await open_groups(bo, park)
    await kim.ok("send_chat", {"text": "A조 의견입니다", "to": "group"})
    heard = await lee.next("chat_message")
    assert heard["payload"]["text"] == "A조 의견입니다"
    assert heard["audience"] == f"group:{bo.a}"
    await park.ok("breakout_broadcast", {"text": "5분 남았습니다"})
    for p in (kim, lee, jung):
        assert (await p.next("breakout_message"))["text"] == "5분 남았습니다"
    assert jung.nothing_pending("chat_message")  # B heard the broadcast, never A's chat
    assert park.nothing_pending("chat_message")  # nor the instructor in the main room

    visit = await park.ok("breakout_visit", {"group_id": bo.a})
    assert bo.who["kim"].id in visit["members"]
    await lee.ok("send_chat", {"text": "강사님 오셨네요", "to": "group"})
    assert (await park.next("chat_message"))["payload"]["text"] == "강사님 오셨네요"
    overview = await park.ok("breakout_overview")
    group_a = next(g for g in overview["groups"] if g["id"] == bo.a)
    assert group_a["visitors"] == [bo.who["park"].id]
    assert group_a["present"] == sorted([bo.who["kim"].id, bo.who["lee"].id])
    assert group_a["away"] == [bo.who["choi"].id]
    # a rejoin in the group gets the group's chat history; the other group does not
    kim2 = await bo.enter("kim")
    assert [m["payload"]["text"] for m in kim2.state["chat"]] == [
        "A조 의견입니다",
        "강사님 오셨네요",
    ]
    jung2 = await bo.enter("jung")
    assert jung2.state["chat"] == []


async def test_help_calls_and_moves(breakout: Breakout) -> None:
    bo = breakout
    park = await bo.enter("park")
    kim, jung = await bo.enter("kim"), await bo.enter("jung")
    refused = await jung.call("breakout_help")
    assert refused["error"]["type"] == "conflict"  # no groups open: nothing to call from
    await open_groups(bo, park)
    answer = await jung.ok("breakout_help")
    assert answer["queue_position"] == 1
    calls = await park.next("help_calls")
    assert [(c["user_id"], c["group_id"]) for c in calls["queue"]] == [(bo.who["jung"].id, bo.b)]
    await park.ok("breakout_help_done", {"user_id": bo.who["jung"].id})
    assert (await jung.next("help_answered"))["by"] == bo.who["park"].id
    assert (await park.next("help_calls"))["queue"] == []

    await park.ok("breakout_move", {"user_id": bo.who["kim"].id, "group_id": bo.b})
    assert (await jung.next("breakout_moved"))["group_id"] == bo.b
    await kim.ok("send_chat", {"text": "B조로 왔어요", "to": "group"})
    assert (await jung.next("chat_message"))["payload"]["text"] == "B조로 왔어요"
    bad = await park.call("breakout_move", {"user_id": bo.who["kim"].id, "group_id": 999_999})
    assert bad["error"]["type"] == "not-found"
    again = await bo.enter("kim")  # the move holds across a reconnect
    assert again.state["breakout"]["my_group"] == bo.b


async def test_the_clock_warns_extends_and_closes(breakout: Breakout, clock: ManualClock) -> None:
    bo = breakout
    park = await bo.enter("park")
    kim = await bo.enter("kim")
    await open_groups(bo, park, minutes=10, warnings_s=[120, 30])
    clock.advance(8 * 60 + 1)
    await bo.sweep()
    assert (await kim.next("breakout_warning"))["seconds_left"] == 120
    await bo.sweep()  # the same warning is not given twice
    extended = await park.ok("breakout_extend", {"minutes": 5})
    assert (await kim.next("breakout_timer"))["ends_at"] == extended["ends_at"]
    assert kim.nothing_pending("breakout_warning")
    clock.advance(6 * 60 + 31)
    await bo.sweep()
    assert (await kim.next("breakout_warning"))["seconds_left"] == 30
    clock.advance(31)
    await bo.sweep()
    closed = await kim.next("breakout_closed")
    back = await bo.enter("kim")
    assert back.state["breakout"] is None
    assert {p["group_id"] for p in back.state["participants"]} == {None}
    (record,) = await bo.record()
    assert record["id"] == closed["round_id"]
    kims = [(m["group_id"], m["visiting"]) for m in record["moves"]
            if m["user_id"] == bo.who["kim"].id]  # fmt: skip
    assert kims == [(bo.a, False), (None, False)]
    assert record["closed_at"] is not None


async def test_closing_with_a_last_countdown(breakout: Breakout, clock: ManualClock) -> None:
    bo = breakout
    park = await bo.enter("park")
    kim = await bo.enter("kim")
    await open_groups(bo, park)
    timer = await park.ok("breakout_close", {"grace_s": 30})
    assert (await kim.next("breakout_timer"))["closing_at"] == timer["closing_at"]
    clock.advance(29)
    await bo.sweep()
    assert kim.nothing_pending("breakout_closed")
    clock.advance(2)
    await bo.sweep()
    await kim.next("breakout_closed")
    now = await park.ok("breakout_open", {"set_id": bo.set_id, "minutes": 5})  # again
    closed = await park.ok("breakout_close", {})
    assert closed["round_id"] == now["round_id"]
    assert len(await bo.record()) == 2


async def test_bad_requests_change_nothing(breakout: Breakout) -> None:
    bo = breakout
    park, kim = await bo.enter("park"), await bo.enter("kim")
    assert (await kim.call("breakout_open", {"set_id": bo.set_id, "minutes": 5}))["error"][
        "type"] == "forbidden"  # fmt: skip
    for payload in ({"set_id": bo.set_id, "minutes": 0}, {"set_id": bo.set_id},
                    {"set_id": "x", "minutes": 5}):  # fmt: skip
        assert (await park.call("breakout_open", payload))["error"]["type"] == "validation-error"
    missing = await park.call("breakout_open", {"set_id": 999_999, "minutes": 5})
    assert missing["error"]["type"] == "not-found"
    assert (await park.call("breakout_close", {}))["error"]["type"] == "conflict"
    assert await bo.record() == []
    await open_groups(bo, park)
    twice = await park.call("breakout_open", {"set_id": bo.set_id, "minutes": 5})
    assert twice["error"]["type"] == "conflict"
    assert len(await bo.record()) == 1


async def lose_live_state(bo: Breakout, nodes: NodeFactory, clock: ManualClock,
                          aiohttp_client: Callable[..., Awaitable[AppClient]]) -> None:  # fmt: skip
    """Redis restarts empty (or, on the embedded stack, the node restarts with its memory
    gone): from now on the class is served by a node that knows nothing of the round."""
    for p in bo.sockets:
        await p.close()
    if nodes.stack.live == "redis":
        await delete_prefix(nodes.prefix)
    quiet = {"rooms_housekeeping_s": 3600.0}
    fresh = create_app(nodes.settings(node_id="node-new", **quiet), clock=clock)
    bo.clients = [await aiohttp_client(fresh)]


async def test_an_open_round_survives_the_live_state_being_lost(
    breakout: Breakout, nodes: NodeFactory, clock: ManualClock,
    aiohttp_client: Callable[..., Awaitable[AppClient]],
) -> None:  # fmt: skip
    bo = breakout
    park = await bo.enter("park")
    await open_groups(bo, park, minutes=10, warnings_s=[60])
    await park.ok("breakout_move", {"user_id": bo.who["lee"].id, "group_id": bo.b})  # absent
    extended = await park.ok("breakout_extend", {"minutes": 5})
    await lose_live_state(bo, nodes, clock, aiohttp_client)
    kim, lee = await bo.enter("kim"), await bo.enter("lee")
    assert kim.state["breakout"]["my_group"] == bo.a  # the plan, from the record
    assert lee.state["breakout"]["my_group"] == bo.b  # the move made while lee was away
    assert kim.state["breakout"]["ends_at"] == extended["ends_at"]  # the extension too
    assert {p["user_id"]: p["group_id"] for p in lee.state["participants"]} == {
        bo.who["kim"].id: bo.a, bo.who["lee"].id: bo.b}  # fmt: skip
    clock.advance(15 * 60 - 59)
    await bo.sweep()
    assert (await kim.next("breakout_warning"))["seconds_left"] == 60  # the warnings kept
    clock.advance(60)
    await bo.sweep()
    closed = await kim.next("breakout_closed")
    (record,) = await bo.record()
    assert (record["id"], record["closed_at"] is not None) == (closed["round_id"], True)


async def test_a_warning_given_before_the_live_state_was_lost_is_not_given_again(
    breakout: Breakout, nodes: NodeFactory, clock: ManualClock,
    aiohttp_client: Callable[..., Awaitable[AppClient]],
) -> None:  # fmt: skip
    """ "5 minutes left" is given, then Redis restarts empty: the restored round knows from the
    record that it was given, so the next warning anyone hears is the 1-minute one (a second
    "5 minutes left" would arrive first on the same socket)."""
    bo = breakout
    park = await bo.enter("park")
    kim = await bo.enter("kim")
    await open_groups(bo, park, minutes=10, warnings_s=[300, 60])
    clock.advance(5 * 60 + 1)
    await bo.sweep()
    assert (await kim.next("breakout_warning"))["seconds_left"] == 300
    await lose_live_state(bo, nodes, clock, aiohttp_client)
    park, kim = await bo.enter("park"), await bo.enter("kim")
    assert kim.state["breakout"]["my_group"] == bo.a  # restored
    await bo.sweep()  # 4:59 left: nothing to say
    clock.advance(4 * 60)
    await bo.sweep()  # 0:59 left
    assert (await kim.next("breakout_warning"))["seconds_left"] == 60
    await bo.sweep()
    extended = await park.ok("breakout_extend", {"minutes": 5})  # a new end: warned anew
    assert (await kim.next("breakout_timer"))["ends_at"] == extended["ends_at"]
    clock.advance(60)
    await bo.sweep()  # 4:59 left again
    assert (await kim.next("breakout_warning"))["seconds_left"] == 300


async def test_a_round_that_ran_out_while_the_live_state_was_lost_closes_on_record(
    breakout: Breakout, nodes: NodeFactory, clock: ManualClock,
    aiohttp_client: Callable[..., Awaitable[AppClient]],
) -> None:  # fmt: skip
    bo = breakout
    park = await bo.enter("park")
    opened = await open_groups(bo, park, minutes=10)
    await lose_live_state(bo, nodes, clock, aiohttp_client)
    clock.advance(10 * 60 + 1)
    kim = await bo.enter("kim")
    assert kim.state["breakout"] is None  # back in the main room, not in a stale group
    (record,) = await bo.record()
    assert record["closed_at"] == opened["ends_at"]  # when its time ran out


async def test_a_restore_that_finds_the_round_restored_takes_it_as_it_is_now(
    breakout: Breakout, nodes: NodeFactory, clock: ManualClock,
    aiohttp_client: Callable[..., Awaitable[AppClient]],
) -> None:  # fmt: skip
    """A class rejoining after the live state was lost restores the round from many joins at
    once. One restored it and someone was moved; a restore that read the record before the
    move must not put the old plan back."""
    bo = breakout
    park = await bo.enter("park")
    await open_groups(bo, park, minutes=10)
    await lose_live_state(bo, nodes, clock, aiohttp_client)
    app, cs, kim = bo.client.app, bo.klass.class_session_id, bo.who["kim"].id
    async with app[DATABASE].unit_of_work() as session:
        first = await rounds.restore(session, app[LIVE], cs, clock.now())
        assert first is not None
        assert first.plan[kim] == bo.a
        first.plan[kim] = bo.b  # moved in the live state by another node, not yet on record
        await app[LIVE].presence_set(f"class:{cs}:breakout", "round", first.fields())
        late = await rounds.restore(session, app[LIVE], cs, clock.now())
    assert late is not None
    assert late.plan[kim] == bo.b
    now = await rounds.current(app[LIVE], cs)
    assert now is not None
    assert now.plan[kim] == bo.b
