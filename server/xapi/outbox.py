"""Statements for an external LRS, written to the outbox in the transaction of what they
describe (the Virtual Classroom profile for live classes; completions from the completion
module). With no LRS configured nothing is written.

Whether an LRS is configured travels with the database sessions: the xAPI cleanup context
puts an ``LrsProfile`` in every session's ``info`` (``lrs_context``), so a call here needs
only the session its caller already holds, and there is nothing global.

Verbs and types (docs/architecture.md, "xAPI" cites the sources):
- joined ``http://activitystrea.ms/join``, left ``http://activitystrea.ms/leave``,
- raised-hand ``https://w3id.org/xapi/virtual-classroom/verbs/raised-hand``,
- answered-poll ``http://adlnet.gov/expapi/verbs/answered`` on a ``cmi.interaction``,
- completed ``http://adlnet.gov/expapi/verbs/completed`` on the course.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession

from server.config import Settings
from server.core.auth import service as auth
from server.core.clock import Clock
from server.lms import service as lms
from server.xapi.models import LrsOutbox
from server.xapi.schemas import STATEMENT, Statement
from server.xapi.service import IngestConfig

JOINED = "http://activitystrea.ms/join"
LEFT = "http://activitystrea.ms/leave"
RAISED_HAND = "https://w3id.org/xapi/virtual-classroom/verbs/raised-hand"
ANSWERED = "http://adlnet.gov/expapi/verbs/answered"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
VIRTUAL_CLASSROOM = "https://w3id.org/xapi/virtual-classroom"
CLASSROOM_TYPE = "https://w3id.org/xapi/virtual-classroom/activity-types/virtual-classroom"
INTERACTION_TYPE = "http://adlnet.gov/expapi/activities/cmi.interaction"
COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"
PROFILE_TYPE = "http://adlnet.gov/expapi/activities/profile"
#: our own extension: which attendance event a joined/left statement comes from
ATTENDANCE_KIND = "https://baeum.example/xapi/extensions/attendance-kind"

VERB_FOR_ATTENDANCE = {"join": JOINED, "resume": JOINED, "leave": LEFT, "drop": LEFT,
                       "removed": LEFT}  # fmt: skip
INTERACTION_FOR_POLL = {"single": "choice", "multiple": "choice", "quiz": "choice",
                        "rating": "likert", "ranking": "sequencing", "wordcloud": "fill-in",
                        "open": "long-fill-in"}  # fmt: skip

INFO_KEY = "xapi_lrs"


@dataclass(frozen=True)
class LrsProfile:
    """How this platform names things in the statements it sends, and its clock."""

    home_page: str  # our people's accounts: {homePage: this, name: login}
    base: str  # our activities: {base}/class-sessions/{id}, {base}/polls/...
    courses: IngestConfig  # courses are named as the e-learning system names them
    clock: Clock

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock) -> LrsProfile:
        public = settings.effective_public_url
        return cls(public, f"{public}/xapi/activities", IngestConfig.from_settings(settings), clock)


def profile_of(session: AsyncSession) -> LrsProfile | None:
    """The LRS profile when an LRS is configured, else None (and nothing is enqueued)."""
    found = session.info.get(INFO_KEY)
    return found if isinstance(found, LrsProfile) else None


async def enqueue(session: AsyncSession, statement: Statement | Mapping[str, Any]) -> str | None:
    """Put a statement in the outbox, in the caller's transaction; its id is fixed now (so a
    resend is idempotent at the LRS). Returns the id, or None when no LRS is configured."""
    profile = profile_of(session)
    if profile is None:
        return None
    parsed = statement if isinstance(statement, Statement) else STATEMENT.validate_python(statement)
    now = profile.clock.now()
    statement_id = str(parsed.id or uuid.uuid4())
    body = parsed.model_dump(mode="json", by_alias=True, exclude_none=True,
                             exclude={"stored", "authority"})  # fmt: skip
    body["id"] = statement_id
    body.setdefault("timestamp", now.isoformat())
    session.add(LrsOutbox(statement_id=statement_id, statement=body, created_at=now,
                          next_attempt_at=now, attempts=0))  # fmt: skip
    return statement_id


# ---- the live class (called by server/rooms and server/polls) -------------------------------


async def attendance(
    session: AsyncSession, class_session_id: int, user_id: int | None, kind: str, at: datetime
) -> str | None:
    """joined (join, resume) or left (leave, drop, removed) for one attendance event."""
    verb = VERB_FOR_ATTENDANCE.get(kind)
    profile = profile_of(session)
    if profile is None or verb is None or user_id is None:
        return None
    display = "joined" if verb == JOINED else "left"
    return await enqueue(session, {
        "actor": await _actor(session, profile, user_id),
        "verb": {"id": verb, "display": {"en-US": display}},
        "object": await _classroom(session, profile, class_session_id),
        "context": {**await _class_context(session, profile, class_session_id),
                    "extensions": {ATTENDANCE_KIND: kind}},
        "timestamp": at.isoformat(),
    })  # fmt: skip


async def hand_raised(
    session: AsyncSession, class_session_id: int, user_id: int, at: datetime
) -> str | None:
    profile = profile_of(session)
    if profile is None:
        return None
    return await enqueue(session, {
        "actor": await _actor(session, profile, user_id),
        "verb": {"id": RAISED_HAND, "display": {"en-US": "raised hand"}},
        "object": await _classroom(session, profile, class_session_id),
        "context": await _class_context(session, profile, class_session_id),
        "timestamp": at.isoformat(),
    })  # fmt: skip


async def poll_answered(
    session: AsyncSession, *, class_session_id: int, anonymous: bool, poll_id: int, item_id: int,
    kind: str, prompt: str, user_id: int, value: Any, at: datetime,
) -> str | None:  # fmt: skip
    """answered, for a NAMED poll only: an anonymous answer never becomes a statement (it
    would name its author)."""
    profile = profile_of(session)
    if profile is None or anonymous:
        return None
    context = await _class_context(session, profile, class_session_id)
    context["contextActivities"]["parent"] = [await _classroom(session, profile, class_session_id)]
    return await enqueue(session, {
        "actor": await _actor(session, profile, user_id),
        "verb": {"id": ANSWERED, "display": {"en-US": "answered"}},
        "object": {"objectType": "Activity",
                   "id": f"{profile.base}/polls/{poll_id}/items/{item_id}",
                   "definition": {"type": INTERACTION_TYPE, "name": {"ko": prompt[:500]},
                                  "interactionType": INTERACTION_FOR_POLL.get(kind, "other")}},
        "result": {"response": json.dumps(value, ensure_ascii=False)[:10_000]},
        "context": context,
        "timestamp": at.isoformat(),
    })  # fmt: skip


# ---- completion (for the completion module) -------------------------------------------------


async def completion_statement(
    session: AsyncSession, user_id: int, course_id: int, at: datetime, *,
    success: bool | None = None, score_scaled: float | None = None,
) -> Statement | None:  # fmt: skip
    """A ``completed`` statement for a course, to pass to ``enqueue`` in the transaction that
    records the completion; None when no LRS is configured."""
    profile = profile_of(session)
    if profile is None:
        return None
    course = await lms.get_course(session, course_id)
    result: dict[str, Any] = {"completion": True}
    if success is not None:
        result["success"] = success
    if score_scaled is not None:
        result["score"] = {"scaled": score_scaled}
    return STATEMENT.validate_python({
        "actor": await _actor(session, profile, user_id),
        "verb": {"id": COMPLETED, "display": {"en-US": "completed"}},
        "object": _course(profile, course.code, course.title),
        "result": result,
        "timestamp": at.isoformat(),
    })  # fmt: skip


# ---- parts ---------------------------------------------------------------------------------


async def _actor(session: AsyncSession, profile: LrsProfile, user_id: int) -> dict[str, Any]:
    user = await auth.get_user(session, user_id)
    return {"objectType": "Agent", "name": user.name,
            "account": {"homePage": profile.home_page, "name": user.login}}  # fmt: skip


def _course(profile: LrsProfile, code: str, title: str) -> dict[str, Any]:
    return {"objectType": "Activity", "id": profile.courses.activity_base + quote(code, safe=""),
            "definition": {"type": COURSE_TYPE, "name": {"ko": title}}}  # fmt: skip


async def _classroom(
    session: AsyncSession, profile: LrsProfile, class_session_id: int
) -> dict[str, Any]:
    class_session = await lms.get_class_session(session, class_session_id)
    definition = {"type": CLASSROOM_TYPE, "name": {"ko": class_session.title}}
    iri = f"{profile.base}/class-sessions/{class_session_id}"
    return {"objectType": "Activity", "id": iri, "definition": definition}


async def _class_context(
    session: AsyncSession, profile: LrsProfile, class_session_id: int
) -> dict[str, Any]:
    """The profile's category, the course as parent, and one registration per class."""
    class_session = await lms.get_class_session(session, class_session_id)
    cohort = await lms.get_cohort(session, class_session.cohort_id)
    course = await lms.get_course(session, cohort.course_id)
    iri = f"{profile.base}/class-sessions/{class_session_id}"
    return {
        "registration": str(uuid.uuid5(uuid.NAMESPACE_URL, iri)),
        "contextActivities": {
            "category": [{"id": VIRTUAL_CLASSROOM, "definition": {"type": PROFILE_TYPE}}],
            "grouping": [_course(profile, course.code, course.title)],
        },
    }
