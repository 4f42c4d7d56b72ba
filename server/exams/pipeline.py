"""The specialist hiring pipeline (경력경쟁·전문경력관): documents → job-task report → group
discussion → individual interview, each with a schedule per unit and a score per candidate.

Open-competition rounds have no pipeline (written exam and interview only): only their
interview time is kept here. A stage is held
after the previous one ends, and a candidate is scored at a stage only after passing the one
before; both are refused with ``409`` and change nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.db import get_or_404
from server.core.errors import Problem
from server.exams import service
from server.exams.models import (
    STAGES,
    ExamCandidate,
    ExamRound,
    ExamUnit,
    RoundKind,
    Stage,
    StageSchedule,
    StageScore,
)
from server.exams.schemas import (
    PipelineCandidate,
    PipelineOut,
    ScheduleIn,
    ScheduleOut,
    ScoreIn,
    ScoreOut,
)


async def _pipeline_unit(session: AsyncSession, unit_id: int) -> ExamUnit:
    unit = await get_or_404(session, ExamUnit, unit_id, "exam unit")
    r = await get_or_404(session, ExamRound, unit.round_id, "exam round")
    if r.kind == RoundKind.OPEN:
        raise Problem("conflict", "Open-competition rounds have no specialist pipeline.")
    return unit


async def _schedule(session: AsyncSession, unit_id: int) -> dict[Stage, StageSchedule]:
    rows = await session.scalars(select(StageSchedule).where(StageSchedule.unit_id == unit_id))
    return {Stage(s.stage): s for s in rows}


async def set_schedule(session: AsyncSession, unit_id: int, data: ScheduleIn) -> ScheduleOut:
    """Set (or move) a stage's time; it must fall after the stages before it and before the
    ones after it. Open rounds have no pipeline but do interview: only their interview time
    may be set (interview panels are built from it)."""
    unit = await get_or_404(session, ExamUnit, unit_id, "exam unit")
    r = await get_or_404(session, ExamRound, unit.round_id, "exam round")
    if r.kind == RoundKind.OPEN and data.stage != Stage.INTERVIEW:
        raise Problem("conflict", "Open-competition rounds have no specialist pipeline; only "
                      "their interview time can be set.")  # fmt: skip
    held = await _schedule(session, unit_id)
    at = STAGES.index(data.stage)
    for other, booked in held.items():
        before = STAGES.index(other) < at
        if (before and booked.ends_at > data.starts_at) or (
            STAGES.index(other) > at and booked.starts_at < data.ends_at
        ):
            raise Problem(
                "conflict",
                f"{data.stage} must be held {'after' if before else 'before'} {other}.",
            )
    row = held.get(data.stage)
    if row is None:
        row = StageSchedule(unit_id=unit_id, stage=data.stage.value)
        session.add(row)
    row.starts_at, row.ends_at, row.place = data.starts_at, data.ends_at, data.place
    await session.flush()
    return ScheduleOut(stage=data.stage, starts_at=row.starts_at, ends_at=row.ends_at,
                       place=row.place)  # fmt: skip


async def score(session: AsyncSession, candidate_id: int, data: ScoreIn) -> ScoreOut:
    """Record a candidate's score at a stage (once); the previous stage must be passed."""
    person = await get_or_404(session, ExamCandidate, candidate_id, "candidate")
    await _pipeline_unit(session, person.unit_id)
    scores = {
        Stage(s.stage): s
        for s in await session.scalars(
            select(StageScore).where(StageScore.candidate_id == candidate_id)
        )
    }
    if data.stage in scores:
        raise Problem("conflict", f"The candidate already has a {data.stage} score.")
    at = STAGES.index(data.stage)
    if at > 0:
        previous = scores.get(STAGES[at - 1])
        if previous is None or not previous.passed:
            raise Problem("conflict", f"{data.stage} needs {STAGES[at - 1]} passed first.")
    row = StageScore(candidate_id=candidate_id, stage=data.stage.value, score=data.score,
                     passed=data.passed, note=data.note)  # fmt: skip
    session.add(row)
    await session.flush()
    return ScoreOut(stage=data.stage, score=row.score, passed=row.passed, note=row.note)


async def pipeline(session: AsyncSession, unit_id: int, now: datetime) -> PipelineOut:
    """The unit's stage schedule and each candidate's scores (a read of candidates: logged)."""
    await _pipeline_unit(session, unit_id)
    held = await _schedule(session, unit_id)
    people = await service.list_candidates(session, unit_id, now)
    scores: dict[int, list[StageScore]] = {p.id: [] for p in people}
    if people:
        for s in await session.scalars(
            select(StageScore).where(StageScore.candidate_id.in_(list(scores)))
        ):
            scores[s.candidate_id].append(s)
    out = []
    for p in people:
        mine = sorted(scores[p.id], key=lambda s: STAGES.index(Stage(s.stage)))
        out.append(PipelineCandidate(
            candidate_id=p.id, exam_no=p.exam_no, name=p.name,
            scores=[ScoreOut(stage=Stage(s.stage), score=s.score, passed=s.passed, note=s.note)
                    for s in mine],
            reached=Stage(mine[-1].stage) if mine else None,
        ))  # fmt: skip
    return PipelineOut(
        unit_id=unit_id, stages=list(STAGES),
        schedule=[ScheduleOut(stage=st, starts_at=held[st].starts_at, ends_at=held[st].ends_at,
                              place=held[st].place) for st in STAGES if st in held],
        candidates=out,
    )  # fmt: skip
