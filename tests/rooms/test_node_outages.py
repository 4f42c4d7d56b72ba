"""A node's housekeeping through outages (issue 11): a Redis stall longer than the heartbeat
lease, and attendance marks the server observes while PostgreSQL is away.

Two nodes in one process share Redis and the database, as in ``test_many_nodes.py``; the
services are cut for real, through TCP proxies in front of them. Sweeps and heartbeats run
when the test says (``rooms_housekeeping_s`` is an hour); lease time passes on the app's
clock, which the leases are judged by (the Redis key's own TTL is only a margin after that).

These run on the services stack only: they need PostgreSQL and Redis to cut.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from server.app import create_app
from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE, LIVE, METRICS
from server.core.outage import is_outage
from server.lms.models import StaffRole
from server.rooms import presence, service
from server.rooms.attendance import intervals
from server.rooms.models import AttendanceKind, ConnectionReport
from server.rooms.node import NODE_LEASE_S, ROOMS, heartbeat, sweep, write_pending_marks
from tests.chaos.proxy import Proxy
from tests.conftest import (
    REDIS_URL,
    AppClient,
    NodeFactory,
    add_person,
    api_token,
    bearer,
    stack_for,
)
from tests.factories import make_class
from tests.rooms.classroom import Participant

pytestmark = pytest.mark.parametrize("stack", [stack_for("services")], ids=["services"])

GRACE = timedelta(seconds=120)


class Line:
    """A TCP line to a service that can be cut the way a stopped PostgreSQL looks: open
    connections are reset and new ones refused. ``up()`` listens again on the same port."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def is_up(self) -> bool:
        return self._server is not None

    async def up(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()  # a reset, not a goodbye
        self._writers.clear()
        await self._server.wait_closed()
        self._server = None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        sink.close()


class TwoNodes:
    def __init__(self, a: AppClient, b: AppClient, tokens: dict[str, str], ids: dict[str, int],
                 class_session_id: int) -> None:  # fmt: skip
        self.a, self.b = a, b
        self.tokens, self.ids, self.class_session_id = tokens, ids, class_session_id
        self.sockets: list[Participant] = []

    async def join(self, node: AppClient, login: str, client_id: str | None = None) -> Participant:
        response = await node.post(
            f"/api/v1/class-sessions/{self.class_session_id}/class-token",
            headers=bearer(self.tokens[login]),
        )
        p = Participant(client_id)
        self.sockets.append(p)
        await p.connect(node, {"token": (await response.json())["token"]})
        p.state = await p.ok("join")
        return p

    async def status_of(self, login: str) -> str | None:
        entry = await presence.get(self.a.app[LIVE], self.class_session_id, self.ids[login])
        return None if entry is None else entry.status

    async def marks_of(self, login: str) -> list[tuple[AttendanceKind, datetime]]:
        async with self.a.app[DATABASE].unit_of_work() as session:
            marks = await service.attendance_marks(session, self.class_session_id)
        return [(m.kind, m.at) for m in marks if m.user_id == self.ids[login]]


Nodes = Callable[..., Awaitable[TwoNodes]]


@pytest.fixture
async def make_two(
    nodes: NodeFactory,
    clock: ManualClock,
    aiohttp_client: Callable[..., Awaitable[AppClient]],
) -> AsyncIterator[Nodes]:
    """Two nodes (A and B); ``redis_url`` for both and ``a_line`` (the database) for A may lead
    through a proxy. Park (instructor), Kim, Lee and Choi are in a class begun 5 minutes ago."""
    made: list[TwoNodes] = []

    lines: list[Line] = []

    async def make(redis_url: str | None = None, a_line: Line | None = None) -> TwoNodes:
        quiet: dict[str, Any] = {"rooms_housekeeping_s": 3600.0}  # sweeps when the test says
        if redis_url is not None:
            quiet["redis_url"] = redis_url
        a_only = {}
        if a_line is not None:
            lines.append(a_line)
            a_only["database_url"] = make_url(nodes.database_url).set(
                host="127.0.0.1", port=a_line.port).render_as_string(False)  # fmt: skip
        a_settings = nodes.settings(node_id="node-a", **quiet, **a_only)
        a = await aiohttp_client(create_app(a_settings, clock=clock))
        b = await aiohttp_client(create_app(nodes.settings(node_id="node-b", **quiet), clock=clock))
        ids = {}
        for login in ("kim", "lee", "choi"):
            ids[login] = (await add_person(a.app, login, [Role.TRAINEE], clock)).id
        ids["park"] = (await add_person(a.app, "park", [Role.INSTRUCTOR], clock)).id
        klass = await make_class(
            a.app, clock, trainees=[ids["kim"], ids["lee"], ids["choi"]],
            staff={StaffRole.INSTRUCTOR: ids["park"]}, starts_in=timedelta(minutes=-5),
        )  # fmt: skip
        tokens = {login: await api_token(a, login) for login in ids}
        two = TwoNodes(a, b, tokens, ids, klass.class_session_id)
        made.append(two)
        return two

    yield make
    for line in lines:  # the database answers again before the nodes stop
        if not line.is_up:
            await line.up()
    for two in made:  # the apps stop before the test's proxies go (they talk through them)
        for p in two.sockets:
            await p.close()
        await two.a.close()
        await two.b.close()


@pytest.fixture
async def redis_proxy() -> AsyncIterator[Proxy]:
    assert REDIS_URL is not None
    proxy = Proxy([urlsplit(REDIS_URL).port or 6379])
    await proxy.start()
    yield proxy
    proxy.restore()
    await proxy.close()


@pytest.fixture
async def pg_line(nodes: NodeFactory) -> Line:
    line = Line(make_url(nodes.database_url).port or 5432)
    await line.up()
    return line


def via(proxy: Proxy, url: str) -> str:
    """The Redis URL with its host and port replaced by the proxy's."""
    _, _, rest = url.partition("://")
    _, _, path = rest.partition("/")
    return f"redis://127.0.0.1:{proxy.port}/{path}"


def counted(two: TwoNodes, outcome: str) -> float:
    value = two.a.app[METRICS].registry.get_sample_value(
        "baeum_pending_attendance_marks_total", {"outcome": outcome}
    )
    return value or 0.0


# ---- gap 1: a Redis stall longer than the heartbeat lease ---------------------------------


async def test_after_a_redis_stall_longer_than_the_lease_nobody_is_taken_for_dead(
    redis_proxy: Proxy, make_two: Nodes, clock: ManualClock
) -> None:
    """Redis stops answering for longer than a lease; both nodes' heartbeats fail and lapse.
    Node A answers first and sweeps before B has renewed: Kim, on B, is not marked dropped.
    Then B really stops renewing, and A still finds it dead."""
    assert REDIS_URL is not None
    two = await make_two(redis_url=via(redis_proxy, REDIS_URL))
    park = await two.join(two.a, "park")
    kim = await two.join(two.b, "kim")
    await park.change("joined", two.ids["kim"])
    clock.advance(60)  # past the wait a node keeps after it starts
    await heartbeat(two.a.app)
    await heartbeat(two.b.app)

    redis_proxy.blackhole()  # Redis stalls: commands get no answer
    failed = await asyncio.gather(heartbeat(two.a.app), heartbeat(two.b.app),
                                  return_exceptions=True)  # fmt: skip
    assert all(isinstance(e, Exception) and is_outage(e) for e in failed), failed
    clock.advance(NODE_LEASE_S + 5)  # the stall outlasts the lease: every heartbeat lapsed
    redis_proxy.restore()

    await heartbeat(two.a.app)  # A is back first; B has not renewed yet
    await sweep(two.a.app)
    assert await two.status_of("kim") == presence.PRESENT
    assert kim.sio.connected
    await heartbeat(two.b.app)
    for _ in range(2):  # both beat as usual; a full lease later A trusts leases again
        clock.advance(10)
        await heartbeat(two.a.app)
        await heartbeat(two.b.app)
    await sweep(two.a.app)
    assert await two.status_of("kim") == presence.PRESENT
    assert [kind for kind, _ in await two.marks_of("kim")] == [AttendanceKind.JOIN]

    # now B stops renewing (killed): A, beating on, finds it dead once its lease runs out
    for _ in range(2):
        clock.advance(10)
        await heartbeat(two.a.app)
    await sweep(two.a.app)
    dropped = await park.change("dropped", two.ids["kim"])
    assert dropped["reason"] == "server lost"
    assert await two.status_of("kim") == presence.RECONNECTING
    assert [kind for kind, _ in await two.marks_of("kim")] == [
        AttendanceKind.JOIN, AttendanceKind.DROP,
    ]  # fmt: skip


async def test_a_heartbeat_answered_after_a_whole_lease_makes_the_node_wait(
    make_two: Nodes, clock: ManualClock
) -> None:
    """No renewal failed, but the last one that held is a lease old (Redis answered late, or
    the node's loop was held up): the others may have lapsed alike, so A waits a lease."""
    two = await make_two()
    park = await two.join(two.a, "park")
    await two.join(two.b, "kim")
    await park.change("joined", two.ids["kim"])
    clock.advance(60)
    await heartbeat(two.a.app)
    await heartbeat(two.b.app)
    clock.advance(NODE_LEASE_S + 1)
    await heartbeat(two.a.app)
    await sweep(two.a.app)
    assert await two.status_of("kim") == presence.PRESENT
    for _ in range(2):  # A beats on; B never renewed: after A's full lease it is found dead
        clock.advance(NODE_LEASE_S / 2 + 1)
        await heartbeat(two.a.app)
    await sweep(two.a.app)
    assert (await park.change("dropped", two.ids["kim"]))["reason"] == "server lost"


# ---- gap 2: attendance marks while PostgreSQL is away ------------------------------------


async def test_a_drop_during_a_database_outage_is_recorded_when_it_returns(
    pg_line: Line, make_two: Nodes, clock: ManualClock
) -> None:
    """Kim's connection drops while node A's database is down: the drop is kept on the node,
    Kim comes back after the outage (that join written at once), and the drop is then
    written at the time it happened, exactly once; the attendance comes out one interval."""
    two = await make_two(a_line=pg_line)
    park = await two.join(two.a, "park")
    kim = await two.join(two.a, "kim")
    joined_at = clock.now()
    await park.change("joined", two.ids["kim"])
    clock.advance(60)
    dropped_at = clock.now()

    await pg_line.cut()
    await kim.drop()
    await park.change("dropped", two.ids["kim"])  # the class is told, records or not
    assert len(two.a.app[ROOMS].pending) == 1
    assert counted(two, "queued") == 1
    assert await write_pending_marks(two.a.app) == 0  # still down: the mark stays queued
    assert len(two.a.app[ROOMS].pending) == 1

    clock.advance(30)
    await pg_line.up()
    back = await two.join(two.a, "kim", client_id=kim.client_id)  # written before the queue
    assert back.state["me"]["status"] == "present"
    resumed_at = clock.now()
    assert await write_pending_marks(two.a.app) == 1
    assert await write_pending_marks(two.a.app) == 0
    assert len(two.a.app[ROOMS].pending) == 0
    assert counted(two, "written") == 1

    clock.advance(100)
    assert await two.marks_of("kim") == [
        (AttendanceKind.JOIN, joined_at), (AttendanceKind.DROP, dropped_at),
        (AttendanceKind.RESUME, resumed_at),
    ]  # fmt: skip
    async with two.a.app[DATABASE].unit_of_work() as session:
        marks = await service.attendance_marks(session, two.class_session_id)
        reports = (await session.scalars(select(ConnectionReport).where(
            ConnectionReport.user_id == two.ids["kim"]))).all()  # fmt: skip
    parts = intervals(marks, GRACE, clock.now())[two.ids["kim"]]
    assert [(p.start, p.seconds, p.bridged_drops) for p in parts] == [(joined_at, 190.0, 1)]
    assert [(r.kind, r.at) for r in reports] == [("socket_disconnect", dropped_at)]


async def test_a_sweeps_drop_during_a_database_outage_is_recorded_when_it_returns(
    pg_line: Line, make_two: Nodes, clock: ManualClock
) -> None:
    """Node B dies while node A's database is down: A's sweep marks Kim (on B) dropped in
    the class at once, and the drop goes on record when the database is back."""
    two = await make_two(a_line=pg_line)
    park = await two.join(two.a, "park")
    await two.join(two.b, "kim")
    joined_at = clock.now()
    await park.change("joined", two.ids["kim"])
    clock.advance(60)
    await heartbeat(two.a.app)
    await pg_line.cut()
    for _ in range(2):  # B has stopped renewing; A beats on
        clock.advance(10)
        await heartbeat(two.a.app)
    swept_at = clock.now()
    await sweep(two.a.app)
    assert (await park.change("dropped", two.ids["kim"]))["reason"] == "server lost"
    assert len(two.a.app[ROOMS].pending) == 1

    await pg_line.up()
    clock.advance(5)
    assert await write_pending_marks(two.a.app) == 1
    assert await two.marks_of("kim") == [
        (AttendanceKind.JOIN, joined_at), (AttendanceKind.DROP, swept_at),
    ]  # fmt: skip


async def test_marks_seen_while_others_wait_queue_behind_them_and_a_full_queue_counts_its_loss(
    pg_line: Line, make_two: Nodes, clock: ManualClock
) -> None:
    """Marks go in in the order seen; past the bound a new one is lost, and counted."""
    two = await make_two(a_line=pg_line)
    two.a.app[ROOMS].pending.limit = 2
    park = await two.join(two.a, "park")
    kim = await two.join(two.a, "kim")
    lee = await two.join(two.a, "lee")
    choi = await two.join(two.a, "choi")
    await park.change("joined", two.ids["choi"])
    await pg_line.cut()
    clock.advance(10)
    await kim.drop()
    await park.change("dropped", two.ids["kim"])
    clock.advance(10)
    await lee.drop()
    await park.change("dropped", two.ids["lee"])
    clock.advance(10)
    await choi.drop()  # the queue is full: this one is lost, and counted
    await park.change("dropped", two.ids["choi"])
    assert counted(two, "queued") == 2
    assert counted(two, "dropped") == 1
    await pg_line.up()
    assert await write_pending_marks(two.a.app) == 2
    async with two.a.app[DATABASE].unit_of_work() as session:
        marks = await service.attendance_marks(session, two.class_session_id)
    later = [(m.user_id, m.kind) for m in marks if m.kind != AttendanceKind.JOIN]
    assert later == [(two.ids["kim"], AttendanceKind.DROP), (two.ids["lee"], AttendanceKind.DROP)]
