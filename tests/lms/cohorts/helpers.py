"""Courses for the cohort tests, written straight to the app's database (the catalog is
another page's work), and enrolments and session states that other parts of the app set."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlalchemy import select

from server.core.keys import DATABASE
from server.lms.models import (
    ClassSession,
    CompetencyArea,
    Course,
    DeliveryMode,
    Enrolment,
    EnrolmentStatus,
    SubArea,
    Track,
)
from tests.lms.instructors.helpers import Caller


async def make_course(
    app: web.Application,
    *,
    year: int = 2020,
    title: str = "보고서 작성 실습",
    code: str = "",
    hours_per_day: int = 7,
) -> int:
    """A classroom course of ``year`` with no cohorts yet; returns its id."""
    tag = secrets.token_hex(3)
    async with app[DATABASE].unit_of_work() as session:
        area = CompetencyArea(code=f"a{tag}", name_ko="직무역량", name_en="Job", sort=1)
        session.add(area)
        await session.flush()
        sub = SubArea(area_id=area.id, code=f"s{tag}", name_ko="공통", name_en="Common")
        session.add(sub)
        await session.flush()
        course = Course(
            code=code or f"{year}-C-{tag}",
            title=title,
            year=year,
            sub_area_id=sub.id,
            track=Track.CLASSROOM,
            delivery_mode=DeliveryMode.LIVE_REMOTE,
            always_open=False,
            hours_per_day=hours_per_day,
        )
        session.add(course)
        await session.flush()
        return course.id


async def enrol(
    app: web.Application, cohort_id: int, user_id: int, status: EnrolmentStatus
) -> None:
    async with app[DATABASE].unit_of_work() as session:
        session.add(
            Enrolment(
                cohort_id=cohort_id,
                user_id=user_id,
                status=status,
                created_at=datetime(2020, 9, 1, tzinfo=UTC),
            )
        )


async def set_state(app: web.Application, class_session_id: int, state: str) -> None:
    """What the live classroom does to a session when it opens, starts and ends."""
    async with app[DATABASE].unit_of_work() as session:
        cs = await session.scalar(select(ClassSession).where(ClassSession.id == class_session_id))
        assert cs is not None
        cs.state = state


async def query(caller: Caller, path: str, params: dict[str, str], status: int = 200) -> Any:
    """GET with query parameters given as a dict (``status`` is a filter here, not the
    expected answer, which ``Caller.get`` would take it for)."""
    response = await caller.client.get(f"/api/v1{path}", params=params, headers=caller.headers)
    assert response.status == status, await response.text()
    return await response.json()
