"""Security headers on every response, and the CSP report endpoint.

Installed from ``create_app`` as an ``on_response_prepare`` hook, so every answer gets them:
pages, the API, static files, problem+json made by the request middleware, redirects and
aiohttp's own 404s. A route that sets a stricter ``Content-Security-Policy`` of its own (board
attachments: ``default-src 'none'; sandbox``) keeps it.

- **CSP**: scripts and styles only from this origin (no inline script, no ``eval``), so an
  injected ``<script>`` or ``onclick=`` does nothing; connections to this origin (and its
  ``ws:``/``wss:`` for socket.io); nothing may frame the pages; violations are reported to
  ``POST /csp-reports`` (counted in ``baeum_csp_violations_total``, logged without the page's
  query or the blocked address's path).
- **HSTS** only when the request came over TLS: this server's own (``BAEUM_TLS``) or
  ``X-Forwarded-Proto: https`` from one of ``BAEUM_TRUSTED_PROXIES`` (from anyone else the
  header means nothing). Cookies set on such a request are marked ``Secure`` as well.
"""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Any
from urllib.parse import urlsplit

import structlog
from aiohttp import web
from prometheus_client import Counter

from server.core.keys import METRICS, SETTINGS

log = structlog.get_logger("baeum.csp")

REPORT_PATH = "/csp-reports"
REPORT_MAX_BYTES = 16 * 1024
HSTS = "max-age=31536000; includeSubDomains"  # one year
#: the docs page runs the vendored Swagger UI, which draws its icons as data: SVG images;
#: allowed there only
DOCS_PATH = "/api/docs"
#: what Host may look like to be repeated in connect-src (anything else is left out)
HOST_FORMAT = re.compile(r"^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$")
#: directives counted by name; anything else is counted as "other" (the label set stays small)
DIRECTIVES = frozenset(
    {
        "default-src", "script-src", "script-src-elem", "script-src-attr", "style-src",
        "style-src-elem", "style-src-attr", "img-src", "media-src", "connect-src", "font-src",
        "frame-src", "frame-ancestors", "object-src", "base-uri", "form-action", "worker-src",
        "manifest-src", "child-src",
    }
)  # fmt: skip

PERMISSIONS_POLICY = (
    "camera=(self), microphone=(self), display-capture=(self), fullscreen=(self), "
    "geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), interest-cohort=()"
)


def content_security_policy(host: str | None, *, docs: bool = False) -> str:
    connect = ["'self'"]
    if host is not None and HOST_FORMAT.match(host):
        connect += [f"ws://{host}", f"wss://{host}"]
    directives = [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:" if docs else "img-src 'self'",
        "media-src 'self'",
        "font-src 'self'",
        f"connect-src {' '.join(connect)}",
        "worker-src 'self'",
        "frame-src 'none'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        f"report-uri {REPORT_PATH}",
        "report-to csp",
    ]
    return "; ".join(directives)


def over_tls(request: web.Request) -> bool:
    """This server's own TLS, or https as told by a trusted proxy (and by no one else)."""
    if request.transport is not None and request.transport.get_extra_info("sslcontext"):
        return True
    proto = request.headers.get("X-Forwarded-Proto", "")
    if not proto:
        return False
    trusted = request.app[SETTINGS].trusted_proxies
    try:
        peer = ipaddress.ip_address(request.remote or "")
    except ValueError:
        return False
    if not any(peer in net for net in trusted):
        return False
    return proto.split(",")[-1].strip().lower() == "https"


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    if "Content-Security-Policy" not in headers:
        headers["Content-Security-Policy"] = content_security_policy(
            request.headers.get("Host"), docs=request.path == DOCS_PATH
        )
    headers.setdefault("Reporting-Endpoints", f'csp="{REPORT_PATH}"')
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if over_tls(request):
        headers["Strict-Transport-Security"] = HSTS
        _secure_cookies(headers)


def _secure_cookies(headers: Any) -> None:
    """Mark every cookie Secure (aiohttp has written Set-Cookie by the time this hook runs)."""
    cookies = headers.getall("Set-Cookie", [])
    if not cookies:
        return
    del headers["Set-Cookie"]
    for cookie in cookies:
        attributes = [a.strip().lower() for a in cookie.split(";")[1:]]
        headers.add("Set-Cookie", cookie if "secure" in attributes else f"{cookie}; Secure")


# ---- violation reports -----------------------------------------------------------------------


class CspReports:
    """The counter of this app's reports (on the app's own metrics registry)."""

    def __init__(self, app: web.Application) -> None:
        self.violations = Counter(
            "baeum_csp_violations_total",
            "Content-Security-Policy violations reported by browsers, by directive",
            ["directive"],
            registry=app[METRICS].registry,
        )


CSP_REPORTS: web.AppKey[CspReports] = web.AppKey("csp_reports", CspReports)


def _origin_only(value: Any) -> str:
    """'inline', 'eval' and the like as they are; an address as its scheme and host only
    (its path and query may carry a join token or a name)."""
    if not isinstance(value, str) or not value:
        return ""
    if "://" not in value:
        return value[:20]
    parts = urlsplit(value)
    return f"{parts.scheme}://{parts.hostname or ''}"


def _path_only(value: Any) -> str:
    """A page's path, long segments (tokens, codes) cut, no query."""
    if not isinstance(value, str):
        return ""
    path = urlsplit(value).path
    return "/".join(s if len(s) < 20 else "…" for s in path.split("/"))[:200]


def _line(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _reports(body: Any) -> list[dict[str, Any]]:
    """Both shapes: report-uri's {"csp-report": {...}} and the Reporting API's list."""
    if isinstance(body, dict) and isinstance(body.get("csp-report"), dict):
        return [body["csp-report"]]
    if isinstance(body, list):
        return [
            item["body"]
            for item in body
            if isinstance(item, dict)
            and item.get("type") == "csp-violation"
            and isinstance(item.get("body"), dict)
        ]
    return []


async def csp_report(request: web.Request) -> web.Response:
    """Public (browsers send reports without credentials); small; never stores anything."""
    if request.content_length is not None and request.content_length > REPORT_MAX_BYTES:
        raise web.HTTPRequestEntityTooLarge(
            max_size=REPORT_MAX_BYTES, actual_size=request.content_length
        )
    raw = await request.content.read(REPORT_MAX_BYTES + 1)
    if len(raw) > REPORT_MAX_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=REPORT_MAX_BYTES, actual_size=len(raw))
    try:
        reports = _reports(json.loads(raw))
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(reason="not a CSP report") from None
    if not reports:
        raise web.HTTPBadRequest(reason="not a CSP report")
    counter = request.app[CSP_REPORTS].violations
    for report in reports[:10]:
        directive = str(
            report.get("effective-directive")
            or report.get("effectiveDirective")
            or report.get("violated-directive")
            or ""
        ).split(" ")[0]
        directive = directive if directive in DIRECTIVES else "other"
        counter.labels(directive).inc()
        log.warning(
            "csp violation",
            directive=directive,
            blocked=_origin_only(report.get("blocked-uri") or report.get("blockedURL")),
            page=_path_only(report.get("document-uri") or report.get("documentURL")),
            source=_path_only(report.get("source-file") or report.get("sourceFile")),
            line=_line(report.get("line-number") or report.get("lineNumber")),
        )
    return web.Response(status=204)


def setup(app: web.Application) -> None:
    """The headers on every response, and the report endpoint."""
    app[CSP_REPORTS] = CspReports(app)
    app.on_response_prepare.append(add_security_headers)
    app.router.add_post(REPORT_PATH, csp_report)
