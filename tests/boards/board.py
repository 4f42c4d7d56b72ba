"""A class with boards, for tests on one node or on two sharing Redis and the database:
three trainees (kim, lee, choi), an instructor (park), real socket.io clients."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.lms.models import StaffRole
from tests.conftest import AppClient, Person, add_person, api_token
from tests.factories import ClassFixture, make_class
from tests.rooms.classroom import Participant

PEOPLE = (("kim", Role.TRAINEE, "김민지"), ("lee", Role.TRAINEE, "이서준"),
          ("choi", Role.TRAINEE, "최유나"), ("park", Role.INSTRUCTOR, "박강사"))  # fmt: skip


@dataclass
class Boards:
    clients: list[AppClient]
    klass: ClassFixture
    who: dict[str, Person]
    tokens: dict[str, str]
    sockets: list[Participant]

    @property
    def client(self) -> AppClient:
        return self.clients[0]

    async def enter(self, login: str) -> Participant:
        """Join the class, on the nodes in turn (with two nodes, neighbours differ)."""
        node = self.clients[len(self.sockets) % len(self.clients)]
        p = Participant()
        self.sockets.append(p)
        await p.connect(node, {"api_token": self.tokens[login],
                               "class_session_id": self.klass.class_session_id})  # fmt: skip
        p.state = await p.ok("join")
        return p

    async def enter_all(self, *logins: str) -> list[Participant]:
        return [await self.enter(login) for login in logins]

    async def close(self) -> None:
        for p in self.sockets:
            await p.close()


async def prepare(clients: list[AppClient], clock: ManualClock) -> Boards:
    client = clients[0]
    who = {login: await add_person(client.app, login, [role], clock, name=name)
           for login, role, name in PEOPLE}  # fmt: skip
    klass = await make_class(client.app, clock,
                             trainees=[who[x].id for x in ("kim", "lee", "choi")],
                             staff={StaffRole.INSTRUCTOR: who["park"].id},
                             starts_in=timedelta(minutes=-5))  # fmt: skip
    return Boards(clients, klass, who, {x: await api_token(client, x) for x in who}, [])


async def post_event(p: Participant, post_id: int, event: str = "board_post") -> dict[str, Any]:
    """The next push of ``event`` about this post (others before it are passed over)."""
    while True:
        seen: dict[str, Any] = await p.next(event)
        if seen.get("id", seen.get("post_id")) == post_id:
            return seen


async def post_at(p: Participant, post_id: int, version: int) -> dict[str, Any]:
    """The push of this post at this version (earlier ones are passed over)."""
    while True:
        seen = await post_event(p, post_id)
        if seen["version"] >= version:
            return seen


async def new_board(park: Participant, **spec: Any) -> dict[str, Any]:
    board: dict[str, Any] = await park.ok("board_create", {"title": "보드", **spec})
    return board
