"""HTTP routes of the catalog: courses (create, edit), plan changes with their history, and a
year's catalog by area and sub-area. Operators and admins write; anyone signed in reads."""

from __future__ import annotations

from server.core.auth.roles import STAFF
from server.core.errors import Problem
from server.core.http import Allow, ApiRouter, Ctx
from server.lms.catalog import service
from server.lms.catalog.schemas import (
    CatalogYearOut,
    CourseCreate,
    CourseUpdate,
    PlanChange,
    PlanPath,
    PlanRevisionOut,
    YearPath,
    YearsOut,
)
from server.lms.models import PlanVersion
from server.lms.schemas import CourseOut, CoursePath

router = ApiRouter("catalog")

STAFF_ONLY = Allow.only(*STAFF)


@router.post("/courses", body=CourseCreate, response=CourseOut, status=201, allow=STAFF_ONLY)
async def create_course(ctx: Ctx, body: CourseCreate) -> CourseOut:
    """Add a course to a year's catalog (its plans are set afterwards, each with a reason).
    An unknown sub-area is a 422, a code already taken a 409."""
    return await service.create_course(ctx.session, body)


@router.patch(
    "/courses/{course_id}",
    path_model=CoursePath,
    body=CourseUpdate,
    response=CourseOut,
    allow=STAFF_ONLY,
)
async def update_course(ctx: Ctx, path: CoursePath, body: CourseUpdate) -> CourseOut:
    """Change a course's code, title, sub-area, track, delivery mode, always-open flag or
    teaching hours a day; only the fields sent change."""
    return await service.update_course(ctx.session, path.course_id, body)


@router.put(
    "/courses/{course_id}/plans/{version}",
    path_model=PlanPath,
    body=PlanChange,
    response=PlanRevisionOut,
    allow=STAFF_ONLY,
)
async def revise_plan(ctx: Ctx, path: PlanPath, body: PlanChange) -> PlanRevisionOut:
    """Set the original (당초) or revised (변경) plan's figures, with the reason; the change is
    recorded in the course's plan history with its author and time. Same figures: 409."""
    if path.version not in {v.value for v in PlanVersion}:
        raise Problem("not-found", f"No plan version {path.version}; original or revised.")
    revision = await service.revise_plan(
        ctx.session, path.course_id, PlanVersion(path.version),
        offered=body.offered, runs=body.runs, people=body.people, reason=body.reason,
        author_id=ctx.user.user_id, at=ctx.clock.now(),
    )  # fmt: skip
    return await service.revision_out(ctx.session, revision)


@router.get(
    "/courses/{course_id}/plan-revisions",
    path_model=CoursePath,
    response=list[PlanRevisionOut],
    allow=Allow.signed_in(),
)
async def plan_revisions(ctx: Ctx, path: CoursePath) -> list[PlanRevisionOut]:
    """Every change of the course's plans, newest first: before → after, why, who and when."""
    return await service.plan_revisions(ctx.session, path.course_id)


@router.get("/catalog/years", response=YearsOut, allow=Allow.signed_in())
async def catalog_years(ctx: Ctx) -> YearsOut:
    """The years that have courses, newest first."""
    return YearsOut(years=await service.years(ctx.session))


@router.get(
    "/catalog/years/{year}", path_model=YearPath, response=CatalogYearOut, allow=Allow.signed_in()
)
async def catalog_year(ctx: Ctx, path: YearPath) -> CatalogYearOut:
    """A year's catalog: competency areas → sub-areas → courses with both plans."""
    return await service.catalog_year(ctx.session, path.year)
