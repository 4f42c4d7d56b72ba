"""Who may call each REST route: the table the route matrix checks the app against.

Written by hand, from what each route is for (not read from the routes' own declarations):
a route that is added without a line here fails the matrix until someone classifies it.

Keys are ``"METHOD /path/template"`` (under /api/v1). Values name who gets past authorisation
in the matrix's world (tests/security/authz/conftest.py): role names, ``"self"`` (the caller's
own record: the route is also tried with the caller's own id, and must let everyone through
there), and ``PUBLIC`` (nobody at all may call it). Everyone not named must be refused: 403
when signed in, 401 for nobody and for expired, altered or foreign tokens.

In the world, ``{user_id}`` is another trainee of the same class, ``{enrolment_id}`` is that
trainee's enrolment, and ``{class_session_id}``/``{cohort_id}``/``{course_id}`` are the class
that the trainee, instructor, assistant and captioner are in.
"""

from __future__ import annotations

from server.core.auth.roles import Role

A, OP, IN, AS, C, T, E, X = (r.value for r in (
    Role.ADMIN, Role.OPERATOR, Role.INSTRUCTOR, Role.ASSISTANT, Role.CAPTIONER, Role.TRAINEE,
    Role.ELEARNING, Role.EXAM_OFFICER,
))  # fmt: skip

PUBLIC = "public"
SELF = "self"
EVERYONE = frozenset({A, OP, IN, AS, C, T, E, X})
STAFF = frozenset({A, OP})
TEACHING = frozenset({A, OP, IN, AS})  # staff and the class's teaching staff
FEES = frozenset({A, OP, IN})
EXAMS = frozenset({A, X})

ROUTES: dict[str, frozenset[str]] = {
    # ---- auth and users
    "POST /auth/login": frozenset({PUBLIC}),
    "POST /auth/logout": EVERYONE,
    "GET /auth/session": EVERYONE,
    "GET /auth/tokens": EVERYONE,
    "POST /auth/tokens": EVERYONE,
    "DELETE /auth/tokens/{token_id}": EVERYONE,  # own tokens only: others' are "not found"
    "GET /users": STAFF,
    "POST /users": frozenset({A}),
    "GET /users/me": EVERYONE,
    "PATCH /users/me": EVERYONE,
    "GET /users/{user_id}": STAFF | {SELF},
    "PATCH /users/{user_id}": frozenset({A}),
    "PUT /users/{user_id}/roles": frozenset({A}),
    "GET /audit": frozenset({A}),
    "GET /users/{user_id}/enrolments": STAFF | {SELF},
    "GET /users/{user_id}/record": TEACHING | {SELF},  # teachers: cohorts they teach
    # ---- catalog, courses, cohorts (the catalog is open to everyone signed in)
    "GET /catalog/areas": EVERYONE,
    "GET /catalog/years": EVERYONE,
    "GET /catalog/years/{year}": EVERYONE,
    "GET /courses": EVERYONE,
    "GET /courses/{course_id}": EVERYONE,
    "POST /courses": STAFF,
    "PATCH /courses/{course_id}": STAFF,
    "PUT /courses/{course_id}/plans/{version}": STAFF,
    "GET /courses/{course_id}/plan-revisions": EVERYONE,
    "GET /cohorts": EVERYONE,
    "POST /cohorts": STAFF,
    "GET /cohorts/{cohort_id}": EVERYONE - {E, X},  # those with a part in it
    "PATCH /cohorts/{cohort_id}": STAFF,
    "POST /cohorts/{cohort_id}/status": STAFF,
    "POST /cohorts/{cohort_id}/sessions/generate": STAFF,
    "POST /cohorts/{cohort_id}/sessions": STAFF,
    "POST /cohorts/{cohort_id}/staff": STAFF,
    "GET /class-sessions": EVERYONE,
    "GET /class-sessions/{class_session_id}": EVERYONE,
    "PATCH /class-sessions/{class_session_id}": STAFF,
    "DELETE /class-sessions/{class_session_id}": STAFF,
    "POST /class-sessions/{class_session_id}/staff": STAFF,
    "DELETE /class-sessions/{class_session_id}/staff/{staff_id}": STAFF,
    # ---- enrolment
    "POST /cohorts/{cohort_id}/applications": frozenset({T}),
    "GET /cohorts/{cohort_id}/application": TEACHING,  # on-the-job application, by phase
    "GET /cohorts/{cohort_id}/enrolments": EVERYONE,  # others see only their own row
    "POST /cohorts/{cohort_id}/enrolments": STAFF,
    "POST /enrolments/{enrolment_id}/approve": STAFF,
    "POST /enrolments/{enrolment_id}/cancel": STAFF | {SELF},
    "POST /enrolments/{enrolment_id}/accommodations": STAFF | {SELF},
    "PATCH /accommodations/{accommodation_id}": STAFF,
    # ---- the live class
    "POST /class-sessions/{class_session_id}/join-links": TEACHING,
    "POST /join": frozenset({PUBLIC}),
    "POST /class-sessions/{class_session_id}/class-token": TEACHING | {T, C},
    "GET /class-sessions/{class_session_id}/lobby": TEACHING | {T, C},
    "GET /class-sessions/{class_session_id}/attendance": TEACHING,
    "GET /class-sessions/{class_session_id}/transcript": TEACHING | {T, C},
    "GET /class-sessions/{class_session_id}/readiness": TEACHING,
    "PUT /class-sessions/{class_session_id}/state": TEACHING,
    "POST /connection-reports": EVERYONE,
    "POST /connection-tests": EVERYONE,
    "GET /connection-tests/payload": EVERYONE,
    "POST /connection-tests/loopback": EVERYONE,
    "DELETE /connection-tests/loopback/{loopback_id}": EVERYONE,
    # ---- breakouts
    "POST /cohorts/{cohort_id}/breakout-sets": TEACHING,
    "POST /class-sessions/{class_session_id}/breakout-sets": TEACHING,
    "GET /class-sessions/{class_session_id}/breakout-sets": TEACHING,
    "GET /breakout-sets/{set_id}": TEACHING,
    "PUT /breakout-sets/{set_id}/members": TEACHING,
    "POST /breakout-sets/{set_id}/fill": TEACHING,
    "POST /breakout-sets/{set_id}/import": TEACHING,
    "DELETE /breakout-sets/{set_id}": TEACHING,
    "GET /class-sessions/{class_session_id}/breakout-choices": TEACHING | {T, C},
    "POST /breakout-sets/{set_id}/choice": EVERYONE,
    "GET /class-sessions/{class_session_id}/breakout-rounds": TEACHING,
    # ---- Q&A, polls, boards
    "GET /class-sessions/{class_session_id}/questions/export": TEACHING,
    "POST /courses/{course_id}/polls": TEACHING,
    "POST /class-sessions/{class_session_id}/polls": TEACHING,
    "GET /class-sessions/{class_session_id}/polls": TEACHING,
    "DELETE /polls/{poll_id}": STAFF,
    "GET /class-sessions/{class_session_id}/poll-participation": TEACHING,
    "POST /class-sessions/{class_session_id}/anonymity-key/destroy": STAFF,
    "POST /courses/{course_id}/boards": TEACHING,
    "GET /courses/{course_id}/boards": TEACHING,
    "GET /class-sessions/{class_session_id}/boards": TEACHING,
    "GET /boards/{board_id}/moderation": TEACHING,
    "GET /boards/{board_id}/export": TEACHING,
    "POST /boards/{board_id}/attachments": EVERYONE,
    "GET /board-attachments/{attachment_id}": EVERYONE,
    # ---- completion and certificates
    "GET /courses/{course_id}/completion-rules": TEACHING,
    "POST /courses/{course_id}/completion-rules": STAFF,
    "GET /cohorts/{cohort_id}/completion": TEACHING,  # the cohort's teachers too
    "GET /cohorts/{cohort_id}/completion/export": TEACHING,
    "GET /cohorts/{cohort_id}/completion-status": TEACHING,
    "GET /cohorts/{cohort_id}/completion/{user_id}": TEACHING | {SELF},
    "GET /cohorts/{cohort_id}/completion-corrections": TEACHING,
    "POST /cohorts/{cohort_id}/completion-corrections": TEACHING,
    "POST /cohorts/{cohort_id}/completion/finalise": STAFF,
    "GET /cohorts/{cohort_id}/completion/{user_id}/certificate": STAFF | {SELF},
    "GET /certificates/{code}": frozenset({PUBLIC}),
    # ---- surveys
    "POST /cohorts/{cohort_id}/surveys": STAFF,
    "GET /cohorts/{cohort_id}/surveys": TEACHING | {T},  # its trainees answer them
    "POST /surveys/{survey_id}/open": STAFF,
    "POST /surveys/{survey_id}/close": STAFF,
    "POST /surveys/{survey_id}/responses": EVERYONE,
    "GET /surveys/{survey_id}/results": EVERYONE,
    "GET /satisfaction": STAFF,
    "GET /cohorts/{cohort_id}/survey-template": STAFF,
    "GET /surveys/{survey_id}": EVERYONE,
    "PUT /surveys/{survey_id}": STAFF,
    "GET /my/surveys": EVERYONE,
    # ---- instructors and fees
    "GET /instructors": FEES,
    "POST /instructors": STAFF,
    "GET /instructors/{instructor_id}": FEES,
    "PATCH /instructors/{instructor_id}": STAFF,
    "GET /fee-standards": FEES,
    "POST /fee-standards": STAFF,
    "GET /class-sessions/{class_session_id}/teaching": FEES,
    "POST /class-sessions/{class_session_id}/teaching-corrections": STAFF,
    "GET /instructor-fees": FEES,
    "POST /selection-meetings": STAFF,
    "GET /selection-meetings": STAFF,
    # ---- reports, xAPI, budget
    "GET /reports/instructors/approved-vs-taught": STAFF,
    "GET /reports": EVERYONE,
    "GET /reports/{name}": TEACHING | {T},  # the completion report: others see their own rows
    "POST /reports/{name}/freeze": STAFF,
    "GET /frozen-reports": STAFF,
    "GET /frozen-reports/{frozen_id}": STAFF,
    "GET /frozen-reports/{frozen_id}/diff": STAFF,
    "POST /xapi/statements": frozenset({A, E}),
    "GET /xapi/summary": STAFF,
    "GET /budget/lines": STAFF,
    "POST /budget/lines": STAFF,
    "GET /budget/lines/{line_id}/amendments": STAFF,
    "POST /budget/lines/{line_id}/amendments": STAFF,
    "GET /budget/lines/{line_id}/entries": STAFF,
    "POST /budget/lines/{line_id}/entries": STAFF,
    "POST /budget/entries/{entry_id}/corrections": STAFF,
    "GET /budget/lines/{line_id}/forecasts": STAFF,
    "POST /budget/lines/{line_id}/forecasts": STAFF,
    "GET /budget/course-lines": STAFF,
    "POST /budget/course-lines": STAFF,
    "POST /budget/fee-postings": STAFF,
    "GET /budget/costs": STAFF,
    # ---- recruitment exams: exam staff only
    "GET /exams/rounds": EXAMS,
    "POST /exams/rounds": EXAMS,
    "GET /exams/rounds/{round_id}": EXAMS,
    "GET /exams/rounds/{round_id}/units": EXAMS,
    "POST /exams/rounds/{round_id}/units": EXAMS,
    "GET /exams/units/{unit_id}/candidates": EXAMS,
    "POST /exams/units/{unit_id}/candidates/import": EXAMS,
    "GET /exams/candidates/{candidate_id}": EXAMS,
    "PATCH /exams/candidates/{candidate_id}": EXAMS,
    "GET /exams/rounds/{round_id}/subjects": EXAMS,
    "POST /exams/rounds/{round_id}/subjects": EXAMS,
    "GET /exams/rounds/{round_id}/errors": EXAMS,
    "POST /exams/subjects/{subject_id}/errors": EXAMS,
    "POST /exams/rounds/{round_id}/enrolments": EXAMS,
    "GET /exams/units/{unit_id}/pipeline": EXAMS,
    "POST /exams/units/{unit_id}/stages": EXAMS,
    "POST /exams/candidates/{candidate_id}/scores": EXAMS,
    "GET /exams/rounds/{round_id}/panels": EXAMS,
    "POST /exams/rounds/{round_id}/panels": EXAMS,
    "GET /exams/reads": EXAMS,
    "GET /exams/competency/people": EXAMS,
    "GET /exams/competency/rounds/{round_id}/sheet": EXAMS,
    "GET /exams/panels/members": EXAMS,
    "POST /exams/panels/members": EXAMS,
    "PUT /exams/panels/members/{member_id}": EXAMS,
    "POST /exams/panels/assignments": EXAMS,
    "GET /exams/panels/assignments": EXAMS,
    "GET /exams/panels/assignments/{assignment_id}": EXAMS,
    "GET /exams/panels/reads": EXAMS,
    "GET /exams/competency/rounds": EXAMS,
    "POST /exams/competency/rounds": EXAMS,
    "POST /exams/competency/rounds/{round_id}/candidates": EXAMS,
    "POST /exams/competency/rounds/{round_id}/assessors": EXAMS,
    "PUT /exams/competency/rounds/{round_id}/scores": EXAMS,
    "GET /exams/competency/rounds/{round_id}/results": EXAMS,
}
