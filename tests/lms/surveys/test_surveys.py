"""Surveys: satisfaction per course and per instructor (5-point items and free text), on-the-job
application in three phases; one anonymous submission per trainee; "in progress" with the
response count while open (never a score), means and response rate once closed, "no data"
where no survey was held; who may do what."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.lms.models import Instructor
from server.lms.surveys import service
from server.lms.surveys.models import SurveyResponse, SurveySubmission
from tests.conftest import AppClient, Person, add_person, bearer
from tests.lms.completion.records import Api, CohortFixture, make_cohort

T0 = datetime(2020, 10, 5, 1, 0, tzinfo=UTC)


async def setup(
    client: AppClient, clock: ManualClock
) -> tuple[dict[str, Person], CohortFixture, int]:
    names = {"kim": (Role.TRAINEE, "김민지"), "lee": (Role.TRAINEE, "이서준"),
             "choi": (Role.TRAINEE, "최유나"), "out": (Role.TRAINEE, "외부인"),
             "park": (Role.INSTRUCTOR, "박강사"), "jung": (Role.INSTRUCTOR, "정강사"),
             "ops": (Role.OPERATOR, "오운영")}  # fmt: skip
    who = {k: await add_person(client.app, k, [r], clock, name=n) for k, (r, n) in names.items()}
    trainees = [who[k].id for k in ("kim", "lee", "choi")]
    cohort = await make_cohort(client.app, clock, trainees=trainees, instructor=who["park"].id,
                               windows=[(T0, T0 + timedelta(hours=7))])  # fmt: skip
    async with client.app[DATABASE].unit_of_work() as session:
        registry = Instructor(user_id=who["park"].id, name="박강사", grade="A", internal=False)
        session.add(registry)
        await session.flush()
        instructor_id = registry.id
    return who, cohort, instructor_id


def satisfaction(instructor_id: int) -> dict[str, Any]:
    return {"kind": "satisfaction", "title": "과정 만족도", "items": [
        {"kind": "scale5", "prompt": "교육 내용에 만족하십니까?"},
        {"kind": "scale5", "prompt": "업무에 도움이 되겠습니까?"},
        {"kind": "scale5", "prompt": "강사의 강의에 만족하십니까?", "instructor_id": instructor_id},
        {"kind": "scale5", "prompt": "교육 환경에 만족하십니까?"},
        {"kind": "text", "prompt": "하고 싶은 말"}]}  # fmt: skip


async def test_open_shows_in_progress_and_closed_shows_means_and_response_rate(
    client: AppClient, clock: ManualClock
) -> None:
    who, cohort, instructor_id = await setup(client, clock)
    ops, park = await Api.of(client, who["ops"]), await Api.of(client, who["park"])
    survey = await ops.call("POST", f"/cohorts/{cohort.cohort_id}/surveys",
                            satisfaction(instructor_id), 201)  # fmt: skip
    assert survey["status"] == "draft"
    i1, i2, i3, i4, text = (i["id"] for i in survey["items"])
    sid = survey["id"]
    not_open = await park.call("GET", f"/surveys/{sid}/results")
    assert not_open["status"] == "not_open"
    await ops.call("POST", f"/surveys/{sid}/open")
    kim, lee = await Api.of(client, who["kim"]), await Api.of(client, who["lee"])
    await kim.call("POST", f"/surveys/{sid}/responses",
                   {"answers": {i1: 5, i2: 4, i3: 5, text: "실습이 좋았습니다"}}, 201)  # fmt: skip
    await lee.call("POST", f"/surveys/{sid}/responses", {"answers": {i1: 3, i3: 4}}, 201)

    running = await park.call("GET", f"/surveys/{sid}/results")
    assert running == {"survey_id": sid, "status": "in_progress", "responses": 2, "invited": 3,
                       "response_rate": None, "items": None}  # fmt: skip

    await ops.call("POST", f"/surveys/{sid}/close")
    late = await Api.of(client, who["choi"])
    closed_problem = await late.call("POST", f"/surveys/{sid}/responses",
                                     {"answers": {i1: 1}}, 409)  # fmt: skip
    assert closed_problem["type"] == "/problems/survey-not-open"
    done = await park.call("GET", f"/surveys/{sid}/results")
    assert done["status"] == "closed"
    assert done["responses"] == 2
    assert done["response_rate"] == 0.6667
    items = {i["item_id"]: i for i in done["items"]}
    assert items[i1]["mean"] == 4.0
    assert items[i1]["distribution"] == {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1}
    assert items[i2]["mean"] == 4.0
    assert items[i2]["answers"] == 1
    assert items[i3]["mean"] == 4.5
    assert items[i3]["instructor_id"] == instructor_id
    assert items[i4]["mean"] is None  # no one answered it: unknown, not 0
    assert items[i4]["answers"] == 0
    assert items[text]["texts"] == ["실습이 좋았습니다"]
    again = await ops.call("POST", f"/surveys/{sid}/close", None, 409)
    assert again["type"] == "/problems/survey-state"
    assert again["detail"] == "Only an open survey can be closed."
    assert again["status"] == 409
    assert again["survey_status"] == "closed"


async def test_one_anonymous_submission_per_trainee_and_bad_answers_change_nothing(
    client: AppClient, clock: ManualClock
) -> None:
    who, cohort, instructor_id = await setup(client, clock)
    ops = await Api.of(client, who["ops"])
    survey = await ops.call("POST", f"/cohorts/{cohort.cohort_id}/surveys",
                            satisfaction(instructor_id), 201)  # fmt: skip
    sid, i1, text = survey["id"], survey["items"][0]["id"], survey["items"][4]["id"]
    kim = await Api.of(client, who["kim"])
    draft = await kim.call("POST", f"/surveys/{sid}/responses", {"answers": {i1: 5}}, 409)
    assert draft["type"] == "/problems/survey-not-open"
    assert draft["survey_status"] == "draft"
    await ops.call("POST", f"/surveys/{sid}/open")
    for bad in ({i1: 6}, {i1: "다섯"}, {text: 3}, {999999: 5}, {}):
        problem = await kim.call("POST", f"/surveys/{sid}/responses", {"answers": bad}, 422)
        assert problem["type"] == "/problems/validation-error"
    outsider = await Api.of(client, who["out"])
    refused = await outsider.call("POST", f"/surveys/{sid}/responses", {"answers": {i1: 1}}, 403)
    assert refused["type"] == "/problems/not-enrolled"
    clock.set(T0 + timedelta(hours=3, minutes=17, seconds=42))
    await kim.call("POST", f"/surveys/{sid}/responses", {"answers": {i1: 2}}, 201)
    twice = await kim.call("POST", f"/surveys/{sid}/responses", {"answers": {i1: 5}}, 409)
    assert twice["type"] == "/problems/survey-already-submitted"

    async with client.app[DATABASE].unit_of_work() as session:
        assert await service.submitted(session, sid) == {who["kim"].id}
        responses = (await session.scalars(select(SurveyResponse))).all()
        submission = (await session.scalars(select(SurveySubmission))).one()
    assert [r.answers for r in responses] == [{str(i1): 2}]  # the retry changed nothing
    # the answers carry no user, no time, and a random key; the submission only the day
    assert set(SurveyResponse.__table__.columns.keys()) == {"key", "survey_id", "answers"}
    assert len(responses[0].key) == 32
    assert responses[0].key != str(submission.id)
    assert submission.submitted_on == datetime(2020, 10, 5, tzinfo=UTC)
    # and the audit log holds neither (an audit row would name the actor beside the answers)
    admin = await add_person(client.app, "admin1", [Role.ADMIN], clock)
    audit = await (await Api.of(client, admin)).call("GET", "/audit?entity=survey_responses")
    assert audit["items"] == []


async def test_satisfaction_summary_says_no_data_in_progress_or_the_mean(
    client: AppClient, clock: ManualClock
) -> None:
    who, cohort, instructor_id = await setup(client, clock)

    async def summary(**by: int) -> dict[str, Any]:
        async with client.app[DATABASE].unit_of_work() as session:
            return (await service.satisfaction_summary(session, **by)).model_dump()

    assert (await summary(course_id=cohort.course_id))["status"] == "no_data"
    assert (await summary(instructor_id=instructor_id))["mean"] is None
    ops = await Api.of(client, who["ops"])
    survey = await ops.call("POST", f"/cohorts/{cohort.cohort_id}/surveys",
                            satisfaction(instructor_id), 201)  # fmt: skip
    assert (await summary(cohort_id=cohort.cohort_id))["status"] == "no_data"  # a draft
    sid = survey["id"]
    i1, i2, i3 = (i["id"] for i in survey["items"][:3])
    await ops.call("POST", f"/surveys/{sid}/open")
    for login, answers in (("kim", {i1: 5, i2: 4, i3: 5}), ("lee", {i1: 4, i3: 3})):
        await (await Api.of(client, who[login])).call(
            "POST", f"/surveys/{sid}/responses", {"answers": answers}, 201)  # fmt: skip
    running = await summary(course_id=cohort.course_id)
    assert running == {"status": "in_progress", "surveys": 1, "responses": 2, "invited": 3,
                       "response_rate": None, "mean": None, "open_surveys": 1}  # fmt: skip
    await ops.call("POST", f"/surveys/{sid}/close")
    course = await summary(course_id=cohort.course_id)
    assert course == {"status": "closed", "surveys": 1, "responses": 2, "invited": 3,
                      "response_rate": 0.6667, "mean": 4.33, "open_surveys": 0}  # fmt: skip
    teacher = await summary(instructor_id=instructor_id)
    assert teacher["mean"] == 4.0
    assert (await summary(cohort_id=cohort.cohort_id, instructor_id=instructor_id))["mean"] == 4.0
    assert (await summary(instructor_id=instructor_id + 1))["status"] == "no_data"
    # the same over HTTP, for training staff
    over_http = await ops.call("GET", f"/satisfaction?course_id={cohort.course_id}")
    assert over_http == course
    by_teacher = await ops.call("GET", f"/satisfaction?instructor_id={instructor_id}")
    assert by_teacher["mean"] == 4.0
    assert (await ops.call("GET", "/satisfaction", status=422))["type"] == (
        "/problems/validation-error")  # fmt: skip
    park = await Api.of(client, who["park"])
    await park.call("GET", f"/satisfaction?instructor_id={instructor_id}", status=403)


async def test_application_surveys_by_phase_and_who_may_do_what(
    client: AppClient, clock: ManualClock
) -> None:
    who, cohort, instructor_id = await setup(client, clock)
    ops = await Api.of(client, who["ops"])
    path = f"/cohorts/{cohort.cohort_id}/surveys"
    item = {"kind": "scale5", "prompt": "배운 내용을 업무에 적용하고 있습니까?"}
    no_phase = await ops.call("POST", path, {"kind": "application", "title": "현업적용도",
                                             "items": [item]}, 422)  # fmt: skip
    assert no_phase["type"] == "/problems/validation-error"
    about_teacher = {"kind": "application", "phase": "after", "title": "x",
                     "items": [item | {"instructor_id": instructor_id}]}  # fmt: skip
    await ops.call("POST", path, about_teacher, 422)
    ids, first_item = {}, {}
    for phase in ("before", "after", "follow_up"):
        made = await ops.call("POST", path, {"kind": "application", "phase": phase,
                                             "title": f"현업적용도 ({phase})",
                                             "items": [item]}, 201)  # fmt: skip
        ids[phase], first_item[phase] = made["id"], made["items"][0]["id"]
    await ops.call("POST", f"/surveys/{ids['before']}/open")
    kim = await Api.of(client, who["kim"])
    await kim.call("POST", f"/surveys/{ids['before']}/responses",
                   {"answers": {first_item["before"]: 2}}, 201)  # fmt: skip
    application = f"/cohorts/{cohort.cohort_id}/application"
    phases = {p["phase"]: p for p in await ops.call("GET", application)}
    assert [(k, v["status"], v["responses"], v["mean"]) for k, v in phases.items()] == [
        ("before", "in_progress", 1, None), ("after", "no_data", 0, None),
        ("follow_up", "no_data", 0, None)]  # fmt: skip
    await ops.call("POST", f"/surveys/{ids['before']}/close")
    before = (await ops.call("GET", application))[0]
    assert (before["status"], before["mean"], before["response_rate"]) == ("closed", 2.0, 0.3333)
    await (await Api.of(client, who["park"])).call("GET", application)
    await (await Api.of(client, who["jung"])).call("GET", application, status=403)
    mine = await kim.call("GET", path)
    assert [(s["phase"], s["submitted"]) for s in mine] == [("before", True)]  # no drafts
    everything = await ops.call("GET", path)
    assert [s["phase"] for s in everything] == ["before", "after", "follow_up"]
    assert all(s["submitted"] is None for s in everything)

    park, jung = await Api.of(client, who["park"]), await Api.of(client, who["jung"])
    assert len(await park.call("GET", path)) == 3
    await park.call("GET", f"/surveys/{ids['before']}/results")
    for outsider in (jung, kim, await Api.of(client, who["out"])):
        await outsider.call("GET", f"/surveys/{ids['before']}/results", status=403)
    await jung.call("GET", path, status=403)
    await (await Api.of(client, who["out"])).call("GET", path, status=403)
    for not_staff in (park, kim):
        await not_staff.call("POST", path, {"kind": "satisfaction", "title": "x",
                                            "items": [item]}, 403)  # fmt: skip
        await not_staff.call("POST", f"/surveys/{ids['after']}/open", None, 403)


async def test_two_submits_at_once_make_one_submission_and_one_response(
    client: AppClient, clock: ManualClock
) -> None:
    who, cohort, instructor_id = await setup(client, clock)
    ops = await Api.of(client, who["ops"])
    survey = await ops.call("POST", f"/cohorts/{cohort.cohort_id}/surveys",
                            satisfaction(instructor_id), 201)  # fmt: skip
    sid, i1 = survey["id"], survey["items"][0]["id"]
    await ops.call("POST", f"/surveys/{sid}/open")
    kim = await Api.of(client, who["kim"])
    url = f"/api/v1/surveys/{sid}/responses"
    answers = await asyncio.gather(*(
        client.post(url, json={"answers": {str(i1): n}}, headers=bearer(kim.token))
        for n in (4, 5)))  # fmt: skip
    assert sorted(a.status for a in answers) == [201, 409]
    async with client.app[DATABASE].unit_of_work() as session:
        assert await service.submitted(session, sid) == {who["kim"].id}
        responses = (await session.scalars(select(SurveyResponse))).all()
    assert len(responses) == 1
