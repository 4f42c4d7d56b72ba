"""HTTP routes for completion: rules, a cohort's results, corrections, finalising, certificates.

Who sees what: operators and admins everything; a cohort's instructors and assistants its
results and corrections (and may add corrections); a trainee only their own result and
certificate. Anyone may verify a certificate code.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from aiohttp import web

from server.core.auth.roles import STAFF
from server.core.downloads import disposition
from server.core.errors import Problem
from server.core.http import Allow, ApiRouter, Ctx
from server.lms import service as lms
from server.lms.completion import certificates, export, service
from server.lms.completion.schemas import (
    CodePath,
    CohortPath,
    CohortResultsOut,
    CohortUserPath,
    CompletionStatusOut,
    CorrectionIn,
    CorrectionOut,
    ExportQuery,
    ResultOut,
    RuleIn,
    RuleOut,
    VerificationOut,
)
from server.lms.schemas import CoursePath
from server.reports import render

router = ApiRouter("completion")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _grace(ctx: Ctx) -> timedelta:
    return timedelta(seconds=ctx.settings.reconnect_grace_s)


async def check_sees_cohort(ctx: Ctx, cohort_id: int) -> None:
    """Operators and admins, or an instructor or assistant of the cohort."""
    await lms.get_cohort(ctx.session, cohort_id)
    if ctx.user.has(*STAFF) or await lms.teaches_cohort(ctx.session, cohort_id, ctx.user.user_id):
        return
    raise Problem("forbidden", "Only the cohort's instructors and training staff may see this.")


@router.get("/courses/{course_id}/completion-rules", path_model=CoursePath,
            response=list[RuleOut], allow=Allow.signed_in())  # fmt: skip
async def list_rules(ctx: Ctx, path: CoursePath) -> list[RuleOut]:
    """Every version of the course's completion rule, oldest first (staff, its instructors)."""
    await lms.get_course(ctx.session, path.course_id)
    if not ctx.user.has(*STAFF) and not await lms.teaches_course(
        ctx.session, path.course_id, ctx.user.user_id
    ):
        raise Problem("forbidden", "Only the course's instructors and training staff see this.")
    return [RuleOut.model_validate(r) for r in await service.rules_of(ctx.session, path.course_id)]


@router.post("/courses/{course_id}/completion-rules", path_model=CoursePath, body=RuleIn,
             response=RuleOut, status=201, allow=Allow.only(*STAFF))  # fmt: skip
async def add_rule(ctx: Ctx, path: CoursePath, body: RuleIn) -> RuleOut:
    """A new version of the course's completion rule, with the reason for the change."""
    rule = await service.add_rule(
        ctx.session, path.course_id, body, author_id=ctx.user.user_id, now=ctx.clock.now()
    )
    return RuleOut.model_validate(rule)


@router.get("/cohorts/{cohort_id}/completion", path_model=CohortPath,
            response=CohortResultsOut, allow=Allow.signed_in())  # fmt: skip
async def cohort_results(ctx: Ctx, path: CohortPath) -> CohortResultsOut:
    """Every trainee's result as the records give it now, with its explanation."""
    await check_sees_cohort(ctx, path.cohort_id)
    return await service.cohort_results(
        ctx.session, path.cohort_id, grace=_grace(ctx), now=ctx.clock.now()
    )


# registered before ".../completion/{user_id}", which would otherwise take "export" for an id
@router.get("/cohorts/{cohort_id}/completion/export", path_model=CohortPath, query=ExportQuery,
            allow=Allow.signed_in())  # fmt: skip
async def export_results(ctx: Ctx, path: CohortPath, query: ExportQuery) -> web.Response:
    """Every trainee's result as CSV or XLSX: figures, ✓/✗, explanation, corrections applied,
    certificate code (staff, and the cohort's instructors and assistants)."""
    await check_sees_cohort(ctx, path.cohort_id)
    report, record = await export.export_report(
        ctx.session, path.cohort_id, grace=_grace(ctx), now=ctx.clock.now()
    )
    if query.format == "xlsx":
        response = web.Response(body=await asyncio.to_thread(render.to_xlsx, report),
                                content_type=XLSX)  # fmt: skip
    else:
        response = web.Response(body=render.to_csv(report), content_type="text/csv",
                                charset="utf-8")  # fmt: skip
    response.headers["Content-Disposition"] = disposition(
        f"completion-cohort-{path.cohort_id}.{query.format}",
        f"이수현황_{record.course_title}_{record.cohort_name}", f".{query.format}",
    )  # fmt: skip
    return response


@router.get("/cohorts/{cohort_id}/completion-status", path_model=CohortPath,
            response=CompletionStatusOut, allow=Allow.signed_in())  # fmt: skip
async def completion_status(ctx: Ctx, path: CohortPath) -> CompletionStatusOut:
    """The cohort, its sessions, each trainee's last finalised result and standing certificate
    code, and the correction authors' names: what the records page shows beside the results."""
    await check_sees_cohort(ctx, path.cohort_id)
    return await export.status(ctx.session, path.cohort_id)


@router.get("/cohorts/{cohort_id}/completion/{user_id}", path_model=CohortUserPath,
            response=ResultOut, allow=Allow.signed_in())  # fmt: skip
async def trainee_result(ctx: Ctx, path: CohortUserPath) -> ResultOut:
    """One trainee's result: the trainee themself, the cohort's instructors, staff."""
    if path.user_id != ctx.user.user_id:
        await check_sees_cohort(ctx, path.cohort_id)
    return await service.trainee_result(
        ctx.session, path.cohort_id, path.user_id, grace=_grace(ctx), now=ctx.clock.now()
    )


@router.get("/cohorts/{cohort_id}/completion-corrections", path_model=CohortPath,
            response=list[CorrectionOut], allow=Allow.signed_in())  # fmt: skip
async def list_corrections(ctx: Ctx, path: CohortPath) -> list[CorrectionOut]:
    """The cohort's corrections, oldest first."""
    await check_sees_cohort(ctx, path.cohort_id)
    rows = await service.corrections_of(ctx.session, path.cohort_id)
    return [CorrectionOut.model_validate(c) for c in rows]


@router.post("/cohorts/{cohort_id}/completion-corrections", path_model=CohortPath,
             body=CorrectionIn, response=CorrectionOut, status=201,
             allow=Allow.signed_in())  # fmt: skip
async def add_correction(ctx: Ctx, path: CohortPath, body: CorrectionIn) -> CorrectionOut:
    """An excused absence or an override of the outcome, with its reason (staff, or the
    cohort's instructors)."""
    await check_sees_cohort(ctx, path.cohort_id)
    correction = await service.add_correction(
        ctx.session, path.cohort_id, body, author_id=ctx.user.user_id, now=ctx.clock.now()
    )
    return CorrectionOut.model_validate(correction)


@router.post("/cohorts/{cohort_id}/completion/finalise", path_model=CohortPath,
             response=CohortResultsOut, allow=Allow.only(*STAFF))  # fmt: skip
async def finalise(ctx: Ctx, path: CohortPath) -> CohortResultsOut:
    """Store every trainee's result and set completed / not completed on their enrolment."""
    return await service.finalise(
        ctx.session, path.cohort_id, grace=_grace(ctx), now=ctx.clock.now(),
        author_id=ctx.user.user_id,
    )  # fmt: skip


@router.get("/cohorts/{cohort_id}/completion/{user_id}/certificate", path_model=CohortUserPath,
            allow=Allow.signed_in())  # fmt: skip
async def certificate(ctx: Ctx, path: CohortUserPath) -> web.Response:
    """The certificate as a PDF (issued on first request): the trainee themself, or staff."""
    if path.user_id != ctx.user.user_id and not ctx.user.has(*STAFF):
        raise Problem("forbidden", "A certificate is for its holder and training staff.")
    cert = await certificates.issue(ctx.session, path.cohort_id, path.user_id, ctx.clock.now())
    facts = await certificates.verify(ctx.session, cert.code)
    pdf = certificates.certificate_pdf(facts, ctx.settings.effective_public_url)
    return web.Response(
        body=pdf, content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="certificate-{cert.code}.pdf"'},
    )  # fmt: skip


@router.get("/certificates/{code}", path_model=CodePath, response=VerificationOut,
            allow=Allow.anyone())  # fmt: skip
async def verify_certificate(ctx: Ctx, path: CodePath) -> VerificationOut:
    """Verify a certificate code: who completed what, and when; 404 for any other code."""
    return await certificates.verify(ctx.session, path.code)
