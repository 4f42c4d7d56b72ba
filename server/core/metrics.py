"""Prometheus metrics, one registry per app (so two apps in one process do not collide)."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.http_requests = Counter(
            "baeum_http_requests_total",
            "HTTP requests answered, by route template, method and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_latency = Histogram(
            "baeum_http_request_seconds",
            "Time to answer an HTTP request",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.errors = Counter(
            "baeum_errors_total",
            "Unexpected server errors (bugs), by where they happened",
            ["where"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "baeum_socket_rate_limited_total",
            "Socket events refused because one person sent too many, by event",
            ["event"],
            registry=self.registry,
        )
        self.socket_connections = Gauge(
            "baeum_socket_connections",
            "socket.io connections open on this node, by namespace",
            ["namespace"],
            registry=self.registry,
        )
        self.live_classes = Gauge(
            "baeum_live_classes",
            "Classes with at least one participant connected to this node",
            registry=self.registry,
        )

    def track_live_classes(self, count: Callable[[], float]) -> None:
        """Let the classroom report its count at scrape time instead of keeping a copy."""
        self.live_classes.set_function(count)

    def render(self) -> web.Response:
        response = web.Response(body=generate_latest(self.registry))
        response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
        response.charset = "utf-8"
        return response
