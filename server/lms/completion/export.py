"""A cohort's completion records for people and spreadsheets: the records page's status (each
trainee's finalised result and standing certificate) and the CSV / XLSX export.

The export is a ``server.reports`` ``Report`` (one row per trainee, keyed by login) so it is
written by the same CSV and XLSX renderers as every report: "no data" stays 자료 없음, numbers
stay numbers, text never runs as a formula. Its figures are the live results (``cohort_results``,
the same judging the page shows), so the file and the page cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.auth import service as auth
from server.core.clock import SEOUL
from server.lms import service as lms
from server.lms.completion import service
from server.lms.completion.judge import OUTCOME_WORDS
from server.lms.completion.models import (
    Certificate,
    CompletionCorrection,
    CompletionResult,
    CorrectionKind,
    Outcome,
)
from server.lms.completion.schemas import (
    CompletionStatusOut,
    CriterionOut,
    RuleOut,
    SessionBrief,
    TraineeRecordOut,
)
from server.reports.base import Cell, Column, Kind, Level, Note, Parameters, Report, Row

NAME = "cohort-completion"
MARK = {True: "✓", False: "✗"}  # None (unknown) is left None: the renderers say 자료 없음
NOT_ISSUED = "미발급"
#: per criterion: (figure, what it is out of or None, met), each (Korean, English)
CRITERIA: dict[str, tuple[tuple[str, str], tuple[str, str] | None, tuple[str, str]]] = {
    "presence": (("출석(분)", "Present (min)"), ("수업 시간(분)", "Scheduled (min)"),
                 ("출석 충족", "Presence met")),
    "required_sessions": (("필수 차시 출석", "Required sessions attended"),
                          ("필수 차시 수", "Required sessions"),
                          ("필수 차시 충족", "Required sessions met")),
    "breakout": (("분임 참여(회)", "Breakout rounds joined"), ("분임 횟수", "Breakout rounds held"),
                 ("분임 충족", "Breakout met")),
    "polls": (("투표 참여(회)", "Polls answered"), ("기명 투표 수", "Named polls held"),
              ("투표 충족", "Polls met")),
    "quiz": (("퀴즈 점수", "Quiz points"), None, ("퀴즈 충족", "Quiz met")),
    "survey": (("설문 제출", "Surveys submitted"), ("설문 수", "Surveys held"),
               ("설문 충족", "Survey met")),
    "elearning": (("이러닝 진도(%)", "E-learning progress (%)"), None,
                  ("이러닝 충족", "E-learning met")),
}  # fmt: skip


# ---- the records page's status ------------------------------------------------------------------


async def newest_finalised(session: AsyncSession, cohort_id: int) -> dict[int, CompletionResult]:
    """Each trainee's newest finalised result in the cohort (finalising again adds rows)."""
    stmt = select(CompletionResult).where(CompletionResult.cohort_id == cohort_id)
    return {r.user_id: r for r in (await session.scalars(stmt.order_by(CompletionResult.id)))}


async def standing_codes(
    session: AsyncSession, cohort_id: int, finalised: dict[int, CompletionResult]
) -> dict[int, str]:
    """Certificate codes that still verify: the holder's newest finalised result is completed
    (as ``certificates.verify`` requires)."""
    stmt = select(Certificate.user_id, Certificate.code).where(Certificate.cohort_id == cohort_id)
    return {
        user_id: code
        for user_id, code in (await session.execute(stmt)).all()
        if user_id in finalised and finalised[user_id].outcome == Outcome.COMPLETED
    }


async def status(session: AsyncSession, cohort_id: int) -> CompletionStatusOut:
    cohort = await lms.get_cohort(session, cohort_id)
    course = await lms.get_course(session, cohort.course_id)
    trainee_ids = await lms.cohort_trainees(session, cohort_id)
    finalised = await newest_finalised(session, cohort_id)
    codes = await standing_codes(session, cohort_id, finalised)
    people = {u.id: u for u in await auth.users_by_id(session, trainee_ids)}
    corrections = await service.corrections_of(session, cohort_id)
    authors = await auth.names_of(session, sorted({c.author_id for c in corrections}))
    trainees = []
    for user_id in trainee_ids:
        user, done = people[user_id], finalised.get(user_id)
        trainees.append(TraineeRecordOut(
            user_id=user_id, name=user.name, login=user.login, org_unit=user.org_unit,
            grade=user.grade, finalised_outcome=Outcome(done.outcome) if done else None,
            finalised_at=done.finalised_at if done else None,
            certificate_code=codes.get(user_id),
        ))  # fmt: skip
    sessions = [
        SessionBrief(id=s.id, title=s.title, starts_at=s.starts_at, ends_at=s.ends_at, live=s.live)
        for s in await lms.cohort_sessions(session, cohort_id)
    ]
    return CompletionStatusOut(
        cohort_id=cohort_id, course_id=course.id, course_code=course.code,
        course_title=course.title, cohort_name=cohort.name, starts_on=cohort.starts_on,
        ends_on=cohort.ends_on,
        finalised_at=max((r.finalised_at for r in finalised.values()), default=None),
        sessions=sessions, trainees=trainees, authors=authors,
    )  # fmt: skip


# ---- the export ---------------------------------------------------------------------------------


def rule_words(rule: RuleOut) -> list[tuple[str, str]]:
    """The rule's criteria in words, Korean and English (what the export's notes say)."""
    words: list[tuple[str, str]] = []
    if rule.min_presence_pct is not None:
        p = rule.min_presence_pct
        words.append((f"실시간 수업 시간의 {p}% 이상 출석",
                      f"present for at least {p}% of the scheduled live time"))  # fmt: skip
    if rule.required_sessions:
        listed = ", ".join(str(p) for p in rule.required_sessions)
        words.append((f"필수 차시({listed}번째) 출석", f"attend required sessions {listed}"))
    if rule.min_breakout_rounds is not None:
        n = rule.min_breakout_rounds
        words.append((f"분임 활동 {n}회 이상", f"at least {n} breakout rounds"))
    if rule.min_poll_pct is not None:
        p = rule.min_poll_pct
        words.append((f"기명 투표 {p}% 이상 참여", f"answer at least {p}% of the named polls"))
    if rule.min_quiz_points is not None:
        n = rule.min_quiz_points
        words.append((f"퀴즈 {n}점 이상", f"at least {n} quiz points"))
    if rule.survey_required:
        words.append(("설문 제출", "submit the survey"))
    if rule.min_elearning_pct is not None:
        p = rule.min_elearning_pct
        words.append((f"이러닝 진도 {p}% 이상", f"e-learning progress of at least {p}%"))
    return words


def _criterion_keys(rule: RuleOut) -> list[str]:
    """The rule's criteria in the order ``judge`` gives them."""
    present = {
        "presence": rule.min_presence_pct is not None,
        "required_sessions": bool(rule.required_sessions),
        "breakout": rule.min_breakout_rounds is not None,
        "polls": rule.min_poll_pct is not None,
        "quiz": rule.min_quiz_points is not None,
        "survey": rule.survey_required,
        "elearning": rule.min_elearning_pct is not None,
    }
    return [key for key, wanted in present.items() if wanted]


def _columns(keys: Sequence[str]) -> tuple[Column, ...]:
    columns = [Column("name", "이름", "Name", Kind.TEXT),
               Column("org_unit", "소속", "Org unit", Kind.TEXT),
               Column("grade", "직급", "Grade", Kind.TEXT)]  # fmt: skip
    for key in keys:
        figure, of, met = CRITERIA[key]
        kind = Kind.PERCENT if key == "elearning" else Kind.INT
        columns.append(Column(key, *figure, kind))
        if of is not None:
            columns.append(Column(f"{key}_of", *of, Kind.INT))
        columns.append(Column(f"{key}_met", *met, Kind.TEXT))
    columns += [Column("outcome", "결과", "Result", Kind.TEXT),
                Column("derived_outcome", "기록상 결과", "Result from the records", Kind.TEXT),
                Column("explanation", "설명", "Explanation", Kind.TEXT),
                Column("corrections", "정정", "Corrections", Kind.TEXT),
                Column("certificate", "수료증 확인 코드", "Certificate code",
                       Kind.TEXT)]  # fmt: skip
    return tuple(columns)


def _figure(value: float | None, key: str) -> Cell:
    if value is None:
        return None
    if key == "elearning":
        return Decimal(str(value)).quantize(Decimal("0.1"))
    return int(value)


def _criterion_cells(c: CriterionOut) -> dict[str, Cell]:
    cells: dict[str, Cell] = {c.criterion: _figure(c.actual, c.criterion)}
    if CRITERIA[c.criterion][1] is not None:
        cells[f"{c.criterion}_of"] = _figure(c.of, c.criterion)
    cells[f"{c.criterion}_met"] = None if c.met is None else MARK[c.met]
    return cells


def _seoul(at: datetime) -> str:
    return at.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M")


def correction_words(c: CompletionCorrection, titles: dict[int, str], names: dict[int, str]) -> str:
    """One correction as the export lists it: what, why, who and when (Asia/Seoul)."""
    who = f"{names.get(c.author_id, f'#{c.author_id}')}, {_seoul(c.created_at)}"
    if c.kind == CorrectionKind.EXCUSED_ABSENCE and c.class_session_id is not None:
        title = titles.get(c.class_session_id, f"#{c.class_session_id}")
        return f"공결 {title}: {c.reason} ({who})"
    outcome = OUTCOME_WORDS[Outcome(c.outcome)][0] if c.outcome else ""
    return f"조정 → {outcome}: {c.reason} ({who})"


async def export_report(
    session: AsyncSession, cohort_id: int, *, grace: timedelta, now: datetime
) -> tuple[Report, CompletionStatusOut]:
    """Every trainee's live result with its figures, explanation, the corrections applied
    and the standing certificate code, as a report the CSV and XLSX renderers write (and the
    cohort's status it was built with, which names the file)."""
    found = await service.cohort_results(session, cohort_id, grace=grace, now=now)
    record = await status(session, cohort_id)
    trainees = {t.user_id: t for t in record.trainees}
    corrections = {c.id: c for c in await service.corrections_of(session, cohort_id)}
    titles = {s.id: s.title for s in record.sessions}
    keys = _criterion_keys(found.rule)
    rows = []
    for result in found.results:
        who = trainees[result.user_id]
        cells: dict[str, Cell] = {"name": who.name, "org_unit": who.org_unit, "grade": who.grade}
        for criterion in result.criteria:
            cells.update(_criterion_cells(criterion))
        applied = [correction_words(corrections[i], titles, record.authors)
                   for i in result.correction_ids if i in corrections]  # fmt: skip
        cells.update({
            "outcome": OUTCOME_WORDS[result.outcome][0],
            "derived_outcome": OUTCOME_WORDS[result.derived_outcome][0],
            "explanation": result.explanation_ko, "corrections": "; ".join(applied),
            "certificate": who.certificate_code or NOT_ISSUED,
        })  # fmt: skip
        rows.append(Row(who.login, Level.ROW, cells))
    title = f"이수 현황 — {record.course_title} {record.cohort_name}"
    english = f"Completion records — {record.course_title} {record.cohort_name}"
    course = await lms.get_course(session, record.course_id)
    report = Report(
        NAME, title, english, Parameters(course.year, now.astimezone(SEOUL).date()),
        _columns(keys), tuple(rows), _notes(found.rule, record, now), key_title=("아이디", "Login"),
    )  # fmt: skip
    return report, record


def _notes(rule: RuleOut, record: CompletionStatusOut, now: datetime) -> tuple[Note, ...]:
    words = rule_words(rule)
    finalised = _seoul(record.finalised_at) if record.finalised_at else None
    return (
        Note(f"이수 기준 (제{rule.version}판): " + "; ".join(ko for ko, _ in words),
             f"Completion rule (version {rule.version}): " + "; ".join(en for _, en in words)),
        Note(f"결과는 {_seoul(now)} 현재 기록으로 판정 (최종 확정: {finalised or '없음'})",
             f"Results judged from the records as of {_seoul(now)} (last finalised: "
             f"{finalised or 'never'})"),
        Note("자료 없음: 판단할 기록이 없음 (0이 아님); 정정은 새 기록으로만 추가됩니다",
             "No data: nothing on record to judge (not 0); corrections are only ever added"),
    )  # fmt: skip
