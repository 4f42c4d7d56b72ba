"""Board posts with real socket.io clients: every post operation reaching everyone on the
board, retries without duplicates, concurrent edits and moves that never lose a change or a
post, comments, reactions, canvas connectors and anonymity against the database itself."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from server.boards.models import BoardComment, BoardPost, BoardReaction
from server.boards.schemas import PostOut
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.polls.events import PSEUDONYMS
from tests.boards.board import Boards, new_board, post_at, post_event, prepare
from tests.conftest import AppClient


@pytest.fixture
async def boards(client: AppClient, clock: ManualClock) -> AsyncIterator[Boards]:
    state = await prepare([client], clock)
    yield state
    await state.close()


async def test_templates_give_sections_and_everyone_lists_the_board(boards: Boards) -> None:
    kim, park = await boards.enter("kim"), await boards.enter("park")
    board = await new_board(park, title="회고", template="kpt")
    assert board["layout"] == "columns"
    assert [s["id"] for s in board["sections"]] == ["keep", "problem", "try"]
    assert (await kim.next("boards_changed"))["board_id"] == board["id"]
    listed = await kim.ok("board_list")
    assert [b["id"] for b in listed["boards"]] == [board["id"]]
    late = await boards.enter("choi")  # a late joiner finds it in the class state
    assert [b["id"] for b in late.state["boards"]] == [board["id"]]
    refused = await kim.call("board_create", {"title": "내 보드"})
    assert refused["error"]["type"] == "forbidden"


async def test_a_post_reaches_everyone_on_the_board_named_or_anonymous(boards: Boards) -> None:
    kim, lee, park = await boards.enter_all("kim", "lee", "park")
    board = await new_board(park, template="kpt")
    await lee.ok("board_open", {"board_id": board["id"]})
    opened = await kim.ok("board_open", {"board_id": board["id"]})
    assert opened["can_post"] is True
    assert opened["can_moderate"] is False
    named = await kim.ok("board_post", {
        "board_id": board["id"], "title": "좋았던 점", "body": "<b>토론</b>이 활발했다",
        "section_id": "keep", "colour": "pink"})  # fmt: skip
    assert (named["mine"], named["author_name"], named["version"]) == (True, "김민지", 1)
    seen = await post_event(lee, named["id"])
    assert (seen["title"], seen["body"], seen["section_id"]) == (
        "좋았던 점",
        "<b>토론</b>이 활발했다",
        "keep",
    )
    assert (seen["mine"], seen["author_name"], seen["colour"]) == (False, "김민지", "pink")

    anon = await kim.ok("board_post", {"board_id": board["id"], "body": "시간이 부족했다",
                                       "section_id": "problem", "anonymous": True})  # fmt: skip
    seen = await post_event(lee, anon["id"])
    assert (seen["anonymous"], seen["author_name"]) == (True, None)
    async with boards.client.app[DATABASE].unit_of_work() as session:
        row = await session.get(BoardPost, anon["id"])
        assert row is not None
        assert row.author_id is None
        assert row.author_name is None
        pseudonym = await boards.client.app[PSEUDONYMS].tag(
            session, boards.klass.class_session_id, boards.who["kim"].id, row.created_at
        )
        assert row.author_tag == pseudonym  # a keyed hash under the class's secret only


async def test_a_retry_after_a_reconnect_is_the_same_post(boards: Boards) -> None:
    kim, lee, park = await boards.enter_all("kim", "lee", "park")
    board = await new_board(park)
    await lee.ok("board_open", {"board_id": board["id"]})
    body = {"board_id": board["id"], "body": "아이디어", "request_id": "post-0000001"}
    first = await kim.ok("board_post", body)
    await kim.drop()
    kim = await boards.enter("kim")
    answers = await asyncio.gather(*(kim.call("board_post", body) for _ in range(3)))
    assert {a["id"] for a in answers} == {first["id"]}
    assert (await post_event(lee, first["id"]))["body"] == "아이디어"
    state = await lee.ok("board_open", {"board_id": board["id"]})
    assert [p["id"] for p in state["posts"]] == [first["id"]]
    assert lee.nothing_pending("board_post")


async def test_a_stale_edit_is_refused_with_the_current_post(boards: Boards) -> None:
    kim, park = await boards.enter("kim"), await boards.enter("park")
    board = await new_board(park)
    await park.ok("board_open", {"board_id": board["id"]})
    post = await kim.ok("board_post", {"board_id": board["id"], "body": "처음"})
    # two edits of version 1 at once (the author and the instructor): exactly one wins
    answers = await asyncio.gather(
        kim.call("board_edit", {"post_id": post["id"], "version": 1, "body": "작성자 수정"}),
        park.call("board_edit", {"post_id": post["id"], "version": 1, "body": "강사 수정"}),
    )
    won = [a for a in answers if a["ok"]]
    lost = [a for a in answers if not a["ok"]]
    assert len(won) == 1, answers
    assert len(lost) == 1, answers
    assert lost[0]["error"]["type"] == "edit-conflict"
    current = lost[0]["error"]["current"]
    assert (current["version"], current["body"]) == (2, won[0]["body"])
    retried = await kim.call("board_edit", {"post_id": post["id"], "version": current["version"],
                                            "title": "제목"})  # fmt: skip
    assert retried["ok"]
    assert (retried["version"], retried["body"]) == (3, won[0]["body"])
    refused = await (await boards.enter("lee")).call(
        "board_edit", {"post_id": post["id"], "version": 3, "body": "남의 글"})  # fmt: skip
    assert refused["error"]["type"] == "forbidden"


async def test_moves_reorder_without_losing_posts(boards: Boards) -> None:
    kim, lee, park = await boards.enter_all("kim", "lee", "park")
    board = await new_board(park, template="brainstorm")
    made = [await kim.ok("board_post", {"board_id": board["id"], "body": f"글 {n}",
                                        "section_id": "ideas"}) for n in range(4)]  # fmt: skip
    ids = [p["id"] for p in made]
    moved = await lee.ok("board_move", {"post_id": ids[3], "version": 1, "section_id": "ideas",
                                        "index": 0})  # fmt: skip
    assert moved["posts"][0]["rank"] < made[0]["rank"]
    into = await lee.ok("board_move", {"post_id": ids[1], "version": 1,
                                       "section_id": "questions", "index": 0})  # fmt: skip
    assert into["posts"][0]["section_id"] == "questions"
    # many people shuffle at once: every post is still there, each exactly once
    shuffles = [p.call("board_move", {"post_id": pid, "version": 2 if pid in (ids[3], ids[1])
                                      else 1, "section_id": "ideas", "index": 1})
                for p, pid in zip((kim, lee, park, kim), ids, strict=True)]  # fmt: skip
    await asyncio.gather(*shuffles)
    state = await park.ok("board_open", {"board_id": board["id"]})
    assert sorted(p["id"] for p in state["posts"]) == sorted(ids)
    in_ideas = [p for p in state["posts"] if p["section_id"] == "ideas"]
    assert [p["rank"] for p in in_ideas] == sorted(p["rank"] for p in in_ideas)
    stale = await kim.call("board_move", {"post_id": ids[0], "version": 1, "index": 0})
    assert stale["ok"] or stale["error"]["type"] == "edit-conflict"


async def test_many_moves_between_two_neighbours_renumber_the_section(boards: Boards) -> None:
    kim, park = await boards.enter("kim"), await boards.enter("park")
    board = await new_board(park)
    a, b, c = [await kim.ok("board_post", {"board_id": board["id"], "body": x}) for x in "abc"]
    version = {c["id"]: 1, b["id"]: 1}
    for n in range(60):  # c and b keep taking the place between a and the other: halving
        pid = (c if n % 2 == 0 else b)["id"]
        moved = await kim.ok("board_move", {"post_id": pid, "version": version[pid],
                                            "index": 1})  # fmt: skip
        for p in moved["posts"]:
            version[p["id"]] = p["version"]
    state = await kim.ok("board_open", {"board_id": board["id"]})
    ranks = [p["rank"] for p in state["posts"]]
    assert len(set(ranks)) == 3
    assert ranks == sorted(ranks)
    assert state["posts"][0]["id"] == a["id"]


async def test_withdraw_comments_and_reactions(boards: Boards) -> None:
    kim, lee, choi, park = await boards.enter_all("kim", "lee", "choi", "park")
    board = await new_board(park)
    await kim.ok("board_open", {"board_id": board["id"]})
    post = await kim.ok("board_post", {"board_id": board["id"], "body": "제안"})
    said = await lee.ok("board_comment", {"post_id": post["id"], "text": "동의합니다",
                                          "anonymous": True})  # fmt: skip
    seen = await post_event(kim, said["id"], "board_comment")
    assert (seen["text"], seen["author_name"], seen["mine"]) == ("동의합니다", None, False)
    assert said["mine"] is True

    await asyncio.gather(*(lee.call("board_react", {"post_id": post["id"], "kind": "like",
                                                    "value": 1}) for _ in range(4)))  # fmt: skip
    rated = await choi.ok("board_react", {"post_id": post["id"], "kind": "star", "value": 4})
    assert rated["reactions"]["like"] == 1
    assert rated["my_reactions"] == {"star": 4}
    await lee.ok("board_react", {"post_id": post["id"], "kind": "star", "value": 2})
    counts = await kim.next("board_reactions")
    while counts["counts"][str(post["id"])] != {"like": 1, "vote": 0, "star_count": 2,
                                                 "star_avg": 3.0}:  # fmt: skip
        counts = await kim.next("board_reactions")
    unrated = await kim.ok("board_post", {"board_id": board["id"], "body": "다른 글"})
    assert unrated["reactions"]["star_avg"] is None  # nobody rated it: unknown, not zero
    await lee.ok("board_react", {"post_id": post["id"], "kind": "like", "value": 0})
    state = await lee.ok("board_open", {"board_id": board["id"]})
    mine = {p["id"]: p for p in state["posts"]}[post["id"]]
    assert mine["reactions"]["like"] == 0
    assert mine["comments"] == 1
    assert mine["my_reactions"] == {"star": 2}
    for shown in state["posts"]:  # built without validation: the schema's shape all the same
        assert PostOut.model_validate(shown).model_dump(mode="json") == shown

    await kim.ok("board_withdraw", {"post_id": post["id"]})
    assert (await post_event(lee, post["id"], "board_post_hidden"))["post_id"] == post["id"]
    state = await lee.ok("board_open", {"board_id": board["id"]})
    assert post["id"] not in [p["id"] for p in state["posts"]]
    async with boards.client.app[DATABASE].unit_of_work() as session:
        assert (await session.get(BoardPost, post["id"])).status == "withdrawn"  # type: ignore[union-attr]
        comment = await session.get(BoardComment, said["id"])
        assert comment is not None
        assert comment.author_id is None
        tags = set((await session.scalars(select(BoardReaction.voter_tag))).all())
        assert len(tags) == 2
        assert not tags & {str(boards.who[x].id) for x in ("lee", "choi")}


async def test_canvas_positions_and_connectors(boards: Boards) -> None:
    kim, lee, park = await boards.enter_all("kim", "lee", "park")
    board = await new_board(park, layout="canvas")
    await lee.ok("board_open", {"board_id": board["id"]})
    a = await kim.ok("board_post", {"board_id": board["id"], "body": "원인", "x": 100, "y": 80})
    b = await kim.ok("board_post", {"board_id": board["id"], "body": "결과", "x": 400, "y": 80})
    moved = await lee.ok("board_move", {"post_id": a["id"], "version": 1, "x": 120.5, "y": 300})
    assert (moved["posts"][0]["x"], moved["posts"][0]["y"]) == (120.5, 300)
    assert (await post_at(lee, a["id"], 2))["x"] == 120.5
    arrow = await kim.ok("board_connect", {"from_post_id": a["id"], "to_post_id": b["id"],
                                           "label": "이어짐"})  # fmt: skip
    pushed = await lee.next("board_connector")
    assert (pushed["from_post_id"], pushed["to_post_id"], pushed["removed"]) == (
        a["id"],
        b["id"],
        False,
    )
    self_loop = await kim.call("board_connect", {"from_post_id": a["id"], "to_post_id": a["id"]})
    assert self_loop["error"]["type"] == "validation-error"
    await kim.ok("board_unlink", {"connector_id": arrow["id"]})
    assert (await lee.next("board_connector"))["removed"] is True
    assert (await lee.ok("board_open", {"board_id": board["id"]}))["connectors"] == []
    wall = await new_board(park)
    c = await kim.ok("board_post", {"board_id": wall["id"], "body": "x"})
    d = await kim.ok("board_post", {"board_id": wall["id"], "body": "y"})
    refused = await kim.call("board_connect", {"from_post_id": c["id"], "to_post_id": d["id"]})
    assert refused["error"]["type"] == "conflict"


async def test_bad_input_changes_nothing(boards: Boards) -> None:
    kim, park = await boards.enter("kim"), await boards.enter("park")
    board = await new_board(park, template="kpt")
    cases = [
        ("board_post", {"board_id": board["id"]}, "validation-error"),  # nothing in it
        ("board_post", {"board_id": board["id"], "body": "x", "section_id": "nope"},
         "validation-error"),
        ("board_post", {"board_id": board["id"], "body": "x", "colour": "red;x:url(a)"},
         "validation-error"),
        ("board_post", {"board_id": board["id"], "title": "x",
                        "link": {"url": "javascript:alert(1)"}}, "validation-error"),
        ("board_post", {"board_id": 999999, "body": "x"}, "not-found"),
        ("board_post", {"board_id": board["id"], "body": "x", "attachment_id": 424242},
         "not-found"),
        ("board_edit", {"post_id": 999999, "version": 1, "body": "x"}, "not-found"),
        ("board_react", {"post_id": 1, "kind": "like", "value": 3}, "validation-error"),
        ("board_open", {"board_id": "one"}, "validation-error"),
    ]  # fmt: skip
    for event, data, slug in cases:
        answer = await kim.call(event, data)
        assert answer["ok"] is False, (event, data, answer)
        assert answer["error"]["type"] == slug, (event, data, answer)
    state = await kim.ok("board_open", {"board_id": board["id"]})
    assert state["posts"] == []
