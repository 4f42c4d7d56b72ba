"""Fee standards and fees owed over HTTP, against hand-computed figures.

Standard A (from 2020-01-01): 1급 300,000 won the first hour and 200,000 each further hour;
특급 400,000 / 300,000. Standard B (from 2020-10-01, the unified one): 1급 350,000 / 150,000;
특급 400,000 / 300,000 capped at 1,000,000 a session. Further hours are paid by the minute.
"""

from __future__ import annotations

from datetime import date

from server.core.auth.roles import Role
from tests.conftest import AppClient, Person
from tests.lms.instructors.helpers import Caller, add_session, kst, make_course

STANDARD_A = {
    "effective_from": "2020-01-01",
    "title": "강사료 지급기준 (2019)",
    "rates": [
        {"grade": "1급", "first_hour_won": 300_000, "further_hour_won": 200_000},
        {"grade": "특급", "first_hour_won": 400_000, "further_hour_won": 300_000},
    ],
}
STANDARD_B = {
    "effective_from": "2020-10-01",
    "title": "강사료 지급기준 (통일)",
    "basis": "청탁금지법 개정 취지 반영",
    "rates": [
        {"grade": "1급", "first_hour_won": 350_000, "further_hour_won": 150_000},
        {
            "grade": "특급",
            "first_hour_won": 400_000,
            "further_hour_won": 300_000,
            "cap_won": 1_000_000,
        },
    ],
}


async def test_the_fee_is_the_standard_in_force_on_the_seoul_teaching_day(
    client: AppClient, people: dict[Role, Person]
) -> None:
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    teacher = people[Role.INSTRUCTOR].id
    park = await operator.post(
        "/instructors", {"name": "박소연", "grade": "1급", "user_id": teacher}
    )
    choi = await operator.post("/instructors", {"name": "최미경", "grade": "특급"})
    a = await operator.post("/fee-standards", STANDARD_A)
    b = await operator.post("/fee-standards", STANDARD_B)
    run = await make_course(client.app)
    app = client.app
    day_before = await add_session(
        app, run, kst(2020, 9, 30, 10), minutes=180, instructors=(teacher,)
    )
    over_midnight = await add_session(
        app, run, kst(2020, 9, 30, 23), minutes=120, instructors=(teacher,)
    )
    after_midnight = await add_session(
        app, run, kst(2020, 10, 1, 0, 30), minutes=60, instructors=(teacher,)
    )
    on_the_day = await add_session(
        app, run, kst(2020, 10, 1, 10), minutes=180, instructors=(teacher,)
    )
    day_after = await add_session(
        app, run, kst(2020, 10, 2, 10), minutes=180, instructors=(teacher,)
    )
    long_day = await add_session(app, run, kst(2020, 10, 5, 9), minutes=480)
    unregistered = await add_session(
        app, run, kst(2020, 10, 6, 10), minutes=60, instructors=(people[Role.ASSISTANT].id,)
    )

    fix = await operator.post(
        f"/class-sessions/{day_after}/teaching-corrections",
        {"instructor_id": park["id"], "minutes": 90, "reason": "접속 장애로 90분만 강의"},
    )
    assert fix["recorded_by"] == people[Role.OPERATOR].id
    await operator.post(
        f"/class-sessions/{long_day}/teaching-corrections",
        {"instructor_id": choi["id"], "minutes": 420, "reason": "외부 강사(로그인 없음) 대리 강의"},
    )

    fees = await operator.get("/instructor-fees", date_from="2020-09-30", date_to="2020-10-06")
    got = [
        (
            f["class_session_id"],
            f["taught_on"],
            f["fee_standard_id"],
            f["grade"],
            f["minutes"],
            f["amount_won"],
        )
        for f in fees["items"]
    ]
    assert got == [
        (day_before, "2020-09-30", a["id"], "1급", 180, 700_000),  # 300,000 + 2 × 200,000
        (over_midnight, "2020-09-30", a["id"], "1급", 120, 500_000),  # the day it started
        (after_midnight, "2020-10-01", b["id"], "1급", 60, 350_000),  # 15:30 UTC on 30 Sep
        (on_the_day, "2020-10-01", b["id"], "1급", 180, 650_000),  # 350,000 + 2 × 150,000
        (day_after, "2020-10-02", b["id"], "1급", 90, 425_000),  # corrected: + 150,000 / 2
        (long_day, "2020-10-05", b["id"], "특급", 420, 1_000_000),  # 2,200,000 capped
        (unregistered, "2020-10-06", None, None, 60, None),
    ]
    assert fees["total_won"] == 3_625_000
    assert fees["rows_without_amount"] == 1
    assert fees["items"][-1]["no_fee"] == "not-registered"
    assert fees["items"][-1]["instructor_name"] == people[Role.ASSISTANT].login.title()
    assert fees["items"][4]["corrected"] is True
    assert fees["items"][4]["hours"] == "1.50"
    assert fees["items"][5]["cap_won"] == 1_000_000

    one_day = await operator.get("/instructor-fees", date_from="2020-10-01", date_to="2020-10-01")
    assert [f["class_session_id"] for f in one_day["items"]] == [after_midnight, on_the_day]
    assert one_day["total_won"] == 1_000_000


async def test_editing_a_standard_makes_a_new_version_and_keeps_the_old(
    client: AppClient, people: dict[Role, Person]
) -> None:
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    teacher = people[Role.INSTRUCTOR].id
    await operator.post("/instructors", {"name": "박소연", "grade": "1급", "user_id": teacher})
    a = await operator.post("/fee-standards", STANDARD_A)
    b1 = await operator.post("/fee-standards", STANDARD_B)
    run = await make_course(client.app)
    session_id = await add_session(
        client.app, run, kst(2020, 10, 1, 10), minutes=180, instructors=(teacher,)
    )
    before = await operator.get("/instructor-fees", date_from="2020-10-01", date_to="2020-10-01")
    assert before["items"][0]["amount_won"] == 650_000

    revised = dict(
        STANDARD_B, rates=[{"grade": "1급", "first_hour_won": 360_000, "further_hour_won": 150_000}]
    )
    b2 = await operator.post("/fee-standards", revised)
    assert (b2["effective_from"], b2["version"], b2["superseded"]) == ("2020-10-01", 2, False)
    after = await operator.get("/instructor-fees", date_from="2020-10-01", date_to="2020-10-01")
    assert after["items"][0]["class_session_id"] == session_id
    assert after["items"][0]["fee_standard_id"] == b2["id"]
    assert after["items"][0]["amount_won"] == 660_000  # 360,000 + 2 × 150,000

    versions = await operator.get("/fee-standards")
    assert [(s["id"], s["version"], s["superseded"]) for s in versions] == [
        (a["id"], 1, False),
        (b1["id"], 1, True),
        (b2["id"], 2, False),
    ]
    assert versions[1]["rates"] == b1["rates"]  # the old version is unchanged
    assert versions[1]["rates"][0]["first_hour_won"] == 350_000
    assert [s["id"] for s in await operator.get("/fee-standards", on="2020-09-30")] == [a["id"]]
    assert [s["id"] for s in await operator.get("/fee-standards", on="2020-10-01")] == [b2["id"]]
    assert await operator.get("/fee-standards", on="2019-12-31") == []
    for method in ("PATCH", "PUT", "DELETE"):
        response = await client.request(
            method, f"/api/v1/fee-standards/{b1['id']}", headers=operator.headers
        )
        assert response.status in (404, 405)
    instructor = await Caller.of(client, people[Role.INSTRUCTOR].login)
    assert len(await instructor.get("/fee-standards")) == 3
    await instructor.post("/fee-standards", revised, 403)
    trainee = await Caller.of(client, people[Role.TRAINEE].login)
    await trainee.get("/fee-standards", 403)


async def test_unknown_fees_are_shown_as_unknown_never_zero(
    client: AppClient, people: dict[Role, Person]
) -> None:
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    teacher = people[Role.INSTRUCTOR].id
    await operator.post("/instructors", {"name": "이준호", "grade": "3급", "user_id": teacher})
    run = await make_course(client.app)
    before_any = await add_session(
        client.app, run, kst(2019, 12, 31, 10), minutes=60, instructors=(teacher,)
    )
    none_yet = await operator.get("/instructor-fees", date_from="2019-12-31", date_to="2019-12-31")
    assert none_yet["items"][0]["class_session_id"] == before_any
    assert none_yet["items"][0]["amount_won"] is None
    assert none_yet["items"][0]["no_fee"] == "no-standard"
    assert none_yet["total_won"] is None
    await operator.post("/fee-standards", dict(STANDARD_A, effective_from="2019-01-01"))
    no_rate = await operator.get("/instructor-fees", date_from="2019-12-31", date_to="2019-12-31")
    assert no_rate["items"][0]["no_fee"] == "no-rate-for-grade"
    assert no_rate["items"][0]["grade"] == "3급"
    assert no_rate["total_won"] is None
    empty = await operator.get("/instructor-fees", date_from="2020-01-01", date_to="2020-01-31")
    assert empty == {"items": [], "total_won": None, "rows_without_amount": 0}


async def test_instructors_see_their_own_hours_and_fees_only(
    client: AppClient, people: dict[Role, Person]
) -> None:
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    teacher = people[Role.INSTRUCTOR].id
    park = await operator.post(
        "/instructors", {"name": "박소연", "grade": "1급", "user_id": teacher}
    )
    choi = await operator.post("/instructors", {"name": "최미경", "grade": "특급"})
    await operator.post("/fee-standards", STANDARD_A)
    run = await make_course(client.app)
    mine = await add_session(
        client.app, run, kst(2020, 3, 2, 10), minutes=120, instructors=(teacher,)
    )
    theirs = await add_session(client.app, run, kst(2020, 3, 3, 10), minutes=60)
    await operator.post(
        f"/class-sessions/{theirs}/teaching-corrections",
        {"instructor_id": choi["id"], "minutes": 60, "reason": "대리 강의"},
    )

    instructor = await Caller.of(client, people[Role.INSTRUCTOR].login)
    own = await instructor.get("/instructor-fees", date_from="2020-03-01", date_to="2020-03-31")
    assert [(f["instructor_id"], f["amount_won"]) for f in own["items"]] == [(park["id"], 500_000)]
    assert own["total_won"] == 500_000
    await instructor.get(
        "/instructor-fees",
        403,
        date_from="2020-03-01",
        date_to="2020-03-31",
        instructor_id=str(choi["id"]),
    )
    hours = await instructor.get(f"/class-sessions/{mine}/teaching")
    assert [
        (h["instructor_id"], h["scheduled_minutes"], h["minutes"], h["hours"]) for h in hours
    ] == [(park["id"], 120, 120, "2.00")]
    await instructor.get(f"/class-sessions/{theirs}/teaching", 404)
    await instructor.post(
        f"/class-sessions/{mine}/teaching-corrections",
        {"instructor_id": park["id"], "minutes": 600, "reason": "더 했음"},
        403,
    )
    everyone = await operator.get("/instructor-fees", date_from="2020-03-01", date_to="2020-03-31")
    assert everyone["total_won"] == 900_000  # 500,000 + choi's first hour at 특급 400,000
    only_choi = await operator.get(
        "/instructor-fees",
        date_from="2020-03-01",
        date_to="2020-03-31",
        instructor_id=str(choi["id"]),
    )
    assert [f["class_session_id"] for f in only_choi["items"]] == [theirs]
    other_course = await operator.get(
        "/instructor-fees", date_from="2020-03-01", date_to="2020-03-31", course_id="999999"
    )
    assert other_course["items"] == []
    their_hours = await operator.get(f"/class-sessions/{theirs}/teaching")
    assert their_hours[0]["scheduled_minutes"] is None  # not on the staff: taught by the entry
    assert their_hours[0]["correction"]["reason"] == "대리 강의"
    for role in (Role.TRAINEE, Role.ASSISTANT, Role.CAPTIONER):
        caller = await Caller.of(client, people[role].login)
        await caller.get("/instructor-fees", 403, date_from="2020-03-01", date_to="2020-03-31")
        await caller.get(f"/class-sessions/{mine}/teaching", 403)
    assert date(2020, 3, 2).isoformat() == own["items"][0]["taught_on"]


async def test_bad_corrections_and_queries_change_nothing(
    client: AppClient, people: dict[Role, Person]
) -> None:
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    teacher = people[Role.INSTRUCTOR].id
    park = await operator.post(
        "/instructors", {"name": "박소연", "grade": "1급", "user_id": teacher}
    )
    run = await make_course(client.app)
    session_id = await add_session(
        client.app, run, kst(2020, 3, 2, 10), minutes=120, instructors=(teacher,)
    )
    path = f"/class-sessions/{session_id}/teaching-corrections"
    await operator.post(path, {"instructor_id": park["id"], "minutes": -1, "reason": "x"}, 422)
    await operator.post(path, {"instructor_id": park["id"], "minutes": 60, "reason": ""}, 422)
    await operator.post(path, {"instructor_id": 999_999, "minutes": 60, "reason": "x"}, 404)
    await operator.post(
        "/class-sessions/999999/teaching-corrections",
        {"instructor_id": park["id"], "minutes": 60, "reason": "x"},
        404,
    )
    hours = await operator.get(f"/class-sessions/{session_id}/teaching")
    assert [(h["minutes"], h["correction"]) for h in hours] == [(120, None)]
    await operator.get("/instructor-fees", 422, date_from="2020-03-02", date_to="2020-03-01")
    await operator.get("/instructor-fees", 422, date_from="2020-01-01", date_to="2021-06-01")
    await operator.post("/fee-standards", dict(STANDARD_A, rates=[]), 422)
    dup = [STANDARD_A["rates"][0], STANDARD_A["rates"][0]]
    await operator.post("/fee-standards", dict(STANDARD_A, rates=dup), 422)
    negative = [{"grade": "1급", "first_hour_won": -1, "further_hour_won": 0}]
    await operator.post("/fee-standards", dict(STANDARD_A, rates=negative), 422)
    assert await operator.get("/fee-standards") == []


async def test_cancelled_runs_owe_nothing_and_coming_sessions_say_so(
    client: AppClient, people: dict[Role, Person]
) -> None:
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    teacher = people[Role.INSTRUCTOR].id
    await operator.post("/instructors", {"name": "박소연", "grade": "1급", "user_id": teacher})
    await operator.post("/fee-standards", STANDARD_A)
    running = await make_course(client.app)
    cancelled = await make_course(client.app, status="cancelled")
    taught = await add_session(
        client.app, running, kst(2020, 3, 2, 10), minutes=60, instructors=(teacher,)
    )
    coming = await add_session(
        client.app, running, kst(2020, 3, 9, 10), minutes=60, instructors=(teacher,),
        state="scheduled",
    )  # fmt: skip
    await add_session(
        client.app, cancelled, kst(2020, 3, 3, 10), minutes=60, instructors=(teacher,)
    )
    fees = await operator.get("/instructor-fees", date_from="2020-03-01", date_to="2020-03-31")
    assert [(f["class_session_id"], f["session_state"]) for f in fees["items"]] == [
        (taught, "ended"),
        (coming, "scheduled"),
    ]
    assert fees["total_won"] == 600_000
