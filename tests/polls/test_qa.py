"""Live Q&A with real socket.io clients: anonymous and named questions, editing and withdrawing
one's own, one upvote each (concurrent doubles and retries included), moderation (pre-approval,
flags for phone and resident numbers, approve, reject, merge, mute a pseudonym), replies and
pins, breakout scoping, anonymity that holds against the database itself, and moderation
changes made at once reaching every page in the order they were made (revisions)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.lms.models import SessionState, StaffRole
from server.lms.service import set_session_state
from server.polls import service
from server.polls.events import PSEUDONYMS
from server.polls.models import ClassSecret, MutedPseudonym, Question, QuestionVote
from tests.conftest import AppClient, Person, add_person, api_token
from tests.factories import ClassFixture, make_class
from tests.rooms.classroom import Participant


@dataclass
class QA:
    clients: list[AppClient]  # one node, or two sharing Redis and the database
    klass: ClassFixture
    who: dict[str, Person]
    tokens: dict[str, str]
    sockets: list[Participant]

    @property
    def client(self) -> AppClient:
        return self.clients[0]

    async def enter(self, login: str) -> Participant:
        """Join the class, on the nodes in turn (with two nodes, neighbours differ)."""
        node = self.clients[len(self.sockets) % len(self.clients)]
        p = Participant()
        self.sockets.append(p)
        await p.connect(node, {"api_token": self.tokens[login],
                                      "class_session_id": self.klass.class_session_id})  # fmt: skip
        p.state = await p.ok("join")
        return p


async def prepare(clients: list[AppClient], clock: ManualClock) -> QA:
    client = clients[0]
    people = (("kim", Role.TRAINEE, "김민지"), ("lee", Role.TRAINEE, "이서준"),
              ("choi", Role.TRAINEE, "최유나"), ("park", Role.INSTRUCTOR, "박강사"),
              ("jung", Role.ASSISTANT, "정조교"))  # fmt: skip
    who = {login: await add_person(client.app, login, [role], clock, name=name)
           for login, role, name in people}  # fmt: skip
    trainees = [who[x].id for x in ("kim", "lee", "choi")]
    klass = await make_class(client.app, clock, trainees=trainees,
                             staff={StaffRole.INSTRUCTOR: who["park"].id,
                                    StaffRole.ASSISTANT: who["jung"].id},
                             starts_in=timedelta(minutes=-5))  # fmt: skip
    return QA(clients, klass, who, {x: await api_token(client, x) for x in who}, [])


@pytest.fixture
async def qa(client: AppClient, clock: ManualClock) -> AsyncIterator[QA]:
    state = await prepare([client], clock)
    yield state
    for p in state.sockets:
        await p.close()


async def question(p: Participant, question_id: int) -> dict[str, Any]:
    """The next ``qa_question`` about this question (others before it are passed over)."""
    while True:
        seen: dict[str, Any] = await p.next("qa_question")
        if seen["id"] == question_id:
            return seen


async def test_anonymous_and_named_questions_edit_and_withdraw(qa: QA) -> None:
    kim, lee, park = await qa.enter("kim"), await qa.enter("lee"), await qa.enter("park")
    asked = await kim.ok("qa_ask", {"text": "평가 기준이 궁금합니다"})
    assert (asked["mine"], asked["anonymous"], asked["author_name"]) == (True, True, None)
    seen = await lee.next("qa_question")
    assert seen["text"] == "평가 기준이 궁금합니다"
    assert (seen["author_name"], seen["mine"], seen["anonymous"]) == (None, False, True)
    named = await lee.ok("qa_ask", {"text": "자료를 받을 수 있나요?", "anonymous": False})
    assert (await question(kim, named["id"]))["author_name"] == "이서준"
    assert named["author_name"] == "이서준"

    edited = await kim.ok(
        "qa_edit", {"question_id": asked["id"], "text": "평가 기준은 무엇인가요?"}
    )
    assert edited["text"] == "평가 기준은 무엇인가요?"
    assert edited["edited_at"] is not None
    refused = await lee.call("qa_edit", {"question_id": asked["id"], "text": "남의 질문"})
    assert refused["error"]["type"] == "forbidden"
    await kim.ok("qa_withdraw", {"question_id": asked["id"]})
    listed = await lee.ok("qa_list", {})
    assert [q["id"] for q in listed["questions"]] == [named["id"]]  # withdrawn: gone
    mine = await kim.ok("qa_list", {})
    assert {q["id"]: q["status"] for q in mine["questions"]}[asked["id"]] == "withdrawn"
    assert park.state["me"]["role"] == "instructor"


async def test_one_upvote_each_even_doubled_and_retried(qa: QA) -> None:
    kim, lee, choi = await qa.enter("kim"), await qa.enter("lee"), await qa.enter("choi")
    asked = await kim.ok("qa_ask", {"text": "질문", "request_id": "req-000001"})
    again = await kim.ok("qa_ask", {"text": "질문", "request_id": "req-000001"})  # a retry
    assert again["id"] == asked["id"]
    qid = asked["id"]
    results = await asyncio.gather(*(lee.call("qa_vote", {"question_id": qid}) for _ in range(5)),
                                   choi.call("qa_vote", {"question_id": qid}))  # fmt: skip
    assert all(r["ok"] for r in results), results
    counts = await kim.next("qa_votes")
    while counts["counts"][str(qid)] != 2:  # pushes are coalesced; the last one is exact
        counts = await kim.next("qa_votes")
    listed = await lee.ok("qa_list", {})
    (question,) = listed["questions"]
    assert (question["votes"], question["voted"]) == (2, True)
    await lee.ok("qa_vote", {"question_id": qid, "up": False})
    assert (await kim.ok("qa_list", {}))["questions"][0]["votes"] == 1
    async with qa.client.app[DATABASE].unit_of_work() as session:
        ballots = (await session.scalars(select(QuestionVote))).all()
    assert len(ballots) == 1


async def test_moderation_filters_replies_pins_and_mutes(qa: QA) -> None:
    kim, lee, park = await qa.enter("kim"), await qa.enter("lee"), await qa.enter("park")
    flagged = await kim.ok("qa_ask", {"text": "제 번호는 010-1234-5678 이에요"})
    assert (flagged["status"], flagged["flags"]) == ("pending", ["phone"])
    queued = await question(park, flagged["id"])
    assert queued["status"] == "pending"
    rrn = await kim.ok("qa_ask", {"text": "주민번호 900101-1234567 맞나요"})
    assert rrn["flags"] == ["rrn"]
    assert (await park.ok("qa_mode", {"mode": "pre"}))["mode"] == "pre"
    held = await lee.ok("qa_ask", {"text": "오늘 몇 시에 끝나요?"})
    assert held["status"] == "pending"
    before = (await kim.ok("qa_list", {}))["questions"]
    assert all(q["mine"] for q in before)  # nothing of lee's is visible before approval
    await park.ok("qa_moderate", {"question_id": held["id"], "action": "approve"})
    assert (await question(kim, held["id"]))["status"] == "published"
    await park.ok("qa_moderate", {"question_id": flagged["id"], "action": "reject"})
    await park.ok("qa_mode", {"mode": "none"})

    # an edit that trips the filter takes the question off every page until approved again
    edited = await lee.ok("qa_edit", {"question_id": held["id"], "text": "제 번호 010-9876-5432"})
    assert edited["status"] == "pending"
    hidden = await question(kim, held["id"])
    assert (hidden["status"], hidden["text"]) == ("pending", "")
    await park.ok("qa_moderate", {"question_id": held["id"], "action": "approve"})
    dup = await kim.ok("qa_ask", {"text": "몇 시에 끝나나요"})
    await park.ok("qa_vote", {"question_id": dup["id"]})
    await lee.ok("qa_vote", {"question_id": dup["id"]})
    merged = await park.ok("qa_merge", {"question_id": dup["id"], "into": held["id"]})
    assert merged["votes"] == 2  # both votes moved; lee's own question, one vote each
    await park.ok("qa_reply", {"question_id": held["id"], "text": "5시에 끝납니다"})
    pinned = await park.ok("qa_pin", {"question_id": held["id"], "pinned": True})
    assert (pinned["pinned"], pinned["reply"], pinned["answered"]) == (
        True,
        "5시에 끝납니다",
        "text",
    )
    listed = await kim.ok("qa_list", {"sort": "recent"})
    assert listed["questions"][0]["id"] == held["id"]  # pinned first whatever the sort
    forbidden = await kim.call("qa_moderate", {"question_id": held["id"], "action": "reject"})
    assert forbidden["error"]["type"] == "forbidden"

    await park.ok("qa_mute", {"question_id": dup["id"]})  # mutes kim's pseudonym, unnamed
    muted = await kim.call("qa_ask", {"text": "또 질문"})
    assert muted["error"]["type"] == "forbidden"
    assert (await lee.ok("qa_ask", {"text": "저는 괜찮나요"}))["status"] == "published"


async def test_questions_in_a_breakout_group_stay_in_it(qa: QA) -> None:
    park = await qa.enter("park")
    made = await qa.client.post(
        f"/api/v1/class-sessions/{qa.klass.class_session_id}/breakout-sets",
        json={"name": "조", "groups": ["A", "B"]},
        headers={"Authorization": f"Bearer {qa.tokens['park']}"},
    )
    group_set = await made.json()
    a, b = (g["id"] for g in group_set["groups"])
    await qa.client.put(
        f"/api/v1/breakout-sets/{group_set['id']}/members",
        headers={"Authorization": f"Bearer {qa.tokens['park']}"},
        json={"assignments": [{"user_id": qa.who["kim"].id, "group_id": a},
                              {"user_id": qa.who["lee"].id, "group_id": a},
                              {"user_id": qa.who["choi"].id, "group_id": b}]},
    )  # fmt: skip
    kim, lee, choi = await qa.enter("kim"), await qa.enter("lee"), await qa.enter("choi")
    await park.ok("breakout_open", {"set_id": group_set["id"], "minutes": 10})
    for p in (kim, lee, choi):
        await p.next("breakout_opened")
    asked = await kim.ok("qa_ask", {"text": "A조끼리의 질문"})
    assert asked["group_id"] == a
    assert (await question(lee, asked["id"]))["group_id"] == a
    assert (await question(park, asked["id"]))["group_id"] == a  # staff see every group
    assert (await choi.ok("qa_list", {}))["questions"] == []
    refused = await choi.call("qa_vote", {"question_id": asked["id"]})
    assert refused["error"]["type"] == "not-found"
    await park.ok("breakout_close", {})  # the groups' questions come back to the whole class
    await choi.next("breakout_closed")
    back = (await choi.ok("qa_list", {}))["questions"]
    assert [(q["id"], q["group_id"]) for q in back] == [(asked["id"], a)]
    assert (await choi.ok("qa_vote", {"question_id": asked["id"]}))["votes"] == 1


async def test_anonymity_holds_against_the_database_and_the_secret_can_be_destroyed(
    qa: QA, clock: ManualClock
) -> None:
    kim, lee = await qa.enter("kim"), await qa.enter("lee")
    asked = await kim.ok("qa_ask", {"text": "익명 질문"})
    await lee.ok("qa_vote", {"question_id": asked["id"]})
    kim_id, lee_id = qa.who["kim"].id, qa.who["lee"].id
    app = qa.client.app
    async with app[DATABASE].unit_of_work() as session:
        # every column of every Q&A row: no user id, and no value anyone can map back
        # without the class key (the pseudonym is an HMAC under it)
        for model in (Question, QuestionVote):
            columns = [c.key for c in model.__table__.columns]
            for row in (await session.scalars(select(model))).all():
                values = {name: getattr(row, name) for name in columns}
                assert values.get("author_id") is None
                for name, value in values.items():
                    if name.endswith("_id") or name in ("id", "votes", "revision"):  # counts
                        continue
                    assert str(value) not in (str(kim_id), str(lee_id)), (model, name)
                    assert value not in ("김민지", "이서준"), (model, name)
        audit = await session.execute(
            text("SELECT count(*) FROM audit_log WHERE entity IN ('questions', 'question_votes')")
        )
        assert audit.scalar() == 0
        question = await session.get(Question, asked["id"])
        assert question is not None
        secret = await session.get(ClassSecret, qa.klass.class_session_id)
        assert secret is not None
        assert secret.sealed is not None
        assert b"" not in (secret.sealed,)
        # with the key (only the server holds it) the pseudonym is the asker's ...
        key = await app[PSEUDONYMS].key(session, qa.klass.class_session_id, clock.now())
        assert question.author_tag == hmac.new(key, str(kim_id).encode(),
                                               hashlib.sha256).hexdigest()[:40]  # fmt: skip
        # ... the sealed key alone is not the key
        assert key not in secret.sealed
    # the operator archives the ended class: its key is destroyed (not before it ends)
    admin = await add_person(app, "admin1", [Role.ADMIN], clock)
    headers = {"Authorization": f"Bearer {await api_token(qa.client, admin.login)}"}
    url = f"/api/v1/class-sessions/{qa.klass.class_session_id}/anonymity-key/destroy"
    assert (await qa.client.post(url, headers=headers)).status == 409  # still running
    async with app[DATABASE].unit_of_work() as session:
        await set_session_state(session, qa.klass.class_session_id, SessionState.ENDED)
    assert (await qa.client.post(url, headers=headers)).status == 204
    async with app[DATABASE].unit_of_work() as session:
        gone = await session.get(ClassSecret, qa.klass.class_session_id)
        assert gone is not None
        assert (gone.sealed, gone.destroyed_at is not None) == (None, True)
    # after destruction not even the server can say who asked: the key is gone everywhere
    refused = await kim.call("qa_ask", {"text": "다시"})
    assert refused["error"]["type"] == "forbidden"
    answer: Any = await lee.call("qa_list", {})
    assert answer["error"]["type"] == "forbidden"


#: what a page shows of a question (votes come apart, in qa_votes)
SHOWN = ("status", "pinned", "answered", "reply", "revision")


class Page:
    """What qa.js keeps: per question, the newest revision received; an older or equal one is
    dropped. Every state received is kept by revision too, to tell if two differ."""

    def __init__(self, p: Participant) -> None:
        self.p = p
        self.shown: dict[int, dict[str, Any]] = {}

    def apply(self, q: dict[str, Any], told: dict[tuple[int, int], dict[str, Any]]) -> None:
        state = {k: q[k] for k in SHOWN}
        assert told.setdefault((q["id"], q["revision"]), state) == state, "one revision, two states"
        held = self.shown.get(q["id"])
        if held is None or q["revision"] > held["revision"]:
            self.shown[q["id"]] = state

    async def catch_up(self, qid: int, revision: int, told: dict[tuple[int, int], Any]) -> None:
        """Read this page's broadcasts until it holds the question's given revision (or a
        later one)."""
        while self.shown.get(qid, {}).get("revision", 0) < revision:
            self.apply(await self.p.next("qa_question"), told)


async def stored(qa: QA, qid: int) -> dict[str, Any]:
    async with qa.client.app[DATABASE].unit_of_work() as session:
        q = service.out(await service.get(session, qa.klass.class_session_id, qid))
    return {k: v for k, v in q.model_dump(mode="json").items() if k in SHOWN}


async def test_moderation_at_once_reaches_every_page_in_the_order_it_was_made(qa: QA) -> None:
    """Two moderators press "pin" and "reply" on one question at the same moment, round after
    round: the record keeps both changes, the two answers carry consecutive revisions, no two
    broadcasts of one revision differ, and every page keeping the newest revision it received
    (qa.js) shows what is stored, whichever order the broadcasts arrived in."""
    kim, park, jung = await qa.enter("kim"), await qa.enter("park"), await qa.enter("jung")
    asked = await kim.ok("qa_ask", {"text": "과제 제출 기한이 언제인가요?"})
    qid = asked["id"]
    assert asked["revision"] == 1
    told: dict[tuple[int, int], dict[str, Any]] = {}
    pages = [Page(p) for p in (kim, park, jung)]
    for page in pages:
        await page.catch_up(qid, 1, told)
    for n in range(24):
        pinned, words = n % 2 == 0, f"답변 {n}"
        pin, reply = await asyncio.gather(
            park.call("qa_pin", {"question_id": qid, "pinned": pinned}),
            jung.call("qa_reply", {"question_id": qid, "text": words}),
        )
        assert (pin["ok"], reply["ok"]) == (True, True), (pin, reply)
        now = await stored(qa, qid)
        assert (now["pinned"], now["reply"], now["answered"]) == (pinned, words, "text")
        assert sorted([pin["revision"], reply["revision"]]) == [now["revision"] - 1,
                                                               now["revision"]]  # fmt: skip
        assert now["revision"] == 1 + 2 * (n + 1)
        for page in pages:
            await page.catch_up(qid, now["revision"], told)
            assert page.shown[qid] == now, (n, page.p.state["me"]["role"])
    listed = await kim.ok("qa_list", {})
    assert {k: listed["questions"][0][k] for k in SHOWN} == await stored(qa, qid)


async def test_votes_are_no_revision_and_lose_no_moderation(qa: QA) -> None:
    """Votes at the same moment as moderation: the counts go out in qa_votes, the revision
    moves only with the moderation, and the page ends on the stored state and count."""
    kim, lee, park = await qa.enter("kim"), await qa.enter("lee"), await qa.enter("park")
    asked = await kim.ok("qa_ask", {"text": "녹화본이 있나요?"})
    qid = asked["id"]
    told: dict[tuple[int, int], dict[str, Any]] = {}
    page = Page(kim)
    await page.catch_up(qid, 1, told)
    results = await asyncio.gather(
        lee.call("qa_vote", {"question_id": qid}),
        park.call("qa_reply", {"question_id": qid, "live": True}),
        kim.call("qa_vote", {"question_id": qid}),
        park.call("qa_pin", {"question_id": qid, "pinned": True}),
    )
    assert all(r["ok"] for r in results), results
    now = await stored(qa, qid)
    assert (now["revision"], now["pinned"], now["answered"]) == (3, True, "live")
    await page.catch_up(qid, 3, told)
    assert page.shown[qid] == now
    counts = await kim.next("qa_votes")
    while counts["counts"][str(qid)] != 2:  # pushes are coalesced; the last one is exact
        counts = await kim.next("qa_votes")


async def test_two_questions_pinned_at_once_leave_one_pin(qa: QA) -> None:
    """Two moderators pin two questions at the same moment: one stays pinned, the other is
    unpinned by it, and every page (newest revision of each) shows that one pin."""
    kim, park, jung = await qa.enter("kim"), await qa.enter("park"), await qa.enter("jung")
    ids = [(await kim.ok("qa_ask", {"text": f"질문 {n}"}))["id"] for n in range(2)]
    told: dict[tuple[int, int], dict[str, Any]] = {}
    pages = [Page(p) for p in (kim, park, jung)]
    for page in pages:
        for qid in ids:
            await page.catch_up(qid, 1, told)
    for n in range(20):
        first, second = ids if n % 2 == 0 else ids[::-1]
        answers = await asyncio.gather(
            park.call("qa_pin", {"question_id": first, "pinned": True}),
            jung.call("qa_pin", {"question_id": second, "pinned": True}),
        )
        assert [a["ok"] for a in answers] == [True, True], answers
        now = {qid: await stored(qa, qid) for qid in ids}
        assert sorted(q["pinned"] for q in now.values()) == [False, True], (n, now)
        for page in pages:
            for qid in ids:
                await page.catch_up(qid, now[qid]["revision"], told)
            assert {qid: page.shown[qid] for qid in ids} == now, n


async def test_two_moderators_muting_the_same_asker_at_once_make_one_mute(qa: QA) -> None:
    """Both are told it is done, the asker is paused, and one row holds each mute (no
    internal error from the second insert)."""
    park, jung = await qa.enter("park"), await qa.enter("jung")
    askers = [await qa.enter(login) for login in ("kim", "lee", "choi")]
    for asker in askers:
        qid = (await asker.ok("qa_ask", {"text": "한 번만"}))["id"]
        answers = await asyncio.gather(
            park.call("qa_mute", {"question_id": qid}), jung.call("qa_mute", {"question_id": qid})
        )
        assert [a["ok"] for a in answers] == [True, True], answers
        assert (await asker.call("qa_ask", {"text": "또"}))["error"]["type"] == "forbidden"
    async with qa.client.app[DATABASE].unit_of_work() as session:
        stmt = select(func.count()).select_from(MutedPseudonym)
        assert await session.scalar(stmt) == len(askers)
