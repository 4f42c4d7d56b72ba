"""Live Q&A on the class socket (/class). Anonymous questions are sent out without any trace
of the asker; the asker's own answers say ``mine``. Published questions go to the room they
were asked in (the main room, or one breakout group); the moderation queue goes to staff."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from sqlalchemy import select

from server.core.errors import Problem
from server.core.events import EventCtx
from server.core.keys import DATABASE, LIVE, SECRET_KEY, SIO
from server.polls import service
from server.polls.models import Question
from server.polls.schemas import (
    AskIn,
    EditIn,
    ListIn,
    MergeIn,
    ModeIn,
    ModerateIn,
    PinIn,
    QuestionRef,
    ReplyIn,
    VoteIn,
)
from server.polls.secrets import Pseudonyms
from server.polls.tally import Tallies
from server.rooms import presence
from server.rooms.breakout import rounds as breakout_rounds
from server.rooms.events import (
    NAMESPACE,
    class_id_of,
    classroom,
    is_staff,
    person_room,
    require_grant,
    require_joined,
    room,
    staff_room,
)
from server.rooms.schemas import Grant

PSEUDONYMS: web.AppKey[Pseudonyms] = web.AppKey("pseudonyms", Pseudonyms)
QA_TALLIES: web.AppKey[Tallies] = web.AppKey("qa_tallies", Tallies)
TALLY_INTERVAL_S = 0.2


async def my_tag(ctx: EventCtx) -> str:
    """This socket's person's pseudonym in its class. The class key is read each time (one
    row by its key): once destroyed, no question, vote or answer is taken on any node."""
    return await ctx.app[PSEUDONYMS].tag(ctx.session, class_id_of(ctx), ctx.user_id,
                                         ctx.clock.now())  # fmt: skip


async def _asker(ctx: EventCtx) -> service.Asker:
    cs_id = class_id_of(ctx)
    tag = await my_tag(ctx)
    me = await presence.get(ctx.app[LIVE], cs_id, ctx.user_id)
    group = me.group_id if me is not None and not me.visiting else None
    return service.Asker(tag, ctx.user_id, ctx.socket["name"], group)


async def _premoderate(ctx: EventCtx) -> bool:
    return (await presence.flags(ctx.app[LIVE], class_id_of(ctx))).get("qa_mode") == "pre"


async def _send(ctx: EventCtx, question: Question) -> None:
    """To staff always; to the room it was asked in once published (or when it leaves it)."""
    cs_id, body = class_id_of(ctx), service.out(question).model_dump(mode="json")
    ctx.emit("qa_question", body, to=staff_room(cs_id))
    if question.status == service.PENDING:
        if question.edited_at is not None:  # an edit took it back for review: off every page
            hidden = {**body, "text": "", "flags": [], "author_name": None}
            for target in await _room_targets(ctx, question):
                ctx.emit("qa_question", hidden, to=target)
        return
    for target in await _room_targets(ctx, question):
        ctx.emit("qa_question", body, to=target)


async def _room_targets(ctx: EventCtx, question: Question) -> list[str]:
    """The room a question belongs to: the class, or the people in its breakout group while
    the groups are open (once they close, every group's questions are the class's: a pin
    replacing one of them must reach every page showing it)."""
    cs_id = class_id_of(ctx)
    if question.group_id is None or await breakout_rounds.current(ctx.app[LIVE], cs_id) is None:
        return [room(cs_id)]
    entries = await presence.everyone(ctx.app[LIVE], cs_id)
    return [person_room(cs_id, e.user_id) for e in entries if e.group_id == question.group_id]


@classroom.event("qa_ask", payload=AskIn, rate=(10, 60.0))
async def qa_ask(ctx: EventCtx, payload: AskIn) -> dict[str, Any]:
    """Ask, anonymously by default. The answer is the question as the asker sees it."""
    require_joined(ctx)
    asker = await _asker(ctx)
    question, new = await service.ask(
        ctx.session, class_id_of(ctx), asker, payload.text, anonymous=payload.anonymous,
        premoderate=await _premoderate(ctx), request_key=payload.request_id,
        now=ctx.clock.now(),
    )  # fmt: skip
    if new:
        await _send(ctx, question)
    return service.out(question, tag=asker.tag).model_dump(mode="json")


async def _own_change(ctx: EventCtx, question_id: int) -> tuple[Question, str]:
    """My question, claimed for a change (``service.claim``), and my pseudonym."""
    require_joined(ctx)
    asker = await _asker(ctx)
    return await service.claim(ctx.session, class_id_of(ctx), question_id), asker.tag


@classroom.event("qa_edit", payload=EditIn, rate=(20, 60.0))
async def qa_edit(ctx: EventCtx, payload: EditIn) -> dict[str, Any]:
    question, tag = await _own_change(ctx, payload.question_id)
    await service.edit(ctx.session, question, tag, payload.text,
                       premoderate=await _premoderate(ctx), now=ctx.clock.now())  # fmt: skip
    await _send(ctx, question)
    return service.out(question, tag=tag).model_dump(mode="json")


@classroom.event("qa_withdraw", payload=QuestionRef, rate=(20, 60.0))
async def qa_withdraw(ctx: EventCtx, payload: QuestionRef) -> dict[str, Any]:
    question, tag = await _own_change(ctx, payload.question_id)
    await service.withdraw(ctx.session, question, tag)
    await _send(ctx, question)
    return service.out(question, tag=tag).model_dump(mode="json")


@classroom.event("qa_vote", payload=VoteIn, rate=(60, 10.0))
async def qa_vote(ctx: EventCtx, payload: VoteIn) -> dict[str, Any]:
    """Upvote once (or take it back); acknowledged at once, the class's count follows."""
    question, tag = await _own_change_free(ctx, payload.question_id)
    await service.vote(ctx.session, question, tag, payload.up)
    tallies, cs_id, qid = ctx.app[QA_TALLIES], class_id_of(ctx), question.id

    async def later() -> None:
        tallies.touch(cs_id, qid)

    ctx.after_commit(later)
    return {"question_id": question.id, "votes": question.votes, "voted": payload.up}


async def _own_change_free(ctx: EventCtx, question_id: int) -> tuple[Question, str]:
    """The question and my pseudonym, for acting on anyone's question (voting)."""
    require_joined(ctx)
    asker = await _asker(ctx)
    question = await service.get(ctx.session, class_id_of(ctx), question_id)
    elsewhere = question.group_id is not None and question.group_id != asker.group_id
    groups_open = await breakout_rounds.current(ctx.app[LIVE], class_id_of(ctx)) is not None
    if elsewhere and groups_open and not is_staff(ctx):
        raise Problem("not-found", f"No question {question_id} here.")
    return question, asker.tag


async def _staff_action(ctx: EventCtx, question_id: int) -> Question:
    """The question, claimed for a moderator's change: changes of one question are made one
    after another, each from the state the one before left (``service.claim``)."""
    require_grant(ctx, Grant.MODERATE)
    return await service.claim(ctx.session, class_id_of(ctx), question_id)


@classroom.event("qa_moderate", payload=ModerateIn, rate=(120, 10.0))
async def qa_moderate(ctx: EventCtx, payload: ModerateIn) -> dict[str, Any]:
    question = await service.moderate(ctx.session, await _staff_action(ctx, payload.question_id),
                                      payload.action)  # fmt: skip
    await _send(ctx, question)
    return service.out(question).model_dump(mode="json")


@classroom.event("qa_merge", payload=MergeIn, rate=(60, 10.0))
async def qa_merge(ctx: EventCtx, payload: MergeIn) -> dict[str, Any]:
    require_grant(ctx, Grant.MODERATE)
    duplicate, into = await service.claim_pair(ctx.session, class_id_of(ctx),
                                               payload.question_id, payload.into)  # fmt: skip
    await service.merge(ctx.session, duplicate, into)
    await _send(ctx, duplicate)
    await _send(ctx, into)
    return service.out(into).model_dump(mode="json")


@classroom.event("qa_reply", payload=ReplyIn, rate=(60, 10.0))
async def qa_reply(ctx: EventCtx, payload: ReplyIn) -> dict[str, Any]:
    question = await service.reply(ctx.session, await _staff_action(ctx, payload.question_id),
                                   payload.text, payload.live)  # fmt: skip
    await _send(ctx, question)
    return service.out(question).model_dump(mode="json")


@classroom.event("qa_pin", payload=PinIn, rate=(60, 10.0))
async def qa_pin(ctx: EventCtx, payload: PinIn) -> dict[str, Any]:
    require_grant(ctx, Grant.MODERATE)
    if payload.pinned:
        await service.hold_pins(ctx.session, class_id_of(ctx))
    question = await _staff_action(ctx, payload.question_id)
    for changed in await service.pin(ctx.session, question, payload.pinned):
        await _send(ctx, changed)  # the one unpinned too: every page shows one pin
    return service.out(question).model_dump(mode="json")


@classroom.event("qa_mute", payload=QuestionRef, rate=(30, 10.0))
async def qa_mute(ctx: EventCtx, payload: QuestionRef) -> dict[str, Any]:
    """Pause whoever asked this from asking more, without learning who it is. The question
    itself does not change (nothing to claim or tell the class)."""
    require_grant(ctx, Grant.MODERATE)
    question = await service.get(ctx.session, class_id_of(ctx), payload.question_id)
    await service.mute(ctx.session, question, ctx.clock.now())
    return {"muted": True}


@classroom.event("qa_mode", payload=ModeIn, rate=(20, 60.0))
async def qa_mode(ctx: EventCtx, payload: ModeIn) -> dict[str, Any]:
    require_grant(ctx, Grant.MODERATE)
    value = "pre" if payload.mode == "pre" else ""
    await presence.set_flags(ctx.app[LIVE], class_id_of(ctx), {"qa_mode": value})
    ctx.emit("qa_mode", {"mode": payload.mode}, to=room(class_id_of(ctx)))
    return {"mode": payload.mode}


@classroom.event("qa_list", payload=ListIn, rate=(30, 10.0))
async def qa_list(ctx: EventCtx, payload: ListIn) -> dict[str, Any]:
    """The questions I may see, sorted; each says whether it is mine and whether I voted."""
    asker = await _own_asker(ctx)
    groups_open = await breakout_rounds.current(ctx.app[LIVE], class_id_of(ctx)) is not None
    questions = await service.visible(ctx.session, class_id_of(ctx), staff=is_staff(ctx),
                                      tag=asker.tag, group_id=asker.group_id,
                                      groups_open=groups_open)  # fmt: skip
    voted = await service.voted_by(ctx.session, [q.id for q in questions], asker.tag)
    await service.refresh_votes(ctx.session, questions)
    mode = "pre" if await _premoderate(ctx) else "none"
    return {"mode": mode, "questions": [
        service.out(q, tag=asker.tag, voted=voted).model_dump(mode="json")
        for q in service.ordered(questions, payload.sort)]}  # fmt: skip


async def _own_asker(ctx: EventCtx) -> service.Asker:
    require_joined(ctx)
    return await _asker(ctx)


async def polls_context(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: the class pseudonym keys and the vote-count pushes of this node."""
    app[PSEUDONYMS] = Pseudonyms(app[SECRET_KEY])

    async def flush(class_session_id: int, question_ids: set[int]) -> None:
        async with app[DATABASE].unit_of_work(request_id="qa:tally") as session:
            questions = list((await session.scalars(
                select(Question).where(Question.id.in_(question_ids)))).all())  # fmt: skip
            await service.refresh_votes(session, questions)
            counts = {str(q.id): q.votes for q in questions}
        await app[SIO].emit("qa_votes", {"counts": counts}, to=room(class_session_id),
                            namespace=NAMESPACE)  # fmt: skip

    app[QA_TALLIES] = Tallies(flush, TALLY_INTERVAL_S)
    yield
    await app[QA_TALLIES].close()
