"""E-learning statements in: validate, store once by statement id, fold into progress.

One post is one transaction: every statement is validated first, the whole array in one
pass (one invalid statement refuses the whole post and stores nothing), then the new ones go
in with one multi-row ``INSERT … ON CONFLICT DO NOTHING`` and each person's progress per
course is upserted in bulk (``server.xapi.store``: the driver's SQL, past the ORM).
A statement id already held is accepted again when its content is the same, and refused
(409, the whole post) when it differs, as xAPI 1.0.3 requires.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.config import Settings
from server.core.auth import service as auth
from server.core.errors import Problem
from server.lms import service as lms
from server.xapi import store
from server.xapi.models import CourseProgress, XapiStatement
from server.xapi.schemas import (
    CMI5_PROGRESS,
    STATEMENTS,
    IngestResult,
    Statement,
    XapiSummaryOut,
    canonical_json,
    hash_of,
    stored_json,
)

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
#: ids per look-up of statements already held: far below SQLite's 32,766 bound parameters
CHUNK = 500


@dataclass(frozen=True)
class IngestConfig:
    """How the e-learning system names our people and courses (see docs/api.md, xAPI)."""

    activity_base: str  # a course's activity IRI is this + its course code
    actor_home_page: str | None  # None: any account homePage; the account name is the login

    @classmethod
    def from_settings(cls, settings: Settings) -> IngestConfig:
        base = settings.xapi_activity_base or (
            f"{settings.effective_public_url}/xapi/activities/courses/"
        )
        return cls(base, settings.xapi_actor_home_page)

    def course_code(self, activity_id: str) -> str | None:
        """The course code an activity IRI names (a module below the course counts too)."""
        if not activity_id.startswith(self.activity_base):
            return None
        rest = activity_id[len(self.activity_base) :]
        code = unquote(rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0])
        return code or None

    def login(self, statement: Statement) -> str | None:
        account = statement.actor.account
        if account is None:
            return None
        if self.actor_home_page is not None and account.home_page != self.actor_home_page:
            return None
        return account.name


@dataclass(frozen=True)
class ElearningProgress:
    """One person's e-learning standing in a course; None figures are unknown, not zero."""

    progress: float | None  # 0..1
    completed: bool
    score_scaled: float | None  # -1..1, the best reported
    completed_at: datetime | None  # the first completion


def parse_statements(raw: Any) -> list[Statement]:
    """A statement or an array of them, validated in one pass; the first invalid one refuses
    the post, named by its place in the array (and its id, when it has one)."""
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise Problem("xapi-invalid-statement", "No statements in the body.", statement=None)
    try:
        return STATEMENTS.validate_python(items)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        index = min(int(e["loc"][0]) for e in errors)
        item = items[index]
        given_id = item.get("id") if isinstance(item, dict) else None
        raise Problem(
            "xapi-invalid-statement",
            f"Statement {index} is not a valid xAPI 1.0.3 statement; nothing was stored.",
            statement=index,
            statement_id=given_id if isinstance(given_id, str) else None,
            errors=[
                {"in": "body", "loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
                for e in errors
                if e["loc"][0] == index
            ],
        ) from None


@dataclass
class _Row:
    statement: Statement
    statement_id: str
    content_hash: str
    body: dict[str, Any]  # the statement's JSON form (``Statement.as_sent``)
    canonical: str  # its canonical JSON, written once for the hash and the stored text


def _dedupe(statements: Sequence[Statement]) -> tuple[list[str], dict[str, _Row]]:
    """Ids for every statement (new UUIDs where none was given); the same id twice in one post
    is one statement if the content is the same, else the post conflicts with itself."""
    ids: list[str] = []
    rows: dict[str, _Row] = {}
    bodies = STATEMENTS.dump_python(list(statements), mode="json", by_alias=True,
                                    exclude_none=True)  # fmt: skip
    for statement, body in zip(statements, bodies, strict=True):
        sid = str(statement.id or uuid.uuid4())
        canonical = canonical_json(body)
        digest = hash_of(canonical)
        ids.append(sid)
        earlier = rows.get(sid)
        if earlier is not None and earlier.content_hash != digest:
            raise Problem("xapi-statement-conflict", f"Statement id {sid} is given twice with "
                          "different content.", statement_id=sid)  # fmt: skip
        rows.setdefault(sid, _Row(statement, sid, digest, body, canonical))
    return ids, rows


async def ingest(
    session: AsyncSession, statements: Sequence[Statement], config: IngestConfig, now: datetime
) -> IngestResult:
    """Store the statements once each and fold the new ones into e-learning progress."""
    ids, rows = _dedupe(statements)
    names = {sid: (config.login(r.statement), config.course_code(r.statement.object.id))
             for sid, r in rows.items()}  # fmt: skip
    users = await auth.ids_by_login(session, sorted({n[0] for n in names.values() if n[0]}))
    courses = await lms.course_ids_by_code(session, sorted({n[1] for n in names.values() if n[1]}))
    at = store.time_writer(session)
    stored = at(now)
    resolved: dict[str, _Resolved] = {}
    values: list[tuple[Any, ...]] = []
    for sid, row in rows.items():
        login, code = names[sid]
        statement = row.statement
        found = _Resolved(
            users.get(login) if login else None,
            courses.get(code) if code else None,
            statement.timestamp or now,
        )
        resolved[sid] = found
        text = stored_json(row.canonical, row.body, sid, now)
        values.append((sid, row.content_hash, statement.verb.id, statement.object.id,
                       statement.actor.key[:600], found.user_id, found.course_id,
                       at(found.timestamp), stored, text))  # fmt: skip
    inserted = await store.insert_statements(session, values)
    held = [sid for sid in rows if sid not in inserted]
    await _check_same(session, held, rows)
    new = [sid for sid in rows if sid in inserted]
    await _fold_progress(session, [(resolved[s], rows[s].statement) for s in new], now)
    return IngestResult(
        ids=ids,
        stored=len(new),
        duplicates=len(held),
        unresolved_actors=sum(1 for s in new if resolved[s].user_id is None),
        unresolved_activities=sum(1 for s in new if resolved[s].course_id is None),
    )


@dataclass(frozen=True)
class _Resolved:
    """Whom and which course a statement names here (None: not ours), and when it happened."""

    user_id: int | None
    course_id: int | None
    timestamp: datetime


async def _check_same(session: AsyncSession, held: list[str], rows: dict[str, _Row]) -> None:
    """Ids we already hold must carry the same content, else the post is refused (409)."""
    for start in range(0, len(held), CHUNK):
        chunk = held[start : start + CHUNK]
        found = await session.execute(
            select(XapiStatement.statement_id, XapiStatement.content_hash).where(
                XapiStatement.statement_id.in_(chunk)
            )
        )
        for sid, digest in found.all():
            if digest != rows[sid].content_hash:
                detail = f"Statement {sid} is already held with different content."
                raise Problem("xapi-statement-conflict", detail, statement_id=sid)


@dataclass
class _Fold:
    progress: float | None = None
    completed: bool = False
    score: float | None = None
    completed_at: datetime | None = None


def _figures(statement: Statement) -> tuple[float | None, bool, float | None]:
    """(progress 0..1, completed, scaled score) that one statement reports."""
    result = statement.result
    progress: float | None = None
    score: float | None = None
    completed = statement.verb.id == COMPLETED
    if result is not None:
        if result.extensions and CMI5_PROGRESS in result.extensions:
            progress = int(result.extensions[CMI5_PROGRESS]) / 100
        completed = completed or result.completion is True
        if result.score is not None:
            score = result.score.scaled
            raw, low, high = result.score.raw, result.score.min, result.score.max
            if score is None and raw is not None and low is not None and high is not None:
                score = (raw - low) / (high - low) if high > low else None
    if completed:
        progress = 1.0
    return progress, completed, score


def _higher(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)


async def _fold_progress(
    session: AsyncSession, new: list[tuple[_Resolved, Statement]], now: datetime
) -> None:
    """One upsert for every (person, course) the new statements touch."""
    folds: dict[tuple[int, int], _Fold] = {}
    for found, statement in new:
        if found.user_id is None or found.course_id is None:
            continue
        progress, completed, score = _figures(statement)
        fold = folds.setdefault((found.user_id, found.course_id), _Fold())
        fold.progress = _higher(fold.progress, progress)
        fold.score = _higher(fold.score, score)
        if completed:
            fold.completed = True
            at = found.timestamp
            fold.completed_at = at if fold.completed_at is None else min(fold.completed_at, at)
    if not folds:
        return
    write = store.time_writer(session)
    updated = write(now)
    rows = [(u, c, f.progress, f.completed, f.score, write(f.completed_at), updated)
            for (u, c), f in sorted(folds.items())]  # fmt: skip
    await store.upsert_progress(session, rows)


async def elearning_progress(
    session: AsyncSession, course_id: int, user_ids: Collection[int]
) -> dict[int, ElearningProgress]:
    """Each person's e-learning standing in the course; a person the e-learning system never
    reported on is absent (unknown), never zero."""
    if not user_ids:
        return {}
    rows = await session.execute(
        select(
            CourseProgress.user_id, CourseProgress.progress, CourseProgress.completed,
            CourseProgress.score_scaled, CourseProgress.completed_at,
        ).where(
            CourseProgress.course_id == course_id,
            CourseProgress.user_id.in_(list(user_ids)),
        )
    )  # fmt: skip
    return {
        user_id: ElearningProgress(progress, bool(completed), score, completed_at)
        for user_id, progress, completed, score, completed_at in rows.all()
    }


async def get_statement(session: AsyncSession, statement_id: str) -> dict[str, Any] | None:
    found = await session.scalar(
        select(XapiStatement.statement).where(XapiStatement.statement_id == statement_id)
    )
    return None if found is None else dict(found)


async def summary(session: AsyncSession) -> XapiSummaryOut:
    """Statements held, and how many name a person or course we could not find."""
    total, no_actor, no_activity = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(XapiStatement.user_id.is_(None)),
                func.count().filter(XapiStatement.course_id.is_(None)),
            ).select_from(XapiStatement)
        )
    ).one()
    progress_rows = await session.scalar(select(func.count()).select_from(CourseProgress))
    return XapiSummaryOut(
        statements=total, unresolved_actors=no_actor, unresolved_activities=no_activity,
        progress_rows=progress_rows or 0,
    )  # fmt: skip
