"""Statements to a REAL Learning Record Store (ralph on loopback): a live class's join, hand
and leave arrive as Virtual Classroom statements; an LRS outage loses nothing and, once it
is back, everything arrives exactly once (a resend after a crash too); two nodes never send
the same row; a named poll answer is sent, an anonymous one never; with no LRS configured
nothing is written to the outbox."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.lms.models import StaffRole
from server.xapi import outbox
from server.xapi.models import LrsOutbox
from server.xapi.sender import LRS_SENDER
from tests.conftest import AppClient, Person, add_person, api_token
from tests.factories import ClassFixture, make_class
from tests.rooms.classroom import Participant
from tests.xapi.conftest import LrsNode
from tests.xapi.ralph import Ralph

CLASSROOM = "http://baeum.test/xapi/activities/class-sessions/"


@pytest.fixture
async def sockets() -> AsyncIterator[list[Participant]]:
    opened: list[Participant] = []
    yield opened
    for p in opened:
        await p.close()


async def class_with(
    client: AppClient, clock: ManualClock
) -> tuple[ClassFixture, dict[str, Person]]:
    who = {
        "kim": await add_person(client.app, "kim", [Role.TRAINEE], clock, name="김민지"),
        "park": await add_person(client.app, "park", [Role.INSTRUCTOR], clock, name="박강사"),
    }
    klass = await make_class(client.app, clock, trainees=[who["kim"].id],
                             staff={StaffRole.INSTRUCTOR: who["park"].id},
                             starts_in=timedelta(minutes=-5))  # fmt: skip
    return klass, who


async def enter(
    client: AppClient, klass: ClassFixture, login: str, sockets: list[Participant]
) -> Participant:
    p = Participant()
    sockets.append(p)
    token = await api_token(client, login)
    await p.connect(client, {"api_token": token, "class_session_id": klass.class_session_id})
    await p.ok("join")
    return p


async def outbox_rows(client: AppClient) -> list[LrsOutbox]:
    async with client.app[DATABASE].unit_of_work() as session:
        return list((await session.scalars(select(LrsOutbox).order_by(LrsOutbox.id))).all())


def verbs(statements: list[dict[str, Any]]) -> list[str]:
    ordered = sorted(statements, key=lambda s: s["timestamp"])
    return [s["verb"]["id"].rsplit("/", 1)[-1] for s in ordered]


async def test_a_live_class_reaches_the_lrs_as_virtual_classroom_statements(
    lrs_node: LrsNode, ralph: Ralph, clock: ManualClock, sockets: list[Participant]
) -> None:
    client = await lrs_node(lrs_poll_s=0.05)
    klass, _ = await class_with(client, clock)
    kim = await enter(client, klass, "kim", sockets)
    clock.advance(60)
    await kim.ok("raise_hand")
    await kim.ok("raise_hand")  # already up: not a second statement
    clock.advance(60)
    await kim.ok("leave")
    received = await ralph.wait_for(3)
    assert len(received) == 3
    assert verbs(received) == ["join", "raised-hand", "leave"]
    for s in received:
        assert s["actor"]["account"] == {"homePage": "http://baeum.test", "name": "kim"}
        assert s["object"]["id"] == f"{CLASSROOM}{klass.class_session_id}"
        assert s["object"]["definition"]["type"] == outbox.CLASSROOM_TYPE
        category = s["context"]["contextActivities"]["category"]
        assert category[0]["id"] == "https://w3id.org/xapi/virtual-classroom"
    assert len({s["context"]["registration"] for s in received}) == 1  # one per class
    rows = await outbox_rows(client)
    assert {r.statement_id for r in rows} == {s["id"] for s in received}
    assert all(r.sent_at is not None for r in rows)


async def test_an_lrs_outage_loses_nothing_and_everything_arrives_once(
    lrs_node: LrsNode, ralph: Ralph, clock: ManualClock, sockets: list[Participant]
) -> None:
    client = await lrs_node(lrs_poll_s=3600)  # this test drives the sender itself
    sender = client.app[LRS_SENDER]
    klass, _ = await class_with(client, clock)
    ralph.stop()
    kim = await enter(client, klass, "kim", sockets)
    await kim.ok("raise_hand")
    await kim.ok("leave")
    assert await sender.flush() == 0  # the LRS is down
    rows = await outbox_rows(client)
    assert len(rows) == 3
    assert all(r.sent_at is None and r.attempts == 1 and r.last_error for r in rows)
    assert await sender.flush() == 0  # backing off: not due again yet
    assert await sender.pending() == 3
    clock.advance(8 * 86400)  # a week-long outage: unsent rows are never pruned
    assert await sender.prune() == 0
    assert await sender.pending() == 3
    ralph.start()
    clock.advance(2.5)  # past the first back-off (1 s; 2 s for the second)
    assert await sender.flush() == 3
    assert await sender.pending() == 0
    received = await ralph.statements()
    assert sorted(s["id"] for s in received) == sorted(r.statement_id for r in rows)
    # a node that died between the LRS's answer and marking the rows: once its claim (a
    # lease) runs out, the rows are sent again
    async with client.app[DATABASE].unit_of_work() as session:
        await session.execute(update(LrsOutbox).values(sent_at=None))
    assert await sender.flush() == 0  # still claimed
    clock.advance(sender.lease.total_seconds())
    assert await sender.flush() == 3
    assert len(await ralph.statements()) == 3  # the LRS holds each once (ids fixed at enqueue)


async def test_two_nodes_never_send_the_same_row(
    lrs_node: LrsNode, ralph: Ralph, clock: ManualClock
) -> None:
    first = await lrs_node(lrs_poll_s=3600, lrs_batch=4)
    second = await lrs_node(lrs_poll_s=3600, lrs_batch=4)
    klass, who = await class_with(first, clock)
    async with first.app[DATABASE].unit_of_work() as session:
        for n in range(30):
            await outbox.hand_raised(session, klass.class_session_id, who["kim"].id,
                                     clock.now() + timedelta(seconds=n))  # fmt: skip
    a, b = first.app[LRS_SENDER], second.app[LRS_SENDER]
    await asyncio.gather(a.flush(), b.flush(), a.flush(), b.flush())
    assert a.sent + b.sent == 30  # every row claimed by exactly one sender
    assert await a.pending() == 0
    assert len(await ralph.statements()) == 30


async def test_named_poll_answers_are_sent_and_anonymous_ones_never(
    lrs_node: LrsNode, ralph: Ralph, clock: ManualClock, sockets: list[Participant]
) -> None:
    client = await lrs_node(lrs_poll_s=3600)
    klass, _ = await class_with(client, clock)
    park = await enter(client, klass, "park", sockets)
    kim = await enter(client, klass, "kim", sockets)
    before = len(await outbox_rows(client))  # the two joins
    for anonymous in (True, False):
        poll = await park.ok("poll_create", {"title": "점심", "anonymous": anonymous, "items": [
            {"kind": "single", "prompt": "점심 메뉴", "options": ["밥", "면"]}]})  # fmt: skip
        run = await park.ok("poll_launch", {"poll_id": poll["id"]})
        item = poll["items"][0]["id"]
        await kim.ok("poll_answer", {"run_id": run["run_id"], "item_id": item,
                                     "value": {"choice": 1}})  # fmt: skip
    rows = await outbox_rows(client)
    answered = [r.statement for r in rows[before:]]
    assert len(answered) == 1  # the named poll's answer only
    assert answered[0]["verb"]["id"] == outbox.ANSWERED
    assert answered[0]["actor"]["account"]["name"] == "kim"
    assert answered[0]["result"]["response"] == '{"choice": 1}'
    assert await client.app[LRS_SENDER].flush() == len(rows)
    received = await ralph.statements()
    assert [s for s in received if s["verb"]["id"] == outbox.ANSWERED] == [
        s for s in received if s["id"] == rows[-1].statement_id
    ]


async def test_without_an_lrs_nothing_is_written_to_the_outbox(
    client: AppClient, clock: ManualClock, sockets: list[Participant]
) -> None:
    klass, _ = await class_with(client, clock)
    kim = await enter(client, klass, "kim", sockets)
    await kim.ok("raise_hand")
    await kim.ok("leave")
    async with client.app[DATABASE].unit_of_work() as session:
        assert await session.scalar(select(func.count()).select_from(LrsOutbox)) == 0
        done = {"actor": {"mbox": "mailto:a@b.example"}, "verb": {"id": outbox.COMPLETED},
                "object": {"id": "https://x.example/c"}}  # fmt: skip
        assert await outbox.enqueue(session, done) is None
    assert LRS_SENDER not in client.app


async def test_a_completion_enqueued_with_its_record_reaches_the_lrs(
    lrs_node: LrsNode, ralph: Ralph, clock: ManualClock
) -> None:
    client = await lrs_node(lrs_poll_s=3600)
    klass, who = await class_with(client, clock)
    async with client.app[DATABASE].unit_of_work() as session:
        done = await outbox.completion_statement(
            session, who["kim"].id, klass.course_id, clock.now(), success=True, score_scaled=0.85
        )
        assert done is not None
        statement_id = await outbox.enqueue(session, done)
    assert await client.app[LRS_SENDER].flush() == 1
    (received,) = await ralph.statements()
    assert received["id"] == statement_id
    assert received["verb"]["id"] == outbox.COMPLETED
    assert received["actor"]["account"]["name"] == "kim"
    assert received["object"]["id"].startswith("http://baeum.test/xapi/activities/courses/T-")
    assert received["result"] == {"completion": True, "success": True, "score": {"scaled": 0.85}}
    sender = client.app[LRS_SENDER]
    clock.advance(6 * 86400)
    assert await sender.prune() == 0  # sent rows are kept a week
    clock.advance(2 * 86400)
    assert await sender.prune() == 1
    assert await outbox_rows(client) == []
