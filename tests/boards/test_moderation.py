"""Board moderation with real socket.io clients: pre-approval, staff-only posting, locking,
remove and restore (soft, on record with who did it), highlight and grade, and flagged text
held back whatever the mode."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from server.boards.models import BoardModeration, BoardPost
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from tests.boards.board import Boards, new_board, post_at, post_event, prepare
from tests.conftest import AppClient, bearer


@pytest.fixture
async def boards(client: AppClient, clock: ManualClock) -> AsyncIterator[Boards]:
    state = await prepare([client], clock)
    yield state
    await state.close()


async def test_pre_approval_holds_posts_until_the_instructor_approves(boards: Boards) -> None:
    kim, lee, park = await boards.enter_all("kim", "lee", "park")
    board = await new_board(park, moderation="pre")
    for p in (lee, park):
        await p.ok("board_open", {"board_id": board["id"]})
    waiting = await kim.ok("board_post", {"board_id": board["id"], "body": "승인 대기 글"})
    assert waiting["status"] == "pending"
    queued = await post_event(park, waiting["id"])  # staff get it in full, to decide
    assert (queued["status"], queued["body"]) == ("pending", "승인 대기 글")
    assert [p["id"] for p in (await lee.ok("board_open", {"board_id": board["id"]}))["posts"]] == []
    own = await kim.ok("board_open", {"board_id": board["id"]})
    assert [(p["id"], p["status"]) for p in own["posts"]] == [(waiting["id"], "pending")]
    refused = await lee.call("board_moderate", {"post_id": waiting["id"], "action": "approve"})
    assert refused["error"]["type"] == "forbidden"

    await park.ok("board_moderate", {"post_id": waiting["id"], "action": "approve"})
    shown = await post_event(lee, waiting["id"])
    assert (shown["status"], shown["body"]) == ("published", "승인 대기 글")
    staff_post = await park.ok("board_post", {"board_id": board["id"], "body": "강사 글"})
    assert staff_post["status"] == "published"  # staff are not held back


async def test_flagged_text_waits_whatever_the_mode(boards: Boards) -> None:
    kim, park = await boards.enter_all("kim", "park")
    board = await new_board(park)
    held = await kim.ok("board_post", {"board_id": board["id"], "body": "연락주세요 010-1234-5678"})
    assert held["status"] == "pending"
    fine = await kim.ok("board_post", {"board_id": board["id"], "body": "좋은 의견입니다"})
    edited = await kim.ok("board_edit", {"post_id": fine["id"], "version": 1,
                                         "body": "주민번호 900101-1234567"})  # fmt: skip
    assert edited["status"] == "pending"  # an edit brings it back for review


async def test_remove_and_restore_are_soft_and_on_record(boards: Boards) -> None:
    kim, lee, park = await boards.enter_all("kim", "lee", "park")
    board = await new_board(park)
    await lee.ok("board_open", {"board_id": board["id"]})
    post = await kim.ok("board_post", {"board_id": board["id"], "body": "부적절한 글",
                                       "anonymous": True})  # fmt: skip
    await post_event(lee, post["id"])
    await park.ok("board_moderate", {"post_id": post["id"], "action": "remove",
                                     "reason": "수업과 무관"})  # fmt: skip
    assert (await post_event(lee, post["id"], "board_post_hidden"))["post_id"] == post["id"]
    assert (await lee.ok("board_open", {"board_id": board["id"]}))["posts"] == []
    staff_view = await park.ok("board_open", {"board_id": board["id"]})
    assert [(p["id"], p["status"]) for p in staff_view["posts"]] == [(post["id"], "removed")]
    gone = await kim.call("board_edit", {"post_id": post["id"], "version": 2, "body": "x"})
    assert gone["error"]["type"] == "conflict"  # removed: nobody edits it
    await park.ok("board_moderate", {"post_id": post["id"], "action": "restore"})
    back = await post_event(lee, post["id"])
    assert (back["status"], back["body"]) == ("published", "부적절한 글")
    twice = await park.call("board_moderate", {"post_id": post["id"], "action": "restore"})
    assert twice["error"]["type"] == "conflict"

    log = await boards.client.get(f"/api/v1/boards/{board['id']}/moderation",
                                  headers=bearer(boards.tokens["park"]))  # fmt: skip
    assert log.status == 200
    entries = await log.json()
    assert [(e["action"], e["post_id"], e["by_user_id"]) for e in entries] == [
        ("remove", post["id"], boards.who["park"].id),
        ("restore", post["id"], boards.who["park"].id),
    ]
    assert entries[0]["detail"] == "수업과 무관"
    async with boards.client.app[DATABASE].unit_of_work() as session:
        row = await session.get(BoardPost, post["id"])
        assert row is not None
        assert row.body == "부적절한 글"  # never deleted
        actors = set((await session.scalars(select(BoardModeration.by_user_id))).all())
        assert actors == {boards.who["park"].id}  # the log names staff, never the author
    trainee_log = await boards.client.get(f"/api/v1/boards/{board['id']}/moderation",
                                          headers=bearer(boards.tokens["kim"]))  # fmt: skip
    assert trainee_log.status == 403


async def test_staff_only_boards_and_locking(boards: Boards) -> None:
    kim, park = await boards.enter_all("kim", "park")
    board = await new_board(park, moderation="staff")
    opened = await kim.ok("board_open", {"board_id": board["id"]})
    assert opened["can_post"] is False
    refused = await kim.call("board_post", {"board_id": board["id"], "body": "x"})
    assert refused["error"]["type"] == "forbidden"
    notice = await park.ok("board_post", {"board_id": board["id"], "body": "공지"})

    await park.ok("board_update", {"board_id": board["id"], "moderation": "none",
                                   "locked": True})  # fmt: skip
    changed = await kim.next("board_changed")
    assert (changed["locked"], changed["moderation"]) == (True, "none")
    locked = await kim.call("board_post", {"board_id": board["id"], "body": "x"})
    assert locked["error"]["type"] == "board-locked"
    react = await kim.call("board_react", {"post_id": notice["id"], "kind": "like", "value": 1})
    assert react["error"]["type"] == "board-locked"
    await park.ok("board_update", {"board_id": board["id"], "locked": False})
    assert (await kim.ok("board_post", {"board_id": board["id"], "body": "x"}))["id"]
    await park.ok("board_update", {"board_id": board["id"], "anonymous_allowed": False})
    named_only = await kim.call("board_post", {"board_id": board["id"], "body": "y",
                                               "anonymous": True})  # fmt: skip
    assert named_only["error"]["type"] == "forbidden"


async def test_highlight_grade_and_sections_changed(boards: Boards) -> None:
    kim, park = await boards.enter_all("kim", "park")
    board = await new_board(park, template="kpt")
    await kim.ok("board_open", {"board_id": board["id"]})
    post = await kim.ok("board_post", {"board_id": board["id"], "body": "시도",
                                       "section_id": "try"})  # fmt: skip
    await park.ok("board_highlight", {"post_id": post["id"], "highlighted": True})
    assert (await post_at(kim, post["id"], 2))["highlighted"] is True
    graded = await park.ok("board_grade", {"post_id": post["id"], "grade": "우수"})
    assert graded["grade"] == "우수"
    refused = await kim.call("board_grade", {"post_id": post["id"], "grade": "A+"})
    assert refused["error"]["type"] == "forbidden"
    # the Try section is dropped: its posts go to the first section left, none is lost
    changed = await park.ok("board_update", {"board_id": board["id"], "sections": [
        {"id": "keep", "title": "Keep"}, {"title": "새 칸"}]})  # fmt: skip
    assert [s["title"] for s in changed["sections"]] == ["Keep", "새 칸"]
    state = await kim.ok("board_open", {"board_id": board["id"]})
    assert [(p["id"], p["section_id"]) for p in state["posts"]] == [(post["id"], "keep")]


async def test_staff_changes_at_once_each_get_a_version_and_none_is_lost(boards: Boards) -> None:
    """Highlight, grade and remove pressed back to back: each starts from the one before, so
    the acknowledgements carry three different versions, the last one the class is sent
    holds all three changes, and the record has them all."""
    kim, lee, park = await boards.enter_all("kim", "lee", "park")
    board = await new_board(park)
    await lee.ok("board_open", {"board_id": board["id"]})
    for n in range(6):
        post = await kim.ok("board_post", {"board_id": board["id"], "body": f"글 {n}"})
        answers = await asyncio.gather(
            park.ok("board_highlight", {"post_id": post["id"], "highlighted": True}),
            park.ok("board_grade", {"post_id": post["id"], "grade": "우수"}),
            park.ok("board_moderate", {"post_id": post["id"], "action": "remove"}),
        )
        assert sorted(a["version"] for a in answers) == [2, 3, 4]
        async with boards.client.app[DATABASE].unit_of_work() as session:
            kept = await session.get(BoardPost, post["id"])
        assert kept is not None
        assert (kept.version, kept.highlighted, kept.grade, kept.status) == (
            4,
            True,
            "우수",
            "removed",
        )


async def test_places_count_only_the_posts_the_mover_sees(boards: Boards) -> None:
    kim, lee, choi, park = await boards.enter_all("kim", "lee", "choi", "park")
    board = await new_board(park, moderation="pre")
    await kim.ok("board_open", {"board_id": board["id"]})
    first = await park.ok("board_post", {"board_id": board["id"], "body": "A"})
    waiting = await choi.ok("board_post", {"board_id": board["id"], "body": "P (대기)"})
    second = await park.ok("board_post", {"board_id": board["id"], "body": "B"})
    # lee sees [A, B]: "A to place 1" means after B, whatever waits unseen between them
    await lee.ok("board_move", {"post_id": first["id"], "version": 1, "index": 1})
    seen = await lee.ok("board_open", {"board_id": board["id"]})
    assert [p["body"] for p in seen["posts"]] == ["B", "A"]
    await park.ok("board_moderate", {"post_id": waiting["id"], "action": "reject"})
    told = await post_event(kim, waiting["id"], "board_post_hidden")
    assert told["status"] == "rejected"  # its author's page can say why it went
    assert second["status"] == "published"
