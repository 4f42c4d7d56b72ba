"""The specialist hiring pipeline: stages keep their order in time, a candidate is scored at a
stage only after passing the one before, open rounds have none, and reading it is logged."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from server.core.audit import AuditEntry
from server.core.auth.roles import Role
from server.core.keys import DATABASE
from tests.conftest import AppClient, Person
from tests.lms.instructors.helpers import Caller

APPLICANTS = "exam_no,name,residence\nS-1,김의사,서울\nS-2,이의사,경기\n"


async def _unit(officer: Caller, kind: str) -> int:
    r = await officer.post("/exams/rounds", {"year": 2021, "number": 1, "kind": kind,
                                             "name": f"2021 {kind}"})  # fmt: skip
    unit = await officer.post(f"/exams/rounds/{r['id']}/units", {
        "code": "doctor", "job_series": "의무", "grade": "전문경력관", "planned": 1})  # fmt: skip
    await officer.post(f"/exams/units/{unit['id']}/candidates/import", {"csv": APPLICANTS})
    return int(unit["id"])


def at(day: int, hour: int) -> str:
    return f"2021-03-{day:02d}T{hour:02d}:00:00+09:00"


async def test_stages_in_order_with_scores(client: AppClient, people: dict[Role, Person]) -> None:
    officer = await Caller.of(client, people[Role.EXAM_OFFICER].login)
    unit = await _unit(officer, "specialist")
    stage = f"/exams/units/{unit}/stages"
    interview = {"stage": "interview", "starts_at": at(10, 14), "ends_at": at(10, 17)}
    await officer.call("POST", stage, json=interview)
    # a group discussion after the interview is refused and not recorded
    late = {"stage": "group_discussion", "starts_at": at(11, 9), "ends_at": at(11, 10)}
    await officer.call("POST", stage, 409, json=late)
    await officer.call("POST", stage, json={**late, "starts_at": at(10, 10), "ends_at": at(10, 11)})
    await officer.call("POST", stage, 422, json={**late, "ends_at": at(11, 8)})  # ends first
    view = await officer.get(f"/exams/units/{unit}/pipeline")
    assert view["stages"] == ["documents", "job_task_report", "group_discussion", "interview"]
    assert [s["stage"] for s in view["schedule"]] == ["group_discussion", "interview"]

    ids = {c["exam_no"]: c["candidate_id"] for c in view["candidates"]}
    score = "/exams/candidates/{}/scores"
    await officer.post(
        score.format(ids["S-1"]), {"stage": "job_task_report", "score": 80, "passed": True}, 409
    )  # documents first
    await officer.post(score.format(ids["S-1"]), {"stage": "documents", "score": 90,
                                                  "passed": True})  # fmt: skip
    await officer.post(score.format(ids["S-2"]), {"stage": "documents", "score": 55.5,
                                                  "passed": False})  # fmt: skip
    await officer.post(
        score.format(ids["S-2"]), {"stage": "job_task_report", "score": 70, "passed": True}, 409
    )  # failed documents
    await officer.post(score.format(ids["S-1"]), {"stage": "job_task_report", "score": 82.25,
                                                  "passed": True})  # fmt: skip
    await officer.post(
        score.format(ids["S-1"]), {"stage": "documents", "score": 10, "passed": False}, 409
    )  # once per stage
    await officer.post(score.format(ids["S-1"]), {"stage": "documents", "score": 101,
                                                  "passed": True}, 422)  # fmt: skip
    view = await officer.get(f"/exams/units/{unit}/pipeline")
    by_no = {c["exam_no"]: c for c in view["candidates"]}
    assert by_no["S-1"]["reached"] == "job_task_report"
    assert [Decimal(str(s["score"])) for s in by_no["S-1"]["scores"]] == [
        Decimal("90"), Decimal("82.25")]  # fmt: skip
    assert by_no["S-2"]["reached"] == "documents"
    assert by_no["S-2"]["scores"][0]["passed"] is False


async def test_open_rounds_have_no_pipeline_and_reads_are_logged(
    client: AppClient, people: dict[Role, Person]
) -> None:
    officer = await Caller.of(client, people[Role.EXAM_OFFICER].login)
    unit = await _unit(officer, "open")
    await officer.get(f"/exams/units/{unit}/pipeline", 409)
    other = await Caller.of(client, people[Role.ADMIN].login)
    r = await other.post("/exams/rounds", {"year": 2021, "number": 2, "kind": "career",
                                           "name": "임기제"})  # fmt: skip
    u = await other.post(f"/exams/rounds/{r['id']}/units", {
        "code": "law", "job_series": "법률", "grade": "5급", "planned": 1})  # fmt: skip
    await other.get(f"/exams/units/{u['id']}/pipeline")
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    await operator.get(f"/exams/units/{u['id']}/pipeline", 403)
    async with client.app[DATABASE].unit_of_work() as session:
        reads = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == "read", AuditEntry.entity_id == f"unit:{u['id']}",
                AuditEntry.actor_id == people[Role.ADMIN].id,
            )
        )  # fmt: skip
    assert reads == 1
