"""Join links that must not let anyone in: one character changed anywhere, another link's
payload under this one's signature, replayed after expiry, signed for a class the person is
not in, or presented to another class; each refused with its own clear problem, over HTTP and
the class socket, and no refused join leaves an attendance row. (Links are deliberately not
single-use: the same trainee may open theirs on a phone and a PC, docs/api.md.)"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from server.core.auth import tokens
from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE, SECRET_KEY
from server.rooms.models import AttendanceEvent, AttendanceKind
from tests.conftest import AppClient, bearer
from tests.rooms.classroom import Participant
from tests.security.authz.conftest import World


async def link(client: AppClient, world: World, class_session_id: int) -> str:
    response = await client.post(
        f"/api/v1/class-sessions/{class_session_id}/join-links",
        json={},
        headers=bearer(world.tokens[Role.OPERATOR.value]),
    )
    assert response.status == 200, await response.text()
    return str((await response.json())[0]["url"]).rsplit("/join/", 1)[1]


def one_changed(token: str) -> list[str]:
    """The token with one character changed in the middle of each of its three parts."""
    altered = []
    start = 0
    for part in token.split("."):
        at = start + len(part) // 2
        altered.append(token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1 :])
        start += len(part) + 1
    return altered


async def attendance(client: AppClient) -> int:
    """Joins recorded (a leave may still be on its way from a socket just closed)."""
    async with client.app[DATABASE].unit_of_work() as session:
        stmt = select(func.count()).where(
            AttendanceEvent.kind.in_([AttendanceKind.JOIN, AttendanceKind.RESUME])
        )
        return int(await session.scalar(stmt) or 0)


async def refused_everywhere(client: AppClient, token: str, slug: str) -> None:
    response = await client.post("/api/v1/join", json={"token": token})
    assert response.status in (401, 403), token
    assert (await response.json())["type"] == f"/problems/{slug}", token
    page = await client.get(f"/join/{token}", allow_redirects=False)
    assert page.status in (401, 403), token
    assert "baeum_session" not in page.cookies
    refusal = await Participant().refused_with(client, {"join_link": token})
    assert refusal["type"] == slug, (token, refusal)


async def test_altered_swapped_expired_and_misdirected_links_are_refused(
    client: AppClient, world: World, clock: ManualClock
) -> None:
    clock.advance(3600)  # the class is open
    mine = await link(client, world, world.klass.class_session_id)
    theirs = await link(client, world, world.other_class.class_session_id)
    head, _, signature = mine.split(".")
    swapped = f"{head}.{theirs.split('.')[1]}.{signature}"  # their payload, my signature
    for token in [*one_changed(mine), swapped, mine + "x", mine[:-1]]:
        await refused_everywhere(client, token, "join-link-invalid")
    # signed by us, but for a class the trainee is not in
    elsewhere = tokens.sign(
        client.app[SECRET_KEY], tokens.Purpose.JOIN,
        {"sub": str(world.people[Role.TRAINEE].id), "cs": world.other_class.class_session_id},
        clock.now() + timedelta(hours=1),
    )  # fmt: skip
    await refused_everywhere(client, elsewhere, "not-enrolled")
    assert await attendance(client) == 0

    # a good link presented to another class lands in its own class, never the other
    p = Participant()
    auth: dict[str, Any] = {
        "join_link": mine,
        "class_session_id": world.other_class.class_session_id,
    }
    await p.connect(client, auth)
    try:
        state = await p.ok("join", {})
        assert state["class_session"]["id"] == world.klass.class_session_id
    finally:
        await p.close()

    # replayed after it expired (6 h after the class ends; it started now and lasts 3 h)
    clock.advance(timedelta(hours=9, seconds=1).total_seconds())
    before = await attendance(client)
    await refused_everywhere(client, mine, "join-link-expired")
    assert await attendance(client) == before
