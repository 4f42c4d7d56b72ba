"""HTTP routes for competency assessment (grade 4/5 promotion): exam officers and admins only.

Reading results is a read of candidate data and is logged (the panels' read log).
"""

from __future__ import annotations

from server.core.auth.roles import EXAM_STAFF
from server.core.http import Allow, ApiRouter, Ctx
from server.exams.competency import service
from server.exams.competency.schemas import (
    AssessorIn,
    AssessorOut,
    CandidateIn,
    CandidateOut,
    PeopleQuery,
    PersonOut,
    ResultOut,
    RoundIn,
    RoundOut,
    RoundPath,
    ScoreIn,
    ScoreOut,
    SheetOut,
)
from server.exams.panels.service import log_read

router = ApiRouter("exam-competency")
EXAM_ONLY = Allow.only(*EXAM_STAFF)


@router.get("/exams/competency/rounds", response=list[RoundOut], allow=EXAM_ONLY)
async def list_rounds(ctx: Ctx) -> list[RoundOut]:
    """Rounds with their grade, competencies, pass mark and prep cohort."""
    return await service.list_rounds(ctx.session)


@router.post("/exams/competency/rounds", body=RoundIn, response=RoundOut, status=201,
             allow=EXAM_ONLY)  # fmt: skip
async def create_round(ctx: Ctx, body: RoundIn) -> RoundOut:
    """A round for promotion to grade 4 (6 competencies) or 5 (5 competencies)."""
    return await service.create_round(
        ctx.session, body, actor_id=ctx.user.user_id, now=ctx.clock.now()
    )


@router.post("/exams/competency/rounds/{round_id}/candidates", path_model=RoundPath,
             body=CandidateIn, response=CandidateOut, status=201, allow=EXAM_ONLY)  # fmt: skip
async def add_candidate(ctx: Ctx, path: RoundPath, body: CandidateIn) -> CandidateOut:
    """Add an official to the round (once)."""
    return await service.add_candidate(ctx.session, path.round_id, body)


@router.post("/exams/competency/rounds/{round_id}/assessors", path_model=RoundPath,
             body=AssessorIn, response=AssessorOut, status=201, allow=EXAM_ONLY)  # fmt: skip
async def add_assessor(ctx: Ctx, path: RoundPath, body: AssessorIn) -> AssessorOut:
    """Add an assessor (평가위원) to the round."""
    return await service.add_assessor(ctx.session, path.round_id, body)


@router.put("/exams/competency/rounds/{round_id}/scores", path_model=RoundPath, body=ScoreIn,
            response=ScoreOut, allow=EXAM_ONLY)  # fmt: skip
async def record_score(ctx: Ctx, path: RoundPath, body: ScoreIn) -> ScoreOut:
    """Set an assessor's score for a candidate on one of the grade's competencies."""
    return await service.record_score(
        ctx.session, path.round_id, body, actor_id=ctx.user.user_id, now=ctx.clock.now()
    )


@router.get("/exams/competency/rounds/{round_id}/results", path_model=RoundPath,
            response=list[ResultOut], allow=EXAM_ONLY)  # fmt: skip
async def results(ctx: Ctx, path: RoundPath) -> list[ResultOut]:
    """Each candidate's means per competency, overall mark and outcome, with the prep
    course's attendance beside it (a logged read)."""
    out = await service.results(ctx.session, path.round_id, ctx.clock.now())
    await log_read(ctx.session, ctx.user.user_id, "competency-results", str(path.round_id),
                   ctx.clock.now())  # fmt: skip
    return out


@router.get("/exams/competency/rounds/{round_id}/sheet", path_model=RoundPath, response=SheetOut,
            allow=EXAM_ONLY)  # fmt: skip
async def sheet(ctx: Ctx, path: RoundPath) -> SheetOut:
    """The round's candidates (named), assessors and every score so far, for the score grid
    (names candidates: a logged read)."""
    out = await service.sheet(ctx.session, path.round_id)
    await log_read(ctx.session, ctx.user.user_id, "competency-sheet", str(path.round_id),
                   ctx.clock.now())  # fmt: skip
    return out


@router.get("/exams/competency/people", query=PeopleQuery, response=list[PersonOut],
            allow=EXAM_ONLY)  # fmt: skip
async def find_people(ctx: Ctx, query: PeopleQuery) -> list[PersonOut]:
    """Up to 20 active people whose name or log-in contains ``q``: whom to add as candidates
    (exam officers cannot read the user registry, which is the training staff's)."""
    return await service.find_people(ctx.session, query.q)
