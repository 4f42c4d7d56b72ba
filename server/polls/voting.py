"""The rules of polls: prepare (a course's bank or one class's), launch live (to the class or
one breakout group, optionally on a timer), answer once per person and item (a retry is the
same answer; a change of mind replaces it, except in a quiz), close, show results, and the
figures completion rules use. Plain async functions over a session."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.db import get_or_404, insert_unless_taken
from server.core.errors import Problem
from server.lms import service as lms
from server.polls import tallies
from server.polls.models import Poll, PollAnswer, PollItem, PollRun
from server.polls.schemas import ItemOut, LaunchIn, PollIn, PollOut
from server.xapi import outbox as xapi_outbox

OPEN, CLOSED = "open", "closed"
KEYS_KEPT = 20  # request ids remembered per answer, so a late replay changes nothing


async def create_poll(
    session: AsyncSession, body: PollIn, now: datetime, *, course_id: int | None = None,
    class_session_id: int | None = None,
) -> Poll:  # fmt: skip
    poll = Poll(course_id=course_id, class_session_id=class_session_id, title=body.title,
                anonymous=body.anonymous, leaderboard=body.leaderboard, created_at=now)  # fmt: skip
    session.add(poll)
    await session.flush()
    session.add_all(
        PollItem(poll_id=poll.id, position=n, kind=i.kind, prompt=i.prompt, options=i.options,
                 scale=i.scale, correct=i.correct, points=i.points)
        for n, i in enumerate(body.items)
    )  # fmt: skip
    await session.flush()
    return poll


async def get_poll(session: AsyncSession, poll_id: int) -> Poll:
    return await get_or_404(session, Poll, poll_id, "poll")


async def delete_poll(session: AsyncSession, poll_id: int) -> None:
    poll = await get_poll(session, poll_id)
    launched = await session.scalar(select(PollRun.id).where(PollRun.poll_id == poll.id).limit(1))
    if launched is not None:
        raise Problem("conflict", "This poll was launched; its results are on record.")
    for item in await items_of(session, poll.id):
        await session.delete(item)
    await session.delete(poll)


async def items_of(session: AsyncSession, poll_id: int) -> list[PollItem]:
    stmt = select(PollItem).where(PollItem.poll_id == poll_id).order_by(PollItem.position)
    return list((await session.scalars(stmt)).all())


async def poll_out(session: AsyncSession, poll: Poll) -> PollOut:
    return PollOut(
        id=poll.id, title=poll.title, anonymous=poll.anonymous, leaderboard=poll.leaderboard,
        course_id=poll.course_id, class_session_id=poll.class_session_id,
        items=[ItemOut.model_validate(i) for i in await items_of(session, poll.id)],
    )  # fmt: skip


async def polls_for_class(session: AsyncSession, class_session_id: int) -> list[Poll]:
    """The class's own polls and its course's bank (reused by every cohort)."""
    class_session = await lms.get_class_session(session, class_session_id)
    cohort = await lms.get_cohort(session, class_session.cohort_id)
    stmt = select(Poll).where(
        (Poll.class_session_id == class_session_id) | (Poll.course_id == cohort.course_id)
    )
    return list((await session.scalars(stmt.order_by(Poll.id))).all())


async def launch(session: AsyncSession, class_session_id: int, body: LaunchIn,
                 now: datetime) -> tuple[PollRun, Poll]:  # fmt: skip
    poll = await get_or_404(session, Poll, body.poll_id, "poll")
    if poll.id not in {p.id for p in await polls_for_class(session, class_session_id)}:
        raise Problem("not-found", f"No poll {poll.id} for this class.")
    closes = now + timedelta(seconds=body.timer_s) if body.timer_s else None
    run = PollRun(poll_id=poll.id, class_session_id=class_session_id, group_id=body.group_id,
                  state=OPEN, results_shown=body.results_shown, anonymous=poll.anonymous,
                  opened_at=now, closes_at=closes)  # fmt: skip
    session.add(run)
    await session.flush()
    return run, poll


async def get_run(session: AsyncSession, class_session_id: int, run_id: int) -> PollRun:
    run = await get_or_404(session, PollRun, run_id, "poll run")
    if run.class_session_id != class_session_id:
        raise Problem("not-found", f"No poll run {run_id} in this class.")
    return run


def _item(item: PollItem) -> tallies.Item:
    return tallies.Item(item.kind, item.options, item.scale, item.correct)


async def answer(
    session: AsyncSession, run: PollRun, item_id: int, tag: str, user_id: int, value: Any,
    request_key: str | None, now: datetime,
) -> Answered:  # fmt: skip
    """One answer per person and item. The same request again is a retry (no change);
    two submits at once still make one answer (the database's unique key decides)."""
    if run.state != OPEN:
        raise Problem("conflict", "This poll is closed.")
    item = await get_or_404(session, PollItem, item_id, "poll item")
    if item.poll_id != run.poll_id:
        raise Problem("not-found", f"No item {item_id} in this poll.")
    try:
        clean = tallies.validate(_item(item), value)
    except tallies.BadAnswer as exc:
        errors = [{"loc": ["value"], "msg": str(exc)}]
        raise Problem("validation-error", str(exc), errors=errors) from None
    row = {
        "run_id": run.id,
        "item_id": item.id,
        "voter_tag": tag,
        "value": clean,
        "user_id": None if run.anonymous else user_id,
        "request_keys": [request_key] if request_key else [],
        "at": now,
    }
    if await insert_unless_taken(session, PollAnswer, row) is not None:  # the common case
        await xapi_outbox.poll_answered(session, class_session_id=run.class_session_id,
            anonymous=run.anonymous, poll_id=run.poll_id, item_id=item.id, kind=item.kind,
            prompt=item.prompt, user_id=user_id, value=clean, at=now)  # fmt: skip
        return Answered(clean, True)
    earlier = await session.scalar(select(PollAnswer).where(
        PollAnswer.run_id == run.id, PollAnswer.item_id == item.id,
        PollAnswer.voter_tag == tag))  # fmt: skip
    if earlier is None:  # pragma: no cover - the row that blocked the insert cannot vanish
        raise Problem("conflict", "Your answer is being recorded; try again.")
    return _again(earlier, item, clean, request_key, now)


@dataclass(frozen=True)
class Answered:
    value: dict[str, Any]
    changed: bool  # counts moved: the results need pushing


def _again(earlier: PollAnswer, item: PollItem, clean: dict[str, Any], request_key: str | None,
           now: datetime) -> Answered:  # fmt: skip
    """A second submit for the same item: a replay of any submit already seen changes
    nothing (even one that lost a race, or one older than a later change of mind)."""
    seen = list(earlier.request_keys or [])
    if request_key is not None and request_key in seen:
        return Answered(earlier.value, False)
    if request_key is not None:
        earlier.request_keys = [*seen, request_key][-KEYS_KEPT:]
    if earlier.value == clean:
        return Answered(earlier.value, False)
    if item.kind == "quiz":
        raise Problem("conflict", "A quiz answer is final.")
    earlier.value, earlier.at = clean, now
    return Answered(clean, True)


async def close(session: AsyncSession, run: PollRun, now: datetime) -> PollRun:
    if run.state == CLOSED:
        raise Problem("conflict", "This poll is already closed.")
    run.state, run.closed_at = CLOSED, now
    return run


async def results(session: AsyncSession, run: PollRun, *, reveal: bool) -> dict[str, Any]:
    """Every item's tally; quiz answers and the leaderboard once ``reveal`` (closed or shown)."""
    items = await items_of(session, run.poll_id)
    rows = (await session.execute(  # plain rows: a push reads every answer, every 200 ms
        select(PollAnswer.item_id, PollAnswer.voter_tag, PollAnswer.value)
        .where(PollAnswer.run_id == run.id))).all()  # fmt: skip
    by_item: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_item[row.item_id].append(row.value)
    out: dict[str, Any] = {"run_id": run.id, "respondents": len({r.voter_tag for r in rows}),
                           "answers": len(rows), "items": []}  # fmt: skip
    for item in items:
        tally = tallies.tally(_item(item), by_item[item.id])
        if item.kind == "quiz" and reveal:
            tally["correct"] = item.correct
        out["items"].append({"item_id": item.id, **tally})
    poll = await session.get(Poll, run.poll_id)
    if reveal and poll is not None and poll.leaderboard:
        out["leaderboard"] = _leaderboard(items, rows)
    return out


def _leaderboard(items: list[PollItem], rows: Any) -> list[dict[str, Any]]:
    points = {i.id: (i, i.points) for i in items if i.kind == "quiz"}
    scores: dict[str, int] = defaultdict(int)
    for row in rows:
        if row.item_id in points:
            item, worth = points[row.item_id]
            scores[row.voter_tag] += worth if tallies.is_correct(_item(item), row.value) else 0
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    return [{"name": tallies.pseudonym(tag), "score": score} for tag, score in ranked]


async def my_answers(
    session: AsyncSession, run_ids: list[int], tag: str
) -> dict[int, dict[int, Any]]:
    """run → item → my answer, for a client that reconnects."""
    if not run_ids:
        return {}
    rows = await session.scalars(select(PollAnswer).where(
        PollAnswer.run_id.in_(run_ids), PollAnswer.voter_tag == tag))  # fmt: skip
    mine: dict[int, dict[int, Any]] = defaultdict(dict)
    for row in rows:
        mine[row.run_id][row.item_id] = row.value
    return mine


async def runs_of(session: AsyncSession, class_session_id: int) -> list[PollRun]:
    stmt = select(PollRun).where(PollRun.class_session_id == class_session_id)
    return list((await session.scalars(stmt.order_by(PollRun.id))).all())


async def due(session: AsyncSession, class_session_id: int, now: datetime) -> list[PollRun]:
    """Open runs whose timer has run out."""
    stmt = select(PollRun).where(
        PollRun.class_session_id == class_session_id, PollRun.state == OPEN,
        PollRun.closes_at.is_not(None), PollRun.closes_at <= now,
    )  # fmt: skip
    return list((await session.scalars(stmt)).all())


async def participation(session: AsyncSession, class_session_id: int) -> dict[int, dict[str, Any]]:
    """Per person, from the polls kept with names (anonymous ones cannot be attributed): how
    many of the class's named runs they answered and their quiz score."""
    named = [r for r in await runs_of(session, class_session_id) if not r.anonymous]
    if not named:
        return {}
    rows = (await session.scalars(select(PollAnswer).where(
        PollAnswer.run_id.in_([r.id for r in named])))).all()  # fmt: skip
    items = {i.id: i for r in named for i in await items_of(session, r.poll_id)}
    figures: dict[int, dict[str, Any]] = {}
    for row in rows:
        if row.user_id is None:
            continue
        mine = figures.setdefault(row.user_id, {"runs": set(), "score": 0, "of": len(named)})
        mine["runs"].add(row.run_id)
        item = items.get(row.item_id)
        if item is not None and tallies.is_correct(_item(item), row.value):
            mine["score"] += item.points
    return {uid: {"answered": len(f["runs"]), "of": f["of"], "score": f["score"]}
            for uid, f in figures.items()}  # fmt: skip
