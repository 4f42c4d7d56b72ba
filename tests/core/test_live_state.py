"""One test suite, both live-state backends: in-process memory and Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from server.core.clock import ManualClock
from server.core.live import LiveState, MemoryLiveState, RedisLiveState
from tests.conftest import LIVE_KINDS, REDIS_URL, redis_prefix

MakeNode = Callable[[], LiveState]


@pytest.fixture(params=LIVE_KINDS)
async def make_node(request: pytest.FixtureRequest, clock: ManualClock) -> AsyncIterator[MakeNode]:
    """Makes the live state of one more server node; nodes share state as their backend does."""
    opened: list[LiveState] = []
    shared_memory = MemoryLiveState(clock)
    prefix = redis_prefix(request) if request.param == "redis" else ""

    def make() -> LiveState:
        if request.param == "memory":
            return shared_memory  # one process: every "node" is the same memory
        assert REDIS_URL is not None
        node = RedisLiveState(REDIS_URL, clock, prefix=prefix)
        opened.append(node)
        return node

    yield make
    for node in opened:
        await node.close()


@pytest.fixture
def live(make_node: MakeNode) -> LiveState:
    return make_node()


async def test_ping(live: LiveState) -> None:
    assert await live.ping()


async def test_presence_members_join_update_and_leave(live: LiveState) -> None:
    assert await live.presence_set("session:1", "u1", {"device": "phone", "hand": "0"})
    assert not await live.presence_set("session:1", "u1", {"hand": "1"})
    assert await live.presence_set("session:1", "u2", {"device": "pc"})
    assert await live.presence_members("session:1") == {
        "u1": {"device": "phone", "hand": "1"},
        "u2": {"device": "pc"},
    }
    assert await live.presence_members("session:2") == {}
    assert await live.presence_get("session:1", "u2") == {"device": "pc"}
    assert await live.presence_get("session:1", "nobody") is None
    assert await live.presence_remove("session:1", "u1")
    assert not await live.presence_remove("session:1", "u1")
    assert list(await live.presence_members("session:1")) == ["u2"]


async def test_presence_add_sets_a_member_only_once(live: LiveState) -> None:
    assert await live.presence_add("session:1", "round", {"id": "1"})
    assert not await live.presence_add("session:1", "round", {"id": "2"})
    assert await live.presence_get("session:1", "round") == {"id": "1"}


async def test_counters_add_atomically_under_concurrency(make_node: MakeNode) -> None:
    a, b = make_node(), make_node()
    await asyncio.gather(*(node.incr("votes:7") for node in (a, b) for _ in range(50)))
    assert await a.counter("votes:7") == 100
    assert await b.incr("votes:7", -10) == 90
    assert await a.counter("never-touched") == 0


async def test_a_lease_has_one_owner_until_released(make_node: MakeNode) -> None:
    a, b = make_node(), make_node()
    assert await a.lease_acquire("media:12", "node-a", ttl_s=30)
    assert not await b.lease_acquire("media:12", "node-b", ttl_s=30)
    assert await a.lease_acquire("media:12", "node-a", ttl_s=30)  # renewal by the owner
    assert await b.lease_owner("media:12") == "node-a"
    assert not await b.lease_release("media:12", "node-b")
    assert await a.lease_release("media:12", "node-a")
    assert await b.lease_owner("media:12") is None
    assert await b.lease_acquire("media:12", "node-b", ttl_s=30)


async def test_an_expired_lease_passes_to_another_node(
    make_node: MakeNode, clock: ManualClock
) -> None:
    a, b = make_node(), make_node()
    assert await a.lease_acquire("media:12", "node-a", ttl_s=10)
    clock.advance(9.9)
    assert not await b.lease_acquire("media:12", "node-b", ttl_s=10)
    clock.advance(0.2)
    assert await a.lease_owner("media:12") is None
    assert await b.lease_acquire("media:12", "node-b", ttl_s=10)
    assert not await a.lease_release("media:12", "node-a")  # node-a lost it
    assert await a.lease_owner("media:12") == "node-b"


async def test_pubsub_reaches_every_subscriber_on_every_node(make_node: MakeNode) -> None:
    a, b = make_node(), make_node()
    async with a.subscribe("class:3") as sub_a, b.subscribe("class:3") as sub_b:
        assert await b.publish("class:3", b"hand_raised") == 2
        assert await a.publish("class:4", b"elsewhere") == 0
        received_a = await anext(aiter(sub_a))
        received_b = await anext(aiter(sub_b))
    assert received_a == received_b == b"hand_raised"
    assert await a.publish("class:3", b"after") == 0  # unsubscribed on exit


async def test_rate_limit_allows_a_burst_then_says_when_to_retry(
    make_node: MakeNode, clock: ManualClock
) -> None:
    a, b = make_node(), make_node()
    decisions = [await (a if i % 2 else b).rate_limit("chat:u1", 5, 10.0) for i in range(6)]
    assert [d.allowed for d in decisions] == [True] * 5 + [False]
    assert [d.remaining for d in decisions[:5]] == [4, 3, 2, 1, 0]
    assert decisions[5].retry_after_s == pytest.approx(2.0)
    clock.advance(1.9)
    assert not (await a.rate_limit("chat:u1", 5, 10.0)).allowed
    clock.advance(0.2)
    assert (await a.rate_limit("chat:u1", 5, 10.0)).allowed
    assert (await a.rate_limit("chat:u2", 5, 10.0)).remaining == 4  # keys are independent


async def test_a_rate_limit_can_be_asked_without_counting(
    make_node: MakeNode, clock: ManualClock
) -> None:
    a = make_node()
    for _ in range(3):
        assert (await a.rate_limit("fails:kim", 2, 60.0, consume=False)).allowed
    await a.rate_limit("fails:kim", 2, 60.0)
    await a.rate_limit("fails:kim", 2, 60.0)
    peek = await a.rate_limit("fails:kim", 2, 60.0, consume=False)
    assert not peek.allowed
    assert peek.retry_after_s == pytest.approx(30.0)
