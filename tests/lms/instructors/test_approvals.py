"""Selection-committee approvals (강사선정심의회) and the council's comparison of approved
instructors with those who actually taught, per course and year, against hand-made rows."""

from __future__ import annotations

from server.core.auth.roles import Role
from tests.conftest import AppClient, Person
from tests.lms.instructors.helpers import Caller, add_session, kst, make_course

STANDARD = {
    "effective_from": "2020-01-01",
    "title": "강사료 지급기준",
    "rates": [
        {"grade": "1급", "first_hour_won": 300_000, "further_hour_won": 200_000},
        {"grade": "특급", "first_hour_won": 400_000, "further_hour_won": 300_000},
    ],
}


async def test_approved_against_taught_per_course_and_year(
    client: AppClient, people: dict[Role, Person]
) -> None:
    app = client.app
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    teacher, stranger = people[Role.INSTRUCTOR].id, people[Role.ASSISTANT].id
    park = await operator.post(
        "/instructors", {"name": "박소연", "grade": "1급", "user_id": teacher}
    )
    choi = await operator.post("/instructors", {"name": "최미경", "grade": "특급"})
    lee = await operator.post("/instructors", {"name": "이준호", "grade": "2급"})
    kim = await operator.post("/instructors", {"name": "김정훈", "grade": "내부", "internal": True})
    writing = await make_course(app, code="2020-A", title="보고서 작성")
    leading = await make_course(app, code="2020-B", title="리더십")
    next_year = await make_course(app, year=2021, code="2021-A", title="보고서 작성")
    february = await operator.post(
        "/selection-meetings",
        {
            "held_on": "2020-02-10",
            "title": "2020년 제1차 강사선정심의회",
            "approvals": [
                {"instructor_id": park["id"], "course_id": writing.course_id, "grade": "특급"},
                {"instructor_id": choi["id"], "course_id": writing.course_id, "grade": "특급"},
                {"instructor_id": lee["id"], "course_id": leading.course_id, "grade": "2급"},
            ],
        },
    )
    assert len(february["approvals"]) == 3
    await operator.post(
        "/selection-meetings",
        {
            "held_on": "2020-06-01",
            "title": "2020년 제2차 강사선정심의회",
            "approvals": [
                {"instructor_id": park["id"], "course_id": leading.course_id, "grade": "1급"},
                {"instructor_id": kim["id"], "course_id": next_year.course_id, "grade": "내부"},
            ],
        },
    )

    await add_session(app, writing, kst(2020, 3, 2, 10), minutes=180, instructors=(teacher,))
    await add_session(app, writing, kst(2020, 4, 1, 10), minutes=120, instructors=(teacher,))
    await add_session(app, writing, kst(2020, 5, 1, 10), minutes=60, instructors=(stranger,))
    missed = await add_session(
        app, leading, kst(2020, 7, 1, 10), minutes=120, instructors=(teacher,)
    )
    path = f"/class-sessions/{missed}/teaching-corrections"
    await operator.post(path, {"instructor_id": park["id"], "minutes": 0, "reason": "강사 결강"})
    await operator.post(path, {"instructor_id": kim["id"], "minutes": 120, "reason": "대체 강사"})
    await add_session(app, leading, kst(2020, 10, 5, 10), minutes=120, instructors=(teacher,))

    report = await operator.get(
        "/reports/instructors/approved-vs-taught", year="2020", as_of="2020-09-30"
    )
    rows = [
        (
            r["course_code"],
            r["instructor_name"],
            r["status"],
            r["approved_grade"],
            r["approved_on"],
            r["sessions_taught"],
            r["hours_taught"],
        )
        for r in report["rows"]
    ]
    stranger_name = people[Role.ASSISTANT].login.title()
    assert rows == [
        ("2020-A", "박소연", "approved_and_taught", "특급", "2020-02-10", 2, "5.00"),
        ("2020-A", "최미경", "approved_not_taught", "특급", "2020-02-10", 0, "0.00"),
        ("2020-A", stranger_name, "taught_without_approval", None, None, 1, "1.00"),
        ("2020-B", "박소연", "approved_not_taught", "1급", "2020-06-01", 0, "0.00"),
        ("2020-B", "이준호", "approved_not_taught", "2급", "2020-02-10", 0, "0.00"),
        ("2020-B", "김정훈", "taught_without_approval", None, None, 1, "2.00"),
    ]
    assert report["totals"] == {
        "approved_and_taught": 1,
        "approved_not_taught": 3,
        "taught_without_approval": 2,
    }
    assert report["rows"][2]["instructor_id"] is None
    assert report["rows"][2]["user_id"] == stranger

    later = await operator.get(
        "/reports/instructors/approved-vs-taught", year="2020", as_of="2020-10-31"
    )
    assert later["totals"] == {
        "approved_and_taught": 2,
        "approved_not_taught": 2,
        "taught_without_approval": 2,
    }
    park_b = [
        r
        for r in later["rows"]
        if r["course_code"] == "2020-B" and r["instructor_id"] == park["id"]
    ]
    assert [(r["status"], r["sessions_taught"], r["hours_taught"]) for r in park_b] == [
        ("approved_and_taught", 1, "2.00")
    ]
    the_next = await operator.get(
        "/reports/instructors/approved-vs-taught", year="2021", as_of="2021-12-31"
    )
    assert [(r["instructor_name"], r["status"]) for r in the_next["rows"]] == [
        ("김정훈", "approved_not_taught")
    ]

    await operator.post("/fee-standards", STANDARD)
    fees = await operator.get("/instructor-fees", date_from="2020-03-02", date_to="2020-03-02")
    assert [(f["grade"], f["amount_won"]) for f in fees["items"]] == [("특급", 1_000_000)]
    fees = await operator.get("/instructor-fees", date_from="2020-10-05", date_to="2020-10-05")
    assert [(f["grade"], f["amount_won"]) for f in fees["items"]] == [("1급", 500_000)]
    meetings = await operator.get("/selection-meetings", year="2020")
    assert [m["held_on"] for m in meetings] == ["2020-02-10", "2020-06-01"]
    assert await operator.get("/selection-meetings", year="2019") == []


async def test_only_operators_and_admins_see_approvals_and_the_comparison(
    client: AppClient, people: dict[Role, Person]
) -> None:
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    park = await operator.post(
        "/instructors", {"name": "박소연", "grade": "1급", "user_id": people[Role.INSTRUCTOR].id}
    )
    course = await make_course(client.app)
    meeting = {
        "held_on": "2020-02-10",
        "title": "심의회",
        "approvals": [{"instructor_id": park["id"], "course_id": course.course_id, "grade": "1급"}],
    }
    admin = await Caller.of(client, people[Role.ADMIN].login)
    await admin.post("/selection-meetings", meeting)
    report = await admin.get("/reports/instructors/approved-vs-taught", year="2020")
    assert report["totals"]["approved_not_taught"] == 1
    assert report["as_of"] == "2020-10-05"  # the app clock's day in Seoul
    for role in (Role.INSTRUCTOR, Role.TRAINEE, Role.ASSISTANT, Role.CAPTIONER):
        caller = await Caller.of(client, people[role].login)
        await caller.post("/selection-meetings", meeting, 403)
        await caller.get("/selection-meetings", 403)
        await caller.get("/reports/instructors/approved-vs-taught", 403, year="2020")


async def test_a_bad_meeting_is_refused_whole(
    client: AppClient, people: dict[Role, Person]
) -> None:
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    park = await operator.post("/instructors", {"name": "박소연", "grade": "1급"})
    course = await make_course(client.app)
    good = {"instructor_id": park["id"], "course_id": course.course_id, "grade": "1급"}
    unknown_course = dict(good, course_id=999_999)
    unknown_person = dict(good, instructor_id=999_999)
    base = {"held_on": "2020-02-10", "title": "심의회"}
    await operator.post("/selection-meetings", dict(base, approvals=[good, unknown_course]), 404)
    await operator.post("/selection-meetings", dict(base, approvals=[good, unknown_person]), 404)
    await operator.post("/selection-meetings", dict(base, approvals=[good, good]), 422)
    await operator.post("/selection-meetings", dict(base, approvals=[]), 422)
    await operator.get("/reports/instructors/approved-vs-taught", 422)
    assert await operator.get("/selection-meetings") == []
