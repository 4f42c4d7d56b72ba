"""The socket.io server with real socket.io clients: who may connect, acks, many nodes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
import socketio

from server.app import create_app
from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import METRICS, SIO
from tests.conftest import (
    REDIS_URL,
    AppClient,
    NodeFactory,
    Person,
    api_token,
    log_in,
    stack_for,
)


@asynccontextmanager
async def connected(
    client: AppClient, *, auth: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> AsyncIterator[socketio.AsyncClient]:
    sio = socketio.AsyncClient(reconnection=False)
    await sio.connect(
        str(client.make_url("/")),
        auth=auth,
        headers=headers or {},
        transports=["websocket"],
        wait_timeout=10,  # socket.io's 1 s is too short on a loaded CI
    )
    try:
        yield sio
    finally:
        await sio.disconnect()


async def test_a_token_holder_connects_and_is_known(
    client: AppClient, people: dict[Role, Person]
) -> None:
    token = await api_token(client, "trainee1")
    async with connected(client, auth={"token": token}) as sio:
        answer = await sio.call("whoami", {}, timeout=5)
    assert answer == {"ok": True, "user_id": people[Role.TRAINEE].id, "name": "Trainee1"}


async def test_the_session_cookie_also_connects(
    client: AppClient, people: dict[Role, Person]
) -> None:
    await log_in(client, "instructor1")
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))["baeum_session"]
    async with connected(client, headers={"Cookie": f"baeum_session={cookie.value}"}) as sio:
        answer = await sio.call("whoami", timeout=5)
    assert answer["user_id"] == people[Role.INSTRUCTOR].id


@pytest.mark.parametrize("auth", [None, {"token": "bm_forged"}, {"token": 12}, "just a string"])
async def test_connections_without_valid_credentials_are_refused(
    client: AppClient, people: dict[Role, Person], auth: Any
) -> None:
    sio = socketio.AsyncClient(reconnection=False)
    reasons: asyncio.Queue[Any] = asyncio.Queue()
    sio.on("connect_error", reasons.put_nowait)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await sio.connect(str(client.make_url("/")), auth=auth, transports=["websocket"])
    reason = await asyncio.wait_for(reasons.get(), 5)
    assert reason["message"] == "not-authenticated"
    assert reason["data"]["type"] == "not-authenticated"
    assert reason["data"]["detail"]


async def test_unknown_events_get_an_error_ack_and_the_socket_stays(
    client: AppClient, people: dict[Role, Person]
) -> None:
    token = await api_token(client, "trainee1")
    async with connected(client, auth={"token": token}) as sio:
        answer = await sio.call("drop_table", {"x": 1}, timeout=5)
        assert answer["ok"] is False
        assert answer["error"]["type"] == "unknown-event"
        assert (await sio.call("whoami", timeout=5))["ok"] is True


async def test_open_sockets_are_counted_in_metrics(
    client: AppClient, people: dict[Role, Person]
) -> None:
    token = await api_token(client, "trainee1")
    gauge = client.app[METRICS].socket_connections.labels("/")
    async with connected(client, auth={"token": token}) as sio:
        await sio.call("whoami", timeout=5)
        assert gauge._value.get() == 1
    text = await (await client.get("/metrics")).text()
    assert 'baeum_socket_connections{namespace="/"}' in text


async def test_the_server_reaches_a_person_on_their_own_channel(
    client: AppClient, people: dict[Role, Person]
) -> None:
    token = await api_token(client, "trainee1")
    received: asyncio.Queue[Any] = asyncio.Queue()
    async with connected(client, auth={"token": token}) as sio:
        sio.on("notice", received.put_nowait)
        await sio.call("whoami", timeout=5)
        await client.app[SIO].emit(
            "notice", {"text": "수업이 곧 시작합니다"}, room=f"user:{people[Role.TRAINEE].id}"
        )
        assert await asyncio.wait_for(received.get(), 5) == {"text": "수업이 곧 시작합니다"}


if REDIS_URL:

    @pytest.mark.parametrize("stack", [stack_for("services")], ids=["services"])
    async def test_two_nodes_sharing_redis_deliver_to_each_others_sockets(
        nodes: NodeFactory,
        clock: ManualClock,
        people: dict[Role, Person],
        client: AppClient,
        aiohttp_client: Callable[..., Awaitable[AppClient]],
    ) -> None:
        """A notice emitted on node A reaches a socket connected to node B."""
        node_b = await aiohttp_client(create_app(nodes.settings(node_id="node-b"), clock=clock))
        token = await api_token(client, "trainee1")
        received: asyncio.Queue[Any] = asyncio.Queue()
        async with connected(node_b, auth={"token": token}) as sio:
            sio.on("notice", received.put_nowait)
            await sio.call("whoami", timeout=5)
            await client.app[SIO].emit(
                "notice", {"from": "node-a"}, room=f"user:{people[Role.TRAINEE].id}"
            )
            assert await asyncio.wait_for(received.get(), 5) == {"from": "node-a"}


async def test_ping_answers_with_the_server_time(
    client: AppClient, people: dict[Role, Person], clock: ManualClock
) -> None:
    token = await api_token(client, "trainee1")
    async with connected(client, auth={"token": token}) as sio:
        answer = await sio.call("ping", timeout=5)
    assert answer == {"ok": True, "server_time": "2020-10-05T00:00:00Z"}  # as the REST API writes
    assert clock.now() == datetime(2020, 10, 5, tzinfo=UTC)
