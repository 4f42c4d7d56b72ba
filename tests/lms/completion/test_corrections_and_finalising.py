"""Corrections (excused absence, instructor override) as new audited rows named in the
explanation; the other criteria (breakout, named polls and quiz points, survey, e-learning),
unknown where there is nothing to judge; finalising sets the enrolment outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.lms.models import Enrolment
from tests.conftest import AppClient, Person, add_person, api_token, bearer
from tests.lms.completion.records import (
    Api,
    CohortFixture,
    attend,
    breakout_round,
    make_cohort,
    named_quiz,
)
from tests.xapi.test_ingest import COMPLETED
from tests.xapi.test_ingest import statement as xapi_statement

T0 = datetime(2020, 10, 5, 1, 0, tzinfo=UTC)
DAY = timedelta(days=1)


async def setup(client: AppClient, clock: ManualClock) -> tuple[dict[str, Person], CohortFixture]:
    names = {"kim": (Role.TRAINEE, "김민지"), "lee": (Role.TRAINEE, "이서준"),
             "choi": (Role.TRAINEE, "최유나"), "park": (Role.INSTRUCTOR, "박강사"),
             "ops": (Role.OPERATOR, "오운영"), "admin": (Role.ADMIN, "관리자")}  # fmt: skip
    who = {k: await add_person(client.app, k, [r], clock, name=n) for k, (r, n) in names.items()}
    trainees = [who[k].id for k in ("kim", "lee", "choi")]
    windows = [(T0, T0 + timedelta(hours=1)), (T0 + DAY, T0 + DAY + timedelta(hours=1))]
    cohort = await make_cohort(client.app, clock, trainees=trainees, instructor=who["park"].id,
                               windows=windows)  # fmt: skip
    return who, cohort


def by_user(results: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {r["user_id"]: r for r in results["results"]}


async def test_excused_absence_and_override_are_new_rows_named_in_the_explanation(
    client: AppClient, clock: ManualClock
) -> None:
    who, cohort = await setup(client, clock)
    kim, lee, choi = who["kim"].id, who["lee"].id, who["choi"].id
    day1, day2 = cohort.sessions
    for user_id in (kim, lee):
        await attend(client.app, day1, ("join", T0, user_id, "pc"),
                     ("leave", T0 + timedelta(hours=1), user_id, "pc"))  # fmt: skip
    await attend(client.app, day2, ("join", T0 + DAY, kim, "pc"),
                 ("leave", T0 + DAY + timedelta(hours=1), kim, "pc"))  # fmt: skip
    ops, park = await Api.of(client, who["ops"]), await Api.of(client, who["park"])
    await ops.call("POST", f"/courses/{cohort.course_id}/completion-rules",
                   {"min_presence_pct": 80, "reason": "80% 출석"}, 201)  # fmt: skip
    clock.set(T0 + 2 * DAY)
    path = f"/cohorts/{cohort.cohort_id}"
    before = by_user(await park.call("GET", f"{path}/completion"))
    assert before[lee]["explanation_en"] == "present 60 of 120 min (50%) ✗; not completed"
    assert before[choi]["outcome"] == "not_completed"

    excused = await park.call("POST", f"{path}/completion-corrections", {
        "user_id": lee, "kind": "excused_absence", "class_session_id": day2,
        "reason": "병가 (진단서 제출)"}, 201)  # fmt: skip
    override = await park.call("POST", f"{path}/completion-corrections", {
        "user_id": choi, "kind": "override", "outcome": "completed",
        "reason": "보강 과제 제출"}, 201)  # fmt: skip
    after = by_user(await park.call("GET", f"{path}/completion"))
    assert after[lee]["outcome"] == "completed"
    assert after[lee]["correction_ids"] == [excused["id"]]
    assert after[lee]["explanation_en"] == (
        "present 60 of 60 min (100%) ✓; excused: 2일차 (병가 (진단서 제출)); completed"
    )
    assert after[lee]["explanation_ko"] == (
        "출석 60분 중 60분 (100%) ✓; 공결: 2일차 (병가 (진단서 제출)); 수료"
    )
    assert after[choi]["derived_outcome"] == "not_completed"
    assert after[choi]["outcome"] == "completed"
    assert after[choi]["explanation_en"].endswith(
        "not completed → completed (override by 박강사: 보강 과제 제출)"
    )
    assert after[kim]["correction_ids"] == []

    listed = await park.call("GET", f"{path}/completion-corrections")
    assert [c["id"] for c in listed] == [excused["id"], override["id"]]
    assert listed[1]["author_id"] == who["park"].id
    admin = await Api.of(client, who["admin"])
    audit = await admin.call("GET", "/audit?entity=completion_corrections")
    assert {a["entity_id"] for a in audit["items"]} == {str(excused["id"]), str(override["id"])}
    assert all(a["actor_id"] == who["park"].id and a["action"] == "create"
               for a in audit["items"])  # fmt: skip


async def test_bad_corrections_change_nothing(client: AppClient, clock: ManualClock) -> None:
    who, cohort = await setup(client, clock)
    other_cohort = await make_cohort(client.app, clock, trainees=[who["kim"].id],
                                     instructor=who["park"].id,
                                     windows=[(T0, T0 + timedelta(hours=1))])  # fmt: skip
    park = await Api.of(client, who["park"])
    path = f"/cohorts/{cohort.cohort_id}/completion-corrections"
    no_session = {"user_id": who["lee"].id, "kind": "excused_absence", "reason": "병가"}
    problem = await park.call("POST", path, no_session, 422)
    assert problem["type"] == "/problems/validation-error"
    elsewhere = no_session | {"class_session_id": other_cohort.sessions[0]}
    assert (await park.call("POST", path, elsewhere, 404))["type"] == "/problems/not-found"
    outsider = {"user_id": who["ops"].id, "kind": "override", "outcome": "completed",
                "reason": "x"}  # fmt: skip
    assert (await park.call("POST", path, outsider, 404))["type"] == "/problems/not-found"
    no_reason = {"user_id": who["lee"].id, "kind": "override", "outcome": "completed"}
    await park.call("POST", path, no_reason, 422)
    assert await park.call("GET", path) == []


async def test_breakout_polls_quiz_and_survey_criteria_and_unknowns(
    client: AppClient, clock: ManualClock
) -> None:
    who, cohort = await setup(client, clock)
    kim, lee, choi = who["kim"].id, who["lee"].id, who["choi"].id
    day1, day2 = cohort.sessions
    ops = await Api.of(client, who["ops"])
    await ops.call("POST", f"/courses/{cohort.course_id}/completion-rules", {
        "min_breakout_rounds": 1, "min_poll_pct": 50, "min_quiz_points": 10,
        "survey_required": True, "min_elearning_pct": 80, "reason": "all"}, 201)  # fmt: skip
    path = f"/cohorts/{cohort.cohort_id}/completion"
    clock.set(T0 + timedelta(minutes=30))
    nothing = by_user(await ops.call("GET", path))[kim]
    # nothing held yet: every criterion unknown, never met and never 0
    assert [c["met"] for c in nothing["criteria"]] == [None] * 5
    assert [c["actual"] for c in nothing["criteria"]] == [None] * 5
    assert nothing["outcome"] == "undetermined"
    assert nothing["explanation_en"] == (
        "breakout ? (no breakout held); polls ? (no named poll held); quiz ? (no quiz held); "
        "survey ? (no survey held); e-learning ? (no data); undetermined"
    )

    await breakout_round(client.app, cohort.cohort_id, day1, T0 + timedelta(minutes=10),
                         members=[kim, lee], visitors=(choi,))  # fmt: skip
    await named_quiz(client.app, day1, T0 + timedelta(minutes=20), {kim: 0, lee: 1})
    survey = await ops.call("POST", f"/cohorts/{cohort.cohort_id}/surveys", {
        "kind": "satisfaction", "title": "만족도", "items": [
            {"kind": "scale5", "prompt": "전반적으로 만족하십니까?"}]}, 201)  # fmt: skip
    await ops.call("POST", f"/surveys/{survey['id']}/open")
    kim_api = await Api.of(client, who["kim"])
    item_id = survey["items"][0]["id"]
    await kim_api.call("POST", f"/surveys/{survey['id']}/responses",
                       {"answers": {str(item_id): 5}}, 201)  # fmt: skip
    clock.set(T0 + DAY + timedelta(minutes=30))  # day 2 under way: its polls count too
    await named_quiz(client.app, day2, clock.now(), {kim: 0})

    results = by_user(await ops.call("GET", path))
    crit = {c["criterion"]: c for c in results[kim]["criteria"]}
    assert crit["breakout"] == {"criterion": "breakout", "required": 1, "actual": 1, "of": 1,
                                "met": True}  # fmt: skip
    assert crit["polls"] | {} == {"criterion": "polls", "required": 50, "actual": 2, "of": 2,
                                  "met": True}  # fmt: skip
    assert crit["quiz"]["actual"] == 20
    assert crit["quiz"]["met"] is True
    assert crit["survey"]["met"] is True
    assert crit["elearning"]["met"] is None
    assert results[kim]["outcome"] == "undetermined"  # e-learning is not known yet
    assert results[kim]["explanation_en"] == (
        "breakout 1 of 1 rounds (need 1) ✓; polls answered 2 of 2 (100%) ✓; "
        "quiz 20 points (need 10) ✓; survey ✓; e-learning ? (no data); undetermined"
    )
    lee_crit = {c["criterion"]: c["met"] for c in results[lee]["criteria"]}
    assert lee_crit == {"breakout": True, "polls": True, "quiz": False, "survey": False,
                        "elearning": None}  # fmt: skip
    assert results[lee]["outcome"] == "not_completed"
    # staff looking into a group is not taking part in it
    choi_crit = {c["criterion"]: c for c in results[choi]["criteria"]}
    assert choi_crit["breakout"]["actual"] == 0
    assert choi_crit["breakout"]["met"] is False
    assert choi_crit["polls"]["actual"] == 0

    # the e-learning content reports progress over xAPI: the criterion is judged from it
    lms_system = await add_person(client.app, "elms", [Role.ELEARNING], clock)
    course = (await ops.call("GET", f"/courses/{cohort.course_id}"))["code"]
    sent = await client.post(
        "/api/v1/xapi/statements",
        json=[xapi_statement("kim", course, verb=COMPLETED, completion=True),
              xapi_statement("lee", course, progress=50)],
        headers={**bearer(await api_token(client, lms_system.login)),
                 "X-Experience-API-Version": "1.0.3"},
    )  # fmt: skip
    assert sent.status == 200, await sent.text()
    judged = by_user(await ops.call("GET", path))
    kim_e = {c["criterion"]: c for c in judged[kim]["criteria"]}["elearning"]
    assert (kim_e["actual"], kim_e["met"], judged[kim]["outcome"]) == (100, True, "completed")
    lee_e = {c["criterion"]: c for c in judged[lee]["criteria"]}["elearning"]
    assert (lee_e["actual"], lee_e["met"]) == (50, False)
    choi_e = {c["criterion"]: c for c in judged[choi]["criteria"]}["elearning"]
    assert (choi_e["actual"], choi_e["met"]) == (None, None)  # nothing reported: unknown


async def test_finalising_stores_results_and_sets_enrolment_outcomes(
    client: AppClient, clock: ManualClock
) -> None:
    who, cohort = await setup(client, clock)
    kim, _lee, choi = who["kim"].id, who["lee"].id, who["choi"].id
    for cs, start in zip(cohort.sessions, (T0, T0 + DAY), strict=True):
        await attend(client.app, cs, ("join", start, kim, "pc"),
                     ("leave", start + timedelta(hours=1), kim, "pc"))  # fmt: skip
    ops, park = await Api.of(client, who["ops"]), await Api.of(client, who["park"])
    await ops.call("POST", f"/courses/{cohort.course_id}/completion-rules",
                   {"min_presence_pct": 80, "reason": "v1"}, 201)  # fmt: skip
    path = f"/cohorts/{cohort.cohort_id}/completion"
    clock.set(T0 + DAY + timedelta(minutes=30))
    early = await ops.call("POST", f"{path}/finalise", None, 409)
    assert early["type"] == "/problems/cohort-not-finished"
    await park.call("POST", f"{path}/finalise", None, 403)  # operators finalise

    clock.set(T0 + 2 * DAY)
    await park.call("POST", f"/cohorts/{cohort.cohort_id}/completion-corrections", {
        "user_id": choi, "kind": "override", "outcome": "completed",
        "reason": "보강"}, 201)  # fmt: skip
    final = await ops.call("POST", f"{path}/finalise")
    assert final["finalised_at"] is not None
    assert final["counts"] == {"completed": 2, "not_completed": 1, "undetermined": 0}
    statuses = {}
    for person in ("kim", "lee", "choi"):
        rows = await ops.call("GET", f"/users/{who[person].id}/enrolments")
        statuses[person] = [e["status"] for e in rows if e["cohort_id"] == cohort.cohort_id]
    assert statuses == {"kim": ["completed"], "lee": ["not_completed"], "choi": ["completed"]}
    async with client.app[DATABASE].unit_of_work() as session:  # what plan-vs-actual counts
        completed_at = dict((await session.execute(
            select(Enrolment.user_id, Enrolment.completed_at)
            .where(Enrolment.cohort_id == cohort.cohort_id))).all())  # fmt: skip
    assert completed_at == {kim: T0 + 2 * DAY, who["lee"].id: None, choi: T0 + 2 * DAY}

    # a new rule version is used from now on; the stored results keep the one they were on
    await ops.call("POST", f"/courses/{cohort.course_id}/completion-rules",
                   {"min_presence_pct": 100, "reason": "v2: 전 차시 출석"}, 201)  # fmt: skip
    empty = await ops.call("POST", f"/courses/{cohort.course_id}/completion-rules",
                           {"reason": "기준 없음"}, 422)  # fmt: skip
    assert empty["type"] == "/problems/validation-error"
    rules = await ops.call("GET", f"/courses/{cohort.course_id}/completion-rules")
    assert [(r["version"], r["reason"]) for r in rules] == [(1, "v1"), (2, "v2: 전 차시 출석")]
    again = await ops.call("GET", path)
    assert again["rule"]["version"] == 2
    assert again["finalised_at"] is not None
