"""The app factory: one aiohttp app with its socket.io server, and nothing global.

Everything a request or socket event needs hangs off the app under a typed key
(``server.core.keys``), so a test can start two nodes in one process. Each resource is
opened and closed in one cleanup context.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from server.admin.pages import pages as admin_pages
from server.boards.api import attachments_context
from server.boards.api import router as boards_router
from server.boards.events import boards_context
from server.budget.api import router as budget_router
from server.config import Settings, resolve_secret_key
from server.core import health, security_headers
from server.core.audit import AuditedSession
from server.core.audit.api import router as audit_router
from server.core.auth.api import router as auth_router
from server.core.auth.passwords import Passwords
from server.core.clock import Clock, SystemClock
from server.core.db import Database
from server.core.errors import describe_problem
from server.core.events import SocketRouter
from server.core.heap import heap_trim_context
from server.core.http import ApiRouter, mount
from server.core.keys import (
    CLOCK,
    DATABASE,
    ENDPOINTS,
    LIVE,
    METRICS,
    PASSWORDS,
    SECRET_KEY,
    SETTINGS,
    SIO,
)
from server.core.limits import install as install_limits
from server.core.live import open_live_state
from server.core.metrics import Metrics
from server.core.middleware import request_middleware
from server.core.sio import (
    close_sockets,
    create_socket_server,
    personal,
    start_manager,
    stop_manager,
)
from server.exams.api import router as exams_router
from server.exams.competency.api import router as competency_router
from server.exams.panels.api import router as panels_router
from server.home.pages import pages as home_pages
from server.lms.api import router as lms_router
from server.lms.catalog.api import router as catalog_router
from server.lms.cohorts.api import router as cohorts_router
from server.lms.completion.api import router as completion_router
from server.lms.enrolment.api import router as enrolment_router
from server.lms.instructors.api import router as instructors_router
from server.lms.record.api import router as record_router
from server.lms.surveys.api import router as surveys_router
from server.polls.api import router as polls_router
from server.polls.events import polls_context
from server.polls.poll_events import poll_context
from server.reports.api import router as reports_router
from server.rooms import wiring as rooms
from server.rooms.api import router as rooms_router
from server.rooms.breakout.api import router as breakout_router
from server.rooms.pages import pages as room_pages
from server.xapi.api import router as xapi_router
from server.xapi.sender import lrs_context

ROUTERS: tuple[ApiRouter, ...] = (
    auth_router, audit_router, lms_router, rooms_router, breakout_router, polls_router,
    boards_router, completion_router, surveys_router, instructors_router, reports_router,
    xapi_router,
    record_router,
    cohorts_router,
    budget_router,
    enrolment_router,
    catalog_router,
    exams_router,
    panels_router,
    competency_router,
)  # fmt: skip
SOCKET_ROUTERS: tuple[SocketRouter, ...] = (personal,)


def create_app(settings: Settings, *, clock: Clock | None = None) -> web.Application:
    app = web.Application(middlewares=[request_middleware], client_max_size=settings.max_body_bytes)
    app[SETTINGS] = settings
    app[CLOCK] = clock or SystemClock()
    app[SECRET_KEY] = resolve_secret_key(settings)
    app[METRICS] = Metrics()
    app[PASSWORDS] = Passwords(settings.password_hash_profile)

    sio = create_socket_server(settings)
    sio.attach(app)
    app[SIO] = sio
    for socket_router in SOCKET_ROUTERS:
        socket_router.mount(app, sio)

    app[ENDPOINTS] = mount(app, ROUTERS)
    health.add_routes(app)
    app.router.add_get("/problems/{slug}", describe_problem)
    app.router.add_routes(room_pages)
    app.router.add_routes(home_pages)
    app.router.add_routes(admin_pages)
    security_headers.setup(app)

    app.on_shutdown.append(_close_sockets)
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_live_state)
    app.cleanup_ctx.append(_socket_server)
    rooms.setup(app)
    app.cleanup_ctx.append(polls_context)
    app.cleanup_ctx.append(poll_context)
    app.cleanup_ctx.append(boards_context)
    app.cleanup_ctx.append(attachments_context)
    app.cleanup_ctx.append(lrs_context)
    app.cleanup_ctx.append(heap_trim_context)
    install_limits(app)
    return app


async def _close_sockets(app: web.Application) -> None:
    await close_sockets(app[SIO])


async def _database(app: web.Application) -> AsyncIterator[None]:
    app[DATABASE] = Database(app[SETTINGS].effective_database_url, session_class=AuditedSession)
    yield
    await app[DATABASE].close()


async def _live_state(app: web.Application) -> AsyncIterator[None]:
    app[LIVE] = open_live_state(app[SETTINGS], app[CLOCK])
    yield
    await app[LIVE].close()


async def _socket_server(app: web.Application) -> AsyncIterator[None]:
    await start_manager(app[SIO])
    yield
    await stop_manager(app[SIO])
