"""Completion from a real live class: trainees join over the class socket, a phone drops and
comes back within the reconnect grace, another a second too late (the node's sweeper lets it
go), the instructor ends the class; the results read what the class recorded."""

from __future__ import annotations

from datetime import timedelta

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import LIVE, SETTINGS
from server.lms.models import StaffRole
from server.rooms.node import NODE_LEASE_S, node_lease, sweep
from tests.conftest import AppClient, add_person, api_token
from tests.factories import make_class
from tests.lms.completion.records import Api
from tests.rooms.classroom import PHONE_UA, Participant


async def housekeeping(client: AppClient) -> None:
    """The node's sweeper once, as its timer would (heartbeat first)."""
    node_id = client.app[SETTINGS].node_id
    await client.app[LIVE].lease_acquire(node_lease(node_id), node_id, NODE_LEASE_S)
    await sweep(client.app)


async def test_results_from_a_live_class_with_drops_at_and_past_the_grace(
    client: AppClient, clock: ManualClock
) -> None:
    people = (("kim", Role.TRAINEE, "김민지"), ("lee", Role.TRAINEE, "이서준"),
              ("park", Role.INSTRUCTOR, "박강사"), ("ops", Role.OPERATOR, "오운영"))  # fmt: skip
    who = {x: await add_person(client.app, x, [r], clock, name=n) for x, r, n in people}
    klass = await make_class(client.app, clock, trainees=[who["kim"].id, who["lee"].id],
                             staff={StaffRole.INSTRUCTOR: who["park"].id},
                             starts_in=timedelta(minutes=-5),
                             length=timedelta(minutes=60))  # fmt: skip
    tokens = {x: await api_token(client, x) for x in who}
    sockets: list[Participant] = []

    async def enter(login: str, client_id: str | None = None) -> Participant:
        p = Participant(client_id)
        sockets.append(p)
        # as Participant.connect, but waiting up to 10 s (not socket.io's 1 s) for the class
        # namespace: the test machine is shared, and a slow connect is not what is tested here
        await p.sio.connect(
            str(client.make_url("/")), namespaces=["/class"], transports=["websocket"],
            auth={"client_id": p.client_id, "api_token": tokens[login],
                  "class_session_id": klass.class_session_id},
            headers={"User-Agent": PHONE_UA}, wait_timeout=10,
        )  # fmt: skip
        await p.ok("join")
        return p

    try:
        park = await enter("park")
        await park.ok("start_class")
        kim, lee = await enter("kim"), await enter("lee")  # 5 minutes late
        clock.advance(600)
        await kim.drop()  # a phone call comes in
        await lee.drop()
        await park.change("dropped", who["kim"].id)
        await park.change("dropped", who["lee"].id)
        clock.advance(120)
        await enter("kim", kim.client_id)  # back exactly at the end of the grace
        clock.advance(1)
        await housekeeping(client)  # lee's grace has run out: lee is let go
        await park.change("left", who["lee"].id)
        await enter("lee", lee.client_id)
        clock.advance(55 * 60 - 721)  # to the scheduled end
        await park.ok("end_class")
    finally:
        for p in sockets:
            await p.close()

    ops = await Api.of(client, who["ops"])
    await ops.call("POST", f"/courses/{klass.course_id}/completion-rules",
                   {"min_presence_pct": 90, "reason": "90% 출석"}, 201)  # fmt: skip
    clock.advance(60)
    results = await ops.call("GET", f"/cohorts/{klass.cohort_id}/completion")
    said = {r["user_id"]: r["explanation_en"] for r in results["results"]}
    assert said == {
        who["kim"].id: "present 55 of 60 min (91%) ✓; completed",
        # 10 min, then 121 s away, then the rest: 3179 s of 3600
        who["lee"].id: "present 52 of 60 min (88%) ✗; not completed",
    }
