"""The catalog's API: courses are created and edited by operators and admins, every plan change
carries a reason and lands in the course's plan history (who, when, before → after), bad input
is a problem that changes nothing, trainees and instructors only read, and a plan changed after
a plan-versus-actual report was frozen is named by the report's diff."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Executable, delete, select, update

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.lms.catalog.models import PlanRevision, PlanRevisionImmutable
from tests.conftest import AppClient, Person, add_person
from tests.lms.catalog.helpers import Caller, course_body, make_tree, snapshot
from tests.reports import catalog as report_catalog


async def test_an_operator_adds_a_course_and_its_plan_history_says_who_when_and_why(
    client: AppClient, clock: ManualClock
) -> None:
    await add_person(client.app, "hong", [Role.OPERATOR], clock, name="홍길동")
    await add_person(client.app, "jang", [Role.ADMIN], clock, name="장관리")
    tree = await make_tree(client.app)
    hong = await Caller.of(client, "hong")
    jang = await Caller.of(client, "jang")

    course = await hong.ok("POST", "/courses", course_body(tree), status=201)
    assert course["plans"] == []
    path = f"/courses/{course['id']}/plans"
    planned_at = clock.now()
    first = await hong.ok("PUT", f"{path}/original",
                          {"runs": 3, "people": 90, "reason": "연간 교육계획 수립"})  # fmt: skip
    assert first["before"] is None
    assert first["after"] == {"offered": True, "runs": 3, "people": 90}
    clock.advance(3600)
    await hong.ok("PUT", f"{path}/revised", {"runs": 3, "people": 90, "reason": "당초와 같음"})
    clock.advance(86400)
    changed_at = clock.now()
    why = "코로나19로 실시간 원격 전환, 인원 축소"
    await jang.ok("PUT", f"{path}/revised", {"runs": 2, "people": 60, "reason": why})

    history = await hong.ok("GET", f"/courses/{course['id']}/plan-revisions")
    assert [(h["version"], h["author_name"], h["reason"]) for h in history] == [
        ("revised", "장관리", "코로나19로 실시간 원격 전환, 인원 축소"),
        ("revised", "홍길동", "당초와 같음"),
        ("original", "홍길동", "연간 교육계획 수립"),
    ]
    newest = history[0]
    assert newest["before"] == {"offered": True, "runs": 3, "people": 90}
    assert newest["after"] == {"offered": True, "runs": 2, "people": 60}
    assert datetime.fromisoformat(newest["at"]) == changed_at
    assert datetime.fromisoformat(history[-1]["at"]) == planned_at
    assert history[1]["before"] is None  # the revised plan's first setting

    now = await hong.ok("GET", f"/courses/{course['id']}")
    assert {p["version"]: (p["runs"], p["people"]) for p in now["plans"]} == {
        "original": (3, 90), "revised": (2, 60),
    }  # fmt: skip

    year = await hong.ok("GET", "/catalog/years/2021")
    [area] = [a for a in year["areas"] if a["id"] == tree.area_id]
    [core] = [s for s in area["sub_areas"] if s["id"] == tree.core_id]
    [listed] = core["courses"]
    assert (listed["code"], listed["revisions"]) == ("2021-C-core-01", 3)
    assert {p["version"]: p["people"] for p in listed["plans"]} == {"original": 90, "revised": 60}
    assert all(not s["courses"] for a in year["areas"] for s in a["sub_areas"]
               if s["id"] != tree.core_id)  # fmt: skip
    assert 2021 in (await hong.ok("GET", "/catalog/years"))["years"]


async def test_an_always_open_course_plans_no_runs_and_a_dropped_course_none(
    client: AppClient, clock: ManualClock
) -> None:
    await add_person(client.app, "hong", [Role.OPERATOR], clock)
    tree = await make_tree(client.app)
    hong = await Caller.of(client, "hong")
    elearning = await hong.ok("POST", "/courses", course_body(
        tree, code="2021-E-it-01", sub_area_id=tree.it_id, track="elearning",
        delivery_mode="elearning", always_open=True,
    ), status=201)  # fmt: skip
    saved = await hong.ok("PUT", f"/courses/{elearning['id']}/plans/original",
                          {"runs": None, "people": 500, "reason": "상시 과정"})  # fmt: skip
    assert saved["after"] == {"offered": True, "runs": None, "people": 500}

    classroom = await hong.ok("POST", "/courses", course_body(tree), status=201)
    path = f"/courses/{classroom['id']}/plans"
    await hong.ok("PUT", f"{path}/original", {"runs": 2, "people": 40, "reason": "계획"})
    none = {"offered": False, "runs": 0, "people": 0}
    dropped = await hong.ok("PUT", f"{path}/revised", {**none, "reason": "폐지"})
    assert dropped["after"] == {"offered": False, "runs": 0, "people": 0}


BAD_PLANS = [
    ({"runs": 0, "people": 30, "reason": "영 회"}, "runs"),
    ({"runs": None, "people": 30, "reason": "상시 아님"}, "runs"),
    ({"runs": 2, "people": -1, "reason": "음수"}, "people"),
    ({"runs": 2, "people": 30, "reason": ""}, "reason"),
    ({"runs": 2, "people": 30, "reason": "   "}, "reason"),
    ({"runs": 2, "people": 30}, "reason"),
    ({"offered": False, "runs": 2, "people": 0, "reason": "폐지인데 회차"}, "runs"),
    ({"offered": False, "runs": 0, "people": 30, "reason": "폐지인데 인원"}, "people"),
    ({"runs": 2, "people": 30, "reason": "x", "author_id": 1}, "author_id"),
]


@pytest.mark.parametrize(("body", "field"), BAD_PLANS)
async def test_bad_plan_figures_are_422_problems_and_change_nothing(
    client: AppClient, clock: ManualClock, body: dict[str, Any], field: str
) -> None:
    await add_person(client.app, "hong", [Role.OPERATOR], clock)
    tree = await make_tree(client.app)
    hong = await Caller.of(client, "hong")
    course = await hong.ok("POST", "/courses", course_body(tree), status=201)
    path = f"/courses/{course['id']}/plans"
    await hong.ok("PUT", f"{path}/revised", {"runs": 3, "people": 90, "reason": "계획"})
    before = await snapshot(client.app)

    problem = await hong.problem("PUT", f"{path}/revised", body, 422)
    assert problem["type"] == "/problems/validation-error"
    assert any(field in e["loc"] for e in problem["errors"]), problem
    assert await snapshot(client.app) == before


async def test_a_plan_change_that_changes_nothing_or_names_no_course_is_refused(
    client: AppClient, clock: ManualClock
) -> None:
    await add_person(client.app, "hong", [Role.OPERATOR], clock)
    tree = await make_tree(client.app)
    hong = await Caller.of(client, "hong")
    course = await hong.ok("POST", "/courses", course_body(tree), status=201)
    path = f"/courses/{course['id']}/plans"
    await hong.ok("PUT", f"{path}/revised", {"runs": 3, "people": 90, "reason": "계획"})
    before = await snapshot(client.app)
    same = await hong.problem("PUT", f"{path}/revised",
                              {"runs": 3, "people": 90, "reason": "또"}, 409)  # fmt: skip
    assert same["type"] == "/problems/conflict"
    await hong.problem("PUT", f"/courses/{course['id']}/plans/actual",
                       {"runs": 1, "people": 1, "reason": "없는 판"}, 404)  # fmt: skip
    await hong.problem("PUT", f"/courses/{course['id'] + 999}/plans/revised",
                       {"runs": 1, "people": 1, "reason": "없는 과정"}, 404)  # fmt: skip
    assert await snapshot(client.app) == before


async def test_unknown_sub_areas_and_taken_codes_are_problems_that_change_nothing(
    client: AppClient, clock: ManualClock
) -> None:
    await add_person(client.app, "hong", [Role.OPERATOR], clock)
    tree = await make_tree(client.app)
    hong = await Caller.of(client, "hong")
    course = await hong.ok("POST", "/courses", course_body(tree), status=201)
    other = await hong.ok("POST", "/courses", course_body(tree, code="2021-C-core-02"), status=201)
    before = await snapshot(client.app)

    nowhere = course_body(tree, code="2021-X", sub_area_id=999_999)
    unknown = await hong.problem("POST", "/courses", nowhere, 422)
    assert unknown["type"] == "/problems/validation-error"
    assert unknown["errors"][0]["loc"] == ["sub_area_id"]
    taken = await hong.problem("POST", "/courses", course_body(tree, title="다른 과정"), 409)
    assert taken["type"] == "/problems/conflict"
    assert taken["code"] == "2021-C-core-01"
    await hong.problem("POST", "/courses", course_body(tree, code="빈 칸 있음"), 422)
    await hong.problem("POST", "/courses", course_body(tree, hours_per_day=0), 422)
    await hong.problem("POST", "/courses", course_body(tree, delivery_mode="carrier_pigeon"), 422)

    edit = f"/courses/{other['id']}"
    await hong.problem("PATCH", edit, {"code": course["code"], "title": "바뀌면 안 됨"}, 409)
    await hong.problem("PATCH", edit, {"sub_area_id": 999_999, "title": "바뀌면 안 됨"}, 422)
    await hong.problem("PATCH", edit, {"title": None}, 422)
    await hong.problem("PATCH", edit, {"year": 2022}, 422)  # the year is not descriptive
    assert await snapshot(client.app) == before


async def test_an_operator_edits_a_courses_descriptive_fields(
    client: AppClient, clock: ManualClock
) -> None:
    await add_person(client.app, "hong", [Role.OPERATOR], clock)
    tree = await make_tree(client.app)
    hong = await Caller.of(client, "hong")
    course = await hong.ok("POST", "/courses", course_body(tree), status=201)
    edited = await hong.ok("PATCH", f"/courses/{course['id']}", {
        "title": "공직가치와 청렴 (실시간)", "delivery_mode": "blended",
        "sub_area_id": tree.it_id, "hours_per_day": 3,
    })  # fmt: skip
    assert (edited["title"], edited["delivery_mode"], edited["sub_area_id"],
            edited["hours_per_day"], edited["code"], edited["year"]) == (
        "공직가치와 청렴 (실시간)", "blended", tree.it_id, 3, "2021-C-core-01", 2021,
    )  # fmt: skip

    always = await hong.ok("POST", "/courses", course_body(
        tree, code="2021-E-01", track="elearning", delivery_mode="elearning", always_open=True,
    ), status=201)  # fmt: skip
    await hong.ok("PUT", f"/courses/{always['id']}/plans/revised",
                  {"runs": None, "people": 100, "reason": "상시"})  # fmt: skip
    before = await snapshot(client.app)
    refused = await hong.problem("PATCH", f"/courses/{always['id']}", {"always_open": False}, 409)
    assert "always open" in refused["detail"]
    assert await snapshot(client.app) == before


@pytest.mark.parametrize("role", [Role.TRAINEE, Role.INSTRUCTOR])
async def test_trainees_and_instructors_read_the_catalog_but_cannot_write_it(
    client: AppClient, clock: ManualClock, people: dict[Role, Person], role: Role
) -> None:
    tree = await make_tree(client.app)
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    course = await operator.ok("POST", "/courses", course_body(tree), status=201)
    await operator.ok("PUT", f"/courses/{course['id']}/plans/original",
                      {"runs": 1, "people": 10, "reason": "계획"})  # fmt: skip
    reader = await Caller.of(client, people[role].login)
    before = await snapshot(client.app)

    writes = [
        ("POST", "/courses", course_body(tree, code="2021-Z")),
        ("PATCH", f"/courses/{course['id']}", {"title": "몰래 바꿈"}),
        ("PUT", f"/courses/{course['id']}/plans/original",
         {"runs": 9, "people": 99, "reason": "몰래"}),
    ]  # fmt: skip
    for method, path, body in writes:
        problem = await reader.problem(method, path, body, 403)
        assert problem["type"] == "/problems/forbidden"
    assert await snapshot(client.app) == before

    history = await reader.ok("GET", f"/courses/{course['id']}/plan-revisions")
    assert [h["reason"] for h in history] == ["계획"]
    year = await reader.ok("GET", "/catalog/years/2021")
    assert any(s["courses"] for a in year["areas"] for s in a["sub_areas"])
    anonymous = await client.get("/api/v1/catalog/years/2021")
    assert anonymous.status == 401


async def test_a_recorded_revision_can_never_be_changed_or_removed(
    client: AppClient, clock: ManualClock
) -> None:
    await add_person(client.app, "hong", [Role.OPERATOR], clock)
    tree = await make_tree(client.app)
    hong = await Caller.of(client, "hong")
    course = await hong.ok("POST", "/courses", course_body(tree), status=201)
    saved = await hong.ok("PUT", f"/courses/{course['id']}/plans/original",
                          {"runs": 1, "people": 10, "reason": "계획"})  # fmt: skip
    database = client.app[DATABASE]

    async def rewrite() -> None:
        async with database.unit_of_work() as session:
            revision = await session.get(PlanRevision, saved["id"])
            assert revision is not None
            revision.reason = "고쳐 씀"
            await session.flush()

    async def remove() -> None:
        async with database.unit_of_work() as session:
            await session.delete(await session.get(PlanRevision, saved["id"]))
            await session.flush()

    async def run(statement: Executable) -> None:
        async with database.unit_of_work() as session:
            await session.execute(statement)

    with pytest.raises(PlanRevisionImmutable):
        await rewrite()
    with pytest.raises(PlanRevisionImmutable):
        await remove()
    for statement in (update(PlanRevision).values(reason="고쳐 씀"), delete(PlanRevision)):
        with pytest.raises(PlanRevisionImmutable):
            await run(statement)
    async with database.unit_of_work() as session:
        kept = (await session.scalars(select(PlanRevision))).all()
    assert [(r.id, r.reason) for r in kept] == [(saved["id"], "계획")]


async def test_a_frozen_reports_diff_names_a_plan_changed_through_the_catalog(
    client: AppClient, clock: ManualClock, people: dict[Role, Person]
) -> None:
    built = await report_catalog.build(client.app, [p.id for p in people.values()])
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    params = {"year": 2020, "as_of": "2020-09-30"}
    frozen = await operator.ok("POST", "/reports/plan-vs-actual/freeze", params, status=201)

    await operator.ok("PUT", f"/courses/{built.c1}/plans/revised",
                      {"runs": 2, "people": 50, "reason": "교육장 사정으로 인원 축소"})  # fmt: skip

    diff = await operator.ok("GET", f"/frozen-reports/{frozen['id']}/diff")
    assert diff["identical"] is False
    changed = {row["key"]: {c["column"]: (c["old"], c["new"]) for c in row["cells"]}
               for row in diff["rows_changed"]}  # fmt: skip
    assert changed["classroom/basic/core_values"]["people_revised"] == (60, 50)
    [record] = diff["changed_records"]  # the plan, not its history row
    assert (record["entity"], record["entity_id"]) == ("course_plans", str(built.c1_revised_plan))
    assert record["actor_id"] == people[Role.OPERATOR].id
    assert (record["before"], record["after"]) == ({"people": 60}, {"people": 50})
    assert "C1" in record["label"]
    # ... and the catalog tells why
    [why] = await operator.ok("GET", f"/courses/{built.c1}/plan-revisions")
    assert (why["reason"], why["author_id"]) == ("교육장 사정으로 인원 축소",
                                                  people[Role.OPERATOR].id)  # fmt: skip
    assert datetime.fromisoformat(why["at"]) == clock.now().astimezone(UTC)
