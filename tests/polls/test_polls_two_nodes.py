"""Every Q&A and poll test again with the class over two nodes sharing Redis and the database
(participants on the nodes in turn). Collected only where Redis is configured."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from server.app import create_app
from server.core.clock import ManualClock
from tests.conftest import AppClient, NodeFactory, stack_for
from tests.polls import test_polls, test_qa
from tests.polls.test_polls import (
    test_a_named_quiz_feeds_completion_figures,
    test_a_poll_for_one_breakout_group,
    test_a_timer_closes_the_poll,
    test_every_kind_of_item_end_to_end,
    test_hidden_results_go_to_staff_until_shown,
    test_one_answer_each_doubles_retries_and_final_quizzes,
)
from tests.polls.test_qa import (
    test_anonymity_holds_against_the_database_and_the_secret_can_be_destroyed,
    test_anonymous_and_named_questions_edit_and_withdraw,
    test_moderation_at_once_reaches_every_page_in_the_order_it_was_made,
    test_moderation_filters_replies_pins_and_mutes,
    test_one_upvote_each_even_doubled_and_retried,
    test_questions_in_a_breakout_group_stay_in_it,
    test_two_questions_pinned_at_once_leave_one_pin,
    test_votes_are_no_revision_and_lose_no_moderation,
)

pytestmark = pytest.mark.parametrize("stack", [stack_for("services")], ids=["services"])

__all__ = [
    "test_a_named_quiz_feeds_completion_figures",
    "test_a_poll_for_one_breakout_group",
    "test_a_timer_closes_the_poll",
    "test_anonymity_holds_against_the_database_and_the_secret_can_be_destroyed",
    "test_anonymous_and_named_questions_edit_and_withdraw",
    "test_every_kind_of_item_end_to_end",
    "test_hidden_results_go_to_staff_until_shown",
    "test_moderation_at_once_reaches_every_page_in_the_order_it_was_made",
    "test_moderation_filters_replies_pins_and_mutes",
    "test_one_answer_each_doubles_retries_and_final_quizzes",
    "test_one_upvote_each_even_doubled_and_retried",
    "test_questions_in_a_breakout_group_stay_in_it",
    "test_two_questions_pinned_at_once_leave_one_pin",
    "test_votes_are_no_revision_and_lose_no_moderation",
]


async def _two(nodes: NodeFactory, clock: ManualClock,
               aiohttp_client: Callable[..., Awaitable[AppClient]]) -> list[AppClient]:  # fmt: skip
    quiet = {"rooms_housekeeping_s": 3600.0}  # sweeps run when the test says
    return [await aiohttp_client(create_app(nodes.settings(node_id=f"node-{n}", **quiet),
                                            clock=clock)) for n in ("a", "b")]  # fmt: skip


@pytest.fixture
async def room(
    nodes: NodeFactory, clock: ManualClock, aiohttp_client: Callable[..., Awaitable[AppClient]]
) -> AsyncIterator[test_polls.Room]:
    state = await test_polls.prepare(await _two(nodes, clock, aiohttp_client), clock)
    yield state
    for p in state.sockets:
        await p.close()


@pytest.fixture
async def qa(
    nodes: NodeFactory, clock: ManualClock, aiohttp_client: Callable[..., Awaitable[AppClient]]
) -> AsyncIterator[test_qa.QA]:
    state = await test_qa.prepare(await _two(nodes, clock, aiohttp_client), clock)
    yield state
    for p in state.sockets:
        await p.close()
