"""Polls on the class socket (/class): the instructor makes or launches one (to the class or a
breakout group, on a timer or not), participants answer (acknowledged at once), results follow
at a bounded rate to whoever may see them, and closing reveals quiz answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from aiohttp import web

from server.core.clock import wire_time
from server.core.errors import Problem
from server.core.events import EventCtx
from server.core.keys import CLOCK, DATABASE, LIVE, SIO
from server.polls import voting
from server.polls.events import my_tag
from server.polls.models import PollRun
from server.polls.schemas import AnswerIn, LaunchIn, PollIn, RunRef, ShowIn
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
from server.rooms.node import ROOMS
from server.rooms.schemas import Grant

POLL_TALLIES: web.AppKey[Tallies] = web.AppKey("poll_tallies", Tallies)
TALLY_INTERVAL_S = 0.2


async def _rooms(app: web.Application, run: PollRun) -> list[str]:
    """Who sees a run: the class, or the people in its breakout group (staff always)."""
    if run.group_id is None:
        return [room(run.class_session_id)]
    entries = await presence.everyone(app[LIVE], run.class_session_id)
    return [staff_room(run.class_session_id)] + [
        person_room(run.class_session_id, e.user_id) for e in entries if e.group_id == run.group_id
    ]


async def _emit(app: web.Application, run: PollRun, event: str, body: Any, *, public: bool) -> None:
    sio = app[SIO]
    targets = await _rooms(app, run) if public else [staff_room(run.class_session_id)]
    for target in targets:
        await sio.emit(event, body, to=target, namespace=NAMESPACE)


def _later(ctx: EventCtx, run: PollRun, event: str, body: Any, *, public: bool = True) -> None:
    app = ctx.app

    async def send() -> None:
        await _emit(app, run, event, body, public=public)

    ctx.after_commit(send)


def _run_out(run: PollRun, poll_title: str, items: list[Any], now: datetime) -> dict[str, Any]:
    """A run as pages show it (``server_time``: for an exact countdown on any device)."""
    return {
        "server_time": wire_time(now), "run_id": run.id, "poll_id": run.poll_id,
        "title": poll_title, "state": run.state, "anonymous": run.anonymous,
        "group_id": run.group_id, "results_shown": run.results_shown,
        "closes_at": wire_time(run.closes_at) if run.closes_at else None,
        "items": [i.model_dump(mode="json") for i in items],
    }  # fmt: skip


async def _body(ctx: EventCtx, run: PollRun, poll: Any) -> dict[str, Any]:
    items = (await voting.poll_out(ctx.session, poll)).items
    return _run_out(run, poll.title, items, ctx.clock.now())


@classroom.event("poll_create", payload=PollIn, rate=(20, 60.0))
async def poll_create(ctx: EventCtx, payload: PollIn) -> dict[str, Any]:
    """A poll made in class (the course's bank is prepared over HTTP)."""
    require_grant(ctx, Grant.MODERATE)
    poll = await voting.create_poll(ctx.session, payload, ctx.clock.now(),
                                    class_session_id=class_id_of(ctx))  # fmt: skip
    return (await voting.poll_out(ctx.session, poll)).model_dump(mode="json")


@classroom.event("poll_launch", payload=LaunchIn, rate=(20, 60.0))
async def poll_launch(ctx: EventCtx, payload: LaunchIn) -> dict[str, Any]:
    require_grant(ctx, Grant.MODERATE)
    if payload.each_group:
        return await _launch_in_every_group(ctx, payload)
    if payload.group_id is not None:
        rnd = await breakout_rounds.current(ctx.app[LIVE], class_id_of(ctx))
        if rnd is None or payload.group_id not in rnd.groups:
            raise Problem("not-found", f"No open breakout group {payload.group_id}.")
    run, poll = await voting.launch(ctx.session, class_id_of(ctx), payload, ctx.clock.now())
    body = _run_out(
        run, poll.title, (await voting.poll_out(ctx.session, poll)).items, ctx.clock.now()
    )
    _later(ctx, run, "poll_opened", body)
    return body


async def _launch_in_every_group(ctx: EventCtx, payload: LaunchIn) -> dict[str, Any]:
    """The same poll once per open breakout group, each seen and answered inside its group."""
    rnd = await breakout_rounds.current(ctx.app[LIVE], class_id_of(ctx))
    if rnd is None:
        raise Problem("conflict", "No breakout groups are open.")
    runs = []
    for group_id in rnd.groups:
        one = payload.model_copy(update={"group_id": group_id, "each_group": False})
        run, poll = await voting.launch(ctx.session, class_id_of(ctx), one, ctx.clock.now())
        body = _run_out(
            run, poll.title, (await voting.poll_out(ctx.session, poll)).items, ctx.clock.now()
        )
        _later(ctx, run, "poll_opened", body)
        runs.append(body)
    return {"runs": runs}


async def _visible_run(ctx: EventCtx, run_id: int) -> PollRun:
    run = await voting.get_run(ctx.session, class_id_of(ctx), run_id)
    if run.group_id is not None and not is_staff(ctx):
        me = await presence.get(ctx.app[LIVE], class_id_of(ctx), ctx.user_id)
        if me is None or me.group_id != run.group_id:
            raise Problem("not-found", f"No poll run {run_id} here.")
    return run


@classroom.event("poll_answer", payload=AnswerIn, rate=(120, 10.0))
async def poll_answer(ctx: EventCtx, payload: AnswerIn) -> dict[str, Any]:
    """My answer, acknowledged at once (a retry with the same request id changes nothing)."""
    require_joined(ctx)
    run = await _visible_run(ctx, payload.run_id)
    tag = await my_tag(ctx)
    saved = await voting.answer(ctx.session, run, payload.item_id, tag, ctx.user_id,
                                payload.value, payload.request_id, ctx.clock.now())  # fmt: skip
    if saved.changed:  # a retry or the same answer again moves no count
        tallies, cs_id, run_id = ctx.app[POLL_TALLIES], run.class_session_id, run.id

        async def count() -> None:
            tallies.touch(cs_id, run_id)

        ctx.after_commit(count)
    return {"run_id": run.id, "item_id": payload.item_id, "value": saved.value}


@classroom.event("poll_close", payload=RunRef, rate=(30, 10.0))
async def poll_close(ctx: EventCtx, payload: RunRef) -> dict[str, Any]:
    require_grant(ctx, Grant.MODERATE)
    run = await voting.get_run(ctx.session, class_id_of(ctx), payload.run_id)
    await voting.close(ctx.session, run, ctx.clock.now())
    results = await voting.results(ctx.session, run, reveal=True)
    _later(ctx, run, "poll_closed", {"run_id": run.id, "results": results if run.results_shown
                                     else None})  # fmt: skip
    _later(ctx, run, "poll_results", results, public=False)
    return results


@classroom.event("poll_show", payload=ShowIn, rate=(30, 10.0))
async def poll_show(ctx: EventCtx, payload: ShowIn) -> dict[str, Any]:
    """Show the results to everyone (or hide them again)."""
    require_grant(ctx, Grant.MODERATE)
    run = await voting.get_run(ctx.session, class_id_of(ctx), payload.run_id)
    run.results_shown = payload.shown
    results = await voting.results(ctx.session, run, reveal=run.state == voting.CLOSED)
    _later(ctx, run, "poll_shown", {"run_id": run.id, "shown": payload.shown,
                                    "results": results if payload.shown else None})  # fmt: skip
    return results


@classroom.event("poll_runs", rate=(30, 10.0))
async def poll_runs(ctx: EventCtx) -> dict[str, Any]:
    """The runs I may see, with my answers, and results where shown (or I am staff)."""
    require_joined(ctx)
    cs_id, staff = class_id_of(ctx), is_staff(ctx)
    me = await presence.get(ctx.app[LIVE], cs_id, ctx.user_id)
    group = me.group_id if me else None
    runs = [r for r in await voting.runs_of(ctx.session, cs_id)
            if staff or r.group_id is None or r.group_id == group]  # fmt: skip
    tag = await my_tag(ctx)
    mine = await voting.my_answers(ctx.session, [r.id for r in runs], tag)
    out = []
    for run in runs:
        poll = await voting.get_poll(ctx.session, run.poll_id)
        body = _run_out(
            run, poll.title, (await voting.poll_out(ctx.session, poll)).items, ctx.clock.now()
        )
        body["mine"] = {str(k): v for k, v in mine.get(run.id, {}).items()}
        if staff or run.results_shown:
            body["results"] = await voting.results(ctx.session, run,
                                                   reveal=run.state == voting.CLOSED)  # fmt: skip
        out.append(body)
    return {"runs": out}


async def tick(app: web.Application, class_session_id: int) -> None:
    """Polls on a timer close by themselves (from the node's sweeper)."""
    now = app[CLOCK].now()
    async with app[DATABASE].unit_of_work(request_id="polls:timer") as session:
        closed = []
        for run in await voting.due(session, class_session_id, now):
            await voting.close(session, run, now)
            closed.append((run, await voting.results(session, run, reveal=True)))
    for run, results in closed:
        await _emit(app, run, "poll_closed", {"run_id": run.id,
                                              "results": results if run.results_shown else None},
                    public=True)  # fmt: skip
        await _emit(app, run, "poll_results", results, public=False)


async def poll_context(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: this node's result pushes and the polls' timer."""

    async def flush(class_session_id: int, run_ids: set[int]) -> None:
        async with app[DATABASE].unit_of_work(request_id="polls:tally") as session:
            pushes = []
            for run_id in run_ids:
                run = await session.get(PollRun, run_id)
                if run is not None:
                    shown = run.results_shown
                    pushes.append((run, shown, await voting.results(
                        session, run, reveal=run.state == voting.CLOSED)))  # fmt: skip
        for run, shown, results in pushes:
            await _emit(app, run, "poll_results", results, public=shown)

    app[POLL_TALLIES] = Tallies(flush, TALLY_INTERVAL_S)
    app[ROOMS].tickers.append(lambda class_session_id: tick(app, class_session_id))
    yield
    await app[POLL_TALLIES].close()
