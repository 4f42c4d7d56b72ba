"""A small, hand-countable catalog for report tests (figures worked out in the tests' comments).

Courses of 2020 (plus one of 2019 that must not count):
- C1 classroom, 기본역량/핵심가치, live remote; plan original 3 runs 100 people, revised 2 runs
  60 people. Cohorts: #1 from 2020-03-02 (3 completed in March, 1 completed 2020-10-01 00:30
  Seoul, 1 approved, 1 completed with no date), #2 from 2020-09-30 (2 completed 2020-09-30
  23:30 Seoul), #3 from 2020-10-05, #4 cancelled.
- C2 classroom, 핵심가치, blended; original 2 runs 40 people, dropped in the revised plan.
- C3 e-learning, 직무역량/IT, always open, 50 people both versions; one intake, 4 completed.
- C4 classroom, IT, in person; 1 run 20 people both versions; nothing recorded.
- C0 a 2019 course in 핵심가치 with 6 completions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from aiohttp import web

from server.core.clock import SEOUL
from server.core.keys import DATABASE
from server.lms.models import (
    Cohort,
    CompetencyArea,
    Course,
    CoursePlan,
    Enrolment,
    EnrolmentStatus,
    SubArea,
)

COMPLETED = EnrolmentStatus.COMPLETED


@dataclass(frozen=True)
class Catalog:
    c1: int
    c1_revised_plan: int
    c1_cohort1: int


def seoul(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SEOUL).astimezone(UTC)


def _plans(
    orig: tuple[bool, int | None, int], rev: tuple[bool, int | None, int]
) -> list[CoursePlan]:
    return [
        CoursePlan(version="original", offered=orig[0], runs=orig[1], people=orig[2]),
        CoursePlan(version="revised", offered=rev[0], runs=rev[1], people=rev[2]),
    ]


async def build(app: web.Application, trainees: list[int]) -> Catalog:
    """Write the catalog; ``trainees`` needs at least 6 distinct user ids."""
    async with app[DATABASE].unit_of_work(actor_id=None) as s:
        basic = CompetencyArea(code="basic", name_ko="기본역량", name_en="Basic", sort=1)
        job = CompetencyArea(code="job", name_ko="직무역량", name_en="Job", sort=3)
        s.add_all([basic, job])
        await s.flush()
        core = SubArea(area_id=basic.id, code="core_values", name_ko="핵심가치", name_en="Core",
                       sort=101)  # fmt: skip
        it = SubArea(area_id=job.id, code="it", name_ko="IT", name_en="IT", sort=303)
        s.add_all([core, it])
        await s.flush()

        def course(code: str, sub: int, track: str, mode: str, year: int = 2020) -> Course:
            return Course(code=code, title=f"과정 {code}", year=year, sub_area_id=sub,
                          track=track, delivery_mode=mode, always_open=track == "elearning",
                          hours_per_day=7)  # fmt: skip

        c1 = course("C1", core.id, "classroom", "live_remote")
        c1.plans = _plans((True, 3, 100), (True, 2, 60))
        c2 = course("C2", core.id, "classroom", "blended")
        c2.plans = _plans((True, 2, 40), (False, 0, 0))
        c3 = course("C3", it.id, "elearning", "elearning")
        c3.plans = _plans((True, None, 50), (True, None, 50))
        c4 = course("C4", it.id, "classroom", "in_person")
        c4.plans = _plans((True, 1, 20), (True, 1, 20))
        c0 = course("C0", core.id, "classroom", "live_remote", year=2019)
        c0.plans = _plans((True, 1, 10), (True, 1, 10))
        s.add_all([c1, c2, c3, c4, c0])
        await s.flush()

        def cohort(course_id: int, number: int, starts: date, status: str) -> Cohort:
            return Cohort(course_id=course_id, number=number, name=f"{number}기",
                          starts_on=starts, ends_on=starts, capacity=30, status=status)  # fmt: skip

        k1 = cohort(c1.id, 1, date(2020, 3, 2), "finished")
        k2 = cohort(c1.id, 2, date(2020, 9, 30), "running")
        k3 = cohort(c1.id, 3, date(2020, 10, 5), "planned")
        k4 = cohort(c1.id, 4, date(2020, 4, 1), "cancelled")
        k5 = cohort(c3.id, 1, date(2020, 1, 1), "finished")
        k0 = cohort(c0.id, 1, date(2019, 5, 1), "finished")
        s.add_all([k1, k2, k3, k4, k5, k0])
        await s.flush()

        def enrol(cohort_id: int, user: int, status: str, at: datetime | None) -> Enrolment:
            return Enrolment(cohort_id=cohort_id, user_id=user, status=status,
                             created_at=seoul(2019, 1, 1, 9), completed_at=at)  # fmt: skip

        march = seoul(2020, 3, 3, 18)
        s.add_all([enrol(k1.id, trainees[i], COMPLETED, march) for i in range(3)])
        s.add(enrol(k1.id, trainees[3], COMPLETED, seoul(2020, 10, 1, 0, 30)))
        s.add(enrol(k1.id, trainees[4], EnrolmentStatus.APPROVED, None))
        s.add(enrol(k1.id, trainees[5], COMPLETED, None))
        late_evening = seoul(2020, 9, 30, 23, 30)
        s.add_all([enrol(k2.id, trainees[i], COMPLETED, late_evening) for i in range(2)])
        s.add_all([enrol(k5.id, trainees[i], COMPLETED, seoul(2020, 1, 31, 18)) for i in range(4)])
        s.add_all([enrol(k0.id, trainees[i], COMPLETED, seoul(2019, 5, 2, 18)) for i in range(6)])
        await s.flush()
        revised = next(p.id for p in c1.plans if p.version == "revised")
        return Catalog(c1=c1.id, c1_revised_plan=revised, c1_cohort1=k1.id)
