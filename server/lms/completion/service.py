"""The rules of completion: rule versions, corrections, a cohort's results, finalising.

A cohort's results are derived, never typed in: ``cohort_results`` gathers the records in a
few set-based queries (evidence.py) and judges each trainee in memory (judge.py). Corrections
and rule changes are new rows with their author and reason.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.auth import service as auth
from server.core.errors import Problem
from server.lms import service as lms
from server.lms.completion import evidence
from server.lms.completion.judge import judge
from server.lms.completion.models import (
    CompletionCorrection,
    CompletionResult,
    CompletionRule,
    Outcome,
)
from server.lms.completion.schemas import CohortResultsOut, CorrectionIn, ResultOut, RuleIn, RuleOut
from server.lms.models import EnrolmentStatus
from server.xapi import outbox

ENROLMENT_OF = {
    Outcome.COMPLETED: EnrolmentStatus.COMPLETED,
    Outcome.NOT_COMPLETED: EnrolmentStatus.NOT_COMPLETED,
}


# ---- rules ------------------------------------------------------------------------------------


async def add_rule(
    session: AsyncSession, course_id: int, body: RuleIn, *, author_id: int, now: datetime
) -> CompletionRule:
    """A new version of the course's rule (the old ones stay, for the results decided on them)."""
    await lms.get_course(session, course_id)
    latest = await session.scalar(
        select(func.max(CompletionRule.version)).where(CompletionRule.course_id == course_id)
    )
    rule = CompletionRule(
        course_id=course_id, version=(latest or 0) + 1, **body.model_dump(exclude={"reason"}),
        reason=body.reason, author_id=author_id, created_at=now,
    )  # fmt: skip
    session.add(rule)
    await session.flush()
    return rule


async def rules_of(session: AsyncSession, course_id: int) -> list[CompletionRule]:
    await lms.get_course(session, course_id)
    stmt = select(CompletionRule).where(CompletionRule.course_id == course_id)
    return list((await session.scalars(stmt.order_by(CompletionRule.version))).all())


async def current_rule(session: AsyncSession, course_id: int) -> CompletionRule:
    stmt = (
        select(CompletionRule)
        .where(CompletionRule.course_id == course_id)
        .order_by(CompletionRule.version.desc())
        .limit(1)
    )
    rule = await session.scalar(stmt)
    if rule is None:
        raise Problem("no-completion-rule")
    return rule


# ---- corrections --------------------------------------------------------------------------------


async def add_correction(
    session: AsyncSession, cohort_id: int, body: CorrectionIn, *, author_id: int, now: datetime
) -> CompletionCorrection:
    """An excused absence or an override: a new row, audited, never edited."""
    await lms.get_cohort(session, cohort_id)
    if body.user_id not in await lms.cohort_trainees(session, cohort_id):
        raise Problem("not-found", f"User {body.user_id} is not a trainee of this cohort.")
    if body.class_session_id is not None:
        cs = await lms.get_class_session(session, body.class_session_id)
        if cs.cohort_id != cohort_id:
            raise Problem("not-found", f"No class session {cs.id} in this cohort.")
    correction = CompletionCorrection(
        cohort_id=cohort_id, user_id=body.user_id, kind=body.kind,
        class_session_id=body.class_session_id, outcome=body.outcome, reason=body.reason,
        author_id=author_id, created_at=now,
    )  # fmt: skip
    session.add(correction)
    await session.flush()
    return correction


async def corrections_of(
    session: AsyncSession, cohort_id: int, user_id: int | None = None
) -> list[CompletionCorrection]:
    stmt = select(CompletionCorrection).where(CompletionCorrection.cohort_id == cohort_id)
    if user_id is not None:
        stmt = stmt.where(CompletionCorrection.user_id == user_id)
    return list((await session.scalars(stmt.order_by(CompletionCorrection.id))).all())


# ---- results ------------------------------------------------------------------------------------


async def cohort_results(
    session: AsyncSession, cohort_id: int, *, grace: timedelta, now: datetime,
    only: int | None = None,
) -> CohortResultsOut:  # fmt: skip
    """Every trainee's result as the records give it now (or one trainee's, ``only``)."""
    cohort = await lms.get_cohort(session, cohort_id)
    rule = await current_rule(session, cohort.course_id)
    trainees = await lms.cohort_trainees(session, cohort_id)
    if only is not None:
        trainees = [t for t in trainees if t == only]
    sessions = await lms.cohort_sessions(session, cohort_id)
    ev = await evidence.gather(session, cohort.course_id, cohort_id, sessions, trainees, grace, now)
    corrections = await corrections_of(session, cohort_id, only)
    per_person: dict[int, list[CompletionCorrection]] = {t: [] for t in trainees}
    for c in corrections:
        per_person.setdefault(c.user_id, []).append(c)
    names = await auth.names_of(session, sorted(set(trainees) | {c.author_id for c in corrections}))
    results = [judge(rule, t, ev, per_person[t], now, names) for t in trainees]
    counts = Counter(r.outcome for r in results)
    return CohortResultsOut(
        cohort_id=cohort_id, course_id=cohort.course_id, rule=RuleOut.model_validate(rule),
        as_of=now, finalised_at=await _finalised_at(session, cohort_id),
        counts={o: counts.get(o, 0) for o in Outcome}, results=results,
    )  # fmt: skip


async def trainee_result(
    session: AsyncSession, cohort_id: int, user_id: int, *, grace: timedelta, now: datetime
) -> ResultOut:
    found = await cohort_results(session, cohort_id, grace=grace, now=now, only=user_id)
    if not found.results:
        raise Problem("not-found", f"User {user_id} is not a trainee of this cohort.")
    return found.results[0]


async def _finalised_at(session: AsyncSession, cohort_id: int) -> datetime | None:
    stmt = select(func.max(CompletionResult.finalised_at)).where(
        CompletionResult.cohort_id == cohort_id
    )
    return await session.scalar(stmt)


async def finalise(
    session: AsyncSession, cohort_id: int, *, grace: timedelta, now: datetime, author_id: int
) -> CohortResultsOut:
    """Store each trainee's result as it stands and set completed / not completed on their
    enrolment (undetermined ones are stored and their enrolment left as it is). Allowed once
    every session has ended; finalising again (after a correction) adds newer results."""
    sessions = await lms.cohort_sessions(session, cohort_id)
    if any(s.ends_at > now for s in sessions):
        raise Problem("cohort-not-finished")
    found = await cohort_results(session, cohort_id, grace=grace, now=now)
    session.add_all(
        CompletionResult(
            cohort_id=cohort_id,
            user_id=r.user_id,
            rule_id=found.rule.id,
            outcome=r.outcome,
            criteria=[c.model_dump() for c in r.criteria],
            explanation_ko=r.explanation_ko,
            explanation_en=r.explanation_en,
            finalised_at=now,
            finalised_by=author_id,
        )
        for r in found.results
    )
    await session.flush()
    outcomes = {r.user_id: ENROLMENT_OF[r.outcome] for r in found.results
                if r.outcome in ENROLMENT_OF}  # fmt: skip
    changed = await lms.set_enrolment_outcomes(session, cohort_id, outcomes, now)
    completed = [u for u in changed if outcomes[u] == EnrolmentStatus.COMPLETED]
    await _tell_lrs(session, found.course_id, completed, now)
    return found.model_copy(update={"finalised_at": now})


async def _tell_lrs(
    session: AsyncSession, course_id: int, completed: list[int], at: datetime
) -> None:
    """Newly completed trainees as xAPI ``completed`` statements, in this transaction's outbox
    (nothing when no LRS is configured; a second finalising sends nobody twice)."""
    for user_id in completed:
        statement = await outbox.completion_statement(session, user_id, course_id, at)
        if statement is not None:
            await outbox.enqueue(session, statement)


async def finalised_result(
    session: AsyncSession, cohort_id: int, user_id: int
) -> CompletionResult | None:
    """The newest finalised result of a trainee in a cohort, if any."""
    stmt = (
        select(CompletionResult)
        .where(CompletionResult.cohort_id == cohort_id, CompletionResult.user_id == user_id)
        .order_by(CompletionResult.id.desc())
        .limit(1)
    )
    return await session.scalar(stmt)
