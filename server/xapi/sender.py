"""The outbox sender: one task per node sends due statements to the LRS in batches.

A pass claims a batch (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, then a compare-and-set
``UPDATE … WHERE next_attempt_at <= now`` that pushes the rows' time ahead as a lease, so two
nodes never both take a row, and a node that dies mid-send only delays it), commits, POSTs the
batch to ``{LRS}/xAPI/statements`` with no transaction open, and marks the rows sent or, on
any failure, due again after an exponential back-off (1 s, 2 s, 4 s … ``BAEUM_LRS_BACKOFF_MAX_S``).
Ids were fixed at enqueue, so a batch sent twice (a crash between the POST and the mark) is
accepted once by the LRS. Nothing is ever deleted from the outbox by failing.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import aiohttp
import structlog
from aiohttp import web
from sqlalchemy import delete, func, select, update

from server.core.clock import Clock
from server.core.db import Database
from server.core.keys import CLOCK, DATABASE, SETTINGS
from server.core.tasks import stop_tasks
from server.xapi.models import LrsOutbox
from server.xapi.outbox import INFO_KEY, LrsProfile
from server.xapi.schemas import XAPI_VERSION

log = structlog.get_logger(__name__)

#: how long a sent row stays in the outbox (to trace what was sent when), then it is deleted
KEEP_SENT = timedelta(days=7)


@dataclass
class LrsSender:
    """This node's sender: the LRS's address and credentials, an HTTP session, the task."""

    database: Database
    clock: Clock
    url: str
    authorization: str | None  # the Authorization header (HTTP Basic), if credentials
    batch: int
    poll_s: float
    backoff_max_s: float
    timeout_s: float
    http: aiohttp.ClientSession | None = None
    task: asyncio.Task[None] | None = None
    passes: int = 0
    sent: int = 0
    failures: int = 0
    last_error: str | None = field(default=None)

    @property
    def lease(self) -> timedelta:
        """How long a claimed batch is this node's: well past one POST's time-out."""
        return timedelta(seconds=3 * self.timeout_s + 5)

    async def flush(self) -> int:
        """Send what is due now, batch after batch, until none is due or a send fails.
        Returns how many statements the LRS accepted."""
        total = 0
        while True:
            claimed = await self._claim()
            if not claimed:
                return total
            ok = await self._send(claimed)
            if not ok:
                return total
            total += len(claimed)
            if len(claimed) < self.batch:
                return total

    async def run(self) -> None:
        """The node's loop: a pass, then a pause of ``poll_s``; errors are logged, not fatal."""
        while True:
            self.passes += 1
            try:
                await self.flush()
                await self.prune()
            except Exception:  # a database hiccup must not end the sender
                log.exception("xapi.lrs_sender_failed")
            await asyncio.sleep(self.poll_s)

    async def prune(self) -> int:
        """Delete rows the LRS accepted more than ``KEEP_SENT`` ago; never an unsent one."""
        cutoff = self.clock.now() - KEEP_SENT
        async with self.database.unit_of_work(request_id="xapi:lrs-prune") as session:
            gone = await session.execute(
                delete(LrsOutbox)
                .where(LrsOutbox.sent_at.is_not(None), LrsOutbox.sent_at < cutoff)
                .returning(LrsOutbox.id)
            )
            return len(gone.all())

    async def pending(self) -> int:
        async with self.database.unit_of_work(request_id="xapi:lrs-pending") as session:
            count = await session.scalar(
                select(func.count()).select_from(LrsOutbox).where(LrsOutbox.sent_at.is_(None))
            )
        return int(count or 0)

    async def _claim(self) -> list[tuple[int, int, dict[str, Any]]]:
        now = self.clock.now()
        async with self.database.unit_of_work(request_id="xapi:lrs-claim") as session:
            due = (
                select(LrsOutbox.id)
                .where(LrsOutbox.sent_at.is_(None), LrsOutbox.next_attempt_at <= now)
                .order_by(LrsOutbox.id)
                .limit(self.batch)
            )
            if self.database.dialect == "postgresql":
                due = due.with_for_update(skip_locked=True)
            ids = list((await session.scalars(due)).all())
            if not ids:
                return []
            claimed = await session.execute(
                update(LrsOutbox)
                .where(LrsOutbox.id.in_(ids), LrsOutbox.sent_at.is_(None),
                       LrsOutbox.next_attempt_at <= now)
                .values(next_attempt_at=now + self.lease)
                .returning(LrsOutbox.id, LrsOutbox.attempts, LrsOutbox.statement)
            )  # fmt: skip
            rows = [(int(i), int(a), dict(s)) for i, a, s in claimed.all()]
        return sorted(rows)

    async def _send(self, claimed: list[tuple[int, int, dict[str, Any]]]) -> bool:
        ids = [row_id for row_id, _, _ in claimed]
        error = await self._post([statement for _, _, statement in claimed])
        now = self.clock.now()
        async with self.database.unit_of_work(request_id="xapi:lrs-mark") as session:
            if error is None:
                await session.execute(
                    update(LrsOutbox).where(LrsOutbox.id.in_(ids))
                    .values(sent_at=now, last_error=None, attempts=LrsOutbox.attempts + 1)
                )  # fmt: skip
            else:
                attempts = max(a for _, a, _ in claimed)
                wait = min(self.backoff_max_s, 2.0**attempts)
                await session.execute(
                    update(LrsOutbox).where(LrsOutbox.id.in_(ids))
                    .values(next_attempt_at=now + timedelta(seconds=wait), last_error=error[:500],
                            attempts=LrsOutbox.attempts + 1)
                )  # fmt: skip
        if error is None:
            self.sent += len(ids)
            return True
        self.failures += 1
        self.last_error = error
        log.warning("xapi.lrs_send_failed", statements=len(ids), error=error)
        return False

    def _headers(self) -> dict[str, str]:
        headers = {"X-Experience-API-Version": XAPI_VERSION}
        if self.authorization is not None:
            headers["Authorization"] = self.authorization
        return headers

    async def _post(self, statements: list[dict[str, Any]]) -> str | None:
        """None when the LRS took the batch, else why not."""
        assert self.http is not None
        try:
            async with self.http.post(
                f"{self.url}/xAPI/statements", json=statements, headers=self._headers(),
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
            ) as response:  # fmt: skip
                if response.status in (200, 204):
                    return None
                return f"HTTP {response.status}: {(await response.text())[:300]}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            return f"{type(exc).__name__}: {exc}"


LRS_SENDER: web.AppKey[LrsSender] = web.AppKey("xapi_lrs_sender", LrsSender)


async def lrs_context(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: with ``BAEUM_LRS_URL`` set, every database session carries the LRS
    profile (so the outbox is written) and this node runs a sender; otherwise nothing."""
    settings = app[SETTINGS]
    if settings.lrs_url is None:
        yield
        return
    database = app[DATABASE]
    info = dict(database.sessions.kw.get("info") or {})
    info[INFO_KEY] = LrsProfile.from_settings(settings, app[CLOCK])
    database.sessions.configure(info=info)
    password = settings.lrs_password.get_secret_value() if settings.lrs_password else ""
    sender = LrsSender(
        database, app[CLOCK], str(settings.lrs_url).rstrip("/"),
        _basic(settings.lrs_username, password) if settings.lrs_username else None,
        settings.lrs_batch, settings.lrs_poll_s, settings.lrs_backoff_max_s,
        settings.lrs_timeout_s,
    )  # fmt: skip
    app[LRS_SENDER] = sender
    async with aiohttp.ClientSession() as http:
        sender.http = http
        sender.task = asyncio.create_task(sender.run(), name="xapi-lrs-sender")
        try:
            yield
        finally:
            await stop_tasks([sender.task], what="xAPI sender")


def _basic(username: str, password: str) -> str:
    """HTTP Basic credentials (RFC 7617), as xAPI LRSs commonly take them."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
