"""A person's record: who may read it, and the record itself from the other packages'
services (lms, rooms, completion, certificates, surveys); no table of its own.

Attendance is derived the way completion derives it (``rooms.attendance.intervals`` with the
reconnect grace bridged and devices united, counted within the scheduled time held so far),
so the minutes here are the minutes the completion explanation speaks of.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from server.core.auth import service as auth
from server.core.auth.roles import STAFF, Role
from server.core.auth.service import Principal
from server.core.clock import SEOUL
from server.core.errors import Problem
from server.lms import service as lms
from server.lms.completion import certificates
from server.lms.completion import service as completion
from server.lms.completion.models import CorrectionKind, Outcome
from server.lms.models import (
    JOINABLE,
    ClassSession,
    Cohort,
    CohortStatus,
    Course,
    DeliveryMode,
    Enrolment,
    EnrolmentStatus,
)
from server.lms.record.schemas import (
    CertificateRecordOut,
    CohortBrief,
    CompletionRecordOut,
    CourseBrief,
    EnrolmentRecordOut,
    PresenceOut,
    RecordOut,
    Scope,
    SessionRecordOut,
    SurveyRecordOut,
)
from server.lms.surveys import service as surveys
from server.lms.surveys.models import SurveyStatus
from server.rooms import service as rooms
from server.rooms.attendance import STARTS, Mark, dropouts, intervals, present_seconds

TAKING_PART = frozenset(s.value for s in JOINABLE)
TEACHERS = (Role.INSTRUCTOR, Role.ASSISTANT)
Marks = list[tuple[Mark, str | None]]


async def reader_scope(
    session: AsyncSession, user_id: int, viewer: Principal
) -> tuple[Scope, set[int] | None]:
    """Who may read whose record: the person themself and training staff all of it; an
    instructor or assistant only the cohorts they teach in which the person is a trainee
    (``forbidden`` when there is none: nothing says whether the person exists)."""
    if viewer.user_id == user_id:
        return "self", None
    if viewer.has(*STAFF):
        await auth.get_user(session, user_id)  # not-found for staff
        return "staff", None
    if viewer.has(*TEACHERS):
        taught = {
            e.cohort_id
            for e in await lms.enrolments_of(session, user_id)
            if e.status in TAKING_PART
            and await lms.teaches_cohort(session, e.cohort_id, viewer.user_id)
        }
        if taught:
            return "instructor", taught
    raise Problem("forbidden", "A record is for its holder, training staff and their instructors.")


async def record_of(
    session: AsyncSession, user_id: int, viewer: Principal, *, grace: timedelta, now: datetime
) -> RecordOut:
    scope, only = await reader_scope(session, user_id, viewer)
    enrolments = [
        e for e in await lms.enrolments_of(session, user_id) if only is None or e.cohort_id in only
    ]
    cohorts = await lms.cohorts_by_id(session, [e.cohort_id for e in enrolments])
    courses = await lms.courses_by_id(session, sorted({c.course_id for c in cohorts.values()}))
    timetable = await lms.sessions_of_cohorts(session, list(cohorts))
    marks = await rooms.attendance_of_person(
        session, [cs.id for sessions in timetable.values() for cs in sessions if cs.live], user_id
    )
    today = now.astimezone(SEOUL).date()
    out = []
    for e in enrolments:
        cohort = cohorts[e.cohort_id]
        out.append(
            await _enrolment(
                session,
                e,
                cohort,
                courses[cohort.course_id],
                timetable[cohort.id],
                marks,
                scope=scope,
                grace=grace,
                now=now,
                today=today,
            )
        )
    current = sorted((r for r in out if r.current), key=lambda r: (r.cohort.starts_on, r.cohort.id))
    past = sorted((r for r in out if not r.current), key=_latest_first)
    name = (await auth.names_of(session, [user_id])).get(user_id, "")
    return RecordOut(user_id=user_id, name=name, as_of=now, scope=scope,
                     enrolments=current + past)  # fmt: skip


def _latest_first(r: EnrolmentRecordOut) -> tuple[int, int]:
    return (-r.cohort.starts_on.toordinal(), -r.cohort.id)


def is_current(e: Enrolment, cohort: Cohort, today: date) -> bool:
    """Still to come or running: not ended, finished or cancelled (for the person or all)."""
    return (
        e.status != EnrolmentStatus.CANCELLED
        and cohort.status not in (CohortStatus.FINISHED, CohortStatus.CANCELLED)
        and cohort.ends_on >= today
    )


async def _enrolment(
    session: AsyncSession, e: Enrolment, cohort: Cohort, course: Course,
    sessions: list[ClassSession], marks: dict[int, Marks], *, scope: Scope, grace: timedelta,
    now: datetime, today: date,
) -> EnrolmentRecordOut:  # fmt: skip
    taking_part = e.status in TAKING_PART
    excused: set[int] = set()
    if taking_part:
        excused = {
            c.class_session_id
            for c in await completion.corrections_of(session, cohort.id, e.user_id)
            if c.kind == CorrectionKind.EXCUSED_ABSENCE and c.class_session_id is not None
        }
    timed = [
        session_record(cs, marks.get(cs.id, []), e.user_id, grace, now, cs.id in excused)
        for cs in sessions
    ]
    rows = [row for row, _, _ in timed]
    done = await _completion(session, e, cohort.id, taking_part, grace=grace, now=now)
    return EnrolmentRecordOut(
        enrolment_id=e.id, status=EnrolmentStatus(e.status), current=is_current(e, cohort, today),
        course=CourseBrief(id=course.id, code=course.code, title=course.title,
                           mode=DeliveryMode(course.delivery_mode), year=course.year),
        cohort=CohortBrief.model_validate(cohort, from_attributes=True),
        sessions=rows, presence=presence(timed), completion=done,
        certificate=await _certificate(session, e, cohort.id, done, scope, now),
        surveys=await _open_surveys(session, cohort.id, e.user_id) if taking_part else [],
    )  # fmt: skip


def session_record(
    cs: ClassSession, marks: Marks, user_id: int, grace: timedelta, now: datetime, excused: bool
) -> tuple[SessionRecordOut, int, int]:
    """The person's time in one class session: present within the scheduled time held so far
    (with the seconds present and held, for the totals); nothing (not 0) for a session not
    begun or held in person."""
    start, end = cs.starts_at, cs.ends_at
    fields = {
        "id": cs.id, "title": cs.title, "starts_at": start.astimezone(SEOUL),
        "ends_at": end.astimezone(SEOUL), "live": cs.live, "state": cs.state,
        "scheduled_minutes": int((end - start).total_seconds()) // 60, "excused": excused,
    }  # fmt: skip
    if not cs.live or start >= now:
        row = SessionRecordOut(
            **fields, attendance="in_person" if not cs.live else "scheduled",
            counted_minutes=None, present_minutes=None, present_pct=None, bridged_drops=None,
            dropouts=None, devices=[],
        )  # fmt: skip
        return row, 0, 0
    held_until = min(end, now)
    counted = int((held_until - start).total_seconds())
    parts = intervals([m for m, _ in marks], grace, now).get(user_id, [])
    present = present_seconds(parts, start, held_until)
    devices: list[str] = []
    for mark, device in marks:
        if mark.user_id == user_id and mark.kind in STARTS and device and device not in devices:
            devices.append(device)
    row = SessionRecordOut(
        **fields, attendance="held" if end <= now else "in_progress",
        counted_minutes=counted // 60, present_minutes=present // 60,
        present_pct=present * 100 // counted, bridged_drops=sum(p.bridged_drops for p in parts),
        dropouts=dropouts(parts), devices=devices,
    )  # fmt: skip
    return row, present, counted


def presence(timed: list[tuple[SessionRecordOut, int, int]]) -> PresenceOut | None:
    """Present of scheduled over the live sessions held so far, excused ones left out: what
    the completion rule's presence criterion reads, summed in seconds and rounded the same
    way (whole minutes, percent rounded down). None: no live time held yet."""
    counted = [
        (p, of) for row, p, of in timed if row.counted_minutes is not None and not row.excused
    ]
    present, of = sum(p for p, _ in counted), sum(of for _, of in counted)
    if of == 0:
        return None
    return PresenceOut(present_minutes=present // 60, of_minutes=of // 60, pct=present * 100 // of)


async def _completion(
    session: AsyncSession, e: Enrolment, cohort_id: int, taking_part: bool, *,
    grace: timedelta, now: datetime,
) -> CompletionRecordOut:  # fmt: skip
    """The finalised result with its explanation; else the outcome the enrolment records;
    else pending, explained from the records so far when the course has a rule."""
    if not taking_part:
        return CompletionRecordOut(state="not_applicable", outcome=None, explanation_ko=None,
                                   explanation_en=None, finalised_at=None)  # fmt: skip
    final = await completion.finalised_result(session, cohort_id, e.user_id)
    if final is not None:
        return CompletionRecordOut(
            state="final", outcome=Outcome(final.outcome), explanation_ko=final.explanation_ko,
            explanation_en=final.explanation_en, finalised_at=final.finalised_at,
        )  # fmt: skip
    if e.status in (EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED):
        return CompletionRecordOut(state="recorded", outcome=Outcome(e.status),
                                   explanation_ko=None, explanation_en=None,
                                   finalised_at=None)  # fmt: skip
    try:
        so_far = await completion.trainee_result(session, cohort_id, e.user_id, grace=grace,
                                                 now=now)  # fmt: skip
    except Problem as problem:
        if problem.type.slug != "no-completion-rule":
            raise
        return CompletionRecordOut(state="pending", outcome=None, explanation_ko=None,
                                   explanation_en=None, finalised_at=None)  # fmt: skip
    return CompletionRecordOut(state="pending", outcome=None, explanation_ko=so_far.explanation_ko,
                               explanation_en=so_far.explanation_en, finalised_at=None)  # fmt: skip


def certificate_url(cohort_id: int, user_id: int) -> str:
    return f"/api/v1/cohorts/{cohort_id}/completion/{user_id}/certificate"


async def _certificate(
    session: AsyncSession, e: Enrolment, cohort_id: int, done: CompletionRecordOut, scope: Scope,
    now: datetime,
) -> CertificateRecordOut | None:  # fmt: skip
    """For a finalised "completed": the holder's certificate is issued the first time they
    read their record (as the download would), so they always see its code; someone else
    reading it issues nothing and sees the code once there is one. Instructors may not
    download a trainee's certificate (the certificate route's rule), so no link for them."""
    if done.state != "final" or done.outcome != Outcome.COMPLETED:
        return None
    cert = (
        await certificates.issue(session, cohort_id, e.user_id, now)
        if scope == "self"
        else await certificates.certificate_of(session, cohort_id, e.user_id)
    )
    return CertificateRecordOut(
        code=cert.code if cert is not None else None,
        pdf_url=None if scope == "instructor" else certificate_url(cohort_id, e.user_id),
    )


async def _open_surveys(
    session: AsyncSession, cohort_id: int, user_id: int
) -> list[SurveyRecordOut]:
    """The cohort's surveys open now, and whether the person has answered each (the trainee's
    form is /surveys/{id})."""
    found = await surveys.surveys_of_cohort(session, cohort_id, for_trainee=user_id)
    return [
        SurveyRecordOut(
            id=s.id,
            title=s.title,
            kind=s.kind,
            phase=s.phase,
            submitted=bool(s.submitted),
            url=f"/surveys/{s.id}",
        )
        for s in found
        if s.status == SurveyStatus.OPEN
    ]
