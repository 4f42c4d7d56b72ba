"""HTTP routes for the catalog, class sessions and enrolments."""

from __future__ import annotations

from server.core.auth.roles import STAFF
from server.core.auth.schemas import UserPath
from server.core.http import Allow, ApiRouter, Ctx
from server.core.schemas import Page, page_of
from server.lms import service
from server.lms.schemas import (
    AreaOut,
    ClassSessionOut,
    ClassSessionPath,
    ClassSessionQuery,
    CourseOut,
    CoursePath,
    CourseQuery,
    EnrolmentOut,
)

router = ApiRouter("lms")


@router.get("/catalog/areas", response=list[AreaOut], allow=Allow.signed_in())
async def list_areas(ctx: Ctx) -> list[AreaOut]:
    """Competency areas and their sub-areas: the rows of every plan table."""
    return await service.list_areas(ctx.session)


@router.get("/courses", query=CourseQuery, response=Page[CourseOut], allow=Allow.signed_in())
async def list_courses(ctx: Ctx, query: CourseQuery) -> Page[CourseOut]:
    """The course catalog with each course's original and revised plan."""
    courses, cursor = page_of(await service.list_courses(ctx.session, query), query.limit)
    return Page[CourseOut](items=courses, next_cursor=cursor)


@router.get(
    "/courses/{course_id}", path_model=CoursePath, response=CourseOut, allow=Allow.signed_in()
)
async def get_course(ctx: Ctx, path: CoursePath) -> CourseOut:
    """One course with its plans."""
    return CourseOut.model_validate(await service.get_course(ctx.session, path.course_id))


@router.get(
    "/class-sessions",
    query=ClassSessionQuery,
    response=Page[ClassSessionOut],
    allow=Allow.signed_in(),
)
async def list_class_sessions(ctx: Ctx, query: ClassSessionQuery) -> Page[ClassSessionOut]:
    """Class sessions; staff see all, everyone else the ones they attend or teach."""
    visible_to = None if ctx.user.has(*STAFF) else ctx.user.user_id
    rows = await service.list_class_sessions(ctx.session, query, visible_to=visible_to)
    sessions, cursor = page_of(rows, query.limit)
    return Page[ClassSessionOut](
        items=[ClassSessionOut.model_validate(s) for s in sessions], next_cursor=cursor
    )


@router.get(
    "/class-sessions/{class_session_id}",
    path_model=ClassSessionPath,
    response=ClassSessionOut,
    allow=Allow.signed_in(),
)
async def get_class_session(ctx: Ctx, path: ClassSessionPath) -> ClassSessionOut:
    """One class session: its title, time and state."""
    return ClassSessionOut.model_validate(
        await service.get_class_session(ctx.session, path.class_session_id)
    )


@router.get(
    "/users/{user_id}/enrolments",
    path_model=UserPath,
    response=list[EnrolmentOut],
    allow=Allow.only(*STAFF, or_self="user_id"),
)
async def list_enrolments(ctx: Ctx, path: UserPath) -> list[EnrolmentOut]:
    """A person's enrolments: staff see anyone's, a trainee only their own."""
    rows = await service.enrolments_of(ctx.session, path.user_id)
    return [EnrolmentOut.model_validate(e) for e in rows]
