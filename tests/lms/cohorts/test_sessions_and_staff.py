"""A cohort's class sessions and staff over HTTP: sessions generated one per weekday
(weekends, public holidays and closed days skipped) at 09:00–17:00 Asia/Seoul counting the
course's hours a day, added and edited in Seoul times (across midnight too), never changed once
live or ended; instructors, assistants and captioners put on sessions only if their log-in has
that role; and who may read a cohort (training staff all, a cohort's own staff and trainees
theirs, others nothing)."""

from __future__ import annotations

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.lms.models import EnrolmentStatus
from tests.conftest import AppClient, Person, add_person
from tests.lms.cohorts.helpers import enrol, make_course, query, set_state
from tests.lms.instructors.helpers import Caller

#: Thursday 8 to Wednesday 14 October 2020: five weekdays around a weekend, one of them
#: Friday 9, Hangul Day (a public holiday)
DAYS = {"starts_on": "2020-10-08", "ends_on": "2020-10-14", "capacity": 20}
WEEKDAYS = ["2020-10-08", "2020-10-09", "2020-10-12", "2020-10-13", "2020-10-14"]
HANGUL_DAY = {"day": "2020-10-09", "holiday": "한글날"}


async def new_cohort(operator: Caller, client: AppClient, hours_per_day: int = 7) -> dict:  # type: ignore[type-arg]
    course = await make_course(client.app, hours_per_day=hours_per_day)
    cohort: dict = await operator.post("/cohorts", {"course_id": course, **DAYS})  # type: ignore[type-arg]
    return cohort


async def test_generated_sessions_fill_the_weekdays_in_seoul_time(
    client: AppClient, people: dict[Role, Person]
) -> None:
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    cohort = await new_cohort(operator, client)
    generate = f"/cohorts/{cohort['id']}/sessions/generate"

    made = await operator.post(generate, {"skip_public_holidays": False})
    sessions = made["created"]
    assert [s["day"] for s in sessions] == WEEKDAYS  # Saturday 10 and Sunday 11 skipped
    assert (made["skipped_days"], made["closed"]) == ([], [])
    first = sessions[0]
    # 09:00–17:00 in Seoul is 00:00–08:00 UTC; 8 hours long, 7 of them teaching (lunch)
    assert (first["starts_at"], first["ends_at"]) == (
        "2020-10-08T00:00:00Z",
        "2020-10-08T08:00:00Z",
    )
    assert (first["start"], first["end"], first["overnight"]) == ("09:00", "17:00", False)
    assert (first["minutes"], first["teaching_hours"]) == (480, "7.00")
    assert all(s["live"] and s["state"] == "scheduled" and s["editable"] for s in sessions)
    # again: every weekday already has its session, nothing doubles
    again = await operator.post(generate, {"live": False})
    assert (again["created"], again["skipped_days"]) == ([], WEEKDAYS)
    detail = await operator.get(f"/cohorts/{cohort['id']}")
    assert len(detail["sessions"]) == 5

    # in person, half days, on a course of 3 hours a day; a shorter day counts its length
    short = await new_cohort(operator, client, hours_per_day=3)
    days = (
        await operator.post(
            f"/cohorts/{short['id']}/sessions/generate",
            {"start": "13:00", "end": "18:00", "live": False},
        )
    )["created"]
    assert {(s["start"], s["end"], s["teaching_hours"], s["live"]) for s in days} == {
        ("13:00", "18:00", "3.00", False)
    }
    evening = await operator.post(
        f"/cohorts/{short['id']}/sessions", {"day": "2020-10-10", "start": "19:00", "end": "21:00"}
    )
    assert evening["teaching_hours"] == "2.00"
    bad = await operator.post(
        f"/cohorts/{short['id']}/sessions/generate", {"start": "09:00", "end": "09:00"}, 422
    )
    assert "same time" in bad["errors"][0]["msg"]
    # four weekdays (Hangul Day has none) and the Saturday evening
    assert len((await operator.get(f"/cohorts/{short['id']}"))["sessions"]) == 5


async def test_no_session_is_generated_on_a_public_holiday_or_a_closed_day(
    client: AppClient, people: dict[Role, Person]
) -> None:
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    cohort = await new_cohort(operator, client)
    generate = f"/cohorts/{cohort['id']}/sessions/generate"
    made = await operator.post(
        generate, {"closed_days": ["2020-10-13", "2020-10-10", "2021-01-04"]}
    )
    teaching = [d for d in WEEKDAYS if d not in ("2020-10-09", "2020-10-13")]
    assert [s["day"] for s in made["created"]] == teaching
    # the Saturday and the day outside the cohort are no weekdays of it: not listed
    assert made["closed"] == [HANGUL_DAY, {"day": "2020-10-13", "holiday": None}]
    # the holiday taught after all: added by hand, and generating again leaves it
    by_hand = {"day": "2020-10-09", "start": "09:00", "end": "12:00"}
    await operator.post(f"/cohorts/{cohort['id']}/sessions", by_hand)
    again = await operator.post(generate, {"closed_days": ["2020-10-13"]})
    assert again["created"] == []
    assert again["skipped_days"] == [teaching[0], "2020-10-09", *teaching[1:]]
    assert again["closed"] == [HANGUL_DAY, {"day": "2020-10-13", "holiday": None}]
    assert len((await operator.get(f"/cohorts/{cohort['id']}"))["sessions"]) == 4


async def test_chuseok_and_its_substitute_days_move_with_the_lunar_calendar(
    client: AppClient, people: dict[Role, Person]
) -> None:
    """Chuseok 2020 (30 September to 2 October) and 2021 (20 to 22 September), and the
    substitute holiday for National Foundation Day on a Sunday (4 October 2021)."""
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    course = await make_course(client.app)
    closed: dict[str, str | None] = {}
    for first, last in (("2020-09-28", "2020-10-02"), ("2021-09-20", "2021-10-04")):
        cohort = await operator.post(
            "/cohorts", {"course_id": course, "starts_on": first, "ends_on": last, "capacity": 9}
        )
        made = await operator.post(f"/cohorts/{cohort['id']}/sessions/generate", {})
        closed |= {c["day"]: c["holiday"] for c in made["closed"]}
        assert not {s["day"] for s in made["created"]} & set(closed)
    assert closed == {
        "2020-09-30": "추석 전날", "2020-10-01": "추석", "2020-10-02": "추석 다음날",
        "2021-09-20": "추석 전날", "2021-09-21": "추석", "2021-09-22": "추석 다음날",
        "2021-10-04": "개천절 대체 휴일",
    }  # fmt: skip


async def test_sessions_are_added_and_edited_in_seoul_times_until_they_take_place(
    client: AppClient, people: dict[Role, Person]
) -> None:
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    cohort = await new_cohort(operator, client)
    add = f"/cohorts/{cohort['id']}/sessions"

    # a night class across midnight: Monday 22:00 to Tuesday 02:00 in Seoul
    night = await operator.post(
        add,
        {"day": "2020-10-12", "start": "22:00", "end": "02:00", "live": True, "title": "야간 특강"},
    )
    assert (night["starts_at"], night["ends_at"]) == (
        "2020-10-12T13:00:00Z",
        "2020-10-12T17:00:00Z",
    )
    assert (night["day"], night["start"], night["end"], night["overnight"]) == (
        "2020-10-12",
        "22:00",
        "02:00",
        True,
    )
    assert (night["minutes"], night["teaching_hours"], night["title"]) == (240, "4.00", "야간 특강")

    path = f"/class-sessions/{night['id']}"
    moved = await operator.patch(path, {"day": "2020-10-13", "end": "23:30", "live": False})
    assert (moved["starts_at"], moved["ends_at"]) == (
        "2020-10-13T13:00:00Z",
        "2020-10-13T14:30:00Z",
    )
    assert (moved["overnight"], moved["live"], moved["title"]) == (False, False, "야간 특강")
    # refused, and nothing changes: a day outside the cohort's, no length, unknown fields
    outside = await operator.patch(path, {"day": "2020-10-15"}, 422)
    assert outside["errors"][0]["loc"] == ["day"]
    await operator.post(add, {"day": "2020-10-07", "start": "09:00", "end": "12:00"}, 422)
    empty = await operator.patch(path, {"start": "23:30"}, 422)
    assert "same time" in empty["detail"]
    await operator.patch(path, {"room": "A"}, 422)
    await operator.post(add, {"day": "2020-10-12", "start": "25:00", "end": "12:00"}, 422)
    assert (await operator.get(f"/class-sessions/{night['id']}"))["starts_at"] == (
        "2020-10-13T13:00:00Z"
    )
    # the cohort's days cannot shrink past its sessions
    shrink = await operator.patch(f"/cohorts/{cohort['id']}", {"ends_on": "2020-10-12"}, 409)
    assert (shrink["type"], shrink["days"]) == ("/problems/sessions-outside-dates", ["2020-10-13"])

    # live and ended sessions are history: not edited, not deleted
    for state in ("live", "ended"):
        await set_state(client.app, night["id"], state)
        locked = await operator.patch(path, {"title": "바꿈"}, 409)
        assert (locked["type"], locked["state"]) == ("/problems/session-locked", state)
        await operator.call("DELETE", path, 409)
    detail = await operator.get(f"/cohorts/{cohort['id']}")
    assert [(s["title"], s["editable"]) for s in detail["sessions"]] == [("야간 특강", False)]

    # an open lobby is not yet a class: it may still move or go
    spare = await operator.post(add, {"day": "2020-10-14", "start": "09:00", "end": "12:00"})
    await set_state(client.app, spare["id"], "open")
    await operator.call("DELETE", f"/class-sessions/{spare['id']}", 204)
    await operator.get(f"/class-sessions/{spare['id']}", 404)
    await operator.call("DELETE", f"/class-sessions/{spare['id']}", 404)


async def test_staff_are_people_with_the_role_put_on_sessions(
    client: AppClient, people: dict[Role, Person], clock: ManualClock
) -> None:
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    lee = await add_person(client.app, "lee", [Role.INSTRUCTOR], clock, name="이도윤")
    cap = people[Role.CAPTIONER]
    cohort = await new_cohort(operator, client)
    generate = {"skip_public_holidays": False}
    sessions = (await operator.post(f"/cohorts/{cohort['id']}/sessions/generate", generate))[
        "created"
    ]
    first, last = sessions[0]["id"], sessions[-1]["id"]

    put = await operator.post(
        f"/class-sessions/{first}/staff", {"role": "captioner", "user_id": cap.id}
    )
    assert (put["user_id"], put["role"], put["name"]) == (cap.id, "captioner", "Captioner1")
    twice = await operator.post(
        f"/class-sessions/{first}/staff", {"role": "captioner", "user_id": cap.id}, 409
    )
    assert twice["type"] == "/problems/conflict"
    # a trainee is not an instructor; a captioner is not an assistant: refused, nothing added
    for role, person in (("instructor", people[Role.TRAINEE]), ("assistant", cap)):
        bad = await operator.post(
            f"/class-sessions/{first}/staff", {"role": role, "user_id": person.id}, 422
        )
        assert bad["errors"][0]["loc"] == ["user_id"]
    await operator.post(f"/class-sessions/{first}/staff", {"role": "instructor"}, 422)
    await operator.post(f"/class-sessions/{first}/staff", {"role": "boss", "user_id": lee.id}, 422)

    # an instructor from the registry: only one with a log-in can be put on a class
    registry = await operator.post(
        "/instructors", {"name": "이도윤", "grade": "1급", "user_id": lee.id}
    )
    outside = await operator.post("/instructors", {"name": "외부강사", "grade": "특급"})
    no_login = await operator.post(
        f"/cohorts/{cohort['id']}/staff",
        {"role": "instructor", "instructor_id": outside["id"]},
        422,
    )
    assert no_login["errors"][0]["loc"] == ["instructor_id"]
    # the whole cohort at once: every session not ended, none twice
    await set_state(client.app, last, "ended")
    await operator.post(
        f"/class-sessions/{sessions[1]['id']}/staff", {"role": "instructor", "user_id": lee.id}
    )
    everywhere = await operator.post(
        f"/cohorts/{cohort['id']}/staff", {"role": "instructor", "instructor_id": registry["id"]}
    )
    assert sorted(s["class_session_id"] for s in everywhere["assigned"]) == [
        s["id"] for s in sessions if s["id"] not in (sessions[1]["id"], last)
    ]
    assert everywhere["skipped"] == 2
    detail = await operator.get(f"/cohorts/{cohort['id']}")
    staff = {s["id"]: [(p["name"], p["role"]) for p in s["staff"]] for s in detail["sessions"]}
    assert staff[first] == [("Captioner1", "captioner"), ("이도윤", "instructor")]
    assert staff[last] == []
    # the fees see the instructor scheduled for the day's 7 hours
    teaching = await operator.get(f"/class-sessions/{first}/teaching")
    assert [(t["user_id"], t["scheduled_minutes"]) for t in teaching] == [(lee.id, 420)]

    # off again; not from an ended session, and not someone else's session's entry
    entry = put["id"]
    await operator.call("DELETE", f"/class-sessions/{last}/staff/{entry}", 404)
    await operator.call("DELETE", f"/class-sessions/{first}/staff/{entry}", 204)
    await operator.call("DELETE", f"/class-sessions/{first}/staff/{entry}", 404)
    ended = await operator.post(
        f"/class-sessions/{last}/staff", {"role": "captioner", "user_id": cap.id}, 409
    )
    assert ended["type"] == "/problems/session-locked"
    admin = await Caller.of(client, people[Role.ADMIN].login)
    log = await admin.get("/audit", entity="session_staff", entity_id=str(entry))
    assert [e["action"] for e in log["items"]] == ["create", "delete"]


async def test_who_reads_and_who_writes_a_cohort(
    client: AppClient, people: dict[Role, Person], clock: ManualClock
) -> None:
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    teacher, trainee = people[Role.INSTRUCTOR], people[Role.TRAINEE]
    other_teacher = await add_person(client.app, "jung", [Role.INSTRUCTOR], clock)
    taught = await new_cohort(operator, client)
    elsewhere = await new_cohort(operator, client)
    session = await operator.post(
        f"/cohorts/{taught['id']}/sessions", {"day": "2020-10-08", "start": "09:00", "end": "12:00"}
    )
    await operator.post(
        f"/class-sessions/{session['id']}/staff", {"role": "instructor", "user_id": teacher.id}
    )
    await enrol(client.app, taught["id"], trainee.id, EnrolmentStatus.APPROVED)

    instructor = await Caller.of(client, teacher.login)
    mine = await query(instructor, "/cohorts", {"mine": "true"})
    assert [c["id"] for c in mine["items"]] == [taught["id"]]
    everyone = await instructor.get("/cohorts")  # the basic facts are anyone's
    assert {c["id"] for c in everyone["items"]} == {taught["id"], elsewhere["id"]}
    seen = await instructor.get(f"/cohorts/{taught['id']}")
    assert seen["sessions"][0]["staff"][0]["user_id"] == teacher.id
    refused = await instructor.get(f"/cohorts/{elsewhere['id']}", 403)
    assert refused["type"] == "/problems/forbidden"
    await instructor.get("/cohorts/999999", 404)
    stranger = await Caller.of(client, other_teacher.login)
    await stranger.get(f"/cohorts/{taught['id']}", 403)
    assert (await query(stranger, "/cohorts", {"mine": "true"}))["items"] == []

    learner = await Caller.of(client, trainee.login)
    assert (await learner.get(f"/cohorts/{taught['id']}"))["id"] == taught["id"]
    await learner.get(f"/cohorts/{elsewhere['id']}", 403)
    # only the training staff write
    for caller in (instructor, learner):
        await caller.patch(f"/cohorts/{taught['id']}", {"capacity": 99}, 403)
        await caller.post(f"/cohorts/{taught['id']}/status", {"status": "open"}, 403)
        await caller.post(f"/cohorts/{taught['id']}/sessions/generate", {}, 403)
        await caller.call("DELETE", f"/class-sessions/{session['id']}", 403)
    admin = await Caller.of(client, people[Role.ADMIN].login)
    opened = await admin.post(f"/cohorts/{taught['id']}/status", {"status": "open"}, 200)
    assert (opened["status"], opened["capacity"]) == ("open", 20)
