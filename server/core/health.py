"""Operations endpoints: liveness, readiness, metrics, the API document and its docs page."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from aiohttp import web

from server.core.keys import DATABASE, ENDPOINTS, LIVE, METRICS
from server.core.openapi import build_openapi

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
OPENAPI: web.AppKey[dict[str, object]] = web.AppKey("openapi")


def app_version() -> str:
    try:
        return version("baeum")
    except PackageNotFoundError:
        return "0.0.0"


async def healthz(request: web.Request) -> web.Response:
    """The process is up and its event loop answers."""
    return web.json_response({"status": "ok"})


#: a dependency that has not answered a readiness check this soon is taken for down
READY_CHECK_S = 2.0


async def _answers(check: Awaitable[bool]) -> bool:
    """A stalled dependency must fail the check, not hang it (a balancer waits on it)."""
    try:
        return await asyncio.wait_for(check, READY_CHECK_S)
    except TimeoutError:
        return False


async def readyz(request: web.Request) -> web.Response:
    """Every dependency answers: the records database and the live state (Redis)."""
    checks = {
        "database": await _answers(request.app[DATABASE].ping()),
        "live_state": await _answers(request.app[LIVE].ping()),
    }
    ready = all(checks.values())
    return web.json_response(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )


async def metrics(request: web.Request) -> web.Response:
    return request.app[METRICS].render()


async def openapi_json(request: web.Request) -> web.Response:
    return web.json_response(request.app[OPENAPI])


async def api_docs(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "api" / "docs.html")


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html")


def add_routes(app: web.Application) -> None:
    """Call after the API routers are mounted: the document is built once, here."""
    app[OPENAPI] = build_openapi(app[ENDPOINTS], version=app_version())
    app.router.add_get("/", index)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/api/openapi.json", openapi_json)
    app.router.add_get("/api/docs", api_docs)
    app.router.add_static("/static/", STATIC_DIR, append_version=False)
