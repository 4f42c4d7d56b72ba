"""The socket.io server of one app, and who a socket belongs to.

With BAEUM_REDIS_URL set, rooms span every node through ``socketio.AsyncRedisManager``; without
it, the default in-process manager serves one node. Feature packages add namespaces (the live
class is ``/class``); the root namespace here is each signed-in user's personal channel
(room ``user:{id}``), used for notices that follow a person across tabs and devices.

Events are declared with ``core.events.SocketRouter``: every event answers an acknowledgement,
and bad input never drops the connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any

import socketio
import structlog
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from server.config import Settings
from server.core.auth import service as auth
from server.core.clock import wire_time
from server.core.errors import Problem
from server.core.events import EventCtx, SocketRouter
from server.core.fanout import LeanManager, LeanRedisManager
from server.core.keys import CLOCK, DATABASE, SECRET_KEY
from server.core.tasks import stop_tasks

log = structlog.get_logger("baeum.sio")


def allowed_origin(public_url: str) -> Callable[[str | None, dict[str, Any]], bool]:
    """Browsers may open sockets from the public address, or from the address they reached
    this server at (same origin; a phone on the LAN uses the machine's IP, not localhost)."""

    def allowed(origin: str | None, environ: dict[str, Any]) -> bool:
        if origin is None or origin == public_url:
            return True
        scheme = environ.get("HTTP_X_FORWARDED_PROTO", environ.get("wsgi.url_scheme", "http"))
        return origin == f"{scheme.split(',')[0].strip()}://{environ.get('HTTP_HOST', '')}"

    return allowed


def create_socket_server(settings: Settings) -> socketio.AsyncServer:
    manager: socketio.AsyncManager = LeanManager()
    if settings.redis_url is not None:
        manager = LeanRedisManager(
            str(settings.redis_url), channel=f"{settings.redis_prefix}:socketio"
        )
    return socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=manager,
        cors_allowed_origins=allowed_origin(settings.effective_public_url),
        max_http_buffer_size=settings.max_body_bytes,  # larger frames end the connection
        ping_interval=settings.socket_ping_interval_s,  # a silent peer is taken for gone
        ping_timeout=settings.socket_ping_timeout_s,  # after interval + timeout
        logger=False,
        engineio_logger=False,
    )


async def authenticate_socket(
    app: web.Application, environ: dict[str, Any], auth_data: Any
) -> auth.Principal:
    """A socket's caller: an API token in the ``auth`` payload, else the session cookie."""
    token = auth_data.get("token") if isinstance(auth_data, dict) else None
    async with app[DATABASE].unit_of_work() as session:
        return await socket_principal(
            session, app, environ, token if isinstance(token, str) else None
        )


async def socket_principal(
    session: AsyncSession, app: web.Application, environ: dict[str, Any], api_token: str | None
) -> auth.Principal:
    """The caller by API token if one is given, else by the session cookie."""
    now = app[CLOCK].now()
    if api_token:
        return await auth.principal_for_api_token(session, api_token, now)
    morsel = SimpleCookie(environ.get("HTTP_COOKIE", "")).get(auth.SESSION_COOKIE)
    if morsel is not None:
        principal = await auth.principal_for_cookie(session, morsel.value, now, app[SECRET_KEY])
        if principal is not None:
            return principal
    raise Problem("not-authenticated")


async def admit_signed_in(
    app: web.Application, environ: dict[str, Any], auth_data: Any
) -> dict[str, Any]:
    """The personal channel: anyone signed in, in their own room ``user:{id}``."""
    principal = await authenticate_socket(app, environ, auth_data)
    return {
        "user_id": principal.user_id,
        "name": principal.name,
        "rooms": [f"user:{principal.user_id}"],
    }


personal = SocketRouter("/", admit_signed_in)


@personal.event("ping", rate=(120, 60.0))
async def ping(ctx: EventCtx) -> dict[str, Any]:
    """A round trip for the pre-class connection test; the server's time for clock skew."""
    return {"server_time": wire_time(ctx.clock.now())}


@personal.event("whoami")
async def whoami(ctx: EventCtx) -> dict[str, Any]:
    """Who this socket belongs to (a cheap round trip for connection tests)."""
    session = await ctx.sio.get_session(ctx.sid, namespace=ctx.namespace)
    return {"user_id": session["user_id"], "name": session["name"]}


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


async def close_sockets(sio: socketio.AsyncServer) -> None:
    """On shutdown, close every client's connection at once (their clients reconnect to
    another node) instead of letting the web server wait for ping time-outs."""
    if sio.eio.sockets:
        await sio.eio.disconnect()


async def stop_manager(sio: socketio.AsyncServer) -> None:
    manager = sio.manager
    await sio.shutdown()
    task = getattr(manager, "thread", None)
    if isinstance(task, asyncio.Task):
        await stop_tasks([task], what="socket.io pub/sub listener")
    redis = getattr(manager, "redis", None)
    if redis is not None:
        await redis.aclose()
