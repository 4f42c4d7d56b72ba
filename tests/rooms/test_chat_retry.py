"""A chat message sent again with the same ``request_id`` (its acknowledgement lost to a dropped
network or a killed node) is kept once and heard once (issue 11: no acknowledged chat message
lost or doubled): to the class, to staff only and to a breakout group; retried after a
reconnect, doubled on two sockets of one person or on one socket at once; bad keys refused.

Whether a retry was heard twice is read in order: after the retry the sender sends one more
message, and the listener's next message must be that one (one sender's messages reach a
listener in the order sent)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, text

from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.rooms import service
from server.rooms.models import ClassEvent
from tests.conftest import AppClient
from tests.rooms.classroom import Participant
from tests.rooms.test_breakout_rounds import Breakout, open_groups, prepare


@pytest.fixture
async def chat(client: AppClient, clock: ManualClock) -> AsyncIterator[Breakout]:
    """The breakout set-up (six trainees, an instructor, groups A and B ready to open)."""
    state = await prepare([client], clock)
    yield state
    for p in state.sockets:
        await p.close()


async def kept(bo: Breakout, request_key: str | None = None) -> list[ClassEvent]:
    """The class's chat rows, oldest first (those under ``request_key`` if given)."""
    stmt = select(ClassEvent).where(
        ClassEvent.class_session_id == bo.klass.class_session_id, ClassEvent.kind == "chat"
    )
    if request_key is not None:
        stmt = stmt.where(ClassEvent.request_key == request_key)
    async with bo.client.app[DATABASE].unit_of_work() as session:
        return list((await session.scalars(stmt.order_by(ClassEvent.id))).all())


async def heard_once(listener: Participant, sender: Participant, message_id: int) -> None:
    """``listener`` hears ``message_id`` and then, sent after the retry, the sender's next
    message: nothing in between (no second copy of the retried message)."""
    assert (await listener.next("chat_message"))["id"] == message_id
    after = await sender.ok("send_chat", {"text": "다음 메시지", "to": "all"})
    assert (await listener.next("chat_message"))["id"] == after["id"]


async def test_a_retry_is_the_same_message_and_the_class_hears_it_once(chat: Breakout) -> None:
    kim, lee = await chat.enter("kim"), await chat.enter("lee")
    body = {"text": "자료 링크 부탁드립니다", "request_id": "kim-chat-0001"}
    first = await kim.ok("send_chat", body)
    again = await kim.ok("send_chat", body)
    assert again["id"] == first["id"]
    assert again["message"] == first["message"]  # the message as first kept, its time too
    assert first["message"]["payload"]["text"] == "자료 링크 부탁드립니다"
    await heard_once(lee, kim, first["id"])
    # a retry whose text or address changed on the way is still the message first kept
    changed = await kim.ok("send_chat", {**body, "text": "바뀐 글", "to": "staff"})
    assert changed["message"] == first["message"]
    assert [e.id for e in await kept(chat, "kim-chat-0001")] == [first["id"]]


async def test_a_retry_after_a_reconnect_answers_with_the_original(chat: Breakout) -> None:
    """The phone's case: sent, the network drops before the answer is read, back on a new
    socket (with two nodes, on the other node), the same message goes again."""
    lee, kim = await chat.enter("lee"), await chat.enter("kim")
    body = {"text": "터널 지나는 중", "request_id": "kim-chat-0002"}
    first = await kim.ok("send_chat", body)
    await kim.drop()
    kim_again = await chat.enter("kim")
    assert first["id"] in [m["id"] for m in kim_again.state["chat"]]
    again = await kim_again.ok("send_chat", body)
    assert again["id"] == first["id"]
    await heard_once(lee, kim_again, first["id"])
    assert len(await kept(chat)) == 2  # the message and the one sent after it


async def test_staff_only_and_group_chat_retries_are_kept_once(chat: Breakout) -> None:
    park = await chat.enter("park")
    kim, lee, jung = await chat.enter("kim"), await chat.enter("lee"), await chat.enter("jung")
    to_staff = {"text": "개인 사정으로 조퇴합니다", "to": "staff", "request_id": "kim-staff-01"}
    first = await kim.ok("send_chat", to_staff)
    assert (await kim.ok("send_chat", to_staff))["id"] == first["id"]
    assert (await park.next("chat_message"))["id"] == first["id"]
    after = await kim.ok("send_chat", {"text": "감사합니다", "to": "staff"})
    assert (await park.next("chat_message"))["id"] == after["id"]  # not the retry again

    await open_groups(chat, park)
    to_group = {"text": "A조 정리본 올립니다", "to": "group", "request_id": "kim-group-01"}
    first = await kim.ok("send_chat", to_group)
    assert first["message"]["audience"] == f"group:{chat.a}"
    assert (await kim.ok("send_chat", to_group))["id"] == first["id"]
    assert (await lee.next("chat_message"))["id"] == first["id"]
    after = await kim.ok("send_chat", {"text": "확인 부탁", "to": "group"})
    assert (await lee.next("chat_message"))["id"] == after["id"]
    assert jung.nothing_pending("chat_message")  # group B never heard it, nor its retry
    assert len(await kept(chat, "kim-group-01")) == 1


async def test_doubles_at_once_store_one_row(chat: Breakout) -> None:
    """Two sockets of one person (two tabs; with two nodes, one on each) and one socket twice,
    all at once, with the same key: one row, one id, heard once."""
    kim, lee, kim_tab = await chat.enter("kim"), await chat.enter("lee"), await chat.enter("kim")
    body = {"text": "동시에 두 번", "request_id": "kim-chat-0003"}
    answers = await asyncio.gather(
        kim.call("send_chat", body), kim_tab.call("send_chat", body), kim.call("send_chat", body),
        kim_tab.call("send_chat", body),
    )  # fmt: skip
    assert all(a["ok"] for a in answers), answers
    assert len({a["id"] for a in answers}) == 1
    assert len(await kept(chat, "kim-chat-0003")) == 1
    await heard_once(lee, kim, answers[0]["id"])


async def test_two_copies_racing_in_the_database_make_one_row(chat: Breakout) -> None:
    """Below the events: two units of work insert the same key, the second while the first is
    not yet committed (on PostgreSQL it waits on the unique key; SQLite has one writer). The
    second answers with the first's row, not an error and not a second row."""
    db, cs_id = chat.client.app[DATABASE], chat.klass.class_session_id
    kim_id, at = chat.who["kim"].id, datetime(2026, 12, 2, 1, 0, tzinfo=UTC)

    async def keep(text_: str) -> tuple[ClassEvent, bool]:
        async with db.unit_of_work() as session:
            return await service.append_once(
                session, cs_id, "chat", {"text": text_}, at, actor_id=kim_id, audience="all",
                request_key="kim-race-01",
            )  # fmt: skip

    async with db.unit_of_work() as session:
        first, new = await service.append_once(
            session, cs_id, "chat", {"text": "first"}, at, actor_id=kim_id, audience="all",
            request_key="kim-race-01",
        )  # fmt: skip
        assert new
        second = asyncio.create_task(keep("second"))
        if db.dialect == "postgresql":  # the second copy is waiting on the first's key
            await _until_waiting_on_a_lock(chat)
    event, new = await second
    assert (event.id, new, event.payload) == (first.id, False, {"text": "first"})
    assert len(await kept(chat, "kim-race-01")) == 1


async def _until_waiting_on_a_lock(bo: Breakout) -> None:
    """Until some other connection of this database waits on a lock (the racing insert)."""
    query = text(
        "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE NOT l.granted AND a.datname = current_database()"
    )
    engine = bo.client.app[DATABASE].engine
    for _ in range(1000):
        async with engine.connect() as conn:
            if (await conn.scalar(query)) or 0:
                return
        await asyncio.sleep(0.01)  # polling a condition, bounded: not a stand-in for it
    raise AssertionError("the second copy never reached the unique key")


async def test_another_person_s_same_key_is_another_message(chat: Breakout) -> None:
    kim, lee = await chat.enter("kim"), await chat.enter("lee")
    mine = await kim.ok("send_chat", {"text": "제 질문", "request_id": "shared-key-1"})
    theirs = await lee.ok("send_chat", {"text": "제 질문", "request_id": "shared-key-1"})
    assert theirs["id"] != mine["id"]
    assert theirs["message"]["actor_id"] == chat.who["lee"].id
    assert [e.actor_id for e in await kept(chat, "shared-key-1")] == [
        chat.who["kim"].id, chat.who["lee"].id,
    ]  # fmt: skip


@pytest.mark.parametrize(
    "request_id", ["short", "", "x" * 65, 12345678, ["kim-chat-0001"], {"id": "kim-chat-0001"}]
)
async def test_a_bad_request_id_is_refused_and_nothing_is_kept(
    chat: Breakout, request_id: Any
) -> None:
    kim, lee = await chat.enter("kim"), await chat.enter("lee")
    answer = await kim.call("send_chat", {"text": "안녕하세요", "request_id": request_id})
    assert answer["ok"] is False
    assert answer["error"]["type"] == "validation-error"
    assert await kept(chat) == []
    sent = await kim.ok("send_chat", {"text": "다시", "request_id": "kim-chat-0004"})
    assert (await lee.next("chat_message"))["id"] == sent["id"]  # the refused one was never sent
    async with chat.client.app[DATABASE].unit_of_work() as session:
        count = await session.scalar(select(func.count()).select_from(ClassEvent))
    assert count == 1
