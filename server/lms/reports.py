"""The plan-versus-actual report (교육훈련 계획 대비 실적), computed by SQL over course records.

What "actual" means, as the report's notes say to its readers:

- **runs** (실적 회차): cohorts of the year's courses that started on or before the as-of date
  and are not cancelled. Always-open (상시) e-learning courses have no runs: their monthly
  intakes are cohorts only so that enrolments have a home; the cell says 상시, not 0.
- **people** (실적 인원): enrolments whose completion (이수) was recorded on or before the as-of
  date (Asia/Seoul). A completion with no recorded date cannot be placed before or after the
  as-of date: it is not counted, and a note says how many there are.
- **courses** (실적 과정): courses with at least one actual run or one counted completion.
- **rate** (이수율) = actual people ÷ revised planned people, one decimal, half up
  (``seed_2020.completion_rate``).
- A row with no actual run and no completion has **no data** in its actual columns (blank in
  the printed table), never 0; a rate with nothing planned or nothing recorded is no data.

The plan columns are the course plans as stored (original and revised versions); plans carry no
effective date, so a plan changed after the as-of date shows its current figures. Frozen copies
keep what was submitted, and their diff names such changes from the audit log.

Figures are aggregated per course in SQL (a few hundred lines however many enrolments), then
rolled up into sub-area rows, area and track subtotals, the grand total and a breakdown by
delivery mode, so every figure is traceable to course rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.auth.roles import STAFF
from server.core.clock import SEOUL
from server.lms.models import (
    Cohort,
    CohortStatus,
    CompetencyArea,
    Course,
    CoursePlan,
    Enrolment,
    EnrolmentStatus,
    PlanVersion,
    SubArea,
)
from server.lms.seed_2020 import DELIVERY_MODES, completion_rate
from server.reports.base import (
    Cell,
    ChangedRecord,
    Column,
    Kind,
    Level,
    Marker,
    Note,
    Parameters,
    Report,
    ReportSpec,
    Row,
)

NAME = "plan-vs-actual"
TITLE_KO = "교육훈련 계획 대비 실적"
TITLE_EN = "Training plan versus actual"
SOURCES = ("courses", "course_plans", "cohorts", "enrolments", "sub_areas", "competency_areas")
TRACK_LABELS = {"classroom": ("집합교육", "Classroom"), "elearning": ("e러닝", "E-learning")}

COLUMNS: tuple[Column, ...] = (
    Column("track", "구분", "Track", Kind.TEXT),
    Column("area", "역량", "Area", Kind.TEXT),
    Column("sub_area", "세부", "Sub-area", Kind.TEXT),
    Column("courses_original", "과정(당초)", "Courses (original)", Kind.INT),
    Column("courses_revised", "과정(변경)", "Courses (revised)", Kind.INT),
    Column("runs_original", "회차(당초)", "Runs (original)", Kind.INT),
    Column("runs_revised", "회차(변경)", "Runs (revised)", Kind.INT),
    Column("people_original", "인원(당초)", "People (original)", Kind.INT),
    Column("people_revised", "인원(변경)", "People (revised)", Kind.INT),
    Column("actual_courses", "실적 과정", "Actual courses", Kind.INT),
    Column("actual_runs", "실적 회차", "Actual runs", Kind.INT),
    Column("actual_people", "실적 인원", "Actual people", Kind.INT),
    Column("rate", "이수율(%)", "Rate (%)", Kind.PERCENT),
)

NOTES: tuple[Note, ...] = (
    Note(
        "이수율 = 실적 인원 ÷ 변경 계획 인원 (소수 첫째 자리 반올림)",
        "Rate = actual people ÷ revised planned people (one decimal, half up)",
    ),
    Note(
        "실적 회차: 기준일까지 시작한 취소되지 않은 기수; 실적 인원: 기준일까지 기록된 이수; "
        "실적 과정: 실적 회차나 이수가 있는 과정",
        "Actual runs: cohorts started by the as-of date and not cancelled; actual people: "
        "completions recorded by the as-of date; actual courses: courses with a run or a "
        "completion",
    ),
    Note(
        "e러닝은 상시 운영으로 회차가 없음(상시); 실적이 없는 행은 '자료 없음'",
        "E-learning is always open and has no runs; rows with no actual records show 'no data'",
    ),
    Note(
        "계획 열은 현재 저장된 과정 계획(당초·변경)",
        "Plan columns are the course plans as currently stored (original, revised)",
    ),
)


@dataclass(frozen=True, slots=True)
class PlanFigures:
    offered: bool
    runs: int | None  # None: always open
    people: int


@dataclass(frozen=True, slots=True)
class CourseFigures:
    """One course's plan and actual figures: the unit every row is summed from."""

    course_id: int
    track: str
    area: str
    sub_area: str
    mode: str
    always_open: bool
    original: PlanFigures | None
    revised: PlanFigures | None
    actual_runs: int
    actual_people: int

    @property
    def has_actual(self) -> bool:
        return self.actual_runs > 0 or self.actual_people > 0


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """Area and sub-area names and print order (the rows of the table)."""

    areas: dict[str, tuple[str, int]]  # code -> (Korean name, sort)
    sub_areas: dict[str, tuple[str, str, int]]  # code -> (area code, Korean name, sort)


def cutoff(as_of: date) -> datetime:
    """The first instant after the as-of day in Seoul: completions before it count."""
    return datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=SEOUL)


# ---- SQL ------------------------------------------------------------------------------------


async def course_figures(
    session: AsyncSession, year: int, as_of: date
) -> tuple[list[CourseFigures], int]:
    """Every course of the year with its plans and actuals as of the date; and the number of
    completions with no recorded date (not counted, but not hidden either)."""
    courses = (
        await session.execute(
            select(
                Course.id, Course.track, CompetencyArea.code, SubArea.code,
                Course.delivery_mode, Course.always_open,
            )
            .join(SubArea, SubArea.id == Course.sub_area_id)
            .join(CompetencyArea, CompetencyArea.id == SubArea.area_id)
            .where(Course.year == year)
            .order_by(Course.id)
        )
    ).all()  # fmt: skip
    plans = await _plans(session, year)
    runs = await _actual_runs(session, year, as_of)
    people, undated = await _actual_people(session, year, as_of)
    figures = [
        CourseFigures(
            course_id=cid, track=track, area=area, sub_area=sub, mode=mode,
            always_open=always_open,
            original=plans.get((cid, PlanVersion.ORIGINAL)),
            revised=plans.get((cid, PlanVersion.REVISED)),
            actual_runs=runs.get(cid, 0), actual_people=people.get(cid, 0),
        )
        for cid, track, area, sub, mode, always_open in courses
    ]  # fmt: skip
    return figures, undated


async def _plans(session: AsyncSession, year: int) -> dict[tuple[int, str], PlanFigures]:
    rows = await session.execute(
        select(CoursePlan.course_id, CoursePlan.version, CoursePlan.offered, CoursePlan.runs,
               CoursePlan.people)
        .join(Course, Course.id == CoursePlan.course_id)
        .where(Course.year == year)
    )  # fmt: skip
    return {
        (cid, version): PlanFigures(offered, runs, people)
        for cid, version, offered, runs, people in rows.all()
    }


async def _actual_runs(session: AsyncSession, year: int, as_of: date) -> dict[int, int]:
    rows = await session.execute(
        select(Cohort.course_id, func.count(Cohort.id))
        .join(Course, Course.id == Cohort.course_id)
        .where(
            Course.year == year,
            Course.always_open.is_(False),
            Cohort.starts_on <= as_of,
            Cohort.status != CohortStatus.CANCELLED,
        )
        .group_by(Cohort.course_id)
    )
    return {cid: count for cid, count in rows.all()}


async def _actual_people(
    session: AsyncSession, year: int, as_of: date
) -> tuple[dict[int, int], int]:
    completed = (
        select(Cohort.course_id, func.count(Enrolment.id))
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Course, Course.id == Cohort.course_id)
        .where(Course.year == year, Enrolment.status == EnrolmentStatus.COMPLETED)
    )
    rows = await session.execute(
        completed.where(Enrolment.completed_at < cutoff(as_of)).group_by(Cohort.course_id)
    )
    undated = await session.scalar(
        select(func.count(Enrolment.id))
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Course, Course.id == Cohort.course_id)
        .where(
            Course.year == year,
            Enrolment.status == EnrolmentStatus.COMPLETED,
            Enrolment.completed_at.is_(None),
        )
    )
    return {cid: count for cid, count in rows.all()}, undated or 0


async def _taxonomy(session: AsyncSession) -> Taxonomy:
    areas = (await session.execute(select(CompetencyArea.code, CompetencyArea.name_ko,
                                          CompetencyArea.sort))).all()  # fmt: skip
    subs = (
        await session.execute(
            select(SubArea.code, CompetencyArea.code, SubArea.name_ko, SubArea.sort).join(
                CompetencyArea, CompetencyArea.id == SubArea.area_id
            )
        )
    ).all()
    return Taxonomy(
        areas={code: (name, sort) for code, name, sort in areas},
        sub_areas={code: (area, name, sort) for code, area, name, sort in subs},
    )


# ---- rolling up -----------------------------------------------------------------------------


def _sum_runs(values: Iterable[int | None]) -> int | Marker:
    """Planned or actual runs of a group: 상시 if every course is always open, else the sum of
    the scheduled ones (a group planning nothing plans 0 runs, which is a figure)."""
    items = list(values)
    if items and all(v is None for v in items):
        return Marker.ALWAYS_OPEN
    return sum(v for v in items if v is not None)


def figures(courses: list[CourseFigures]) -> dict[str, Cell]:
    """The plan and actual cells of any group of courses."""
    original = [c.original for c in courses if c.original is not None and c.original.offered]
    revised = [c.revised for c in courses if c.revised is not None and c.revised.offered]
    people_revised = sum(p.people for p in revised)
    cells: dict[str, Cell] = {
        "courses_original": len(original),
        "courses_revised": len(revised),
        "runs_original": _sum_runs(p.runs for p in original),
        "runs_revised": _sum_runs(p.runs for p in revised),
        "people_original": sum(p.people for p in original),
        "people_revised": people_revised,
        "actual_courses": None,
        "actual_runs": None,
        "actual_people": None,
        "rate": None,
    }
    actual = [c for c in courses if c.has_actual]
    if actual:
        people = sum(c.actual_people for c in actual)
        cells["actual_courses"] = len(actual)
        cells["actual_runs"] = _sum_runs(None if c.always_open else c.actual_runs for c in actual)
        cells["actual_people"] = people
        cells["rate"] = completion_rate(people, people_revised)
    return cells


def _row(key: str, level: Level, labels: tuple[str, str, str], group: list[CourseFigures]) -> Row:
    track, area, sub = labels
    return Row(key, level, {"track": track, "area": area, "sub_area": sub, **figures(group)})


def rows(courses: list[CourseFigures], taxonomy: Taxonomy) -> tuple[Row, ...]:
    """Grand total; per track its subtotal, per area a subtotal and its sub-area rows; then one
    row per delivery mode."""

    out = [_row("all", Level.TOTAL, ("전체", "", ""), courses)]
    tracks = [t for t in TRACK_LABELS if any(c.track == t for c in courses)]
    for track in tracks:
        in_track = [c for c in courses if c.track == track]
        track_ko = TRACK_LABELS[track][0]
        out.append(_row(track, Level.SUBTOTAL, (track_ko, "소계", ""), in_track))
        area_codes = sorted({c.area for c in in_track}, key=lambda a: taxonomy.areas[a][1])
        for area in area_codes:
            in_area = [c for c in in_track if c.area == area]
            area_ko = taxonomy.areas[area][0]
            out.append(_row(f"{track}/{area}", Level.SUBTOTAL, (track_ko, area_ko, "계"), in_area))
            subs = sorted({c.sub_area for c in in_area}, key=lambda s: taxonomy.sub_areas[s][2])
            for sub in subs:
                in_sub = [c for c in in_area if c.sub_area == sub]
                labels = (track_ko, area_ko, taxonomy.sub_areas[sub][1])
                out.append(_row(f"{track}/{area}/{sub}", Level.ROW, labels, in_sub))
    for mode, (mode_ko, _) in DELIVERY_MODES.items():
        in_mode = [c for c in courses if c.mode == mode]
        if in_mode:
            out.append(_row(f"mode/{mode}", Level.ROW, ("교육방식", mode_ko, ""), in_mode))
    return tuple(out)


async def plan_vs_actual(session: AsyncSession, parameters: Parameters) -> Report:
    """The year's plan (original, revised) against actual runs and completions as of the date."""
    courses, undated = await course_figures(session, parameters.year, parameters.as_of)
    notes = NOTES
    if undated:
        notes = (
            *NOTES,
            Note(
                f"이수 일자가 기록되지 않은 이수 {undated:,}건은 집계하지 않음",
                f"{undated:,} completions with no recorded date are not counted",
            ),
        )
    return Report(
        name=NAME, title_ko=TITLE_KO, title_en=TITLE_EN, parameters=parameters,
        columns=COLUMNS, rows=rows(courses, await _taxonomy(session)), notes=notes,
    )  # fmt: skip


# ---- explaining changes ---------------------------------------------------------------------


async def locate(session: AsyncSession, table: str, record_id: str) -> ChangedRecord | None:
    """Name a changed record in the report's words and list the rows it feeds (for diffs)."""
    course_id: int | None = None
    what = f"{table} #{record_id}"
    if not record_id.isdigit():
        return None
    rid = int(record_id)
    if table == "courses":
        course_id = rid
    elif table == "course_plans":
        plan = await session.get(CoursePlan, rid)
        if plan is not None:
            course_id = plan.course_id
            what = f"{table} #{rid} ({plan.version} plan)"
    elif table == "cohorts":
        course_id = await session.scalar(select(Cohort.course_id).where(Cohort.id == rid))
    elif table == "enrolments":
        course_id = await session.scalar(
            select(Cohort.course_id).join(Enrolment, Enrolment.cohort_id == Cohort.id)
            .where(Enrolment.id == rid)
        )  # fmt: skip
    if course_id is None:
        return ChangedRecord(what, ())
    course = await session.get(Course, course_id)
    if course is None:
        return ChangedRecord(what, ())
    area = await session.scalar(
        select(CompetencyArea.code).join(SubArea, SubArea.area_id == CompetencyArea.id)
        .where(SubArea.id == course.sub_area_id)
    )  # fmt: skip
    sub = await session.scalar(select(SubArea.code).where(SubArea.id == course.sub_area_id))
    keys = ("all", course.track, f"{course.track}/{area}", f"{course.track}/{area}/{sub}",
            f"mode/{course.delivery_mode}")  # fmt: skip
    return ChangedRecord(f"{what} of course {course.code} {course.title}", keys)


SPEC = ReportSpec(
    name=NAME, title_ko=TITLE_KO, title_en=TITLE_EN, run=plan_vs_actual, readers=STAFF,
    sources=SOURCES, locate=locate,
)  # fmt: skip
"""Institute-wide: admins and operators only."""
