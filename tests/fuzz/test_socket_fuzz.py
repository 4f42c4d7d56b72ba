"""Every socket.io event of every namespace, sent hostile payloads by real python-socketio
clients against a real server: wrong types, missing and extra fields, huge strings, deep
nesting, binary; events before ``join``; replayed request ids; a frame over the size limit.

Each gets an error acknowledgement (never ``internal-error``), the connection stays up, and
the records are what they were before (every table compared).
"""

from __future__ import annotations

import asyncio
from typing import Any

import socketio
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from server.core.events import SocketEvent
from server.core.keys import SETTINGS
from server.core.sio import personal
from server.rooms.events import classroom
from tests.fuzz.conftest import LoopBridge, World, diff, snapshot
from tests.rooms.classroom import Participant

EXAMPLES = 6  # per event with a payload model

JSON_LEAF = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
)
JSON = st.recursive(
    JSON_LEAF,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=8,
)  # fmt: skip


def _nested(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = {"a": [value]}
    return value


def _malformed(model: type[BaseModel]) -> st.SearchStrategy[Any]:
    """Payloads that can never be valid for ``model``."""
    fields = list(model.model_fields)
    wrong_shape = st.one_of(
        st.integers(), st.text(max_size=30), st.binary(max_size=64), st.lists(JSON, max_size=4),
        st.booleans(), st.floats(allow_nan=True),
        st.integers(20, 120).map(lambda n: [_nested(n)]),
    )  # fmt: skip
    extra = st.dictionaries(st.sampled_from(fields or ["x"]), JSON, max_size=2).map(
        lambda d: {**d, "zz_not_a_field": True}
    )
    deep = st.integers(20, 120).map(lambda n: {"zz_deep": _nested(n)})
    options = [wrong_shape, extra, deep]
    if fields:
        # every field of the model with a value of a shape no field takes (an object with an
        # unknown key): some field is wrong, whatever the others are
        options.append(st.fixed_dictionaries({f: st.just({"zz": [1]}) for f in fields}))
        huge = [f for f in fields if _refuses_huge(model, f)]
        if huge:  # 300 000 characters, under the frame limit
            options.append(st.sampled_from(huge).map(lambda f: {f: "x" * 300_000}))
    return st.one_of(options)


def _refuses_huge(model: type[BaseModel], field: str) -> bool:
    """A huge string is invalid for a string field with a length limit, or any other field."""
    try:
        model.model_validate({field: "x" * 300_000})
    except Exception:
        return True
    return False


def _events(router: Any) -> list[SocketEvent]:
    return list(router.events)


async def _joined(world: World, login: str) -> Participant:
    p = Participant()
    await p.connect(
        world.client,
        {"api_token": world.tokens[login], "class_session_id": world.klass.class_session_id},
    )
    await p.ok("join")
    return p


def _assert_refused(event: str, answer: Any) -> None:
    assert isinstance(answer, dict), (event, answer)
    assert answer.get("ok") is False, (event, answer)
    assert answer["error"]["type"] != "internal-error", (event, answer)


async def test_malformed_payloads_are_refused_and_change_nothing(
    world: World, bridge: LoopBridge
) -> None:
    park = await _joined(world, "park")  # the instructor: every event reaches its handler
    kim = await _joined(world, "kim")
    before = await snapshot(world.client)
    events = [ev for ev in _events(classroom) if ev.payload is not None]
    assert len(events) > 40
    answers: list[tuple[str, Any]] = []

    def fuzz(ev: SocketEvent, who: Participant) -> None:
        assert ev.payload is not None

        @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(data=_malformed(ev.payload))
        def one(data: Any) -> None:
            answer = bridge.run(lambda: who.call(ev.name, data))
            answers.append((ev.name, answer))
            _assert_refused(ev.name, answer)

        one()

    for ev in events:
        for who in (park, kim):
            await asyncio.to_thread(fuzz, ev, who)
    assert park.sio.connected
    assert kim.sio.connected
    assert (await park.ok("board_list"))["ok"] is True  # the handler still answers
    assert {name for name, _ in answers} == {ev.name for ev in events}
    after = await snapshot(world.client)
    assert after == before, diff(before, after)
    await park.close()
    await kim.close()


async def _events_before_join_are_refused_and_change_nothing(world: World) -> None:
    p = Participant()
    await p.connect(
        world.client,
        {"api_token": world.tokens["park"], "class_session_id": world.klass.class_session_id},
    )
    before = await snapshot(world.client)
    # a payload each event would take once joined: ids of the world's records, short texts
    plausible = {"text": "안녕하세요", "question_id": 1, "board_id": 1, "post_id": 1,
                 "user_id": world.people["kim"].id, "run_id": 1, "item_id": 1}  # fmt: skip
    for ev in _events(classroom):
        if ev.name == "join":
            continue
        data: dict[str, Any] = {}
        if ev.payload is not None:
            data = {k: v for k, v in plausible.items() if k in ev.payload.model_fields}
        answer = await p.call(ev.name, data)
        _assert_refused(ev.name, answer)
        assert answer["error"]["type"] in ("not-in-class", "validation-error", "forbidden",
                                           "not-found"), (ev.name, answer)  # fmt: skip
    assert p.sio.connected
    after = await snapshot(world.client)
    assert after == before, diff(before, after)
    await p.close()


async def _personal_channel_events_and_unknown_events(world: World) -> None:
    sio = socketio.AsyncClient(reconnection=False)
    await sio.connect(
        str(world.client.make_url("/")), auth={"token": world.tokens["kim"]},
        transports=["websocket"], wait_timeout=10,
    )  # fmt: skip
    before = await snapshot(world.client)
    for ev in _events(personal):
        for data in (None, 1, "x", b"\x00\xff", [1, {"a": None}], _nested(120)):
            answer = await sio.call(ev.name, data, timeout=5)
            assert answer["ok"] is True, (ev.name, answer)  # these take no payload: ignored
    for data in (None, {"a": 1}, b"\x00"):
        answer = await sio.call("no_such_event", data, timeout=5)
        assert answer["error"]["type"] == "unknown-event"
    assert (await sio.call("whoami", timeout=5))["user_id"] == world.people["kim"].id
    assert await snapshot(world.client) == before
    await sio.disconnect()


async def _a_frame_over_the_limit_closes_only_that_connection(world: World) -> None:
    kim = await _joined(world, "kim")
    lee = await _joined(world, "lee")
    limit = world.client.app[SETTINGS].max_body_bytes
    await kim.sio.emit("send_chat", {"text": "x" * (limit + 10)}, namespace="/class")
    await asyncio.wait_for(kim.sio.wait(), 20)  # returns once the server has closed it
    assert not kim.sio.connected
    answer = await lee.call("send_chat", {"text": "still here"})
    assert answer["ok"] is True
    rows = await snapshot(world.client)
    assert not any("xxxxxxxxxx" in row for row in rows["class_events"])
    assert any("still here" in row for row in rows["class_events"])
    await lee.close()


async def _replayed_request_ids_store_one(world: World) -> None:
    """A question, a board post and a comment, each sent twice with the same request id (a
    client's retry): the second is answered with the first, and nothing is stored again."""
    park = await _joined(world, "park")
    kim = await _joined(world, "kim")
    board = await park.ok("board_create", {"title": "보드"})
    sends = [
        ("qa_ask", {"text": "질문 하나", "request_id": "req-00000001"}),
        ("board_post", {"board_id": board["id"], "title": "하나", "request_id": "req-00000002"}),
    ]
    for event, data in sends:
        first = await kim.ok(event, data)
        before = await snapshot(world.client)
        again = await kim.ok(event, data)
        assert again["id"] == first["id"], event
        after = await snapshot(world.client)
        assert after == before, (event, diff(before, after))
        if event == "board_post":
            comment = {"post_id": first["id"], "text": "댓글", "request_id": "req-00000003"}
            once = await kim.ok("board_comment", comment)
            before = await snapshot(world.client)
            assert (await kim.ok("board_comment", comment))["id"] == once["id"]
            after = await snapshot(world.client)
            assert after == before, ("board_comment", diff(before, after))
    await kim.close()
    await park.close()


async def test_out_of_order_unknown_replayed_and_oversized(world: World) -> None:
    """One world for the four (each checks its own before and after)."""
    await _events_before_join_are_refused_and_change_nothing(world)
    await _personal_channel_events_and_unknown_events(world)
    await _replayed_request_ids_store_one(world)
    await _a_frame_over_the_limit_closes_only_that_connection(world)
