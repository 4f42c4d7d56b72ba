"""The socket-event wrapper: parsed payloads, one transaction per event, error acks.

A small namespace of test events is mounted on a real app and driven by a real socket.io
client, the way feature namespaces (the live class) will be.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import socketio
from pydantic import Field

from server.app import create_app
from server.core.auth import service as auth
from server.core.auth.passwords import Passwords
from server.core.auth.roles import Role
from server.core.auth.schemas import SelfUpdate
from server.core.clock import ManualClock
from server.core.errors import Problem
from server.core.events import EventCtx, SocketRouter
from server.core.keys import DATABASE, SIO
from server.core.schemas import In
from server.core.sio import admit_signed_in
from tests.conftest import AppClient, NodeFactory, add_person, api_token

probe = SocketRouter("/probe", admit_signed_in)


class PhoneIn(In):
    phone: str = Field(pattern=r"^[0-9-]{6,20}$")


@probe.event("set_phone", payload=PhoneIn)
async def set_phone(ctx: EventCtx, payload: PhoneIn) -> dict[str, Any]:
    data = SelfUpdate(phone=payload.phone)
    user = await auth.update_user(ctx.session, ctx.user_id, data, Passwords("cheapest"), _NOW)
    return {"phone": user.phone}


@probe.event("set_phone_then_fail", payload=PhoneIn)
async def set_phone_then_fail(ctx: EventCtx, payload: PhoneIn) -> None:
    await set_phone(ctx, payload)
    raise RuntimeError("a bug after the write")


@probe.event("refuse")
async def refuse(ctx: EventCtx) -> None:
    raise Problem("forbidden", "Not in this class.")


_NOW = ManualClock().now()


@pytest.fixture
async def probe_client(
    nodes: NodeFactory, clock: ManualClock, aiohttp_client: Callable[..., Awaitable[AppClient]]
) -> AppClient:
    app = create_app(nodes.settings(), clock=clock)
    probe.mount(app, app[SIO])
    return await aiohttp_client(app)


@pytest.fixture
async def sock(probe_client: AppClient, clock: ManualClock) -> AsyncIterator[socketio.AsyncClient]:
    await add_person(probe_client.app, "trainee1", [Role.TRAINEE], clock)
    token = await api_token(probe_client, "trainee1")
    sio = socketio.AsyncClient(reconnection=False)
    await sio.connect(
        str(probe_client.make_url("/")),
        namespaces=["/probe"],
        auth={"token": token},
        transports=["websocket"],
        wait_timeout=10,  # socket.io's 1 s is too short on a loaded CI
    )
    yield sio
    await sio.disconnect()


async def phone_in_db(client: AppClient) -> str | None:
    async with client.app[DATABASE].unit_of_work() as session:
        return (await auth.get_user(session, 1)).phone


async def call(sio: socketio.AsyncClient, event: str, data: Any = None) -> Any:
    return await sio.call(event, data, namespace="/probe", timeout=5)


async def test_an_event_commits_and_acks(
    probe_client: AppClient, sock: socketio.AsyncClient
) -> None:
    assert await call(sock, "set_phone", {"phone": "010-2222-3333"}) == {
        "ok": True,
        "phone": "010-2222-3333",
    }
    assert await phone_in_db(probe_client) == "010-2222-3333"


@pytest.mark.parametrize(
    "bad",
    [
        {"phone": 1234567},  # wrong type
        {"phone": "010-2222-3333", "admin": True},  # unknown field
        ["010-2222-3333"],  # not an object
        "010-2222-3333",
        {"phone": "9" * 100_000},  # huge
        None,
    ],
    ids=["wrong-type", "unknown-field", "list", "string", "huge", "missing"],
)
async def test_malformed_payloads_get_a_validation_ack_and_change_nothing(
    probe_client: AppClient, sock: socketio.AsyncClient, bad: Any
) -> None:
    answer = await call(sock, "set_phone", bad)
    assert answer["ok"] is False
    assert answer["error"]["type"] == "validation-error"
    assert answer["error"]["errors"]
    assert await phone_in_db(probe_client) is None
    assert (await call(sock, "set_phone", {"phone": "010-1111-2222"}))["ok"] is True


async def test_a_failing_event_rolls_back_and_says_so(
    probe_client: AppClient, sock: socketio.AsyncClient
) -> None:
    answer = await call(sock, "set_phone_then_fail", {"phone": "010-2222-3333"})
    assert answer == {
        "ok": False,
        "error": {"type": "internal-error", "detail": "A bug; the event was not applied."},
    }
    assert await phone_in_db(probe_client) is None
    text = await (await probe_client.get("/metrics")).text()
    assert 'baeum_errors_total{where="socket"} 1.0' in text


async def test_problems_and_unknown_events_are_error_acks(sock: socketio.AsyncClient) -> None:
    refused = await call(sock, "refuse")
    assert refused == {"ok": False, "error": {"type": "forbidden", "detail": "Not in this class."}}
    unknown = await call(sock, "become_admin", {})
    assert unknown["error"]["type"] == "unknown-event"
    assert sock.connected
