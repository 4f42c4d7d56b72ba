"""Every chat retry test again with the class over two nodes sharing Redis and the database
(participants on the nodes in turn: a person's second tab is on the other node). Collected only
where Redis is configured. The reconnect case once hung here in teardown: a node's media
signalling listener lost its cancellation inside the Redis client at shutdown; shutdowns now
cancel again until a task ends (server/core/tasks.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from server.app import create_app
from server.core.clock import ManualClock
from tests.conftest import AppClient, NodeFactory, stack_for
from tests.rooms.test_breakout_rounds import Breakout, prepare
from tests.rooms.test_chat_retry import (
    test_a_retry_after_a_reconnect_answers_with_the_original,
    test_a_retry_is_the_same_message_and_the_class_hears_it_once,
    test_another_person_s_same_key_is_another_message,
    test_doubles_at_once_store_one_row,
    test_staff_only_and_group_chat_retries_are_kept_once,
)

pytestmark = pytest.mark.parametrize("stack", [stack_for("services")], ids=["services"])

__all__ = [
    "test_a_retry_after_a_reconnect_answers_with_the_original",
    "test_a_retry_is_the_same_message_and_the_class_hears_it_once",
    "test_another_person_s_same_key_is_another_message",
    "test_doubles_at_once_store_one_row",
    "test_staff_only_and_group_chat_retries_are_kept_once",
]


@pytest.fixture
async def chat(
    nodes: NodeFactory, clock: ManualClock, aiohttp_client: Callable[..., Awaitable[AppClient]]
) -> AsyncIterator[Breakout]:
    quiet = {"rooms_housekeeping_s": 3600.0}  # sweeps run when the test says
    a = await aiohttp_client(create_app(nodes.settings(node_id="node-a", **quiet), clock=clock))
    b = await aiohttp_client(create_app(nodes.settings(node_id="node-b", **quiet), clock=clock))
    state = await prepare([a, b], clock)
    yield state
    for p in state.sockets:
        await p.close()
