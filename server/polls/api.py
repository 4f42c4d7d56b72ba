"""HTTP routes of Q&A and polls: the export of a class's questions after class, the poll bank
(a course's prepared polls, reused by every cohort), and the participation figures completion
rules read. Asking, voting, launching and answering happen on the class socket."""

from __future__ import annotations

import asyncio
from typing import Literal

from aiohttp import web
from pydantic import Field

from server.core.auth.roles import STAFF, Role
from server.core.downloads import disposition
from server.core.errors import Problem
from server.core.http import Allow, ApiRouter, Ctx
from server.core.schemas import In, Out, RecordId
from server.lms import service as lms
from server.lms.models import SessionState
from server.lms.schemas import ClassSessionPath
from server.polls import export, voting
from server.polls.events import PSEUDONYMS
from server.polls.schemas import PollIn, PollOut
from server.rooms.service import check_runs_class

router = ApiRouter("polls")
RUNS = Allow.only(*STAFF, Role.INSTRUCTOR, Role.ASSISTANT)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportQuery(In):
    format: Literal["csv", "xlsx"] = Field(
        default="csv", description="csv: UTF-8 with a BOM; xlsx: one sheet"
    )


@router.get("/class-sessions/{class_session_id}/questions/export", path_model=ClassSessionPath,
            query=ExportQuery, allow=RUNS)  # fmt: skip
async def export_questions(ctx: Ctx, path: ClassSessionPath, query: ExportQuery) -> web.Response:
    """The class's questions as a spreadsheet (CSV or XLSX); anonymous askers stay unnamed."""
    class_session = await lms.get_class_session(ctx.session, path.class_session_id)
    await check_runs_class(ctx.session, ctx.user, class_session.id)
    table = await export.rows(ctx.session, class_session.id)
    if query.format == "xlsx":
        body = await asyncio.to_thread(export.to_xlsx, table)
        response = web.Response(body=body, content_type=XLSX)
    else:
        response = web.Response(body=export.to_csv(table), content_type="text/csv",
                                charset="utf-8")  # fmt: skip
    response.headers["Content-Disposition"] = disposition(
        f"questions-{class_session.id}.{query.format}",
        class_session.title,
        f" 질문.{query.format}",
    )
    response.headers["Cache-Control"] = "no-store"  # names of people who asked by name
    return response


# ---- the poll bank and what completion rules read ---------------------------------------------


class CoursePath(In):
    course_id: RecordId


class PollPath(In):
    poll_id: RecordId


class ParticipationOut(Out):
    user_id: int
    answered: int = Field(description="named polls of this class answered")
    of: int = Field(description="named polls run in this class")
    score: int = Field(description="quiz points")


@router.post("/courses/{course_id}/polls", path_model=CoursePath, body=PollIn,
             response=PollOut, status=201, allow=RUNS)  # fmt: skip
async def create_course_poll(ctx: Ctx, path: CoursePath, body: PollIn) -> PollOut:
    """A poll in the course's bank: prepared once, launched in any cohort's class."""
    await lms.get_course(ctx.session, path.course_id)
    if not ctx.user.has(*STAFF) and not await lms.teaches_course(
        ctx.session, path.course_id, ctx.user.user_id
    ):
        raise Problem("forbidden", "Only the course's instructors or operators may do this.")
    poll = await voting.create_poll(ctx.session, body, ctx.clock.now(), course_id=path.course_id)
    return await voting.poll_out(ctx.session, poll)


@router.post("/class-sessions/{class_session_id}/polls", path_model=ClassSessionPath,
             body=PollIn, response=PollOut, status=201, allow=RUNS)  # fmt: skip
async def create_class_poll(ctx: Ctx, path: ClassSessionPath, body: PollIn) -> PollOut:
    await lms.get_class_session(ctx.session, path.class_session_id)
    await check_runs_class(ctx.session, ctx.user, path.class_session_id)
    poll = await voting.create_poll(ctx.session, body, ctx.clock.now(),
                                    class_session_id=path.class_session_id)  # fmt: skip
    return await voting.poll_out(ctx.session, poll)


@router.get("/class-sessions/{class_session_id}/polls", path_model=ClassSessionPath,
            response=list[PollOut], allow=RUNS)  # fmt: skip
async def class_polls(ctx: Ctx, path: ClassSessionPath) -> list[PollOut]:
    """What this class can launch: its own polls and its course's bank."""
    await lms.get_class_session(ctx.session, path.class_session_id)
    await check_runs_class(ctx.session, ctx.user, path.class_session_id)
    return [await voting.poll_out(ctx.session, p)
            for p in await voting.polls_for_class(ctx.session, path.class_session_id)]  # fmt: skip


@router.delete("/polls/{poll_id}", path_model=PollPath, allow=Allow.only(*STAFF), status=204)
async def delete_poll(ctx: Ctx, path: PollPath) -> None:
    """Remove a prepared poll that was never launched (launched ones are on record)."""
    await voting.delete_poll(ctx.session, path.poll_id)


@router.get("/class-sessions/{class_session_id}/poll-participation",
            path_model=ClassSessionPath, response=list[ParticipationOut], allow=RUNS)  # fmt: skip
async def poll_participation(ctx: Ctx, path: ClassSessionPath) -> list[ParticipationOut]:
    """Per person, from the polls kept with names: answered N of M, and quiz points (what
    completion rules read; anonymous polls cannot be attributed and are not counted)."""
    await lms.get_class_session(ctx.session, path.class_session_id)
    await check_runs_class(ctx.session, ctx.user, path.class_session_id)
    figures = await voting.participation(ctx.session, path.class_session_id)
    return [ParticipationOut(user_id=uid, **f) for uid, f in sorted(figures.items())]


@router.post("/class-sessions/{class_session_id}/anonymity-key/destroy",
             path_model=ClassSessionPath, allow=Allow.only(*STAFF), status=204)  # fmt: skip
async def destroy_anonymity_key(ctx: Ctx, path: ClassSessionPath) -> None:
    """Archive an ended class's Q&A and polls for good: its pseudonym key is destroyed, so no
    anonymous question, vote or answer can ever be linked to anyone again (the content and
    the counts stay; new questions and votes in this class are refused)."""
    class_session = await lms.get_class_session(ctx.session, path.class_session_id)
    if class_session.state != SessionState.ENDED:
        raise Problem("conflict", "End the class first; its key is still in use.")
    await ctx.app[PSEUDONYMS].destroy(ctx.session, class_session.id, ctx.clock.now())
