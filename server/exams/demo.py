"""The demo exams: the seed's 2020 rounds and units (server/exams/seed_2020.py) as tallies,
and the 2018–2020 subjects and question errors that give 0.28%, 0.09% and 0.06%.

Idempotent: nothing is added if 2020 already has a round.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.exams.models import ExamRound, ExamSubject, ExamUnit, QuestionError, RoundKind
from server.exams.seed_2020 import (
    CAREER,
    CAREER_ROUND,
    CAUSES,
    QUALITY,
    ROUND_1,
    ROUND_3,
    SERIES_9,
    SPECIALIST,
    SPECIALIST_ROUND,
    SUBJECT_NAMES,
    SUBJECTS_2020,
    YEAR,
    TalliedRound,
)


def split(total: int | None, parts: int) -> list[int | None]:
    """``total`` spread over ``parts`` as evenly as integers allow (the first take the rest)."""
    if total is None:
        return [None] * parts
    base, rest = divmod(total, parts)
    return [base + (1 if i < rest else 0) for i in range(parts)]


async def _round(
    session: AsyncSession, year: int, number: int, kind: RoundKind, name: str,
    held_on: date | None, now: datetime,
) -> ExamRound:  # fmt: skip
    r = ExamRound(year=year, number=number, kind=kind, name=name, held_on=held_on, created_at=now)
    session.add(r)
    await session.flush()
    return r


async def _tallied(session: AsyncSession, seed: TalliedRound, now: datetime) -> ExamRound:
    r = await _round(session, YEAR, seed.number, seed.kind, seed.name, seed.held_on, now)
    n = seed.units
    columns = {
        "planned": split(seed.planned, n), "applicants": split(seed.applicants, n),
        "sat": split(seed.sat, n), "written_passed": split(seed.written_passed, n),
        "final_passed": split(seed.final_passed, n),
    }  # fmt: skip
    for i in range(n):
        grade = "9급" if i % 4 else "7급"
        session.add(
            ExamUnit(
                round_id=r.id,
                code=f"u{i + 1:02d}",
                job_series=SERIES_9[i % len(SERIES_9)],
                grade=grade,
                **{k: v[i] for k, v in columns.items()},
            )
        )
    return r


async def _fields(
    session: AsyncSession, head: tuple[int, RoundKind, str],
    units: tuple[tuple[str, str, int, int | None], ...], now: datetime,
) -> None:  # fmt: skip
    r = await _round(session, YEAR, head[0], head[1], head[2], None, now)
    for i, (series, grade, planned, final) in enumerate(units):
        session.add(ExamUnit(round_id=r.id, code=f"f{i + 1:02d}", job_series=series, grade=grade,
                             planned=planned, final_passed=final))  # fmt: skip


async def _subjects(session: AsyncSession, r: ExamRound, subjects: int, errors: int) -> None:
    rows = [
        ExamSubject(
            round_id=r.id,
            name=f"{SUBJECT_NAMES[i % len(SUBJECT_NAMES)]}"
            f"{'' if i < len(SUBJECT_NAMES) else f' {i // len(SUBJECT_NAMES) + 1}'}",
            questions=20,
        )
        for i in range(subjects)
    ]
    session.add_all(rows)
    await session.flush()
    for k in range(errors):
        cause, action = CAUSES[k % len(CAUSES)]
        session.add(
            QuestionError(
                subject_id=rows[k * 7 % subjects].id, question_no=(k * 3) % 20 + 1,
                description=f"{rows[k * 7 % subjects].name} 문항 오류 (이의제기 인용)",
                cause=cause, action=action,
                reported_on=date(r.year, 12, 1) if r.held_on is None else r.held_on,
            )
        )  # fmt: skip


async def load_exams(session: AsyncSession, now: datetime) -> bool:
    """Load the demo exams; False (and nothing added) if 2020 has rounds already."""
    if await session.scalar(select(ExamRound.id).where(ExamRound.year == YEAR).limit(1)):
        return False
    first = await _tallied(session, ROUND_1, now)
    await _tallied(session, ROUND_3, now)
    await _fields(session, CAREER_ROUND, CAREER, now)
    await _fields(session, SPECIALIST_ROUND, SPECIALIST, now)
    await _subjects(session, first, SUBJECTS_2020, 0)
    for q in QUALITY:
        r = await _round(session, q.year, q.number, RoundKind.OPEN, q.name, q.held_on, now)
        await _subjects(session, r, q.subjects, q.errors)
    await session.flush()
    return True
