"""Competency rounds, their people and scores, and the result with the prep course beside it.

Result: for each competency, the mean of its assessors' scores (two decimals, half-up); the
overall mark is the mean of the competency means, and the candidate passes when it reaches
the round's pass mark (2.50 by default). A competency nobody has scored yet has no mean (not
0), and a candidate with any such competency is ``incomplete``, with no overall mark.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.auth import service as auth
from server.core.auth.models import User
from server.core.errors import Problem
from server.exams.competency.models import (
    CompetencyAssessor,
    CompetencyCandidate,
    CompetencyRound,
    CompetencyScore,
)
from server.exams.competency.schemas import (
    COMPETENCIES,
    AssessorIn,
    AssessorOut,
    CandidateIn,
    CandidateOut,
    CompetencyResult,
    PersonOut,
    PrepAttendance,
    ResultOut,
    RoundIn,
    RoundOut,
    ScoreIn,
    ScoreOut,
    SheetCandidate,
    SheetOut,
)
from server.lms import service as lms
from server.rooms import service as rooms
from server.rooms.models import AttendanceKind

CENT = Decimal("0.01")


def _round_out(r: CompetencyRound) -> RoundOut:
    return RoundOut(id=r.id, name=r.name, grade=r.grade, held_on=r.held_on,
                    pass_mark=r.pass_mark, prep_cohort_id=r.prep_cohort_id,
                    competencies=[c for c, _ in COMPETENCIES[r.grade]],
                    created_at=r.created_at)  # fmt: skip


async def _round(session: AsyncSession, round_id: int) -> CompetencyRound:
    row = await session.get(CompetencyRound, round_id)
    if row is None:
        raise Problem("not-found", f"no competency round {round_id}")
    return row


async def create_round(session: AsyncSession, body: RoundIn, *, actor_id: int | None,
                       now: datetime) -> RoundOut:  # fmt: skip
    if body.prep_cohort_id is not None:
        await lms.get_cohort(session, body.prep_cohort_id)  # 404 if there is no such cohort
    row = CompetencyRound(**body.model_dump(), created_at=now, created_by=actor_id)
    session.add(row)
    await session.flush()
    return _round_out(row)


async def list_rounds(session: AsyncSession) -> list[RoundOut]:
    rows = await session.scalars(select(CompetencyRound).order_by(CompetencyRound.id))
    return [_round_out(r) for r in rows]


async def add_candidate(session: AsyncSession, round_id: int, body: CandidateIn) -> CandidateOut:
    await _round(session, round_id)
    await auth.get_user(session, body.user_id)  # 404 if there is no such person
    taken = await session.scalar(
        select(CompetencyCandidate.id).where(
            CompetencyCandidate.round_id == round_id, CompetencyCandidate.user_id == body.user_id
        )
    )
    if taken is not None:
        raise Problem("conflict", "the person is already a candidate in this round")
    row = CompetencyCandidate(round_id=round_id, **body.model_dump())
    session.add(row)
    await session.flush()
    return CandidateOut.model_validate(row)


async def add_assessor(session: AsyncSession, round_id: int, body: AssessorIn) -> AssessorOut:
    await _round(session, round_id)
    row = CompetencyAssessor(round_id=round_id, name=body.name)
    session.add(row)
    await session.flush()
    return AssessorOut.model_validate(row)


async def record_score(session: AsyncSession, round_id: int, body: ScoreIn, *,
                       actor_id: int | None, now: datetime) -> ScoreOut:  # fmt: skip
    """Set one assessor's score for a candidate on a competency of the round's grade."""
    rnd = await _round(session, round_id)
    codes = [c for c, _ in COMPETENCIES[rnd.grade]]
    if body.competency not in codes:
        raise Problem(
            "validation-error",
            f"grade {rnd.grade} assesses {', '.join(codes)}",
            errors=[{"loc": ["body", "competency"], "msg": "not of this grade"}],
        )
    cand = await session.get(CompetencyCandidate, body.candidate_id)
    assessor = await session.get(CompetencyAssessor, body.assessor_id)
    if cand is None or cand.round_id != round_id or assessor is None \
            or assessor.round_id != round_id:  # fmt: skip
        raise Problem("not-found", "no such candidate or assessor in this round")
    row = await session.scalar(select(CompetencyScore).where(
        CompetencyScore.candidate_id == cand.id, CompetencyScore.assessor_id == assessor.id,
        CompetencyScore.competency == body.competency))  # fmt: skip
    if row is None:
        row = CompetencyScore(round_id=round_id, candidate_id=cand.id, assessor_id=assessor.id,
                              competency=body.competency, score=body.score,
                              scored_at=now, scored_by=actor_id)  # fmt: skip
        session.add(row)
    else:
        row.score, row.scored_at, row.scored_by = body.score, now, actor_id
    await session.flush()
    return ScoreOut.model_validate(row)


def _mean(values: list[Decimal]) -> Decimal:
    return (sum(values, Decimal(0)) / len(values)).quantize(CENT, rounding=ROUND_HALF_UP)


async def _prep(session: AsyncSession, cohort_id: int, user_ids: list[int], now: datetime
                ) -> dict[int, PrepAttendance]:  # fmt: skip
    """Per candidate: the prep cohort's classes begun by now, and how many they joined."""
    held = [s.id for s in await lms.cohort_sessions(session, cohort_id) if s.starts_at <= now]
    marks = await rooms.attendance_marks_of(session, held)
    joined: dict[int, set[int]] = defaultdict(set)
    for cs, events in marks.items():
        for mark in events:
            if mark.kind is AttendanceKind.JOIN and mark.user_id is not None:
                joined[mark.user_id].add(cs)
    return {u: PrepAttendance(cohort_id=cohort_id, sessions_held=len(held),
                              sessions_attended=len(joined[u])) for u in user_ids}  # fmt: skip


async def results(session: AsyncSession, round_id: int, now: datetime) -> list[ResultOut]:
    rnd = await _round(session, round_id)
    cands = list(await session.scalars(select(CompetencyCandidate).where(
        CompetencyCandidate.round_id == round_id).order_by(CompetencyCandidate.id)))  # fmt: skip
    scores: dict[tuple[int, str], list[Decimal]] = defaultdict(list)
    for s in await session.scalars(select(CompetencyScore).where(
            CompetencyScore.round_id == round_id)):  # fmt: skip
        scores[(s.candidate_id, s.competency)].append(Decimal(s.score))
    prep = (await _prep(session, rnd.prep_cohort_id, [c.user_id for c in cands], now)
            if rnd.prep_cohort_id is not None else {})  # fmt: skip
    out = []
    for c in cands:
        per = [CompetencyResult(competency=code, name_ko=name,
                                mean=_mean(scores[(c.id, code)]) if scores[(c.id, code)] else None,
                                scores=len(scores[(c.id, code)]))
               for code, name in COMPETENCIES[rnd.grade]]  # fmt: skip
        means = [p.mean for p in per if p.mean is not None]
        overall = _mean(means) if len(means) == len(per) else None
        outcome = ("incomplete" if overall is None
                   else "pass" if overall >= rnd.pass_mark else "fail")  # fmt: skip
        out.append(ResultOut(candidate_id=c.id, user_id=c.user_id, org_unit=c.org_unit,
                             competencies=per, overall=overall, outcome=outcome,
                             prep=prep.get(c.user_id)))  # fmt: skip
    return out


async def sheet(session: AsyncSession, round_id: int) -> SheetOut:
    """The round, its candidates with their names, its assessors and every score so far."""
    rnd = await _round(session, round_id)
    people = await session.execute(
        select(CompetencyCandidate, User.login, User.name)
        .join(User, User.id == CompetencyCandidate.user_id)
        .where(CompetencyCandidate.round_id == round_id)
        .order_by(CompetencyCandidate.id)
    )
    assessors = await session.scalars(select(CompetencyAssessor).where(
        CompetencyAssessor.round_id == round_id).order_by(CompetencyAssessor.id))  # fmt: skip
    scores = await session.scalars(select(CompetencyScore).where(
        CompetencyScore.round_id == round_id).order_by(CompetencyScore.id))  # fmt: skip
    return SheetOut(
        round=_round_out(rnd),
        candidates=[SheetCandidate(id=c.id, user_id=c.user_id, login=login, name=name,
                                   org_unit=c.org_unit) for c, login, name in people],
        assessors=[AssessorOut.model_validate(a) for a in assessors],
        scores=[ScoreOut.model_validate(s) for s in scores],
    )  # fmt: skip


async def find_people(session: AsyncSession, q: str, limit: int = 20) -> list[PersonOut]:
    """Active people whose name or log-in contains ``q`` (at most ``limit``, by name)."""
    like = f"%{q}%"
    rows = await session.scalars(
        select(User)
        .where(User.is_active.is_(True), or_(User.name.ilike(like), User.login.ilike(like)))
        .order_by(User.name, User.id)
        .limit(limit)
    )
    return [PersonOut.model_validate(u) for u in rows]
