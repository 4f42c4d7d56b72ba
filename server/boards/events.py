"""Boards on the class socket (/class). Opening a board subscribes the socket to it (one
board at a time); every change then reaches everyone on that board, on every node, once it is
committed. Anonymous posts and comments go out with no trace of their author; answers to the
author say ``mine``. Posts reach the board's pages in batches at a bounded rate
(``board_posts``, see pushes.py; the author's own answer is immediate), and so do reaction
counts (``Tallies``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web

from server.boards import feedback, out, posts, preview, service
from server.boards.models import Board, BoardPost
from server.boards.pushes import PostPushes
from server.boards.schemas import (
    BoardCreateIn,
    BoardIn,
    BoardRef,
    BoardStateOut,
    BoardUpdateIn,
    CommentIn,
    CommentRef,
    ConnectIn,
    ConnectorRef,
    GradeIn,
    HighlightIn,
    PostEditIn,
    PostIn,
    PostModerateIn,
    PostMoveIn,
    PostRef,
    PreviewIn,
    ReactIn,
)
from server.core.errors import Problem
from server.core.events import EventCtx
from server.core.keys import DATABASE, LIVE, SETTINGS, SIO
from server.lms import service as lms
from server.polls.events import my_tag
from server.polls.tally import Tallies
from server.rooms import presence
from server.rooms.events import (
    NAMESPACE,
    class_id_of,
    classroom,
    require_grant,
    require_joined,
    room,
    staff_room,
)
from server.rooms.schemas import Grant

REACTION_TALLIES: web.AppKey[Tallies] = web.AppKey("board_reaction_tallies", Tallies)
Body = dict[str, Any]
POST_PUSHES: web.AppKey[PostPushes] = web.AppKey("board_post_pushes", PostPushes)
TALLY_INTERVAL_S = 0.2
PUSH_INTERVAL_S = 0.1


def board_room(board_id: int) -> str:
    return f"board:{board_id}"


async def _viewer(ctx: EventCtx) -> service.Viewer:
    require_joined(ctx)
    staff = Grant.MODERATE in set(ctx.socket["grants"])
    me = await presence.get(ctx.app[LIVE], class_id_of(ctx), ctx.user_id)
    group = me.group_id if me is not None and not me.visiting else None
    return service.Viewer(staff=staff, group_id=group, tag=await my_tag(ctx))


def _author(ctx: EventCtx, viewer: service.Viewer) -> posts.Author:
    return posts.Author(viewer.tag, ctx.user_id, ctx.socket["name"], viewer.staff)


async def _board(ctx: EventCtx, board_id: int) -> tuple[Board, service.Viewer]:
    viewer = await _viewer(ctx)
    board = await service.in_class(ctx.session, class_id_of(ctx), board_id)
    if not service.can_see(board, viewer):
        raise Problem("not-found", f"No board {board_id} here.")
    return board, viewer


async def _post(
    ctx: EventCtx, post_id: int, *, for_change: bool = False
) -> tuple[Board, BoardPost, service.Viewer]:
    post = await posts.get(ctx.session, None, post_id, for_change=for_change)
    board, viewer = await _board(ctx, post.board_id)
    if post.status != posts.PUBLISHED and not viewer.staff and post.author_tag != viewer.tag:
        raise Problem("not-found", f"No post {post_id} here.")
    return board, post, viewer


async def _send(ctx: EventCtx, post: BoardPost) -> None:
    _tell(ctx, post, (await out.post(ctx.session, post)).model_dump(mode="json"))


def _tell(ctx: EventCtx, post: BoardPost, body: dict[str, Any], *, fresh: bool = False) -> None:
    """Published: to everyone on the board. Otherwise: off every page (no page has a post
    just made), and in full to staff (who approve, reject and restore). Pages on the board
    get it with the board's next ``board_posts`` (``PostPushes``), once committed."""
    board_id, post_id, pushes = post.board_id, post.id, ctx.app[POST_PUSHES]
    if post.status == posts.PUBLISHED:
        ctx.after_commit(_later(lambda: pushes.push(board_id, post_id, "post", body)))
        return
    if not fresh:
        hidden = out.hidden(post)
        ctx.after_commit(_later(lambda: pushes.push(board_id, post_id, "hidden", hidden)))
    ctx.emit("board_post", body, to=staff_room(class_id_of(ctx)))


def _later(action: Callable[[], None]) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        action()

    return run


async def _mine(ctx: EventCtx, post: BoardPost, viewer: service.Viewer) -> dict[str, Any]:
    return (await out.post(ctx.session, post, tag=viewer.tag)).model_dump(mode="json")


def _current(ctx: EventCtx, viewer: service.Viewer) -> Any:
    async def current(post: BoardPost) -> dict[str, Any]:
        return await _mine(ctx, post, viewer)

    return current


# ---- boards ------------------------------------------------------------------------------------


@classroom.event("board_list", rate=(30, 10.0))
async def board_list(ctx: EventCtx) -> dict[str, Any]:
    """The boards I may open in this class: its own, my group's, every group's once closed."""
    viewer = await _viewer(ctx)
    boards = await service.visible(ctx.session, class_id_of(ctx), viewer)
    return {"boards": [service.out(b).model_dump(mode="json") for b in boards],
            "group_id": viewer.group_id}  # fmt: skip


@classroom.event("board_open", payload=BoardRef, rate=(30, 10.0))
async def board_open(ctx: EventCtx, payload: BoardRef) -> dict[str, Any]:
    """Everything on a board as I may see it, and its changes from now on (this socket
    follows one board at a time: opening another stops the last)."""
    board, viewer = await _board(ctx, payload.board_id)
    rows = await posts.visible(ctx.session, board, staff=viewer.staff, tag=viewer.tag)
    visible = {p["id"] for p in rows}
    comments = [c for c in await feedback.comments_of(ctx.session, feedback.of_board(board.id),
                                                      viewer.tag, viewer.staff)
                if c.post_id in visible]  # fmt: skip
    shown = await out.posts(ctx.session, rows, tag=viewer.tag, board_id=board.id)
    state = BoardStateOut(
        board=service.out(board), posts=shown,
        comments=[out.comment(c, tag=viewer.tag) for c in comments],
        connectors=[out.connector(c) for c in await feedback.connectors_of(ctx.session, board.id)],
        can_post=service.can_post(board, viewer), can_moderate=viewer.staff,
    )  # fmt: skip
    for followed in ctx.sio.rooms(ctx.sid, namespace=NAMESPACE):
        if followed.startswith("board:") and followed != board_room(board.id):
            await ctx.sio.leave_room(ctx.sid, followed, namespace=NAMESPACE)
    await ctx.sio.enter_room(ctx.sid, board_room(board.id), namespace=NAMESPACE)
    return state.model_dump(mode="json")


@classroom.event("board_create", payload=BoardCreateIn, rate=(20, 60.0))
async def board_create(ctx: EventCtx, payload: BoardCreateIn) -> dict[str, Any]:
    """A new board for the class: blank, from a template, or a copy of a course's board."""
    require_grant(ctx, Grant.MODERATE)
    cs_id, now = class_id_of(ctx), ctx.clock.now()
    if payload.from_board_id is not None:
        class_session = await lms.get_class_session(ctx.session, cs_id)
        cohort = await lms.get_cohort(ctx.session, class_session.cohort_id)
        source = await service.get(ctx.session, payload.from_board_id)
        board = await service.copy_from_course(ctx.session, source, cs_id, cohort.course_id,
                                               by=ctx.user_id, now=now)  # fmt: skip
    else:
        spec = BoardIn.model_validate(payload.model_dump(exclude={"from_board_id"}))
        board = await service.create(ctx.session, spec, by=ctx.user_id, now=now,
                                     class_session_id=cs_id)  # fmt: skip
    ctx.emit("boards_changed", {"board_id": board.id}, to=room(cs_id))
    return service.out(board).model_dump(mode="json")


@classroom.event("board_prepared", rate=(20, 60.0))
async def board_prepared(ctx: EventCtx) -> dict[str, Any]:
    """The course's prepared boards this class can copy (``board_create`` with
    ``from_board_id``)."""
    require_grant(ctx, Grant.MODERATE)
    class_session = await lms.get_class_session(ctx.session, class_id_of(ctx))
    cohort = await lms.get_cohort(ctx.session, class_session.cohort_id)
    prepared = await service.of_course(ctx.session, cohort.course_id)
    return {"boards": [service.out(b).model_dump(mode="json") for b in prepared]}


@classroom.event("board_update", payload=BoardUpdateIn, rate=(60, 60.0))
async def board_update(ctx: EventCtx, payload: BoardUpdateIn) -> dict[str, Any]:
    """Title, layout, sections, moderation mode, anonymous posting, lock."""
    require_grant(ctx, Grant.MODERATE)
    board, _ = await _board(ctx, payload.board_id)
    await service.change(ctx.session, board, payload, by=ctx.user_id, now=ctx.clock.now())
    body = service.out(board).model_dump(mode="json")
    ctx.emit("board_changed", body, to=board_room(board.id))
    ctx.emit("boards_changed", {"board_id": board.id}, to=room(class_id_of(ctx)))
    return body


# ---- posts -------------------------------------------------------------------------------------


@classroom.event("board_post", payload=PostIn, rate=(30, 60.0))
async def board_post(ctx: EventCtx, payload: PostIn) -> dict[str, Any]:
    """Post (named, or anonymous where the board allows). A retry with the same request id
    is the same post, told to nobody twice."""
    board, viewer = await _board(ctx, payload.board_id)
    service.require_post(board, viewer)
    post, new = await posts.create(ctx.session, board, _author(ctx, viewer), payload,
                                   ctx.clock.now())  # fmt: skip
    if not new:
        return await _mine(ctx, post, viewer)
    body = (await out.new_post(ctx.session, post)).model_dump(mode="json")
    _tell(ctx, post, body, fresh=True)
    return {**body, "mine": True}


@classroom.event("board_edit", payload=PostEditIn, rate=(60, 60.0))
async def board_edit(ctx: EventCtx, payload: PostEditIn) -> dict[str, Any]:
    """Edit from a version: a stale one is refused (``edit-conflict``, with the current post)."""
    board, post, viewer = await _post(ctx, payload.post_id)
    service.require_post(board, viewer)
    await posts.edit(ctx.session, board, post, _author(ctx, viewer), payload,
                     ctx.clock.now(), _current(ctx, viewer))  # fmt: skip
    await _send(ctx, post)
    return await _mine(ctx, post, viewer)


@classroom.event("board_move", payload=PostMoveIn, rate=(120, 10.0))
async def board_move(ctx: EventCtx, payload: PostMoveIn) -> dict[str, Any]:
    """Move a post (anyone who may post: sorting ideas together); versioned like edits."""
    board, post, viewer = await _post(ctx, payload.post_id)
    service.require_post(board, viewer)
    moved = await posts.move(ctx.session, board, post, payload, _author(ctx, viewer),
                             _current(ctx, viewer))  # fmt: skip
    for changed in moved:
        await _send(ctx, changed)
    return {"posts": [await _mine(ctx, p, viewer) for p in moved]}


@classroom.event("board_withdraw", payload=PostRef, rate=(30, 60.0))
async def board_withdraw(ctx: EventCtx, payload: PostRef) -> dict[str, Any]:
    _, post, viewer = await _post(ctx, payload.post_id, for_change=True)
    await posts.withdraw(post, _author(ctx, viewer))
    await _send(ctx, post)
    return {"post_id": post.id, "status": post.status}


async def _staff_post(ctx: EventCtx, post_id: int) -> tuple[Board, BoardPost]:
    require_grant(ctx, Grant.MODERATE)
    board, post, _ = await _post(ctx, post_id, for_change=True)
    return board, post


@classroom.event("board_moderate", payload=PostModerateIn, rate=(120, 10.0))
async def board_moderate(ctx: EventCtx, payload: PostModerateIn) -> dict[str, Any]:
    """Approve or reject a waiting post; remove one (kept on record) or restore it."""
    board, post = await _staff_post(ctx, payload.post_id)
    posts.moderate(ctx.session, board, post, payload.action, by=ctx.user_id,
                   reason=payload.reason, now=ctx.clock.now())  # fmt: skip
    await _send(ctx, post)
    return (await out.post(ctx.session, post)).model_dump(mode="json")


@classroom.event("board_highlight", payload=HighlightIn, rate=(120, 10.0))
async def board_highlight(ctx: EventCtx, payload: HighlightIn) -> dict[str, Any]:
    board, post = await _staff_post(ctx, payload.post_id)
    posts.highlight(ctx.session, board, post, payload.highlighted, by=ctx.user_id,
                    now=ctx.clock.now())  # fmt: skip
    await _send(ctx, post)
    return (await out.post(ctx.session, post)).model_dump(mode="json")


@classroom.event("board_grade", payload=GradeIn, rate=(120, 10.0))
async def board_grade(ctx: EventCtx, payload: GradeIn) -> dict[str, Any]:
    board, post = await _staff_post(ctx, payload.post_id)
    posts.grade(ctx.session, board, post, payload.grade, by=ctx.user_id, now=ctx.clock.now())
    await _send(ctx, post)
    return (await out.post(ctx.session, post)).model_dump(mode="json")


# ---- comments, reactions, connectors -----------------------------------------------------------


@classroom.event("board_comment", payload=CommentIn, rate=(30, 60.0))
async def board_comment(ctx: EventCtx, payload: CommentIn) -> dict[str, Any]:
    board, post, viewer = await _post(ctx, payload.post_id)
    service.require_post(board, viewer)
    if payload.anonymous and not board.anonymous_allowed:
        raise Problem("forbidden", "This board takes named comments only.")
    row, new = await feedback.comment(
        ctx.session, post, _author(ctx, viewer), payload.text, anonymous=payload.anonymous,
        request_key=payload.request_id, now=ctx.clock.now(),
    )  # fmt: skip
    await ctx.session.flush()
    if new:
        ctx.emit("board_comment", out.comment(row).model_dump(mode="json"),
                 to=board_room(board.id))  # fmt: skip
    return out.comment(row, tag=viewer.tag).model_dump(mode="json")


@classroom.event("board_comment_remove", payload=CommentRef, rate=(30, 60.0))
async def board_comment_remove(ctx: EventCtx, payload: CommentRef) -> dict[str, Any]:
    row = await feedback.get_comment(ctx.session, payload.comment_id)
    board, _, viewer = await _post(ctx, row.post_id)
    feedback.remove_comment(ctx.session, board, row, _author(ctx, viewer), ctx.clock.now())
    body = out.comment(row).model_dump(mode="json")
    ctx.emit("board_comment", body, to=board_room(board.id))
    return body


@classroom.event("board_react", payload=ReactIn, rate=(60, 10.0))
async def board_react(ctx: EventCtx, payload: ReactIn) -> dict[str, Any]:
    """Like, vote or rate (0 takes it back); the count is exact in the answer, and the
    board's counts follow within ``TALLY_INTERVAL_S``."""
    board, post, viewer = await _post(ctx, payload.post_id)
    service.require_post(board, viewer)
    await feedback.react(ctx.session, post, viewer.tag, payload.kind, payload.value)
    await ctx.session.flush()
    tallies, board_id, post_id = ctx.app[REACTION_TALLIES], board.id, post.id

    async def later() -> None:
        tallies.touch(board_id, post_id)

    ctx.after_commit(later)
    counts = (await feedback.reactions_of(ctx.session, [post.id]))[post.id]
    mine = (await feedback.my_reactions(ctx.session, [post.id], viewer.tag)).get(post.id, {})
    return {"post_id": post.id, "reactions": counts.model_dump(), "my_reactions": mine}


@classroom.event("board_connect", payload=ConnectIn, rate=(60, 10.0))
async def board_connect(ctx: EventCtx, payload: ConnectIn) -> dict[str, Any]:
    """An arrow between two posts of a canvas board."""
    board, source, viewer = await _post(ctx, payload.from_post_id)
    service.require_post(board, viewer)
    target = await posts.get(ctx.session, board.id, payload.to_post_id)
    row = await feedback.connect(ctx.session, board, source, target, payload.label)
    body = out.connector(row).model_dump(mode="json")
    ctx.emit("board_connector", {**body, "removed": False}, to=board_room(board.id))
    return body


@classroom.event("board_unlink", payload=ConnectorRef, rate=(60, 10.0))
async def board_unlink(ctx: EventCtx, payload: ConnectorRef) -> dict[str, Any]:
    row = await feedback.get_connector(ctx.session, payload.connector_id)
    board, viewer = await _board(ctx, row.board_id)
    service.require_post(board, viewer)
    body = out.connector(row).model_dump(mode="json")
    await ctx.session.delete(row)
    ctx.emit("board_connector", {**body, "removed": True}, to=board_room(board.id))
    return body


@classroom.event("board_preview", payload=PreviewIn, rate=(20, 60.0))
async def board_preview(ctx: EventCtx, payload: PreviewIn) -> dict[str, Any]:
    """The title, description and image of a pasted link, for the post being written."""
    require_joined(ctx)
    settings = ctx.app[SETTINGS]
    if not settings.link_preview:
        raise Problem("unavailable", "Link previews are turned off on this server.")
    found = await preview.fetch(payload.url, allow_private=settings.link_preview_private)
    return {"url": found.url, "title": found.title, "description": found.description,
            "image": found.image}  # fmt: skip


async def boards_context(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: this node's bounded pushes of posts and reaction counts."""

    async def flush(board_id: int, post_ids: set[int]) -> None:
        async with app[DATABASE].unit_of_work(request_id="board:tally") as session:
            counts = await feedback.reactions_of(session, sorted(post_ids))
        body = {"board_id": board_id,
                "counts": {str(k): v.model_dump() for k, v in counts.items()}}  # fmt: skip
        await app[SIO].emit("board_reactions", body, to=board_room(board_id),
                            namespace=NAMESPACE)  # fmt: skip

    async def send(
        board_id: int, changed: list[dict[str, Any]], hidden: list[dict[str, Any]]
    ) -> None:
        await app[SIO].emit("board_posts", {"board_id": board_id, "posts": changed,
                                            "hidden": hidden},
                            to=board_room(board_id), namespace=NAMESPACE)  # fmt: skip

    app[REACTION_TALLIES] = Tallies(flush, TALLY_INTERVAL_S)
    app[POST_PUSHES] = PostPushes(send, PUSH_INTERVAL_S)
    yield
    await app[REACTION_TALLIES].close()
    await app[POST_PUSHES].close()
