"""Records for tests, written straight to the database the app under test uses."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web

from server.core.clock import Clock
from server.core.keys import DATABASE
from server.lms.models import (
    ClassSession,
    Cohort,
    CompetencyArea,
    Course,
    CoursePlan,
    DeliveryMode,
    Enrolment,
    EnrolmentStatus,
    SessionStaff,
    StaffRole,
    SubArea,
    Track,
)


@dataclass(frozen=True)
class ClassFixture:
    course_id: int
    cohort_id: int
    class_session_id: int


async def make_class(
    app: web.Application,
    clock: Clock,
    *,
    trainees: list[int],
    staff: dict[StaffRole, int] | None = None,
    status: EnrolmentStatus = EnrolmentStatus.APPROVED,
    starts_in: timedelta = timedelta(hours=1),
    length: timedelta = timedelta(hours=3),
) -> ClassFixture:
    """A live-remote course with one cohort and one class session, and who is in it."""
    tag = secrets.token_hex(3)
    now = clock.now()
    async with app[DATABASE].unit_of_work() as session:
        area = CompetencyArea(code=f"a{tag}", name_ko="기본역량", name_en="Basic", sort=1)
        session.add(area)
        await session.flush()
        sub = SubArea(area_id=area.id, code=f"s{tag}", name_ko="핵심가치", name_en="Core values")
        session.add(sub)
        await session.flush()
        course = Course(
            code=f"T-{tag}", title="핵심가치 공유 과정", year=2020, sub_area_id=sub.id,
            track=Track.CLASSROOM, delivery_mode=DeliveryMode.LIVE_REMOTE, always_open=False,
            hours_per_day=7,
            plans=[CoursePlan(version="original", offered=True, runs=2, people=100)],
        )  # fmt: skip
        session.add(course)
        await session.flush()
        cohort = Cohort(
            course_id=course.id, number=1, name="1기", starts_on=now.date(),
            ends_on=now.date(), capacity=50, status="running",
        )  # fmt: skip
        session.add(cohort)
        await session.flush()
        class_session = ClassSession(
            cohort_id=cohort.id, title="핵심가치 공유 1기 1일차", starts_at=now + starts_in,
            ends_at=now + starts_in + length, live=True, state="scheduled",
        )  # fmt: skip
        session.add(class_session)
        await session.flush()
        for user_id in trainees:
            session.add(
                Enrolment(cohort_id=cohort.id, user_id=user_id, status=status, created_at=now)
            )
        for role, user_id in (staff or {}).items():
            session.add(SessionStaff(class_session_id=class_session.id, user_id=user_id, role=role))
    return ClassFixture(course.id, cohort.id, class_session.id)
