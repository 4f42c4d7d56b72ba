"""HTTP routes of boards: a course's prepared boards, a class's boards on record, uploads
(checked, images re-encoded without metadata), attachments served so that they can never run
in the page, the moderation log, and exports (CSV, XLSX, PNG, PDF). Posting, editing and
moderating live happen on the class socket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime

from aiohttp import web
from pydantic import Field

from server.boards import attachments, export, out, service, snapshot
from server.boards.models import Board, BoardAttachment
from server.boards.schemas import AttachmentOut, BoardOut, CourseBoardIn, ExportQuery, UploadQuery
from server.boards.storage import Storage, make_storage, new_key
from server.core import limits
from server.core.auth.roles import STAFF, Role
from server.core.db import get_or_404
from server.core.downloads import disposition
from server.core.errors import Problem
from server.core.http import Allow, ApiRouter, Ctx
from server.core.keys import LIVE, SETTINGS
from server.core.limits import Action
from server.core.schemas import In, Out, RecordId
from server.lms import service as lms
from server.lms.schemas import ClassSessionPath
from server.polls.api import XLSX
from server.polls.events import PSEUDONYMS
from server.rooms import presence
from server.rooms.service import check_runs_class

router = ApiRouter("boards")
RUNS = Allow.only(*STAFF, Role.INSTRUCTOR, Role.ASSISTANT)
ATTACHMENT_STORE: web.AppKey[Storage] = web.AppKey("attachment_store", Storage)
CHUNK = 64 * 1024
SNAPSHOT_TYPES = {"png": "image/png", "pdf": "application/pdf"}


class CoursePath(In):
    course_id: RecordId


class BoardPath(In):
    board_id: RecordId


class AttachmentPath(In):
    attachment_id: RecordId


class ModerationOut(Out):
    id: int
    post_id: int | None
    comment_id: int | None
    action: str
    detail: str | None
    by_user_id: int = Field(description="the staff member (authors are never named here)")
    at: datetime


async def _runs_course(ctx: Ctx, course_id: int) -> None:
    await lms.get_course(ctx.session, course_id)
    if not ctx.user.has(*STAFF) and not await lms.teaches_course(
        ctx.session, course_id, ctx.user.user_id
    ):
        raise Problem("forbidden", "Only the course's instructors or operators may do this.")


@router.post("/courses/{course_id}/boards", path_model=CoursePath, body=CourseBoardIn,
             response=BoardOut, status=201, allow=RUNS)  # fmt: skip
async def create_course_board(ctx: Ctx, path: CoursePath, body: CourseBoardIn) -> BoardOut:
    """A board prepared once for a course (layout, sections, starter posts), copied into any
    cohort's class with ``board_create`` and ``from_board_id``."""
    await _runs_course(ctx, path.course_id)
    board = await service.create(ctx.session, body, by=ctx.user.user_id, now=ctx.clock.now(),
                                 course_id=path.course_id)  # fmt: skip
    await service.seed(ctx.session, board, body.posts, ctx.user.user_id, ctx.clock.now())
    return service.out(board)


@router.get("/courses/{course_id}/boards", path_model=CoursePath, response=list[BoardOut],
            allow=RUNS)  # fmt: skip
async def course_boards(ctx: Ctx, path: CoursePath) -> list[BoardOut]:
    await _runs_course(ctx, path.course_id)
    return [service.out(b) for b in await service.of_course(ctx.session, path.course_id)]


@router.get("/class-sessions/{class_session_id}/boards", path_model=ClassSessionPath,
            response=list[BoardOut], allow=RUNS)  # fmt: skip
async def class_boards(ctx: Ctx, path: ClassSessionPath) -> list[BoardOut]:
    """Every board of a class, its breakout groups' included: the class's record."""
    await lms.get_class_session(ctx.session, path.class_session_id)
    await check_runs_class(ctx.session, ctx.user, path.class_session_id)
    return [service.out(b) for b in await service.of_class(ctx.session, path.class_session_id)]


async def _staff_board(ctx: Ctx, board_id: int) -> Board:
    board = await service.get(ctx.session, board_id)
    if board.class_session_id is not None:
        await check_runs_class(ctx.session, ctx.user, board.class_session_id)
    else:
        await _runs_course(ctx, board.course_id or 0)
    return board


@router.get("/boards/{board_id}/moderation", path_model=BoardPath,
            response=list[ModerationOut], allow=RUNS)  # fmt: skip
async def moderation_log(ctx: Ctx, path: BoardPath) -> list[ModerationOut]:
    """What staff did on the board (removed, restored, approved, graded, locked) and who."""
    board = await _staff_board(ctx, path.board_id)
    rows = await service.moderation_log(ctx.session, board.id)
    return [ModerationOut.model_validate(r) for r in rows]


@router.get("/boards/{board_id}/export", path_model=BoardPath, query=ExportQuery, allow=RUNS)
async def export_board(ctx: Ctx, path: BoardPath, query: ExportQuery) -> web.Response:
    """The board as a spreadsheet (posts, comments, reaction tallies; CSV is the posts) or as
    a picture of what the class saw (PNG, PDF). Anonymous authors stay unnamed."""
    board = await _staff_board(ctx, path.board_id)
    if query.format in SNAPSHOT_TYPES:
        picture = await snapshot.picture(ctx.session, board.id)
        render = snapshot.render_png if query.format == "png" else snapshot.render_pdf
        body = await asyncio.to_thread(render, picture, font_path=snapshot.find_font())
        response = web.Response(body=body, content_type=SNAPSHOT_TYPES[query.format])
    else:
        tables = await export.tables(ctx.session, board.id)
        if query.format == "xlsx":
            body = await asyncio.to_thread(export.to_xlsx, tables, board.title)
            response = web.Response(body=body, content_type=XLSX)
        else:
            response = web.Response(body=export.to_csv(tables), content_type="text/csv",
                                    charset="utf-8")  # fmt: skip
    response.headers["Content-Disposition"] = disposition(
        f"board-{board.id}.{query.format}", board.title, f" 보드.{query.format}"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# ---- attachments -------------------------------------------------------------------------------


async def _member_viewer(ctx: Ctx, board: Board, *, posting: bool) -> service.Viewer:
    """The caller as a viewer of a class board: its staff, or a trainee who may join it. The
    pseudonym only when posting (looking needs none, even once the class key is destroyed)."""
    cs_id = board.class_session_id
    if cs_id is None:
        await _runs_course(ctx, board.course_id or 0)
        return service.Viewer(staff=True, group_id=None, tag=f"staff:{ctx.user.user_id}")
    user_id = ctx.user.user_id
    try:
        await check_runs_class(ctx.session, ctx.user, cs_id)
        staff = True
    except Problem:
        if not await lms.can_join_as_trainee(ctx.session, cs_id, user_id):
            raise Problem("not-found", f"No board {board.id} here.") from None
        staff = False
    me = await presence.get(ctx.app[LIVE], cs_id, user_id)
    group = me.group_id if me is not None and not me.visiting else None
    tag = ""
    if posting:
        tag = await ctx.app[PSEUDONYMS].tag(ctx.session, cs_id, user_id, ctx.clock.now())
    return service.Viewer(staff=staff, group_id=group, tag=tag)


async def _read_limited(request: web.Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise Problem("attachment-too-large", f"Attachments are at most {limit} bytes.",
                      limit=limit)  # fmt: skip
    data = bytearray()
    async for chunk in request.content.iter_chunked(CHUNK):
        data.extend(chunk)
        if len(data) > limit:
            raise Problem("attachment-too-large", f"Attachments are at most {limit} bytes.",
                          limit=limit)  # fmt: skip
    return bytes(data)


@router.post("/boards/{board_id}/attachments", path_model=BoardPath, query=UploadQuery,
             response=AttachmentOut, status=201, allow=Allow.signed_in())  # fmt: skip
async def upload(ctx: Ctx, path: BoardPath, query: UploadQuery) -> AttachmentOut:
    """Upload a photo or document as the raw body (any Content-Type: the type is read from
    the bytes). Images come back re-encoded, upright and without metadata (no GPS). Attach
    the answer's id to a post."""
    await limits.check_request(ctx.request, Action.UPLOAD, ctx.user.user_id)
    board = await service.get(ctx.session, path.board_id)
    viewer = await _member_viewer(ctx, board, posting=True)
    service.require_post(board, viewer)
    settings = ctx.app[SETTINGS]
    data = await _read_limited(ctx.request, settings.board_attachment_max_bytes)
    checked = await asyncio.to_thread(
        attachments.check, data, query.filename,
        max_bytes=settings.board_attachment_max_bytes, max_px=settings.board_image_max_px,
    )  # fmt: skip
    key = new_key(board.id, checked.extension)
    await ctx.app[ATTACHMENT_STORE].put(key, checked.data, checked.content_type)
    row = BoardAttachment(
        board_id=board.id, uploader_tag=viewer.tag, kind=checked.kind,
        content_type=checked.content_type, filename=checked.filename, size=len(checked.data),
        width=checked.width, height=checked.height, key=key, created_at=ctx.clock.now(),
    )  # fmt: skip
    ctx.session.add(row)
    await ctx.session.flush()
    return out.attachment(row)


@router.get("/board-attachments/{attachment_id}", path_model=AttachmentPath,
            allow=Allow.signed_in())  # fmt: skip
async def attachment(ctx: Ctx, path: AttachmentPath) -> web.Response:
    """An attachment, for the people who can see its board. Served as the type found at
    upload, never sniffed, never run: a sandboxing CSP, and documents as downloads."""
    row = await get_or_404(ctx.session, BoardAttachment, path.attachment_id, "attachment")
    board = await service.get(ctx.session, row.board_id)
    if not service.can_see(board, await _member_viewer(ctx, board, posting=False)):
        raise Problem("not-found", f"No attachment {row.id} here.")
    body = await ctx.app[ATTACHMENT_STORE].get(row.key)
    response = web.Response(body=body, content_type=row.content_type)
    response.headers.update({
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Cache-Control": "private, max-age=3600",
        "Content-Disposition": disposition(f"attachment-{row.id}", row.filename, "",
                                           inline=row.kind == "image"),
    })  # fmt: skip
    return response


async def attachments_context(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: the attachment store (files under var/, or S3-compatible)."""
    app[ATTACHMENT_STORE] = make_storage(app[SETTINGS])
    yield
    await app[ATTACHMENT_STORE].close()
