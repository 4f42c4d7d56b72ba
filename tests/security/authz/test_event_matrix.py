"""Every live-class socket.io event, sent by every class role over a real socket.io
connection, against a table (event_table.py); and the connections that must never be let in
(nobody, expired tokens, people outside the class), and a token for another class, which
must never act on this one."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
import socketio
from sqlalchemy import select

from server.boards.models import BoardPost
from server.core.auth import tokens
from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE, SECRET_KEY
from server.core.sio import personal
from server.lms.models import StaffRole
from server.polls.models import PollRun, QuestionVote
from server.rooms.events import classroom
from server.rooms.models import AttendanceEvent, ClassEvent
from tests.conftest import AppClient, add_person, api_token, bearer
from tests.factories import make_class
from tests.rooms.classroom import Participant
from tests.security.authz.conftest import EXPIRED, FOREIGN_JWT, NOBODY, TAMPERED, World
from tests.security.authz.event_table import EVENTS

ROLES = ["trainee", "instructor", "assistant", "captioner", "operator"]
REFUSED = {"forbidden"}


def fill(payload: Any, ids: dict[str, int]) -> Any:
    if payload is None:
        return None
    text = re.sub(r'"\{(\w+)\}"', lambda m: str(ids[m.group(1)]), json.dumps(payload))
    return json.loads(text)


async def enter(client: AppClient, world: World, login: str) -> Participant:
    p = Participant()
    token = await api_token(client, login)
    await p.connect(client, {"api_token": token, "class_session_id": world.klass.class_session_id})
    p.state = await p.ok("join", {})
    return p


async def objects(by: dict[str, Participant], other: Participant) -> dict[str, int]:
    """What the payloads name: another trainee's question and posts, a board, a poll run."""
    ids: dict[str, int] = {"target": int(other.state["me"]["user_id"])}
    ids["question"] = (await other.ok("qa_ask", {"text": "누가 물었을까요"}))["id"]
    ids["question2"] = (await other.ok("qa_ask", {"text": "또 다른 질문"}))["id"]
    board = {"title": "보드", "layout": "canvas"}
    ids["board"] = (await by["instructor"].ok("board_create", board))["id"]
    for name, title in (("post", "하나"), ("post2", "둘")):
        posted = await other.ok("board_post", {"board_id": ids["board"], "title": title})
        ids[name] = posted["id"]
    comment = await other.ok("board_comment", {"post_id": ids["post"], "text": "댓글"})
    ids["comment"] = comment["id"]
    link = await by["instructor"].ok(
        "board_connect", {"from_post_id": ids["post2"], "to_post_id": ids["post"]}
    )
    ids["connector"] = link["id"]
    poll = await by["instructor"].ok("poll_create", EVENTS["poll_create"][0])
    ids["poll"], ids["item"] = poll["id"], poll["items"][0]["id"]
    run = await by["instructor"].ok("poll_launch", {"poll_id": ids["poll"]})
    ids["run"] = run["run_id"]
    return ids


async def test_every_event_answers_every_class_role_as_the_table_says(
    client: AppClient, world: World, clock: ManualClock
) -> None:
    declared = {ev.name for ev in classroom.events}
    assert declared == set(EVENTS), (
        f"unclassified: {sorted(declared - set(EVENTS))}; gone: {sorted(set(EVENTS) - declared)}"
    )
    clock.advance(3600)  # the class's start
    by = {role: await enter(client, world, f"{role}1") for role in ROLES}
    other = await enter(client, world, world.other_trainee.login)
    try:
        ids = await objects(by, other)
        wrong: list[str] = []
        for event, (payload, allowed) in EVENTS.items():
            data = fill(payload, ids)
            for role in sorted(ROLES, key=lambda r: r in allowed):  # the refused first
                answer = await by[role].call(event, data)
                kind = "ok" if answer["ok"] else answer["error"]["type"]
                if kind == "internal-error" or (kind in REFUSED) == (role in allowed):
                    wrong.append(f"{event} as {role}: {kind} ({answer})")
        assert not wrong, "\n".join(wrong)
    finally:
        for p in [*by.values(), other]:
            await p.close()


async def attendance_rows(client: AppClient, class_session_id: int) -> list[int | None]:
    async with client.app[DATABASE].unit_of_work() as session:
        stmt = select(AttendanceEvent.user_id).where(
            AttendanceEvent.class_session_id == class_session_id
        )
        return list(await session.scalars(stmt))


async def test_who_never_gets_in_and_leaves_no_attendance(
    client: AppClient, world: World, clock: ManualClock
) -> None:
    clock.advance(3600)
    cs, key = world.klass.class_session_id, client.app[SECRET_KEY]
    trainee = str(world.people[Role.TRAINEE].id)
    past, later = clock.now() - timedelta(seconds=1), clock.now() + timedelta(hours=1)
    claims = {"sub": trainee, "cs": cs}
    expired_class = tokens.sign(key, tokens.Purpose.CLASS, claims, past)
    other_key = tokens.sign(b"another institute's key, long enough", tokens.Purpose.CLASS,
                            claims, later)  # fmt: skip
    expired_link = tokens.sign(key, tokens.Purpose.JOIN, claims, past)
    link_as_class = tokens.sign(key, tokens.Purpose.JOIN, claims, later)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"class_session_id": cs}, "not-authenticated"),  # nobody
        ({"token": expired_class}, "not-authenticated"),
        ({"token": other_key}, "not-authenticated"),
        ({"token": link_as_class}, "not-authenticated"),  # a join link is not a class grant
        ({"join_link": expired_link}, "join-link-expired"),
        ({"api_token": world.tokens[EXPIRED], "class_session_id": cs}, "not-authenticated"),
        ({"api_token": world.tokens[TAMPERED], "class_session_id": cs}, "not-authenticated"),
    ]
    for login in (Role.ELEARNING.value, Role.EXAM_OFFICER.value):
        cases.append(({"api_token": world.tokens[login], "class_session_id": cs}, "not-enrolled"))
    outsider = await api_token(client, world.outsider_trainee.login)
    cases.append(({"api_token": outsider, "class_session_id": cs}, "not-enrolled"))
    for auth, slug in cases:
        refusal = await Participant().refused_with(client, auth)
        assert refusal["type"] == slug, (auth, refusal)
    assert await attendance_rows(client, cs) == []


async def test_a_token_for_another_class_never_acts_on_this_one(
    client: AppClient, world: World, clock: ManualClock
) -> None:
    """An instructor of another class, connected there with a genuine class token, sends
    every event naming this class's questions, boards, posts, polls and people."""
    clock.advance(3600)
    elsewhere = await add_person(client.app, "instructor2", [Role.INSTRUCTOR], clock)
    theirs = await make_class(client.app, clock, trainees=[],
                              staff={StaffRole.INSTRUCTOR: elsewhere.id},
                              starts_in=timedelta(0))  # fmt: skip
    grant = await client.post(
        f"/api/v1/class-sessions/{theirs.class_session_id}/class-token",
        headers=bearer(await api_token(client, elsewhere.login)),
    )
    assert grant.status == 200
    by = {role: await enter(client, world, f"{role}1") for role in ("trainee", "instructor")}
    other = await enter(client, world, world.other_trainee.login)
    foreign = Participant()
    await foreign.connect(client, {"token": (await grant.json())["token"],
                                   "class_session_id": world.klass.class_session_id})  # fmt: skip
    try:
        joined = await foreign.ok("join", {})
        assert joined["class_session"]["id"] == theirs.class_session_id  # not this class
        ids = await objects(by, other)
        mine = set(ids) - {"target"}
        for event, (payload, _) in EVENTS.items():
            answer = await foreign.call(event, fill(payload, ids))
            if re.search(r"\{{({})\}}".format("|".join(mine)), json.dumps(payload)):
                assert answer["ok"] is False, (event, answer)
        # and nothing in this class carries the outsider's hand
        async with client.app[DATABASE].unit_of_work() as session:
            acted = await session.scalars(
                select(ClassEvent.class_session_id).where(ClassEvent.actor_id == elsewhere.id)
            )
            assert set(acted) == {theirs.class_session_id}  # their chat stayed in their class
            post = await session.get(BoardPost, ids["post"])
            assert post is not None
            assert (post.title, post.version) == ("하나", 1)
            run = await session.get(PollRun, ids["run"])
            assert run is not None
            assert run.state == "open"
            votes = await session.scalars(select(QuestionVote))
            assert list(votes) == []
        assert elsewhere.id not in await attendance_rows(client, world.klass.class_session_id)
        # this class goes on: its trainee still acts in it
        assert (await by["trainee"].call("send_chat", {"text": "still here"}))["ok"] is True
    finally:
        for p in [*by.values(), other, foreign]:
            await p.close()


#: the personal channel's events (namespace "/"): anyone signed in, about themselves only
PERSONAL = ("ping", "whoami")


async def test_the_personal_channel_is_for_anyone_signed_in_and_nobody_else(
    client: AppClient, world: World
) -> None:
    assert {ev.name for ev in personal.events} == set(PERSONAL)
    url = str(client.make_url("/"))
    for who in (NOBODY, EXPIRED, TAMPERED, FOREIGN_JWT):
        sio = socketio.AsyncClient(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await sio.connect(url, namespaces=["/"], auth={"token": world.tokens[who]},
                              transports=["websocket"], wait_timeout=10)  # fmt: skip
    for role in Role:
        sio = socketio.AsyncClient(reconnection=False)
        await sio.connect(url, namespaces=["/"], auth={"token": world.tokens[role.value]},
                          transports=["websocket"], wait_timeout=10)  # fmt: skip
        try:
            for event in PERSONAL:
                answer = await sio.call(event, None, namespace="/", timeout=5)
                assert answer["ok"] is True, (role, event, answer)
            me = await sio.call("whoami", None, namespace="/", timeout=5)
            assert me["user_id"] == world.people[role].id  # never anyone else
        finally:
            await sio.disconnect()
