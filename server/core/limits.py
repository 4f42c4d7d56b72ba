"""Abuse limits: log-in lock-out, per-person and per-address rates, and connection hygiene.

Three layers, all set from ``BAEUM_*`` settings (docs/operations.md, "Abuse limits"):

- **Log-in lock-out** (``LoginGuard``): N failed log-ins for one login (or many from one
  address) lock it for a while; each further lock-out doubles the time, up to a cap. While
  locked every attempt is refused with 429 and Retry-After *before* the password is looked
  at, so the right password tells nothing. A successful log-in clears the login's count and
  its back-off. Everything is GCRA keys in the live state (Redis across nodes), each expiring.
- **Action rates** (``check``): joining, chat, questions, votes, board posts and uploads are
  limited per person *and* per client address. Per person first: someone flooding is refused
  without using up the address's share, which a whole office behind one NAT address shares.
  The counters are keys in the live state only (never beside what was posted, so anonymous
  questions and posts stay unlinkable) and expire. HTTP answers 429 problem+json with
  Retry-After; socket events ack ``rate-limited`` with ``retry_after_s`` before the handler
  runs, so nothing of a refused message is stored.
- **Connections** (``install``): at most ``BAEUM_MAX_CONNECTIONS_PER_ADDRESS`` open TCP
  connections per peer address (closed at once beyond it, counted), a deadline for a new
  connection's first request head (slow-loris), an idle deadline for a request body that
  stops arriving mid-way, aiohttp's keep-alive timeout for idle connections and later heads,
  header line/field size caps; behind a trusted proxy (whose own connections are not capped),
  the same cap on requests in flight per forwarded address, socket.io's websockets included.

aiohttp has no setting for a header or body deadline or a per-address cap, so ``install``
wraps the app's protocol factory (``Application._make_handler``, the one aiohttp internal used
here, pinned by tests/limits): each connection's ``RequestHandler`` sits behind a small
``asyncio.Protocol`` that counts it and closes it if its head is late or its body stalls.
The body deadline needs to know the current request's body: the middleware hands the
protocol ``request.content`` (found through ``request.transport.get_protocol()``), and
the body is complete once aiohttp's parser has fed it all (``StreamReader.is_eof()``,
public API). A bodiless request or a websocket upgrade has an empty payload, already at its
end, so it is never watched; neither is a connection between requests (keep-alive's).
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
from collections import Counter as Tally
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import socketio
from aiohttp import StreamReader, web
from aiohttp.web_protocol import RequestHandler
from prometheus_client import Counter, Gauge

from server.config import Settings
from server.core.errors import Problem
from server.core.http import client_address
from server.core.keys import LIVE, METRICS, SETTINGS
from server.core.live import LiveState

MINUTE = 60.0
#: back-off steps remembered at most (2**31 times the first lock is far past any cap)
LOCKOUT_LEVELS = 32


class Action(StrEnum):
    JOIN = "join"
    CHAT = "chat"
    QUESTION = "question"
    VOTE = "vote"
    POST = "post"
    UPLOAD = "upload"


#: socket events limited as an action (HTTP routes call ``check`` themselves)
SOCKET_ACTIONS: dict[tuple[str, str], Action] = {
    ("/class", "join"): Action.JOIN,
    ("/class", "send_chat"): Action.CHAT,
    ("/class", "qa_ask"): Action.QUESTION,
    ("/class", "qa_vote"): Action.VOTE,
    ("/class", "poll_answer"): Action.VOTE,
    ("/class", "board_post"): Action.POST,
    ("/class", "board_comment"): Action.POST,
}


@dataclass(frozen=True)
class ActionLimit:
    per_user_per_min: int
    per_address_per_min: int


def action_limits(settings: Settings) -> dict[Action, ActionLimit]:
    return {
        action: ActionLimit(
            getattr(settings, f"limit_{action.value}_per_user_per_min"),
            getattr(settings, f"limit_{action.value}_per_address_per_min"),
        )
        for action in Action
    }


class LimitMetrics:
    """This module's counters, on the app's own registry."""

    def __init__(self, metrics: Any) -> None:
        registry = metrics.registry
        self.refused = Counter(
            "baeum_rate_limited_total",
            "Actions refused by an abuse limit, by action and by whose limit (user, address)",
            ["action", "scope"],
            registry=registry,
        )
        self.lockouts = Counter(
            "baeum_login_lockouts_total",
            "Log-in lock-outs started, by what was locked (login, address)",
            ["scope"],
            registry=registry,
        )
        self.connections_refused = Counter(
            "baeum_connections_refused_total",
            "Connections closed early: over the per-address cap, no request head in time, "
            "or a request body that stopped arriving",
            ["reason"],
            registry=registry,
        )
        self.connections = Gauge(
            "baeum_http_connections",
            "TCP connections open on this node",
            registry=registry,
        )


LIMIT_METRICS = web.AppKey("limit_metrics", LimitMetrics)


def too_many(detail: str, retry_after_s: float) -> Problem:
    """429 problem+json with Retry-After (whole seconds, at least 1); socket acks carry the
    exact figure as ``retry_after_s``."""
    problem = Problem("rate-limited", detail, retry_after_s=round(retry_after_s, 2))
    problem.headers["Retry-After"] = str(max(1, math.ceil(retry_after_s)))
    return problem


# ---- action rates ------------------------------------------------------------------------


async def check(
    app: web.Application, action: Action, *, user_id: int | None, address: str | None
) -> None:
    """Count one ``action`` for this person and this address, or raise 429 (rate-limited).

    The person's limit is asked first, so a refused flooder does not use up the address's
    share; keys live only in the live state and expire once their events have drained.
    ``None`` skips that scope (a join link names its person only once it is checked).
    """
    limit = action_limits(app[SETTINGS])[action]
    live = app[LIVE]
    scopes: list[tuple[str, str, int]] = []
    if user_id is not None:
        scopes.append(("user", f"limit:{action}:user:{user_id}", limit.per_user_per_min))
    if address is not None:
        scopes.append(("address", f"limit:{action}:address:{address}", limit.per_address_per_min))
    for scope, key, per_min in scopes:
        decision = await live.rate_limit(key, per_min, MINUTE)
        if not decision.allowed:
            app[LIMIT_METRICS].refused.labels(action.value, scope).inc()
            whose = "you" if scope == "user" else "your network address"
            raise too_many(f"Too many {action.value} from {whose}; wait and try again.",
                           decision.retry_after_s)  # fmt: skip


async def check_request(request: web.Request, action: Action, user_id: int | None) -> None:
    await check(request.app, action, user_id=user_id, address=client_address(request))


async def check_socket_event(
    app: web.Application, sio: socketio.AsyncServer, sid: str, namespace: str, event: str,
    socket_session: dict[str, Any],
) -> None:  # fmt: skip
    """The socket events of ``SOCKET_ACTIONS``, per person and per the socket's address."""
    action = SOCKET_ACTIONS.get((namespace, event))
    if action is None:
        return
    environ = sio.get_environ(sid, namespace=namespace) or {}
    request = environ.get("aiohttp.request")
    address = client_address(request) if request is not None else "unknown"
    await check(app, action, user_id=socket_session.get("user_id"), address=address)


# ---- log-in lock-out -----------------------------------------------------------------------


@dataclass(frozen=True)
class LockoutPolicy:
    failures: int
    window_s: float
    base_s: float
    max_s: float
    forget_s: float

    def duration(self, level: int) -> float:
        return float(min(self.base_s * 2 ** max(level - 1, 0), self.max_s))


class LoginGuard:
    """Lock-out with back-off, per login and per address, in the live state.

    Per subject (``login:<name>`` or ``address:<ip>``) three GCRA keys: its failures in the
    window; its lock (one event per lock time: while it is "full", the subject is locked, and
    its retry time is the lock's end); its back-off level (one event per lock-out, each
    forgotten ``forget_s`` after it, so a lock-out long ago no longer doubles the next).
    """

    def __init__(self, app: web.Application) -> None:
        s = app[SETTINGS]
        self.live: LiveState = app[LIVE]
        self.metrics = app[LIMIT_METRICS]
        shared = {"window_s": s.login_lockout_window_s, "base_s": s.login_lockout_base_s,
                  "max_s": s.login_lockout_max_s, "forget_s": s.login_lockout_forget_s}  # fmt: skip
        self.policies = {
            "login": LockoutPolicy(s.login_lockout_failures, **shared),
            "address": LockoutPolicy(s.login_lockout_address_failures, **shared),
        }

    @staticmethod
    def subjects(login: str, address: str) -> list[tuple[str, str]]:
        return [("login", login.strip().lower()), ("address", address)]

    async def check(self, login: str, address: str) -> None:
        """Refuse (429, Retry-After) while the login or the address is locked."""
        for scope, name in self.subjects(login, address):
            lock = await self.live.rate_limit(f"lockout:lock:{scope}:{name}", 1, 1.0, consume=False)
            if not lock.allowed:
                what = "this person" if scope == "login" else "this address"
                raise too_many(f"Log-in locked for {what} after too many failed attempts; "
                               "wait and try again.", lock.retry_after_s)  # fmt: skip

    async def failed(self, login: str, address: str) -> None:
        for scope, name in self.subjects(login, address):
            policy = self.policies[scope]
            failures = f"lockout:failures:{scope}:{name}"
            counted = await self.live.rate_limit(failures, policy.failures, policy.window_s)
            if counted.allowed and counted.remaining > 0:
                continue
            level = await self.live.rate_limit(
                f"lockout:level:{scope}:{name}", LOCKOUT_LEVELS, policy.forget_s * LOCKOUT_LEVELS
            )
            steps = LOCKOUT_LEVELS - level.remaining if level.allowed else LOCKOUT_LEVELS
            await self.live.rate_limit(f"lockout:lock:{scope}:{name}", 1, policy.duration(steps))
            await self.live.rate_reset(failures)
            self.metrics.lockouts.labels(scope).inc()

    async def succeeded(self, login: str) -> None:
        """The login's failures and back-off are cleared (an address's are not: one good
        account must not wipe out the count of guesses at others)."""
        name = login.strip().lower()
        await self.live.rate_reset(f"lockout:failures:login:{name}")
        await self.live.rate_reset(f"lockout:level:login:{name}")


# ---- connections ---------------------------------------------------------------------------


class ConnectionGuard:
    """Open connections per peer address on this node, and the head and body deadlines."""

    def __init__(self, settings: Settings, metrics: LimitMetrics) -> None:
        self.cap = settings.max_connections_per_address
        self.header_timeout_s = settings.header_timeout_s
        self.body_idle_timeout_s = settings.body_idle_timeout_s
        self.trusted = settings.trusted_proxies
        self.metrics = metrics
        self.open: Tally[str] = Tally()
        self.in_flight: Tally[str] = Tally()

    def exempt(self, peer: str) -> bool:
        """A trusted proxy carries many clients: its connections are not capped (requests
        are, per forwarded address, by the middleware)."""
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in net for net in self.trusted)

    def admit(self, peer: str) -> bool:
        if self.open[peer] >= self.cap and not self.exempt(peer):
            self.metrics.connections_refused.labels("per-address").inc()
            return False
        self.open[peer] += 1
        self.metrics.connections.inc()
        return True

    def release(self, peer: str) -> None:
        self.open[peer] -= 1
        if self.open[peer] <= 0:
            del self.open[peer]
        self.metrics.connections.dec()


class GuardedConnection(asyncio.Protocol):
    """One connection's ``RequestHandler`` behind the guard: counted per peer address, and
    closed if no complete request head arrives within ``header_timeout_s`` of opening (later
    heads on a kept-alive connection are bounded by aiohttp's keep-alive timeout), or if a
    request's body, once its handler has started, goes ``body_idle_timeout_s`` without a byte
    (nginx's ``client_body_timeout``: a slow upload that keeps coming is never cut; one that
    stops would hold a task, buffers and the handler's resources forever)."""

    def __init__(self, inner: RequestHandler, guard: ConnectionGuard) -> None:
        self.inner = inner
        self.guard = guard
        self.peer: str | None = None
        self.deadline: asyncio.TimerHandle | None = None
        self.tail = b""
        self.transport: asyncio.BaseTransport | None = None
        #: the current request's body while it is incomplete, and when bytes last came
        self.body: StreamReader | None = None
        self.body_heard = 0.0
        self.body_deadline: asyncio.TimerHandle | None = None
        #: why this side closed the connection, handed to aiohttp as the connection's loss
        self.cut: BaseException | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peername = transport.get_extra_info("peername")
        peer = str(peername[0]) if isinstance(peername, tuple) else "local"
        if not self.guard.admit(peer):
            transport.close()
            return
        self.peer = peer
        self.transport = transport
        self.inner.connection_made(transport)
        self.deadline = asyncio.get_running_loop().call_later(
            self.guard.header_timeout_s, self._late
        )

    def head_received(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def _late(self) -> None:
        self.deadline = None
        self.guard.metrics.connections_refused.labels("header-timeout").inc()
        self.inner.force_close()

    def body_started(self, body: StreamReader) -> None:
        """A request's handler starts (called by the middleware): while ``body`` is not
        complete, its bytes must keep coming. The window opens now, not at the last byte, so
        a request that waited behind another is not blamed for the wait."""
        self.body_done()
        if body.is_eof():  # bodiless, websocket upgrade, or already all here
            return
        loop = asyncio.get_running_loop()
        self.body = body
        self.body_heard = loop.time()
        self.body_deadline = loop.call_later(self.guard.body_idle_timeout_s, self._body_idle)

    def body_done(self) -> None:
        if self.body_deadline is not None:
            self.body_deadline.cancel()
            self.body_deadline = None
        self.body = None

    def _body_idle(self) -> None:
        """Runs at most once per window (bytes only move ``body_heard``, so a large upload
        costs no timer per chunk). While the transport is paused the server is holding the
        bytes back (a handler not reading yet): that is not the client's stall."""
        self.body_deadline = None
        body, transport = self.body, self.transport
        if body is None or body.is_eof() or transport is None:
            self.body = None
            return
        loop = asyncio.get_running_loop()
        if isinstance(transport, asyncio.ReadTransport) and not transport.is_reading():
            self.body_heard = loop.time()
        left = self.body_heard + self.guard.body_idle_timeout_s - loop.time()
        if left > 0:
            self.body_deadline = loop.call_later(left, self._body_idle)
            return
        self.body = None
        self.guard.metrics.connections_refused.labels("body-timeout").inc()
        self.cut = web.HTTPRequestTimeout(text="The request body stopped arriving.")
        self.inner.force_close()

    def data_received(self, data: bytes) -> None:
        if self.peer is None:
            return
        if self.deadline is not None:
            seen = self.tail + data
            if b"\r\n\r\n" in seen or b"\n\n" in seen:
                self.head_received()
            self.tail = seen[-3:]
        body = self.body
        if body is not None:
            self.body_heard = asyncio.get_running_loop().time()
        self.inner.data_received(data)
        if body is not None and body.is_eof():
            self.body_done()

    def eof_received(self) -> bool | None:
        if self.peer is not None:
            self.inner.eof_received()
        return None  # let the transport close its end, as aiohttp's handler does

    def pause_writing(self) -> None:
        if self.peer is not None:
            self.inner.pause_writing()

    def resume_writing(self) -> None:
        if self.peer is not None:
            self.inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.peer is None:
            return
        self.head_received()
        self.body_done()
        self.transport = None
        self.guard.release(self.peer)
        # a cut body: the handler reading it sees 408, not a reset that looks like an outage
        self.inner.connection_lost(self.cut or exc)


class GuardedServer:
    """aiohttp's ``web.Server`` (the protocol factory) with each connection guarded."""

    def __init__(self, server: web.Server, guard: ConnectionGuard) -> None:
        self._server = server
        self._guard = guard

    def __call__(self) -> GuardedConnection:
        return GuardedConnection(self._server(), self._guard)

    def __getattr__(self, name: str) -> Any:  # pre_shutdown, shutdown, connections, ...
        return getattr(self._server, name)


CONNECTION_GUARD = web.AppKey("connection_guard", ConnectionGuard)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def requests_in_flight(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Marks the head as received and starts the body's idle deadline; behind a trusted
    proxy, caps requests in flight per forwarded client address (a websocket is one request
    for as long as it is open)."""
    guard = request.app[CONNECTION_GUARD]
    transport = request.transport
    protocol = transport.get_protocol() if transport is not None else None
    if isinstance(protocol, GuardedConnection):
        protocol.head_received()
        protocol.body_started(request.content)
    peer = request.remote or ""
    if not guard.trusted or not guard.exempt(peer):
        return await handler(request)
    address = client_address(request)
    if guard.in_flight[address] >= guard.cap:
        guard.metrics.connections_refused.labels("per-address").inc()
        raise too_many("Too many connections from your network address.", 5.0)
    guard.in_flight[address] += 1
    try:
        return await handler(request)
    finally:
        guard.in_flight[address] -= 1
        if guard.in_flight[address] <= 0:
            del guard.in_flight[address]


def install(app: web.Application) -> None:
    """Called once from ``create_app``: metrics, the connection guard and its middleware,
    and the web server's size and time limits."""
    settings = app[SETTINGS]
    app[LIMIT_METRICS] = LimitMetrics(app[METRICS])
    guard = ConnectionGuard(settings, app[LIMIT_METRICS])
    app[CONNECTION_GUARD] = guard
    app.middlewares.append(requests_in_flight)
    make_handler = app._make_handler
    server_args = {
        "keepalive_timeout": settings.keepalive_timeout_s,
        "max_line_size": settings.max_header_line_bytes,
        "max_field_size": settings.max_header_field_bytes,
    }

    def guarded(**kwargs: Any) -> GuardedServer:
        return GuardedServer(make_handler(**{**server_args, **kwargs}), guard)

    app._make_handler = guarded  # type: ignore[method-assign,assignment]
