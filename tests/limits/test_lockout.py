"""Log-in lock-out with back-off: N failures lock a login (or an address), each further
lock-out doubles up to a cap, the right password is refused like a wrong one while locked, and
a successful log-in after the lock clears the count and the back-off."""

from __future__ import annotations

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from tests.conftest import PASSWORD, NodeFactory, add_person
from tests.limits.helpers import MakeClient, app_client, attempt, metric, refused

SMALL = {
    "login_lockout_failures": 3,
    "login_lockout_base_s": 60.0,
    "login_lockout_max_s": 200.0,
    "login_lockout_address_failures": 1000,
}


async def fail(client: object, login: str, times: int, address: str | None = None) -> None:
    for _ in range(times):
        response = await attempt(client, login, "wrong guess", address)  # type: ignore[arg-type]
        assert response.status == 401, await response.text()


async def test_lockout_doubles_is_capped_and_a_good_log_in_after_it_resets(
    nodes: NodeFactory, clock: ManualClock, aiohttp_client: MakeClient
) -> None:
    client = await app_client(nodes, clock, aiohttp_client, **SMALL)
    await add_person(client.app, "kim", [Role.TRAINEE], clock)
    await add_person(client.app, "lee", [Role.TRAINEE], clock)

    await fail(client, "kim", 3)
    # locked: the right password gets exactly what a wrong one gets (no oracle)
    right = await attempt(client, "kim", PASSWORD)
    wrong = await attempt(client, "kim", "wrong guess")
    assert await refused(right) == 60
    assert await refused(wrong) == 60
    assert (await right.json())["detail"] == (await wrong.json())["detail"]
    assert (await attempt(client, "Kim ", PASSWORD)).status == 429  # the same login, spelt so
    assert (await attempt(client, "lee", PASSWORD)).status == 200  # others are not locked
    clock.advance(59)
    assert await refused(await attempt(client, "kim", PASSWORD)) == 1  # refusals do not extend

    clock.advance(1)  # the lock is over; three more failures lock for twice as long
    await fail(client, "kim", 3)
    assert await refused(await attempt(client, "kim", PASSWORD)) == 120
    clock.advance(120)
    await fail(client, "kim", 3)
    assert await refused(await attempt(client, "kim", PASSWORD)) == 200  # 240, capped
    clock.advance(200)
    await fail(client, "kim", 3)
    assert await refused(await attempt(client, "kim", PASSWORD)) == 200  # stays at the cap
    assert await metric(client, 'baeum_login_lockouts_total{scope="login"}') == 4

    clock.advance(200)
    assert (await attempt(client, "kim", PASSWORD)).status == 200  # after the lock: in, and
    await fail(client, "kim", 2)  # the count starts again from nothing ...
    assert (await attempt(client, "kim", PASSWORD)).status == 200
    await fail(client, "kim", 3)
    assert await refused(await attempt(client, "kim", PASSWORD)) == 60  # ... back-off too


async def test_failures_from_one_address_lock_that_address_not_others(
    nodes: NodeFactory, clock: ManualClock, aiohttp_client: MakeClient
) -> None:
    client = await app_client(
        nodes, clock, aiohttp_client, **{**SMALL, "login_lockout_address_failures": 5},
        trusted_proxies=["127.0.0.1/32"],
    )  # fmt: skip
    await add_person(client.app, "kim", [Role.TRAINEE], clock)
    sprayer, office = "203.0.113.7", "198.51.100.20"
    for n in range(5):  # one guess at each of five logins: no login reaches its own limit
        await fail(client, f"guess{n}", 1, sprayer)
    assert await refused(await attempt(client, "kim", PASSWORD, sprayer)) == 60
    assert (await attempt(client, "kim", PASSWORD, office)).status == 200
    assert await metric(client, 'baeum_login_lockouts_total{scope="address"}') == 1
    assert await metric(client, 'baeum_login_lockouts_total{scope="login"}') == 0
    # a good log-in from the address does not clear the address's count
    clock.advance(60)
    assert (await attempt(client, "kim", PASSWORD, sprayer)).status == 200
    for n in range(5):
        await fail(client, f"again{n}", 1, sprayer)
    assert await refused(await attempt(client, "kim", PASSWORD, sprayer)) == 120
