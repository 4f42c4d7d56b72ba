"""The catalog's rules: courses, their plans and the plan history, as plain async functions.

Every plan change goes through ``revise_plan``, which writes the new figures and a
``PlanRevision`` (before, after, reason, author, time) in the same unit of work, so the history
can never miss a change nor hold one that did not happen. The audit log still records the
``course_plans`` update itself, which is how a frozen report's diff names the change.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.auth import service as auth
from server.core.db import get_or_404
from server.core.errors import Problem
from server.lms.catalog.models import PlanRevision
from server.lms.catalog.schemas import (
    CatalogAreaOut,
    CatalogCourseOut,
    CatalogSubAreaOut,
    CatalogYearOut,
    CourseCreate,
    CourseUpdate,
    FiguresOut,
    PlanRevisionOut,
)
from server.lms.models import CompetencyArea, Course, CoursePlan, PlanVersion, SubArea
from server.lms.schemas import CourseOut


@dataclass(frozen=True, slots=True)
class Figures:
    """One version's figures: offered or not, runs (None: always open) and people."""

    offered: bool
    runs: int | None
    people: int


def _invalid(field: str, msg: str) -> Problem:
    """A 422 like the schema's own, for rules that need the database to check."""
    error = {"in": "body", "loc": [field], "msg": msg, "type": "value_error"}
    return Problem("validation-error", msg, errors=[error])


async def _sub_area(session: AsyncSession, sub_area_id: int) -> SubArea:
    sub = await session.get(SubArea, sub_area_id)
    if sub is None:
        raise _invalid("sub_area_id", f"no sub-area {sub_area_id}")
    return sub


async def _code_free(session: AsyncSession, code: str, course_id: int | None = None) -> None:
    holder = await session.scalar(select(Course.id).where(Course.code == code))
    if holder is not None and holder != course_id:
        raise Problem("conflict", f"Course code {code} is already taken.", code=code)


async def _flush_unique(session: AsyncSession, code: str) -> None:
    """Flush; two operators taking one code at the same moment: the second gets a 409."""
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Problem("conflict", f"Course code {code} is already taken.", code=code) from None


async def create_course(session: AsyncSession, data: CourseCreate) -> CourseOut:
    """A new course of a year, with no plan yet (plans are set with a reason, by version)."""
    await _sub_area(session, data.sub_area_id)
    await _code_free(session, data.code)
    course = Course(**data.model_dump(mode="json"), plans=[])
    session.add(course)
    await _flush_unique(session, data.code)
    return CourseOut.model_validate(course)


async def update_course(session: AsyncSession, course_id: int, data: CourseUpdate) -> CourseOut:
    """Change a course's descriptive fields; a course with an always-open plan (no runs) stays
    always open until that plan is revised."""
    course = await get_or_404(session, Course, course_id, "course")
    changes = data.model_dump(mode="json", exclude_unset=True)
    if "sub_area_id" in changes:
        await _sub_area(session, changes["sub_area_id"])
    if "code" in changes:
        await _code_free(session, changes["code"], course.id)
    if changes.get("always_open") is False and any(p.runs is None for p in course.plans):
        raise Problem("conflict", "A plan of this course has no runs (always open); "
                      "revise the plan first.")  # fmt: skip
    for name, value in changes.items():
        setattr(course, name, value)
    await _flush_unique(session, course.code)
    return CourseOut.model_validate(course)


def _check_figures(course: Course, after: Figures, reason: str) -> None:
    if not reason.strip():
        raise _invalid("reason", "a plan change needs a reason")
    if after.people < 0:
        raise _invalid("people", "people cannot be negative")
    if after.runs is None and not course.always_open:
        raise _invalid("runs", "only an always-open course has no number of runs")
    if after.offered and after.runs is not None and after.runs < 1:
        raise _invalid("runs", "an offered course runs at least once")
    if not after.offered and (after.runs or after.people):
        raise _invalid("runs", "a course not offered has 0 runs and 0 people")


async def revise_plan(
    session: AsyncSession,
    course_id: int,
    version: PlanVersion,
    *,
    offered: bool,
    runs: int | None,
    people: int,
    reason: str,
    author_id: int | None,
    at: datetime,
) -> PlanRevision:
    """Set one version of a course's plan (당초 or 변경) and record the change with its reason,
    author and time. Figures equal to the current ones are refused (409): nothing changes."""
    course = await get_or_404(session, Course, course_id, "course")
    after = Figures(offered, runs, people)
    _check_figures(course, after, reason)
    plan = next((p for p in course.plans if p.version == version), None)
    before = None if plan is None else Figures(plan.offered, plan.runs, plan.people)
    if before == after:
        raise Problem("conflict", "The plan already has these figures.")
    if plan is None:
        course.plans.append(CoursePlan(version=version, offered=offered, runs=runs, people=people))
    else:
        plan.offered, plan.runs, plan.people = offered, runs, people
    revision = record_revision(session, course_id, version, before, after,
                               reason=reason.strip(), author_id=author_id, at=at)  # fmt: skip
    try:
        async with session.begin_nested():  # two first settings of one plan at once
            await session.flush()
    except IntegrityError:
        raise Problem("conflict", "The plan was set at the same moment; reload it.") from None
    return revision


def record_revision(
    session: AsyncSession,
    course_id: int,
    version: PlanVersion,
    before: Figures | None,
    after: Figures,
    *,
    reason: str,
    author_id: int | None,
    at: datetime,
) -> PlanRevision:
    """Add the history row of a plan change (also for plans loaded with the demo data)."""
    revision = PlanRevision(
        course_id=course_id, version=version.value,
        offered_before=before.offered if before else None,
        runs_before=before.runs if before else None,
        people_before=before.people if before else None,
        offered_after=after.offered, runs_after=after.runs, people_after=after.people,
        reason=reason, author_id=author_id, at=at,
    )  # fmt: skip
    session.add(revision)
    return revision


def _out(revision: PlanRevision, names: dict[int, str]) -> PlanRevisionOut:
    before = None
    if revision.offered_before is not None and revision.people_before is not None:
        before = FiguresOut(offered=revision.offered_before, runs=revision.runs_before,
                            people=revision.people_before)  # fmt: skip
    return PlanRevisionOut(
        id=revision.id, course_id=revision.course_id, version=PlanVersion(revision.version),
        before=before,
        after=FiguresOut(offered=revision.offered_after, runs=revision.runs_after,
                         people=revision.people_after),
        reason=revision.reason, author_id=revision.author_id,
        author_name=names.get(revision.author_id) if revision.author_id else None,
        at=revision.at,
    )  # fmt: skip


async def revision_out(session: AsyncSession, revision: PlanRevision) -> PlanRevisionOut:
    ids = [revision.author_id] if revision.author_id else []
    return _out(revision, await auth.names_of(session, ids))


async def plan_revisions(session: AsyncSession, course_id: int) -> list[PlanRevisionOut]:
    """A course's plan changes, newest first, with their authors' names."""
    await get_or_404(session, Course, course_id, "course")
    rows = list((await session.scalars(
        select(PlanRevision).where(PlanRevision.course_id == course_id)
        .order_by(PlanRevision.id.desc())
    )).all())  # fmt: skip
    names = await auth.names_of(session, sorted({r.author_id for r in rows if r.author_id}))
    return [_out(r, names) for r in rows]


async def years(session: AsyncSession) -> list[int]:
    """The years that have courses, newest first."""
    rows = await session.scalars(select(Course.year).distinct().order_by(Course.year.desc()))
    return list(rows.all())


async def catalog_year(session: AsyncSession, year: int) -> CatalogYearOut:
    """Areas → sub-areas → the year's courses with both plans and how often they changed.
    Every area and sub-area is listed, with or without courses that year."""
    area_order = (CompetencyArea.sort, CompetencyArea.id)
    areas = (await session.scalars(select(CompetencyArea).order_by(*area_order))).all()
    subs = (await session.scalars(select(SubArea).order_by(SubArea.sort, SubArea.id))).all()
    courses = (await session.scalars(
        select(Course).where(Course.year == year).order_by(Course.code)
    )).all()  # fmt: skip
    counts: Counter[int] = Counter()
    if courses:
        rows = await session.execute(
            select(PlanRevision.course_id, func.count(PlanRevision.id))
            .join(Course, Course.id == PlanRevision.course_id)
            .where(Course.year == year)
            .group_by(PlanRevision.course_id)
        )
        counts.update({course_id: n for course_id, n in rows.all()})
    by_sub: dict[int, list[CatalogCourseOut]] = {}
    for course in courses:
        out = CourseOut.model_validate(course).model_dump()
        by_sub.setdefault(course.sub_area_id, []).append(
            CatalogCourseOut(**out, revisions=counts[course.id])
        )
    return CatalogYearOut(
        year=year,
        areas=[
            CatalogAreaOut(
                id=a.id, code=a.code, name_ko=a.name_ko, name_en=a.name_en,
                sub_areas=[
                    CatalogSubAreaOut(id=s.id, code=s.code, name_ko=s.name_ko,
                                      name_en=s.name_en, courses=by_sub.get(s.id, []))
                    for s in subs if s.area_id == a.id
                ],
            )
            for a in areas
        ],
    )  # fmt: skip
