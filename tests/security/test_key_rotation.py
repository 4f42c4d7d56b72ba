"""Rotating the secret key logs no one out: with BAEUM_SECRET_KEY=B and
BAEUM_PREVIOUS_SECRET_KEYS=[A], what was signed under A (join links, class tokens, CSRF tokens,
sealed class pseudonym keys) still works and new signatures use B; once A is dropped, what
only A signed is refused. Sessions and API tokens are random values stored hashed, not
signed: they outlive any rotation (revoking them is how they end)."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import socketio
from aiohttp import web

from server.app import create_app
from server.config import KeyRing
from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE, SECRET_KEY, SETTINGS
from server.lms.service import get_class_session
from server.polls.secrets import Pseudonyms
from server.rooms.service import sign_invitation
from tests.conftest import AppClient, NodeFactory, add_person, api_token, bearer, log_in
from tests.factories import make_class
from tests.rooms.classroom import Participant

Factory = Callable[..., Awaitable[AppClient]]


async def node(
    nodes: NodeFactory, clock: ManualClock, aiohttp_client: Factory, key: str, previous: list[str]
) -> AppClient:
    settings = nodes.settings(secret_key=key, previous_secret_keys=previous)
    return await aiohttp_client(create_app(settings, clock=clock))


async def join_token(app: web.Application, class_session_id: int, user_id: int) -> str:
    async with app[DATABASE].unit_of_work() as session:
        class_session = await get_class_session(session, class_session_id)
    return sign_invitation(app[SECRET_KEY], app[SETTINGS], class_session, user_id)[0]


def with_cookie(client: AppClient, cookie: str) -> AppClient:
    client.session.cookie_jar.update_cookies({"baeum_session": cookie})
    return client


async def socket_accepts(client: AppClient, auth: dict[str, Any]) -> bool:
    person = Participant()
    try:
        await person.connect(client, auth)
        return True
    except socketio.exceptions.ConnectionError:  # refused
        return False
    finally:
        await person.close()


async def test_a_rotated_key_keeps_everyone_signed_in_until_the_old_key_is_dropped(
    nodes: NodeFactory, clock: ManualClock, aiohttp_client: Factory
) -> None:
    key_a, key_b = nodes.secret, secrets.token_urlsafe(40)
    before = await node(nodes, clock, aiohttp_client, key_a, [])
    operator = await add_person(before.app, "oper", [Role.OPERATOR], clock)
    trainee = await add_person(before.app, "kim", [Role.TRAINEE], clock)
    fixture = await make_class(
        before.app, clock, trainees=[trainee.id], starts_in=timedelta(minutes=5)
    )
    cs = fixture.class_session_id
    token = await api_token(before, "oper")
    csrf = await log_in(before, "oper")
    cookie = before.session.cookie_jar.filter_cookies(before.make_url("/"))["baeum_session"].value
    minted = await before.post(
        f"/api/v1/class-sessions/{cs}/class-token", headers={"X-CSRF-Token": csrf}
    )
    assert minted.status == 200, await minted.text()
    class_token = (await minted.json())["token"]
    invitation = await join_token(before.app, cs, trainee.id)

    # B signs, A is still accepted
    rotated = with_cookie(await node(nodes, clock, aiohttp_client, key_b, [key_a]), cookie)
    assert (await rotated.get("/api/v1/auth/session")).status == 200
    write = await rotated.post(
        "/api/v1/auth/tokens", json={"name": "after rotation"}, headers={"X-CSRF-Token": csrf}
    )
    assert write.status == 201, await write.text()
    assert (await rotated.get("/api/v1/auth/session", headers=bearer(token))).status == 200
    assert await socket_accepts(rotated, {"token": class_token})
    assert await socket_accepts(rotated, {"join_link": invitation})
    new_csrf = (await (await rotated.get("/api/v1/auth/session")).json())["csrf_token"]
    assert new_csrf != csrf  # a CSRF token is now derived under B
    fresh = await rotated.post("/api/v1/join", json={"token": invitation})  # signs kim in
    assert fresh.status == 200, await fresh.text()
    assert (await fresh.json())["user"]["id"] == trainee.id
    new_invitation = await join_token(rotated.app, cs, trainee.id)

    # A dropped: what only A signed is refused; what B signed works
    after = with_cookie(await node(nodes, clock, aiohttp_client, key_b, []), cookie)
    stale_link = await after.post("/api/v1/join", json={"token": invitation})
    assert stale_link.status == 401
    assert (await stale_link.json())["type"].endswith("/join-link-invalid")
    assert not await socket_accepts(after, {"token": class_token})
    assert not await socket_accepts(after, {"join_link": invitation})
    stale_csrf = await after.post(
        "/api/v1/auth/tokens", json={"name": "stale"}, headers={"X-CSRF-Token": csrf}
    )
    assert stale_csrf.status == 403
    good_csrf = await after.post(
        "/api/v1/auth/tokens", json={"name": "fresh"}, headers={"X-CSRF-Token": new_csrf}
    )
    assert good_csrf.status == 201
    assert await socket_accepts(after, {"join_link": new_invitation})
    # not signed, so not ended by a rotation: the session and the API token
    assert (await after.get("/api/v1/auth/session", headers=bearer(token))).status == 200
    assert operator.id == (await (await after.get("/api/v1/auth/session")).json())["user"]["id"]


async def test_class_pseudonym_keys_survive_a_rotation_and_are_resealed(
    client: AppClient, clock: ManualClock
) -> None:
    key_a, key_b = b"a" * 40, b"b" * 40
    trainee = await add_person(client.app, "kim", [Role.TRAINEE], clock)
    cs = (await make_class(client.app, clock, trainees=[trainee.id])).class_session_id
    database = client.app[DATABASE]
    async with database.unit_of_work() as session:
        under_a = await Pseudonyms(KeyRing(key_a)).tag(session, cs, trainee.id, clock.now())
    async with database.unit_of_work() as session:
        both = Pseudonyms(KeyRing(key_b, (key_a,)))
        rotated = await both.tag(session, cs, trainee.id, clock.now())
    assert rotated == under_a
    async with database.unit_of_work() as session:  # resealed under B on that first use
        only_b = await Pseudonyms(KeyRing(key_b)).tag(session, cs, trainee.id, clock.now())
    assert only_b == under_a
