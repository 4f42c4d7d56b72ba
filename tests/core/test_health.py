"""Liveness, readiness and metrics."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from server.app import create_app
from server.core.clock import ManualClock
from tests.conftest import AppClient, NodeFactory


async def test_healthz_answers_without_touching_dependencies(client: AppClient) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}
    assert len(response.headers["X-Request-Id"]) >= 8


async def test_readyz_checks_database_and_live_state(client: AppClient) -> None:
    response = await client.get("/readyz")
    assert response.status == 200
    body = await response.json()
    assert body == {"status": "ready", "checks": {"database": True, "live_state": True}}


async def test_metrics_count_requests_by_route_template(client: AppClient) -> None:
    await client.get("/api/v1/courses/12")  # unauthenticated: 401, still counted
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.content_type == "text/plain"
    text = await response.text()
    line = (
        'baeum_http_requests_total{method="GET",route="/api/v1/courses/{course_id}",status="401"}'
    )
    assert f"{line} 1.0" in text
    assert "baeum_socket_connections" in text
    assert "baeum_live_classes" in text


async def test_readyz_fails_clearly_when_the_database_is_down(
    nodes: NodeFactory,
    clock: ManualClock,
    aiohttp_client: Callable[..., Awaitable[AppClient]],
) -> None:
    settings = nodes.settings(database_url="postgresql+asyncpg://baeum@127.0.0.1:1/nowhere")
    client = await aiohttp_client(create_app(settings, clock=clock))
    assert (await client.get("/healthz")).status == 200  # the process itself is fine
    response = await client.get("/readyz")
    assert response.status == 503
    body = await response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] is False
    assert body["checks"]["live_state"] is True
