"""The socket.io server of one app, and who a socket belongs to.

With BAEUM_REDIS_URL set, rooms span every node through ``socketio.AsyncRedisManager``; without
it, the default in-process manager serves one node. Feature packages add namespaces (the live
class is ``/class``); the root namespace here is each signed-in user's personal channel
(room ``user:{id}``), used for notices that follow a person across tabs and devices.

Bad input on a socket never drops the connection: every event answers an acknowledgement,
``{"ok": true, ...}`` or ``{"ok": false, "error": {"type", "detail"}}``.
"""

from __future__ import annotations

import asyncio
from http.cookies import SimpleCookie
from typing import Any

import socketio
import structlog
from aiohttp import web

from server.config import Settings
from server.core.auth import service as auth
from server.core.errors import Problem
from server.core.keys import CLOCK, DATABASE, METRICS, SECRET_KEY

log = structlog.get_logger("baeum.sio")


def error_ack(slug: str, detail: str) -> dict[str, Any]:
    return {"ok": False, "error": {"type": slug, "detail": detail}}


def create_socket_server(settings: Settings) -> socketio.AsyncServer:
    manager = None
    if settings.redis_url is not None:
        manager = socketio.AsyncRedisManager(
            str(settings.redis_url), channel=f"{settings.redis_prefix}:socketio"
        )
    return socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=manager,
        cors_allowed_origins=[settings.effective_public_url],
        max_http_buffer_size=64 * 1024,
        ping_interval=10,
        ping_timeout=10,
        logger=False,
        engineio_logger=False,
    )


async def authenticate_socket(
    app: web.Application, environ: dict[str, Any], auth_data: Any
) -> auth.Principal:
    """A socket's caller: an API token in the ``auth`` payload, else the session cookie."""
    token = auth_data.get("token") if isinstance(auth_data, dict) else None
    clock = app[CLOCK]
    async with app[DATABASE].unit_of_work() as session:
        if isinstance(token, str) and token:
            return await auth.principal_for_api_token(session, token, clock.now())
        cookies = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        morsel = cookies.get(auth.SESSION_COOKIE)
        if morsel is not None:
            principal = await auth.principal_for_cookie(
                session, morsel.value, clock.now(), app[SECRET_KEY]
            )
            if principal is not None:
                return principal
    raise Problem("not-authenticated")


def refuse(problem: Problem) -> socketio.exceptions.ConnectionRefusedError:
    """The client's ``connect_error`` gets ``{"message": slug, "data": {"type", "detail"}}``."""
    return socketio.exceptions.ConnectionRefusedError(
        problem.type.slug, {"type": problem.type.slug, "detail": problem.detail}
    )


def register_personal_channel(app: web.Application, sio: socketio.AsyncServer) -> None:
    """The root namespace: a signed-in user's own channel."""
    metrics = app[METRICS]
    gauge = metrics.socket_connections.labels("/")

    @sio.event  # type: ignore[untyped-decorator]
    async def connect(sid: str, environ: dict[str, Any], auth_data: Any = None) -> None:
        try:
            principal = await authenticate_socket(app, environ, auth_data)
        except Problem as problem:
            raise refuse(problem) from None
        await sio.save_session(sid, {"user_id": principal.user_id, "name": principal.name})
        await sio.enter_room(sid, f"user:{principal.user_id}")
        gauge.inc()

    @sio.event  # type: ignore[untyped-decorator]
    async def disconnect(sid: str, reason: Any = None) -> None:
        gauge.dec()

    @sio.event  # type: ignore[untyped-decorator]
    async def whoami(sid: str, data: Any = None) -> dict[str, Any]:
        session = await sio.get_session(sid)
        return {"ok": True, "user_id": session["user_id"], "name": session["name"]}

    @sio.on("*")  # type: ignore[untyped-decorator]
    async def unknown(event: str, sid: str, data: Any = None) -> dict[str, Any]:
        return error_ack("unknown-event", f"No event {event!r} in this namespace.")


async def start_manager(sio: socketio.AsyncServer) -> None:
    """Subscribe to the Redis channel now, not on the first connection, so nothing is missed."""
    manager = sio.manager
    if not isinstance(manager, socketio.AsyncRedisManager) or sio.manager_initialized:
        return
    sio.manager_initialized = True
    manager.initialize()
    for _ in range(500):  # bounded: up to about 5 s for Redis to take the subscription
        if manager.pubsub is not None and manager.pubsub.subscribed:
            return
        await asyncio.sleep(0.01)
    log.warning("socket.io redis manager not yet subscribed; continuing")


async def stop_manager(sio: socketio.AsyncServer) -> None:
    manager = sio.manager
    await sio.shutdown()
    task = getattr(manager, "thread", None)
    if isinstance(task, asyncio.Task):
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    redis = getattr(manager, "redis", None)
    if redis is not None:
        await redis.aclose()
