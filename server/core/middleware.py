"""The one middleware every request passes: request id, problem+json, metrics, access log."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Awaitable, Callable

import structlog
from aiohttp import web

from server.core.errors import PROBLEM_JSON, Problem, problem_from_http, problem_response
from server.core.keys import METRICS, REQUEST_ID
from server.core.outage import is_outage, unavailable

REQUEST_ID_FORMAT = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
log = structlog.get_logger("baeum.http")
CLIENT_CLOSED = 499  # nginx's "client closed request": counted, never sent (nobody is there)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def request_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    sent = request.headers.get("X-Request-Id", "")
    request_id = sent if REQUEST_ID_FORMAT.match(sent) else uuid.uuid4().hex
    request[REQUEST_ID] = request_id
    started = time.perf_counter()
    with structlog.contextvars.bound_contextvars(request_id=request_id):
        try:
            response = await _answer(request, handler)
        except web.HTTPException as exc:  # redirects and other non-error answers
            exc.headers["X-Request-Id"] = request_id
            _observe(request, exc.status, started)
            raise
        except asyncio.CancelledError:  # a server that cancels handlers whose client went
            if _transport_gone(request):
                log.info("client went before its request was answered", path=request.path)
                _observe(request, CLIENT_CLOSED, started)
            raise
        response.headers["X-Request-Id"] = request_id
        _observe(request, response.status, started)
    return response


async def _answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except Problem as problem:
        return problem_response(problem, instance=request.path)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        known = problem_from_http(exc)
        if known is not None:
            return problem_response(known, instance=request.path)
        return web.json_response(
            {"type": "about:blank", "title": exc.reason, "status": exc.status},
            status=exc.status,
            content_type=PROBLEM_JSON,
        )
    except Exception as exc:
        if _client_went(request, exc):  # the peer hung up mid-body: its doing, not ours
            log.info("client went before its request was answered", path=request.path)
            return web.Response(status=CLIENT_CLOSED, reason="Client Closed Request")
        if is_outage(exc):  # a dependency is down: 503, try again; not a bug
            log.warning("dependency down", path=request.path, method=request.method)
            request.app[METRICS].errors.labels("outage").inc()
            return problem_response(unavailable(), instance=request.path)
        log.exception("unhandled error", path=request.path, method=request.method)
        request.app[METRICS].errors.labels("http").inc()
        return problem_response(
            Problem("internal-error", request_id=request[REQUEST_ID]), instance=request.path
        )


def _client_went(request: web.Request, exc: Exception) -> bool:
    """True when ``exc`` is the one aiohttp put in the request body when the client's
    connection was lost (a reset that would otherwise read as a database or Redis outage)."""
    return exc is request.content.exception() and _transport_gone(request)


def _transport_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


def _observe(request: web.Request, status: int, started: float) -> None:
    route = request.match_info.route.resource
    template = route.canonical if route is not None else "unmatched"
    elapsed = time.perf_counter() - started
    metrics = request.app[METRICS]
    metrics.http_requests.labels(request.method, template, str(status)).inc()
    metrics.http_latency.labels(request.method, template).observe(elapsed)
    log.info(
        "request",
        method=request.method,
        path=_loggable_path(request),
        route=template,
        status=status,
        ms=round(elapsed * 1000, 1),
    )


def _loggable_path(request: web.Request) -> str:
    """The path with secrets in it (join-link tokens) replaced, so logs hold no credentials."""
    token = request.match_info.get("token")
    return request.path.replace(token, "…") if token else request.path
