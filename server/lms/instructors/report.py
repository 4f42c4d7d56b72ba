"""The instructor report (강사 운영 현황): the council's comparison of the instructors the
selection committee approved with those who actually taught, per course of the year, with
what each taught (sessions, hours), the fees owed for it, and their satisfaction.

- **status**: approved and taught / approved but never taught / taught without approval, up
  to the as-of day (``service.approved_vs_taught``).
- **fees**: the fees owed for the instructor's sessions of that course from 1 January to the
  as-of day (``service.fees_owed``); no data where no fee could be worked out for any of them
  (no fee standard, no rate for the grade, not in the registry). A fee partly known is the
  known part, and the note counts the sessions without one.
- **satisfaction**: the mean of the closed satisfaction surveys' items about that instructor in
  that course (``surveys.service.satisfaction_summary``). While every such survey is still
  open the cell is no data and the status says "in progress" with the responses so far:
  never a 0 for a course that is still running.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from server.lms.instructors import service
from server.lms.instructors.schemas import Comparison, ComparisonRow, FeeOwed
from server.lms.surveys import service as surveys
from server.lms.surveys.schemas import SatisfactionOut
from server.reports.base import Cell, Column, Kind, Level, Note, Parameters, Report, ReportSpec, Row

NAME = "instructors"
TITLE = ("강사 운영 현황 (승인 대비 출강, 강사료, 만족도)",
         "Instructors: approved versus taught, fees, satisfaction")  # fmt: skip
STATUS_LABELS = {
    Comparison.APPROVED_AND_TAUGHT: "승인·출강",
    Comparison.APPROVED_NOT_TAUGHT: "승인·미출강",
    Comparison.TAUGHT_WITHOUT_APPROVAL: "미승인 출강",
}
COLUMNS = (
    Column("course", "과정", "Course", Kind.TEXT),
    Column("instructor", "강사", "Instructor", Kind.TEXT),
    Column("status", "승인·출강", "Approved / taught", Kind.TEXT),
    Column("grade", "승인 등급", "Approved grade", Kind.TEXT),
    Column("sessions", "출강 차시", "Sessions taught", Kind.INT),
    Column("hours", "강의 시간", "Hours taught", Kind.SCORE),
    Column("fees_won", "강사료(원)", "Fees (won)", Kind.INT),
    Column("satisfaction", "만족도(5점)", "Satisfaction (of 5)", Kind.SCORE),
    Column("survey", "설문", "Survey", Kind.TEXT),
    Column("response_rate", "응답률", "Response rate", Kind.PERCENT),
)


async def instructor_report(session: AsyncSession, parameters: Parameters) -> Report:
    year, as_of = parameters.year, parameters.as_of
    compared = await service.approved_vs_taught(session, year, as_of)
    fees = _fees_by(await service.fees_owed(session, date(year, 1, 1), as_of))
    rows: list[Row] = []
    unknown_fees = 0
    for item in compared:
        owed = fees.get((item.instructor_id, item.course_id), [])
        unknown_fees += sum(1 for f in owed if f.amount_won is None)
        liked = None
        if item.instructor_id is not None:
            liked = await surveys.satisfaction_summary(
                session, course_id=item.course_id, instructor_id=item.instructor_id
            )
        rows.append(_row(item, owed, liked))
    rows.append(_total(compared, fees))
    notes = [Note("강사료는 1월 1일부터 기준일까지의 출강분입니다.",
                  "Fees are for sessions from 1 January to the as-of day.")]  # fmt: skip
    if unknown_fees:
        notes.append(Note(f"강사료를 산정할 수 없는 차시 {unknown_fees}건은 합계에서 빠졌습니다.",
                          f"{unknown_fees} sessions have no fee that could be worked out and "
                          "are left out of the sums."))  # fmt: skip
    return Report(NAME, TITLE[0], TITLE[1], parameters, COLUMNS, tuple(rows), tuple(notes))


def _fees_by(owed: list[FeeOwed]) -> dict[tuple[int | None, int], list[FeeOwed]]:
    found: dict[tuple[int | None, int], list[FeeOwed]] = defaultdict(list)
    for fee in owed:
        found[(fee.instructor_id, fee.course_id)].append(fee)
    return found


def _known_sum(owed: list[FeeOwed]) -> int | None:
    """The known amounts added up; no data when none is known (not 0)."""
    known = [f.amount_won for f in owed if f.amount_won is not None]
    return sum(known) if known else None


def _row(item: ComparisonRow, owed: list[FeeOwed], liked: SatisfactionOut | None) -> Row:
    cells: dict[str, Cell] = {
        "course": f"{item.course_code} {item.course_title}",
        "instructor": item.instructor_name,
        "status": STATUS_LABELS[item.status],
        "grade": item.approved_grade,
        "sessions": item.sessions_taught,
        "hours": item.hours_taught,
        "fees_won": _known_sum(owed),
        **_satisfaction(liked),
    }
    key = f"{item.course_id}:{item.instructor_id or 'u' + str(item.user_id)}"
    return Row(key, Level.ROW, cells)


def _satisfaction(liked: SatisfactionOut | None) -> dict[str, Cell]:
    if liked is None or liked.status == "no_data":
        return {"satisfaction": None, "survey": None, "response_rate": None}
    rate = None if liked.response_rate is None else _decimal(liked.response_rate * 100, "0.1")
    if liked.status == "in_progress":
        return {"satisfaction": None, "survey": f"진행 중 (응답 {liked.responses})",
                "response_rate": rate}  # fmt: skip
    mean = None if liked.mean is None else _decimal(liked.mean, "0.01")
    return {"satisfaction": mean, "survey": f"종료 (응답 {liked.responses})", "response_rate": rate}


def _decimal(value: float, places: str) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(places), ROUND_HALF_UP)


def _total(compared: list[ComparisonRow], fees: dict[tuple[int | None, int], list[FeeOwed]]) -> Row:
    counts = {s: sum(1 for c in compared if c.status == s) for s in Comparison}
    summary = " / ".join(f"{STATUS_LABELS[s]} {n}" for s, n in counts.items())
    shown = [f for c in compared for f in fees.get((c.instructor_id, c.course_id), [])]
    cells: dict[str, Cell] = {
        "course": "합계", "instructor": None, "status": summary, "grade": None,
        "sessions": sum(c.sessions_taught for c in compared),
        "hours": sum((c.hours_taught for c in compared), Decimal(0)),
        "fees_won": _known_sum(shown), "satisfaction": None, "survey": None,
        "response_rate": None,
    }  # fmt: skip
    return Row("total", Level.TOTAL, cells)


SPEC = ReportSpec(name=NAME, title_ko=TITLE[0], title_en=TITLE[1], run=instructor_report,
                  sources=("instructors", "instructor_approvals", "selection_meetings",
                           "fee_standards", "fee_rates", "teaching_corrections",
                           "session_staff", "class_sessions", "surveys"))  # fmt: skip
"""Institute-wide: admins and operators only (fees and satisfaction of every instructor)."""
