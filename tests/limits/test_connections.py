"""Connection hygiene with raw TCP on loopback: slow-loris heads are cut off at the header
deadline while others are answered, idle floods beyond the per-address cap are refused while
another address (127.0.0.2: all of 127/8 is loopback) still connects, header and body sizes,
the keep-alive timeout, socket.io's ping settings, and the per-address cap behind a proxy."""

from __future__ import annotations

import asyncio
import contextlib
import json
from unittest.mock import Mock

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from server.config import Settings
from server.core.clock import ManualClock
from server.core.http import client_address
from server.core.keys import METRICS, SETTINGS
from server.core.limits import GuardedServer
from tests.conftest import NodeFactory
from tests.limits.helpers import MakeClient, app_client

HEAD = b"GET /healthz HTTP/1.1\r\nHost: baeum.test\r\n"
BOUND_S = 30.0  # every wait below ends by itself within this


def refused_count(app: web.Application, reason: str) -> float:
    value = app[METRICS].registry.get_sample_value(
        "baeum_connections_refused_total", {"reason": reason}
    )
    return value or 0.0


async def open_from(port: int, source: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))


async def ask(port: int, source: str = "127.0.0.1", path: str = "/healthz") -> bytes:
    """One request on a new connection from ``source``; the whole answer."""
    reader, writer = await open_from(port, source)
    try:
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: baeum.test\r\nConnection: close\r\n\r\n".encode()
        )
        return await asyncio.wait_for(reader.read(), BOUND_S)
    finally:
        writer.close()


async def closed_by_server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                           trickle: bool) -> bytes:  # fmt: skip
    """Waits (bounded) until the server closes; trickles a header byte every quarter second
    meanwhile if asked. Returns what the server sent before closing."""
    for _ in range(int(BOUND_S * 4)):
        try:
            return await asyncio.wait_for(reader.read(1024), 0.25)
        except TimeoutError:
            if trickle:
                writer.write(b"X")
        except ConnectionResetError:
            return b""
    raise AssertionError("the server kept the connection open")


async def test_slow_heads_are_dropped_while_a_normal_client_is_answered(
    nodes: NodeFactory, clock: ManualClock, aiohttp_client: MakeClient
) -> None:
    client = await app_client(nodes, clock, aiohttp_client, header_timeout_s=1.0)
    port = client.server.port
    assert port is not None
    tricklers = [await open_from(port, "127.0.0.1") for _ in range(200)]
    for _, writer in tricklers:
        writer.write(HEAD)  # ... and never the blank line that ends the head
    watching = [asyncio.create_task(closed_by_server(r, w, trickle=True)) for r, w in tricklers]
    answer = await ask(port)  # a normal client, same address, while all 200 trickle
    assert answer.startswith(b"HTTP/1.1 200")
    sent = await asyncio.wait_for(asyncio.gather(*watching), BOUND_S)
    assert set(sent) == {b""}  # each closed by the server, without an answer
    assert refused_count(client.app, "header-timeout") == 200
    for _, writer in tricklers:
        writer.close()


async def test_an_idle_flood_beyond_the_cap_is_refused_and_another_address_connects(
    nodes: NodeFactory, clock: ManualClock, aiohttp_client: MakeClient
) -> None:
    client = await app_client(nodes, clock, aiohttp_client, max_connections_per_address=20,
                              header_timeout_s=600.0)  # fmt: skip
    port = client.server.port
    assert port is not None
    flood = [await open_from(port, "127.0.0.1") for _ in range(30)]
    answer = await ask(port, "127.0.0.2")  # while 20 idle sockets hold 127.0.0.1's share
    assert answer.startswith(b"HTTP/1.1 200")
    answered = refused = 0
    for reader, writer in flood:
        with contextlib.suppress(ConnectionError):
            writer.write(HEAD + b"Connection: close\r\n\r\n")
        try:
            got = await asyncio.wait_for(reader.read(), BOUND_S)
        except ConnectionError:
            got = b""
        answered += got.startswith(b"HTTP/1.1 200")
        refused += got == b""
        writer.close()
    assert (answered, refused) == (20, 10)
    assert refused_count(client.app, "per-address") == 10
    assert (await ask(port)).startswith(b"HTTP/1.1 200")  # the address's share is back


async def test_kept_alive_connections_close_when_idle(
    nodes: NodeFactory, clock: ManualClock, aiohttp_client: MakeClient
) -> None:
    client = await app_client(nodes, clock, aiohttp_client, keepalive_timeout_s=1.0)
    assert client.server.port is not None
    reader, writer = await open_from(client.server.port, "127.0.0.1")
    writer.write(HEAD + b"\r\n")
    first = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), BOUND_S)
    assert first.startswith(b"HTTP/1.1 200")
    rest = await closed_by_server(reader, writer, trickle=False)
    assert rest.startswith(b'{"status"') or rest == b""  # the body, then the close
    writer.close()


async def test_header_and_body_sizes(
    nodes: NodeFactory, clock: ManualClock, aiohttp_client: MakeClient
) -> None:
    client = await app_client(nodes, clock, aiohttp_client, max_header_field_bytes=4096,
                              max_header_line_bytes=4096, max_body_bytes=4096)  # fmt: skip
    ok = await client.get("/healthz", headers={"X-Padding": "a" * 3000})
    assert ok.status == 200
    big = await client.get("/healthz", headers={"X-Padding": "a" * 5000})
    assert big.status in (400, 431)
    long_line = await client.get("/healthz?" + "q=" + "a" * 5000)
    assert long_line.status in (400, 414, 431)
    body = json.dumps({"login": "kim", "password": "p" * 5000})
    too_large = await client.post("/api/v1/auth/login", data=body,
                                  headers={"Content-Type": "application/json"})  # fmt: skip
    assert too_large.status == 413
    assert too_large.content_type == "application/problem+json"
    assert (await too_large.json())["type"] == "/problems/body-too-large"


async def test_socket_io_ping_settings_reach_the_handshake(
    nodes: NodeFactory, clock: ManualClock, aiohttp_client: MakeClient
) -> None:
    client = await app_client(nodes, clock, aiohttp_client, socket_ping_interval_s=7.0,
                              socket_ping_timeout_s=4.0)  # fmt: skip
    ws = await client.ws_connect("/socket.io/?EIO=4&transport=websocket")
    packet = await asyncio.wait_for(ws.receive_str(), BOUND_S)
    await ws.close()
    opening = json.loads(packet[1:])  # engine.io's "0{...}" open packet
    assert (opening["pingInterval"], opening["pingTimeout"]) == (7000, 4000)


async def test_behind_a_trusted_proxy_requests_in_flight_are_capped_per_forwarded_address(
    nodes: NodeFactory, clock: ManualClock, aiohttp_client: MakeClient
) -> None:
    """The proxy's own connections are not capped; each forwarded client's websockets are."""
    client = await app_client(nodes, clock, aiohttp_client, trusted_proxies=["127.0.0.1/32"],
                              max_connections_per_address=3)  # fmt: skip
    path = "/socket.io/?EIO=4&transport=websocket"

    async def websocket(address: str) -> aiohttp.ClientWebSocketResponse:
        return await client.ws_connect(path, headers={"X-Forwarded-For": address})

    office = [await websocket("203.0.113.7") for _ in range(3)]
    with pytest.raises(aiohttp.WSServerHandshakeError) as fourth:
        await websocket("203.0.113.7")
    assert fourth.value.status == 429
    other = await websocket("198.51.100.20")  # a seventh... connection from the proxy: fine
    await office[0].close()
    again = await asyncio.wait_for(websocket("203.0.113.7"), BOUND_S)
    for ws in (*office[1:], other, again):
        await ws.close()
    runner = client.server.runner
    assert runner is not None
    assert isinstance(runner.server, GuardedServer)  # pins the aiohttp hook


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded", "expected"),
    [
        ([], "127.0.0.1", "203.0.113.7", "127.0.0.1"),  # no proxy configured: header ignored
        (["10.0.0.0/8"], "127.0.0.1", "203.0.113.7", "127.0.0.1"),  # peer is not the proxy
        (["127.0.0.1/32"], "127.0.0.1", "203.0.113.7", "203.0.113.7"),
        (["127.0.0.1/32"], "127.0.0.1", "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # spoof left
        (["127.0.0.1/32", "10.0.0.0/8"], "127.0.0.1", "203.0.113.7, 10.1.2.3", "203.0.113.7"),
        (["127.0.0.1/32"], "127.0.0.1", "", "127.0.0.1"),
    ],
)
def test_the_client_address_comes_from_x_forwarded_for_only_through_trusted_proxies(
    trusted: list[str], peer: str, forwarded: str, expected: str
) -> None:
    app = web.Application()
    app[SETTINGS] = Settings(trusted_proxies=trusted)
    transport = Mock()  # aiohttp's transport: only the peer's address is read from it
    transport.get_extra_info.return_value = (peer, 40000)
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    request = make_mocked_request("GET", "/", headers=headers, app=app, transport=transport)
    assert client_address(request) == expected
