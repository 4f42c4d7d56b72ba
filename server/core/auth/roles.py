"""The roles people hold at the institute, in its own words."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"  # runs the platform: users, roles, settings
    OPERATOR = "operator"  # training staff: courses, cohorts, enrolment, reports
    INSTRUCTOR = "instructor"  # teaches sessions, runs breakouts, moderates
    ASSISTANT = "assistant"  # assistant instructor (보조강사): helps trainees, moderates
    CAPTIONER = "captioner"  # stenographer (속기사): types live captions
    TRAINEE = "trainee"  # an official taking a course
    ELEARNING = "elearning"  # the e-learning system (e러닝): posts xAPI statements by API token
    EXAM_OFFICER = (
        "exam_officer"  # recruitment exams (시험 담당): the only non-admin who reads them
    )


STAFF = frozenset({Role.ADMIN, Role.OPERATOR})
#: who may read and keep recruitment-exam data (confidential: every read of candidates is logged)
EXAM_STAFF = frozenset({Role.ADMIN, Role.EXAM_OFFICER})
