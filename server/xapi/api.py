"""HTTP routes of xAPI: the e-learning system posts statements here (an LRS statement
resource, POST only), and staff can see how much arrived and how much did not resolve."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from pydantic import RootModel

from server.core.auth.roles import STAFF, Role
from server.core.errors import Problem
from server.core.http import Allow, ApiRouter, Ctx
from server.xapi import service
from server.xapi.schemas import XAPI_VERSION, XapiSummaryOut

router = ApiRouter("xapi")
VERSION_HEADER = "X-Experience-API-Version"
ACCEPTED_VERSION = re.compile(r"^1\.0(\.\d+)?$")


class StatementsIn(RootModel[list[Any] | dict[str, Any]]):
    """One xAPI 1.0.3 statement, or an array of them (each checked by the xAPI models)."""


@router.post("/xapi/statements", body=StatementsIn, response=list[str],
             allow=Allow.only(Role.ELEARNING, Role.ADMIN))  # fmt: skip
async def post_statements(ctx: Ctx, body: StatementsIn) -> web.Response:
    """Store xAPI statements (one or an array) from the e-learning system; answers their ids.

    Needs ``X-Experience-API-Version: 1.0.x``. Idempotent by statement id: the same id with
    the same content is accepted again without a second record; with different content the
    whole post is refused (409). One invalid statement refuses the whole post (400)."""
    version = ctx.request.headers.get(VERSION_HEADER, "")
    if not ACCEPTED_VERSION.match(version.strip()):
        raise Problem("xapi-version", f"{VERSION_HEADER} must be 1.0.x, not {version!r}.")
    statements = service.parse_statements(body.root)
    config = service.IngestConfig.from_settings(ctx.settings)
    result = await service.ingest(ctx.session, statements, config, ctx.clock.now())
    return web.json_response(result.ids, headers={VERSION_HEADER: XAPI_VERSION})


@router.get("/xapi/summary", response=XapiSummaryOut, allow=Allow.only(*STAFF))
async def xapi_summary(ctx: Ctx) -> XapiSummaryOut:
    """Statements held, and how many name a person or a course not found here."""
    return await service.summary(ctx.session)
