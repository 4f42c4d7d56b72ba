"""Competency assessment over HTTP: the grade's competencies, means per competency and overall
against the pass mark, unscored competencies as no data (never 0), rescoring, refusals, the
prep course's attendance beside the result, exam staff only, and result reads logged."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.rooms.models import AttendanceEvent
from tests.conftest import AppClient, Person, add_person
from tests.lms.instructors.helpers import Caller, add_session, kst, make_course

GRADE_5 = ["planning", "logical_thinking", "situational_judgement", "communication",
           "coordination"]  # fmt: skip


async def score(caller: Caller, round_id: int, cand: int, assessor: int, comp: str,
                value: str, status: int = 200) -> Any:  # fmt: skip
    return await caller.call("PUT", f"/exams/competency/rounds/{round_id}/scores", status,
                             json={"candidate_id": cand, "assessor_id": assessor,
                                   "competency": comp, "score": value})  # fmt: skip


async def joined(client: AppClient, class_session_id: int, user_id: int, at: datetime) -> None:
    async with client.app[DATABASE].unit_of_work() as session:
        event = AttendanceEvent(class_session_id=class_session_id, user_id=user_id, kind="join",
                                at=at, client_id="c1", device_class="pc")  # fmt: skip
        session.add(event)


async def test_results_by_competency_with_pass_mark_and_prep_attendance(
    client: AppClient, people: dict[Role, Person], clock: ManualClock
) -> None:
    officer = await Caller.of(client, people[Role.EXAM_OFFICER].login)
    prep = await make_course(client.app, title="5급 승진 역량평가 대비과정")
    past = [await add_session(client.app, prep, kst(2020, 9, d, 9), minutes=420)
            for d in (1, 2)]  # fmt: skip
    await add_session(client.app, prep, kst(2020, 11, 2, 9), minutes=420, state="scheduled")
    a = people[Role.TRAINEE].id
    b = (await add_person(client.app, "trainee2", [Role.TRAINEE], clock)).id
    c = (await add_person(client.app, "trainee3", [Role.TRAINEE], clock)).id
    for cs in past:
        await joined(client, cs, a, kst(2020, 9, 1, 9))
    await joined(client, past[0], b, kst(2020, 9, 1, 9))

    rnd = await officer.post("/exams/competency/rounds", {
        "name": "2020 5급 승진 역량평가", "grade": 5, "held_on": "2020-10-20",
        "prep_cohort_id": prep.cohort_id})  # fmt: skip
    assert rnd["competencies"] == GRADE_5
    assert rnd["pass_mark"] == "2.50"
    base = f"/exams/competency/rounds/{rnd['id']}"
    ca = (await officer.post(f"{base}/candidates", {"user_id": a, "org_unit": "행정국"}))["id"]
    cb = (await officer.post(f"{base}/candidates", {"user_id": b}))["id"]
    cc = (await officer.post(f"{base}/candidates", {"user_id": c}))["id"]
    await officer.post(f"{base}/candidates", {"user_id": a}, 409)
    x = (await officer.post(f"{base}/assessors", {"name": "평가위원 가"}))["id"]
    y = (await officer.post(f"{base}/assessors", {"name": "평가위원 나"}))["id"]
    for comp in GRADE_5:
        await score(officer, rnd["id"], ca, x, comp, "3.0")
        await score(officer, rnd["id"], ca, y, comp, "2.0")  # means 2.50: exactly the mark
        await score(officer, rnd["id"], cb, x, comp, "2.5")
        await score(officer, rnd["id"], cb, y, comp, "2.0")  # means 2.25: below
    await score(officer, rnd["id"], cb, y, "planning", "1.0")  # a second mark replaces the first
    await score(officer, rnd["id"], cc, x, "planning", "5.0")  # the rest unscored

    results = {r["candidate_id"]: r for r in await officer.get(f"{base}/results")}
    ra, rb, rc = results[ca], results[cb], results[cc]
    assert [m["mean"] for m in ra["competencies"]] == ["2.50"] * 5
    assert (ra["overall"], ra["outcome"]) == ("2.50", "pass")
    assert rb["competencies"][0] == {"competency": "planning", "name_ko": "기획력",
                                     "mean": "1.75", "scores": 2}  # fmt: skip
    assert (rb["overall"], rb["outcome"]) == ("2.15", "fail")  # (1.75 + 4 × 2.25) / 5
    assert rc["competencies"][1]["mean"] is None
    assert rc["competencies"][1]["scores"] == 0
    assert (rc["overall"], rc["outcome"]) == (None, "incomplete")
    assert ra["prep"] == {"cohort_id": prep.cohort_id, "sessions_held": 2, "sessions_attended": 2}
    assert rb["prep"]["sessions_attended"] == 1
    assert rc["prep"]["sessions_attended"] == 0


async def test_grade_4_has_six_competencies_and_refuses_other_grades_codes(
    client: AppClient, people: dict[Role, Person]
) -> None:
    admin = await Caller.of(client, people[Role.ADMIN].login)
    rnd = await admin.post("/exams/competency/rounds", {
        "name": "4급", "grade": 4, "held_on": "2020-11-01", "pass_mark": "3.00"})  # fmt: skip
    assert len(rnd["competencies"]) == 6
    assert rnd["prep_cohort_id"] is None
    base = f"/exams/competency/rounds/{rnd['id']}"
    cand = (await admin.post(f"{base}/candidates", {"user_id": people[Role.TRAINEE].id}))["id"]
    who = (await admin.post(f"{base}/assessors", {"name": "가"}))["id"]
    refused = await score(admin, rnd["id"], cand, who, "planning", "3.0", 422)  # a grade-5 code
    assert refused["type"] == "/problems/validation-error"
    await score(admin, rnd["id"], cand, who, "motivation", "5.5", 422)
    await score(admin, rnd["id"], cand, who, "motivation", "3.2", 422)  # half points only
    for comp in rnd["competencies"]:
        await score(admin, rnd["id"], cand, who, comp, "3.0")
    [result] = await admin.get(f"{base}/results")
    assert (result["overall"], result["outcome"], result["prep"]) == ("3.00", "pass", None)
    await admin.post("/exams/competency/rounds", {"name": "6급", "grade": 6,
                                                  "held_on": "2020-11-01"}, 422)  # fmt: skip


async def test_only_exam_staff_and_result_reads_are_logged(
    client: AppClient, people: dict[Role, Person]
) -> None:
    officer = await Caller.of(client, people[Role.EXAM_OFFICER].login)
    rnd = await officer.post("/exams/competency/rounds", {
        "name": "5급", "grade": 5, "held_on": "2020-11-01"})  # fmt: skip
    for role in (Role.OPERATOR, Role.TRAINEE, Role.INSTRUCTOR):
        other = await Caller.of(client, people[role].login)
        await other.get(f"/exams/competency/rounds/{rnd['id']}/results", 403)
        await other.get("/exams/competency/rounds", 403)
    assert await officer.get(f"/exams/competency/rounds/{rnd['id']}/results") == []
    reads = await officer.get("/exams/panels/reads")
    assert [(r["actor_id"], r["what"], r["ref"]) for r in reads] == [
        (people[Role.EXAM_OFFICER].id, "competency-results", str(rnd["id"]))
    ]
