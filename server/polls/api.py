"""HTTP routes of Q&A and polls: the export of a class's questions after class. Asking,
voting and moderating happen on the class socket (events.py)."""

from __future__ import annotations

import asyncio
import re
import unicodedata
from typing import Literal
from urllib.parse import quote

from aiohttp import web
from pydantic import Field

from server.core.auth.roles import STAFF, Role
from server.core.http import Allow, ApiRouter, Ctx
from server.core.schemas import In
from server.lms import service as lms
from server.lms.schemas import ClassSessionPath
from server.polls import export
from server.rooms.service import check_runs_class

router = ApiRouter("polls")
RUNS = Allow.only(*STAFF, Role.INSTRUCTOR, Role.ASSISTANT)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|]')


class ExportQuery(In):
    format: Literal["csv", "xlsx"] = Field(
        default="csv", description="csv: UTF-8 with a BOM; xlsx: one sheet"
    )


@router.get("/class-sessions/{class_session_id}/questions/export", path_model=ClassSessionPath,
            query=ExportQuery, allow=RUNS)  # fmt: skip
async def export_questions(ctx: Ctx, path: ClassSessionPath, query: ExportQuery) -> web.Response:
    """The class's questions as a spreadsheet (CSV or XLSX); anonymous askers stay unnamed."""
    class_session = await lms.get_class_session(ctx.session, path.class_session_id)
    await check_runs_class(ctx.session, ctx.user, class_session.id)
    table = await export.rows(ctx.session, class_session.id)
    if query.format == "xlsx":
        body = await asyncio.to_thread(export.to_xlsx, table)
        response = web.Response(body=body, content_type=XLSX)
    else:
        response = web.Response(body=export.to_csv(table), content_type="text/csv",
                                charset="utf-8")  # fmt: skip
    response.headers["Content-Disposition"] = _disposition(
        f"questions-{class_session.id}.{query.format}", class_session.title, query.format
    )
    response.headers["Cache-Control"] = "no-store"  # names of people who asked by name
    return response


def _disposition(fallback: str, title: str, ext: str) -> str:
    """``attachment`` with an ASCII name, and the class title as the name where it makes
    one (RFC 6266 ``filename*``, UTF-8 percent-encoded as RFC 5987 says)."""
    value = f'attachment; filename="{fallback}"'
    kept = "".join(c for c in title if not unicodedata.category(c).startswith("C"))
    name = " ".join(UNSAFE_IN_NAME.sub(" ", kept).split())[:100].strip(" .")
    if name:
        value += f"; filename*=UTF-8''{quote(f'{name} 질문.{ext}', safe='')}"
    return value
