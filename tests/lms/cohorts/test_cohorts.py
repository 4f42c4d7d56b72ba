"""Cohorts over HTTP: operators create and edit them (number unique per course, days in
order, capacity at least one and not below the seats taken), move them through their statuses
(illegal moves are a 409 that names the allowed ones), list them by year, course and status a
page at a time with their seat counts; bad input changes nothing; every write is audited."""

from __future__ import annotations

from typing import Any

from server.core.auth.roles import Role
from server.lms.models import EnrolmentStatus
from tests.conftest import AppClient, Person
from tests.lms.cohorts.helpers import enrol, make_course, query
from tests.lms.instructors.helpers import Caller

OCTOBER = {"starts_on": "2020-10-05", "ends_on": "2020-10-09", "capacity": 30}


async def test_operators_create_cohorts_numbered_per_course(
    client: AppClient, people: dict[Role, Person]
) -> None:
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    course = await make_course(client.app, title="보고서 작성 실습")
    other = await make_course(client.app, title="민원 응대")

    first = await operator.post("/cohorts", {"course_id": course, **OCTOBER})
    assert (first["number"], first["name"], first["status"]) == (1, "1기", "planned")
    assert first["course"]["title"] == "보고서 작성 실습"
    assert first["next_statuses"] == ["open", "cancelled"]
    assert first["sessions"] == []
    assert first["counts"]["enrolled"] == 0
    assert first["counts"]["seats_left"] == 30
    second = await operator.post("/cohorts", {"course_id": course, "name": "2기 (야간)", **OCTOBER})
    assert (second["number"], second["name"]) == (2, "2기 (야간)")
    # another course numbers its own cohorts
    assert (await operator.post("/cohorts", {"course_id": other, **OCTOBER}))["number"] == 1

    taken = await operator.post("/cohorts", {"course_id": course, "number": 2, **OCTOBER}, 409)
    assert taken["type"] == "/problems/cohort-number-taken"
    assert taken["cohort_id"] == second["id"]
    backwards = dict(OCTOBER, starts_on="2020-10-10")
    bad = await operator.post("/cohorts", {"course_id": course, **backwards}, 422)
    assert "starts_on is after ends_on" in bad["errors"][0]["msg"]
    for capacity in (0, -5, "many"):
        bad = await operator.post(
            "/cohorts", {"course_id": course, **OCTOBER, "capacity": capacity}, 422
        )
        assert bad["errors"][0]["loc"] == ["capacity"]
    await operator.post("/cohorts", {"course_id": 999_999, **OCTOBER}, 404)
    listed = await operator.get("/cohorts", course_id=str(course))
    assert [c["number"] for c in listed["items"]] == [1, 2]  # nothing refused was made

    admin = await Caller.of(client, people[Role.ADMIN].login)
    log = await admin.get("/audit", entity="cohorts", entity_id=str(first["id"]))
    assert [e["action"] for e in log["items"]] == ["create"]
    assert log["items"][0]["actor_id"] == people[Role.OPERATOR].id


async def test_edits_keep_dates_capacity_and_numbers_consistent(
    client: AppClient, people: dict[Role, Person]
) -> None:
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    course = await make_course(client.app)
    one = await operator.post("/cohorts", {"course_id": course, **OCTOBER})
    two = await operator.post("/cohorts", {"course_id": course, **OCTOBER})
    path = f"/cohorts/{one['id']}"

    changed = await operator.patch(
        path, {"name": "1기 (변경)", "capacity": 2, "ends_on": "2020-10-16"}
    )
    assert (changed["name"], changed["capacity"], changed["ends_on"]) == (
        "1기 (변경)",
        2,
        "2020-10-16",
    )
    # a start after the stored end, a cleared field, a number taken: refused, nothing changes
    bad = await operator.patch(path, {"starts_on": "2020-10-20"}, 422)
    assert bad["errors"][0]["loc"] == ["starts_on"]
    bad = await operator.patch(path, {"capacity": None}, 422)
    assert "cannot be cleared" in bad["errors"][0]["msg"]
    taken = await operator.patch(path, {"number": two["number"], "name": "x"}, 409)
    assert taken["type"] == "/problems/cohort-number-taken"
    # seats taken: two approved (a waitlisted and a cancelled one hold none)
    for role, status in (
        (Role.TRAINEE, EnrolmentStatus.APPROVED),
        (Role.ELEARNING, EnrolmentStatus.COMPLETED),
        (Role.CAPTIONER, EnrolmentStatus.WAITLISTED),
        (Role.ASSISTANT, EnrolmentStatus.CANCELLED),
    ):
        await enrol(client.app, one["id"], people[role].id, status)
    below = await operator.patch(path, {"capacity": 1}, 409)
    assert below["type"] == "/problems/capacity-below-enrolled"
    assert below["enrolled"] == 2
    detail = await operator.get(path)
    assert (detail["name"], detail["capacity"], detail["number"]) == ("1기 (변경)", 2, 1)
    assert detail["starts_on"] == "2020-10-05"
    counts = detail["counts"]
    assert (
        counts["approved"],
        counts["completed"],
        counts["waitlisted"],
        counts["cancelled"],
        counts["applied"],
    ) == (1, 1, 1, 1, 0)
    assert (counts["enrolled"], counts["seats_left"]) == (2, 0)
    listed = await operator.get("/cohorts", course_id=str(course))
    assert [(c["enrolled"], c["capacity"]) for c in listed["items"]] == [(2, 2), (0, 30)]


async def test_status_moves_one_way_and_closed_cohorts_stay_as_they_are(
    client: AppClient, people: dict[Role, Person]
) -> None:
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    course = await make_course(client.app)
    cohort = await operator.post("/cohorts", {"course_id": course, **OCTOBER})
    status = f"/cohorts/{cohort['id']}/status"

    skipped = await operator.post(status, {"status": "running"}, 409)
    assert skipped["type"] == "/problems/cohort-status"
    assert (skipped["current"], skipped["allowed"]) == ("planned", ["open", "cancelled"])
    same = await operator.post(status, {"status": "planned"}, 409)
    assert same["type"] == "/problems/cohort-status"
    await operator.post(status, {"status": "nonsense"}, 422)
    for step, allowed_next in (
        ("open", ["running", "cancelled"]),
        ("running", ["finished", "cancelled"]),
        ("finished", []),
    ):
        moved = await operator.post(status, {"status": step}, 200)
        assert (moved["status"], moved["next_statuses"]) == (step, allowed_next)
    assert moved["closed"] is True
    late = await operator.post(status, {"status": "cancelled"}, 409)
    assert late["allowed"] == []
    closed = await operator.patch(f"/cohorts/{cohort['id']}", {"capacity": 40}, 409)
    assert closed["type"] == "/problems/cohort-closed"
    gen = await operator.post(f"/cohorts/{cohort['id']}/sessions/generate", {}, 409)
    assert gen["type"] == "/problems/cohort-closed"
    assert (await operator.get(f"/cohorts/{cohort['id']}"))["capacity"] == 30

    # cancelled from planned, open or running, and then closed too
    for before in ([], ["open"], ["open", "running"]):
        other = await operator.post("/cohorts", {"course_id": course, **OCTOBER})
        for step in before:
            await operator.post(f"/cohorts/{other['id']}/status", {"status": step}, 200)
        cancelled = await operator.post(
            f"/cohorts/{other['id']}/status", {"status": "cancelled"}, 200
        )
        assert (cancelled["status"], cancelled["closed"]) == ("cancelled", True)
        await operator.post(f"/cohorts/{other['id']}/status", {"status": "open"}, 409)

    admin = await Caller.of(client, people[Role.ADMIN].login)
    log = await admin.get("/audit", entity="cohorts", entity_id=str(cohort["id"]))
    changes = [
        (e["before"]["status"], e["after"]["status"])
        for e in log["items"]
        if e["action"] == "update"
    ]
    assert changes == [("planned", "open"), ("open", "running"), ("running", "finished")]


async def test_lists_filter_by_year_course_and_status_a_page_at_a_time(
    client: AppClient, people: dict[Role, Person]
) -> None:
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    a2020 = await make_course(client.app, year=2020, title="가 과정", code="2020-A")
    b2020 = await make_course(client.app, year=2020, title="나 과정", code="2020-B")
    a2021 = await make_course(client.app, year=2021, title="다 과정", code="2021-A")
    made = []
    for course in (a2020, a2020, b2020, a2021):
        made.append(await operator.post("/cohorts", {"course_id": course, **OCTOBER}))
    await operator.post(f"/cohorts/{made[1]['id']}/status", {"status": "open"}, 200)

    def ids(page: dict[str, Any]) -> list[int]:
        return [c["id"] for c in page["items"]]

    assert ids(await operator.get("/cohorts", year="2020")) == [c["id"] for c in made[:3]]
    assert ids(await operator.get("/cohorts", year="2021")) == [made[3]["id"]]
    assert ids(await operator.get("/cohorts", course_id=str(b2020))) == [made[2]["id"]]
    assert ids(await query(operator, "/cohorts", {"status": "open"})) == [made[1]["id"]]
    assert ids(await query(operator, "/cohorts", {"year": "2020", "status": "planned"})) == [
        made[0]["id"],
        made[2]["id"],
    ]
    first = (await operator.get("/cohorts", year="2020"))["items"][0]
    assert (first["course_code"], first["course_title"], first["year"]) == (
        "2020-A",
        "가 과정",
        2020,
    )
    seen, cursor = [], None
    while True:
        page = await operator.get("/cohorts", limit="1", **({"cursor": cursor} if cursor else {}))
        seen += ids(page)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [c["id"] for c in made]
    bad = await query(operator, "/cohorts", {"status": "dormant"}, 422)
    assert bad["errors"][0]["in"] == "query"
