"""GET /api/v1/users/{id}/record: who may read whose record (the person, training staff, an
instructor only for the cohorts they teach), and figures that match the attendance events:
a reconnect within the grace bridged, two devices counted once, a session not yet held shown
as scheduled with no figure (never 0), the totals equal to the completion explanation's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import PdfParser

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.lms.models import ClassSession, Enrolment
from tests.conftest import AppClient, Person, add_person
from tests.lms.completion.records import Api, CohortFixture, make_cohort
from tests.lms.record.helpers import attend

T0 = datetime(2020, 10, 5, 1, 0, tzinfo=UTC)  # 10:00 in Seoul; the clock starts at 00:00 UTC
DAY = timedelta(days=1)


def at(minutes: float, day: int = 0) -> datetime:
    return T0 + day * DAY + timedelta(minutes=minutes)


async def setup(client: AppClient, clock: ManualClock) -> tuple[dict[str, Person], CohortFixture]:
    names = {"kim": (Role.TRAINEE, "김민지"), "lee": (Role.TRAINEE, "이서준"),
             "park": (Role.INSTRUCTOR, "박강사"), "jung": (Role.INSTRUCTOR, "정강사"),
             "han": (Role.ASSISTANT, "한보조"), "ops": (Role.OPERATOR, "오운영"),
             "admin": (Role.ADMIN, "관리자")}  # fmt: skip
    who = {k: await add_person(client.app, k, [r], clock, name=n) for k, (r, n) in names.items()}
    kim, lee = who["kim"].id, who["lee"].id
    # three one-hour days; the third is not held yet when the record is read
    cohort = await make_cohort(client.app, clock, trainees=[kim, lee], instructor=who["park"].id,
                               windows=[(at(0), at(60)), (at(0, 1), at(60, 1)),
                                        (at(0, 2), at(60, 2))])  # fmt: skip
    day1, day2, _ = cohort.sessions
    await attend(
        client.app, day1,
        ("class_open", at(0), None, None),
        ("join", at(0), kim, "phone"), ("drop", at(20), kim, "phone"),  # a call came in
        ("resume", at(21), kim, "phone"),  # back within the 120 s grace: bridged
        ("join", at(40), kim, "pc"),  # the laptop too; the phone leaves: counted once
        ("leave", at(50), kim, "phone"), ("leave", at(60), kim, "pc"),
        ("class_end", at(60), None, None),
    )  # fmt: skip
    await attend(
        client.app, day2,
        ("join", at(10, 1), kim, "phone"), ("drop", at(30, 1), kim, "phone"),
        ("join", at(35, 1), kim, "phone"),  # 5 min later: past the grace, a dropout
        ("leave", at(60, 1), kim, "phone"),
        ("class_end", at(60, 1), None, None),
    )  # fmt: skip
    # jung teaches another course's cohort, which only lee is in
    await make_cohort(client.app, clock, trainees=[lee], instructor=who["jung"].id,
                      windows=[(at(0), at(60))])  # fmt: skip
    ops = await Api.of(client, who["ops"])
    await ops.call("POST", f"/courses/{cohort.course_id}/completion-rules",
                   {"min_presence_pct": 80, "reason": "80% 출석"}, 201)  # fmt: skip
    clock.set(at(0, 1) + timedelta(hours=3))  # day 2 over, day 3 tomorrow
    return who, cohort


def by_id(record: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {e["cohort"]["id"]: e for e in record["enrolments"]}


async def test_figures_follow_the_attendance_events(client: AppClient, clock: ManualClock) -> None:
    who, cohort = await setup(client, clock)
    kim = await Api.of(client, who["kim"])
    record = await kim.call("GET", f"/users/{who['kim'].id}/record")
    assert record["scope"] == "self"
    assert record["name"] == "김민지"
    (mine,) = record["enrolments"]
    assert mine["cohort"]["id"] == cohort.cohort_id
    assert mine["course"]["title"] == "핵심가치 공유 과정"
    assert mine["course"]["mode"] == "live_remote"
    assert mine["course"]["year"] == 2020
    assert mine["status"] == "approved"
    day1, day2, day3 = mine["sessions"]
    assert day1["starts_at"] == "2020-10-05T10:00:00+09:00"  # Asia/Seoul
    assert (day1["attendance"], day1["present_minutes"], day1["counted_minutes"]) == (
        "held", 60, 60)  # fmt: skip
    assert day1["present_pct"] == 100
    assert day1["bridged_drops"] == 1
    assert day1["dropouts"] == 0
    assert day1["devices"] == ["phone", "pc"]
    # 10-30 and 35-60: 45 of 60, one drop not resumed in time
    assert (day2["present_minutes"], day2["counted_minutes"], day2["present_pct"]) == (45, 60, 75)
    assert day2["dropouts"] == 1
    assert day2["bridged_drops"] == 0
    assert day2["devices"] == ["phone"]
    # not held yet: scheduled, and no figure at all (not 0)
    assert day3["attendance"] == "scheduled"
    assert day3["scheduled_minutes"] == 60
    for figure in ("present_minutes", "counted_minutes", "present_pct", "dropouts"):
        assert day3[figure] is None, figure
    assert day3["devices"] == []
    # the totals are the ones the completion explanation speaks of
    assert mine["presence"] == {"present_minutes": 105, "of_minutes": 120, "pct": 87}
    assert mine["completion"]["state"] == "pending"
    assert mine["completion"]["outcome"] is None
    assert mine["completion"]["explanation_en"] == "present 105 of 120 min (87%) ✓; completed"
    assert mine["completion"]["explanation_ko"] == "출석 120분 중 105분 (87%) ✓; 수료"
    assert mine["certificate"] is None
    result = await kim.call("GET", f"/cohorts/{cohort.cohort_id}/completion/{who['kim'].id}")
    assert result["criteria"][0]["actual"] == mine["presence"]["present_minutes"]
    assert result["criteria"][0]["of"] == mine["presence"]["of_minutes"]

    # lee never came: held sessions are 0 of 60 (known), the coming one still has no figure
    lee = await Api.of(client, who["lee"])
    theirs = by_id(await lee.call("GET", f"/users/{who['lee'].id}/record"))[cohort.cohort_id]
    assert [s["present_minutes"] for s in theirs["sessions"]] == [0, 0, None]
    assert theirs["presence"] == {"present_minutes": 0, "of_minutes": 120, "pct": 0}


async def test_before_any_session_there_is_no_figure(client: AppClient, clock: ManualClock) -> None:
    who = {"kim": await add_person(client.app, "kim", [Role.TRAINEE], clock, name="김민지"),
           "park": await add_person(client.app, "park", [Role.INSTRUCTOR], clock)}  # fmt: skip
    cohort = await make_cohort(client.app, clock, trainees=[who["kim"].id],
                               instructor=who["park"].id, windows=[(at(0), at(60))])  # fmt: skip
    async with client.app[DATABASE].unit_of_work() as session:  # and one day in person
        session.add(ClassSession(cohort_id=cohort.cohort_id, title="2일차 (대면)",
                                 starts_at=at(0, 1), ends_at=at(420, 1), live=False))  # fmt: skip
    kim = await Api.of(client, who["kim"])
    (mine,) = (await kim.call("GET", f"/users/{who['kim'].id}/record"))["enrolments"]
    assert mine["current"] is True
    assert [s["attendance"] for s in mine["sessions"]] == ["scheduled", "in_person"]
    assert [s["present_minutes"] for s in mine["sessions"]] == [None, None]
    assert mine["presence"] is None
    assert mine["completion"] == {"state": "pending", "outcome": None, "explanation_ko": None,
                                  "explanation_en": None, "finalised_at": None}  # fmt: skip
    await attend(client.app, cohort.sessions[0], ("join", at(0), who["kim"].id, "phone"))
    clock.set(at(30))  # half-way through the live class, still in it
    (mine,) = (await kim.call("GET", f"/users/{who['kim'].id}/record"))["enrolments"]
    live = mine["sessions"][0]
    assert (live["attendance"], live["present_minutes"], live["counted_minutes"]) == (
        "in_progress", 30, 30)  # fmt: skip
    assert live["scheduled_minutes"] == 60
    assert mine["presence"] == {"present_minutes": 30, "of_minutes": 30, "pct": 100}
    await attend(client.app, cohort.sessions[0], ("leave", at(45), who["kim"].id, "phone"))
    clock.set(at(0, 3))  # the in-person day is over: still no attendance figure for it
    (mine,) = (await kim.call("GET", f"/users/{who['kim'].id}/record"))["enrolments"]
    assert mine["sessions"][1]["attendance"] == "in_person"
    assert mine["sessions"][1]["present_minutes"] is None
    assert mine["presence"] == {"present_minutes": 45, "of_minutes": 60, "pct": 75}
    assert mine["current"] is False  # the cohort's last day has passed


async def test_who_may_read_whose_record(client: AppClient, clock: ManualClock) -> None:
    who, cohort = await setup(client, clock)
    kim, lee = who["kim"].id, who["lee"].id
    api = {k: await Api.of(client, p) for k, p in who.items()}
    for name in ("ops", "admin"):
        record = await api[name].call("GET", f"/users/{kim}/record")
        assert record["scope"] == "staff"
        assert [e["cohort"]["id"] for e in record["enrolments"]] == [cohort.cohort_id]
        assert len((await api[name].call("GET", f"/users/{lee}/record"))["enrolments"]) == 2
    # the cohort's instructor sees kim; lee only in the cohort they teach
    park = await api["park"].call("GET", f"/users/{kim}/record")
    assert park["scope"] == "instructor"
    assert by_id(park)[cohort.cohort_id]["presence"]["present_minutes"] == 105
    park_lee = await api["park"].call("GET", f"/users/{lee}/record")
    assert [e["cohort"]["id"] for e in park_lee["enrolments"]] == [cohort.cohort_id]
    # another cohort's instructor, another trainee, an assistant of nothing: refused
    for name, whose in (("jung", kim), ("lee", kim), ("kim", lee), ("han", kim)):
        problem = await api[name].call("GET", f"/users/{whose}/record", status=403)
        assert problem["type"] == "/problems/forbidden", name
    jung_lee = await api["jung"].call("GET", f"/users/{lee}/record")
    assert [e["cohort"]["id"] for e in jung_lee["enrolments"]] != [cohort.cohort_id]
    assert len(jung_lee["enrolments"]) == 1
    # no such person: staff are told so; anyone else learns nothing
    assert (await api["ops"].call("GET", "/users/999999/record", status=404))["type"] == (
        "/problems/not-found")  # fmt: skip
    assert (await api["park"].call("GET", "/users/999999/record", status=403))["type"] == (
        "/problems/forbidden")  # fmt: skip
    assert (await client.get(f"/api/v1/users/{kim}/record")).status == 401
    bad = await api["ops"].call("GET", "/users/abc/record", status=422)
    assert bad["type"] == "/problems/validation-error"


async def test_a_finalised_completion_with_its_certificate_and_surveys(
    client: AppClient, clock: ManualClock
) -> None:
    who, cohort = await setup(client, clock)
    kim_id = who["kim"].id
    kim, ops, park = [await Api.of(client, who[k]) for k in ("kim", "ops", "park")]
    # a satisfaction survey open for the cohort, and a draft one the trainee does not see
    body = {"kind": "satisfaction", "title": "과정 만족도",
            "items": [{"kind": "scale5", "prompt": "만족하십니까?"}]}  # fmt: skip
    survey = await ops.call("POST", f"/cohorts/{cohort.cohort_id}/surveys", body, 201)
    await ops.call("POST", f"/surveys/{survey['id']}/open")
    await ops.call("POST", f"/cohorts/{cohort.cohort_id}/surveys", {**body, "title": "초안"}, 201)
    mine = (await kim.call("GET", f"/users/{kim_id}/record"))["enrolments"][0]
    assert mine["surveys"] == [{"id": survey["id"], "title": "과정 만족도",
                                "kind": "satisfaction", "phase": None, "submitted": False,
                                "url": f"/surveys/{survey['id']}"}]  # fmt: skip
    item = survey["items"][0]["id"]
    await kim.call("POST", f"/surveys/{survey['id']}/responses", {"answers": {item: 5}}, 201)
    mine = (await kim.call("GET", f"/users/{kim_id}/record"))["enrolments"][0]
    assert mine["surveys"][0]["submitted"] is True
    await ops.call("POST", f"/surveys/{survey['id']}/close")

    # the third day held in full, then the cohort finalised
    await attend(client.app, cohort.sessions[2], ("join", at(0, 2), kim_id, "tablet"),
                 ("leave", at(60, 2), kim_id, "tablet"))  # fmt: skip
    clock.set(at(0, 3))
    await ops.call("POST", f"/cohorts/{cohort.cohort_id}/completion/finalise")
    pdf_url = f"/api/v1/cohorts/{cohort.cohort_id}/completion/{kim_id}/certificate"
    # staff and the instructor read it first: nothing is issued on their reading
    staff_view = (await ops.call("GET", f"/users/{kim_id}/record"))["enrolments"][0]
    assert staff_view["certificate"] == {"code": None, "pdf_url": pdf_url}
    teacher_view = (await park.call("GET", f"/users/{kim_id}/record"))["enrolments"][0]
    assert teacher_view["certificate"] == {"code": None, "pdf_url": None}

    mine = (await kim.call("GET", f"/users/{kim_id}/record"))["enrolments"][0]
    assert mine["current"] is False
    assert mine["surveys"] == []  # closed now
    assert mine["completion"]["state"] == "final"
    assert mine["completion"]["outcome"] == "completed"
    assert mine["completion"]["finalised_at"] == "2020-10-08T01:00:00Z"
    assert mine["completion"]["explanation_en"] == "present 165 of 180 min (91%) ✓; completed"
    assert mine["presence"] == {"present_minutes": 165, "of_minutes": 180, "pct": 91}
    code = mine["certificate"]["code"]
    assert mine["certificate"]["pdf_url"] == pdf_url
    verified = await client.get(f"/api/v1/certificates/{code}")
    assert verified.status == 200
    assert (await verified.json())["name"] == "김민지"
    pdf = await kim.call("GET", pdf_url.removeprefix("/api/v1"))
    assert pdf.startswith(b"%PDF-")
    keywords = PdfParser.PdfParser(buf=pdf).info[b"Keywords"]
    assert PdfParser.decode_text(keywords) == f"verification:{code}"
    again = (await ops.call("GET", f"/users/{kim_id}/record"))["enrolments"][0]
    assert again["certificate"]["code"] == code

    # lee did not come: not completed, no certificate
    lee_view = by_id(await ops.call("GET", f"/users/{who['lee'].id}/record"))[cohort.cohort_id]
    assert lee_view["completion"]["outcome"] == "not_completed"
    assert lee_view["completion"]["explanation_en"] == "present 0 of 180 min (0%) ✗; not completed"
    assert lee_view["certificate"] is None


async def test_an_enrolment_not_taking_part_has_no_result(
    client: AppClient, clock: ManualClock
) -> None:
    who, cohort = await setup(client, clock)
    async with client.app[DATABASE].unit_of_work() as session:
        enrolment = await session.scalar(
            Enrolment.__table__.select().where(Enrolment.cohort_id == cohort.cohort_id,
                                                Enrolment.user_id == who["kim"].id)
        )  # fmt: skip
        row = await session.get(Enrolment, enrolment)
        assert row is not None
        row.status = "cancelled"
    kim = await Api.of(client, who["kim"])
    (mine,) = (await kim.call("GET", f"/users/{who['kim'].id}/record"))["enrolments"]
    assert mine["status"] == "cancelled"
    assert mine["current"] is False
    assert mine["completion"]["state"] == "not_applicable"
    assert mine["surveys"] == []
    assert mine["sessions"][0]["present_minutes"] == 60  # what happened stays on record
