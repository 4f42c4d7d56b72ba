"""The captioner corrects a final caption line: with real socket.io clients, the correction
reaches the class, the transcript and a later join show the corrected text at the line's own
time, and bad corrections (another class's line, a chat message, no such line, a draft, a
trainee) are refused and change nothing."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.lms.models import StaffRole
from server.rooms import service
from server.rooms.models import ClassEvent
from tests.conftest import AppClient, Person, add_person, api_token, bearer, log_in
from tests.factories import make_class
from tests.rooms.classroom import Participant

Open = Callable[..., Awaitable[Participant]]


@dataclass
class Class:
    client: AppClient
    id: int
    people: dict[str, Person]
    tokens: dict[str, str]  # API tokens by login

    async def transcript(self, fmt: str, login: str = "kim") -> str:
        response = await self.client.get(
            f"/api/v1/class-sessions/{self.id}/transcript?format={fmt}",
            headers=bearer(self.tokens[login]),
        )
        assert response.status == 200, await response.text()
        return await response.text()


@pytest.fixture
async def klass(client: AppClient, clock: ManualClock) -> Class:
    people = {
        login: await add_person(client.app, login, [role], clock, name=name)
        for login, role, name in (
            ("kim", Role.TRAINEE, "김민지"),
            ("park", Role.INSTRUCTOR, "박강사"),
            ("ohs", Role.CAPTIONER, "오속기"),
        )
    }
    fixture = await make_class(
        client.app, clock, trainees=[people["kim"].id],
        staff={StaffRole.INSTRUCTOR: people["park"].id, StaffRole.CAPTIONER: people["ohs"].id},
        starts_in=timedelta(minutes=-10),
    )  # fmt: skip
    tokens = {login: await api_token(client, login) for login in people}
    return Class(client, fixture.class_session_id, people, tokens)


@pytest.fixture
async def opened() -> AsyncIterator[Open]:
    """Connect and join people with a class token; every socket is closed at the end."""
    made: list[Participant] = []

    async def open_(klass: Class, login: str, *, last_event_id: int | None = None) -> Participant:
        response = await klass.client.post(
            f"/api/v1/class-sessions/{klass.id}/class-token", headers=bearer(klass.tokens[login])
        )
        assert response.status == 200, await response.text()
        p = Participant()
        made.append(p)
        await p.connect(klass.client, {"token": (await response.json())["token"]})
        p.state = await p.ok("join", {"last_event_id": last_event_id})
        return p

    yield open_
    for p in made:
        await p.close()


async def all_events(klass: Class) -> list[tuple[str, dict[str, Any]]]:
    async with klass.client.app[DATABASE].unit_of_work() as session:
        rows = await session.scalars(select(ClassEvent).order_by(ClassEvent.id))
        return [(e.kind, e.payload) for e in rows]


async def test_a_correction_reaches_the_class_the_transcript_and_a_later_join(
    klass: Class, opened: Open, clock: ManualClock
) -> None:
    oh = await opened(klass, "ohs")
    kim = await opened(klass, "kim")
    first = await oh.ok("send_caption", {"text": "안녕하세요, 핵심가치 과정임니다."})
    clock.advance(3)
    second = await oh.ok("send_caption", {"text": "오늘은 소통을 다룹니다."})
    assert (await kim.next("caption"))["id"] == first["id"]
    assert (await kim.next("caption"))["id"] == second["id"]
    clock.advance(20)

    fixed = await oh.ok(
        "send_caption", {"text": "안녕하세요, 핵심가치 과정입니다.", "corrects": first["id"]}
    )
    assert fixed["corrects"] == first["id"]
    assert fixed["id"] > second["id"]  # a new event in the class's log, not an edit
    corrected = await kim.next("caption_corrected")
    assert corrected == {
        "id": first["id"], "text": "안녕하세요, 핵심가치 과정입니다.",
        "corrected_by": klass.people["ohs"].id, "corrected_at": corrected["corrected_at"],
        "correction_id": fixed["id"],
    }  # fmt: skip
    assert await oh.next("caption_corrected") == corrected  # the captioner's other screens too
    assert kim.nothing_pending("caption")  # a correction is no new line

    # the latest correction wins
    again = await oh.ok(
        "send_caption", {"text": "안녕하세요! 핵심가치 과정입니다.", "corrects": first["id"]}
    )
    assert (await kim.next("caption_corrected"))["correction_id"] == again["id"]

    txt = await klass.transcript("txt")
    assert "[09:00:00] 안녕하세요! 핵심가치 과정입니다.\n" in txt  # at the line's own time
    assert "[09:00:03] 오늘은 소통을 다룹니다.\n" in txt
    assert "임니다" not in txt
    assert "안녕하세요, 핵심가치 과정입니다." not in txt
    vtt = await klass.transcript("vtt")
    assert "00:10:00.000 --> 00:10:03.000\n안녕하세요! 핵심가치 과정입니다.\n" in vtt
    assert "00:10:03.000 --> 00:10:09.000\n오늘은 소통을 다룹니다.\n" in vtt
    assert vtt.count(" --> ") == 2  # corrections make no cues of their own

    # someone who comes back after the correction is told of it with what they missed
    back = await opened(klass, "kim", last_event_id=second["id"])
    missed = [(e["kind"], e["payload"]) for e in back.state["missed"]]
    assert ("caption_correction", {"corrects": first["id"], "by": klass.people["ohs"].id,
            "text": "안녕하세요, 핵심가치 과정입니다."}) in missed  # fmt: skip

    # the stored line is as it was typed: corrections are events of their own
    events = await all_events(klass)
    assert events[0] == ("caption", {"text": "안녕하세요, 핵심가치 과정임니다.",
                                     "by": klass.people["ohs"].id})  # fmt: skip
    assert [kind for kind, _ in events] == ["caption", "caption", *["caption_correction"] * 2]


async def test_the_captions_of_the_class_state_show_the_latest_correction(
    klass: Class, opened: Open, clock: ManualClock
) -> None:
    oh = await opened(klass, "ohs")
    lines = [await oh.ok("send_caption", {"text": f"줄 {n}"}) for n in range(3)]
    clock.advance(5)
    await oh.ok("send_caption", {"text": "고친 줄 1", "corrects": lines[1]["id"]})
    fix = await oh.ok("send_caption", {"text": "다시 고친 줄 1", "corrects": lines[1]["id"]})
    async with klass.client.app[DATABASE].unit_of_work() as session:
        newest = await service.captions(session, klass.id, newest=2)
        everything = await service.captions(session, klass.id)
        stored = await session.get(ClassEvent, lines[1]["id"])
        assert stored is not None
        assert stored.payload["text"] == "줄 1"  # the copy is corrected, the row is not
    assert [e.payload["text"] for e in everything] == ["줄 0", "다시 고친 줄 1", "줄 2"]
    assert [e.id for e in newest] == [lines[1]["id"], lines[2]["id"]]
    line = newest[0]
    assert line.payload["text"] == "다시 고친 줄 1"
    assert line.payload["correction_id"] == fix["id"]
    assert line.payload["corrected_by"] == klass.people["ohs"].id
    assert line.at < line.payload["corrected_at"]  # the line keeps its own time


async def test_a_join_after_a_correction_gets_the_corrected_line(
    klass: Class, opened: Open
) -> None:
    oh = await opened(klass, "ohs")
    line = await oh.ok("send_caption", {"text": "오타가 잇는 줄"})
    await oh.ok("send_caption", {"text": "오타가 있던 줄", "corrects": line["id"]})
    kim = await opened(klass, "kim")
    (caption,) = kim.state["captions"]
    assert (caption["id"], caption["payload"]["text"]) == (line["id"], "오타가 있던 줄")


async def test_bad_corrections_are_refused_and_change_nothing(
    klass: Class, opened: Open, client: AppClient, clock: ManualClock
) -> None:
    oh = await opened(klass, "ohs")
    kim = await opened(klass, "kim")
    line = await oh.ok("send_caption", {"text": "원래 줄"})
    chat = await kim.ok("send_chat", {"text": "질문 있습니다"})
    other_captioner = await add_person(client.app, "ohs2", [Role.CAPTIONER], clock)
    other = await make_class(
        client.app, clock, trainees=[], staff={StaffRole.CAPTIONER: other_captioner.id},
        starts_in=timedelta(minutes=-10),
    )  # fmt: skip
    klass.tokens["ohs2"] = await api_token(client, "ohs2")
    elsewhere = await opened(Class(client, other.class_session_id, {}, klass.tokens), "ohs2")
    foreign = await elsewhere.ok("send_caption", {"text": "다른 수업의 줄"})
    before = await all_events(klass)

    for target in (foreign["id"], chat["id"], 10**12):
        answer = await oh.call("send_caption", {"text": "고침", "corrects": target})
        assert answer["ok"] is False
        assert answer["error"]["type"] == "not-found", answer
    for payload in (
        {"text": "고침", "corrects": line["id"], "final": False},  # a correction is final
        {"text": "고침", "corrects": 0},
        {"text": "고침", "corrects": "one"},
        {"text": "", "corrects": line["id"]},
        {"text": "가" * 501, "corrects": line["id"]},
    ):
        answer = await oh.call("send_caption", payload)
        assert answer["error"]["type"] == "validation-error", (payload, answer)
    refused = await kim.call("send_caption", {"text": "제가 고칠게요", "corrects": line["id"]})
    assert refused["error"]["type"] == "forbidden"  # no caption grant
    instructor = await opened(klass, "park")
    refused = await instructor.call("send_caption", {"text": "고침", "corrects": line["id"]})
    assert refused["error"]["type"] == "forbidden"  # moderating is not captioning

    assert await all_events(klass) == before
    assert kim.nothing_pending("caption_corrected")
    txt = await klass.transcript("txt")
    assert "원래 줄" in txt
    assert "고침" not in txt
    async with client.app[DATABASE].unit_of_work() as session:
        corrections = await session.scalar(
            select(func.count())
            .select_from(ClassEvent)
            .where(ClassEvent.kind == "caption_correction")
        )
    assert corrections == 0


async def test_the_caption_page_is_for_the_captioner_and_those_who_run_the_class(
    klass: Class,
) -> None:
    client, url = klass.client, f"/class/{klass.id}/caption"
    anonymous = await client.get(url)
    assert anonymous.status == 401
    for login, status in (("kim", 403), ("ohs", 200), ("park", 200)):
        await log_in(client, login)
        page = await client.get(url)
        assert page.status == status, login
        body = await page.text()
        if status == 200:
            assert "/static/js/caption.js" in body
        else:
            assert "Only this class's captioner and instructors can write" in html.unescape(body)
        client.session.cookie_jar.clear()
