"""A live breakout round: open the groups with a duration, move people, extend, close (now or
after a last countdown), warn before the end. The round lives in the shared live state (so
every node sees the same groups and clock, and a restarted node carries on) and on record
(the round, its plan and clock, the warnings given, and every move, for attendance). If the
live state is lost (Redis restarted empty), the first join that finds no round puts the open
one back from the record, so the groups survive and no warning is given twice. Plain async
functions; no socket.io here."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.auth import service as auth
from server.core.errors import Problem
from server.core.live import LiveState
from server.lms import service as lms
from server.rooms import presence
from server.rooms.breakout import service
from server.rooms.breakout.models import BreakoutMove, BreakoutRound, BreakoutSet
from server.rooms.breakout.schemas import GroupOut, RoundOut

log = structlog.get_logger("baeum.rooms")


def _space(class_session_id: int) -> str:
    return f"class:{class_session_id}:breakout"


@dataclass
class Round:
    round_id: int
    set_id: int
    ends_at: datetime
    closing_at: datetime | None
    warnings_s: list[int]
    groups: dict[int, str]  # id → name, in order
    plan: dict[int, int] = field(default_factory=dict)  # member → group
    names: dict[int, str] = field(default_factory=dict)  # members' names, for every client
    opened_at: datetime | None = None
    warned_s: list[int] = field(default_factory=list)  # given before a restore, for this end

    def fields(self) -> dict[str, str]:
        return {
            "round": str(self.round_id), "set": str(self.set_id),
            "ends_at": self.ends_at.isoformat(),
            "closing_at": self.closing_at.isoformat() if self.closing_at else "",
            "warnings": json.dumps(self.warnings_s),
            "groups": json.dumps([[gid, name] for gid, name in self.groups.items()]),
            "plan": json.dumps({str(u): g for u, g in self.plan.items()}),
            "names": json.dumps({str(u): n for u, n in self.names.items()}),
            "opened_at": self.opened_at.isoformat() if self.opened_at else "",
            "warned": json.dumps(self.warned_s),
        }  # fmt: skip

    @classmethod
    def parse(cls, f: dict[str, str]) -> Round:
        return cls(
            round_id=int(f["round"]), set_id=int(f["set"]),
            ends_at=datetime.fromisoformat(f["ends_at"]),
            closing_at=datetime.fromisoformat(f["closing_at"]) if f.get("closing_at") else None,
            warnings_s=json.loads(f["warnings"]),
            groups={int(gid): name for gid, name in json.loads(f["groups"])},
            plan={int(u): int(g) for u, g in json.loads(f["plan"]).items()},
            names={int(u): n for u, n in json.loads(f.get("names", "{}")).items()},
            opened_at=datetime.fromisoformat(f["opened_at"]) if f.get("opened_at") else None,
            warned_s=json.loads(f.get("warned", "[]")),
        )  # fmt: skip

    @property
    def deadline(self) -> datetime:
        """When the groups close: the end, or sooner if a last countdown was started."""
        return min(self.ends_at, self.closing_at) if self.closing_at else self.ends_at

    def out(self, entries: list[presence.Entry], my_group: int | None, now: datetime) -> RoundOut:
        members: dict[int, list[int]] = {gid: [] for gid in self.groups}
        for user_id, gid in sorted(self.plan.items()):
            members.setdefault(gid, []).append(user_id)
        visitors = {e.user_id: e.group_id for e in entries if e.visiting and e.group_id}
        return RoundOut(
            round_id=self.round_id, set_id=self.set_id, ends_at=self.ends_at,
            closing_at=self.closing_at, my_group=my_group, server_time=now,
            names={**self.names, **{e.user_id: e.name for e in entries}},
            groups=[GroupOut(id=gid, name=name, position=n, capacity=None,
                             members=members.get(gid, []),
                             visitors=sorted(u for u, g in visitors.items() if g == gid))
                    for n, (gid, name) in enumerate(self.groups.items())],
        )  # fmt: skip


async def current(live: LiveState, class_session_id: int) -> Round | None:
    fields = await live.presence_get(_space(class_session_id), "round")
    return Round.parse(fields) if fields else None


async def _save(session: AsyncSession, live: LiveState, class_session_id: int, rnd: Round) -> None:
    """The round in the live state, and its plan and clock on record (for a restore)."""
    await live.presence_set(_space(class_session_id), "round", rnd.fields())
    await session.execute(update(BreakoutRound).where(BreakoutRound.id == rnd.round_id).values(
        ends_at=rnd.ends_at, closing_at=rnd.closing_at, warnings=rnd.warnings_s,
        plan={str(u): g for u, g in rnd.plan.items()},
    ))  # fmt: skip


async def restore(
    session: AsyncSession, live: LiveState, class_session_id: int, now: datetime
) -> Round | None:
    """The class's open round from the record, back in the live state, when the live state has
    none (Redis lost it). A round whose time ran out meanwhile is closed on record at its
    deadline instead. Of several restoring at once (a class rejoining), the first writes it and
    the others take what is there, which may already have moved on."""
    record = await session.scalar(
        select(BreakoutRound)
        .where(BreakoutRound.class_session_id == class_session_id,
               BreakoutRound.closed_at.is_(None))
        .order_by(BreakoutRound.id.desc()).limit(1)
    )  # fmt: skip
    if record is None:
        return None
    rnd = Round(
        record.id, record.set_id, record.ends_at, record.closing_at, record.warnings or [],
        {g.id: g.name for g in await service.groups_of(session, record.set_id)},
        {int(u): g for u, g in record.plan.items()} if record.plan is not None
        else await service.members_of(session, record.set_id),
        opened_at=record.opened_at, warned_s=record.warned or [],
    )  # fmt: skip
    if now >= rnd.deadline:
        record.closed_at = rnd.deadline
        return None
    rnd.names = await auth.names_of(session, sorted(rnd.plan))
    if not await live.presence_add(_space(class_session_id), "round", rnd.fields()):
        return await current(live, class_session_id)  # restored (and maybe changed) meanwhile
    log.warning("breakout round restored from the record", class_session_id=class_session_id,
                round_id=rnd.round_id)  # fmt: skip
    return rnd


async def _check_set_of_class(
    session: AsyncSession, group_set: BreakoutSet, class_session_id: int
) -> None:
    class_session = await lms.get_class_session(session, class_session_id)
    if group_set.class_session_id not in (None, class_session_id) or (
        group_set.cohort_id not in (None, class_session.cohort_id)
    ):
        raise Problem("not-found", f"No breakout set {group_set.id} for this class.")


async def open_round(
    session: AsyncSession,
    live: LiveState,
    class_session_id: int,
    *,
    set_id: int,
    minutes: float,
    warnings_s: list[int],
    opened_by: int,
    now: datetime,
) -> Round:
    """Everyone moves at once: the set's members to their groups, everyone else stays."""
    if await current(live, class_session_id) is not None:
        raise Problem("conflict", "Groups are already open; close them first.")
    group_set = await service.get_set(session, set_id)
    await _check_set_of_class(session, group_set, class_session_id)
    groups = await service.groups_of(session, set_id)
    plan = await service.members_of(session, set_id)
    if not plan:
        raise Problem("validation-error", "Nobody is placed in this set's groups yet.")
    ends_at = now + timedelta(minutes=minutes)
    record = BreakoutRound(class_session_id=class_session_id, set_id=set_id, opened_at=now,
                           ends_at=ends_at, opened_by=opened_by)  # fmt: skip
    session.add(record)
    await session.flush()
    rnd = Round(record.id, set_id, ends_at, None, sorted(set(warnings_s), reverse=True),
                {g.id: g.name for g in groups}, plan,
                await auth.names_of(session, sorted(plan)), now)  # fmt: skip
    await _save(session, live, class_session_id, rnd)
    for entry in await presence.everyone(live, class_session_id):
        if entry.user_id in plan:
            await _place(
                session, live, class_session_id, rnd, entry.user_id, plan[entry.user_id], now
            )
    return rnd


async def _place(
    session: AsyncSession,
    live: LiveState,
    class_session_id: int,
    rnd: Round,
    user_id: int,
    group_id: int | None,
    now: datetime,
    *,
    visiting: bool = False,
) -> presence.Entry | None:
    """Someone is now in this group (or the main room): live, and on record."""
    fields = {"group": str(group_id or ""), "visiting": "1" if visiting else "", "help": ""}
    entry = await presence.update(live, class_session_id, user_id, fields)
    if entry is not None:
        session.add(BreakoutMove(round_id=rnd.round_id, user_id=user_id, group_id=group_id,
                                 at=now, visiting=visiting))  # fmt: skip
    return entry


async def move(
    session: AsyncSession,
    live: LiveState,
    class_session_id: int,
    user_id: int,
    group_id: int | None,
    now: datetime,
) -> Round:
    """Move someone while the groups are open (their place in the plan follows)."""
    rnd = await _open(live, class_session_id)
    if group_id is not None and group_id not in rnd.groups:
        raise Problem("not-found", f"No group {group_id} in the open round.")
    if group_id is None:
        rnd.plan.pop(user_id, None)
    else:
        rnd.plan[user_id] = group_id
    await _save(session, live, class_session_id, rnd)
    await _place(session, live, class_session_id, rnd, user_id, group_id, now)
    return rnd


async def visit(
    session: AsyncSession,
    live: LiveState,
    class_session_id: int,
    user_id: int,
    group_id: int | None,
    now: datetime,
) -> Round:
    """Staff look into a group (or come back to the main room) without becoming members."""
    rnd = await _open(live, class_session_id)
    if group_id is not None and group_id not in rnd.groups:
        raise Problem("not-found", f"No group {group_id} in the open round.")
    await _place(session, live, class_session_id, rnd, user_id, group_id, now,
                 visiting=group_id is not None)  # fmt: skip
    return rnd


async def on_join(
    session: AsyncSession, live: LiveState, class_session_id: int, user_id: int, now: datetime
) -> tuple[Round, int | None] | None:
    """A late joiner or someone back from a drop goes straight to their own group."""
    rnd = await current(live, class_session_id) or await restore(
        session, live, class_session_id, now
    )
    if rnd is None:
        return None
    entry = await presence.get(live, class_session_id, user_id)
    if entry is not None and entry.visiting:
        return rnd, entry.group_id
    group_id = rnd.plan.get(user_id)
    if entry is not None and entry.group_id != group_id:
        await _place(session, live, class_session_id, rnd, user_id, group_id, now)
    return rnd, group_id


async def _open(live: LiveState, class_session_id: int) -> Round:
    rnd = await current(live, class_session_id)
    if rnd is None:
        raise Problem("conflict", "No groups are open.")
    return rnd


async def speak_everywhere(live: LiveState, class_session_id: int, user_id: int, on: bool) -> None:
    """The instructor's voice into every group (a spoken broadcast), or back to one room."""
    await _open(live, class_session_id)
    await presence.update(live, class_session_id, user_id, {"everywhere": "1" if on else ""})


async def extend(
    session: AsyncSession, live: LiveState, class_session_id: int, minutes: float
) -> Round:
    """A new end: the warnings are given again before it."""
    rnd = await _open(live, class_session_id)
    rnd.ends_at += timedelta(minutes=minutes)
    rnd.closing_at = None
    rnd.warned_s = []
    await _save(session, live, class_session_id, rnd)
    await session.execute(
        update(BreakoutRound).where(BreakoutRound.id == rnd.round_id).values(warned=None)
    )
    return rnd


async def start_closing(
    session: AsyncSession, live: LiveState, class_session_id: int, at: datetime
) -> Round:
    """A last countdown: the groups close at ``at``."""
    rnd = await _open(live, class_session_id)
    rnd.closing_at = at
    await _save(session, live, class_session_id, rnd)
    return rnd


async def close_round(
    session: AsyncSession, live: LiveState, class_session_id: int, now: datetime
) -> Round:
    """Everyone back to the main room; the round ends on record."""
    rnd = await _open(live, class_session_id)
    await live.presence_remove(_space(class_session_id), "round")
    for entry in await presence.everyone(live, class_session_id):
        if entry.group_id is not None or entry.help_at is not None:
            await _place(session, live, class_session_id, rnd, entry.user_id, None, now)
    for user_id in await presence.heard_everywhere(live, class_session_id):
        await presence.update(live, class_session_id, user_id, {"everywhere": ""})
    await session.execute(
        update(BreakoutRound).where(BreakoutRound.id == rnd.round_id).values(closed_at=now)
    )
    return rnd


async def due(live: LiveState, class_session_id: int, now: datetime) -> tuple[list[int], bool]:
    """What the clock asks for now: warnings (seconds left) not given yet, and whether to close.
    Each warning is given once across every node (a shared counter decides) and across a loss
    of the live state (the restored round knows from the record which were given)."""
    rnd = await current(live, class_session_id)
    if rnd is None:
        return [], False
    if now >= rnd.deadline:
        return [], True
    crossed = [s for s in _crossed(rnd, now) if s not in rnd.warned_s]
    if rnd.closing_at is not None or not crossed:
        return [], False
    # only the most urgent warning crossed is given; the ones it passed are spent with it
    fresh = [await live.incr(f"breakout:{class_session_id}:{rnd.round_id}:"
                             f"{rnd.ends_at.isoformat()}:{s}") == 1 for s in crossed]  # fmt: skip
    warnings = [crossed[0]] if fresh[0] else []
    return warnings, False


def _crossed(rnd: Round, now: datetime) -> list[int]:
    left = (rnd.ends_at - now).total_seconds()
    return sorted(s for s in rnd.warnings_s if left <= s)


async def record_warned(
    session: AsyncSession, live: LiveState, class_session_id: int, now: datetime
) -> None:
    """After a warning is given: every warning the clock has passed for the round's current
    end is on record as given (the ones passed with it are spent too), for a restore. Written
    only while the end is the same, so a late write cannot undo an extension's fresh start."""
    rnd = await current(live, class_session_id)
    if rnd is None:
        return
    await session.execute(
        update(BreakoutRound)
        .where(BreakoutRound.id == rnd.round_id, BreakoutRound.ends_at == rnd.ends_at)
        .values(warned=_crossed(rnd, now))
    )  # fmt: skip


async def history(
    session: AsyncSession, class_session_id: int
) -> list[tuple[BreakoutRound, list[BreakoutMove]]]:
    """Every round of the class with its moves: who was in which group when."""
    rounds = list((await session.scalars(
        select(BreakoutRound).where(BreakoutRound.class_session_id == class_session_id)
        .order_by(BreakoutRound.id)
    )).all())  # fmt: skip
    out = []
    for rnd in rounds:
        moves = await session.scalars(
            select(BreakoutMove).where(BreakoutMove.round_id == rnd.id).order_by(BreakoutMove.id)
        )
        out.append((rnd, list(moves)))
    return out
