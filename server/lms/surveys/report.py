"""The survey-results report (설문 결과): for the year's courses, satisfaction per course and
per instructor, and on-the-job application per course and phase, each with its surveys,
respondents ÷ invited, response rate and mean 5-point score, as things stood on the as-of day.

- **State on the as-of day**: a survey closed by the end of that day (Asia/Seoul) gives
  figures; one opened but not closed by then is "in progress" (진행 중) with its response count
  and **no score** (a mean of answers so far is not a result, and 0 would be a lie); a course
  or phase without any survey held by then is no data (자료 없음). Drafts do not count.
- **mean**: the mean of the 5-point answers of closed surveys (course rows: items naming no
  instructor; instructor rows: the items naming that instructor; application rows: all of the
  phase's 5-point items). Each course's items follow as rows of their own (문항), grouped by
  their wording.
- **respondents** are people who submitted (a submission does not say which items they
  answered); **invited** are the cohort's trainees (approved, completed or not) today.
- **Totals** cover closed figures only, in-progress surveys are counted in the notes:
  respondents and invited are sums; the rate is their ratio; the mean is the rows' means
  weighted by their respondents.

Answers are anonymous (see ``models``): nothing here can tell whose answers are whose.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.schemas import encode_cursor
from server.lms import service as lms
from server.lms.schemas import CourseOut, CourseQuery
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
from server.reports.base import Cell, Column, Kind, Level, Note, Parameters, Report, ReportSpec, Row
from server.reports.base import period as report_period

NAME = "survey-results"
TITLE = (
    "설문 결과 (과정·강사 만족도, 현업적용도)",
    "Survey results: satisfaction by course and instructor, on-the-job application",
)
PHASES = {SurveyPhase.BEFORE: "사전", SurveyPhase.AFTER: "직후",
          SurveyPhase.FOLLOW_UP: "2~3개월 후"}  # fmt: skip
COLUMNS = (
    Column("section", "구분", "Breakdown", Kind.TEXT),
    Column("value", "항목", "Item", Kind.TEXT),
    Column("surveys", "설문 수", "Surveys", Kind.INT),
    Column("respondents", "응답자", "Respondents", Kind.INT),
    Column("invited", "대상자", "Invited", Kind.INT),
    Column("response_rate", "응답률(%)", "Response rate (%)", Kind.PERCENT),
    Column("mean", "평균(5점)", "Mean (of 5)", Kind.SCORE),
    Column("state", "상태", "State", Kind.TEXT),
)
NOTES = (
    Note("진행 중인 설문은 응답 수만 보이고 점수는 내지 않습니다 (종료 후 집계).",
         "Surveys still open show their response count only, never a score."),
    Note("합계: 응답자·대상자는 종료된 설문의 합, 평균은 응답자 수로 가중한 평균입니다.",
         "Totals: respondents and invited summed over closed surveys; the mean is weighted by "
         "respondents."),
    Note("응답자는 제출한 사람 수이며, 문항별 응답 수는 문항 행에 있습니다.",
         "Respondents are the people who submitted; each item's row counts its own answers."),
)  # fmt: skip


@dataclass
class Held:
    """One survey as it stood on the as-of day."""

    survey: Survey
    closed: bool
    respondents: int
    invited: int
    items: list[SurveyItem]
    answers: list[dict[str, Any]]  # closed surveys only


@dataclass
class Group:
    """The surveys one row is about and the 5-point answers it averages."""

    held: list[Held] = field(default_factory=list)
    points: list[int] = field(default_factory=list)

    def cells(self) -> dict[str, Cell]:
        closed = [h for h in self.held if h.closed]
        running = [h for h in self.held if not h.closed]
        if not self.held:  # nothing held: no data, not 0
            return {"surveys": 0, "respondents": None, "invited": None, "response_rate": None,
                    "mean": None, "state": None}  # fmt: skip
        if not closed:
            answered = sum(h.respondents for h in running)
            return {"surveys": len(running), "respondents": answered,
                    "invited": sum(h.invited for h in running), "response_rate": None,
                    "mean": None, "state": f"진행 중 (응답 {answered}명)"}  # fmt: skip
        respondents = sum(h.respondents for h in closed)
        invited = sum(h.invited for h in closed)
        state = "종료"
        if running:
            answered = sum(h.respondents for h in running)
            state += f" · 진행 중 {len(running)}건 (응답 {answered}명)"
        return {"surveys": len(closed), "respondents": respondents, "invited": invited,
                "response_rate": rate(respondents, invited), "mean": mean(self.points),
                "state": state}  # fmt: skip


def rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


def mean(points: list[int]) -> Decimal | None:
    if not points:
        return None
    return (Decimal(sum(points)) / len(points)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def weighted_total(key: str, label: str, groups: Iterable[Group]) -> Row:
    """A section's total over its closed figures: sums, their ratio, and the rows' means
    weighted by their respondents (rows with a mean only)."""
    closed = [g.cells() for g in groups if any(h.closed for h in g.held)]
    respondents = sum(int(c["respondents"] or 0) for c in closed)
    invited = sum(int(c["invited"] or 0) for c in closed)
    scored = [(Decimal(str(c["mean"])), int(c["respondents"] or 0)) for c in closed
              if c["mean"] is not None]  # fmt: skip
    weight = sum(n for _, n in scored)
    total_mean = None
    if weight:
        weighted = sum((m * n for m, n in scored), Decimal(0)) / weight
        total_mean = weighted.quantize(Decimal("0.01"), ROUND_HALF_UP)
    cells: dict[str, Cell] = {
        "section": label, "value": "합계",
        "surveys": sum(int(c["surveys"] or 0) for c in closed),
        "respondents": respondents if closed else None, "invited": invited if closed else None,
        "response_rate": rate(respondents, invited), "mean": total_mean, "state": None,
    }  # fmt: skip
    return Row(key, Level.TOTAL, cells)


async def _year_courses(session: AsyncSession, year: int) -> list[CourseOut]:
    courses: list[CourseOut] = []
    cursor = None
    while True:
        page = await lms.list_courses(session, CourseQuery(year=year, limit=200, cursor=cursor))
        courses += page[:200]
        if len(page) <= 200:
            return sorted(courses, key=lambda c: (c.code, c.id))
        cursor = encode_cursor(page[199].id)


async def _held(session: AsyncSession, course_ids: list[int], parameters: Parameters) -> list[Held]:
    """The year's surveys opened by the as-of day, each with its standing then."""
    _, end = report_period(parameters)
    if not course_ids:
        return []
    stmt = select(Survey).where(Survey.course_id.in_(course_ids),
                                Survey.status != SurveyStatus.DRAFT,
                                Survey.opened_at < end).order_by(Survey.id)  # fmt: skip
    surveys = list((await session.scalars(stmt)).all())
    ids = [s.id for s in surveys]
    if not ids:
        return []
    closed = {s.id for s in surveys if s.closed_at is not None and s.closed_at < end}
    counts: dict[int, int] = defaultdict(int)
    by_day = await session.execute(
        select(SurveySubmission.survey_id, func.count())
        .where(SurveySubmission.survey_id.in_(ids), SurveySubmission.submitted_on < end)
        .group_by(SurveySubmission.survey_id)
    )
    for survey_id, n in by_day:
        counts[survey_id] = int(n)
    items: dict[int, list[SurveyItem]] = defaultdict(list)
    for item in await session.scalars(
        select(SurveyItem).where(SurveyItem.survey_id.in_(ids))
        .order_by(SurveyItem.survey_id, SurveyItem.position)
    ):  # fmt: skip
        items[item.survey_id].append(item)
    answers: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if closed:
        for survey_id, answer in await session.execute(
            select(SurveyResponse.survey_id, SurveyResponse.answers)
            .where(SurveyResponse.survey_id.in_(list(closed)))
        ):  # fmt: skip
            answers[survey_id].append(answer)
    invited = {cid: len(await lms.cohort_trainees(session, cid))
               for cid in {s.cohort_id for s in surveys}}  # fmt: skip
    return [Held(s, s.id in closed, counts[s.id], invited[s.cohort_id], items[s.id],
                 answers[s.id]) for s in surveys]  # fmt: skip


def _points(held: Held, item: SurveyItem) -> list[int]:
    key = str(item.id)
    return [int(a[key]) for a in held.answers if key in a]


async def survey_results(session: AsyncSession, parameters: Parameters) -> Report:
    courses = await _year_courses(session, parameters.year)
    held = await _held(session, [c.id for c in courses], parameters)
    satisfaction = [h for h in held if h.survey.kind == SurveyKind.SATISFACTION]
    application = [h for h in held if h.survey.kind == SurveyKind.APPLICATION]

    rows: list[Row] = []
    course_groups: list[Group] = []
    for course in courses:
        label = f"{course.code} {course.title}"
        group = Group([h for h in satisfaction if h.survey.course_id == course.id])
        by_prompt: dict[str, list[int]] = {}
        for h in group.held:
            for item in h.items:
                if item.kind != ItemKind.SCALE5 or item.instructor_id is not None:
                    continue
                points = _points(h, item)
                group.points += points
                if h.closed:
                    by_prompt.setdefault(item.prompt, []).extend(points)
        cells = group.cells()
        course_groups.append(group)
        rows.append(Row(f"course:{course.id}", Level.SUBTOTAL,
                        {"section": "과정 만족도", "value": label, **cells}))  # fmt: skip
        for prompt, points in by_prompt.items():
            rows.append(Row(f"course:{course.id}:item:{prompt}", Level.ROW, {
                "section": "문항", "value": prompt, "surveys": None,
                "respondents": len(points), "invited": None, "response_rate": None,
                "mean": mean(points), "state": None}))  # fmt: skip
    rows.append(weighted_total("course:total", "과정 만족도", course_groups))

    teachers: dict[int, Group] = {}
    for h in satisfaction:
        about: dict[int, list[int]] = defaultdict(list)
        for item in h.items:
            if item.kind == ItemKind.SCALE5 and item.instructor_id is not None:
                about[item.instructor_id] += _points(h, item)
        for instructor_id, points in about.items():
            group = teachers.setdefault(instructor_id, Group())
            group.held.append(h)
            group.points += points
    names = {iid: (await lms.get_instructor(session, iid)).name for iid in teachers}
    for instructor_id in sorted(teachers, key=lambda i: (names[i], i)):
        cells = {"section": "강사 만족도", "value": names[instructor_id],
                 **teachers[instructor_id].cells()}  # fmt: skip
        rows.append(Row(f"instructor:{instructor_id}", Level.ROW, cells))
    rows.append(weighted_total("instructor:total", "강사 만족도", teachers.values()))

    phase_groups: dict[SurveyPhase, list[Group]] = defaultdict(list)
    for course in courses:
        mine = [h for h in application if h.survey.course_id == course.id]
        if not mine:
            continue  # application surveys are not held for every course: no rows, no noise
        for phase, word in PHASES.items():
            group = Group([h for h in mine if h.survey.phase == phase])
            for h in group.held:
                for item in h.items:
                    if item.kind == ItemKind.SCALE5:
                        group.points += _points(h, item)
            phase_groups[phase].append(group)
            rows.append(Row(f"application:{course.id}:{phase.value}", Level.ROW, {
                "section": "현업적용도", "value": f"{course.code} {course.title} · {word}",
                **group.cells()}))  # fmt: skip
    for phase, word in PHASES.items():
        total = weighted_total(f"application:total:{phase.value}", "현업적용도",
                               phase_groups.get(phase, []))  # fmt: skip
        rows.append(Row(total.key, total.level, {**total.cells, "value": f"합계 · {word}"}))

    notes = list(NOTES)
    running = [h for h in held if not h.closed]
    if running:
        answered = sum(h.respondents for h in running)
        notes.append(Note(f"기준일에 진행 중인 설문 {len(running)}건 (응답 {answered}명)은 "
                          "합계에서 빠졌습니다.",
                          f"{len(running)} surveys still open on the as-of day ({answered} "
                          "responses) are left out of the totals."))  # fmt: skip
    return Report(NAME, TITLE[0], TITLE[1], parameters, COLUMNS, tuple(rows), tuple(notes))


SPEC = ReportSpec(name=NAME, title_ko=TITLE[0], title_en=TITLE[1], run=survey_results,
                  sources=("surveys", "survey_items", "survey_submissions", "survey_responses",
                           "courses", "cohorts", "enrolments", "instructors"))  # fmt: skip
"""Institute-wide: admins and operators (every instructor's satisfaction)."""
