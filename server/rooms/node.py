"""This node's part in the live classes: which classes it serves, and its housekeeping.

Every few seconds the node renews its heartbeat lease (``node:{id}``) and sweeps the classes
it serves: people whose reconnect grace ran out leave the class, and people whose node has
stopped answering (its lease expired: killed, crashed, cut off) are marked as dropped, so the
class never shows ghosts and their attendance shows the drop.

A lapsed lease only means a dead node if this node's own view of the leases is sound. After
the live state was lost, after this node started, and after this node itself went a whole
lease without renewing its heartbeat (Redis stalled or unreachable longer than the lease: every
node's heartbeat lapsed alike, and the others may not have renewed yet), nobody is taken for
dead until the node has held its heartbeat again for a full lease (``trust_leases_from``).
The marks the node writes itself are kept in memory while the database is away
(``pending.py``) and written by the housekeeping when it answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta

import structlog
from aiohttp import web

from server.core.keys import CLOCK, DATABASE, LIVE, METRICS, SETTINGS, SIO
from server.core.outage import is_outage
from server.core.tasks import stop_tasks
from server.rooms import presence
from server.rooms.batching import PresenceBatcher
from server.rooms.media.hosting import renew_leases
from server.rooms.models import AttendanceKind
from server.rooms.pending import ObservedMark, PendingMarks, record, write_pending

log = structlog.get_logger("baeum.rooms")

#: a node that has not renewed its heartbeat for this long is taken for dead
NODE_LEASE_S = 15.0
#: how long housekeeping waits on closing its sockets after a live state loss (then goes on)
RECONNECT_ASK_S = 5.0
#: a lease held as long as the live state keeps its data: another holder means it was lost
LIVE_EPOCH = "live-epoch"
LIVE_EPOCH_S = 30 * 24 * 3600.0


class RoomsNode:
    def __init__(self, presence_changes: PresenceBatcher) -> None:
        self.local: Counter[int] = Counter()  # joined sockets on this node, per class
        self.watched: set[int] = set()  # classes this node sweeps
        self.presence_changes = presence_changes  # coalesced announcements to each class
        self.tickers: list[Callable[[int], Awaitable[None]]] = []  # per-class clocks (breakouts)
        self.live_epoch: str | None = None  # the live state this node has seen (LIVE_EPOCH)
        self.trust_leases_from: datetime | None = None  # see _drop_orphans
        self.heartbeat_sent: datetime | None = None  # when the last renewal that held was sent
        self.heartbeat_failing = False  # the last renewal failed (Redis did not answer)
        self.pending = PendingMarks()  # marks waiting for the database (pending.py)
        self.stopping = asyncio.Event()  # the housekeeping loop ends at its next turn
        self.closing: set[asyncio.Task[None]] = set()  # sockets being closed after a loss

    def joined(self, class_session_id: int) -> None:
        self.local[class_session_id] += 1
        self.watched.add(class_session_id)

    def left(self, class_session_id: int) -> None:
        self.local[class_session_id] -= 1
        if self.local[class_session_id] <= 0:
            del self.local[class_session_id]

    def live_classes(self) -> int:
        return len(self.local)


ROOMS: web.AppKey[RoomsNode] = web.AppKey("rooms", RoomsNode)


def node_lease(node_id: str) -> str:
    return f"node:{node_id}"


async def sweep(app: web.Application) -> None:
    """One round of housekeeping over the classes this node serves."""
    node = app[ROOMS]
    live, now = app[LIVE], app[CLOCK].now()
    grace = timedelta(seconds=app[SETTINGS].reconnect_grace_s)
    for class_session_id in list(node.watched):
        await _drop_orphans(app, class_session_id)
        for tick in node.tickers:
            try:
                await tick(class_session_id)
            except Exception as exc:  # the clocks wait for the records; the sweep goes on
                if not is_outage(exc):
                    raise
                log.warning("class clocks not ticked: the records or live state do not answer",
                            class_session_id=class_session_id)  # fmt: skip
        for entry in await presence.expire_dropped(live, class_session_id, now, grace):
            gone = {"user_id": entry.user_id, "reason": "not back in time"}
            node.presence_changes.add(class_session_id, "left", gone)
        if not await presence.everyone(live, class_session_id) and not node.local[class_session_id]:
            node.watched.discard(class_session_id)


async def _drop_orphans(app: web.Application, class_session_id: int) -> None:
    """People shown present through a node that no longer holds its heartbeat lease."""
    live, now, node = app[LIVE], app[CLOCK].now(), app[ROOMS]
    if node.trust_leases_from is not None and now < node.trust_leases_from:
        return  # a missing heartbeat may be a live state just emptied, not a dead node
    if node.heartbeat_failing and _lapsed(node.heartbeat_sent, now):
        return  # this node lost its own heartbeat: the others' may have lapsed the same way
    dead: dict[str, bool] = {}
    for entry in await presence.everyone(live, class_session_id):
        if entry.status != presence.PRESENT or entry.node == app[SETTINGS].node_id:
            continue
        if entry.node not in dead:
            dead[entry.node] = await live.lease_owner(node_lease(entry.node)) is None
        if not dead[entry.node]:
            continue
        if not await presence.mark_dropped(live, class_session_id, entry.user_id, entry.sid, now):
            continue
        await record(app[DATABASE], node.pending, ObservedMark(
            class_session_id, AttendanceKind.DROP, now, user_id=entry.user_id,
            client_id=entry.client_id, device_class=entry.device_class,
            reason=f"node {entry.node} lost", node_id=app[SETTINGS].node_id,
        ))  # fmt: skip
        lost = {"user_id": entry.user_id, "reason": "server lost"}
        node.presence_changes.add(class_session_id, "dropped", lost)


async def check_live_state(app: web.Application) -> bool:
    """Notice that the live state was lost (Redis restarted empty: presence, hands, groups
    gone). This node's class sockets are then disconnected; clients reconnect at once (the
    page does on a server disconnect) and their joins put the class together again.
    True when it was lost."""
    live, node = app[LIVE], app[ROOMS]
    epoch = await live.lease_owner(LIVE_EPOCH)
    if epoch is None:  # the first node to look after a loss (or ever) marks the state
        await live.lease_acquire(LIVE_EPOCH, secrets.token_hex(8), LIVE_EPOCH_S)
        epoch = await live.lease_owner(LIVE_EPOCH)
    lost = node.live_epoch is not None and epoch != node.live_epoch
    node.live_epoch = epoch
    if lost:  # every heartbeat went with it: nobody is taken for dead until they renew
        node.trust_leases_from = app[CLOCK].now() + timedelta(seconds=NODE_LEASE_S)
        log.warning("live state lost; this node's class sockets are asked to reconnect")
        await _ask_to_reconnect(app)
    return lost


async def _ask_to_reconnect(app: web.Application) -> None:
    """Close this node's class sockets, all at once, so their clients reconnect and rejoin.

    Each close runs the socket's disconnect handling inline and then waits for its transport
    to drain, which a client that stopped reading can make wait for ever; the housekeeping
    that called this must go on renewing the heartbeat meanwhile (a node that stops renewing
    is taken for dead and its people dropped), so closes still running after
    RECONNECT_ASK_S go on in the background and the node's stop ends them."""
    sio, node = app[SIO], app[ROOMS]
    connections = {eio_sid for _, eio_sid in sio.manager.get_participants("/class", None)}

    async def close(eio_sid: str) -> None:
        with contextlib.suppress(KeyError):  # gone meanwhile
            await sio.eio.disconnect(eio_sid)

    tasks = {asyncio.create_task(close(eio_sid)) for eio_sid in connections}
    node.closing |= tasks
    for task in tasks:
        task.add_done_callback(node.closing.discard)
    if tasks:
        _, slow = await asyncio.wait(tasks, timeout=RECONNECT_ASK_S)
        if slow:
            log.warning("sockets still closing after a live state loss; housekeeping goes on",
                        still_closing=len(slow))  # fmt: skip


def _lapsed(since: datetime | None, now: datetime) -> bool:
    return since is None or now - since >= timedelta(seconds=NODE_LEASE_S)


async def heartbeat(app: web.Application) -> None:
    """Renew this node's heartbeat lease, and notice when it went a whole lease without one.

    Then the others' leases lapsed the same way (a Redis stall cuts every node off alike),
    and a node that swept before they renewed would take them all for dead: it trusts
    nobody's lease until it has held its own again for a full lease. A node that really
    stopped renewing is still found dead, a lease later than otherwise."""
    node, clock, node_id = app[ROOMS], app[CLOCK], app[SETTINGS].node_id
    sent = clock.now()
    try:
        await app[LIVE].lease_acquire(node_lease(node_id), node_id, NODE_LEASE_S)
    except Exception:
        node.heartbeat_failing = True
        raise
    now = clock.now()  # a renewal answered late may have landed after the lease ran out
    if node.heartbeat_sent is not None and _lapsed(node.heartbeat_sent, now):
        trust_from = now + timedelta(seconds=NODE_LEASE_S)
        if node.trust_leases_from is None or node.trust_leases_from < trust_from:
            node.trust_leases_from = trust_from
        gap = (now - node.heartbeat_sent).total_seconds()
        log.warning("this node's heartbeat lapsed; nobody is taken for dead for a lease",
                    without_heartbeat_s=gap, trust_leases_from=trust_from.isoformat())  # fmt: skip
    node.heartbeat_sent, node.heartbeat_failing = sent, False


async def write_pending_marks(app: web.Application) -> int:
    """Write the attendance marks kept while the database was away (see pending.py)."""
    return await write_pending(app[DATABASE], app[ROOMS].pending)


#: how long a stopping node waits for its housekeeping to end before leaving it behind
HOUSEKEEPING_STOP_S = 5.0


async def _housekeeping(app: web.Application) -> None:
    stopping = app[ROOMS].stopping
    while not stopping.is_set():
        try:  # the records first, on their own: a Redis outage does not hold them up
            if len(app[ROOMS].pending):
                await write_pending_marks(app)
        except Exception:
            log.exception("writing the kept attendance marks failed")
            app[METRICS].errors.labels("rooms-pending").inc()
        try:
            await check_live_state(app)
            await heartbeat(app)
            await renew_leases(app)
            await sweep(app)
        except Exception:
            log.exception("rooms housekeeping failed")
            app[METRICS].errors.labels("rooms-sweep").inc()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), app[SETTINGS].rooms_housekeeping_s)


async def _stop(task: asyncio.Task[None], stopping: asyncio.Event) -> None:
    """End the housekeeping loop, and never wait on it for long. A cancellation can be lost
    inside a client library (one that turns it into its own time-out error, which the loop
    logs and survives), so the loop also ends on ``stopping``; if neither ends it in time it
    is left behind rather than holding up the node's shutdown forever (a test suite hung on
    exactly that)."""
    stopping.set()
    await stop_tasks([task], what="rooms housekeeping", within_s=HOUSEKEEPING_STOP_S)


async def housekeeping(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: the node's heartbeat and sweeper run while the app runs."""
    node_id = app[SETTINGS].node_id
    app[ROOMS].pending.count_in(app[METRICS].registry)
    await heartbeat(app)
    await check_live_state(app)
    # just started (perhaps on a live state just emptied): others may not have renewed yet
    app[ROOMS].trust_leases_from = app[CLOCK].now() + timedelta(seconds=NODE_LEASE_S)
    task = asyncio.create_task(_housekeeping(app))
    yield
    await _stop(task, app[ROOMS].stopping)
    await stop_tasks(list(app[ROOMS].closing), what="sockets closing after a live state loss")
    pending = app[ROOMS].pending
    if len(pending):  # a last try: what is still queued when the node stops is lost
        with contextlib.suppress(Exception):
            await write_pending_marks(app)
        if len(pending):
            log.error("node stopping with attendance marks not written", lost=len(pending))
    await app[LIVE].lease_release(node_lease(node_id), node_id)
    await app[ROOMS].presence_changes.close()
