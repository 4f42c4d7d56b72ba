"""Exam reports: ``exam-rounds`` (시험 시행 현황: per round and unit for a year) and
``question-errors`` (출제 오류율: per round and year, errors ÷ questions).

Exam figures are aggregates, but the institute keeps them to exam staff: both reports are read
by admins and exam officers only. Unknown counts stay "no data" (a round still interviewing
has no final passes yet, not zero).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from server.core.auth.roles import EXAM_STAFF
from server.exams import service
from server.exams.models import ExamRound, RoundKind
from server.exams.schemas import Figures
from server.reports.base import (
    Cell,
    Column,
    Kind,
    Level,
    Note,
    Parameters,
    Report,
    ReportSpec,
    Row,
)

KIND_KO = {
    RoundKind.OPEN: "공개경쟁",
    RoundKind.CAREER: "경력경쟁",
    RoundKind.SPECIALIST: "전문경력관",
}

ROUND_COLUMNS: tuple[Column, ...] = (
    Column("name", "회차·모집단위", "Round / unit", Kind.TEXT),
    Column("kind", "구분", "Kind", Kind.TEXT),
    Column("held_on", "시험일", "Date", Kind.TEXT),
    Column("units", "모집단위 수", "Units", Kind.INT),
    Column("planned", "선발예정", "Planned hires", Kind.INT),
    Column("applicants", "접수인원", "Applicants", Kind.INT),
    Column("competition", "경쟁률(n:1)", "Competition (n:1)", Kind.INT),
    Column("sat", "응시인원", "Sat", Kind.INT),
    Column("sitting_rate", "응시율(%)", "Sitting rate (%)", Kind.PERCENT),
    Column("written_passed", "필기합격", "Written passes", Kind.INT),
    Column("written_pass_rate", "필기합격률(%)", "Written pass rate (%)", Kind.PERCENT),
    Column("final_passed", "최종합격", "Final passes", Kind.INT),
    Column("final_pass_rate", "면접합격률(%)", "Interview pass rate (%)", Kind.PERCENT),
    Column("quota_fill", "선발률(%)", "Quota fill (%)", Kind.PERCENT),
    Column("disabled_fill", "장애인 구분모집 충원율(%)", "Disabled quota fill (%)", Kind.PERCENT),
    Column("veterans_fill", "보훈 추천 충원율(%)", "Veterans' quota fill (%)", Kind.PERCENT),
    Column("highschool_fill", "고졸 충원율(%)", "High-school quota fill (%)", Kind.PERCENT),
    Column("residence_share", "서울 거주 비율(%)", "Seoul residents (%)", Kind.PERCENT),
)

ROUND_NOTES: tuple[Note, ...] = (
    Note("경쟁률 = 접수인원 ÷ 선발예정 (반올림, n:1); 응시율 = 응시 ÷ 접수; "
         "필기합격률 = 필기합격 ÷ 응시; 면접합격률 = 최종합격 ÷ 필기합격; "
         "선발률 = 최종합격 ÷ 선발예정",
         "Competition = applicants ÷ planned (rounded, n:1); sitting rate = sat ÷ applicants; "
         "written pass rate = written passes ÷ sat; interview pass rate = final ÷ written "
         "passes; quota fill = final ÷ planned"),
    Note("집계되지 않은 수치(면접 진행 중, 개인별 자료 없음 등)는 '자료 없음'; 회차 합계는 모든 "
         "모집단위의 수치가 있을 때만 표시",
         "Counts not known yet (interviews under way, no individual records) show 'no data'; "
         "a round's total shows only when every unit's count is known"),
)  # fmt: skip


def _cells(
    name: str, kind: str, held_on: str | None, units: int | None, f: Figures
) -> dict[str, Cell]:
    return {
        "name": name,
        "kind": kind,
        "held_on": held_on,
        "units": units,
        "planned": f.planned,
        "applicants": f.applicants,
        "competition": f.competition,
        "sat": f.sat,
        "sitting_rate": f.sitting_rate,
        "written_passed": f.written_passed,
        "written_pass_rate": f.written_pass_rate,
        "final_passed": f.final_passed,
        "final_pass_rate": f.final_pass_rate,
        "quota_fill": f.quota_fill,
        "disabled_fill": f.disabled_fill,
        "veterans_fill": f.veterans_fill,
        "highschool_fill": f.highschool_fill,
        "residence_share": f.residence_share,
    }


def _round_key(r: ExamRound) -> str:
    return f"{r.kind}-{r.number}"


async def exam_rounds(session: AsyncSession, parameters: Parameters) -> Report:
    """The year's rounds (subtotal rows) each followed by its units, and the year's total."""
    rounds = await service.rounds_of_year(session, parameters.year)
    units = await service.unit_counts(session, [r.id for r in rounds])
    rows: list[Row] = []
    everything: list[service.Counts] = []
    for r in rounds:
        mine = units[r.id]
        kind = KIND_KO[RoundKind(r.kind)]
        held = r.held_on.isoformat() if r.held_on else None
        if mine:
            counts = service.combine([u.counts for u in mine])
            everything.append(counts)
            rows.append(
                Row(
                    _round_key(r),
                    Level.SUBTOTAL,
                    _cells(r.name, kind, held, len(mine), service.figures(counts)),
                )
            )
        else:
            rows.append(
                Row(
                    _round_key(r),
                    Level.SUBTOTAL,
                    {c.key: None for c in ROUND_COLUMNS}
                    | {"name": r.name, "kind": kind, "held_on": held, "units": 0},
                )
            )
        for u in mine:
            label = f"{u.unit.job_series} {u.unit.grade} ({u.unit.code})"
            rows.append(
                Row(
                    f"{_round_key(r)}/{u.unit.code}",
                    Level.ROW,
                    _cells(label, kind, held, 1, service.figures(u.counts)),
                )
            )
    if everything:
        total = service.figures(service.combine(everything))
        count = sum(len(units[r.id]) for r in rounds)
        rows.insert(0, Row("total", Level.TOTAL, _cells("합계", "", "", count, total)))
    return Report(
        name=ROUNDS,
        title_ko="시험 시행 현황",
        title_en="Exam rounds",
        parameters=parameters,
        columns=ROUND_COLUMNS,
        rows=tuple(rows),
        notes=ROUND_NOTES,
    )


ERROR_COLUMNS: tuple[Column, ...] = (
    Column("name", "연도·회차", "Year / round", Kind.TEXT),
    Column("held_on", "시험일", "Date", Kind.TEXT),
    Column("subjects", "과목 수", "Subjects", Kind.INT),
    Column("questions", "문항 수", "Questions", Kind.INT),
    Column("errors", "오류 문항", "Errors", Kind.INT),
    Column("error_rate", "오류율(%)", "Error rate (%)", Kind.SCORE),
)
ERROR_NOTES: tuple[Note, ...] = (
    Note("오류율 = 오류 문항 ÷ 문항 수 (과목당 20문항 기본), 소수 둘째 자리 반올림",
         "Error rate = errors ÷ questions (20 per subject unless set), two decimals, half up"),
    Note("연도별 행은 그 해 모든 회차의 합계; --year 까지의 연도를 보임",
         "A year's row sums all its rounds; years up to --year are shown"),
)  # fmt: skip


async def question_errors(session: AsyncSession, parameters: Parameters) -> Report:
    """Each year (subtotal) and its rounds: subjects, questions, errors and the error rate."""
    items = await service.question_quality(session, parameters.year)
    rows: list[Row] = []
    for year in sorted({i.round.year for i in items}):
        mine = [i for i in items if i.round.year == year]
        s, q, e = (
            sum(x) for x in zip(*((i.subjects, i.questions, i.errors) for i in mine), strict=True)
        )
        rows.append(
            Row(
                str(year),
                Level.SUBTOTAL,
                {
                    "name": f"{year}년",
                    "held_on": "",
                    "subjects": s,
                    "questions": q,
                    "errors": e,
                    "error_rate": service.error_rate(e, q),
                },
            )
        )
        for i in mine:
            rows.append(
                Row(
                    f"{year}/{_round_key(i.round)}",
                    Level.ROW,
                    {
                        "name": i.round.name,
                        "held_on": i.round.held_on.isoformat() if i.round.held_on else None,
                        "subjects": i.subjects,
                        "questions": i.questions,
                        "errors": i.errors,
                        "error_rate": service.error_rate(i.errors, i.questions),
                    },
                )
            )
    return Report(
        name=ERRORS,
        title_ko="시험문제 출제 오류율",
        title_en="Question errors",
        parameters=parameters,
        columns=ERROR_COLUMNS,
        rows=tuple(rows),
        notes=ERROR_NOTES,
    )


ROUNDS = "exam-rounds"
ERRORS = "question-errors"
EXAM_ROUNDS = ReportSpec(
    name=ROUNDS, title_ko="시험 시행 현황", title_en="Exam rounds", run=exam_rounds,
    readers=EXAM_STAFF, sources=("exam_rounds", "exam_units", "exam_candidates"),
)  # fmt: skip
QUESTION_ERRORS = ReportSpec(
    name=ERRORS, title_ko="시험문제 출제 오류율", title_en="Question errors", run=question_errors,
    readers=EXAM_STAFF, sources=("exam_rounds", "exam_subjects", "exam_question_errors"),
)  # fmt: skip
