"""HTTP routes for surveys: define (staff), open and close (staff), answer (the cohort's
trainees, once), results (staff and the cohort's instructors)."""

from __future__ import annotations

from server.core.auth.roles import STAFF
from server.core.errors import Problem
from server.core.http import Allow, ApiRouter, Ctx
from server.lms import service as lms
from server.lms.completion.schemas import CohortPath
from server.lms.surveys import service
from server.lms.surveys.models import SurveyStatus
from server.lms.surveys.schemas import (
    MySurveyOut,
    PhaseOut,
    ResponseIn,
    SatisfactionOut,
    SatisfactionQuery,
    SurveyDetailOut,
    SurveyEdit,
    SurveyIn,
    SurveyOut,
    SurveyPath,
    SurveyResultsOut,
    TemplateQuery,
)

router = ApiRouter("surveys")


@router.post("/cohorts/{cohort_id}/surveys", path_model=CohortPath, body=SurveyIn,
             response=SurveyOut, status=201, allow=Allow.only(*STAFF))  # fmt: skip
async def create_survey(ctx: Ctx, path: CohortPath, body: SurveyIn) -> SurveyOut:
    """A satisfaction or on-the-job application survey for the cohort, as a draft."""
    survey = await service.create_survey(
        ctx.session, path.cohort_id, body, author_id=ctx.user.user_id, now=ctx.clock.now()
    )
    items = (await service.items_of(ctx.session, [survey.id]))[survey.id]
    return service.survey_out(survey, items, None)


@router.get("/cohorts/{cohort_id}/surveys", path_model=CohortPath, response=list[SurveyOut],
            allow=Allow.signed_in())  # fmt: skip
async def list_surveys(ctx: Ctx, path: CohortPath) -> list[SurveyOut]:
    """The cohort's surveys: staff and instructors all; a trainee the open and closed ones,
    with whether they have answered each."""
    await lms.get_cohort(ctx.session, path.cohort_id)
    uid = ctx.user.user_id
    if ctx.user.has(*STAFF) or await lms.teaches_cohort(ctx.session, path.cohort_id, uid):
        return await service.surveys_of_cohort(ctx.session, path.cohort_id)
    if await lms.is_joinable_trainee(ctx.session, path.cohort_id, uid):
        return await service.surveys_of_cohort(ctx.session, path.cohort_id, for_trainee=uid)
    raise Problem("forbidden", "Only the cohort's people see its surveys.")


@router.post("/surveys/{survey_id}/open", path_model=SurveyPath, response=SurveyOut,
             allow=Allow.only(*STAFF))  # fmt: skip
async def open_survey(ctx: Ctx, path: SurveyPath) -> SurveyOut:
    """Start taking answers."""
    return await _set(ctx, path.survey_id, SurveyStatus.OPEN)


@router.post("/surveys/{survey_id}/close", path_model=SurveyPath, response=SurveyOut,
             allow=Allow.only(*STAFF))  # fmt: skip
async def close_survey(ctx: Ctx, path: SurveyPath) -> SurveyOut:
    """Stop taking answers; from now on the results show scores."""
    return await _set(ctx, path.survey_id, SurveyStatus.CLOSED)


async def _set(ctx: Ctx, survey_id: int, status: SurveyStatus) -> SurveyOut:
    survey = await service.set_status(ctx.session, survey_id, status, ctx.clock.now())
    items = (await service.items_of(ctx.session, [survey.id]))[survey.id]
    return service.survey_out(survey, items, None)


@router.post("/surveys/{survey_id}/responses", path_model=SurveyPath, body=ResponseIn,
             status=201, allow=Allow.signed_in())  # fmt: skip
async def submit(ctx: Ctx, path: SurveyPath, body: ResponseIn) -> dict[str, bool]:
    """A trainee's answers, once; stored without their name (see the package docstring)."""
    await service.submit(
        ctx.session, path.survey_id, ctx.user.user_id, dict(body.answers), ctx.clock.now()
    )
    return {"submitted": True}


@router.get("/surveys/{survey_id}/results", path_model=SurveyPath, response=SurveyResultsOut,
            allow=Allow.signed_in())  # fmt: skip
async def results(ctx: Ctx, path: SurveyPath) -> SurveyResultsOut:
    """In progress (response count, no score) while open; per item means when closed."""
    survey = await service.get_survey(ctx.session, path.survey_id)
    uid = ctx.user.user_id
    if not ctx.user.has(*STAFF) and not await lms.teaches_cohort(
        ctx.session, survey.cohort_id, uid
    ):
        raise Problem("forbidden", "Only training staff and the cohort's instructors see results.")
    return await service.results(ctx.session, path.survey_id)


@router.get("/satisfaction", query=SatisfactionQuery, response=SatisfactionOut,
            allow=Allow.only(*STAFF))  # fmt: skip
async def satisfaction(ctx: Ctx, query: SatisfactionQuery) -> SatisfactionOut:
    """Satisfaction over a course, a cohort and/or an instructor: "no data", "in progress"
    (response count, no mean) or the mean of closed surveys with their response rate."""
    return await service.satisfaction_summary(
        ctx.session, course_id=query.course_id, cohort_id=query.cohort_id,
        instructor_id=query.instructor_id,
    )  # fmt: skip


@router.get("/cohorts/{cohort_id}/application", path_model=CohortPath,
            response=list[PhaseOut], allow=Allow.signed_in())  # fmt: skip
async def application(ctx: Ctx, path: CohortPath) -> list[PhaseOut]:
    """On-the-job application by phase: before, right after, 2-3 months after (staff and the
    cohort's instructors)."""
    await lms.get_cohort(ctx.session, path.cohort_id)
    uid = ctx.user.user_id
    if not ctx.user.has(*STAFF) and not await lms.teaches_cohort(ctx.session, path.cohort_id, uid):
        raise Problem("forbidden", "Only training staff and the cohort's instructors see this.")
    return await service.application_summary(ctx.session, path.cohort_id)


# ---- administration pages and the trainee's form --------------------------------------------


@router.get("/cohorts/{cohort_id}/survey-template", path_model=CohortPath, query=TemplateQuery,
            response=SurveyIn, allow=Allow.only(*STAFF))  # fmt: skip
async def survey_template(ctx: Ctx, path: CohortPath, query: TemplateQuery) -> SurveyIn:
    """The standard form to start from (not stored): satisfaction asks about the course, each
    of the cohort's instructors (registry entries) and invites free text; application asks
    the phase's questions."""
    return await service.template_for(ctx.session, path.cohort_id, query.kind, query.phase,
                                      query.lang)  # fmt: skip


@router.get("/surveys/{survey_id}", path_model=SurveyPath, response=SurveyDetailOut,
            allow=Allow.signed_in())  # fmt: skip
async def get_survey(ctx: Ctx, path: SurveyPath) -> SurveyDetailOut:
    """One survey with its items: staff and the cohort's instructors any; the cohort's
    trainees an open or closed one (a draft is not there for them), with ``submitted``."""
    survey = await service.get_survey(ctx.session, path.survey_id)
    uid = ctx.user.user_id
    if ctx.user.has(*STAFF) or await lms.teaches_cohort(ctx.session, survey.cohort_id, uid):
        return await service.detail(ctx.session, survey, None)
    if not await lms.is_joinable_trainee(ctx.session, survey.cohort_id, uid):
        raise Problem("forbidden", "Only the cohort's people see its surveys.")
    if survey.status == SurveyStatus.DRAFT:
        raise Problem("not-found", f"No survey {survey.id}.")
    done = uid in await service.submitted(ctx.session, survey.id)
    return await service.detail(ctx.session, survey, done)


@router.put("/surveys/{survey_id}", path_model=SurveyPath, body=SurveyEdit,
            response=SurveyOut, allow=Allow.only(*STAFF))  # fmt: skip
async def edit_survey(ctx: Ctx, path: SurveyPath, body: SurveyEdit) -> SurveyOut:
    """A draft's title and items, replaced whole; `409 survey-state` once it is open."""
    survey = await service.edit_draft(ctx.session, path.survey_id, body)
    items = (await service.items_of(ctx.session, [survey.id]))[survey.id]
    return service.survey_out(survey, items, None)


@router.get("/my/surveys", response=list[MySurveyOut], allow=Allow.signed_in())
async def my_surveys(ctx: Ctx) -> list[MySurveyOut]:
    """The surveys the signed-in person is asked as a trainee (open first), answered or not."""
    return await service.surveys_for_trainee(ctx.session, ctx.user.user_id)
