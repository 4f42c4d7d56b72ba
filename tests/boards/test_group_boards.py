"""Breakout groups' boards with real socket.io clients: each group gets its own board when
the groups open (from the chosen template), only its members and staff see it and post on it,
and when the groups close every group's board comes back to the whole class, read-only, and
stays on the class's record (reopened if the same groups meet again)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from server.core.clock import ManualClock
from tests.conftest import AppClient, bearer
from tests.rooms.classroom import Participant
from tests.rooms.test_breakout_rounds import Breakout, open_groups, prepare


@pytest.fixture
async def breakout(client: AppClient, clock: ManualClock) -> AsyncIterator[Breakout]:
    state = await prepare([client], clock)
    yield state
    for p in state.sockets:
        await p.close()


def by_group(listed: dict[str, Any]) -> dict[int | None, dict[str, Any]]:
    return {b["group_id"]: b for b in listed["boards"]}


async def test_each_group_posts_on_its_own_board_and_all_see_them_after(
    breakout: Breakout, clock: ManualClock
) -> None:
    bo = breakout
    kim, jung, park = await bo.enter("kim"), await bo.enter("jung"), await bo.enter("park")
    main = await park.ok("board_create", {"title": "전체 보드"})
    await open_groups(bo, park, board_template="kpt")
    await kim.next("boards_changed")
    mine = by_group(await kim.ok("board_list"))
    assert set(mine) == {None, bo.a}  # the class's board and my group's, not group B's
    a_board = mine[bo.a]
    assert ([s["id"] for s in a_board["sections"]], a_board["archived"]) == (
        ["keep", "problem", "try"],
        False,
    )
    assert set(by_group(await park.ok("board_list"))) == {None, bo.a, bo.b}
    b_board = by_group(await jung.ok("board_list"))[bo.b]

    await park.ok("board_open", {"board_id": a_board["id"]})  # staff look in on group A
    post = await kim.ok("board_post", {"board_id": a_board["id"], "body": "우리 조 의견",
                                       "section_id": "try"})  # fmt: skip
    assert (await park.next("board_post"))["id"] == post["id"]
    liked = await kim.ok("board_post", {"board_id": a_board["id"], "body": "모두가 고른 의견"})
    await park.ok("board_react", {"post_id": liked["id"], "kind": "like", "value": 1})
    await kim.ok("qa_ask", {"text": "우리 조 질문입니다"})
    peek = await jung.call("board_open", {"board_id": a_board["id"]})
    assert peek["error"]["type"] == "not-found"
    intrude = await jung.call("board_post", {"board_id": a_board["id"], "body": "x"})
    assert intrude["error"]["type"] == "not-found"
    await jung.ok("board_post", {"board_id": b_board["id"], "body": "B조 의견"})
    await kim.ok("board_post", {"board_id": main["id"], "body": "전체 보드에도"})
    overview = {g["id"]: g for g in (await park.ok("breakout_overview"))["groups"]}
    assert [p["text"] for p in overview[bo.a]["board"]] == ["모두가 고른 의견", "우리 조 의견"]
    assert [p["text"] for p in overview[bo.b]["board"]] == ["B조 의견"]

    await park.ok("breakout_close", {})
    await jung.next("boards_changed")
    after = by_group(await jung.ok("board_list"))
    assert set(after) == {None, bo.a, bo.b}
    assert after[bo.a]["archived"]
    assert after[bo.b]["archived"]
    shown = await jung.ok("board_open", {"board_id": a_board["id"]})
    assert [p["body"] for p in shown["posts"]] == ["우리 조 의견", "모두가 고른 의견"]
    assert shown["can_post"] is False
    late = await kim.call("board_post", {"board_id": a_board["id"], "body": "늦은 글"})
    assert late["error"]["type"] == "board-locked"

    record = await bo.client.get(f"/api/v1/class-sessions/{bo.klass.class_session_id}/boards",
                                 headers=bearer(bo.tokens["park"]))  # fmt: skip
    kept = {b["group_id"]: b for b in await record.json()}
    assert set(kept) == {None, bo.a, bo.b}
    assert kept[bo.a]["archived"] is True
    rounds = await bo.client.get(
        f"/api/v1/class-sessions/{bo.klass.class_session_id}/breakout-rounds",
        headers=bearer(bo.tokens["park"]),
    )
    (only,) = await rounds.json()
    summary = {g["group_id"]: g for g in only["groups"]}
    assert bo.who["kim"].id in summary[bo.a]["members"]
    assert bo.who["jung"].id in summary[bo.b]["members"]
    assert bo.who["kim"].id not in summary[bo.b]["members"]
    assert (summary[bo.a]["board"]["board_id"], summary[bo.a]["board"]["posts"]) == (
        a_board["id"],
        2,
    )
    top = summary[bo.a]["board"]["top"]
    assert [(p["text"], p["likes_and_votes"]) for p in top] == [("모두가 고른 의견", 1),
                                                                ("우리 조 의견", 0)]  # fmt: skip
    assert (summary[bo.a]["questions"], summary[bo.b]["questions"]) == (1, 0)
    assert [p["text"] for p in summary[bo.b]["board"]["top"]] == ["B조 의견"]

    await open_groups(bo, park)  # the same groups meet again: their boards reopen
    again = by_group(await kim.ok("board_list"))
    assert again[bo.a]["id"] == a_board["id"]
    assert again[bo.a]["archived"] is False
    assert (await kim.ok("board_post", {"board_id": a_board["id"], "body": "2차"}))["id"]


async def test_a_group_board_follows_its_member_moved_elsewhere(breakout: Breakout) -> None:
    bo = breakout
    kim, park = await bo.enter("kim"), await bo.enter("park")
    await open_groups(bo, park)
    a_board = by_group(await kim.ok("board_list"))[bo.a]
    await park.ok("breakout_move", {"user_id": bo.who["kim"].id, "group_id": bo.b})
    moved: Participant = kim
    listed = by_group(await moved.ok("board_list"))
    assert set(listed) == {bo.b}
    refused = await moved.call("board_post", {"board_id": a_board["id"], "body": "x"})
    assert refused["error"]["type"] == "not-found"
