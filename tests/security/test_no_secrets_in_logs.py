"""No credential reaches the logs: everything is logged at DEBUG, set up the way the command
line sets it up (server/core/logging.py), while a person signs in, fails to sign in, makes an
API token and uses it, issues a join link, opens it, joins the class with a real socket.io
client and gets TURN credentials. None of the secrets involved appears in what was written."""

from __future__ import annotations

import io
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta

import pytest
import structlog

from server.app import create_app
from server.config import IceServer, Settings
from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.logging import configure_logging
from tests.conftest import PASSWORD, AppClient, NodeFactory, add_person, bearer, log_in
from tests.factories import make_class
from tests.rooms.classroom import Participant

Factory = Callable[..., Awaitable[AppClient]]


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """Logging as the CLI configures it, at DEBUG, into a buffer; put back afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    saved_structlog = structlog.get_config()
    buffer = io.StringIO()
    configure_logging(
        Settings(log_level="DEBUG", log_format="json"), stream=buffer, cache_loggers=False
    )
    try:
        yield buffer
    finally:
        structlog.reset_defaults()
        structlog.configure(**saved_structlog)
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)


async def test_credentials_never_reach_the_logs(
    nodes: NodeFactory,
    clock: ManualClock,
    aiohttp_client: Factory,
    captured_logs: io.StringIO,
) -> None:
    turn_secret = secrets.token_urlsafe(24)
    settings = nodes.settings(
        turn_secret=turn_secret,
        ice_servers=[IceServer(urls=["turn:turn.baeum.test:3478"])],
    )
    client = await aiohttp_client(create_app(settings, clock=clock))
    await add_person(client.app, "oper", [Role.OPERATOR], clock)
    trainee = await add_person(client.app, "kim", [Role.TRAINEE], clock)
    cs = (
        await make_class(client.app, clock, trainees=[trainee.id], starts_in=timedelta(minutes=5))
    ).class_session_id

    wrong = "wrong-horse-battery-" + secrets.token_hex(4)
    refused = await client.post("/api/v1/auth/login", json={"login": "oper", "password": wrong})
    assert refused.status == 401
    csrf = await log_in(client, "oper")
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))["baeum_session"].value
    made = await client.post(
        "/api/v1/auth/tokens", json={"name": "script"}, headers={"X-CSRF-Token": csrf}
    )
    token = (await made.json())["token"]
    links = await client.post(
        f"/api/v1/class-sessions/{cs}/join-links",
        json={"user_ids": [trainee.id]},
        headers={"X-CSRF-Token": csrf},
    )
    assert links.status == 200, await links.text()
    url = (await links.json())[0]["url"]
    join_token = url.rsplit("/", 1)[1]
    client.session.cookie_jar.clear()

    assert (await client.get("/api/v1/auth/session", headers=bearer(token))).status == 200
    opened = await client.get(f"/join/{join_token}", allow_redirects=False)
    assert opened.status == 303
    trainee_cookie = opened.cookies["baeum_session"].value
    redeemed = await client.post("/api/v1/join", json={"token": join_token})
    assert redeemed.status == 200, await redeemed.text()
    answer = await redeemed.json()
    class_token = answer["class_token"]["token"]
    turn_credential = answer["class_token"]["ice_servers"][0]["credential"]
    assert turn_credential
    person = Participant()
    try:
        await person.connect(client, {"join_link": join_token})
        await person.ok("join")
    finally:
        await person.close()
    with_class_token = Participant()
    try:
        await with_class_token.connect(client, {"token": class_token})
    finally:
        await with_class_token.close()

    logged = captured_logs.getvalue()
    assert '"event": "request"' in logged  # the capture works
    assert "/join/…" in logged
    for name, secret in {
        "password": PASSWORD,
        "wrong password": wrong,
        "session cookie": cookie,
        "trainee's cookie": trainee_cookie,
        "CSRF token": csrf,
        "API token": token,
        "join token": join_token,
        "class token": class_token,
        "secret key": nodes.secret,
        "TURN secret": turn_secret,
        "TURN credential": turn_credential,
    }.items():
        assert secret not in logged, f"the {name} is in the logs"


def test_a_credential_that_slips_into_a_log_line_is_redacted(captured_logs: io.StringIO) -> None:
    """The last line of defence, for a log call someone adds later."""
    api = "bm_" + secrets.token_urlsafe(32)
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMiJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
    structlog.get_logger("baeum.test").info(
        f"calling with {api}",
        headers={"Authorization": f"Bearer {api}", "Accept": "text/html"},
        url=f"http://baeum.test/join/{jwt}",
        password="hunter2-hunter2",
    )
    logging.getLogger("somelibrary").debug("Cookie: baeum_session=%s", "abcdefghijklmnop123")
    logged = captured_logs.getvalue()
    assert "calling with [redacted]" in logged
    assert "text/html" in logged  # what is not a secret stays
    assert "Cookie: [redacted]" in logged  # a foreign library's line, at DEBUG
    for secret in (api, jwt, "hunter2-hunter2", "abcdefghijklmnop123"):
        assert secret not in logged
