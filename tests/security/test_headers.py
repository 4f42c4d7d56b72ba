"""Security headers on every kind of answer, HSTS and Secure cookies only over TLS (this
server's own, or https as told by a trusted proxy and nobody else), and the CSP report
endpoint: counted, logged without the page's token, small and strict about what it takes."""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from server.app import create_app
from server.config import Settings
from server.core import tls
from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.security_headers import REPORT_MAX_BYTES
from tests.conftest import PASSWORD, AppClient, NodeFactory, add_person

Factory = Callable[..., Awaitable[AppClient]]


def directives(csp: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in csp.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_secured(headers: Any, host: str) -> None:
    csp = directives(headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert csp["style-src"] == ["'self'"]
    assert csp["connect-src"] == ["'self'", f"ws://{host}", f"wss://{host}"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["report-uri"] == ["/csp-reports"]
    assert csp["report-to"] == ["csp"]
    assert headers["Reporting-Endpoints"] == 'csp="/csp-reports"'
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "camera=(self)" in headers["Permissions-Policy"]
    assert "microphone=(self)" in headers["Permissions-Policy"]
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


async def test_every_kind_of_answer_carries_the_headers(client: AppClient) -> None:
    host = f"{client.host}:{client.port}"
    answers = [
        await client.get("/"),  # a page
        await client.get("/login"),
        await client.get("/static/base.css"),  # a static file
        await client.get("/api/v1/auth/session"),  # problem+json (401)
        await client.get("/no/such/page"),  # aiohttp's own 404, as problem+json
        await client.get("/home", allow_redirects=False),  # a redirect
        await client.get("/healthz"),
    ]
    assert [a.status for a in answers] == [200, 200, 200, 401, 404, 303, 200]
    for answer in answers:
        assert_secured(answer.headers, host)
        assert "Strict-Transport-Security" not in answer.headers  # plain HTTP

    # the API docs page (Swagger UI) keeps scripts strict too
    docs = await client.get("/api/docs")
    assert docs.status == 200
    csp = directives(docs.headers["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]  # Swagger UI's icons; only on this page
    assert "<script>" not in await docs.text()


async def log_in_answer(client: TestClient[web.Request, web.Application], **kw: Any) -> Any:
    answer = await client.post(
        "/api/v1/auth/login", json={"login": "kim", "password": PASSWORD}, **kw
    )
    assert answer.status == 200, await answer.text()
    return answer


def session_cookie(answer: Any) -> Any:
    cookies: SimpleCookie = SimpleCookie()
    for header in answer.headers.getall("Set-Cookie"):
        cookies.load(header)
    return cookies["baeum_session"]


async def test_plain_http_has_no_hsts_and_cookies_are_not_secure(
    client: AppClient, clock: ManualClock
) -> None:
    await add_person(client.app, "kim", [Role.TRAINEE], clock)
    answer = await log_in_answer(client)
    cookie = session_cookie(answer)
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]
    assert "Strict-Transport-Security" not in answer.headers
    # no trusted proxies are set: anyone could send the header, so it means nothing
    told = await log_in_answer(client, headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in told.headers
    assert not session_cookie(told)["secure"]


async def test_https_from_a_trusted_proxy_gets_hsts_and_secure_cookies(
    nodes: NodeFactory, clock: ManualClock, aiohttp_client: Factory
) -> None:
    app = create_app(nodes.settings(trusted_proxies=["127.0.0.0/8"]), clock=clock)
    client = await aiohttp_client(app)
    await add_person(app, "kim", [Role.TRAINEE], clock)
    answer = await log_in_answer(client, headers={"X-Forwarded-Proto": "https"})
    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    cookie = session_cookie(answer)
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    plain = await client.get("/", headers={"X-Forwarded-Proto": "http"})
    assert "Strict-Transport-Security" not in plain.headers


async def test_a_proxy_outside_the_trusted_networks_is_not_believed(
    nodes: NodeFactory, clock: ManualClock, aiohttp_client: Factory
) -> None:
    app = create_app(nodes.settings(trusted_proxies=["10.0.0.0/8"]), clock=clock)
    client = await aiohttp_client(app)
    answer = await client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in answer.headers


async def test_the_servers_own_tls_gets_hsts_and_secure_cookies(
    nodes: NodeFactory, clock: ManualClock
) -> None:
    settings: Settings = nodes.settings(tls="self-signed")
    server_context = tls.ssl_context_for(settings)  # a self-signed certificate under var/
    assert server_context is not None
    app = create_app(settings, clock=clock)
    server = TestServer(app, scheme="https")
    await server.start_server(ssl=server_context)
    client_context = ssl.create_default_context(cafile=settings.var_dir / "tls-cert.pem")
    async with TestClient(server) as client:
        await add_person(app, "kim", [Role.TRAINEE], clock)
        answer = await log_in_answer(client, ssl=client_context)
        assert str(answer.url).startswith("https://")
        assert answer.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert session_cookie(answer)["secure"] is True
        assert_secured(answer.headers, f"{server.host}:{server.port}")


# ---- violation reports -----------------------------------------------------------------------


async def violations(client: AppClient, directive: str) -> float:
    text = await (await client.get("/metrics")).text()
    line = f'baeum_csp_violations_total{{directive="{directive}"}} '
    for row in text.splitlines():
        if row.startswith(line):
            return float(row.removeprefix(line))
    return 0.0


async def test_reports_are_counted_logged_without_the_token_and_bad_ones_refused(
    client: AppClient, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    token = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LWNsYWltcw.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
    legacy = {
        "csp-report": {
            "document-uri": f"http://baeum.test/join/{token}?name=kim",
            "effective-directive": "script-src-elem",
            "blocked-uri": "inline",
            "line-number": 3,
        }
    }
    answer = await client.post(
        "/csp-reports", json=legacy, headers={"Content-Type": "application/csp-report"}
    )
    assert answer.status == 204
    reporting_api = [
        {
            "type": "csp-violation",
            "url": "http://baeum.test/my",
            "body": {
                "documentURL": "http://baeum.test/my?private=1",
                "effectiveDirective": "img-src",
                "blockedURL": "https://tracker.example/pixel?user=kim",
            },
        }
    ]
    answer = await client.post(
        "/csp-reports", json=reporting_api, headers={"Content-Type": "application/reports+json"}
    )
    assert answer.status == 204
    assert await violations(client, "script-src-elem") == 1
    assert await violations(client, "img-src") == 1
    logged = capsys.readouterr().out + caplog.text
    assert logged.count("csp violation") == 2, logged
    assert "script-src-elem" in logged
    assert "/join/…" in logged
    assert token not in logged
    assert "name=kim" not in logged
    assert "user=kim" not in logged
    assert "private=1" not in logged

    # what is not a report, or too big, is refused and counts nothing
    junk = await client.post("/csp-reports", data=b"not json")
    assert junk.status == 400
    wrong_shape = await client.post("/csp-reports", json={"hello": "world"})
    assert wrong_shape.status == 400
    padded = {"csp-report": {"effective-directive": "script-src", "x": "a" * REPORT_MAX_BYTES}}
    big = await client.post("/csp-reports", json=padded)
    assert big.status == 413
    assert await violations(client, "script-src") == 0
    assert await violations(client, "script-src-elem") == 1
