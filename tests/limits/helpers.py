"""Shared by the abuse-limit tests: apps with small limits, log-in attempts, 429 checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import ClientResponse, web

from server.app import create_app
from server.core.clock import ManualClock
from tests.conftest import AppClient, NodeFactory

MakeClient = Callable[..., Awaitable[AppClient]]


async def app_client(
    nodes: NodeFactory, clock: ManualClock, aiohttp_client: MakeClient, **settings: Any
) -> AppClient:
    app: web.Application = create_app(nodes.settings(**settings), clock=clock)
    return await aiohttp_client(app)


async def attempt(
    client: AppClient, login: str, password: str, address: str | None = None
) -> ClientResponse:
    """One log-in; ``address`` is sent as X-Forwarded-For (believed only from a trusted proxy)."""
    headers = {"X-Forwarded-For": address} if address else {}
    return await client.post(
        "/api/v1/auth/login", json={"login": login, "password": password}, headers=headers
    )


async def refused(response: ClientResponse) -> int:
    """Asserts a 429 problem+json with Retry-After; returns Retry-After in seconds."""
    assert response.status == 429, await response.text()
    assert response.content_type == "application/problem+json"
    body = await response.json()
    assert body["type"] == "/problems/rate-limited"
    return int(response.headers["Retry-After"])


async def metric(client: AppClient, line_start: str) -> float:
    """The value of one sample on /metrics (0 when absent)."""
    text = await (await client.get("/metrics")).text()
    for line in text.splitlines():
        if line.startswith(line_start + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0
