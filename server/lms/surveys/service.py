"""The rules of surveys: define, open, close, answer once (anonymously), results.

A trainee's submission writes two rows that share nothing: ``survey_submissions`` (who, the
day) and ``survey_responses`` (the answers under a random key, no user, no time). Results show
"in progress" with the response count while a survey is open, never a score; "no data" where
no survey was held.
"""

from __future__ import annotations

import secrets
from datetime import datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.db import get_or_404, insert_unless_taken
from server.core.errors import Problem
from server.lms import service as lms
from server.lms.instructors import service as instructors
from server.lms.models import JOINABLE, StaffRole
from server.lms.surveys import templates
from server.lms.surveys.models import (
    ItemKind,
    Survey,
    SurveyItem,
    SurveyKind,
    SurveyPhase,
    SurveyResponse,
    SurveyStatus,
    SurveySubmission,
)
from server.lms.surveys.schemas import (
    ItemOut,
    ItemResultOut,
    MySurveyOut,
    PhaseOut,
    SatisfactionOut,
    SurveyDetailOut,
    SurveyEdit,
    SurveyIn,
    SurveyOut,
    SurveyResultsOut,
)


async def create_survey(
    session: AsyncSession, cohort_id: int, body: SurveyIn, *, author_id: int, now: datetime
) -> Survey:
    cohort = await lms.get_cohort(session, cohort_id)
    for item in body.items:
        if item.instructor_id is not None:
            await lms.get_instructor(session, item.instructor_id)
    survey = Survey(
        course_id=cohort.course_id, cohort_id=cohort.id, kind=body.kind, phase=body.phase,
        title=body.title, status=SurveyStatus.DRAFT, created_by=author_id, created_at=now,
    )  # fmt: skip
    session.add(survey)
    await session.flush()
    for position, item in enumerate(body.items, start=1):
        session.add(SurveyItem(survey_id=survey.id, position=position, kind=item.kind,
                               prompt=item.prompt, instructor_id=item.instructor_id))  # fmt: skip
    await session.flush()
    return survey


async def get_survey(session: AsyncSession, survey_id: int) -> Survey:
    return await get_or_404(session, Survey, survey_id, "survey")


async def items_of(session: AsyncSession, survey_ids: list[int]) -> dict[int, list[SurveyItem]]:
    found: dict[int, list[SurveyItem]] = {sid: [] for sid in survey_ids}
    if survey_ids:
        rows = await session.scalars(
            select(SurveyItem)
            .where(SurveyItem.survey_id.in_(survey_ids))
            .order_by(SurveyItem.survey_id, SurveyItem.position)
        )
        for item in rows:
            found[item.survey_id].append(item)
    return found


def survey_out(survey: Survey, items: list[SurveyItem], submitted: bool | None) -> SurveyOut:
    return SurveyOut.model_validate(
        {**{c.key: getattr(survey, c.key) for c in Survey.__table__.c},
         "items": [ItemOut.model_validate(i) for i in items], "submitted": submitted}
    )  # fmt: skip


async def surveys_of_cohort(
    session: AsyncSession, cohort_id: int, *, for_trainee: int | None = None
) -> list[SurveyOut]:
    """The cohort's surveys; a trainee sees only the open and closed ones, and whether they
    have answered each."""
    stmt = select(Survey).where(Survey.cohort_id == cohort_id).order_by(Survey.id)
    if for_trainee is not None:
        stmt = stmt.where(Survey.status != SurveyStatus.DRAFT)
    surveys = list((await session.scalars(stmt)).all())
    items = await items_of(session, [s.id for s in surveys])
    done: dict[int, set[int]] = {}
    if for_trainee is not None:
        done = await submitters(session, [s.id for s in surveys])
    return [
        survey_out(s, items[s.id], None if for_trainee is None else for_trainee in done[s.id])
        for s in surveys
    ]


async def set_status(
    session: AsyncSession, survey_id: int, status: SurveyStatus, now: datetime
) -> Survey:
    """Open a draft, or close an open survey: each happens once."""
    survey = await get_survey(session, survey_id)
    before = SurveyStatus.DRAFT if status == SurveyStatus.OPEN else SurveyStatus.OPEN
    if survey.status != before:
        rule = ("Only a draft survey can be opened." if status == SurveyStatus.OPEN
                else "Only an open survey can be closed.")  # fmt: skip
        raise Problem("survey-state", rule, survey_status=survey.status)
    survey.status = status
    if status == SurveyStatus.OPEN:
        survey.opened_at = now
    else:
        survey.closed_at = now
    await session.flush()
    return survey


async def submit(
    session: AsyncSession, survey_id: int, user_id: int, answers: dict[int, int | str],
    now: datetime,
) -> None:  # fmt: skip
    """A trainee's answers, once. Who submitted and what was answered go to two rows that
    share no id and no time, so no one can tell whose answers are whose."""
    survey = await get_survey(session, survey_id)
    if survey.status != SurveyStatus.OPEN:
        raise Problem("survey-not-open", survey_status=survey.status)
    if not await lms.is_joinable_trainee(session, survey.cohort_id, user_id):
        raise Problem("not-enrolled", "Only the cohort's trainees answer its surveys.")
    items = {i.id: i for i in (await items_of(session, [survey.id]))[survey.id]}
    clean = _checked(items, answers)
    day = datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)
    taken = await insert_unless_taken(
        session, SurveySubmission, {"survey_id": survey.id, "user_id": user_id, "submitted_on": day}
    )
    if taken is None:
        raise Problem("survey-already-submitted")
    session.add(SurveyResponse(key=secrets.token_hex(16), survey_id=survey.id, answers=clean))
    await session.flush()


def _checked(items: dict[int, SurveyItem], answers: dict[int, int | str]) -> dict[str, Any]:
    errors = []
    for item_id, value in answers.items():
        item = items.get(item_id)
        if item is None:
            errors.append(f"item {item_id} is not in this survey")
        elif (item.kind == ItemKind.SCALE5) != isinstance(value, int):
            errors.append(
                f"item {item_id} takes {'1-5' if item.kind == ItemKind.SCALE5 else 'text'}"
            )
    if errors:
        raise Problem("validation-error", "; ".join(errors), errors=errors)
    return {str(k): v for k, v in answers.items()}


async def submitted(session: AsyncSession, survey_id: int) -> set[int]:
    """Who has answered the survey (for completion's "survey submitted" and reminders)."""
    return (await submitters(session, [survey_id]))[survey_id]


async def submitters(session: AsyncSession, survey_ids: list[int]) -> dict[int, set[int]]:
    """Who has answered each of these surveys, in one query."""
    found: dict[int, set[int]] = {sid: set() for sid in survey_ids}
    if survey_ids:
        rows = await session.execute(
            select(SurveySubmission.survey_id, SurveySubmission.user_id).where(
                SurveySubmission.survey_id.in_(survey_ids)
            )
        )
        for survey_id, user_id in rows:
            found[survey_id].add(user_id)
    return found


async def satisfaction_surveys_of(session: AsyncSession, cohort_id: int) -> list[int]:
    """The cohort's satisfaction surveys that trainees have been asked (open or closed)."""
    stmt = select(Survey.id).where(
        Survey.cohort_id == cohort_id,
        Survey.kind == SurveyKind.SATISFACTION,
        Survey.status != SurveyStatus.DRAFT,
    )
    return list((await session.scalars(stmt.order_by(Survey.id))).all())


async def _responses(
    session: AsyncSession, survey_ids: list[int]
) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {sid: [] for sid in survey_ids}
    if survey_ids:
        rows = await session.execute(
            select(SurveyResponse.survey_id, SurveyResponse.answers)
            .where(SurveyResponse.survey_id.in_(survey_ids))
            .order_by(SurveyResponse.key)  # random keys: no order of arrival
        )
        for survey_id, answers in rows:
            found[survey_id].append(answers)
    return found


async def _invited(session: AsyncSession, cohort_ids: set[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for cohort_id in cohort_ids:
        counts[cohort_id] = len(await lms.cohort_trainees(session, cohort_id))
    return counts


def _rate(responses: int, invited: int) -> float | None:
    return round(responses / invited, 4) if invited else None


def _item_result(item: SurveyItem, answers: list[dict[str, Any]]) -> ItemResultOut:
    values = [a[str(item.id)] for a in answers if str(item.id) in a]
    if item.kind == ItemKind.SCALE5:
        points = [int(v) for v in values]
        return ItemResultOut(
            item_id=item.id, prompt=item.prompt, kind=ItemKind(item.kind),
            instructor_id=item.instructor_id, answers=len(points),
            mean=round(sum(points) / len(points), 2) if points else None,
            distribution={p: points.count(p) for p in range(1, 6)}, texts=None,
        )  # fmt: skip
    return ItemResultOut(
        item_id=item.id, prompt=item.prompt, kind=ItemKind(item.kind),
        instructor_id=item.instructor_id, answers=len(values), mean=None, distribution=None,
        texts=[str(v) for v in values],
    )  # fmt: skip


async def results(session: AsyncSession, survey_id: int) -> SurveyResultsOut:
    survey = await get_survey(session, survey_id)
    count = await session.scalar(
        select(func.count(SurveySubmission.id)).where(SurveySubmission.survey_id == survey.id)
    )
    responses = int(count or 0)
    invited = len(await lms.cohort_trainees(session, survey.cohort_id))
    if survey.status != SurveyStatus.CLOSED:
        status: Any = "not_open" if survey.status == SurveyStatus.DRAFT else "in_progress"
        return SurveyResultsOut(survey_id=survey.id, status=status, responses=responses,
                                invited=invited, response_rate=None, items=None)  # fmt: skip
    items = (await items_of(session, [survey.id]))[survey.id]
    answers = (await _responses(session, [survey.id]))[survey.id]
    return SurveyResultsOut(
        survey_id=survey.id, status="closed", responses=responses, invited=invited,
        response_rate=_rate(responses, invited),
        items=[_item_result(item, answers) for item in items],
    )  # fmt: skip


async def satisfaction_summary(
    session: AsyncSession, *, course_id: int | None = None, cohort_id: int | None = None,
    instructor_id: int | None = None,
) -> SatisfactionOut:  # fmt: skip
    """Satisfaction over a course, a cohort, an instructor (or an instructor within a course
    or cohort): the mean of the 5-point answers of closed surveys (about the course: items
    naming no instructor; about an instructor: items naming them), their response rate, and
    how many surveys are still open. Never 0 for "not yet": "in_progress" or "no_data"."""
    stmt = select(Survey).where(
        Survey.kind == SurveyKind.SATISFACTION, Survey.status != SurveyStatus.DRAFT
    )
    if course_id is not None:
        stmt = stmt.where(Survey.course_id == course_id)
    if cohort_id is not None:
        stmt = stmt.where(Survey.cohort_id == cohort_id)
    if instructor_id is not None:
        about = select(SurveyItem.survey_id).where(SurveyItem.instructor_id == instructor_id)
        stmt = stmt.where(Survey.id.in_(about))
    surveys = list((await session.scalars(stmt)).all())
    return await _summary(session, surveys, instructor_id)


async def _summary(
    session: AsyncSession, surveys: list[Survey], instructor_id: int | None
) -> SatisfactionOut:
    """Closed surveys give the mean of their 5-point items (about the instructor, or naming
    none) and the response rate; only open ones: in progress; none: no data."""
    closed = [s for s in surveys if s.status == SurveyStatus.CLOSED]
    still_open = [s for s in surveys if s.status == SurveyStatus.OPEN]
    counted = closed or still_open
    done = await submitters(session, [s.id for s in counted])
    invited_by_cohort = await _invited(session, {s.cohort_id for s in counted})
    responses = sum(len(done[s.id]) for s in counted)
    invited = sum(invited_by_cohort[s.cohort_id] for s in counted)
    if not counted:
        return SatisfactionOut(status="no_data", surveys=0, responses=0, invited=0,
                               response_rate=None, mean=None, open_surveys=0)  # fmt: skip
    if not closed:
        return SatisfactionOut(status="in_progress", surveys=len(still_open), responses=responses,
                               invited=invited, response_rate=None, mean=None,
                               open_surveys=len(still_open))  # fmt: skip
    items = await items_of(session, [s.id for s in closed])
    answers = await _responses(session, [s.id for s in closed])
    points: list[int] = []
    for s in closed:
        for item in items[s.id]:
            if item.kind != ItemKind.SCALE5 or item.instructor_id != instructor_id:
                continue
            points += [int(a[str(item.id)]) for a in answers[s.id] if str(item.id) in a]
    return SatisfactionOut(
        status="closed", surveys=len(closed), responses=responses, invited=invited,
        response_rate=_rate(responses, invited),
        mean=round(sum(points) / len(points), 2) if points else None,
        open_surveys=len(still_open),
    )  # fmt: skip


async def application_summary(session: AsyncSession, cohort_id: int) -> list[PhaseOut]:
    """On-the-job application (현업적용도) of a cohort by phase (before, right after, 2-3 months
    after), each summarised as satisfaction is: no data, in progress, or the mean of its
    5-point items with the response rate."""
    await lms.get_cohort(session, cohort_id)
    stmt = select(Survey).where(
        Survey.cohort_id == cohort_id,
        Survey.kind == SurveyKind.APPLICATION,
        Survey.status != SurveyStatus.DRAFT,
    )
    surveys = list((await session.scalars(stmt.order_by(Survey.id))).all())
    return [
        PhaseOut(phase=phase, **(await _summary(
            session, [s for s in surveys if s.phase == phase], None)).model_dump())
        for phase in SurveyPhase
    ]  # fmt: skip


# ---- administration pages and the trainee's form --------------------------------------------


async def cohort_instructors(session: AsyncSession, cohort_id: int) -> list[tuple[int, str]]:
    """The registry entries (id, name) of whoever teaches the cohort's sessions, in the order
    they first teach; teachers without a registry entry cannot be asked about (no id)."""
    seen: dict[int, str] = {}
    users: list[int] = []
    for class_session in await lms.cohort_sessions(session, cohort_id):
        for user_id, role in await lms.staff_of(session, class_session.id):
            if role == StaffRole.INSTRUCTOR and user_id not in users:
                users.append(user_id)
    for user_id in users:
        entry = await instructors.instructor_of_user(session, user_id)
        if entry is not None:
            seen.setdefault(entry.id, entry.name)
    return list(seen.items())


async def template_for(
    session: AsyncSession, cohort_id: int, kind: SurveyKind, phase: SurveyPhase | None,
    lang: templates.Lang,
) -> SurveyIn:  # fmt: skip
    """A starting draft for the cohort (not stored): satisfaction asks about each teacher."""
    await lms.get_cohort(session, cohort_id)
    teachers = []
    if kind == SurveyKind.SATISFACTION:
        teachers = await cohort_instructors(session, cohort_id)
    return templates.template(kind, phase, teachers, lang)


async def edit_draft(session: AsyncSession, survey_id: int, body: SurveyEdit) -> Survey:
    """New title and items for a draft; once open, the questions people answer stay put."""
    survey = await get_survey(session, survey_id)
    if survey.status != SurveyStatus.DRAFT:
        raise Problem("survey-state", "Only a draft survey can be edited.",
                      survey_status=survey.status)  # fmt: skip
    if survey.kind == SurveyKind.APPLICATION and any(i.instructor_id for i in body.items):
        raise Problem("validation-error", "only satisfaction items may be about an instructor",
                      errors=[])  # fmt: skip
    for item in body.items:
        if item.instructor_id is not None:
            await lms.get_instructor(session, item.instructor_id)
    for old in (await items_of(session, [survey.id]))[survey.id]:
        await session.delete(old)
    await session.flush()  # the positions are free again
    survey.title = body.title
    for position, item in enumerate(body.items, start=1):
        session.add(SurveyItem(survey_id=survey.id, position=position, kind=item.kind,
                               prompt=item.prompt, instructor_id=item.instructor_id))  # fmt: skip
    await session.flush()
    return survey


async def detail(session: AsyncSession, survey: Survey, submitted: bool | None) -> SurveyDetailOut:
    """The survey as its form shows it: items, course and cohort, instructors' names."""
    items = (await items_of(session, [survey.id]))[survey.id]
    cohort = await lms.get_cohort(session, survey.cohort_id)
    course = await lms.get_course(session, survey.course_id)
    names: dict[int, str] = {}
    for item in items:
        if item.instructor_id is not None and item.instructor_id not in names:
            names[item.instructor_id] = (await lms.get_instructor(session, item.instructor_id)).name
    base = survey_out(survey, items, submitted).model_dump()
    return SurveyDetailOut(**base, course_title=f"{course.code} {course.title}",
                           cohort_name=cohort.name, instructors=names)  # fmt: skip


async def surveys_for_trainee(session: AsyncSession, user_id: int) -> list[MySurveyOut]:
    """The open and closed surveys of every cohort the person is a trainee of (approved,
    completed or not), open ones first, with whether they have answered each."""
    joinable = {s.value for s in JOINABLE}
    cohort_ids = [e.cohort_id for e in await lms.enrolments_of(session, user_id)
                  if e.status in joinable]  # fmt: skip
    if not cohort_ids:
        return []
    stmt = select(Survey).where(Survey.cohort_id.in_(cohort_ids),
                                Survey.status != SurveyStatus.DRAFT)  # fmt: skip
    surveys = list((await session.scalars(stmt.order_by(Survey.id))).all())
    done = await submitters(session, [s.id for s in surveys])
    cohorts = {cid: await lms.get_cohort(session, cid) for cid in {s.cohort_id for s in surveys}}
    courses = await lms.courses_by_id(session, list({s.course_id for s in surveys}))
    found = [
        MySurveyOut(
            id=s.id, title=s.title, kind=SurveyKind(s.kind),
            phase=SurveyPhase(s.phase) if s.phase else None, status=SurveyStatus(s.status),
            course_id=s.course_id,
            course_title=f"{courses[s.course_id].code} {courses[s.course_id].title}",
            cohort_id=s.cohort_id, cohort_name=cohorts[s.cohort_id].name,
            submitted=user_id in done[s.id],
        )
        for s in surveys
    ]  # fmt: skip
    return sorted(found, key=lambda m: (m.status != SurveyStatus.OPEN, m.id))
