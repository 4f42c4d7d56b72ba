"""A trainee's record for tests: a cohort with sessions, and attendance events written the
way the class socket writes them (with the device class each join came from)."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from server.core.keys import DATABASE
from server.rooms import service as rooms
from server.rooms.models import AttendanceKind


async def attend(
    app: web.Application, class_session_id: int,
    *marks: tuple[str, datetime, int | None, str | None],
) -> None:  # fmt: skip
    """(kind, at, user id, device class); the device class is also the tab's client id."""
    async with app[DATABASE].unit_of_work() as session:
        for kind, at, user_id, device in marks:
            await rooms.record_attendance(
                session, class_session_id, AttendanceKind(kind), at, user_id=user_id,
                client_id=device, device_class=device,
            )  # fmt: skip
