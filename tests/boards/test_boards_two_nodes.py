"""Every board test again with the class over two nodes sharing Redis and the database
(participants on the nodes in turn, so the poster and the watcher are on different nodes).
Collected only where Redis is configured."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from server.app import create_app
from server.core.clock import ManualClock
from tests.boards.board import Boards, prepare
from tests.boards.test_board_http import (
    test_a_course_board_is_prepared_once_and_copied_into_a_class,
    test_a_phone_photo_is_posted_without_its_location,
    test_the_xss_corpus_is_stored_and_pushed_inert,
)
from tests.boards.test_group_boards import (
    test_a_group_board_follows_its_member_moved_elsewhere,
    test_each_group_posts_on_its_own_board_and_all_see_them_after,
)
from tests.boards.test_moderation import (
    test_flagged_text_waits_whatever_the_mode,
    test_highlight_grade_and_sections_changed,
    test_pre_approval_holds_posts_until_the_instructor_approves,
    test_remove_and_restore_are_soft_and_on_record,
    test_staff_only_boards_and_locking,
)
from tests.boards.test_posts import (
    test_a_post_reaches_everyone_on_the_board_named_or_anonymous,
    test_a_retry_after_a_reconnect_is_the_same_post,
    test_a_stale_edit_is_refused_with_the_current_post,
    test_canvas_positions_and_connectors,
    test_moves_reorder_without_losing_posts,
    test_templates_give_sections_and_everyone_lists_the_board,
    test_withdraw_comments_and_reactions,
)
from tests.conftest import AppClient, NodeFactory, stack_for
from tests.rooms import test_breakout_rounds

pytestmark = pytest.mark.parametrize("stack", [stack_for("services")], ids=["services"])

__all__ = [
    "test_a_course_board_is_prepared_once_and_copied_into_a_class",
    "test_a_group_board_follows_its_member_moved_elsewhere",
    "test_a_phone_photo_is_posted_without_its_location",
    "test_a_post_reaches_everyone_on_the_board_named_or_anonymous",
    "test_a_retry_after_a_reconnect_is_the_same_post",
    "test_a_stale_edit_is_refused_with_the_current_post",
    "test_canvas_positions_and_connectors",
    "test_each_group_posts_on_its_own_board_and_all_see_them_after",
    "test_flagged_text_waits_whatever_the_mode",
    "test_highlight_grade_and_sections_changed",
    "test_moves_reorder_without_losing_posts",
    "test_pre_approval_holds_posts_until_the_instructor_approves",
    "test_remove_and_restore_are_soft_and_on_record",
    "test_staff_only_boards_and_locking",
    "test_templates_give_sections_and_everyone_lists_the_board",
    "test_the_xss_corpus_is_stored_and_pushed_inert",
    "test_withdraw_comments_and_reactions",
]


async def _two(nodes: NodeFactory, clock: ManualClock,
               aiohttp_client: Callable[..., Awaitable[AppClient]]) -> list[AppClient]:  # fmt: skip
    quiet = {"rooms_housekeeping_s": 3600.0}  # sweeps run when the test says
    return [await aiohttp_client(create_app(nodes.settings(node_id=f"node-{n}", **quiet),
                                            clock=clock)) for n in ("a", "b")]  # fmt: skip


@pytest.fixture
async def boards(
    nodes: NodeFactory, clock: ManualClock, aiohttp_client: Callable[..., Awaitable[AppClient]]
) -> AsyncIterator[Boards]:
    state = await prepare(await _two(nodes, clock, aiohttp_client), clock)
    yield state
    await state.close()


@pytest.fixture
async def breakout(
    nodes: NodeFactory, clock: ManualClock, aiohttp_client: Callable[..., Awaitable[AppClient]]
) -> AsyncIterator[test_breakout_rounds.Breakout]:
    state = await test_breakout_rounds.prepare(await _two(nodes, clock, aiohttp_client), clock)
    yield state
    for p in state.sockets:
        await p.close()
