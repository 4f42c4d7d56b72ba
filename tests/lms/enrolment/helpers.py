"""Cohorts and trainees for the enrolment tests, written straight to the app's database."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.lms.models import Cohort
from tests.conftest import AppClient, add_person
from tests.lms.instructors.helpers import Caller, CourseRun, make_course


@dataclass(frozen=True)
class Trainee:
    id: int
    login: str
    caller: Caller


async def open_cohort(
    app: web.Application, *, capacity: int, status: str = "open", year: int = 2020
) -> CourseRun:
    """A course with one cohort of ``capacity`` places, taking applications by default."""
    run = await make_course(app, year=year, status=status)
    async with app[DATABASE].unit_of_work() as session:
        cohort = await session.get(Cohort, run.cohort_id)
        assert cohort is not None
        cohort.capacity = capacity
    return run


async def trainees(client: AppClient, clock: ManualClock, logins: list[str]) -> dict[str, Trainee]:
    """Trainees by log-in, each with an API token of their own."""
    out = {}
    for login in logins:
        person = await add_person(client.app, login, [Role.TRAINEE], clock, name=login.title())
        out[login] = Trainee(person.id, login, await Caller.of(client, login))
    return out
