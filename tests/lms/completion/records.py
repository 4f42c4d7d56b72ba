"""Building a cohort with several class sessions and writing its records (attendance events,
breakout rounds, named polls) through the services that write them in a live class."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web

from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.lms.models import ClassSession, SessionStaff, StaffRole
from server.polls import voting
from server.polls.schemas import LaunchIn, PollIn
from server.rooms import service as rooms
from server.rooms.breakout.models import BreakoutGroup, BreakoutMove, BreakoutRound, BreakoutSet
from server.rooms.models import AttendanceKind
from tests.conftest import AppClient, Person, api_token, bearer
from tests.factories import make_class


@dataclass
class CohortFixture:
    course_id: int
    cohort_id: int
    sessions: list[int]


async def make_cohort(
    app: web.Application, clock: ManualClock, *, trainees: list[int], instructor: int,
    windows: list[tuple[datetime, datetime]],
) -> CohortFixture:  # fmt: skip
    """A course with one cohort whose sessions are these (start, end) windows, in UTC."""
    first_start, first_end = windows[0]
    klass = await make_class(
        app, clock, trainees=trainees, staff={StaffRole.INSTRUCTOR: instructor},
        starts_in=first_start - clock.now(), length=first_end - first_start,
    )  # fmt: skip
    sessions = [klass.class_session_id]
    async with app[DATABASE].unit_of_work() as session:
        for number, (start, end) in enumerate(windows[1:], start=2):
            cs = ClassSession(cohort_id=klass.cohort_id, title=f"{number}일차", starts_at=start,
                              ends_at=end, live=True, state="scheduled")  # fmt: skip
            session.add(cs)
            await session.flush()
            session.add(SessionStaff(class_session_id=cs.id, user_id=instructor,
                                     role=StaffRole.INSTRUCTOR))  # fmt: skip
            sessions.append(cs.id)
    return CohortFixture(klass.course_id, klass.cohort_id, sessions)


async def attend(
    app: web.Application, class_session_id: int, *marks: tuple[str, datetime, int | None, str]
) -> None:
    """Attendance events as the class socket records them: (kind, at, user id, device)."""
    async with app[DATABASE].unit_of_work() as session:
        for kind, at, user_id, client_id in marks:
            await rooms.record_attendance(
                session, class_session_id, AttendanceKind(kind), at, user_id=user_id,
                client_id=client_id if user_id is not None else None,
            )  # fmt: skip


async def breakout_round(
    app: web.Application, cohort_id: int, class_session_id: int, at: datetime,
    members: list[int], visitors: tuple[int, ...] = (),
) -> None:  # fmt: skip
    """One breakout round's record: who was placed in a group, and staff who looked in."""
    async with app[DATABASE].unit_of_work() as session:
        group_set = BreakoutSet(cohort_id=cohort_id, name="분임", created_at=at)
        session.add(group_set)
        await session.flush()
        group = BreakoutGroup(set_id=group_set.id, name="1조", position=1)
        session.add(group)
        await session.flush()
        rnd = BreakoutRound(class_session_id=class_session_id, set_id=group_set.id,
                            opened_at=at, ends_at=at, closed_at=at)  # fmt: skip
        session.add(rnd)
        await session.flush()
        for user_id in members:
            session.add(BreakoutMove(round_id=rnd.id, user_id=user_id, group_id=group.id, at=at))
        for user_id in visitors:
            session.add(BreakoutMove(round_id=rnd.id, user_id=user_id, group_id=group.id, at=at,
                                     visiting=True))  # fmt: skip


async def named_quiz(
    app: web.Application, class_session_id: int, now: datetime, answers: dict[int, int]
) -> None:
    """A named quiz (10 points, option 0 right) launched in the class and answered."""
    body = PollIn(title="퀴즈", anonymous=False, items=[
        {"kind": "quiz", "prompt": "청렴의 뜻?", "options": ["맞음", "틀림"], "correct": [0],
         "points": 10}])  # fmt: skip
    async with app[DATABASE].unit_of_work() as session:
        poll = await voting.create_poll(session, body, now, class_session_id=class_session_id)
        run, _ = await voting.launch(session, class_session_id, LaunchIn(poll_id=poll.id), now)
        item = (await voting.items_of(session, poll.id))[0]
        for user_id, choice in answers.items():
            await voting.answer(session, run, item.id, f"{user_id:08x}aa", user_id,
                                {"choice": choice}, None, now)  # fmt: skip


@dataclass
class Api:
    """Calls as one person, by API token."""

    client: AppClient
    token: str

    @classmethod
    async def of(cls, client: AppClient, person: Person) -> Api:
        return cls(client, await api_token(client, person.login))

    async def call(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        response = await self.client.request(
            method, f"/api/v1{path}", json=body, headers=bearer(self.token)
        )
        assert response.status == status, await response.text()
        if response.content_type == "application/pdf":
            return await response.read()
        return await response.json() if response.status != 204 else None
