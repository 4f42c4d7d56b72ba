"""Attendance marks the server saw while the records database was away.

A socket that goes (a drop or a leave, with the server's connection report) and a person
left behind by a node that stopped answering are things the server observes itself: there is
no client to tell "unavailable, try again". Written straight away, such a mark was lost when
PostgreSQL did not answer, and attendance showed the person present through the outage.
Issue 11: the node keeps what it can in memory and writes it when the database returns.

So a mark whose write fails with an outage is queued on the node, in the order seen and with
the time it happened, and the node's housekeeping writes the queue oldest first once the
database answers. Attendance is derived by time (``attendance.intervals`` sorts by ``at``;
the readers order by ``at``), so a mark written late still lands in its place, before a
rejoin that was written directly. A write whose outcome was unknown (the connection broke
during the commit) may have been kept: the queued mark is only written if no identical mark
is on record, so it is there exactly once. The queue is bounded: past ``PENDING_MAX`` a new
mark is dropped (counted and logged) rather than let a long outage take the node's memory.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.db import Database
from server.core.outage import is_outage
from server.rooms import service
from server.rooms.models import AttendanceEvent, AttendanceKind, ConnectionReport

log = structlog.get_logger("baeum.rooms")

#: marks kept per node through an outage (a class of 1,000 dropping ten times over)
PENDING_MAX = 10_000


@dataclass(frozen=True)
class ObservedMark:
    """An attendance mark the server saw itself, with the connection report that goes with it."""

    class_session_id: int
    kind: AttendanceKind
    at: datetime
    user_id: int
    client_id: str | None
    device_class: str | None
    reason: str | None
    node_id: str
    report: dict[str, Any] | None = None  # a ConnectionReport's columns, written with the mark


def report_fields(report: ConnectionReport) -> dict[str, Any]:
    """A connection report as plain values: a fresh row is made for every attempt to write
    it (a row added to a session that failed is not to be added to another)."""
    columns = ConnectionReport.__table__.columns
    return {c.key: getattr(report, c.key) for c in columns if c.key != "id"}


class PendingMarks:
    """This node's marks waiting for the database, oldest first (hung off ``RoomsNode``)."""

    def __init__(self, limit: int = PENDING_MAX) -> None:
        self.limit = limit
        self._marks: deque[ObservedMark] = deque()
        self._outcomes: Counter | None = None

    def count_in(self, registry: CollectorRegistry) -> None:
        """Report to the app's metrics (the queue exists before the app's metrics are known)."""
        self._outcomes = Counter(
            "baeum_pending_attendance_marks_total",
            "Attendance marks the server saw during a database outage: queued, written "
            "later, dropped because the queue was full, or failed for another reason",
            ["outcome"],
            registry=registry,
        )
        waiting = Gauge(
            "baeum_attendance_marks_waiting",
            "Attendance marks waiting on this node for the database to answer",
            registry=registry,
        )
        waiting.set_function(lambda: len(self._marks))

    def __len__(self) -> int:
        return len(self._marks)

    def _count(self, outcome: str) -> None:
        if self._outcomes is not None:
            self._outcomes.labels(outcome).inc()

    def keep(self, mark: ObservedMark) -> bool:
        """Queue a mark; False (and it is lost) when the queue is full."""
        if len(self._marks) >= self.limit:
            self._count("dropped")
            log.error("attendance mark lost: the queue for the database is full",
                      class_session_id=mark.class_session_id, user_id=mark.user_id,
                      kind=mark.kind.value, at=mark.at.isoformat(), limit=self.limit)  # fmt: skip
            return False
        self._marks.append(mark)
        self._count("queued")
        log.warning("attendance mark kept until the database answers",
                    class_session_id=mark.class_session_id, user_id=mark.user_id,
                    kind=mark.kind.value, at=mark.at.isoformat(),
                    waiting=len(self._marks))  # fmt: skip
        return True

    def oldest(self) -> ObservedMark | None:
        return self._marks[0] if self._marks else None

    def done(self, outcome: str) -> None:
        self._marks.popleft()
        self._count(outcome)


async def record(database: Database, pending: PendingMarks, mark: ObservedMark) -> None:
    """Write a mark the server observed, or keep it for later if the database is away.

    While older marks wait, a new one queues behind them without trying: the database is
    known to be away, and the marks go in in the order they were seen."""
    if len(pending):
        pending.keep(mark)
        return
    try:
        async with database.unit_of_work(request_id="rooms:observed") as session:
            await _write(session, mark)
    except Exception as exc:
        if not is_outage(exc):
            raise
        pending.keep(mark)


async def write_pending(database: Database, pending: PendingMarks) -> int:
    """Write the queued marks, oldest first, until the queue is empty or the database fails
    again (the mark that failed stays first in line). How many were written."""
    written = 0
    while (mark := pending.oldest()) is not None:
        try:
            async with database.unit_of_work(request_id="rooms:pending") as session:
                if not await _on_record(session, mark):
                    await _write(session, mark)
        except Exception as exc:
            if is_outage(exc):
                break
            # not the database being away: this mark cannot be written; the rest still can
            log.exception("queued attendance mark could not be written", user_id=mark.user_id,
                          class_session_id=mark.class_session_id, kind=mark.kind.value)  # fmt: skip
            pending.done("failed")
            continue
        pending.done("written")
        written += 1
    if written:
        log.info("queued attendance marks written", written=written, waiting=len(pending))
    return written


async def _write(session: AsyncSession, mark: ObservedMark) -> None:
    await service.record_attendance(
        session, mark.class_session_id, mark.kind, mark.at, user_id=mark.user_id,
        client_id=mark.client_id, device_class=mark.device_class, reason=mark.reason,
        node_id=mark.node_id,
    )  # fmt: skip
    if mark.report is not None:
        await service.store_connection_report(session, ConnectionReport(**mark.report))


async def _on_record(session: AsyncSession, mark: ObservedMark) -> bool:
    """The mark is already kept (its first write committed though the answer was lost)."""
    found = await session.scalar(
        select(AttendanceEvent.id)
        .where(
            AttendanceEvent.class_session_id == mark.class_session_id,
            AttendanceEvent.user_id == mark.user_id,
            AttendanceEvent.at == mark.at,
            AttendanceEvent.kind == mark.kind,
            AttendanceEvent.node_id == mark.node_id,
        )
        .limit(1)
    )
    return found is not None
