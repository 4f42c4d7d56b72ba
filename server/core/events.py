"""socket.io events declared once, the way ``core/http.py`` declares routes.

A feature's ``events.py`` makes a ``SocketRouter`` for its namespace and decorates plain async
handlers; the wrapper built here is the single place where, for every event, the payload is
parsed by pydantic, one database transaction is opened and committed, and the answer becomes
an acknowledgement: ``{"ok": true, ...}`` or ``{"ok": false, "error": {"type", "detail"}}``.
Bad input never drops the connection and changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import socketio
import structlog
from aiohttp import web
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.clock import Clock
from server.core.errors import Problem
from server.core.keys import CLOCK, DATABASE, LIVE, METRICS
from server.core.limits import check_socket_event
from server.core.outage import is_outage, unavailable

log = structlog.get_logger("baeum.events")

Ack = dict[str, Any]
EventHandler = Callable[..., Awaitable[BaseModel | dict[str, Any] | None]]


def ok(result: BaseModel | dict[str, Any] | None = None) -> Ack:
    if result is None:
        return {"ok": True}
    body = result.model_dump(mode="json") if isinstance(result, BaseModel) else result
    return {"ok": True, **body}


def error_ack(slug: str, detail: str, **extra: Any) -> Ack:
    return {"ok": False, "error": {"type": slug, "detail": detail, **extra}}


@dataclass
class EventCtx:
    """What an event handler gets: the socket, who it is, the open transaction.

    ``socket`` is what ``admit`` returned for this connection (``user_id`` and whatever the
    namespace keeps: class, grants, device).
    """

    app: web.Application
    sio: socketio.AsyncServer
    sid: str
    namespace: str
    socket: dict[str, Any]
    session: AsyncSession
    pending: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    @property
    def user_id(self) -> int:
        return int(self.socket["user_id"])

    @property
    def clock(self) -> Clock:
        return self.app[CLOCK]

    def emit(self, event: str, data: Any, *, to: str, skip_self: bool = False) -> None:
        """Send to a room (or one sid) of this namespace, on every node, once the event's
        transaction has committed: nobody is told of what was not kept."""
        skip = self.sid if skip_self else None

        async def send() -> None:
            await self.sio.emit(event, data, to=to, namespace=self.namespace, skip_sid=skip)

        self.pending.append(send)

    def after_commit(self, action: Callable[[], Awaitable[None]]) -> None:
        self.pending.append(action)


Admit = Callable[[web.Application, dict[str, Any], Any], Awaitable[dict[str, Any]]]
"""Decides who may connect to a namespace: returns the socket's session (``user_id`` and
``rooms`` to enter) or raises ``Problem``; the client's ``connect_error`` then gets
``{"message": slug, "data": {"type", "detail"}}``."""


#: (events, seconds): how often one person may send an event, e.g. (10, 10.0)
Rate = tuple[int, float]

Disconnected = Callable[
    [web.Application, socketio.AsyncServer, str, dict[str, Any], str], Awaitable[None]
]
"""Called once when a socket goes, with its session and the reason (``client disconnect``,
``server disconnect``, ``ping timeout``, ``transport close``, ``transport error``)."""


@dataclass(frozen=True)
class SocketEvent:
    name: str
    handler: EventHandler
    payload: type[BaseModel] | None
    rate: Rate | None


class SocketRouter:
    """The events of one namespace, and who may connect to it."""

    def __init__(
        self, namespace: str, admit: Admit, *, disconnected: Disconnected | None = None
    ) -> None:
        self.namespace = namespace
        self.admit = admit
        self.disconnected = disconnected
        self.events: list[SocketEvent] = []

    def event(
        self, name: str, *, payload: type[BaseModel] | None = None, rate: Rate | None = None
    ) -> Callable[[EventHandler], EventHandler]:
        """Declare an event; ``rate`` limits how often one person may send it."""

        def register(handler: EventHandler) -> EventHandler:
            self.events.append(SocketEvent(name, handler, payload, rate))
            return handler

        return register

    def mount(self, app: web.Application, sio: socketio.AsyncServer) -> None:
        gauge = app[METRICS].socket_connections.labels(self.namespace)

        async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
            try:
                try:
                    session = await self.admit(app, environ, auth)
                except Exception as exc:
                    if is_outage(exc):  # told to come back, not refused for good
                        raise unavailable() from None
                    raise
            except Problem as problem:
                raise socketio.exceptions.ConnectionRefusedError(
                    problem.type.slug, {"type": problem.type.slug, "detail": problem.detail}
                ) from None
            await sio.save_session(sid, session, namespace=self.namespace)
            for room in session.get("rooms", ()):
                await sio.enter_room(sid, room, namespace=self.namespace)
            gauge.inc()

        async def disconnect(sid: str, reason: Any = None) -> None:
            gauge.dec()
            if self.disconnected is None:
                return
            session = await sio.get_session(sid, namespace=self.namespace)
            try:
                await self.disconnected(app, sio, sid, session, str(reason or "unknown"))
            except Exception:
                log.exception("socket disconnect handler failed", namespace=self.namespace)
                app[METRICS].errors.labels("socket").inc()

        sio.on("connect", namespace=self.namespace)(connect)
        sio.on("disconnect", namespace=self.namespace)(disconnect)
        for ev in self.events:
            sio.on(ev.name, namespace=self.namespace)(_wrap(app, sio, self.namespace, ev))

        async def unknown(event: str, sid: str, data: Any = None) -> Ack:
            return error_ack("unknown-event", f"No event {event!r} in {self.namespace}.")

        sio.on("*", namespace=self.namespace)(unknown)


def _wrap(
    app: web.Application, sio: socketio.AsyncServer, namespace: str, ev: SocketEvent
) -> Callable[..., Awaitable[Ack]]:
    async def handle(sid: str, data: Any = None) -> Ack:
        try:
            kwargs = _parse(ev, data)
            socket_session = await sio.get_session(sid, namespace=namespace)
            if ev.rate is not None:
                await _check_rate(app, namespace, ev, socket_session["user_id"])
            await check_socket_event(app, sio, sid, namespace, ev.name, socket_session)
            async with app[DATABASE].unit_of_work(request_id=f"sio:{ev.name}") as db:
                db.info["actor_id"] = socket_session["user_id"]
                ctx = EventCtx(app, sio, sid, namespace, socket_session, db)
                answer = ok(await ev.handler(ctx, **kwargs))
            for action in ctx.pending:
                await action()
            return answer
        except Problem as problem:
            return error_ack(problem.type.slug, problem.detail, **problem.extra)
        except Exception as exc:
            if is_outage(exc):  # nothing was committed, so nobody was told of anything
                log.warning("socket event refused: dependency down", socket_event=ev.name)
                app[METRICS].errors.labels("outage").inc()
                gone = unavailable()
                return error_ack(gone.type.slug, gone.detail)
            log.exception("socket event failed", socket_event=ev.name, namespace=namespace)
            app[METRICS].errors.labels("socket").inc()
            return error_ack("internal-error", "A bug; the event was not applied.")

    return handle


async def _check_rate(app: web.Application, namespace: str, ev: SocketEvent, user_id: int) -> None:
    """Per person and event: a flooder is refused (told when to retry); others go on."""
    assert ev.rate is not None
    limit, period = ev.rate
    decision = await app[LIVE].rate_limit(f"sio:{namespace}:{ev.name}:{user_id}", limit, period)
    if not decision.allowed:
        app[METRICS].rate_limited.labels(ev.name).inc()
        raise Problem(
            "rate-limited",
            f"Too many {ev.name!r}; wait and try again.",
            retry_after_s=round(decision.retry_after_s, 2),
        )


def _parse(ev: SocketEvent, data: Any) -> dict[str, Any]:
    if ev.payload is None:
        return {}
    try:
        return {"payload": ev.payload.model_validate(data if data is not None else {})}
    except ValidationError as exc:
        raise Problem(
            "validation-error",
            f"The payload of {ev.name!r} does not match the schema.",
            errors=[
                {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
                for e in exc.errors(include_url=False, include_input=False)
            ],
        ) from None
