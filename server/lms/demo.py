"""Demo course records: the seed's 2020 catalog and a few cohorts with classes today.

Idempotent: the catalog is added once (by course code); the demo cohorts are moved so that
they run today and get today's class sessions if they have none, so ``make run`` on any day
shows live classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.clock import SEOUL
from server.lms.catalog import service as catalog
from server.lms.models import (
    ClassSession,
    Cohort,
    CohortStatus,
    CompetencyArea,
    Course,
    CoursePlan,
    Enrolment,
    EnrolmentStatus,
    Instructor,
    PlanVersion,
    SessionStaff,
    StaffRole,
    SubArea,
)
from server.lms.seed_2020 import AREAS, YEAR, courses_2020


@dataclass(frozen=True)
class DemoSession:
    title: str
    start: time
    end: time


@dataclass(frozen=True)
class DemoCohort:
    course_code: str
    number: int
    days: int
    capacity: int
    trainees: slice  # which demo trainees are enrolled
    staff: tuple[StaffRole, ...]
    sessions: tuple[DemoSession, ...]


DEMO_COHORTS = (
    DemoCohort(
        "2020-C-new_recruits-01", 12, 14, 300, slice(0, 12),
        (StaffRole.INSTRUCTOR, StaffRole.ASSISTANT),
        (
            DemoSession("접속 테스트와 오리엔테이션 (종일 열림)", time(0, 0), time(23, 59)),
            DemoSession("공직가치와 청렴", time(9, 0), time(12, 0)),
            DemoSession("유형별 보고서 작성 실습 (분임)", time(13, 0), time(17, 0)),
        ),
    ),
    DemoCohort(
        "2020-C-core_values-01", 15, 1, 50, slice(0, 30),
        (StaffRole.INSTRUCTOR, StaffRole.CAPTIONER),
        (DemoSession("핵심가치 공유: 소통과 협력", time(9, 0), time(17, 0)),),
    ),
    DemoCohort(
        "2020-C-it-01", 7, 1, 15, slice(0, 15),
        (StaffRole.INSTRUCTOR, StaffRole.ASSISTANT),
        (DemoSession("업무에 바로쓰는 엑셀 실습", time(14, 0), time(17, 0)),),
    ),
    DemoCohort(
        "2020-C-by_position-05", 2, 182, 90, slice(20, 30),
        (StaffRole.INSTRUCTOR,),
        (DemoSession("전략적·논리적 기획서 작성 토론", time(10, 0), time(12, 0)),),
    ),
)  # fmt: skip

DEMO_INSTRUCTORS = (
    ("김정훈", "서울시 인재개발원", "공직가치·청렴", "내부"),
    ("박소연", "한국행정연구원", "보고서 작성·기획", "1급"),
    ("이준호", "IT 교육 전문가", "엑셀·데이터 활용", "2급"),
    ("최미경", "리더십 코칭센터", "소통·리더십", "특급"),
)


async def load_catalog(session: AsyncSession) -> int:
    """Areas, sub-areas and every 2020 course with its original and revised plan."""
    known = set((await session.scalars(select(Course.code))).all())
    sub_ids = await _ensure_areas(session)
    added: list[Course] = []
    for seed in courses_2020():
        if seed.code in known:
            continue
        always_open = seed.track == "elearning"
        added.append(
            Course(
                code=seed.code, title=seed.title_ko, year=YEAR, sub_area_id=sub_ids[seed.sub_area],
                track=seed.track, delivery_mode=seed.delivery_mode, always_open=always_open,
                hours_per_day=7,
                plans=[
                    CoursePlan(version=PlanVersion.ORIGINAL, offered=seed.offered_original,
                               runs=seed.runs_original, people=seed.people_original),
                    CoursePlan(version=PlanVersion.REVISED, offered=seed.offered_revised,
                               runs=seed.runs_revised, people=seed.people_revised),
                ],
            )
        )  # fmt: skip
    session.add_all(added)
    await session.flush()
    _plan_history(session, added)
    await session.flush()
    return len(added)


#: the demo's plan history: the 2020 plan as drawn up, then as changed for COVID-19
PLANNED_AT = datetime(2019, 12, 16, 9, tzinfo=SEOUL)
REVISED_AT = datetime(2020, 6, 30, 9, tzinfo=SEOUL)
PLANNED_REASON = "2020 당초 계획 수립"
REVISED_REASON = "2020 코로나19 대응 계획 변경"


def _plan_history(session: AsyncSession, courses: list[Course]) -> None:
    """Each loaded course's two plans in its plan history (no author: loaded, not typed)."""
    for course in courses:
        for plan in course.plans:
            original = plan.version == PlanVersion.ORIGINAL
            catalog.record_revision(
                session, course.id, PlanVersion(plan.version), None,
                catalog.Figures(plan.offered, plan.runs, plan.people),
                reason=PLANNED_REASON if original else REVISED_REASON, author_id=None,
                at=PLANNED_AT if original else REVISED_AT,
            )  # fmt: skip


async def _ensure_areas(session: AsyncSession) -> dict[str, int]:
    areas = {a.code: a for a in (await session.scalars(select(CompetencyArea))).all()}
    subs = {s.code: s for s in (await session.scalars(select(SubArea))).all()}
    for sort, area_seed in enumerate(AREAS, start=1):
        area = areas.get(area_seed.code)
        if area is None:
            area = CompetencyArea(
                code=area_seed.code, name_ko=area_seed.name_ko, name_en=area_seed.name_en,
                sort=sort,
            )  # fmt: skip
            session.add(area)
            await session.flush()
        for sub_sort, sub_seed in enumerate(area_seed.sub_areas, start=1):
            if sub_seed.code not in subs:
                subs[sub_seed.code] = SubArea(
                    area_id=area.id, code=sub_seed.code, name_ko=sub_seed.name_ko,
                    name_en=sub_seed.name_en, sort=sort * 100 + sub_sort,
                )  # fmt: skip
                session.add(subs[sub_seed.code])
    await session.flush()
    return {code: sub.id for code, sub in subs.items()}


async def load_instructors(session: AsyncSession, instructor_user_id: int) -> None:
    if await session.scalar(select(Instructor.id).limit(1)) is not None:
        return
    for n, (name, affiliation, specialty, grade) in enumerate(DEMO_INSTRUCTORS):
        session.add(
            Instructor(
                user_id=instructor_user_id if n == 0 else None, name=name,
                affiliation=affiliation, specialty=specialty, grade=grade, internal=n == 0,
            )
        )  # fmt: skip
    await session.flush()


async def load_todays_classes(
    session: AsyncSession,
    now: datetime,
    trainee_ids: list[int],
    staff_ids: dict[StaffRole, int],
) -> list[ClassSession]:
    """Demo cohorts running today, each with today's class sessions, staff and enrolments."""
    today = now.astimezone(SEOUL).date()
    sessions: list[ClassSession] = []
    for spec in DEMO_COHORTS:
        course = await session.scalar(select(Course).where(Course.code == spec.course_code))
        if course is None:
            raise LookupError(f"demo course {spec.course_code} missing: load the catalog first")
        cohort = await _cohort_covering(session, course, spec, today)
        await _enrol(session, cohort.id, trainee_ids[spec.trainees], now)
        for demo in spec.sessions:
            class_session = await _session_on(session, cohort, demo, today)
            await _staff(session, class_session.id, {r: staff_ids[r] for r in spec.staff})
            sessions.append(class_session)
    await session.flush()
    return sessions


async def _cohort_covering(
    session: AsyncSession, course: Course, spec: DemoCohort, today: date
) -> Cohort:
    cohort = await session.scalar(
        select(Cohort).where(Cohort.course_id == course.id, Cohort.number == spec.number)
    )
    if cohort is None:
        name = f"{course.title} {spec.number}기"
        cohort = Cohort(course_id=course.id, number=spec.number, name=name,
                        capacity=spec.capacity, starts_on=today, ends_on=today)  # fmt: skip
        session.add(cohort)
    if not cohort.starts_on <= today <= cohort.ends_on:
        cohort.starts_on = today - timedelta(days=min(2, spec.days - 1))
        cohort.ends_on = cohort.starts_on + timedelta(days=spec.days - 1)
    cohort.status = CohortStatus.RUNNING
    await session.flush()
    return cohort


async def _enrol(session: AsyncSession, cohort_id: int, user_ids: list[int], now: datetime) -> None:
    enrolled = set(
        await session.scalars(select(Enrolment.user_id).where(Enrolment.cohort_id == cohort_id))
    )
    for user_id in user_ids:
        if user_id not in enrolled:
            session.add(Enrolment(cohort_id=cohort_id, user_id=user_id,
                                  status=EnrolmentStatus.APPROVED, created_at=now))  # fmt: skip


async def _session_on(
    session: AsyncSession, cohort: Cohort, demo: DemoSession, today: date
) -> ClassSession:
    starts = datetime.combine(today, demo.start, tzinfo=SEOUL).astimezone(UTC)
    existing = await session.scalar(
        select(ClassSession).where(
            ClassSession.cohort_id == cohort.id, ClassSession.starts_at == starts
        )
    )
    if existing is not None:
        return existing
    class_session = ClassSession(
        cohort_id=cohort.id, title=demo.title, starts_at=starts,
        ends_at=datetime.combine(today, demo.end, tzinfo=SEOUL).astimezone(UTC), live=True,
    )  # fmt: skip
    session.add(class_session)
    await session.flush()
    return class_session


async def _staff(session: AsyncSession, class_session_id: int, staff: dict[StaffRole, int]) -> None:
    have = set(
        (
            await session.execute(
                select(SessionStaff.role, SessionStaff.user_id).where(
                    SessionStaff.class_session_id == class_session_id
                )
            )
        ).all()
    )
    for role, user_id in staff.items():
        if (role.value, user_id) not in have:
            session.add(SessionStaff(class_session_id=class_session_id, user_id=user_id, role=role))
