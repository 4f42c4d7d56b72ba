"""The member pool, running and storing assignments, and logging reads of candidate data.

Plain async functions over a session; the solving itself is the pure ``solver.assign``. Reads
of candidate data go to the one exam read log, the exams package's (``exams.service.log_read``,
rows of the audit log with action ``read``), so exam officers see every read in one place.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.errors import PROBLEM_TYPES, Problem, ProblemType
from server.exams import service as exams
from server.exams.panels import solver
from server.exams.panels.models import PanelAssignment, PanelMember
from server.exams.panels.schemas import (
    AssignmentIn,
    AssignmentOut,
    AssignmentSummary,
    LoadOut,
    MemberIn,
    MemberOut,
    PanelOut,
    ReadOut,
)

PROBLEM_TYPES.update(
    (p.slug, p)
    for p in (
        ProblemType("panels-infeasible", 422, "Panels cannot be filled",
                    "Some panel cannot get one eligible member of each kind; `shortages` names "
                    "each slot and kind with how many members were excluded and why. "
                    "Nothing was stored."),
    )
)  # fmt: skip


async def log_read(session: AsyncSession, actor_id: int | None, what: str, ref: str | None,
                   now: datetime, count: int | None = None) -> None:  # fmt: skip
    """Candidate data was read: who, when, what (``what:ref``), in the exams read log."""
    await exams.log_read(session, what if ref is None else f"{what}:{ref}", count, now,
                         actor_id=actor_id)  # fmt: skip


async def list_reads(session: AsyncSession) -> list[ReadOut]:
    """Every read of exam candidate data (exams, panels, competency), oldest first."""
    return await exams.list_reads(session)


def candidates_named(panels: list[PanelOut]) -> int:
    """How many candidates an answer names (the count the read log keeps)."""
    return len({c for p in panels for c in p.candidates})


# ---- the pool ---------------------------------------------------------------------------------


async def list_members(session: AsyncSession) -> list[MemberOut]:
    rows = await session.scalars(select(PanelMember).order_by(PanelMember.id))
    return [MemberOut.model_validate(m) for m in rows]


async def create_member(session: AsyncSession, body: MemberIn, *, actor_id: int | None,
                        now: datetime) -> MemberOut:  # fmt: skip
    member = PanelMember(**body.model_dump(), created_at=now, created_by=actor_id)
    session.add(member)
    await session.flush()
    return MemberOut.model_validate(member)


async def update_member(session: AsyncSession, member_id: int, body: MemberIn) -> MemberOut:
    """Replace a member's details (``active: false`` takes them out of future assignments;
    stored assignments keep the pool as it was)."""
    member = await session.get(PanelMember, member_id)
    if member is None:
        raise Problem("not-found", f"no panel member {member_id}")
    for key, value in body.model_dump().items():
        setattr(member, key, value)
    await session.flush()
    return MemberOut.model_validate(member)


# ---- assignments ------------------------------------------------------------------------------


def _pool_snapshot(members: list[PanelMember]) -> list[dict[str, Any]]:
    return [{"id": m.id, "name": m.name, "kind": m.kind, "org_unit": m.org_unit,
             "job_series": m.job_series, "grade": m.grade,
             "retired_on": m.retired_on.isoformat() if m.retired_on else None,
             "relations": sorted(m.relations)}
            for m in sorted(members, key=lambda m: m.id)]  # fmt: skip


def _solver_input(body: AssignmentIn, pool: list[dict[str, Any]]
                  ) -> tuple[list[solver.Slot], list[solver.Member]]:  # fmt: skip
    members = [solver.Member(str(m["id"]), solver.MemberKind(m["kind"]), m["org_unit"],
                             m["job_series"],
                             None if m["retired_on"] is None
                             else datetime.fromisoformat(m["retired_on"]).date(),
                             frozenset(m["relations"]))
               for m in pool]  # fmt: skip
    slots = [solver.Slot(s.ref, s.label, s.job_series, s.starts_at,
                         tuple(solver.Candidate(c.ref, c.org_unit,
                                                frozenset(str(i) for i in c.related_member_ids))
                               for c in s.candidates))
             for s in body.slots]  # fmt: skip
    return slots, members


def _shortage(s: solver.Shortage) -> dict[str, Any]:
    return {"slot_ref": s.slot.ref, "kind": s.kind.value,
            "excluded": {k.value: n for k, n in s.excluded.items() if n},
            "busy": s.busy, "detail": s.describe()}  # fmt: skip


async def run_assignment(session: AsyncSession, body: AssignmentIn, *, actor_id: int | None,
                         now: datetime, round_id: int | None = None) -> AssignmentOut:  # fmt: skip
    """Solve for the active pool and store the result; an infeasible request stores nothing
    and answers ``panels-infeasible`` naming what is missing. ``round_id``: the exam round the
    exams package built the slots from (kept with the assignment)."""
    active = list(await session.scalars(select(PanelMember).where(PanelMember.active)))
    pool = _pool_snapshot(active)
    request = body.model_dump(mode="json")
    slots, members = _solver_input(body, pool)
    try:
        result = solver.assign(slots, members, seed=body.seed)
    except solver.Infeasible as e:
        raise Problem("panels-infeasible", str(e),
                      shortages=[_shortage(s) for s in e.shortages]) from None  # fmt: skip
    by_ref = {s.ref: s for s in body.slots}
    panels = [{"slot_ref": ref, "label": by_ref[ref].label,
               "starts_at": by_ref[ref].starts_at.isoformat(),
               "candidates": [c.ref for c in by_ref[ref].candidates],
               **{f"{kind.value}_id": int(member) for kind, member in chosen.items()}}
              for ref, chosen in result.panels.items()]  # fmt: skip
    row = PanelAssignment(
        label=body.label, round_id=round_id, seed=body.seed,
        input_hash=solver.input_hash({"request": request, "pool": pool}),
        request=request, pool=pool, panels=panels,
        loads={ref: n for ref, n in result.loads.items()},
        max_assignments=result.max_assignments, min_assignments=result.min_assignments,
        created_at=now, created_by=actor_id,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    return _out(row)


def _out(row: PanelAssignment) -> AssignmentOut:
    names = {str(m["id"]): m for m in row.pool}
    loads = [LoadOut(member_id=int(ref), name=names[ref]["name"], kind=names[ref]["kind"],
                     assignments=n)
             for ref, n in sorted(row.loads.items(), key=lambda kv: int(kv[0]))]  # fmt: skip
    return AssignmentOut(
        **AssignmentSummary.model_validate(row).model_dump(),
        panels=[PanelOut.model_validate(p) for p in row.panels],
        loads=loads,
    )


async def list_assignments(session: AsyncSession) -> list[AssignmentSummary]:
    rows = await session.scalars(select(PanelAssignment).order_by(PanelAssignment.id))
    return [AssignmentSummary.model_validate(r) for r in rows]


async def assignments_of_round(session: AsyncSession, round_id: int) -> list[AssignmentOut]:
    """The assignments run for an exam round, oldest first, with their panels and loads."""
    rows = await session.scalars(
        select(PanelAssignment)
        .where(PanelAssignment.round_id == round_id)
        .order_by(PanelAssignment.id)
    )
    return [_out(r) for r in rows]


async def get_assignment(session: AsyncSession, assignment_id: int) -> AssignmentOut:
    row = await session.get(PanelAssignment, assignment_id)
    if row is None:
        raise Problem("not-found", f"no panel assignment {assignment_id}")
    return _out(row)
