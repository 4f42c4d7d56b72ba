"""Per-person and per-address limits on joining, chat, questions, votes, board posts and
uploads, with real socket.io clients and HTTP: a refused action answers 429 (HTTP, with
Retry-After) or a ``rate-limited`` ack and stores nothing; other people and other addresses
go on. Addresses other than the loopback's come through a trusted proxy's X-Forwarded-For."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from PIL import Image
from sqlalchemy import func, select

from server.boards.models import BoardAttachment, BoardPost
from server.core.auth.roles import Role
from server.core.auth.schemas import TokenCreate
from server.core.auth.service import create_api_token
from server.core.clock import ManualClock
from server.core.keys import DATABASE, LIVE
from server.core.limits import SOCKET_ACTIONS
from server.lms.models import StaffRole
from server.polls.models import Question, QuestionVote
from server.rooms.events import classroom
from server.rooms.models import ClassEvent
from tests.boards.board import Boards, new_board, prepare
from tests.conftest import NodeFactory, add_person, bearer
from tests.factories import make_class
from tests.limits.helpers import MakeClient, app_client, refused
from tests.rooms.classroom import Participant

ACTIONS = ("join", "chat", "question", "vote", "post", "upload")
#: two per person, three per address, a minute; other addresses through the proxy on loopback
SMALL: dict[str, Any] = {
    **{f"limit_{a}_per_user_per_min": 2 for a in ACTIONS},
    **{f"limit_{a}_per_address_per_min": 3 for a in ACTIONS},
    "trusted_proxies": ["127.0.0.1/32"],
}
OTHER_OFFICE = "198.51.100.5"
BOUND_S = 60.0  # a hundred votes at once on a busy machine: the answers come, in their time


async def enter(b: Boards, login: str, address: str | None = None) -> Participant:
    p = Participant()
    b.sockets.append(p)
    headers = {"X-Forwarded-For": address} if address else None
    auth = {"api_token": b.tokens[login], "class_session_id": b.klass.class_session_id}
    await p.connect(b.client, auth, headers=headers)
    p.state = await p.ok("join")
    return p


def limited(ack: dict[str, Any]) -> None:
    assert ack["ok"] is False, ack
    assert ack["error"]["type"] == "rate-limited", ack
    assert ack["error"]["retry_after_s"] > 0


async def count(b: Boards, model: Any, *where: Any) -> int:
    async with b.client.app[DATABASE].unit_of_work() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


Send = Callable[[Participant, int], Awaitable[dict[str, Any]]]


async def call(p: Participant, event: str, data: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = await p.call(event, data)
    return answer


async def person_then_address(kim: Participant, lee: Participant, choi: Participant,
                              send: Send) -> None:  # fmt: skip
    """kim (office A) twice, then refused (her limit); lee (office A) once, then refused (the
    address's limit); choi (another office) still goes through."""
    assert (await send(kim, 1))["ok"] is True
    assert (await send(kim, 2))["ok"] is True
    limited(await send(kim, 3))
    assert (await send(lee, 4))["ok"] is True
    limited(await send(lee, 5))
    assert (await send(choi, 6))["ok"] is True


async def test_chat_questions_votes_and_posts_are_limited_per_person_and_per_address(
    nodes: NodeFactory, clock: ManualClock, aiohttp_client: MakeClient
) -> None:
    client = await app_client(nodes, clock, aiohttp_client, **SMALL)
    b = await prepare([client], clock)
    try:
        kim, lee = await enter(b, "kim"), await enter(b, "lee")
        choi = await enter(b, "choi", OTHER_OFFICE)
        park = await enter(b, "park", "198.51.100.9")
        cs = b.klass.class_session_id

        async def chat(p: Participant, n: int) -> dict[str, Any]:
            return await call(p, "send_chat", {"text": f"message {n}"})

        await person_then_address(kim, lee, choi, chat)
        chats = await count(b, ClassEvent, ClassEvent.class_session_id == cs,
                            ClassEvent.kind == "chat")  # fmt: skip
        assert chats == 4  # nothing of a refused message was kept

        async def ask(p: Participant, n: int) -> dict[str, Any]:
            return await call(p, "qa_ask", {"text": f"question {n}?", "anonymous": True})

        await person_then_address(kim, lee, choi, ask)
        assert await count(b, Question) == 4
        # the counter that refused kim's anonymous question is a key in the live state only
        live = b.client.app[LIVE]
        assert not (await live.rate_limit(f"limit:question:user:{b.who['kim'].id}", 2, 60.0,
                                          consume=False)).allowed  # fmt: skip

        q1 = (await park.ok("qa_ask", {"text": "first?", "anonymous": False}))["id"]
        q2 = (await park.ok("qa_ask", {"text": "second?", "anonymous": False}))["id"]
        targets = {1: (q1, True), 2: (q2, True), 3: (q1, False), 4: (q1, True), 5: (q2, True),
                   6: (q1, True)}  # fmt: skip

        async def vote(p: Participant, n: int) -> dict[str, Any]:
            question_id, up = targets[n]
            return await call(p, "qa_vote", {"question_id": question_id, "up": up})

        await person_then_address(kim, lee, choi, vote)
        assert await count(b, QuestionVote) == 4  # kim's refused take-back did not happen

        board = await new_board(park)

        async def post(p: Participant, n: int) -> dict[str, Any]:
            return await call(p, "board_post", {"board_id": board["id"], "body": f"post {n}"})

        await person_then_address(kim, lee, choi, post)
        assert await count(b, BoardPost, BoardPost.board_id == board["id"]) == 4

        clock.advance(60)  # a minute on, kim may chat again
        assert (await chat(kim, 7))["ok"] is True
    finally:
        await b.close()


async def test_joining_is_limited_over_http_and_socket(
    nodes: NodeFactory, clock: ManualClock, aiohttp_client: MakeClient
) -> None:
    client = await app_client(nodes, clock, aiohttp_client, **SMALL)
    b = await prepare([client], clock)
    try:
        cs = b.klass.class_session_id

        async def class_token(login: str) -> Any:
            return await client.post(f"/api/v1/class-sessions/{cs}/class-token",
                                     headers=bearer(b.tokens[login]))  # fmt: skip

        assert (await class_token("kim")).status == 200
        assert (await class_token("kim")).status == 200
        assert await refused(await class_token("kim")) >= 1  # her limit
        assert (await class_token("lee")).status == 200  # the office's third
        lee = Participant()
        b.sockets.append(lee)
        await lee.connect(client, {"api_token": b.tokens["lee"], "class_session_id": cs})
        limited(await lee.call("join"))  # the office's fourth join: refused, not in the class
        choi = await enter(b, "choi", OTHER_OFFICE)
        assert b.who["lee"].id not in {p["user_id"] for p in choi.state["participants"]}
        # a join link opened from the full office is refused before the link is even read
        assert await refused(await client.post("/api/v1/join", json={"token": "x" * 40})) >= 1
        other = await client.post("/api/v1/join", json={"token": "x" * 40},
                                  headers={"X-Forwarded-For": OTHER_OFFICE})  # fmt: skip
        assert other.status in (400, 401, 403, 404, 422)  # judged on its merits
    finally:
        await b.close()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()


async def test_uploads_are_limited_and_a_refused_upload_stores_nothing(
    nodes: NodeFactory, clock: ManualClock, aiohttp_client: MakeClient
) -> None:
    client = await app_client(nodes, clock, aiohttp_client, **SMALL)
    b = await prepare([client], clock)
    try:
        park = await enter(b, "park", "198.51.100.9")
        board = await new_board(park)

        async def upload(login: str, address: str | None = None) -> Any:
            headers = {**bearer(b.tokens[login]), "Content-Type": "application/octet-stream"}
            if address:
                headers["X-Forwarded-For"] = address
            url = f"/api/v1/boards/{board['id']}/attachments"
            return await client.post(url, params={"filename": "a.png"}, data=png(), headers=headers)

        assert [(await upload("kim")).status for _ in range(2)] == [201, 201]
        assert await refused(await upload("kim")) >= 1
        assert (await upload("lee")).status == 201
        assert await refused(await upload("lee")) >= 1
        assert (await upload("choi", OTHER_OFFICE)).status == 201
        assert await count(b, BoardAttachment) == 4
    finally:
        await b.close()


def test_every_limited_socket_event_exists() -> None:
    """A renamed event would silently lose its limit; this names the one that went."""
    import server.app  # noqa: F401  (the feature packages register their events on import)

    names = {(classroom.namespace, e.name) for e in classroom.events}
    assert set(SOCKET_ACTIONS) <= names, set(SOCKET_ACTIONS) - names


async def test_a_class_of_100_voting_at_once_from_one_office_is_not_limited(
    nodes: NodeFactory, clock: ManualClock, aiohttp_client: MakeClient
) -> None:
    """Default limits; everyone behind one address (the loopback), all voting at once."""
    # presence announced coalesced, as in production (not at every join): the limits are
    # what is under test, not 100 clients in this process parsing each other's arrivals
    client = await app_client(nodes, clock, aiohttp_client, presence_batch_s=2.0)
    app = client.app
    park = await add_person(app, "park", [Role.INSTRUCTOR], clock)
    people = [await add_person(app, f"t{n:03}", [Role.TRAINEE], clock) for n in range(100)]
    klass = await make_class(app, clock, trainees=[p.id for p in people],
                             staff={StaffRole.INSTRUCTOR: park.id},
                             starts_in=timedelta(minutes=-5))  # fmt: skip
    tokens = {}
    async with app[DATABASE].unit_of_work() as session:
        for person in [park, *people]:
            _, raw = await create_api_token(session, person.id,
                                            TokenCreate(name="t"), clock.now())  # fmt: skip
            tokens[person.id] = raw
    sockets: list[Participant] = []

    async def join(person_id: int) -> Participant:
        p = Participant()
        sockets.append(p)
        await p.connect(client, {"api_token": tokens[person_id],
                                 "class_session_id": klass.class_session_id})  # fmt: skip
        await p.ok("join")
        return p

    try:
        instructor = await join(park.id)
        question = await instructor.ok("qa_ask", {"text": "투표해 주세요", "anonymous": False})
        room: list[Participant] = []
        for start in range(0, 100, 10):  # joining in small waves, as a class arrives
            room += await asyncio.gather(*(join(p.id) for p in people[start : start + 10]))
        acks = await asyncio.gather(
            *(p.sio.call("qa_vote", {"question_id": question["id"], "up": True},
                         namespace="/class", timeout=BOUND_S) for p in room)
        )  # fmt: skip
        assert [a for a in acks if not a["ok"]] == []
        assert await count_votes(client, question["id"]) == 100
    finally:
        for p in sockets:
            await p.close()


async def count_votes(client: Any, question_id: int) -> int:
    async with client.app[DATABASE].unit_of_work() as session:
        return int(await session.scalar(
            select(func.count()).select_from(QuestionVote)
            .where(QuestionVote.question_id == question_id)) or 0)  # fmt: skip
