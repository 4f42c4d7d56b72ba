"""HTTP routes for preparing breakout group sets: create (for a cohort or one session), read,
place people by hand, fill at random or balanced, import a spreadsheet, and let trainees
choose. The live round (open, close, broadcast, visit) is on the class socket (events.py)."""

from __future__ import annotations

from server.core.auth.roles import STAFF, Role
from server.core.errors import Problem
from server.core.http import Allow, ApiRouter, Ctx
from server.core.keys import SIO
from server.lms import service as lms
from server.lms.schemas import ClassSessionPath
from server.rooms.breakout import record, service
from server.rooms.breakout.models import BreakoutSet
from server.rooms.breakout.schemas import (
    ChoiceOut,
    ChooseIn,
    CohortPath,
    FillIn,
    FillOut,
    ImportIn,
    MembersIn,
    RoundRecordOut,
    SetIn,
    SetOut,
    SetPath,
)
from server.rooms.events import NAMESPACE, room
from server.rooms.service import check_runs_class, grants_for

router = ApiRouter("breakout")
RUNS = Allow.only(*STAFF, Role.INSTRUCTOR, Role.ASSISTANT)


@router.post("/cohorts/{cohort_id}/breakout-sets", path_model=CohortPath, body=SetIn,
             response=SetOut, status=201, allow=RUNS)  # fmt: skip
async def create_cohort_set(ctx: Ctx, path: CohortPath, body: SetIn) -> SetOut:
    """Groups for a whole cohort (fixed 분임 teams), reused by each of its sessions."""
    await lms.get_cohort(ctx.session, path.cohort_id)
    if not ctx.user.has(*STAFF) and not await lms.teaches_cohort(
        ctx.session, path.cohort_id, ctx.user.user_id
    ):
        raise Problem("forbidden", "Only the cohort's instructors or operators may do this.")
    group_set = await service.create_set(ctx.session, body, ctx.clock.now(),
                                         cohort_id=path.cohort_id)  # fmt: skip
    return await service.set_out(ctx.session, group_set)


@router.post("/class-sessions/{class_session_id}/breakout-sets", path_model=ClassSessionPath,
             body=SetIn, response=SetOut, status=201, allow=RUNS)  # fmt: skip
async def create_session_set(ctx: Ctx, path: ClassSessionPath, body: SetIn) -> SetOut:
    """Groups for this session only."""
    await lms.get_class_session(ctx.session, path.class_session_id)
    await check_runs_class(ctx.session, ctx.user, path.class_session_id)
    group_set = await service.create_set(ctx.session, body, ctx.clock.now(),
                                         class_session_id=path.class_session_id)  # fmt: skip
    _tell_choices(ctx, group_set)
    return await service.set_out(ctx.session, group_set)


@router.get("/class-sessions/{class_session_id}/breakout-sets", path_model=ClassSessionPath,
            response=list[SetOut], allow=RUNS)  # fmt: skip
async def list_sets(ctx: Ctx, path: ClassSessionPath) -> list[SetOut]:
    """The sets this class can open: its own and its cohort's."""
    await lms.get_class_session(ctx.session, path.class_session_id)
    await check_runs_class(ctx.session, ctx.user, path.class_session_id)
    return [await service.set_out(ctx.session, s)
            for s in await service.sets_for_class(ctx.session, path.class_session_id)]  # fmt: skip


async def _managed(ctx: Ctx, set_id: int) -> BreakoutSet:
    group_set = await service.get_set(ctx.session, set_id)
    await service.check_manages(ctx.session, ctx.user, group_set)
    return group_set


@router.get("/breakout-sets/{set_id}", path_model=SetPath, response=SetOut, allow=RUNS)
async def get_set(ctx: Ctx, path: SetPath) -> SetOut:
    return await service.set_out(ctx.session, await _managed(ctx, path.set_id))


@router.put("/breakout-sets/{set_id}/members", path_model=SetPath, body=MembersIn,
            response=SetOut, allow=RUNS)  # fmt: skip
async def place_members(ctx: Ctx, path: SetPath, body: MembersIn) -> SetOut:
    """Place people by hand (the console's drag and drop); all or nothing."""
    group_set = await _managed(ctx, path.set_id)
    await service.assign(ctx.session, group_set, body.assignments)
    return await service.set_out(ctx.session, group_set)


@router.post("/breakout-sets/{set_id}/fill", path_model=SetPath, body=FillIn,
             response=FillOut, allow=RUNS)  # fmt: skip
async def fill_set(ctx: Ctx, path: SetPath, body: FillIn) -> FillOut:
    """Fill every group again: at random, or balanced by org unit, grade or job series."""
    group_set = await _managed(ctx, path.set_id)
    seed = await service.fill_set(ctx.session, group_set, body)
    return FillOut(set=await service.set_out(ctx.session, group_set), seed=seed)


@router.post("/breakout-sets/{set_id}/import", path_model=SetPath, body=ImportIn,
             response=SetOut, allow=RUNS)  # fmt: skip
async def import_members(ctx: Ctx, path: SetPath, body: ImportIn) -> SetOut:
    """Place everyone from a spreadsheet (CSV or tab-separated: login, group)."""
    group_set = await _managed(ctx, path.set_id)
    await service.import_csv(ctx.session, group_set, body.csv)
    return await service.set_out(ctx.session, group_set)


@router.get("/class-sessions/{class_session_id}/breakout-choices", path_model=ClassSessionPath,
            response=list[ChoiceOut], allow=Allow.signed_in())  # fmt: skip
async def list_choices(ctx: Ctx, path: ClassSessionPath) -> list[ChoiceOut]:
    """The sets in which trainees choose their own group: the groups, how full, mine."""
    await grants_for(ctx.session, ctx.user, path.class_session_id)  # anyone with a place
    return await service.choices(ctx.session, path.class_session_id, ctx.user.user_id)


@router.post("/breakout-sets/{set_id}/choice", path_model=SetPath, body=ChooseIn,
             response=list[ChoiceOut], allow=Allow.signed_in())  # fmt: skip
async def choose_group(ctx: Ctx, path: SetPath, body: ChooseIn) -> list[ChoiceOut]:
    """A trainee picks their own group, where the set allows it (and within its cap)."""
    group_set = await service.get_set(ctx.session, path.set_id)
    await service.choose(ctx.session, group_set, ctx.user.user_id, body.group_id)
    _tell_choices(ctx, group_set)
    owner = group_set.class_session_id
    return await service.choices(ctx.session, owner, ctx.user.user_id) if owner else []


def _tell_choices(ctx: Ctx, group_set: BreakoutSet) -> None:
    """Classes showing this set's choices redraw them (counts, a new set) once committed."""
    if not group_set.self_select or group_set.class_session_id is None:
        return
    sio, class_id = ctx.app[SIO], group_set.class_session_id

    async def announce() -> None:
        await sio.emit("breakout_choices", {"set_id": group_set.id}, to=room(class_id),
                       namespace=NAMESPACE)  # fmt: skip

    ctx.after_commit(announce)


@router.delete("/breakout-sets/{set_id}", path_model=SetPath, allow=RUNS, status=204)
async def delete_set(ctx: Ctx, path: SetPath) -> None:
    group_set = await _managed(ctx, path.set_id)
    await ctx.session.delete(group_set)


@router.get("/class-sessions/{class_session_id}/breakout-rounds", path_model=ClassSessionPath,
            response=list[RoundRecordOut], allow=RUNS)  # fmt: skip
async def round_history(ctx: Ctx, path: ClassSessionPath) -> list[RoundRecordOut]:
    """Every breakout round of the class with each move (who was in which group when) and
    each group's summary: who took part, its board's posts, its questions."""
    await lms.get_class_session(ctx.session, path.class_session_id)
    await check_runs_class(ctx.session, ctx.user, path.class_session_id)
    return await record.round_records(ctx.session, path.class_session_id)
