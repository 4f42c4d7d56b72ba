"""HTTP routes for recruitment exams: rounds, units with figures, applicants (CSV import,
results), question errors, and enrolling successful candidates in the new-recruit course.

Exam data is confidential: only exam staff (admins and exam officers) read or write it, and
every read of candidate data is written to the audit log. The figures reports run through the
reports registry (``exam-rounds``, ``question-errors``).
"""

from __future__ import annotations

from server.core.auth.roles import EXAM_STAFF
from server.core.http import Allow, ApiRouter, Ctx
from server.core.keys import PASSWORDS
from server.exams import pipeline, service
from server.exams.schemas import (
    CandidateOut,
    CandidatePath,
    EnrolIn,
    EnrolOut,
    ErrorCreate,
    ErrorOut,
    ImportIn,
    ImportOut,
    PipelineOut,
    ResultsUpdate,
    RoundCreate,
    RoundOut,
    RoundPath,
    ScheduleIn,
    ScheduleOut,
    ScoreIn,
    ScoreOut,
    SubjectCreate,
    SubjectOut,
    SubjectPath,
    UnitCreate,
    UnitOut,
    UnitPath,
    YearQuery,
)

router = ApiRouter("exams")
EXAM_ONLY = Allow.only(*EXAM_STAFF)


@router.get("/exams/rounds", query=YearQuery, response=list[RoundOut], allow=EXAM_ONLY)
async def list_rounds(ctx: Ctx, query: YearQuery) -> list[RoundOut]:
    """The year's rounds with their figures summed over units (unknown if any unit's is)."""
    return await service.list_rounds(ctx.session, query.year)


@router.post("/exams/rounds", body=RoundCreate, response=RoundOut, status=201, allow=EXAM_ONLY)
async def create_round(ctx: Ctx, body: RoundCreate) -> RoundOut:
    """Add a round (회차): year, number, kind, date."""
    return await service.create_round(ctx.session, body, ctx.clock.now())


@router.get("/exams/rounds/{round_id}", path_model=RoundPath, response=RoundOut,
            allow=EXAM_ONLY)  # fmt: skip
async def get_round(ctx: Ctx, path: RoundPath) -> RoundOut:
    """One round with its figures."""
    return await service.get_round(ctx.session, path.round_id)


@router.get("/exams/rounds/{round_id}/units", path_model=RoundPath, response=list[UnitOut],
            allow=EXAM_ONLY)  # fmt: skip
async def list_units(ctx: Ctx, path: RoundPath) -> list[UnitOut]:
    """The round's recruitment units with planned hires, quotas and figures."""
    return await service.list_units(ctx.session, path.round_id)


@router.post("/exams/rounds/{round_id}/units", path_model=RoundPath, body=UnitCreate,
             response=UnitOut, status=201, allow=EXAM_ONLY)  # fmt: skip
async def create_unit(ctx: Ctx, path: RoundPath, body: UnitCreate) -> UnitOut:
    """Add a recruitment unit (모집단위) with planned hires and quotas."""
    return await service.create_unit(ctx.session, path.round_id, body)


@router.get("/exams/units/{unit_id}/candidates", path_model=UnitPath,
            response=list[CandidateOut], allow=EXAM_ONLY)  # fmt: skip
async def list_candidates(ctx: Ctx, path: UnitPath) -> list[CandidateOut]:
    """The unit's candidates (confidential: the read is logged with who and when)."""
    people = await service.list_candidates(ctx.session, path.unit_id, ctx.clock.now())
    return [service.candidate_out(p) for p in people]


@router.post("/exams/units/{unit_id}/candidates/import", path_model=UnitPath, body=ImportIn,
             response=ImportOut, status=201, allow=EXAM_ONLY)  # fmt: skip
async def import_candidates(ctx: Ctx, path: UnitPath, body: ImportIn) -> ImportOut:
    """Import applicants from CSV; any bad row rejects the file (problem
    ``exam-import-rejected`` lists every row's errors) and nothing is imported."""
    return await service.import_candidates(ctx.session, path.unit_id, body.csv, ctx.clock.now())


@router.get("/exams/candidates/{candidate_id}", path_model=CandidatePath,
            response=CandidateOut, allow=EXAM_ONLY)  # fmt: skip
async def get_candidate(ctx: Ctx, path: CandidatePath) -> CandidateOut:
    """One candidate (the read is logged)."""
    person = await service.get_candidate(ctx.session, path.candidate_id, ctx.clock.now())
    return service.candidate_out(person)


@router.patch("/exams/candidates/{candidate_id}", path_model=CandidatePath, body=ResultsUpdate,
              response=CandidateOut, allow=EXAM_ONLY)  # fmt: skip
async def update_results(ctx: Ctx, path: CandidatePath, body: ResultsUpdate) -> CandidateOut:
    """Record sitting, written pass, interview and final pass as they become known (the
    answer is the whole candidate record, so it is a logged read too)."""
    person = await service.update_results(ctx.session, path.candidate_id, body)
    await service.log_read(ctx.session, f"candidate:{path.candidate_id}", 1, ctx.clock.now())
    return service.candidate_out(person)


@router.get("/exams/rounds/{round_id}/subjects", path_model=RoundPath,
            response=list[SubjectOut], allow=EXAM_ONLY)  # fmt: skip
async def list_subjects(ctx: Ctx, path: RoundPath) -> list[SubjectOut]:
    """The round's subjects with their questions and error counts."""
    return await service.list_subjects(ctx.session, path.round_id)


@router.post("/exams/rounds/{round_id}/subjects", path_model=RoundPath, body=SubjectCreate,
             response=SubjectOut, status=201, allow=EXAM_ONLY)  # fmt: skip
async def add_subject(ctx: Ctx, path: RoundPath, body: SubjectCreate) -> SubjectOut:
    """Add a subject (20 questions unless said)."""
    return await service.add_subject(ctx.session, path.round_id, body)


@router.get("/exams/rounds/{round_id}/errors", path_model=RoundPath, response=list[ErrorOut],
            allow=EXAM_ONLY)  # fmt: skip
async def list_errors(ctx: Ctx, path: RoundPath) -> list[ErrorOut]:
    """The round's question errors with their cause analysis."""
    return await service.list_errors(ctx.session, path.round_id)


@router.post("/exams/subjects/{subject_id}/errors", path_model=SubjectPath, body=ErrorCreate,
             response=ErrorOut, status=201, allow=EXAM_ONLY)  # fmt: skip
async def add_error(ctx: Ctx, path: SubjectPath, body: ErrorCreate) -> ErrorOut:
    """Record a question found wrong, with its cause and the action taken."""
    return await service.add_error(ctx.session, path.subject_id, body)


@router.post("/exams/rounds/{round_id}/enrolments", path_model=RoundPath, body=EnrolIn,
             response=EnrolOut, allow=EXAM_ONLY)  # fmt: skip
async def enrol_successful(ctx: Ctx, path: RoundPath, body: EnrolIn) -> EnrolOut:
    """Enrol the round's final passes in the new-recruit course's next cohort, making their
    accounts the first time; running it again changes nothing."""
    return await service.enrol_successful(
        ctx.session, path.round_id, body.course_id, ctx.app[PASSWORDS], ctx.clock.now()
    )


@router.get("/exams/units/{unit_id}/pipeline", path_model=UnitPath, response=PipelineOut,
            allow=EXAM_ONLY)  # fmt: skip
async def get_pipeline(ctx: Ctx, path: UnitPath) -> PipelineOut:
    """A career/specialist unit's stages (documents → job-task report → group discussion →
    interview) with their schedule and each candidate's scores (the read is logged)."""
    return await pipeline.pipeline(ctx.session, path.unit_id, ctx.clock.now())


@router.post("/exams/units/{unit_id}/stages", path_model=UnitPath, body=ScheduleIn,
             response=ScheduleOut, allow=EXAM_ONLY)  # fmt: skip
async def set_schedule(ctx: Ctx, path: UnitPath, body: ScheduleIn) -> ScheduleOut:
    """Set a stage's time and place; stages keep their order in time (else 409)."""
    return await pipeline.set_schedule(ctx.session, path.unit_id, body)


@router.post("/exams/candidates/{candidate_id}/scores", path_model=CandidatePath, body=ScoreIn,
             response=ScoreOut, status=201, allow=EXAM_ONLY)  # fmt: skip
async def add_score(ctx: Ctx, path: CandidatePath, body: ScoreIn) -> ScoreOut:
    """A candidate's score at a stage, once; the previous stage must be passed (else 409)."""
    return await pipeline.score(ctx.session, path.candidate_id, body)
