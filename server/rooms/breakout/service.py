"""The rules of breakout group sets: who may prepare them, whom they hold, and the ways to fill
them (by hand, at random, balanced by an attribute, by the participants' choice, from a
spreadsheet). Plain async functions over a session; the live round is in ``rounds.py``."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.auth import service as auth
from server.core.auth.roles import STAFF
from server.core.auth.service import Principal
from server.core.db import get_or_404
from server.core.errors import Problem
from server.lms import service as lms
from server.rooms.breakout import fill
from server.rooms.breakout.models import BreakoutGroup, BreakoutMember, BreakoutSet
from server.rooms.breakout.schemas import (
    Assignment,
    ChoiceGroupOut,
    ChoiceOut,
    FillIn,
    GroupOut,
    SetIn,
    SetOut,
)
from server.rooms.service import check_runs_class


async def create_set(
    session: AsyncSession,
    body: SetIn,
    now: datetime,
    *,
    cohort_id: int | None = None,
    class_session_id: int | None = None,
) -> BreakoutSet:
    names = body.groups if isinstance(body.groups, list) else [
        f"{n}조" for n in range(1, body.groups + 1)
    ]  # fmt: skip
    group_set = BreakoutSet(
        cohort_id=cohort_id,
        class_session_id=class_session_id,
        name=body.name,
        self_select=body.self_select,
        created_at=now,
    )
    session.add(group_set)
    await session.flush()
    session.add_all(
        BreakoutGroup(set_id=group_set.id, name=name, position=n, capacity=body.capacity)
        for n, name in enumerate(names)
    )
    await session.flush()
    return group_set


async def get_set(session: AsyncSession, set_id: int) -> BreakoutSet:
    return await get_or_404(session, BreakoutSet, set_id, "breakout set")


async def check_manages(
    session: AsyncSession, principal: Principal, group_set: BreakoutSet
) -> None:
    """Operators and admins; for a session's set its instructors and assistants; for a
    cohort's set the instructors and assistants of any of its sessions."""
    if principal.has(*STAFF):
        return
    if group_set.class_session_id is not None:
        await check_runs_class(session, principal, group_set.class_session_id)
    elif not await lms.teaches_cohort(session, group_set.cohort_id or 0, principal.user_id):
        raise Problem("forbidden", "Only the cohort's instructors or operators may do this.")


async def sets_for_class(session: AsyncSession, class_session_id: int) -> list[BreakoutSet]:
    """The class's own sets and its cohort's (reusable) sets."""
    class_session = await lms.get_class_session(session, class_session_id)
    stmt = (
        select(BreakoutSet)
        .where(
            (BreakoutSet.class_session_id == class_session_id)
            | (BreakoutSet.cohort_id == class_session.cohort_id)
        )
        .order_by(BreakoutSet.id)
    )
    return list((await session.scalars(stmt)).all())


async def pool(session: AsyncSession, group_set: BreakoutSet) -> list[int]:
    """Who the set may hold: the cohort's (or the session's cohort's) trainees."""
    if group_set.class_session_id is not None:
        return await lms.joinable_trainees(session, group_set.class_session_id)
    return await lms.cohort_trainees(session, group_set.cohort_id or 0)


async def groups_of(session: AsyncSession, set_id: int) -> list[BreakoutGroup]:
    stmt = select(BreakoutGroup).where(BreakoutGroup.set_id == set_id)
    return list((await session.scalars(stmt.order_by(BreakoutGroup.position))).all())


async def members_of(session: AsyncSession, set_id: int) -> dict[int, int]:
    """user id → group id for everyone placed in the set."""
    stmt = select(BreakoutMember.user_id, BreakoutMember.group_id).where(
        BreakoutMember.set_id == set_id
    )
    return {user_id: group_id for user_id, group_id in (await session.execute(stmt)).all()}


async def set_out(session: AsyncSession, group_set: BreakoutSet) -> SetOut:
    groups = await groups_of(session, group_set.id)
    members = await members_of(session, group_set.id)
    by_group: dict[int, list[int]] = {g.id: [] for g in groups}
    for user_id, group_id in sorted(members.items()):
        by_group[group_id].append(user_id)
    everyone = await pool(session, group_set)
    return SetOut(
        id=group_set.id, name=group_set.name, cohort_id=group_set.cohort_id,
        class_session_id=group_set.class_session_id, self_select=group_set.self_select,
        groups=[GroupOut(id=g.id, name=g.name, position=g.position, capacity=g.capacity,
                         members=by_group[g.id]) for g in groups],
        unassigned=[u for u in everyone if u not in members],
        names=await auth.names_of(session, sorted(set(everyone) | set(members))),
    )  # fmt: skip


async def _replace(
    session: AsyncSession, set_id: int, placement: Iterable[tuple[int, int]]
) -> None:
    await session.execute(delete(BreakoutMember).where(BreakoutMember.set_id == set_id))
    session.add_all(
        BreakoutMember(set_id=set_id, user_id=user_id, group_id=group_id)
        for user_id, group_id in placement
    )
    await session.flush()


async def assign(session: AsyncSession, group_set: BreakoutSet, changes: list[Assignment]) -> None:
    """Place people by hand (the console's drag and drop); null takes someone out."""
    groups = {g.id for g in await groups_of(session, group_set.id)}
    allowed = set(await pool(session, group_set))
    errors = [
        {"loc": ["assignments", n], "msg": problem}
        for n, change in enumerate(changes)
        if (problem := _bad_assignment(change, groups, allowed))
    ]
    if errors:
        raise Problem("validation-error", "Some assignments cannot be made.", errors=errors)
    members = await members_of(session, group_set.id)
    for change in changes:
        if change.group_id is None:
            members.pop(change.user_id, None)
        else:
            members[change.user_id] = change.group_id
    await _replace(session, group_set.id, members.items())


def _bad_assignment(change: Assignment, groups: set[int], allowed: set[int]) -> str | None:
    if change.user_id not in allowed:
        return f"user {change.user_id} is not a trainee of this class or cohort"
    if change.group_id is not None and change.group_id not in groups:
        return f"group {change.group_id} is not in this set"
    return None


async def fill_set(session: AsyncSession, group_set: BreakoutSet, body: FillIn) -> int:
    """Fill every group again from the pool; returns the seed used (to repeat it)."""
    groups = await groups_of(session, group_set.id)
    users = await auth.users_by_id(session, await pool(session, group_set))
    people = [
        fill.Person(
            u.id, u.login, u.name, u.org_unit or None, u.grade or None, u.job_series or None
        )
        for u in users
    ]  # an empty attribute is unknown, like a missing one
    if len(people) < len(groups):
        detail = f"{len(people)} trainees cannot fill {len(groups)} groups."
        raise Problem("validation-error", detail)
    seed = body.seed if body.seed is not None else secrets.randbelow(2**31)
    if body.mode == "random":
        split = fill.random_groups(people, len(groups), seed)
    else:
        assert body.attribute is not None
        split = fill.balanced_groups(
            people, len(groups), body.attribute, "together" if body.together else "spread", seed
        )
    placement = [(user_id, group.id) for group, ids in zip(groups, split, strict=True)
                 for user_id in ids]  # fmt: skip
    await _replace(session, group_set.id, placement)
    return seed


async def import_csv(session: AsyncSession, group_set: BreakoutSet, text: str) -> int:
    """Place everyone from a spreadsheet (login, group); all or nothing. Returns how many."""
    groups = {g.name: g.id for g in await groups_of(session, group_set.id)}
    parsed = fill.parse_csv(text, list(groups))
    errors = [{"loc": ["csv", f"line {e.line}"], "msg": e.message} for e in parsed.errors]
    ids = await auth.ids_by_login(session, [login for login, _ in parsed.rows])
    allowed = set(await pool(session, group_set))
    for login, _ in parsed.rows:
        if ids.get(login) not in allowed:
            errors.append({"loc": ["csv", login], "msg": f"{login} is not a trainee here"})
    if errors:
        raise Problem("validation-error", "The file has rows that cannot be used.", errors=errors)
    await _replace(
        session, group_set.id, [(ids[login], groups[name]) for login, name in parsed.rows]
    )
    return len(parsed.rows)


async def choose(
    session: AsyncSession, group_set: BreakoutSet, user_id: int, group_id: int
) -> None:
    """A participant picks their group (sets that allow it), within each group's cap."""
    if not group_set.self_select:
        raise Problem("forbidden", "In this set the instructor places people.")
    if user_id not in await pool(session, group_set):
        raise Problem("forbidden", "Only the class's trainees choose groups.")
    groups = await groups_of(session, group_set.id)
    members: dict[int, int | None] = dict(await members_of(session, group_set.id))
    try:
        chosen = fill.assign_by_choice(
            members, {g.id: g.capacity for g in groups}, user_id, group_id
        )
    except fill.GroupFull:
        raise Problem("conflict", "That group is full; choose another.") from None
    except fill.UnknownGroup:
        raise Problem("not-found", f"No group {group_id} in this set.") from None
    await _replace(session, group_set.id, [(u, g) for u, g in chosen.items() if g is not None])


async def choices(session: AsyncSession, class_session_id: int, user_id: int) -> list[ChoiceOut]:
    """The class's sets in which trainees choose their group: the groups, how full, mine."""
    out = []
    for group_set in await sets_for_class(session, class_session_id):
        if not group_set.self_select:
            continue
        members = await members_of(session, group_set.id)
        counts = Counter(members.values())
        groups = [ChoiceGroupOut(id=g.id, name=g.name, capacity=g.capacity, count=counts[g.id])
                  for g in await groups_of(session, group_set.id)]  # fmt: skip
        out.append(ChoiceOut(set_id=group_set.id, name=group_set.name, groups=groups,
                             my_group=members.get(user_id)))  # fmt: skip
    return out
