"""RFC 9457 problem details: every HTTP error the server sends is one of these.

A problem's ``type`` is a stable relative URI (``/problems/<slug>``) that clients may switch on;
the server also answers GET on it with the type's title and meaning (see ``problem_types``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class ProblemType:
    slug: str
    status: int
    title: str
    meaning: str

    @property
    def uri(self) -> str:
        return f"/problems/{self.slug}"


PROBLEM_TYPES: dict[str, ProblemType] = {
    p.slug: p
    for p in (
        ProblemType("malformed-json", 400, "Malformed JSON", "The body is not valid JSON."),
        ProblemType(
            "validation-error",
            422,
            "Invalid request",
            "The body, query or path did not match the schema; `errors` lists each field.",
        ),
        ProblemType("body-too-large", 413, "Body too large", "The body exceeds the size limit."),
        ProblemType(
            "unsupported-media-type", 415, "Unsupported media type", "Send application/json."
        ),
        ProblemType("not-authenticated", 401, "Not authenticated", "Log in or send a token."),
        ProblemType("invalid-credentials", 401, "Invalid credentials", "Wrong login or password."),
        ProblemType("csrf-failed", 403, "CSRF check failed", "Send the X-CSRF-Token header."),
        ProblemType("forbidden", 403, "Forbidden", "Your role does not allow this."),
        ProblemType("not-found", 404, "Not found", "No such resource."),
        ProblemType("method-not-allowed", 405, "Method not allowed", "Use another method."),
        ProblemType("conflict", 409, "Conflict", "The change conflicts with existing records."),
        ProblemType("join-link-invalid", 401, "Invalid join link", "The link was altered."),
        ProblemType("join-link-expired", 401, "Join link expired", "Ask for a new link."),
        ProblemType("not-enrolled", 403, "Not enrolled", "You are not enrolled in this class."),
        ProblemType("class-ended", 409, "Class ended", "This class has ended."),
        ProblemType("class-locked", 423, "Class locked", "The instructor has locked the class."),
        ProblemType("class-full", 409, "Class full", "The class is full."),
        ProblemType("class-not-open", 425, "Class not open yet", "The lobby is not open yet."),
        ProblemType("removed-from-class", 403, "Removed from class", "An instructor removed you."),
        ProblemType("not-in-class", 409, "Not in the class", "Join the class first."),
        ProblemType(
            "edit-conflict",
            409,
            "Edit conflict",
            "Someone changed this first; `current` holds the version to edit from.",
        ),
        ProblemType("board-locked", 423, "Board locked", "The instructor has locked the board."),
        ProblemType(
            "attachment-type",
            415,
            "Attachment type not accepted",
            "Attach an image (JPEG, PNG, GIF, WebP) or a document (PDF, Office, HWP, text).",
        ),
        ProblemType(
            "attachment-too-large",
            413,
            "Attachment too large",
            "The file is over the size or pixel limit; `limit` says it.",
        ),
        ProblemType("rate-limited", 429, "Too many requests", "Slow down; see Retry-After."),
        ProblemType("unavailable", 503, "Temporarily unavailable", "A dependency is down."),
        ProblemType("internal-error", 500, "Internal error", "A bug; quote the request id."),
    )
}

# xAPI ingest (server/xapi): the statuses xAPI 1.0.3 prescribes for an LRS
PROBLEM_TYPES.update(
    {
        p.slug: p
        for p in (
            ProblemType(
                "xapi-invalid-statement",
                400,
                "Invalid xAPI statement",
                "A statement is not valid xAPI 1.0.3; `statement` is its place in the array, "
                "`errors` says why. Nothing in the post was stored.",
            ),
            ProblemType(
                "xapi-statement-conflict",
                409,
                "xAPI statement conflict",
                "A statement id is already held (or given twice) with different content; "
                "`statement_id` names it. Nothing in the post was stored.",
            ),
            ProblemType(
                "xapi-version",
                400,
                "xAPI version missing or unsupported",
                "Send the header X-Experience-API-Version: 1.0.3 (any 1.0.x).",
            ),
        )
    }
)


#: RFC 9457's members (and ours), which a problem's extra members may not replace
_RESERVED = frozenset({"type", "title", "status", "detail", "instance"})


class Problem(Exception):
    """Raise anywhere below a route to answer with problem+json and change nothing."""

    def __init__(self, slug: str, detail: str | None = None, **extra: Any) -> None:
        clash = _RESERVED & extra.keys()
        if clash:  # a bug: it would overwrite the problem's own members
            raise ValueError(f"problem extras may not be named {sorted(clash)}")
        self.type = PROBLEM_TYPES[slug]
        self.detail = detail or self.type.meaning
        self.extra = extra
        self.headers: dict[str, str] = {}
        super().__init__(f"{slug}: {self.detail}")

    def body(self, instance: str | None = None) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "type": self.type.uri,
            "title": self.type.title,
            "status": self.type.status,
            "detail": self.detail,
        }
        if instance:
            doc["instance"] = instance
        doc.update(self.extra)
        return doc


def problem_response(problem: Problem, *, instance: str | None = None) -> web.Response:
    response = web.json_response(
        problem.body(instance), status=problem.type.status, content_type=PROBLEM_JSON
    )
    response.headers.update(problem.headers)
    return response


_HTTP_SLUGS = {
    404: "not-found",
    405: "method-not-allowed",
    413: "body-too-large",
    415: "unsupported-media-type",
}


def problem_from_http(exc: web.HTTPException) -> Problem | None:
    """Turn aiohttp's own 4xx (no route, wrong method, body too large) into problems."""
    slug = _HTTP_SLUGS.get(exc.status)
    return Problem(slug) if slug else None


async def describe_problem(request: web.Request) -> web.Response:
    """GET /problems/{slug}: what a problem type means, so the type URI resolves."""
    ptype = PROBLEM_TYPES.get(request.match_info["slug"])
    if ptype is None:
        raise Problem("not-found", "No such problem type.")
    return web.json_response(
        {"type": ptype.uri, "title": ptype.title, "status": ptype.status, "meaning": ptype.meaning}
    )


# ---- completion and surveys (server/lms/completion, server/lms/surveys) ---------------------
PROBLEM_TYPES.update(
    (p.slug, p)
    for p in (
        ProblemType(
            "no-completion-rule",
            409,
            "No completion rule",
            "The course has no completion rule yet.",
        ),
        ProblemType(
            "cohort-not-finished",
            409,
            "Cohort not finished",
            "A cohort is finalised only once all its class sessions have ended.",
        ),
        ProblemType(
            "not-completed",
            409,
            "Not completed",
            "A certificate needs a finalised result of completed.",
        ),
        ProblemType("survey-state", 409, "Survey state", "Open a draft survey, close an open one."),
        ProblemType("survey-not-open", 409, "Survey not open", "The survey is not taking answers."),
        ProblemType(
            "survey-already-submitted",
            409,
            "Survey already submitted",
            "Each trainee answers a survey once.",
        ),
    )
)

# ---- cohorts and their class sessions (server/lms/cohorts) ----------------------------------
PROBLEM_TYPES.update(
    (p.slug, p)
    for p in (
        ProblemType(
            "cohort-number-taken",
            409,
            "Cohort number taken",
            "The course already has a cohort with this number; `cohort_id` names it.",
        ),
        ProblemType(
            "cohort-status",
            409,
            "Status change not allowed",
            "Cohorts go planned → open → running → finished, or are cancelled before they "
            "finish; `allowed` lists the changes allowed from `status`.",
        ),
        ProblemType(
            "cohort-closed",
            409,
            "Cohort closed",
            "A finished or cancelled cohort, its sessions and staff no longer change.",
        ),
        ProblemType(
            "sessions-outside-dates",
            409,
            "Sessions outside the dates",
            "The cohort has class sessions on `days`, outside the new dates.",
        ),
        ProblemType(
            "capacity-below-enrolled",
            409,
            "Capacity below enrolment",
            "More trainees (`enrolled`) already hold seats than the new capacity.",
        ),
        ProblemType(
            "session-locked",
            409,
            "Class session locked",
            "A class session that is live or has ended is not changed or deleted.",
        ),
    )
)
