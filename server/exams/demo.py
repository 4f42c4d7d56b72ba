"""The demo exams: the seed's 2020 rounds and units (server/exams/seed_2020.py) as tallies,
and the 2018–2020 subjects and question errors that give 0.28%, 0.09% and 0.06%; and a 2021
career round kept candidate by candidate (org units, the pipeline up to the interview, each
unit's interview time) with a pool of panel members of every kind, so interview panels can be
assigned for it out of the box (/admin/exams/panels).

Idempotent: nothing is added if 2020 already has a round.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.clock import SEOUL
from server.exams.models import (
    STAGES,
    ExamCandidate,
    ExamRound,
    ExamSubject,
    ExamUnit,
    QuestionError,
    RoundKind,
    Stage,
    StageSchedule,
    StageScore,
)
from server.exams.panels import service as panels
from server.exams.panels.schemas import MemberIn
from server.exams.panels.solver import MemberKind
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
    await _interview_round(session, now)
    await session.flush()
    return True


# ---- a round to assign interview panels for ---------------------------------------------------

PANEL_YEAR = 2021
PANEL_ROUND = (1, RoundKind.CAREER, "2021년 제1회 경력경쟁임용시험 (일반임기제)")
INTERVIEW_DAY = date(2021, 3, 15)
#: exam no, name, org unit (None: none / not known), passed the group discussion
Applicant = tuple[str, str, str | None, bool]
#: code, job series, grade, interview hour (Seoul), candidates
PANEL_UNITS: tuple[tuple[str, str, str, int, tuple[Applicant, ...]], ...] = (
    ("c01", "행정", "5급", 9, (
        ("K-101", "김서연", "종로구청", True), ("K-102", "이준호", None, True),
        ("K-103", "박민서", "마포구청", True), ("K-104", "최지훈", "서울시 기획조정실", True),
        ("K-105", "정하윤", None, True), ("K-106", "강도현", "종로구청", True),
        ("K-107", "윤서아", None, True), ("K-108", "임재원", "강남구청", False))),
    ("c02", "세무", "6급", 9, (
        ("K-201", "한지민", "서울시 재무국", True), ("K-202", "오승우", "마포구청", True),
        ("K-203", "서예린", None, True), ("K-204", "신동욱", "서울시 재무국", True),
        ("K-205", "권나연", None, True), ("K-206", "황태민", None, True))),
    ("c03", "전산", "7급", 14, (
        ("K-301", "안유진", "서울시 디지털정책관", True), ("K-302", "송민재", None, True),
        ("K-303", "조하은", "성동구청", True), ("K-304", "배준서", None, False))),
)  # fmt: skip
#: the pool: name, kind, org unit, job series / grade (serving), retired on (retired),
#: declared relations (exam numbers)
PANEL_POOL: tuple[tuple[str, MemberKind, str, tuple[str, int] | None, date | None,
                        tuple[str, ...]], ...] = (
    ("문정호", MemberKind.OUTSIDE_EXPERT, "서울대학교 행정대학원", None, None, ()),
    ("유경희", MemberKind.OUTSIDE_EXPERT, "한국행정연구원", None, None, ("K-103",)),
    ("노상철", MemberKind.OUTSIDE_EXPERT, "서울시립대학교", None, None, ()),
    ("장미란", MemberKind.OUTSIDE_EXPERT, "한국조세재정연구원", None, None, ()),
    ("고영수", MemberKind.OUTSIDE_EXPERT, "정보통신산업진흥원", None, None, ()),
    ("백순자", MemberKind.RETIRED_OFFICIAL, "종로구청", None, date(2019, 6, 30), ()),
    ("남궁민", MemberKind.RETIRED_OFFICIAL, "서울시 재무국", None, date(2020, 2, 29), ()),
    ("차은영", MemberKind.RETIRED_OFFICIAL, "서울시 기획조정실", None, date(2018, 12, 31), ()),
    ("하태석", MemberKind.RETIRED_OFFICIAL, "중구청", None, date(2016, 6, 30), ()),
    ("류성민", MemberKind.SERVING_OFFICIAL, "서울시 인사과", ("행정", 4), None, ()),
    ("전수진", MemberKind.SERVING_OFFICIAL, "종로구청", ("행정", 5), None, ()),
    ("표경민", MemberKind.SERVING_OFFICIAL, "서울시 세무과", ("세무", 5), None, ()),
    ("염지호", MemberKind.SERVING_OFFICIAL, "서울시 재무국", ("세무", 4), None, ()),
    ("길태윤", MemberKind.SERVING_OFFICIAL, "서울시 정보화기획관", ("전산", 5), None, ()),
)  # fmt: skip


def _seoul(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SEOUL)


async def _interview_round(session: AsyncSession, now: datetime) -> None:
    """The 2021 career round: each unit's pipeline scheduled (documents → job-task report →
    group discussion → interview on 15 March), its candidates scored through the group
    discussion (two did not pass), and the panel pool."""
    number, kind, name = PANEL_ROUND
    r = await _round(session, PANEL_YEAR, number, kind, name, INTERVIEW_DAY, now)
    days = dict(zip(STAGES, (date(2021, 2, 1), date(2021, 2, 20), date(2021, 3, 2),
                             INTERVIEW_DAY), strict=True))  # fmt: skip
    for code, series, grade, hour, people in PANEL_UNITS:
        unit = ExamUnit(round_id=r.id, code=code, job_series=series, grade=grade, planned=2)
        session.add(unit)
        await session.flush()
        for stage, day in days.items():
            start = _seoul(day, hour if stage is Stage.INTERVIEW else 10)
            session.add(StageSchedule(unit_id=unit.id, stage=stage.value, starts_at=start,
                                      ends_at=start + timedelta(hours=4)))  # fmt: skip
        for exam_no, person, org_unit, passed in people:
            row = ExamCandidate(unit_id=unit.id, exam_no=exam_no, name=person,
                                residence="서울", org_unit=org_unit, created_at=now)  # fmt: skip
            session.add(row)
            await session.flush()
            for stage in STAGES[:3]:
                ok = passed or stage is not Stage.GROUP_DISCUSSION
                session.add(StageScore(candidate_id=row.id, stage=stage.value,
                                       score=Decimal(82 if ok else 55), passed=ok))  # fmt: skip
    for member, mkind, org, serving, retired, relations in PANEL_POOL:
        await panels.create_member(session, MemberIn(
            name=member, kind=mkind, org_unit=org,
            job_series=serving[0] if serving else None,
            grade=serving[1] if serving else None,
            retired_on=retired, relations=list(relations),
        ), actor_id=None, now=now)  # fmt: skip
