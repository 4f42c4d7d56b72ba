"""HTTP routes for interview panels: the member pool, assignments, and the read log.

Exam data is confidential: only exam officers and admins (``EXAM_STAFF``) get past these
routes. Every answer that carries candidate data (members' declared relations, panels with
their candidates) is logged as a read, once, in the same transaction, in the exams read log
(the audit log). Panels built from an exam round's units and candidates are the exams
package's routes (``/exams/rounds/{round_id}/panels``).
"""

from __future__ import annotations

from server.core.auth.roles import EXAM_STAFF
from server.core.http import Allow, ApiRouter, Ctx
from server.exams.panels import service
from server.exams.panels.schemas import (
    AssignmentIn,
    AssignmentOut,
    AssignmentPath,
    AssignmentSummary,
    MemberIn,
    MemberOut,
    MemberPath,
    ReadOut,
)

router = ApiRouter("exam-panels")
EXAM_ONLY = Allow.only(*EXAM_STAFF)


@router.get("/exams/panels/members", response=list[MemberOut], allow=EXAM_ONLY)
async def list_members(ctx: Ctx) -> list[MemberOut]:
    """The pool, with each member's declared relations to candidates (a logged read)."""
    members = await service.list_members(ctx.session)
    named = len({ref for m in members for ref in m.relations})
    await service.log_read(ctx.session, ctx.user.user_id, "members", None, ctx.clock.now(),
                           named)  # fmt: skip
    return members


@router.post("/exams/panels/members", body=MemberIn, response=MemberOut, status=201,
             allow=EXAM_ONLY)  # fmt: skip
async def create_member(ctx: Ctx, body: MemberIn) -> MemberOut:
    """Add a member to the pool (outside expert, retired official, serving grade 4/5); an
    answer naming candidates (declared relations) is a logged read."""
    out = await service.create_member(
        ctx.session, body, actor_id=ctx.user.user_id, now=ctx.clock.now()
    )
    await _log_member_read(ctx, out)
    return out


async def _log_member_read(ctx: Ctx, out: MemberOut) -> None:
    if out.relations:
        await service.log_read(ctx.session, ctx.user.user_id, "member", str(out.id),
                               ctx.clock.now(), len(set(out.relations)))  # fmt: skip


@router.put("/exams/panels/members/{member_id}", path_model=MemberPath, body=MemberIn,
            response=MemberOut, allow=EXAM_ONLY)  # fmt: skip
async def update_member(ctx: Ctx, path: MemberPath, body: MemberIn) -> MemberOut:
    """Replace a member's details; ``active: false`` leaves them out of future assignments."""
    out = await service.update_member(ctx.session, path.member_id, body)
    await _log_member_read(ctx, out)
    return out


@router.post("/exams/panels/assignments", body=AssignmentIn, response=AssignmentOut,
             status=201, allow=EXAM_ONLY)  # fmt: skip
async def run_assignment(ctx: Ctx, body: AssignmentIn) -> AssignmentOut:
    """Fill every slot's panel from the active pool and store it with its input hash; an
    impossible request is a ``panels-infeasible`` problem naming each slot and what is missing."""
    out = await service.run_assignment(
        ctx.session, body, actor_id=ctx.user.user_id, now=ctx.clock.now()
    )
    await service.log_read(ctx.session, ctx.user.user_id, "assignment", str(out.id),
                           ctx.clock.now(), service.candidates_named(out.panels))  # fmt: skip
    return out


@router.get("/exams/panels/assignments", response=list[AssignmentSummary], allow=EXAM_ONLY)
async def list_assignments(ctx: Ctx) -> list[AssignmentSummary]:
    """Assignments run so far with their spread (no candidates: not a logged read)."""
    return await service.list_assignments(ctx.session)


@router.get("/exams/panels/assignments/{assignment_id}", path_model=AssignmentPath,
            response=AssignmentOut, allow=EXAM_ONLY)  # fmt: skip
async def get_assignment(ctx: Ctx, path: AssignmentPath) -> AssignmentOut:
    """One assignment's panels with their candidates and every member's load (a logged read)."""
    out = await service.get_assignment(ctx.session, path.assignment_id)
    await service.log_read(ctx.session, ctx.user.user_id, "assignment", str(out.id),
                           ctx.clock.now(), service.candidates_named(out.panels))  # fmt: skip
    return out


@router.get("/exams/panels/reads", response=list[ReadOut], allow=EXAM_ONLY)
async def list_reads(ctx: Ctx) -> list[ReadOut]:
    """Who read candidate data, and when: every exam read (the same as ``/exams/reads``; the
    path is kept for the page and scripts that used it)."""
    return await service.list_reads(ctx.session)
