"""Every breakout round test again with the class spread over two nodes sharing Redis and the
database: participants join the nodes in turn, and both nodes sweep. Collected only where
Redis is configured (the scaled set-up), like test_many_nodes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from server.app import create_app
from server.core.clock import ManualClock
from tests.conftest import AppClient, NodeFactory, stack_for
from tests.rooms.test_breakout_rounds import (
    Breakout,
    prepare,
    test_bad_requests_change_nothing,
    test_closing_with_a_last_countdown,
    test_group_chat_stays_in_the_group_and_visitors_hear_it,
    test_help_calls_and_moves,
    test_opening_moves_everyone_and_latecomers_land_in_their_group,
    test_the_clock_warns_extends_and_closes,
)

pytestmark = pytest.mark.parametrize("stack", [stack_for("services")], ids=["services"])

__all__ = [
    "test_bad_requests_change_nothing",
    "test_closing_with_a_last_countdown",
    "test_group_chat_stays_in_the_group_and_visitors_hear_it",
    "test_help_calls_and_moves",
    "test_opening_moves_everyone_and_latecomers_land_in_their_group",
    "test_the_clock_warns_extends_and_closes",
]


@pytest.fixture
async def breakout(
    nodes: NodeFactory, clock: ManualClock, aiohttp_client: Callable[..., Awaitable[AppClient]]
) -> AsyncIterator[Breakout]:
    quiet = {"rooms_housekeeping_s": 3600.0}  # sweeps run when the test says
    a = await aiohttp_client(create_app(nodes.settings(node_id="node-a", **quiet), clock=clock))
    b = await aiohttp_client(create_app(nodes.settings(node_id="node-b", **quiet), clock=clock))
    state = await prepare([a, b], clock)
    yield state
    for p in state.sockets:
        await p.close()
