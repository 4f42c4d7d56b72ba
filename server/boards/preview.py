"""Link previews: the title, description and image a page declares (Open Graph, else its
<title> and meta description), fetched by the server when someone pastes a link.

The server fetching addresses a user chose is a classic way into internal networks (SSRF), so
only http(s) on ports 80/443 (and 8080/8443) is fetched, every address the name resolves to
must be public (no loopback, private, link-local, multicast or reserved ranges) unless the
operator allows private ones (then any port), the connection goes to the address that was
checked (no second lookup), redirects are followed by hand (each one checked again, at most 3),
at most 512 KiB of HTML is read, within 5 seconds. Anything else: no preview, the link stays a
plain link.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from server.boards import sanitize
from server.core.errors import Problem

PORTS = {80, 443, 8080, 8443}
MAX_BYTES = 512 * 1024
TIMEOUT_S = 5.0
MAX_REDIRECTS = 3


@dataclass(frozen=True)
class Preview:
    url: str
    title: str | None
    description: str | None
    image: str | None


class _Meta(HTMLParser):
    """Collects og:* and description meta tags and the <title> text from the head."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "meta":
            key = (found.get("property") or found.get("name") or "").lower()
            if key and found.get("content") and key not in self.meta:
                self.meta[key] = found["content"] or ""
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def read_meta(html: str, base: str) -> Preview:
    parser = _Meta()
    parser.feed(html)
    meta = parser.meta
    title = meta.get("og:title") or parser.title.strip() or None
    description = meta.get("og:description") or meta.get("description")
    image = meta.get("og:image")
    try:
        image = sanitize.safe_url(urljoin(base, image)) if image else None
    except Problem:
        image = None
    return Preview(
        url=base,
        title=sanitize.clean_text(" ".join(title.split()), 300)[:300] if title else None,
        description=sanitize.clean_text(" ".join(description.split())[:1000], 1000)
        if description else None,
        image=image,
    )  # fmt: skip


def public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class _CheckedResolver(AbstractResolver):
    """Resolves once and refuses non-public addresses; aiohttp connects to what it returns,
    so the address checked is the address used."""

    def __init__(self, allow_private: bool) -> None:
        self._allow_private = allow_private

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, port, type=socket.SOCK_STREAM, family=socket.AF_UNSPEC)  # fmt: skip
        results: list[ResolveResult] = []
        for fam, _, proto, _, sockaddr in infos:
            address = str(sockaddr[0])
            if not self._allow_private and not public(address):
                raise Problem("validation-error", "That link points inside a private network.")
            results.append({"hostname": host, "host": address, "port": port, "family": fam,
                            "proto": proto, "flags": socket.AI_NUMERICHOST})  # fmt: skip
        return results

    async def close(self) -> None:
        return None


def _allowed(url: str, allow_private: bool) -> str:
    """An http(s) link on a web port whose host, if written as an address, is public (names
    are checked when resolved: aiohttp does not resolve literal addresses)."""
    checked = sanitize.safe_url(url)
    assert checked is not None
    parts = urlsplit(checked)
    if allow_private:
        return checked
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if port not in PORTS:
        raise Problem("validation-error", "Links are previewed on the usual web ports only.")
    try:
        literal = public(parts.hostname or "")
    except ValueError:
        return checked  # a name, checked when it is resolved
    if not literal:
        raise Problem("validation-error", "That link points inside a private network.")
    return checked


HEADERS = {"User-Agent": "Baeum link preview", "Accept": "text/html"}


async def fetch(url: str, *, allow_private: bool = False) -> Preview:
    """The page's preview, or a Problem saying why there is none."""
    target = _allowed(url, allow_private)
    connector = aiohttp.TCPConnector(resolver=_CheckedResolver(allow_private), limit=2)
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        for _ in range(MAX_REDIRECTS + 1):
            try:
                found = await _once(http, target, allow_private)
            except (aiohttp.ClientError, TimeoutError, UnicodeError, LookupError) as exc:
                reason = type(exc).__name__
                raise Problem("unavailable", f"The link could not be read ({reason}).") from None
            if isinstance(found, Preview):
                return found
            target = found
    raise Problem("validation-error", "That link redirects too often.")


async def _once(http: aiohttp.ClientSession, target: str, allow_private: bool) -> Preview | str:
    """One request: the preview, or where a redirect points (checked again)."""
    async with http.get(target, allow_redirects=False, headers=HEADERS) as resp:
        if resp.status in (301, 302, 303, 307, 308) and "Location" in resp.headers:
            return _allowed(urljoin(target, resp.headers["Location"]), allow_private)
        if resp.status != 200 or resp.content_type != "text/html":
            raise Problem("validation-error", "That link has no page to preview.")
        body = bytearray()
        async for chunk in resp.content.iter_chunked(64 * 1024):
            body.extend(chunk)
            if len(body) >= MAX_BYTES:
                break
        return read_meta(bytes(body[:MAX_BYTES]).decode(resp.charset or "utf-8", "replace"),
                         target)  # fmt: skip
