"""Recruitment exams: rounds, units and their figures, candidates (CSV import, results, read
log), question errors, and turning successful candidates into new-recruit enrolments.

Plain async functions over a session; the routes in ``api.py`` decide who may call them.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.audit import AuditEntry
from server.core.auth import service as auth
from server.core.auth.passwords import Passwords
from server.core.auth.roles import Role
from server.core.auth.schemas import UserCreate
from server.core.clock import SEOUL
from server.core.db import get_or_404
from server.core.errors import PROBLEM_TYPES, Problem, ProblemType
from server.exams.models import (
    HOME_REGION,
    ExamCandidate,
    ExamRound,
    ExamSubject,
    ExamUnit,
    QuestionError,
)
from server.exams.schemas import (
    CandidateOut,
    EnrolOut,
    ErrorCreate,
    ErrorOut,
    Figures,
    ImportOut,
    ReadOut,
    ResultsUpdate,
    RoundCreate,
    RoundOut,
    RowError,
    SubjectCreate,
    SubjectOut,
    UnitCreate,
    UnitOut,
)
from server.lms.cohorts import service as cohorts
from server.lms.cohorts.schemas import CohortQuery
from server.lms.enrolment import service as enrolment
from server.lms.models import CohortStatus

PROBLEM_TYPES.update(
    {
        p.slug: p
        for p in (
            ProblemType(
                "exam-import-rejected",
                422,
                "Applicants file rejected",
                "Some rows are not valid; `rows` lists each (line, field, message). Nothing was "
                "imported.",
            ),
            ProblemType(
                "no-next-cohort",
                409,
                "No next cohort",
                "The course has no planned or open cohort starting today or later.",
            ),
        )
    }
)

TENTH = Decimal("0.1")
HUNDREDTH = Decimal("0.01")
READ = "read"  # the audit log's action for a read of candidate data
CANDIDATES = "exam_candidates"
EXAM_NO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
FLAGS = ("disabled", "veteran", "highschool")
RESULTS = {"sat": "sat", "written": "written_passed", "interview": "interviewed",
           "final": "final_passed"}  # fmt: skip
REQUIRED = ("exam_no", "name", "residence")
OPTIONAL = ("org_unit",)  # 현 소속: blank is none / not known
MAX_ROWS = 100_000


def percent(part: int | None, base: int | None) -> Decimal | None:
    """part ÷ base in percent, one decimal, half up; None when either is unknown or base 0."""
    if part is None or base is None or base == 0:
        return None
    return (Decimal(part) * 100 / Decimal(base)).quantize(TENTH, rounding=ROUND_HALF_UP)


def error_rate(errors: int | None, questions: int | None) -> Decimal | None:
    """errors ÷ questions in percent, two decimals (0.28%), half up."""
    if errors is None or not questions:
        return None
    return (Decimal(errors) * 100 / Decimal(questions)).quantize(HUNDREDTH, ROUND_HALF_UP)


# ---- figures ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Counts:
    """The counts behind a unit's or a round's figures; None is unknown."""

    planned: int
    applicants: int | None
    sat: int | None
    written_passed: int | None
    interviewed: int | None
    final_passed: int | None
    final_residents: int | None
    quota_disabled: int | None
    quota_veterans: int | None
    quota_highschool: int | None
    final_disabled: int | None
    final_veterans: int | None
    final_highschool: int | None


def _total(values: Iterable[int | None]) -> int | None:
    """A sum that is unknown if any part is."""
    total = 0
    for value in values:
        if value is None:
            return None
        total += value
    return total


def combine(parts: Sequence[Counts]) -> Counts:
    """A round's counts: planned adds up; any other count is unknown if a unit's is."""

    def total(name: str) -> int | None:
        return _total(getattr(p, name) for p in parts)

    known = {f.name: total(f.name) for f in fields(Counts) if f.name != "planned"}
    return Counts(planned=sum(p.planned for p in parts), **known)


def _known(people: list[ExamCandidate], attr: str) -> int | None:
    """How many of these people have ``attr`` true; None if anyone's is not known yet."""
    values = [getattr(p, attr) for p in people]
    return None if any(v is None for v in values) else sum(1 for v in values if v)


def _from_candidates(unit: ExamUnit, people: list[ExamCandidate]) -> Counts:
    sat_people = [p for p in people if p.sat]
    passed = [p for p in sat_people if p.written_passed]
    sat = _known(people, "sat")
    written = _known(sat_people, "written_passed") if sat is not None else None
    interviewed = _known(passed, "interviewed") if written is not None else None
    final = _known(passed, "final_passed") if written is not None else None
    finals = [p for p in passed if p.final_passed]

    def among_final(pred: Any) -> int | None:
        return None if final is None else sum(1 for p in finals if pred(p))

    return Counts(
        planned=unit.planned, applicants=len(people), sat=sat, written_passed=written,
        interviewed=interviewed, final_passed=final,
        final_residents=among_final(lambda p: p.residence == HOME_REGION),
        quota_disabled=unit.quota_disabled, quota_veterans=unit.quota_veterans,
        quota_highschool=unit.quota_highschool,
        final_disabled=among_final(lambda p: p.disabled),
        final_veterans=among_final(lambda p: p.veteran),
        final_highschool=among_final(lambda p: p.highschool),
    )  # fmt: skip


def _from_tallies(unit: ExamUnit) -> Counts:
    return Counts(
        planned=unit.planned, applicants=unit.applicants, sat=unit.sat,
        written_passed=unit.written_passed, interviewed=unit.interviewed,
        final_passed=unit.final_passed, final_residents=unit.final_residents,
        quota_disabled=unit.quota_disabled, quota_veterans=unit.quota_veterans,
        quota_highschool=unit.quota_highschool, final_disabled=None, final_veterans=None,
        final_highschool=None,
    )  # fmt: skip


def figures(c: Counts) -> Figures:
    competition = None
    if c.applicants is not None and c.planned:
        competition = int((Decimal(c.applicants) / c.planned).quantize(Decimal(1), ROUND_HALF_UP))
    return Figures(
        planned=c.planned, applicants=c.applicants, sat=c.sat, written_passed=c.written_passed,
        interviewed=c.interviewed, final_passed=c.final_passed, final_residents=c.final_residents,
        competition=competition,
        sitting_rate=percent(c.sat, c.applicants),
        written_pass_rate=percent(c.written_passed, c.sat),
        final_pass_rate=percent(c.final_passed, c.written_passed),
        quota_fill=percent(c.final_passed, c.planned),
        disabled_fill=percent(c.final_disabled, c.quota_disabled),
        veterans_fill=percent(c.final_veterans, c.quota_veterans),
        highschool_fill=percent(c.final_highschool, c.quota_highschool),
        residence_share=percent(c.final_residents, c.final_passed),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class UnitCounts:
    unit: ExamUnit
    candidates: int
    counts: Counts


async def unit_counts(session: AsyncSession, round_ids: list[int]) -> dict[int, list[UnitCounts]]:
    """Each round's units with their counts (from candidates when any were imported)."""
    units = list(
        await session.scalars(
            select(ExamUnit).where(ExamUnit.round_id.in_(round_ids)).order_by(ExamUnit.code)
        )
    )
    people: dict[int, list[ExamCandidate]] = {u.id: [] for u in units}
    if units:
        for person in await session.scalars(
            select(ExamCandidate).where(ExamCandidate.unit_id.in_(list(people)))
        ):
            people[person.unit_id].append(person)
    result: dict[int, list[UnitCounts]] = {rid: [] for rid in round_ids}
    for unit in units:
        mine = people[unit.id]
        counts = _from_candidates(unit, mine) if mine else _from_tallies(unit)
        result[unit.round_id].append(UnitCounts(unit, len(mine), counts))
    return result


def _unit_out(item: UnitCounts) -> UnitOut:
    u = item.unit
    return UnitOut(
        id=u.id, round_id=u.round_id, code=u.code, job_series=u.job_series, grade=u.grade,
        quota_disabled=u.quota_disabled, quota_veterans=u.quota_veterans,
        quota_highschool=u.quota_highschool, candidates=item.candidates,
        figures=figures(item.counts),
    )  # fmt: skip


def _round_out(r: ExamRound, units: list[UnitCounts]) -> RoundOut:
    return RoundOut(
        id=r.id, year=r.year, number=r.number, kind=r.kind, name=r.name, held_on=r.held_on,
        units=len(units),
        figures=figures(combine([u.counts for u in units])) if units else None,
    )  # fmt: skip


# ---- rounds and units -------------------------------------------------------------------------


async def rounds_of_year(session: AsyncSession, year: int) -> list[ExamRound]:
    stmt = select(ExamRound).where(ExamRound.year == year)
    return list(await session.scalars(stmt.order_by(ExamRound.number, ExamRound.id)))


async def list_rounds(session: AsyncSession, year: int) -> list[RoundOut]:
    rounds = await rounds_of_year(session, year)
    units = await unit_counts(session, [r.id for r in rounds])
    return [_round_out(r, units[r.id]) for r in rounds]


async def get_round(session: AsyncSession, round_id: int) -> RoundOut:
    r = await get_or_404(session, ExamRound, round_id, "exam round")
    return _round_out(r, (await unit_counts(session, [r.id]))[r.id])


async def create_round(session: AsyncSession, data: RoundCreate, now: datetime) -> RoundOut:
    exists = await session.scalar(
        select(ExamRound.id).where(
            ExamRound.year == data.year, ExamRound.kind == data.kind.value,
            ExamRound.number == data.number,
        )
    )  # fmt: skip
    if exists is not None:
        raise Problem("conflict", f"Round {data.number} ({data.kind}) of {data.year} exists.")
    r = ExamRound(**data.model_dump(), created_at=now)
    session.add(r)
    await session.flush()
    return _round_out(r, [])


async def list_units(session: AsyncSession, round_id: int) -> list[UnitOut]:
    await get_or_404(session, ExamRound, round_id, "exam round")
    return [_unit_out(u) for u in (await unit_counts(session, [round_id]))[round_id]]


async def create_unit(session: AsyncSession, round_id: int, data: UnitCreate) -> UnitOut:
    await get_or_404(session, ExamRound, round_id, "exam round")
    taken = await session.scalar(
        select(ExamUnit.id).where(ExamUnit.round_id == round_id, ExamUnit.code == data.code)
    )
    if taken is not None:
        raise Problem("conflict", f"The round already has a unit {data.code!r}.")
    unit = ExamUnit(round_id=round_id, **data.model_dump())
    session.add(unit)
    await session.flush()
    return _unit_out(UnitCounts(unit, 0, _from_tallies(unit)))


# ---- candidates -------------------------------------------------------------------------------


async def log_read(session: AsyncSession, what: str, count: int | None, now: datetime, *,
                   actor_id: int | None = None) -> None:  # fmt: skip
    """Write who read which candidates, when, to the audit log (action ``read``). The one
    read log of exam candidate data: the panels and competency packages write theirs here
    too (``what`` is ``kind:ref``, e.g. ``unit:12``, ``assignment:3``, ``members``). The
    actor is the session's (the route's caller) unless named."""
    actor = session.info.get("actor_id") if actor_id is None else actor_id
    session.add(
        AuditEntry(
            at=now, actor_id=actor, action=READ, entity=CANDIDATES,
            entity_id=what, before=None, after={"count": count},
            request_id=session.info.get("request_id"),
        )
    )  # fmt: skip
    await session.flush()


async def list_reads(session: AsyncSession) -> list[ReadOut]:
    """Every logged read of candidate data, oldest first."""
    rows = await session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == READ, AuditEntry.entity == CANDIDATES)
        .order_by(AuditEntry.id)
    )
    out = []
    for row in rows:
        what, _, ref = row.entity_id.partition(":")
        count = (row.after or {}).get("count")
        known = count if isinstance(count, int) else None
        out.append(ReadOut(id=row.id, at=row.at, actor_id=row.actor_id, what=what,
                           ref=ref or None, count=known))  # fmt: skip
    return out


async def list_candidates(
    session: AsyncSession, unit_id: int, now: datetime
) -> list[ExamCandidate]:
    """A unit's candidates by exam number; the read is logged."""
    await get_or_404(session, ExamUnit, unit_id, "exam unit")
    stmt = select(ExamCandidate).where(ExamCandidate.unit_id == unit_id)
    people = list(await session.scalars(stmt.order_by(ExamCandidate.exam_no)))
    await log_read(session, f"unit:{unit_id}", len(people), now)
    return people


async def get_candidate(session: AsyncSession, candidate_id: int, now: datetime) -> ExamCandidate:
    person = await get_or_404(session, ExamCandidate, candidate_id, "candidate")
    await log_read(session, f"candidate:{candidate_id}", 1, now)
    return person


def _yes_no(value: str, blank: bool | None) -> bool | None:
    text = value.strip().upper()
    if text == "":
        return blank
    if text in ("Y", "YES", "1", "TRUE", "예"):
        return True
    if text in ("N", "NO", "0", "FALSE", "아니오"):
        return False
    raise ValueError("Y or N (blank: not known)")


def _parse_row(line: int, row: dict[str, Any], errors: list[RowError]) -> dict[str, Any] | None:
    values = {k: (v or "").strip() for k, v in row.items() if k is not None}
    found: dict[str, Any] = {}
    bad = len(errors)
    if None in row:
        errors.append(RowError(row=line, field=None, message="more cells than headers"))
    if not EXAM_NO.match(values.get("exam_no", "")):
        errors.append(RowError(row=line, field="exam_no", message="letters, digits and -, "
                               "up to 32"))  # fmt: skip
    for name, limit in (("name", 100), ("residence", 32)):
        if not 1 <= len(values.get(name, "")) <= limit:
            errors.append(RowError(row=line, field=name, message=f"1 to {limit} characters"))
    if len(values.get("org_unit", "")) > 100:
        errors.append(RowError(row=line, field="org_unit", message="up to 100 characters"))
    for flag in FLAGS:
        try:
            found[flag] = _yes_no(values.get(flag, ""), False)
        except ValueError as exc:
            errors.append(RowError(row=line, field=flag, message=str(exc)))
    for column, attr in RESULTS.items():
        try:
            found[attr] = _yes_no(values.get(column, ""), None)
        except ValueError as exc:
            errors.append(RowError(row=line, field=column, message=str(exc)))
    for (earlier, e_attr), (later, l_attr) in itertools.pairwise(RESULTS.items()):
        if found.get(l_attr) is True and found.get(e_attr) is not True:
            errors.append(RowError(row=line, field=later, message=f"needs {earlier} = Y first"))
    if len(errors) > bad:
        return None
    return {"exam_no": values["exam_no"], "name": values["name"],
            "residence": values["residence"], "org_unit": values.get("org_unit") or None,
            **found}  # fmt: skip


async def import_candidates(
    session: AsyncSession, unit_id: int, text: str, now: datetime
) -> ImportOut:
    """Add a unit's applicants from CSV; any bad row (or an exam number already in the
    round) rejects the whole file with every row's errors."""
    unit = await get_or_404(session, ExamUnit, unit_id, "exam unit")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = headers
    errors: list[RowError] = []
    missing = [h for h in REQUIRED if h not in headers]
    known = set(REQUIRED) | set(OPTIONAL) | set(FLAGS) | set(RESULTS)
    for header in headers:
        if header not in known:
            errors.append(RowError(row=1, field=header, message="unknown column"))
    if missing:
        errors.append(RowError(row=1, field=",".join(missing), message="missing column"))
        raise Problem("exam-import-rejected", rows=[e.model_dump() for e in errors])
    taken = set(
        await session.scalars(
            select(ExamCandidate.exam_no)
            .join(ExamUnit, ExamUnit.id == ExamCandidate.unit_id)
            .where(ExamUnit.round_id == unit.round_id)
        )
    )
    rows: list[dict[str, Any]] = []
    for index, row in enumerate(reader, start=2):
        if index - 1 > MAX_ROWS:
            errors.append(RowError(row=index, field=None, message=f"over {MAX_ROWS} rows"))
            break
        parsed = _parse_row(index, row, errors)
        if parsed is None:
            continue
        if parsed["exam_no"] in taken:
            errors.append(RowError(row=index, field="exam_no", message="already in the round"))
            continue
        taken.add(parsed["exam_no"])
        rows.append(parsed)
    if not rows and not errors:
        errors.append(RowError(row=1, field=None, message="no rows"))
    if errors:
        raise Problem("exam-import-rejected", rows=[e.model_dump() for e in errors])
    session.add_all(ExamCandidate(unit_id=unit_id, created_at=now, **r) for r in rows)
    await session.flush()
    return ImportOut(imported=len(rows))


async def update_results(
    session: AsyncSession, candidate_id: int, data: ResultsUpdate
) -> ExamCandidate:
    person = await get_or_404(session, ExamCandidate, candidate_id, "candidate")
    for key, value in data.model_dump(exclude_unset=True).items():
        setattr(person, key, value)
    order = list(RESULTS.values())
    for earlier, later in itertools.pairwise(order):
        if getattr(person, later) is True and getattr(person, earlier) is not True:
            raise Problem("validation-error", f"{later} needs {earlier} first.",
                          errors=[{"loc": [later], "msg": f"needs {earlier} = true"}])  # fmt: skip
    await session.flush()
    return person


def candidate_out(person: ExamCandidate) -> CandidateOut:
    return CandidateOut.model_validate(person)


# ---- question errors --------------------------------------------------------------------------


async def _error_counts(session: AsyncSession, subject_ids: list[int]) -> dict[int, int]:
    if not subject_ids:
        return {}
    rows = await session.execute(
        select(QuestionError.subject_id, func.count())
        .where(QuestionError.subject_id.in_(subject_ids))
        .group_by(QuestionError.subject_id)
    )
    return {sid: n for sid, n in rows.all()}


async def list_subjects(session: AsyncSession, round_id: int) -> list[SubjectOut]:
    await get_or_404(session, ExamRound, round_id, "exam round")
    subjects = list(
        await session.scalars(
            select(ExamSubject).where(ExamSubject.round_id == round_id).order_by(ExamSubject.id)
        )
    )
    counts = await _error_counts(session, [s.id for s in subjects])
    return [SubjectOut(id=s.id, round_id=s.round_id, name=s.name, questions=s.questions,
                       errors=counts.get(s.id, 0)) for s in subjects]  # fmt: skip


async def add_subject(session: AsyncSession, round_id: int, data: SubjectCreate) -> SubjectOut:
    await get_or_404(session, ExamRound, round_id, "exam round")
    subject = ExamSubject(round_id=round_id, name=data.name, questions=data.questions)
    session.add(subject)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Problem("conflict", f"The round already has a subject {data.name!r}.") from None
    return SubjectOut(id=subject.id, round_id=round_id, name=subject.name,
                      questions=subject.questions, errors=0)  # fmt: skip


def _error_out(e: QuestionError, subject: ExamSubject) -> ErrorOut:
    return ErrorOut(
        id=e.id, subject_id=e.subject_id, subject=subject.name, question_no=e.question_no,
        description=e.description, cause=e.cause, action=e.action, reported_on=e.reported_on,
    )  # fmt: skip


async def add_error(session: AsyncSession, subject_id: int, data: ErrorCreate) -> ErrorOut:
    subject = await get_or_404(session, ExamSubject, subject_id, "subject")
    if data.question_no > subject.questions:
        raise Problem(
            "validation-error", f"The subject has {subject.questions} questions.",
            errors=[{"loc": ["question_no"], "msg": "beyond the subject's questions"}],
        )  # fmt: skip
    taken = await session.scalar(
        select(QuestionError.id).where(
            QuestionError.subject_id == subject_id, QuestionError.question_no == data.question_no
        )
    )
    if taken is not None:
        raise Problem("conflict", f"Question {data.question_no} already has an error record.")
    error = QuestionError(subject_id=subject_id, **data.model_dump())
    session.add(error)
    await session.flush()
    return _error_out(error, subject)


async def list_errors(session: AsyncSession, round_id: int) -> list[ErrorOut]:
    await get_or_404(session, ExamRound, round_id, "exam round")
    rows = await session.execute(
        select(QuestionError, ExamSubject)
        .join(ExamSubject, ExamSubject.id == QuestionError.subject_id)
        .where(ExamSubject.round_id == round_id)
        .order_by(ExamSubject.id, QuestionError.question_no)
    )
    return [_error_out(e, s) for e, s in rows.all()]


@dataclass(frozen=True, slots=True)
class RoundQuality:
    round: ExamRound
    subjects: int
    questions: int
    errors: int


async def question_quality(session: AsyncSession, up_to_year: int) -> list[RoundQuality]:
    """Every round up to the year that has subjects, with subjects, questions and errors."""
    errors = (
        select(ExamSubject.round_id, func.count(QuestionError.id).label("n"))
        .join(QuestionError, QuestionError.subject_id == ExamSubject.id)
        .group_by(ExamSubject.round_id)
        .subquery()
    )
    subjects = (
        select(
            ExamSubject.round_id,
            func.count().label("s"),
            func.sum(ExamSubject.questions).label("q"),
        )
        .group_by(ExamSubject.round_id)
        .subquery()
    )
    rows = await session.execute(
        select(ExamRound, subjects.c.s, subjects.c.q, errors.c.n)
        .join(subjects, subjects.c.round_id == ExamRound.id)
        .outerjoin(errors, errors.c.round_id == ExamRound.id)
        .where(ExamRound.year <= up_to_year)
        .order_by(ExamRound.year, ExamRound.number, ExamRound.id)
    )
    return [RoundQuality(r, int(s), int(q), int(n or 0)) for r, s, q, n in rows.all()]


# ---- link to training -------------------------------------------------------------------------


def recruit_login(year: int, exam_no: str) -> str:
    return f"r{year}-{exam_no.lower()}"


async def _next_cohort(session: AsyncSession, course_id: int, today: date) -> int:
    """The course's earliest planned or open cohort starting today or later (one page of
    200 cohorts: a course has a few a year)."""
    page = await cohorts.list_cohorts(
        session, CohortQuery(course_id=course_id, limit=200), staffed_by=None
    )
    upcoming = [
        c for c in page
        if c.status in (CohortStatus.PLANNED, CohortStatus.OPEN) and c.starts_on >= today
    ]  # fmt: skip
    if not upcoming:
        raise Problem("no-next-cohort", course_id=course_id)
    return min(upcoming, key=lambda c: (c.starts_on, c.number)).id


async def enrol_successful(
    session: AsyncSession, round_id: int, course_id: int, passwords: Passwords, now: datetime
) -> EnrolOut:
    """Enrol the round's final passes in the course's next cohort, making each an account
    (trainee, no password) the first time; running it again changes nothing."""
    r = await get_or_404(session, ExamRound, round_id, "exam round")
    cohort_id = await _next_cohort(session, course_id, now.astimezone(SEOUL).date())
    people = list(
        await session.scalars(
            select(ExamCandidate)
            .join(ExamUnit, ExamUnit.id == ExamCandidate.unit_id)
            .where(ExamUnit.round_id == round_id, ExamCandidate.final_passed.is_(True))
            .order_by(ExamUnit.code, ExamCandidate.exam_no)
        )
    )
    created = 0
    logins: list[str] = []
    for person in people:
        login = recruit_login(r.year, person.exam_no)
        if person.user_id is None:
            found = await auth.ids_by_login(session, [login])
            if login in found:
                person.user_id = found[login]
            else:
                user = await auth.create_user(
                    session, UserCreate(login=login, name=person.name, roles=[Role.TRAINEE]),
                    passwords, now,
                )  # fmt: skip
                person.user_id = user.id
                created += 1
        else:
            login = (await auth.get_user(session, person.user_id)).login
        logins.append(login)
    await session.flush()
    result = await enrolment.bulk_enrol(session, cohort_id, logins, now) if logins else None
    return EnrolOut(
        cohort_id=cohort_id,
        approved=result.approved if result else [],
        waitlisted=result.waitlisted if result else [],
        unchanged=result.unchanged if result else [],
        accounts_created=created,
    )
