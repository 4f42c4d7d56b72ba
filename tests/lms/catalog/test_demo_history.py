"""The demo's 2020 catalog comes with its plan history: each course's original plan as drawn up
and its revised plan as changed for COVID-19, with those reasons and no author."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from server.core.keys import DATABASE
from server.lms import demo
from server.lms.catalog import service as catalog
from server.lms.catalog.models import PlanRevision
from server.lms.models import Course, PlanVersion
from server.lms.seed_2020 import courses_2020
from tests.conftest import AppClient


async def test_the_demo_catalog_loads_with_the_reason_of_each_plan(client: AppClient) -> None:
    async with client.app[DATABASE].unit_of_work() as session:
        added = await demo.load_catalog(session)
        again = await demo.load_catalog(session)
    assert (added, again) == (len(courses_2020()), 0)
    async with client.app[DATABASE].unit_of_work() as session:
        reasons = Counter((await session.execute(
            select(PlanRevision.version, PlanRevision.reason, PlanRevision.author_id)
        )).all())  # fmt: skip
        dropped = await session.scalar(
            select(Course.id).where(Course.code == next(
                c.code for c in courses_2020() if not c.offered_revised
            ))
        )  # fmt: skip
        assert dropped is not None
        history = await catalog.plan_revisions(session, dropped)
        courses = await session.scalar(select(func.count(Course.id)))
    assert reasons == {
        ("original", demo.PLANNED_REASON, None): courses,
        ("revised", "2020 코로나19 대응 계획 변경", None): courses,
    }
    revised, original = history
    assert (revised.version, revised.after.offered, revised.after.runs) == (
        PlanVersion.REVISED, False, 0,
    )  # fmt: skip
    assert original.after.offered is True
    assert revised.author_name is None
