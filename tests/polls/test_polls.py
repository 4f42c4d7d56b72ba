"""Polls with real socket.io clients: every kind of item end to end in one survey, exact results
pushed at a bounded rate, one answer per person (concurrent doubles, retries, changes of mind;
a quiz answer is final), hidden and shown results, a timer, breakout scoping, and names kept only
for polls that say so (the figures completion rules use)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE, LIVE, SETTINGS
from server.lms.models import StaffRole
from server.polls import voting
from server.polls.models import PollAnswer
from server.rooms.node import NODE_LEASE_S, node_lease, sweep
from tests.conftest import AppClient, Person, add_person, api_token
from tests.factories import ClassFixture, make_class
from tests.rooms.classroom import Participant

ITEMS: list[dict[str, Any]] = [
    {"kind": "single", "prompt": "가장 도움이 된 것", "options": ["강의", "토의", "실습"]},
    {"kind": "multiple", "prompt": "써 본 도구", "options": ["엑셀", "한글", "파이썬"]},
    {"kind": "rating", "prompt": "만족도", "scale": 5},
    {"kind": "wordcloud", "prompt": "한 단어로"},
    {"kind": "open", "prompt": "하고 싶은 말"},
    {"kind": "ranking", "prompt": "중요한 순서", "options": ["청렴", "공정", "소통"]},
    {"kind": "quiz", "prompt": "공직자 행동강령의 목적은?", "options": ["청렴", "속도"],
     "correct": [0], "points": 10},
]  # fmt: skip
SURVEY = {"title": "오늘 수업", "leaderboard": True, "items": ITEMS}


@dataclass
class Room:
    clients: list[AppClient]  # one node, or two sharing Redis and the database
    klass: ClassFixture
    who: dict[str, Person]
    tokens: dict[str, str]
    sockets: list[Participant]

    @property
    def client(self) -> AppClient:
        return self.clients[0]

    async def sweep(self) -> None:
        """Every node's housekeeping once, as its timer would (heartbeat first)."""
        for node in self.clients:
            node_id = node.app[SETTINGS].node_id
            await node.app[LIVE].lease_acquire(node_lease(node_id), node_id, NODE_LEASE_S)
        for node in self.clients:
            await sweep(node.app)

    async def enter(self, login: str) -> Participant:
        """Join the class, on the nodes in turn (with two nodes, neighbours differ)."""
        node = self.clients[len(self.sockets) % len(self.clients)]
        p = Participant()
        self.sockets.append(p)
        await p.connect(node, {"api_token": self.tokens[login],
                                      "class_session_id": self.klass.class_session_id})  # fmt: skip
        p.state = await p.ok("join")
        return p


async def prepare(clients: list[AppClient], clock: ManualClock) -> Room:
    client = clients[0]
    people = (("kim", Role.TRAINEE, "김민지"), ("lee", Role.TRAINEE, "이서준"),
              ("choi", Role.TRAINEE, "최유나"), ("park", Role.INSTRUCTOR, "박강사"))  # fmt: skip
    who = {x: await add_person(client.app, x, [r], clock, name=n) for x, r, n in people}
    trainees = [who[x].id for x in ("kim", "lee", "choi")]
    klass = await make_class(client.app, clock, trainees=trainees,
                             staff={StaffRole.INSTRUCTOR: who["park"].id},
                             starts_in=timedelta(minutes=-5))  # fmt: skip
    return Room(clients, klass, who, {x: await api_token(client, x) for x in who}, [])


@pytest.fixture
async def room(client: AppClient, clock: ManualClock) -> AsyncIterator[Room]:
    state = await prepare([client], clock)
    yield state
    for p in state.sockets:
        await p.close()


async def final_results(p: Participant, run_id: int, answers: int) -> dict[str, Any]:
    """Results pushes are coalesced (one may land between one person's answers); wait for the
    push that counts every answer given."""
    while True:
        results: dict[str, Any] = await p.next("poll_results")
        if results["run_id"] == run_id and results["answers"] == answers:
            return results


async def test_every_kind_of_item_end_to_end(room: Room) -> None:
    park, kim, lee = await room.enter("park"), await room.enter("kim"), await room.enter("lee")
    poll = await park.ok("poll_create", SURVEY)
    run = await park.ok("poll_launch", {"poll_id": poll["id"], "results_shown": True})
    opened = await kim.next("poll_opened")
    assert [i["kind"] for i in opened["items"]] == [i["kind"] for i in ITEMS]
    assert all("correct" not in i for i in opened["items"])  # the quiz answer is not sent
    items = [i["id"] for i in opened["items"]]
    answers = {
        "kim": [{"choice": 1}, {"choices": [0, 2]}, {"rating": 5}, {"words": ["AI가", "협업"]},
                {"text": "좋았습니다"}, {"order": [0, 1, 2]}, {"choice": 0}],
        "lee": [{"choice": 1}, {"choices": [2]}, {"rating": 3}, {"words": ["ai"]},
                {"text": "실습이 더 있으면"}, {"order": [2, 0, 1]}, {"choice": 1}],
    }  # fmt: skip
    for p, login in ((kim, "kim"), (lee, "lee")):
        for item_id, value in zip(items, answers[login], strict=True):
            await p.ok("poll_answer", {"run_id": run["run_id"], "item_id": item_id, "value": value})
    results = await final_results(kim, run["run_id"], 2 * len(ITEMS))
    assert results["respondents"] == 2
    single, multiple, rating, cloud, text, ranking, quiz = results["items"]
    assert single["counts"] == [0, 2, 0]
    assert multiple["counts"] == [1, 0, 2]
    assert (rating["counts"], rating["mean"]) == ([0, 0, 1, 0, 1], 4.0)
    assert cloud["words"] == [["ai", 2], ["협업", 1]]  # "AI가" and "ai" are one word
    assert sorted(text["texts"]) == ["실습이 더 있으면", "좋았습니다"]
    assert ranking["scores"] == [3 + 2, 2 + 1, 1 + 3]  # Borda
    assert quiz["counts"] == [1, 1]
    assert "correct" not in quiz  # not before the poll closes
    closed = await park.ok("poll_close", {"run_id": run["run_id"]})
    assert closed["items"][6]["correct"] == [0]
    told = await lee.next("poll_closed")
    assert told["results"]["items"][6]["correct"] == [0]
    (leader, second) = told["results"]["leaderboard"]
    assert (leader["score"], second["score"]) == (10, 0)
    assert leader["name"] != second["name"]  # pseudonyms, not names
    assert "김민지" not in str(told)


async def test_one_answer_each_doubles_retries_and_final_quizzes(room: Room) -> None:
    park, kim = await room.enter("park"), await room.enter("kim")
    poll = await park.ok("poll_create", {"title": "한 표", "items": [
        {"kind": "single", "prompt": "점심", "options": ["밥", "면"]},
        {"kind": "quiz", "prompt": "1+1", "options": ["2", "3"], "correct": [0]}]})  # fmt: skip
    run = await park.ok("poll_launch", {"poll_id": poll["id"]})
    single, quiz = (i["id"] for i in poll["items"])
    base = {"run_id": run["run_id"], "item_id": single}
    results = await asyncio.gather(*(
        kim.call("poll_answer", {**base, "value": {"choice": 0}, "request_id": f"double-{n:04d}"})
        for n in range(5)))  # fmt: skip
    assert all(r["ok"] for r in results), results
    retry = {**base, "value": {"choice": 0}, "request_id": "double-0000"}  # a replayed request
    assert (await kim.ok("poll_answer", retry))["value"] == {"choice": 0}
    changed = await kim.ok(
        "poll_answer", {**base, "value": {"choice": 1}, "request_id": "change-0001"}
    )  # a change of mind
    assert changed["value"] == {"choice": 1}
    late = {**base, "value": {"choice": 0}, "request_id": "double-0000"}  # replayed after it
    assert (await kim.ok("poll_answer", late))["value"] == {"choice": 1}  # changes nothing
    await kim.ok("poll_answer", {"run_id": run["run_id"], "item_id": quiz, "value": {"choice": 1}})
    final = await kim.call("poll_answer", {"run_id": run["run_id"], "item_id": quiz,
                                           "value": {"choice": 0}})  # fmt: skip
    assert final["error"]["type"] == "conflict"
    for bad in ({"choice": 7}, {"choice": "0"}, {"choices": [0]}, {}):
        refused = await kim.call("poll_answer", {**base, "value": bad})
        assert refused["error"]["type"] == "validation-error", bad
    async with room.client.app[DATABASE].unit_of_work() as session:
        rows = (await session.scalars(select(PollAnswer))).all()
    assert sorted((r.item_id, r.value["choice"]) for r in rows) == [(single, 1), (quiz, 1)]
    assert {r.user_id for r in rows} == {None}  # anonymous: no user id stored


async def test_hidden_results_go_to_staff_until_shown(room: Room) -> None:
    park, kim = await room.enter("park"), await room.enter("kim")
    poll = await park.ok("poll_create", {"title": "비공개", "items": [
        {"kind": "rating", "prompt": "난이도", "scale": 10}]})  # fmt: skip
    run = await park.ok("poll_launch", {"poll_id": poll["id"]})
    item = poll["items"][0]["id"]
    await kim.ok("poll_answer", {"run_id": run["run_id"], "item_id": item, "value": {"rating": 7}})
    staff = await final_results(park, run["run_id"], 1)
    assert staff["items"][0]["counts"][6] == 1
    shown = await park.ok("poll_show", {"run_id": run["run_id"], "shown": True})
    told = await kim.next("poll_shown")
    assert told["results"]["items"] == shown["items"]
    assert kim.nothing_pending("poll_results")  # nothing reached kim before it was shown


async def test_a_timer_closes_the_poll(room: Room, clock: ManualClock) -> None:
    park, kim = await room.enter("park"), await room.enter("kim")
    poll = await park.ok("poll_create", {"title": "30초", "items": [
        {"kind": "single", "prompt": "네/아니오", "options": ["네", "아니오"]}]})  # fmt: skip
    run = await park.ok("poll_launch", {"poll_id": poll["id"], "timer_s": 30})
    clock.advance(29)
    await room.sweep()
    assert kim.nothing_pending("poll_closed")
    clock.advance(2)
    await room.sweep()
    assert (await kim.next("poll_closed"))["run_id"] == run["run_id"]
    item = poll["items"][0]["id"]
    late = await kim.call("poll_answer", {"run_id": run["run_id"], "item_id": item,
                                          "value": {"choice": 0}})  # fmt: skip
    assert late["error"]["type"] == "conflict"


async def test_a_named_quiz_feeds_completion_figures(room: Room) -> None:
    park, kim, lee = await room.enter("park"), await room.enter("kim"), await room.enter("lee")
    question = {"kind": "quiz", "prompt": "Q1", "options": ["a", "b"], "correct": [1], "points": 5}
    quiz = await park.ok("poll_create", {"title": "이수 퀴즈", "anonymous": False,
                                         "items": [question]})  # fmt: skip
    run = await park.ok("poll_launch", {"poll_id": quiz["id"]})
    assert (await kim.next("poll_opened"))["anonymous"] is False  # the page says names are kept
    item = quiz["items"][0]["id"]
    await kim.ok("poll_answer", {"run_id": run["run_id"], "item_id": item, "value": {"choice": 1}})
    await lee.ok("poll_answer", {"run_id": run["run_id"], "item_id": item, "value": {"choice": 0}})
    async with room.client.app[DATABASE].unit_of_work() as session:
        figures = await voting.participation(session, room.klass.class_session_id)
    assert figures == {room.who["kim"].id: {"answered": 1, "of": 1, "score": 5},
                       room.who["lee"].id: {"answered": 1, "of": 1, "score": 0}}  # fmt: skip


async def test_a_poll_for_one_breakout_group(room: Room) -> None:
    park = await room.enter("park")
    headers = {"Authorization": f"Bearer {room.tokens['park']}"}
    made = await room.client.post(
        f"/api/v1/class-sessions/{room.klass.class_session_id}/breakout-sets",
        json={"name": "조", "groups": ["A", "B"]}, headers=headers,
    )  # fmt: skip
    group_set = await made.json()
    a, b = (g["id"] for g in group_set["groups"])
    places = [{"user_id": room.who["kim"].id, "group_id": a},
              {"user_id": room.who["lee"].id, "group_id": b}]  # fmt: skip
    await room.client.put(
        f"/api/v1/breakout-sets/{group_set['id']}/members",
        headers=headers,
        json={"assignments": places},
    )
    kim, lee = await room.enter("kim"), await room.enter("lee")
    await park.ok("breakout_open", {"set_id": group_set["id"], "minutes": 10})
    poll = await park.ok("poll_create", {"title": "A조만", "items": [
        {"kind": "open", "prompt": "A조 의견"}]})  # fmt: skip
    run = await park.ok("poll_launch", {"poll_id": poll["id"], "group_id": a})
    assert (await kim.next("poll_opened"))["group_id"] == a
    item = poll["items"][0]["id"]
    await kim.ok("poll_answer", {"run_id": run["run_id"], "item_id": item,
                                 "value": {"text": "A조 생각"}})  # fmt: skip
    outside = await lee.call("poll_answer", {"run_id": run["run_id"], "item_id": item,
                                             "value": {"text": "B조"}})  # fmt: skip
    assert outside["error"]["type"] == "not-found"
    assert (await lee.ok("poll_runs"))["runs"] == []
    assert lee.nothing_pending("poll_opened")
    every = await park.ok("poll_launch", {"poll_id": poll["id"], "each_group": True})
    assert sorted(r["group_id"] for r in every["runs"]) == sorted([a, b])
    assert (await lee.next("poll_opened"))["group_id"] == b  # B's own run, in B
    assert (await kim.next("poll_opened"))["group_id"] == a
