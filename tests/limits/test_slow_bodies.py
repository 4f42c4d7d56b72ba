"""Request bodies that stop arriving (issue 11) with raw TCP on loopback against the app
served as ``serve`` serves it (aiohttp's runner with its production defaults: a handler is not
cancelled when its connection goes): a log-in whose body stalls mid-way is cut at the body
idle deadline, stores no session, is counted, and its handler sees 408 (not a reset that would
read as a database outage); one trickled in small pieces, each within the window, is answered
normally however long it takes in all; a silent socket.io websocket and a kept-alive
connection between requests are left alone while a stalled body next to them is cut."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import socketio
import structlog
import structlog.testing
from aiohttp import web
from sqlalchemy import func, select

from server.app import create_app
from server.core.auth.models import WebSession
from server.core.auth.roles import Role
from server.core.auth.schemas import TokenCreate
from server.core.auth.service import create_api_token
from server.core.clock import ManualClock
from server.core.keys import DATABASE, METRICS
from server.core.limits import GuardedServer, Handler
from tests.conftest import PASSWORD, NodeFactory, add_person

IDLE_S = 1.0  # BAEUM_BODY_IDLE_TIMEOUT_S for these tests
BOUND_S = 30.0  # every wait below ends by itself within this
LOGIN = "/api/v1/auth/login"

Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]
HELD_UPLOAD = "/test/held-upload"
UPLOAD_STARTED = web.AppKey("upload_started", asyncio.Event)
UPLOAD_HELD = web.AppKey("upload_held", asyncio.Event)


async def held_upload(request: web.Request) -> web.Response:
    """A handler busy elsewhere before it reads its body (as one writing to slow storage):
    aiohttp stops reading the socket once its buffer is full, and waits."""
    request.app[UPLOAD_STARTED].set()
    await request.app[UPLOAD_HELD].wait()
    size = 0
    while piece := await request.content.read(65_536):
        size += len(piece)
    return web.json_response({"bytes": size})


@dataclass
class Served:
    app: web.Application
    port: int

    async def connect(self) -> Connection:
        return await asyncio.open_connection("127.0.0.1", self.port)


@pytest.fixture
async def served(nodes: NodeFactory, clock: ManualClock) -> AsyncIterator[Served]:
    """The app on a real port through ``web.AppRunner`` as ``web.run_app`` sets it up (the
    test client's server cancels a handler whose connection is lost; production does not)."""
    app = create_app(nodes.settings(body_idle_timeout_s=IDLE_S, socket_ping_interval_s=120.0,
                                    socket_ping_timeout_s=120.0), clock=clock)  # fmt: skip
    app[UPLOAD_STARTED], app[UPLOAD_HELD] = asyncio.Event(), asyncio.Event()
    app.router.add_post(HELD_UPLOAD, held_upload)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    assert isinstance(runner.server, GuardedServer)  # pins the aiohttp hook the guard rides on
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield Served(app, runner.addresses[0][1])
    finally:
        await runner.cleanup()


def sample(app: web.Application, name: str, labels: dict[str, str]) -> float:
    return app[METRICS].registry.get_sample_value(name, labels) or 0.0


def cut_count(app: web.Application) -> float:
    return sample(app, "baeum_connections_refused_total", {"reason": "body-timeout"})


def log_in_body(login: str) -> bytes:
    return json.dumps({"login": login, "password": PASSWORD}).encode()


def post_head(path: str, length: int | None, *, close: bool = True) -> bytes:
    """A POST head for a JSON body, sized by Content-Length, or chunked when ``length`` is None."""
    sizing = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    lines = [f"POST {path} HTTP/1.1", "Host: baeum.test", "Content-Type: application/json", sizing]
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


async def closed_by_server(reader: asyncio.StreamReader) -> bytes:
    """What the server sent before it closed the connection (waits, bounded, for the close)."""
    try:
        return await asyncio.wait_for(reader.read(), BOUND_S)
    except ConnectionResetError:
        return b""


async def response(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One answer on a kept-alive connection: its status line and its body (Content-Length)."""
    raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), BOUND_S)
    status, *fields = raw.decode("latin-1").split("\r\n")
    sized = [f for f in fields if f.lower().startswith("content-length:")]
    length = int(sized[0].split(":", 1)[1])
    return status.encode(), await asyncio.wait_for(reader.readexactly(length), BOUND_S)


async def sessions(app: web.Application) -> int:
    async with app[DATABASE].unit_of_work() as session:
        return int(await session.scalar(select(func.count()).select_from(WebSession)) or 0)


async def stall(served: Served, login: str, *, chunked: bool) -> Connection:
    """A log-in with the right password whose body stops one byte (or the last chunk) short."""
    body = log_in_body(login)
    reader, writer = await served.connect()
    if chunked:
        writer.write(post_head(LOGIN, None) + chunk(body))  # ... and never the last, empty chunk
    else:
        writer.write(post_head(LOGIN, len(body)) + body[:-1])  # ... and never the closing brace
    await writer.drain()
    return reader, writer


async def healthy(served: Served) -> bool:
    reader, writer = await served.connect()
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: baeum.test\r\nConnection: close\r\n\r\n")
    answer = await closed_by_server(reader)
    writer.close()
    return answer.startswith(b"HTTP/1.1 200")


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_body_that_stops_mid_way_is_cut_and_nothing_is_kept(
    served: Served, clock: ManualClock, chunked: bool
) -> None:
    await add_person(served.app, "kim", [Role.TRAINEE], clock)
    reader, writer = await stall(served, "kim", chunked=chunked)
    assert await closed_by_server(reader) == b""  # closed by the server, without an answer
    writer.close()
    assert cut_count(served.app) == 1
    assert await healthy(served)  # others are answered meanwhile (and the cut handler is done)
    assert await sessions(served.app) == 0  # the log-in never happened
    # the handler was woken with 408, not a reset that would read as a database outage
    assert sample(served.app, "baeum_http_requests_total",
                  {"method": "POST", "route": LOGIN, "status": "408"}) == 1  # fmt: skip
    assert sample(served.app, "baeum_errors_total", {"where": "outage"}) == 0


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_body_trickled_within_the_window_is_answered_in_full(
    served: Served, clock: ManualClock, chunked: bool
) -> None:
    """Three times the idle timeout in all, a piece every quarter of it: a slow phone's upload."""
    await add_person(served.app, "kim", [Role.TRAINEE], clock)
    body = log_in_body("kim")
    size = -(-len(body) // 12)
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    reader, writer = await served.connect()
    writer.write(post_head(LOGIN, None if chunked else len(body)))
    for piece in pieces:
        await asyncio.sleep(IDLE_S / 4)  # the pace of the upload itself, not a wait for anything
        writer.write(chunk(piece) if chunked else piece)
    if chunked:
        writer.write(b"0\r\n\r\n")
    answer = await closed_by_server(reader)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert await sessions(served.app) == 1
    assert cut_count(served.app) == 0


async def test_a_silent_websocket_and_a_kept_alive_connection_are_not_cut(
    served: Served, clock: ManualClock
) -> None:
    """Both fall silent before a stalled body starts; once it is cut they have been silent
    longer than the idle timeout, and both still answer. Pings are far off (socket.io's own
    settings govern a websocket), so no byte moves on either meanwhile."""
    kim = await add_person(served.app, "kim", [Role.TRAINEE], clock)
    await add_person(served.app, "lee", [Role.TRAINEE], clock)
    async with served.app[DATABASE].unit_of_work() as session:
        _, token = await create_api_token(session, kim.id, TokenCreate(name="tests"), clock.now())
    sio = socketio.AsyncClient(reconnection=False)
    await sio.connect(f"http://127.0.0.1:{served.port}/", namespaces=["/"], auth={"token": token},
                      transports=["websocket"], wait_timeout=10)  # fmt: skip
    try:
        assert (await sio.call("whoami", namespace="/", timeout=5))["user_id"] == kim.id
        kept, kept_writer = await served.connect()
        body = log_in_body("lee")
        kept_writer.write(post_head(LOGIN, len(body), close=False) + body)
        status, _ = await response(kept)
        assert status.startswith(b"HTTP/1.1 200")

        stalled, stalled_writer = await stall(served, "kim", chunked=False)
        assert await closed_by_server(stalled) == b""
        stalled_writer.close()

        assert (await sio.call("whoami", namespace="/", timeout=5))["user_id"] == kim.id
        kept_writer.write(b"GET /healthz HTTP/1.1\r\nHost: baeum.test\r\n\r\n")
        status, _ = await response(kept)
        assert status.startswith(b"HTTP/1.1 200")
        kept_writer.close()
        assert cut_count(served.app) == 1  # the stalled body only
    finally:
        await sio.disconnect()


async def test_an_upload_the_server_holds_back_is_not_cut(served: Served) -> None:
    """The client has sent all it can; the server is not reading (its handler is busy and
    aiohttp has paused the socket): no byte moves for twice the idle timeout, two stalled
    bodies beside it are cut meanwhile, and the upload is then read in full."""
    size = 1_048_576  # far past aiohttp's read buffer, so the socket is paused
    reader, writer = await served.connect()
    writer.write(post_head(HELD_UPLOAD, size) + b"x" * size)
    await asyncio.wait_for(served.app[UPLOAD_STARTED].wait(), BOUND_S)
    for _ in range(2):  # each cut takes the idle timeout at least: the upload waits out both
        stalled, stalled_writer = await stall(served, "kim", chunked=False)
        assert await closed_by_server(stalled) == b""
        stalled_writer.close()
    served.app[UPLOAD_HELD].set()
    answer = await closed_by_server(reader)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert answer.endswith(b'{"bytes": 1048576}')
    assert cut_count(served.app) == 2


ANSWERED = web.AppKey("answered", asyncio.Queue)


@web.middleware
async def note_answered(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Outermost: hands the test each request once every middleware has dealt with it."""
    try:
        return await handler(request)
    finally:
        request.app[ANSWERED].put_nowait(request.path)


@pytest.mark.parametrize("cancelling", [False, True], ids=["as-served", "cancelling"])
@pytest.mark.parametrize(
    ("sent", "chunked"),
    [(0, False), (5, False), (5, True)],
    ids=["no-body-byte", "part-of-the-body", "part-of-a-chunk"],
)
async def test_a_client_that_hangs_up_mid_body_is_not_an_outage(
    nodes: NodeFactory, clock: ManualClock, sent: int, chunked: bool, cancelling: bool
) -> None:
    """The client goes while its log-in body is on the way: aiohttp wakes the reading handler
    with a connection reset (or cancels it, when the server is set to), which is the client's
    doing, not a database or Redis outage: no 503, no outage or error counted or logged, a line
    saying the client went, and the request counted under 499 (client closed request)."""
    app = create_app(nodes.settings(body_idle_timeout_s=BOUND_S), clock=clock)
    app.middlewares.insert(0, note_answered)
    app[ANSWERED] = asyncio.Queue()
    runner = web.AppRunner(app, access_log=None, handler_cancellation=cancelling)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    served = Served(app, runner.addresses[0][1])
    try:
        await add_person(app, "kim", [Role.TRAINEE], clock)
        body = log_in_body("kim")
        with structlog.testing.capture_logs() as logs:
            _, writer = await served.connect()
            part = body[:sent]
            writer.write(post_head(LOGIN, None if chunked else len(body))
                         + (chunk(part) if chunked else part))  # fmt: skip
            await writer.drain()
            writer.close()
            await writer.wait_closed()
            assert await asyncio.wait_for(app[ANSWERED].get(), BOUND_S) == LOGIN
        events = [entry["event"] for entry in logs]
        assert "client went before its request was answered" in events, logs
        assert "dependency down" not in events, logs
        assert "unhandled error" not in events, logs
        assert sample(app, "baeum_errors_total", {"where": "outage"}) == 0
        assert sample(app, "baeum_errors_total", {"where": "http"}) == 0
        assert sample(app, "baeum_http_requests_total",
                      {"method": "POST", "route": LOGIN, "status": "503"}) == 0  # fmt: skip
        assert sample(app, "baeum_http_requests_total",
                      {"method": "POST", "route": LOGIN, "status": "499"}) == 1  # fmt: skip
        assert await healthy(served)
        assert await sessions(app) == 0
    finally:
        await runner.cleanup()
