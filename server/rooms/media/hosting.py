"""Which node hosts a class's media, and signalling to it from any node.

A class's peer connections all live on one node (aiortc peers are in-process), the one holding
the lease ``media:{class id}`` in the shared live state; it renews the lease while it has media
for the class. A participant's socket may be on any node: its media requests go to the host,
locally or as a small request over the live state's pub/sub (``media-rpc:{node}``), answered on
``media-reply:{node}``. Messages the host sends back to clients (new offers, the active
speaker) travel through socket.io's own cross-node manager. If the host dies, its lease lapses;
the clients reconnect their media and the next request makes another node the host.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import structlog
from aiohttp import web

from server.core.errors import Problem
from server.core.keys import LIVE, SETTINGS
from server.core.tasks import stop_tasks
from server.rooms import presence
from server.rooms.media.sdp import BadDescription
from server.rooms.media.sfu import MEDIA

log = structlog.get_logger("baeum.media")

LEASE_S = 15.0
RPC_TIMEOUT_S = 15.0
RESUBSCRIBE_S = 0.5


def media_lease(class_session_id: int) -> str:
    return f"media:{class_session_id}"


class MediaRouter:
    """Runs media operations on the class's host node, wherever the caller's socket is."""

    def __init__(self, app: web.Application) -> None:
        self._app = app
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}

    @property
    def node_id(self) -> str:
        return self._app[SETTINGS].node_id

    async def host_of(self, class_session_id: int) -> str:
        live, name = self._app[LIVE], media_lease(class_session_id)
        owner = await live.lease_owner(name)
        if owner is None and await live.lease_acquire(name, self.node_id, LEASE_S):
            return self.node_id
        return owner or await live.lease_owner(name) or self.node_id

    async def call(self, op: str, class_session_id: int, **args: Any) -> Any:
        host = await self.host_of(class_session_id)
        if host == self.node_id:
            return await run_locally(self._app, op, class_session_id, args)
        return await self._remote(host, op, class_session_id, args)

    async def _remote(self, host: str, op: str, class_session_id: int, args: dict[str, Any]) -> Any:
        request_id = secrets.token_hex(8)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = future
        message = {"id": request_id, "reply_to": self.node_id, "op": op,
                   "class_session_id": class_session_id, "args": args}  # fmt: skip
        try:
            if not await self._app[LIVE].publish(f"media-rpc:{host}", json.dumps(message).encode()):
                raise Problem("unavailable", "The class's media server does not answer.")
            reply = await asyncio.wait_for(future, RPC_TIMEOUT_S)
        except TimeoutError:
            raise Problem("unavailable", "The class's media server did not answer.") from None
        finally:
            self._waiting.pop(request_id, None)
        if "error" in reply:
            raise Problem(reply["error"]["type"], reply["error"]["detail"])
        return reply["result"]

    def resolve(self, reply: dict[str, Any]) -> None:
        future = self._waiting.get(reply.get("id", ""))
        if future is not None and not future.done():
            future.set_result(reply)


async def run_locally(
    app: web.Application, op: str, class_session_id: int, args: dict[str, Any]
) -> Any:
    if op == "spotlight":  # only matters where the class has media
        if class_session_id in app[MEDIA].classes:
            await app[MEDIA].classes[class_session_id].set_spotlight(args["user_id"])
        return None
    if op == "silence":  # who was heard when: nobody heard where the class has no media
        media_here = app[MEDIA].classes.get(class_session_id)
        silence = media_here.silence() if media_here is not None else {}
        return {str(user_id): seconds for user_id, seconds in silence.items()}
    if op == "rooms":  # breakout groups: likewise
        if class_session_id in app[MEDIA].classes:
            rooms = {int(user): int(group) for user, group in args["rooms"].items()}
            everywhere = {int(user) for user in args.get("everywhere", [])}
            await app[MEDIA].classes[class_session_id].set_rooms(rooms, everywhere)
        return None
    if op == "leave":  # before anything else: a class without media here has nothing to close
        await app[MEDIA].leave(class_session_id, args["sid"])
        return None
    fresh = class_session_id not in app[MEDIA].classes
    media = app[MEDIA].of(class_session_id)
    if fresh:  # a class's media starting here (or moving here) follows its open groups
        media.rooms.update(await presence.rooms(app[LIVE], class_session_id))
        media.everywhere.update(await presence.heard_everywhere(app[LIVE], class_session_id))
    try:
        if op == "publish":
            return await media.publish(
                args["sid"], args["user_id"], args["offer"], args.get("who"),
                on_stage=bool(args.get("on_stage")), screen=frozenset(args.get("screen", [])),
            )  # fmt: skip
        if op == "subscribe":
            shown = frozenset(args["shown"]) if args.get("shown") is not None else None
            return await media.subscribe(
                args["sid"], args["user_id"], args.get("who"), shown,
                bool(args.get("audio_only")),
            )  # fmt: skip
        if op == "answer":
            await media.answer(args["sid"], args["answer"])
            return None
        if op == "view":
            shown = frozenset(args["shown"]) if args["shown"] is not None else None
            return await media.set_view(args["sid"], shown, args["audio_only"])
    except LookupError as exc:
        raise Problem("conflict", str(exc)) from None
    except BadDescription as exc:
        raise Problem("validation-error", str(exc)) from None
    raise Problem("validation-error", f"unknown media operation {op!r}")


MEDIA_ROUTER: web.AppKey[MediaRouter] = web.AppKey("media_router", MediaRouter)


async def _resubscribing(
    app: web.Application, channel: str, ready: asyncio.Event,
    handle: Callable[[bytes], Awaitable[None]],
) -> None:  # fmt: skip
    """Listen on a channel for as long as the node runs: if the live state goes away
    (Redis restarting), subscribe again once it answers."""
    while True:
        try:
            async with app[LIVE].subscribe(channel) as messages:
                ready.set()
                async for raw in messages:
                    await handle(raw)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("media signalling subscription lost; resubscribing", channel=channel)
        await asyncio.sleep(RESUBSCRIBE_S)


async def _serve_requests(app: web.Application, ready: asyncio.Event) -> None:
    """Answer other nodes' media requests for the classes this node hosts."""
    live = app[LIVE]

    async def answer(raw: bytes) -> None:
        message = json.loads(raw)
        reply = {"id": message["id"], **await _answer(app, message)}
        await live.publish(f"media-reply:{message['reply_to']}", json.dumps(reply).encode())

    await _resubscribing(app, f"media-rpc:{app[SETTINGS].node_id}", ready, answer)


async def _answer(app: web.Application, message: dict[str, Any]) -> dict[str, Any]:
    try:
        op, class_session_id, args = message["op"], message["class_session_id"], message["args"]
        return {"result": await run_locally(app, op, class_session_id, args)}
    except Problem as problem:
        return {"error": {"type": problem.type.slug, "detail": problem.detail}}
    except Exception:
        log.exception("media request failed", op=message.get("op"))
        return {"error": {"type": "internal-error", "detail": "The media request failed."}}


async def _take_replies(app: web.Application, ready: asyncio.Event) -> None:
    async def take(raw: bytes) -> None:
        app[MEDIA_ROUTER].resolve(json.loads(raw))

    await _resubscribing(app, f"media-reply:{app[SETTINGS].node_id}", ready, take)


async def renew_leases(app: web.Application) -> None:
    """Keep hosting the classes whose media is here (called by the node's housekeeping)."""
    live, node_id = app[LIVE], app[SETTINGS].node_id
    for class_session_id in list(app[MEDIA].classes):
        await live.lease_acquire(media_lease(class_session_id), node_id, LEASE_S)


async def media_signalling(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: this node answers media requests and takes replies while it runs."""
    serving, taking = asyncio.Event(), asyncio.Event()
    tasks = [
        asyncio.create_task(_serve_requests(app, serving)),
        asyncio.create_task(_take_replies(app, taking)),
    ]
    await serving.wait()
    await taking.wait()
    yield
    await stop_tasks(tasks, what="media signalling")
    for class_session_id in list(app[MEDIA].classes):
        await app[LIVE].lease_release(media_lease(class_session_id), app[SETTINGS].node_id)
