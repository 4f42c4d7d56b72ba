"""HTTP route for a person's record (the /my page reads it)."""

from __future__ import annotations

from datetime import timedelta

from server.core.auth.schemas import UserPath
from server.core.http import Allow, ApiRouter, Ctx
from server.lms.record import service
from server.lms.record.schemas import RecordOut

router = ApiRouter("record")


@router.get("/users/{user_id}/record", path_model=UserPath, response=RecordOut,
            allow=Allow.signed_in())  # fmt: skip
async def record(ctx: Ctx, path: UserPath) -> RecordOut:
    """A person's courses with attendance per class, completion with its explanation, the
    certificate and open surveys: the person themself and training staff; an instructor or
    assistant only for the cohorts they teach. The holder's first read of a completed
    cohort issues its certificate (as downloading it would)."""
    return await service.record_of(
        ctx.session, path.user_id, ctx.user,
        grace=timedelta(seconds=ctx.settings.reconnect_grace_s), now=ctx.clock.now(),
    )  # fmt: skip
