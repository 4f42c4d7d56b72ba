"""Course records for the instructor tests, written straight to the app's database, and a
small HTTP helper; times are given in Asia/Seoul as the institute's timetable is."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from server.core.clock import SEOUL
from server.core.keys import DATABASE
from server.lms.models import (
    ClassSession,
    Cohort,
    CompetencyArea,
    Course,
    DeliveryMode,
    SessionStaff,
    StaffRole,
    SubArea,
    Track,
)
from tests.conftest import AppClient, api_token, bearer


def kst(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SEOUL)


@dataclass(frozen=True)
class CourseRun:
    course_id: int
    cohort_id: int


async def make_course(
    app: web.Application,
    *,
    year: int = 2020,
    title: str = "보고서 작성 실습",
    code: str = "",
    status: str = "running",
) -> CourseRun:
    """A classroom course of ``year`` (7 teaching hours a day) with one cohort."""
    tag = secrets.token_hex(3)
    async with app[DATABASE].unit_of_work() as session:
        area = CompetencyArea(code=f"a{tag}", name_ko="직무역량", name_en="Job", sort=1)
        session.add(area)
        await session.flush()
        sub = SubArea(area_id=area.id, code=f"s{tag}", name_ko="공통", name_en="Common")
        session.add(sub)
        await session.flush()
        course = Course(
            code=code or f"{year}-T-{tag}",
            title=title,
            year=year,
            sub_area_id=sub.id,
            track=Track.CLASSROOM,
            delivery_mode=DeliveryMode.LIVE_REMOTE,
            always_open=False,
            hours_per_day=7,
        )
        session.add(course)
        await session.flush()
        cohort = Cohort(
            course_id=course.id,
            number=1,
            name=f"{title} 1기",
            starts_on=kst(year, 1, 1).date(),
            ends_on=kst(year, 12, 31).date(),
            capacity=30,
            status=status,
        )
        session.add(cohort)
        await session.flush()
    return CourseRun(course.id, cohort.id)


async def add_session(
    app: web.Application,
    run: CourseRun,
    starts: datetime,
    *,
    minutes: int,
    instructors: tuple[int, ...] = (),
    assistants: tuple[int, ...] = (),
    state: str = "ended",
) -> int:
    """A class session of the cohort with its staff (user ids); returns its id."""
    async with app[DATABASE].unit_of_work() as session:
        class_session = ClassSession(
            cohort_id=run.cohort_id,
            title=f"{starts:%m/%d %H:%M} 수업",
            starts_at=starts.astimezone(UTC),
            ends_at=(starts + timedelta(minutes=minutes)).astimezone(UTC),
            live=True,
            state=state,
        )
        session.add(class_session)
        await session.flush()
        for user_id in instructors:
            session.add(
                SessionStaff(
                    class_session_id=class_session.id, user_id=user_id, role=StaffRole.INSTRUCTOR
                )
            )
        for user_id in assistants:
            session.add(
                SessionStaff(
                    class_session_id=class_session.id, user_id=user_id, role=StaffRole.ASSISTANT
                )
            )
    return class_session.id


class Caller:
    """One person's API token, and requests that must answer an expected status."""

    def __init__(self, client: AppClient, token: str) -> None:
        self.client = client
        self.headers = bearer(token)

    @classmethod
    async def of(cls, client: AppClient, login: str) -> Caller:
        return cls(client, await api_token(client, login))

    async def call(
        self, method: str, path: str, status: int = 200, *, json: Any = None, **params: Any
    ) -> Any:
        response = await self.client.request(
            method, f"/api/v1{path}", json=json, params=params or None, headers=self.headers
        )
        assert response.status == status, f"{method} {path}: {await response.text()}"
        return await response.json() if response.status != 204 else None

    async def get(self, path: str, status: int = 200, **params: Any) -> Any:
        return await self.call("GET", path, status, **params)

    async def post(self, path: str, json: Any, status: int = 201) -> Any:
        return await self.call("POST", path, status, json=json)

    async def patch(self, path: str, json: Any, status: int = 200) -> Any:
        return await self.call("PATCH", path, status, json=json)
