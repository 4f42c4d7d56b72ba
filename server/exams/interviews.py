"""Interview panels for an exam round: the exams package turns its round (units, their
interview schedules, the candidates going to interview) into a panels request and runs it
through the panels *service* (packages talk through services, never each other's tables).

Who goes to interview is decided here, from the records the rest of the package keeps:

- **open rounds** (공개경쟁: written exam, then interview) — candidates with
  ``written_passed`` true. That flag is what the figures (``service._from_candidates``)
  count as reaching the interview, and an open round has no pipeline stages.
- **career and specialist rounds** — the pipeline (``pipeline.py``) runs documents →
  job-task report → group discussion → interview for *both* kinds, and ``pipeline.score``
  admits an interview score only after the group discussion was passed. So the candidates
  who passed the stage before the interview (a passed ``group_discussion`` score) are the
  ones going to interview; ``written_passed`` plays no part there.

Each unit's candidates, in exam-number order, are cut into slots of ``candidates_per_slot``;
the first slot starts at the unit's interview schedule and each next one ``slot_minutes``
later. Slot refs are ``{unit code}-{n}``; a candidate's ref is their exam number (unique in a
round), their org unit comes along, and members' declared relations name exam numbers.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.clock import SEOUL
from server.core.db import get_or_404
from server.core.errors import PROBLEM_TYPES, Problem, ProblemType
from server.exams import service
from server.exams.models import (
    ExamCandidate,
    ExamRound,
    ExamUnit,
    RoundKind,
    Stage,
    StageSchedule,
    StageScore,
)
from server.exams.panels import service as panels
from server.exams.panels.schemas import AssignmentIn, AssignmentOut, CandidateIn, SlotIn
from server.exams.schemas import RoundPanelsIn

PROBLEM_TYPES.update(
    (p.slug, p)
    for p in (
        ProblemType("interview-unscheduled", 422, "Interview not scheduled",
                    "Some units have candidates going to interview but no interview time; "
                    "`units` names them (their codes). Nothing was stored."),
        ProblemType("nobody-to-interview", 422, "Nobody to interview",
                    "No unit of the round has a candidate going to interview yet; `units` "
                    "names the round's units. Nothing was stored."),
    )
)  # fmt: skip

#: the stage a career/specialist candidate must have passed to be interviewed
BEFORE_INTERVIEW = Stage.GROUP_DISCUSSION


async def _interviewees(
    session: AsyncSession, r: ExamRound, units: list[ExamUnit]
) -> dict[int, list[ExamCandidate]]:
    """Each unit's candidates going to interview, by exam number (see the module's words)."""
    stmt = select(ExamCandidate).where(ExamCandidate.unit_id.in_([u.id for u in units]))
    if r.kind == RoundKind.OPEN:
        stmt = stmt.where(ExamCandidate.written_passed.is_(True))
    else:
        passed = select(StageScore.candidate_id).where(
            StageScore.stage == BEFORE_INTERVIEW.value, StageScore.passed.is_(True)
        )
        stmt = stmt.where(ExamCandidate.id.in_(passed))
    going: dict[int, list[ExamCandidate]] = {u.id: [] for u in units}
    for person in await session.scalars(stmt.order_by(ExamCandidate.exam_no)):
        going[person.unit_id].append(person)
    return going


async def panel_request(session: AsyncSession, round_id: int, body: RoundPanelsIn) -> AssignmentIn:
    """The panels request for the round: its slots with their candidates (refused with a
    problem naming the units when an interview is unscheduled or nobody is going)."""
    r = await get_or_404(session, ExamRound, round_id, "exam round")
    units = list(
        await session.scalars(
            select(ExamUnit).where(ExamUnit.round_id == round_id).order_by(ExamUnit.code)
        )
    )
    going = await _interviewees(session, r, units) if units else {}
    times: dict[int, datetime] = {}
    if units:
        rows = await session.scalars(
            select(StageSchedule).where(
                StageSchedule.unit_id.in_([u.id for u in units]),
                StageSchedule.stage == Stage.INTERVIEW.value,
            )
        )
        times = {s.unit_id: s.starts_at.astimezone(SEOUL) for s in rows}  # read as people do
    with_people = [u for u in units if going[u.id]]
    if not with_people:
        codes = [u.code for u in units]
        raise Problem(
            "nobody-to-interview",
            f"No candidate of round {r.name} is going to interview"
            + (f" (units: {', '.join(codes)})." if codes else " (the round has no units)."),
            units=codes,
        )
    unscheduled = [u.code for u in with_people if u.id not in times]
    if unscheduled:
        raise Problem(
            "interview-unscheduled",
            f"No interview time for units {', '.join(unscheduled)}; set each one's interview "
            "stage first.",
            units=unscheduled,
        )
    size, step = body.candidates_per_slot, timedelta(minutes=body.slot_minutes)
    slots = []
    for unit in with_people:
        people = going[unit.id]
        for n, start in enumerate(range(0, len(people), size)):
            slots.append(SlotIn(
                ref=f"{unit.code}-{n + 1}", label=f"{unit.job_series} {unit.grade}",
                job_series=unit.job_series, starts_at=times[unit.id] + n * step,
                candidates=[CandidateIn(ref=p.exam_no, org_unit=p.org_unit)
                            for p in people[start:start + size]],
            ))  # fmt: skip
    return AssignmentIn(label=body.label, seed=body.seed, slots=slots)


async def assign_panels(
    session: AsyncSession, round_id: int, body: RoundPanelsIn, *, actor_id: int | None,
    now: datetime,
) -> AssignmentOut:  # fmt: skip
    """Build the round's slots and run them through the panels service (stored with the
    round's id); the answer names candidates, so the read is logged once."""
    request = await panel_request(session, round_id, body)
    out = await panels.run_assignment(session, request, actor_id=actor_id, now=now,
                                      round_id=round_id)  # fmt: skip
    await service.log_read(session, f"assignment:{out.id}",
                           panels.candidates_named(out.panels), now)  # fmt: skip
    return out


async def round_panels(session: AsyncSession, round_id: int, now: datetime) -> list[AssignmentOut]:
    """The assignments run for the round (a logged read: their panels name candidates)."""
    await get_or_404(session, ExamRound, round_id, "exam round")
    found = await panels.assignments_of_round(session, round_id)
    named = len({c for a in found for p in a.panels for c in p.candidates})
    await service.log_read(session, f"round-panels:{round_id}", named, now)
    return found
