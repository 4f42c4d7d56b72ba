"""The instructor demo records: standards before and from 2020-10-01 (labelled illustrative),
one committee meeting, and a comparison the demo classes make non-trivial; loaded once."""

from __future__ import annotations

from sqlalchemy import func, select

from server.config import Settings
from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.demo import load_demo
from server.lms.instructors.models import FeeStandard, InstructorApproval, SelectionMeeting
from tests.conftest import AppClient, add_person
from tests.lms.instructors.helpers import Caller


async def test_demo_instructor_records(
    client: AppClient, settings: Settings, clock: ManualClock
) -> None:
    await load_demo(settings, clock)
    await load_demo(settings, clock)
    async with client.app[DATABASE].unit_of_work() as session:
        counts = [
            await session.scalar(select(func.count()).select_from(model))
            for model in (FeeStandard, SelectionMeeting, InstructorApproval)
        ]
    assert counts == [2, 1, 5]
    await add_person(client.app, "ops", [Role.OPERATOR], clock)
    operator = await Caller.of(client, "ops")
    standards = await operator.get("/fee-standards")
    assert [s["effective_from"] for s in standards] == ["2019-01-01", "2020-10-01"]
    assert all(s["basis"].startswith("예시 금액(illustrative)") for s in standards)
    report = await operator.get("/reports/instructors/approved-vs-taught", year="2020")
    # the demo instructor teaches all four demo cohorts; two of them without approval
    assert report["totals"] == {
        "approved_and_taught": 2,
        "approved_not_taught": 3,
        "taught_without_approval": 2,
    }
    fees = await operator.get(
        "/instructor-fees", date_from=report["as_of"], date_to=report["as_of"]
    )
    assert fees["rows_without_amount"] == 0
    assert {f["fee_standard_id"] for f in fees["items"]} == {standards[1]["id"]}
