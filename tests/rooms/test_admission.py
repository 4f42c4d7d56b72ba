"""Who may come into a live class now: the lobby's opening time, the class's size, the lock;
the join page's lobby (GET .../lobby) says the same as the socket's admission."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from server.config import Settings
from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.lms.models import StaffRole
from tests.conftest import AppClient, NodeFactory, Person, add_person, api_token, bearer
from tests.factories import ClassFixture, make_class
from tests.rooms.classroom import Participant


@pytest.fixture
def settings(nodes: NodeFactory) -> Settings:
    return nodes.settings(class_max_participants=2, lobby_opens_before_min=30)


async def people(client: AppClient, clock: ManualClock) -> dict[str, Person]:
    return {
        login: await add_person(client.app, login, [role], clock, name=name)
        for login, role, name in (
            ("kim", Role.TRAINEE, "김민지"), ("lee", Role.TRAINEE, "이서준"),
            ("choi", Role.TRAINEE, "최유나"), ("park", Role.INSTRUCTOR, "박강사"),
        )
    }  # fmt: skip


async def class_in(
    client: AppClient, clock: ManualClock, who: dict[str, Person], starts_in: timedelta
) -> ClassFixture:
    trainees = [who[login].id for login in ("kim", "lee", "choi")]
    staff = {StaffRole.INSTRUCTOR: who["park"].id}
    return await make_class(client.app, clock, trainees=trainees, staff=staff, starts_in=starts_in)


async def lobby(client: AppClient, class_id: int, token: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/class-sessions/{class_id}/lobby", headers=bearer(token))
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def connect(client: AppClient, class_id: int, token: str) -> Participant:
    p = Participant()
    await p.connect(client, {"api_token": token, "class_session_id": class_id})
    await p.ok("join")
    return p


async def test_trainees_wait_in_the_lobby_until_it_opens(
    client: AppClient, clock: ManualClock
) -> None:
    who = await people(client, clock)
    klass = await class_in(client, clock, who, starts_in=timedelta(minutes=45))
    kim, park = await api_token(client, "kim"), await api_token(client, "park")
    seen = await lobby(client, klass.class_session_id, kim)
    assert seen["refusal"] == "class-not-open"
    assert seen["instructors"] == ["박강사"]
    assert (seen["my_role"], seen["present"], seen["max_participants"]) == ("trainee", 0, 2)
    starts_at = datetime.fromisoformat(seen["class_session"]["starts_at"])
    assert datetime.fromisoformat(seen["opens_at"]) == starts_at - timedelta(minutes=30)
    refused = await Participant().refused_with(
        client, {"api_token": kim, "class_session_id": klass.class_session_id}
    )
    assert refused["type"] == "class-not-open"
    instructor = await connect(client, klass.class_session_id, park)  # staff come in early
    clock.advance(timedelta(minutes=15).total_seconds())
    assert (await lobby(client, klass.class_session_id, kim))["refusal"] is None
    trainee = await connect(client, klass.class_session_id, kim)
    for p in (trainee, instructor):
        await p.close()


async def test_a_full_class_keeps_newcomers_out_but_not_its_own_people(
    client: AppClient, clock: ManualClock
) -> None:
    who = await people(client, clock)
    klass = await class_in(client, clock, who, starts_in=timedelta(minutes=-5))
    tokens = {login: await api_token(client, login) for login in who}
    inside = [await connect(client, klass.class_session_id, tokens[x]) for x in ("kim", "lee")]
    assert (await lobby(client, klass.class_session_id, tokens["choi"]))["refusal"] == "class-full"
    refused = await Participant().refused_with(
        client, {"api_token": tokens["choi"], "class_session_id": klass.class_session_id}
    )
    assert refused["type"] == "class-full"
    # someone already in (a second tab, a reconnect) and the instructor still come in
    again = await connect(client, klass.class_session_id, tokens["kim"])
    instructor = await connect(client, klass.class_session_id, tokens["park"])
    seen = await lobby(client, klass.class_session_id, tokens["park"])
    assert (seen["present"], seen["refusal"], seen["my_role"]) == (3, None, "instructor")
    for p in [*inside, again, instructor]:
        await p.close()


async def test_the_lobby_is_only_for_people_with_a_place(
    client: AppClient, clock: ManualClock
) -> None:
    who = await people(client, clock)
    klass = await class_in(client, clock, who, starts_in=timedelta(minutes=5))
    await add_person(client.app, "outsider", [Role.TRAINEE], clock, name="외부인")
    response = await client.get(
        f"/api/v1/class-sessions/{klass.class_session_id}/lobby",
        headers=bearer(await api_token(client, "outsider")),
    )
    assert response.status == 403
    assert (await response.json())["type"] == "/problems/not-enrolled"
