"""Every report by name: a static table, so the API, the CLI and the tests see the same set."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from server.budget.report import SPEC as BUDGET_EXECUTION
from server.exams.report import EXAM_ROUNDS, QUESTION_ERRORS
from server.lms.completion.report import SPEC as COMPLETION
from server.lms.enrolment.report import SPEC as ENROLMENT_DROPOUTS
from server.lms.instructors.report import SPEC as INSTRUCTORS
from server.lms.reports import SPEC as PLAN_VS_ACTUAL
from server.lms.surveys.report import SPEC as SURVEY_RESULTS
from server.reports.base import ReportSpec
from server.rooms.reports import CONNECTION_FAILURES, DROPOUTS

REPORTS: Mapping[str, ReportSpec] = MappingProxyType(
    {s.name: s for s in (PLAN_VS_ACTUAL, COMPLETION, DROPOUTS, CONNECTION_FAILURES, INSTRUCTORS)}
    | {s.name: s for s in (SURVEY_RESULTS,)}
    | {BUDGET_EXECUTION.name: BUDGET_EXECUTION}
    | {ENROLMENT_DROPOUTS.name: ENROLMENT_DROPOUTS}
    | {s.name: s for s in (EXAM_ROUNDS, QUESTION_ERRORS)}
)
