"""The live class with real socket.io clients: joining, presence, hands, chat, captions,
instructor controls, reconnects, attendance, limits and bad input."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE, SECRET_KEY, SETTINGS, SIO
from server.lms.models import StaffRole
from server.lms.service import get_class_session
from server.rooms import node, service
from server.rooms.attendance import intervals
from server.rooms.models import AttendanceEvent, AttendanceKind, ConnectionReport
from server.rooms.node import ROOMS, sweep
from server.rooms.service import sign_invitation
from tests.conftest import AppClient, Person, add_person, api_token, bearer, log_in
from tests.factories import ClassFixture, make_class
from tests.rooms.classroom import PC_UA, PHONE_UA, Participant

GRACE = timedelta(seconds=120)


@dataclass
class Class:
    client: AppClient
    fixture: ClassFixture
    people: dict[str, Person]
    tokens: dict[str, str]  # API tokens by login

    @property
    def id(self) -> int:
        return self.fixture.class_session_id

    async def class_token(self, login: str) -> str:
        response = await self.client.post(
            f"/api/v1/class-sessions/{self.id}/class-token", headers=bearer(self.tokens[login])
        )
        assert response.status == 200, await response.text()
        return str((await response.json())["token"])


@pytest.fixture
async def klass(client: AppClient, clock: ManualClock) -> Class:
    people = {
        login: await add_person(client.app, login, [role], clock, name=name)
        for login, role, name in (
            ("kim", Role.TRAINEE, "김민지"),
            ("lee", Role.TRAINEE, "이서준"),
            ("park", Role.INSTRUCTOR, "박강사"),
            ("ohs", Role.CAPTIONER, "오속기"),
            ("outsider", Role.TRAINEE, "외부인"),
        )
    }
    fixture = await make_class(
        client.app,
        clock,
        trainees=[people["kim"].id, people["lee"].id],
        staff={StaffRole.INSTRUCTOR: people["park"].id, StaffRole.CAPTIONER: people["ohs"].id},
        starts_in=timedelta(minutes=-10),
    )
    tokens = {login: await api_token(client, login) for login in people}
    return Class(client, fixture, people, tokens)


@pytest.fixture
async def opened() -> AsyncIterator[Callable[..., Awaitable[Participant]]]:
    """Connect and join people; every socket is closed at the end."""
    made: list[Participant] = []

    async def open_(
        klass: Class, login: str, *, client_id: str | None = None, user_agent: str | None = None,
        last_event_id: int | None = None, join: bool = True,
    ) -> Participant:  # fmt: skip
        p = Participant(client_id)
        made.append(p)
        token = await klass.class_token(login)
        await p.connect(klass.client, {"token": token}, user_agent=user_agent or PC_UA)
        if join:
            p.state = await p.ok("join", {"last_event_id": last_event_id})
        return p

    yield open_
    for p in made:
        await p.close()


async def attendance(klass: Class) -> list[AttendanceEvent]:
    async with klass.client.app[DATABASE].unit_of_work() as session:
        rows = await session.scalars(
            select(AttendanceEvent)
            .where(AttendanceEvent.class_session_id == klass.id)
            .order_by(AttendanceEvent.id)
        )
        return list(rows)


# ---- joining ------------------------------------------------------------------------------


async def test_join_with_a_class_token_returns_the_whole_class_state(
    klass: Class, opened: Any
) -> None:
    park = await opened(klass, "park")
    kim = await opened(klass, "kim", user_agent=PHONE_UA)
    state = kim.state
    assert state["ok"] is True
    assert state["class_session"]["id"] == klass.id
    assert state["me"]["user_id"] == klass.people["kim"].id
    assert state["me"]["device_class"] == "phone"
    assert state["grants"] == ["publish", "subscribe"]
    assert {p["name"] for p in state["participants"]} == {"박강사", "김민지"}
    assert state["hand_queue"] == []
    assert state["reconnect_grace_s"] == 120
    joined = await park.change("joined", klass.people["kim"].id)
    assert joined["user_id"] == klass.people["kim"].id
    assert joined["role"] == "trainee"


async def test_join_with_a_join_link(klass: Class) -> None:
    app = klass.client.app
    async with app[DATABASE].unit_of_work() as session:
        cs = await get_class_session(session, klass.id)
    link, _ = sign_invitation(app[SECRET_KEY], app[SETTINGS], cs, klass.people["lee"].id)
    p = Participant()
    await p.connect(klass.client, {"join_link": link})
    state = await p.ok("join")
    assert state["me"]["name"] == "이서준"
    await p.close()


async def test_join_with_an_api_token_or_the_session_cookie(klass: Class) -> None:
    p = Participant()
    await p.connect(klass.client, {"api_token": klass.tokens["kim"], "class_session_id": klass.id})
    assert (await p.ok("join"))["me"]["name"] == "김민지"
    await p.close()
    await log_in(klass.client, "lee")
    cookie = klass.client.session.cookie_jar.filter_cookies(klass.client.make_url("/"))
    q = Participant()
    await q.connect(
        klass.client,
        {"class_session_id": klass.id},
        headers={"Cookie": f"baeum_session={cookie['baeum_session'].value}"},
    )
    assert (await q.ok("join"))["me"]["name"] == "이서준"
    await q.close()


async def test_the_wrong_credentials_are_refused(klass: Class, clock: ManualClock) -> None:
    p = Participant()
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "not-authenticated"),
        ({"token": "not.a.token"}, "not-authenticated"),
        ({"api_token": klass.tokens["outsider"], "class_session_id": klass.id}, "not-enrolled"),
        ({"api_token": "bm_forged", "class_session_id": klass.id}, "not-authenticated"),
        ({"class_session_id": klass.id}, "not-authenticated"),
    ]
    for auth, slug in cases:
        reason = await p.refused_with(klass.client, auth)
        assert reason["type"] == slug, auth
    no_client_id = Participant()
    no_client_id.client_id = ""
    reason = await no_client_id.refused_with(
        klass.client, {"token": await klass.class_token("kim")}
    )
    assert reason["type"] == "validation-error"
    token = await klass.class_token("kim")
    clock.advance(601)  # class tokens last 10 minutes
    reason = await p.refused_with(klass.client, {"token": token})
    assert reason == {"type": "not-authenticated", "detail": "The class token has expired."}


async def test_events_before_join_are_refused(klass: Class, opened: Any) -> None:
    kim = await opened(klass, "kim", join=False)
    answer = await kim.call("send_chat", {"text": "안녕하세요"})
    assert answer["error"]["type"] == "not-in-class"


# ---- hands, chat, captions ----------------------------------------------------------------


async def test_hands_queue_in_the_order_raised(
    klass: Class, opened: Any, clock: ManualClock
) -> None:
    park = await opened(klass, "park")
    kim = await opened(klass, "kim")
    lee = await opened(klass, "lee")
    kim_id, lee_id = klass.people["kim"].id, klass.people["lee"].id
    assert (await lee.ok("raise_hand"))["queue"] == [lee_id]
    clock.advance(2)
    assert (await kim.ok("raise_hand"))["queue"] == [lee_id, kim_id]
    assert (await lee.ok("raise_hand"))["queue"] == [lee_id, kim_id]  # keeps the place
    assert (await park.next("hand_raised"))["queue"] == [lee_id]
    assert (await park.next("hand_raised"))["queue"] == [lee_id, kim_id]
    assert (await lee.ok("lower_hand"))["queue"] == [kim_id]
    refused = await lee.call("lower_hand_of", {"user_id": kim_id})
    assert refused["error"]["type"] == "forbidden"
    assert (await park.ok("lower_hand_of", {"user_id": kim_id}))["queue"] == []


async def test_chat_to_all_and_to_instructors_only(klass: Class, opened: Any) -> None:
    park = await opened(klass, "park")
    kim = await opened(klass, "kim")
    lee = await opened(klass, "lee")
    sent = await kim.ok("send_chat", {"text": "질문 있습니다", "to": "staff"})
    got = await park.next("chat_message")
    assert got["id"] == sent["id"]
    assert got["payload"] == {
        "from_id": klass.people["kim"].id, "from_name": "김민지", "from_role": "trainee",
        "text": "질문 있습니다", "to": "staff",
    }  # fmt: skip
    assert (await kim.next("chat_message"))["id"] == sent["id"]  # the sender sees their own
    await lee.ok("send_chat", {"text": "모두 안녕하세요"})
    assert (await kim.next("chat_message"))["payload"]["text"] == "모두 안녕하세요"
    assert (await lee.next("chat_message"))["payload"]["text"] == "모두 안녕하세요"
    assert lee.nothing_pending("chat_message")  # lee never saw the message to staff
    later = await opened(klass, "lee")
    assert [m["payload"]["text"] for m in later.state["chat"]] == ["모두 안녕하세요"]


async def test_captions_reach_everyone_and_make_the_transcript(
    klass: Class, opened: Any, clock: ManualClock
) -> None:
    oh = await opened(klass, "ohs")
    kim = await opened(klass, "kim")
    assert (await kim.call("send_caption", {"text": "무단 자막"}))["error"]["type"] == "forbidden"
    for line in ("안녕하세요, 핵심가치 과정입니다.", "오늘은 --> 소통과 협력을 다룹니다."):
        await oh.ok("send_caption", {"text": line})
        clock.advance(3)
    await oh.ok("send_caption", {"text": "입력 중", "final": False})
    assert (await kim.next("caption"))["payload"]["text"] == "안녕하세요, 핵심가치 과정입니다."
    await kim.next("caption")
    assert (await kim.next("caption_draft"))["text"] == "입력 중"
    vtt = await klass.client.get(
        f"/api/v1/class-sessions/{klass.id}/transcript?format=vtt",
        headers=bearer(klass.tokens["kim"]),
    )
    assert vtt.status == 200
    assert vtt.content_type == "text/vtt"
    text = await vtt.text()
    assert text.startswith("WEBVTT\n")
    assert "00:10:00.000 --> 00:10:03.000\n안녕하세요, 핵심가치 과정입니다." in text
    assert "00:10:03.000 --> 00:10:09.000\n오늘은 → 소통과 협력을 다룹니다." in text
    assert "입력 중" not in text
    txt = await klass.client.get(
        f"/api/v1/class-sessions/{klass.id}/transcript?format=txt",
        headers=bearer(klass.tokens["lee"]),
    )
    assert "[09:00:00] 안녕하세요, 핵심가치 과정입니다." in await txt.text()  # Seoul time
    outsider = await klass.client.get(
        f"/api/v1/class-sessions/{klass.id}/transcript", headers=bearer(klass.tokens["outsider"])
    )
    assert outsider.status == 403


# ---- instructor controls ------------------------------------------------------------------


async def test_instructor_controls(klass: Class, opened: Any) -> None:
    park = await opened(klass, "park")
    kim = await opened(klass, "kim")
    lee = await opened(klass, "lee")
    kim_id = klass.people["kim"].id
    assert (await kim.call("request_mute", {"user_id": kim_id}))["error"]["type"] == "forbidden"
    await park.ok("request_mute", {"user_id": kim_id})
    assert (await kim.next("mute_requested"))["by"] == klass.people["park"].id
    assert lee.nothing_pending("mute_requested")
    await park.ok("spotlight", {"user_id": kim_id})
    assert (await lee.next("spotlight_changed")) == {"user_id": kim_id}
    await park.ok("lock_class", {"locked": True})
    assert (await kim.next("class_locked")) == {"locked": True}
    late = Participant()
    reason = await late.refused_with(klass.client, {"token": await klass.class_token("lee")})
    assert reason["type"] == "class-locked"
    instructor_again = await opened(klass, "park")  # staff still get in
    assert instructor_again.state["locked"] is True
    assert instructor_again.state["spotlight"] == kim_id


async def test_a_removed_participant_is_out_and_cannot_come_back(klass: Class, opened: Any) -> None:
    park = await opened(klass, "park")
    kim = await opened(klass, "kim")
    await park.ok("remove_participant", {"user_id": klass.people["kim"].id, "reason": "방해"})
    assert (await kim.next("removed")) == {"reason": "방해"}
    await kim.sio.wait()  # the server closed the socket
    left = await park.change("left", klass.people["kim"].id)
    assert left == {"kind": "left", "user_id": klass.people["kim"].id, "reason": "removed"}
    again = Participant()
    reason = await again.refused_with(klass.client, {"token": await klass.class_token("kim")})
    assert reason["type"] == "removed-from-class"
    kinds = [(e.kind, e.user_id) for e in await attendance(klass)]
    assert (AttendanceKind.REMOVED, klass.people["kim"].id) in kinds
    assert (AttendanceKind.DROP, klass.people["kim"].id) not in kinds


async def test_ending_the_class_closes_attendance_and_the_door(
    klass: Class, opened: Any, clock: ManualClock
) -> None:
    park = await opened(klass, "park")
    kim = await opened(klass, "kim")
    assert (await kim.call("end_class"))["error"]["type"] == "forbidden"
    await park.ok("start_class")
    clock.advance(3600)
    assert (await park.ok("end_class"))["state"] == "ended"
    assert (await kim.next("class_state_changed")) == {"state": "live"}
    assert (await kim.next("class_state_changed")) == {"state": "ended"}
    reason = await Participant().refused_with(
        klass.client, {"token": await klass.class_token("lee")}
    )
    assert reason["type"] == "class-ended"
    summary = await (
        await klass.client.get(
            f"/api/v1/class-sessions/{klass.id}/attendance", headers=bearer(klass.tokens["park"])
        )
    ).json()
    kim_row = next(r for r in summary if r["user_id"] == klass.people["kim"].id)
    assert kim_row["intervals"][0]["ended_by"] == "class_end"
    assert kim_row["dropouts"] == 0


# ---- reconnects and attendance ------------------------------------------------------------


async def test_a_return_replays_an_earlier_id_that_arrived_after_a_later_one(
    klass: Class, opened: Any, clock: ManualClock
) -> None:
    """Ids are handed out on write but reach clients in commit and relay order: a client can
    see 105, drop, and never have seen 104. Its return with last_event_id=105 must bring 104."""
    park = await opened(klass, "park")
    kim = await opened(klass, "kim", user_agent=PHONE_UA)
    earlier = await park.ok("send_chat", {"text": "첫째"})
    clock.advance(2)
    later = await park.ok("send_chat", {"text": "둘째"})
    await kim.drop()
    back = await opened(klass, "kim", client_id=kim.client_id, last_event_id=later["id"],
                        user_agent=PHONE_UA)  # fmt: skip
    assert earlier["id"] in [e["id"] for e in back.state["missed"]]
    clock.advance(600)  # long after: the look-back no longer reaches those two
    quiet = await park.ok("send_chat", {"text": "셋째"})
    await back.drop()
    again = await opened(klass, "kim", client_id=kim.client_id, last_event_id=quiet["id"],
                         user_agent=PHONE_UA)  # fmt: skip
    replayed = [e["id"] for e in again.state["missed"]]
    assert earlier["id"] not in replayed
    assert later["id"] not in replayed


async def test_a_drop_resumed_within_the_grace_is_one_interval_and_replays_what_was_missed(
    klass: Class, opened: Any, clock: ManualClock
) -> None:
    park = await opened(klass, "park")
    kim = await opened(klass, "kim", user_agent=PHONE_UA)
    await kim.ok("raise_hand")
    last_seen = kim.state["last_event_id"]
    clock.advance(600)
    await kim.drop()  # a phone call comes in
    dropped = await park.change("dropped")
    assert dropped["user_id"] == klass.people["kim"].id
    assert dropped["reason"] == "transport close"
    sent = await park.ok("send_chat", {"text": "잠시 후 실습합니다"})
    clock.advance(90)
    back = await opened(klass, "kim", client_id=kim.client_id, last_event_id=last_seen,
                        user_agent=PHONE_UA)  # fmt: skip
    missed = [e["id"] for e in back.state["missed"]]
    assert missed[-1] == sent["id"]
    assert all(i >= last_seen for i in missed)  # nothing from before the look-back
    assert back.state["hand_queue"] == [klass.people["kim"].id]  # kept their place
    assert [p["user_id"] for p in back.state["participants"]].count(klass.people["kim"].id) == 1
    assert (await park.change("resumed"))["status"] == "present"
    clock.advance(300)
    kinds = [e.kind for e in await attendance(klass) if e.user_id == klass.people["kim"].id]
    assert kinds == [AttendanceKind.JOIN, AttendanceKind.DROP, AttendanceKind.RESUME]
    async with klass.client.app[DATABASE].unit_of_work() as session:
        marks = await service.attendance_marks(session, klass.id)
        reports = (await session.scalars(select(ConnectionReport))).all()
    kim_parts = intervals(marks, GRACE, clock.now())[klass.people["kim"].id]
    assert len(kim_parts) == 1
    assert kim_parts[0].seconds == 600 + 90 + 300
    assert kim_parts[0].bridged_drops == 1
    assert [(r.source, r.kind, r.detail, r.device_class) for r in reports] == [
        ("server", "socket_disconnect", "transport close", "phone")
    ]


async def test_a_drop_beyond_the_grace_is_a_dropout(
    klass: Class, opened: Any, clock: ManualClock
) -> None:
    park = await opened(klass, "park")
    kim = await opened(klass, "kim")
    clock.advance(300)
    await kim.drop()
    await park.change("dropped")
    clock.advance(121)
    await sweep(klass.client.app)
    assert (await park.change("left")) == {
        "kind": "left", "user_id": klass.people["kim"].id, "reason": "not back in time",
    }  # fmt: skip
    back = await opened(klass, "kim", client_id=kim.client_id)
    assert (await park.change("joined", klass.people["kim"].id))["status"] == "present"
    assert back.state["me"]["status"] == "present"
    summary = await (
        await klass.client.get(
            f"/api/v1/class-sessions/{klass.id}/attendance", headers=bearer(klass.tokens["park"])
        )
    ).json()
    kim_row = next(r for r in summary if r["user_id"] == klass.people["kim"].id)
    assert kim_row["dropouts"] == 1
    assert [i["ended_by"] for i in kim_row["intervals"]] == ["drop", None]


async def test_leaving_on_purpose_is_not_a_drop(klass: Class, opened: Any) -> None:
    park = await opened(klass, "park")
    kim = await opened(klass, "kim")
    await kim.ok("leave")
    assert (await park.change("left"))["user_id"] == klass.people["kim"].id
    await kim.close()
    kinds = [e.kind for e in await attendance(klass) if e.user_id == klass.people["kim"].id]
    assert kinds == [AttendanceKind.JOIN, AttendanceKind.LEAVE]


async def test_a_client_that_disconnects_itself_has_left_and_a_lost_one_dropped(
    klass: Class, opened: Any
) -> None:
    """No "leave" event: kim's client says goodbye itself (socket.io's disconnect packet, as
    the page's client sends it when the person presses leave and the event got no answer), and
    lee's connection is simply lost. The first chose to go (a leave: no dropout, no connection
    report); the second dropped (a drop, which may yet be resumed)."""
    park = await opened(klass, "park")
    kim, lee = await opened(klass, "kim"), await opened(klass, "lee")
    await kim.disconnect_cleanly()
    assert (await park.change("left")) == {
        "kind": "left", "user_id": klass.people["kim"].id, "reason": "left"}  # fmt: skip
    await lee.drop()
    dropped = await park.change("dropped")
    assert (dropped["user_id"], dropped["reason"]) == (klass.people["lee"].id, "transport close")
    ends = {(e.user_id, e.kind, e.reason) for e in await attendance(klass)
            if e.kind not in (AttendanceKind.JOIN, AttendanceKind.RESUME)}  # fmt: skip
    assert ends == {
        (klass.people["kim"].id, AttendanceKind.LEAVE, "client disconnect"),
        (klass.people["lee"].id, AttendanceKind.DROP, "transport close"),
    }
    summary = await (
        await klass.client.get(
            f"/api/v1/class-sessions/{klass.id}/attendance", headers=bearer(klass.tokens["park"])
        )
    ).json()
    rows = {r["user_id"]: r for r in summary}
    assert (rows[klass.people["kim"].id]["dropouts"], rows[klass.people["lee"].id]["dropouts"]) == (
        0, 1)  # fmt: skip
    async with klass.client.app[DATABASE].unit_of_work() as session:
        reported = await session.scalars(select(ConnectionReport.user_id).where(
            ConnectionReport.class_session_id == klass.id))  # fmt: skip
        assert list(reported) == [klass.people["lee"].id]  # the drop's server-side report only


# ---- limits and bad input -------------------------------------------------------------------


async def test_a_flooder_is_refused_and_the_class_goes_on(klass: Class, opened: Any) -> None:
    kim = await opened(klass, "kim")
    lee = await opened(klass, "lee")
    answers = [await kim.call("send_chat", {"text": f"도배 {n}"}) for n in range(11)]
    assert [a["ok"] for a in answers] == [True] * 10 + [False]
    assert answers[-1]["error"]["type"] == "rate-limited"
    assert answers[-1]["error"]["retry_after_s"] == pytest.approx(1.0)
    assert (await lee.ok("send_chat", {"text": "저는 괜찮아요"}))["id"]


@pytest.mark.parametrize(
    ("event", "payload"),
    [
        ("send_chat", {"text": 42}),
        ("send_chat", {"text": ""}),
        ("send_chat", {"text": "x" * 1001}),
        ("send_chat", {"text": "hi", "to": "everyone"}),
        ("send_chat", ["hi"]),
        ("send_chat", {"text": "hi", "html": "<script>"}),
        ("react", {"emoji": "💣"}),
        ("set_media_state", {"mic": "loud"}),
        ("join", {"last_event_id": -1}),
        ("replay", {"since": "yesterday"}),
        ("spotlight", {"user_id": 0}),
    ],
)
async def test_malformed_events_get_error_acks_and_change_nothing(
    klass: Class, opened: Any, event: str, payload: Any
) -> None:
    kim = await opened(klass, "kim")
    answer = await kim.call(event, payload)
    assert answer["ok"] is False
    assert answer["error"]["type"] == "validation-error"
    assert (await kim.ok("send_chat", {"text": "still here"}))["id"]


async def test_unknown_events_are_answered(klass: Class, opened: Any) -> None:
    kim = await opened(klass, "kim")
    assert (await kim.call("become_instructor", {}))["error"]["type"] == "unknown-event"
    assert kim.sio.connected


async def test_connection_reports_from_the_browser(klass: Class, opened: Any) -> None:
    kim = await opened(klass, "kim", user_agent=PHONE_UA)
    await kim.ok("report_connection", {"kind": "ice_failed", "network_type": "cellular",
                                       "rtt_ms": 840, "packet_loss_pct": 12.5})  # fmt: skip
    response = await klass.client.post(
        "/api/v1/connection-reports",
        json={"kind": "getusermedia_denied", "class_session_id": klass.id},
        headers={**bearer(klass.tokens["lee"]), "User-Agent": PHONE_UA},
    )
    assert response.status == 201
    async with klass.client.app[DATABASE].unit_of_work() as session:
        rows = (await session.scalars(select(ConnectionReport).order_by(ConnectionReport.id))).all()
    assert [(r.kind, r.user_id, r.device_class, r.os, r.network_type) for r in rows] == [
        ("ice_failed", klass.people["kim"].id, "phone", "Android", "cellular"),
        ("getusermedia_denied", klass.people["lee"].id, "phone", "Android", None),
    ]
    assert rows[0].packet_loss_pct == 12.5


async def test_pre_class_connection_tests_show_who_is_at_risk(klass: Class) -> None:
    def post(login: str, body: dict[str, Any], ua: str = PHONE_UA) -> Any:
        return klass.client.post(
            "/api/v1/connection-tests",
            json={"class_session_id": klass.id, **body},
            headers={**bearer(klass.tokens[login]), "User-Agent": ua},
        )

    good_phone = {
        "socket_rtt_ms": 45, "media_ok": True, "turn_ok": True, "bitrate_kbps": 2400,
        "camera_ok": True, "microphone_ok": True, "network_type": "cellular",
    }  # fmt: skip
    kim = await (await post("kim", good_phone)).json()
    assert kim["verdict"] == "at_risk"
    assert kim["reasons"] == [
        "phone on a mobile network: a call or a weak signal may drop the class"
    ]
    lee = await (await post("lee", {"camera_ok": False, "media_ok": True})).json()
    assert lee["verdict"] == "failed"
    payload = await klass.client.get(
        "/api/v1/connection-tests/payload?kb=64", headers=bearer(klass.tokens["kim"])
    )
    assert len(await payload.read()) == 64 * 1024
    board = await klass.client.get(
        f"/api/v1/class-sessions/{klass.id}/readiness", headers=bearer(klass.tokens["park"])
    )
    assert [(r["name"], r["verdict"]) for r in await board.json()] == [
        ("김민지", "at_risk"), ("이서준", "failed"),
    ]  # fmt: skip
    trainee_view = await klass.client.get(
        f"/api/v1/class-sessions/{klass.id}/readiness", headers=bearer(klass.tokens["kim"])
    )
    assert trainee_view.status == 403


async def test_operators_open_and_end_a_class_over_http(
    klass: Class, opened: Any, clock: ManualClock
) -> None:
    kim = await opened(klass, "kim")
    url = f"/api/v1/class-sessions/{klass.id}/state"
    operator = await api_token(klass.client, "outsider")  # a trainee: not allowed
    assert (
        await klass.client.put(url, json={"state": "live"}, headers=bearer(operator))
    ).status == 403
    done = await klass.client.put(url, json={"state": "open"}, headers=bearer(klass.tokens["park"]))
    assert (await done.json())["state"] == "open"
    assert await kim.next("class_state_changed") == {"state": "open"}
    await klass.client.put(url, json={"state": "ended"}, headers=bearer(klass.tokens["park"]))
    assert await kim.next("class_state_changed") == {"state": "ended"}
    again = await klass.client.put(
        url, json={"state": "live"}, headers=bearer(klass.tokens["park"])
    )
    assert again.status == 409
    assert (await again.json())["type"] == "/problems/class-ended"
    kinds = [e.kind for e in await attendance(klass) if e.user_id is None]
    assert kinds == [AttendanceKind.CLASS_END]


async def test_sockets_slow_to_close_after_a_live_state_loss_do_not_hold_up_housekeeping(
    klass: Class, opened: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After Redis restarted empty the node closes its class sockets so that their clients
    rejoin. Closing a socket runs its disconnect handling inline (a media host that does not
    answer can take 15 s) and waits for the transport to drain: housekeeping must not wait on
    that, or it stops renewing the heartbeat and the other nodes take this one for dead (the
    chaos suite saw a node's people dropped a minute after a Redis restart)."""
    await opened(klass, "kim")
    await opened(klass, "lee")
    app = klass.client.app
    monkeypatch.setattr(node, "RECONNECT_ASK_S", 0.2)
    handlers = app[SIO].handlers["/class"]
    handle_disconnect, released = handlers["disconnect"], asyncio.Event()

    async def slow_disconnect(sid: str, reason: Any = None) -> None:  # a media host away
        await released.wait()
        await handle_disconnect(sid, reason)

    handlers["disconnect"] = slow_disconnect
    app[ROOMS].live_epoch = "the epoch before Redis restarted"
    assert await asyncio.wait_for(node.check_live_state(app), 60) is True
    assert len(app[ROOMS].closing) == 2  # both still closing, in the background
    released.set()
    await asyncio.gather(*app[ROOMS].closing)
    assert not app[SIO].manager.rooms.get("/class", {}).get(None)  # everyone was closed
    ends = [e.kind for e in await attendance(klass) if e.kind == AttendanceKind.DROP]
    assert len(ends) == 2  # each close recorded, once
