"""Instructors' fees owed (lms) post to the budget: commitments for every known fee, and
expenditures once taught, on the course's line; posting is idempotent and follows later
corrections. Cost per completed trainee per course and per line, "no data" with nobody done.

Fee standard (from 2020-01-01): 1급 300,000 won the first hour and 200,000 each further hour.
"""

from __future__ import annotations

from datetime import UTC, date

import pytest

from server.budget import service
from server.budget.models import EntryKind
from server.budget.schemas import EntryCreate
from server.core.auth.roles import Role
from server.core.errors import Problem
from server.core.keys import CLOCK, DATABASE
from server.lms import service as lms
from server.lms.models import Enrolment, EnrolmentStatus, SessionState
from tests.budget.helpers import Budget, lines, make_budget
from tests.conftest import AppClient, Person
from tests.lms.instructors.helpers import Caller, CourseRun, add_session, kst, make_course

STANDARD = {
    "effective_from": "2020-01-01",
    "title": "강사료 지급기준",
    "rates": [{"grade": "1급", "first_hour_won": 300_000, "further_hour_won": 200_000}],
}
OCTOBER = {"date_from": "2020-10-01", "date_to": "2020-10-31"}


async def teaching_setup(
    client: AppClient, people: dict[Role, Person], operator: Caller
) -> tuple[Budget, CourseRun, dict[str, int], dict[str, int]]:
    budget = await make_budget(operator)
    teacher = people[Role.INSTRUCTOR].id
    park = await operator.post(
        "/instructors", {"name": "박소연", "grade": "1급", "user_id": teacher}
    )
    await operator.post("/fee-standards", STANDARD)
    app = client.app
    run = await make_course(app, title="보고서 작성 실습")
    unmapped = await make_course(app, title="매핑 안 된 과정")
    sessions = {
        "taught": await add_session(app, run, kst(2020, 10, 5, 10), minutes=180,
                                    instructors=(teacher,)),
        "coming": await add_session(app, run, kst(2020, 10, 20, 10), minutes=60,
                                    instructors=(teacher,), state="scheduled"),
        "unregistered": await add_session(app, run, kst(2020, 10, 6, 10), minutes=60,
                                          instructors=(people[Role.ASSISTANT].id,)),
        "unmapped": await add_session(app, unmapped, kst(2020, 10, 7, 10), minutes=60,
                                      instructors=(teacher,)),
    }  # fmt: skip
    await operator.post("/budget/course-lines", {"course_id": run.course_id,
                                                 "line_id": budget.teaching})  # fmt: skip
    return budget, run, sessions, {"park": park["id"]}


async def test_fees_post_once_as_commitments_and_expenditures_on_the_course_line(
    client: AppClient, people: dict[Role, Person]
) -> None:
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    budget, run, sessions, ids = await teaching_setup(client, people, operator)

    first = await operator.post("/budget/fee-postings", OCTOBER, 200)
    assert first == {
        "commitments_posted": 2, "expenditures_posted": 1, "adjustments_posted": 0,
        "already_posted": 0, "unknown_fee": 1, "unmapped_course": 1,
        "posted_won": 700_000 * 2 + 300_000,
    }  # fmt: skip
    ledger = await operator.get(f"/budget/lines/{budget.teaching}/entries")
    assert [(e["kind"], e["entry_on"], e["amount_won"], e["class_session_id"]) for e in ledger] == [
        ("commitment", "2020-10-05", 700_000, sessions["taught"]),
        ("expenditure", "2020-10-05", 700_000, sessions["taught"]),
        ("commitment", "2020-10-20", 300_000, sessions["coming"]),
    ]  # fmt: skip
    assert {(e["course_id"], e["cohort_id"], e["instructor_id"], e["counterparty"])
            for e in ledger} == {(run.course_id, run.cohort_id, ids["park"], "박소연")}  # fmt: skip

    again = await operator.post("/budget/fee-postings", OCTOBER, 200)
    assert (again["already_posted"], again["posted_won"]) == (3, 0)
    assert again["commitments_posted"] + again["expenditures_posted"] == 0
    assert len(await operator.get(f"/budget/lines/{budget.teaching}/entries")) == 3

    # she taught two hours, not three: the next posting corrects both entries
    await operator.post(
        f"/class-sessions/{sessions['taught']}/teaching-corrections",
        {"instructor_id": ids["park"], "minutes": 120, "reason": "조기 종료"},
    )
    fixed = await operator.post("/budget/fee-postings", OCTOBER, 200)
    assert (fixed["adjustments_posted"], fixed["posted_won"]) == (2, -400_000)
    async with client.app[DATABASE].unit_of_work() as session:
        await lms.set_session_state(session, sessions["coming"], SessionState.ENDED)
    paid = await operator.post("/budget/fee-postings", OCTOBER, 200)
    assert (paid["expenditures_posted"], paid["already_posted"], paid["posted_won"]) == (
        1, 3, 300_000,
    )  # fmt: skip
    assert (await operator.post("/budget/fee-postings", OCTOBER, 200))["posted_won"] == 0
    figures = (await lines(operator, "2020-10-31"))["teaching"]
    assert (figures["commitments_won"], figures["expenditures_won"]) == (800_000, 800_000)
    september = (await lines(operator, "2020-09-30"))["teaching"]
    assert (september["commitments_won"], september["expenditures_won"]) == (0, 0)

    backwards = {"date_from": "2020-10-31", "date_to": "2020-10-01"}
    bad = await operator.post("/budget/fee-postings", backwards, 422)
    assert bad["type"] == "/problems/validation-error"


async def test_cost_per_completed_trainee_per_course_and_line(
    client: AppClient, people: dict[Role, Person]
) -> None:
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    budget, run, _, _ = await teaching_setup(client, people, operator)
    await operator.post("/budget/fee-postings", OCTOBER, 200)  # 700,000 spent on the course
    nobody = await make_course(client.app, title="아무도 이수하지 않은 과정")
    await operator.post("/budget/course-lines", {"course_id": nobody.course_id,
                                                 "line_id": budget.equipment})  # fmt: skip
    await operator.post(f"/budget/lines/{budget.teaching}/entries",
                        {"kind": "expenditure", "entry_on": "2020-10-10", "amount_won": 50_000,
                         "memo": "과정과 무관한 소모품"})  # fmt: skip
    async with client.app[DATABASE].unit_of_work() as session:
        for n, person in enumerate(people.values()):
            done = kst(2020, 10 if n < 4 else 11, 25, 15).astimezone(UTC)  # 4 by 31 Oct
            session.add(Enrolment(cohort_id=run.cohort_id, user_id=person.id,
                                  status=EnrolmentStatus.COMPLETED, created_at=done,
                                  completed_at=done))  # fmt: skip

    costs = await operator.get("/budget/costs", year="2020", as_of="2020-10-31")
    by = {(c["scope"], c["id"]): c for c in costs}
    course = by[("course", run.course_id)]
    assert (course["expenditures_won"], course["completed"], course["per_completed_won"]) == (
        700_000, 4, 175_000,
    )  # fmt: skip
    empty = by[("course", nobody.course_id)]
    assert (empty["completed"], empty["per_completed_won"]) == (0, None)  # no data, not 0
    line = by[("line", budget.teaching)]
    assert (line["expenditures_won"], line["completed"], line["per_completed_won"]) == (
        750_000, 4, 187_500,
    )  # fmt: skip
    assert by[("line", budget.equipment)]["per_completed_won"] is None
    september = await operator.get("/budget/costs", year="2020", as_of="2020-09-30")
    assert {c["per_completed_won"] for c in september} == {None}


async def test_the_same_posting_twice_at_once_is_a_conflict_not_a_double(
    client: AppClient, people: dict[Role, Person]
) -> None:
    """Two postings racing past the "already posted?" check: the unique source key lets one
    through and answers the other with a conflict (its whole transaction rolled back)."""
    operator = await Caller.of(client, people[Role.OPERATOR].login)
    budget = await make_budget(operator)
    data = EntryCreate(kind=EntryKind.COMMITMENT, entry_on=date(2020, 10, 5), amount_won=700_000)
    now = client.app[CLOCK].now()
    async with client.app[DATABASE].unit_of_work() as session:
        await service.add_entry(session, budget.teaching, data, actor_id=None, now=now,
                                source_key="fee:1:1:commitment")  # fmt: skip
    with pytest.raises(Problem) as refused:
        async with client.app[DATABASE].unit_of_work() as session:
            await service.add_entry(session, budget.teaching, data, actor_id=None, now=now,
                                    source_key="fee:1:1:commitment")  # fmt: skip
    assert refused.value.type.slug == "conflict"
    assert len(await operator.get(f"/budget/lines/{budget.teaching}/entries")) == 1
