"""Link previews against a real web server on loopback: Open Graph and plain <title> pages,
redirects followed and checked, and every way a pasted link could reach inside the network
refused (private and loopback addresses, names resolving to them, odd ports, redirects there)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from server.boards import preview
from server.core.errors import Problem
from tests.boards.board import Boards, prepare
from tests.conftest import AppClient

OG_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<title>무시되는 제목</title>
<meta property="og:title" content="  서울시 인재개발원   교육 안내 ">
<meta property="og:description" content="2020년 교육훈련 계획">
<meta property="og:image" content="/img/cover.png">
</head><body><script>alert(1)</script></body></html>"""


async def site(aiohttp_server: Callable[..., Awaitable[TestServer]]) -> TestServer:
    async def og(_: web.Request) -> web.Response:
        return web.Response(text=OG_PAGE, content_type="text/html")

    async def plain(_: web.Request) -> web.Response:
        return web.Response(text="<title>Plain page</title><meta name=description content=d>",
                            content_type="text/html")  # fmt: skip

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query.get("to", "/og"))

    async def pdf(_: web.Request) -> web.Response:
        return web.Response(body=b"%PDF-1.4", content_type="application/pdf")

    app = web.Application()
    app.router.add_get("/og", og)
    app.router.add_get("/plain", plain)
    app.router.add_get("/moved", moved)
    app.router.add_get("/file.pdf", pdf)
    return await aiohttp_server(app)


async def test_open_graph_and_title_pages(aiohttp_server: Any) -> None:
    server = await site(aiohttp_server)
    base = str(server.make_url("")).rstrip("/")
    found = await preview.fetch(f"{base}/og", allow_private=True)
    assert found.title == "서울시 인재개발원 교육 안내"
    assert found.description == "2020년 교육훈련 계획"
    assert found.image == f"{base}/img/cover.png"
    plain = await preview.fetch(f"{base}/moved?to=/plain", allow_private=True)
    assert (plain.title, plain.description, plain.url) == ("Plain page", "d", f"{base}/plain")
    with pytest.raises(Problem) as refused:
        await preview.fetch(f"{base}/file.pdf", allow_private=True)
    assert refused.value.type.slug == "validation-error"


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://10.0.0.8/admin", "http://192.168.0.1/", "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://localhost/", "http://example.com:22/",
    "javascript:alert(1)", "file:///etc/passwd",
])  # fmt: skip
async def test_inside_the_network_is_never_fetched(url: str) -> None:
    with pytest.raises(Problem) as refused:
        await preview.fetch(url)
    assert refused.value.type.slug == "validation-error"


async def test_a_redirect_into_the_network_is_refused(aiohttp_server: Any) -> None:
    server = await site(aiohttp_server)
    start = str(server.make_url("/moved?to=http://10.1.2.3/secret"))
    # one hop as fetch makes it, on a plain session (this test's site is itself on loopback,
    # which the checked resolver would refuse first): where it points is checked again
    async with aiohttp.ClientSession() as http:
        with pytest.raises(Problem) as refused:
            await preview._once(http, start, allow_private=False)
    assert "private" in refused.value.detail


async def test_the_board_event(client: AppClient, clock: Any,
                               aiohttp_server: Any) -> None:  # fmt: skip
    server = await site(aiohttp_server)
    boards: Boards = await prepare([client], clock)
    kim = await boards.enter("kim")
    refused = await kim.call("board_preview", {"url": str(server.make_url("/og"))})
    assert refused["error"]["type"] == "validation-error"  # loopback: not by default
    bad = await kim.call("board_preview", {"url": "javascript:alert(1)"})
    assert bad["error"]["type"] == "validation-error"
    await boards.close()
