"""The lock-out holds across nodes: failures on one node lock the login on the other (the
counts are in Redis). Services stack only; tests/conftest.py skips collecting it without Redis."""

from __future__ import annotations

import pytest

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from tests.conftest import PASSWORD, NodeFactory, add_person, stack_for
from tests.limits.helpers import MakeClient, app_client, attempt, refused

pytestmark = pytest.mark.parametrize("stack", [stack_for("services")], ids=["services"])


async def test_failures_on_one_node_lock_the_login_on_the_other(
    nodes: NodeFactory, clock: ManualClock, aiohttp_client: MakeClient
) -> None:
    small = {"login_lockout_failures": 4, "login_lockout_base_s": 30.0}
    a = await app_client(nodes, clock, aiohttp_client, node_id="node-a", **small)
    b = await app_client(nodes, clock, aiohttp_client, node_id="node-b", **small)
    await add_person(a.app, "kim", [Role.TRAINEE], clock)
    for node in (a, b, a, b):  # four failures, split between the nodes
        assert (await attempt(node, "kim", "wrong guess")).status == 401
    assert await refused(await attempt(a, "kim", PASSWORD)) == 30
    assert await refused(await attempt(b, "kim", PASSWORD)) == 30
    clock.advance(30)
    for node in (b, a, b, a):  # the second lock-out, seen from both, is twice as long
        assert (await attempt(node, "kim", "wrong guess")).status == 401
    assert await refused(await attempt(b, "kim", PASSWORD)) == 60
    clock.advance(60)
    assert (await attempt(b, "kim", PASSWORD)).status == 200  # in, on either node, and the
    for node in (a, b, a, b):  # success on b cleared the back-off a sees
        assert (await attempt(node, "kim", "wrong guess")).status == 401
    assert await refused(await attempt(a, "kim", PASSWORD)) == 30
