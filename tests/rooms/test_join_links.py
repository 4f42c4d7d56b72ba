"""Join links: one tap from a phone into the class, and nothing for a forged or stale link."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest

from server.core.auth import tokens
from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import SECRET_KEY
from server.lms.models import EnrolmentStatus, StaffRole
from tests.conftest import AppClient, Person, add_person, api_token, bearer
from tests.factories import ClassFixture, make_class

PHONE = "Mozilla/5.0 (Linux; Android 10; SM-G960N) AppleWebKit/537.36 Mobile Safari/537.36"


@pytest.fixture
async def klass(client: AppClient, people: dict[Role, Person], clock: ManualClock) -> ClassFixture:
    return await make_class(
        client.app,
        clock,
        trainees=[people[Role.TRAINEE].id],
        staff={
            StaffRole.INSTRUCTOR: people[Role.INSTRUCTOR].id,
            StaffRole.CAPTIONER: people[Role.CAPTIONER].id,
        },
    )


async def issue(client: AppClient, token: str, klass: ClassFixture, **body: Any) -> Any:
    return await client.post(
        f"/api/v1/class-sessions/{klass.class_session_id}/join-links",
        json=body,
        headers=bearer(token),
    )


async def link_for_trainee(client: AppClient, klass: ClassFixture) -> str:
    operator = await api_token(client, "operator1")
    links = await (await issue(client, operator, klass)).json()
    return str(links[0]["url"])


def token_of(url: str) -> str:
    return url.rsplit("/join/", 1)[1]


async def test_operators_and_the_class_instructor_issue_links_for_enrolled_trainees(
    client: AppClient, people: dict[Role, Person], klass: ClassFixture
) -> None:
    trainee = people[Role.TRAINEE]
    for login in ("operator1", "instructor1"):
        response = await issue(client, await api_token(client, login), klass)
        assert response.status == 200, await response.text()
        links = await response.json()
        assert [(link["user_id"], link["name"]) for link in links] == [(trainee.id, "Trainee1")]
        assert links[0]["url"].startswith("http://baeum.test/join/")


async def test_an_instructor_of_another_class_and_trainees_cannot_issue_links(
    client: AppClient, people: dict[Role, Person], klass: ClassFixture, clock: ManualClock
) -> None:
    outsider = await add_person(client.app, "instructor2", [Role.INSTRUCTOR], clock)
    for login in (outsider.login, "trainee1"):
        response = await issue(client, await api_token(client, login), klass)
        assert response.status == 403


async def test_links_are_only_for_enrolled_people(
    client: AppClient, people: dict[Role, Person], klass: ClassFixture
) -> None:
    response = await issue(
        client, await api_token(client, "operator1"), klass, user_ids=[people[Role.ADMIN].id]
    )
    assert response.status == 403
    assert (await response.json())["type"] == "/problems/not-enrolled"


async def test_tapping_the_link_logs_in_and_lands_in_the_class(
    client: AppClient, people: dict[Role, Person], klass: ClassFixture
) -> None:
    url = await link_for_trainee(client, klass)
    landing = await client.get(
        f"/join/{token_of(url)}", allow_redirects=False, headers={"User-Agent": PHONE}
    )
    assert landing.status == 303
    assert landing.headers["Location"] == f"/class/{klass.class_session_id}"
    assert "baeum_session" in landing.cookies
    page = await client.get(landing.headers["Location"])
    assert page.status == 200
    assert '<script type="module" src="/static/js/classroom/main.js">' in await page.text()
    me = await (await client.get("/api/v1/users/me")).json()
    assert me["id"] == people[Role.TRAINEE].id


async def test_redeeming_over_the_api_returns_a_class_token_with_trainee_grants(
    client: AppClient, people: dict[Role, Person], klass: ClassFixture, clock: ManualClock
) -> None:
    url = await link_for_trainee(client, klass)
    response = await client.post("/api/v1/join", json={"token": token_of(url)})
    assert response.status == 200
    body = await response.json()
    assert body["user"]["id"] == people[Role.TRAINEE].id
    assert body["class_session"]["id"] == klass.class_session_id
    assert body["class_token"]["grants"] == ["publish", "subscribe"]
    claims = tokens.verify(
        client.app[SECRET_KEY], tokens.Purpose.CLASS, body["class_token"]["token"], clock.now()
    )
    assert claims["cs"] == klass.class_session_id
    assert claims["sub"] == str(people[Role.TRAINEE].id)
    csrf = {"X-CSRF-Token": body["csrf_token"]}  # the new session's writes work at once
    patched = await client.patch("/api/v1/users/me", json={"phone": "010-0000-1111"}, headers=csrf)
    assert patched.status == 200


def tamper(token: str) -> list[str]:
    """Altered versions: another class in the payload, a flipped signature, another key."""
    head, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cs"] += 1
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    return [
        f"{head}.{forged_payload}.{signature}",
        f"{head}.{payload}.{flipped}",
        "not.a.real-jwt.at-all",
    ]


async def test_tampered_links_are_refused(
    client: AppClient, people: dict[Role, Person], klass: ClassFixture, clock: ManualClock
) -> None:
    url = await link_for_trainee(client, klass)
    other_key = tokens.sign(
        b"another institute's key that is long enough",
        tokens.Purpose.JOIN,
        {"sub": str(people[Role.TRAINEE].id), "cs": klass.class_session_id},
        clock.now() + timedelta(hours=1),
    )
    class_token_as_link = tokens.sign(
        client.app[SECRET_KEY],
        tokens.Purpose.CLASS,
        {"sub": str(people[Role.TRAINEE].id), "cs": klass.class_session_id},
        clock.now() + timedelta(hours=1),
    )
    for forged in [*tamper(token_of(url)), other_key, class_token_as_link]:
        response = await client.post("/api/v1/join", json={"token": forged})
        assert response.status == 401, forged
        assert (await response.json())["type"] == "/problems/join-link-invalid"
        page = await client.get(f"/join/{forged}", allow_redirects=False)
        assert page.status == 401
        assert "baeum_session" not in page.cookies


async def test_links_expire_hours_after_the_class_ends(
    client: AppClient, people: dict[Role, Person], klass: ClassFixture, clock: ManualClock
) -> None:
    url = await link_for_trainee(client, klass)
    # the class starts in 1 h and lasts 3 h; links stay valid 6 h after it ends
    clock.advance(timedelta(hours=10).total_seconds() - 1)
    assert (await client.post("/api/v1/join", json={"token": token_of(url)})).status == 200
    clock.advance(1)
    response = await client.post("/api/v1/join", json={"token": token_of(url)})
    assert response.status == 401
    assert (await response.json())["type"] == "/problems/join-link-expired"


async def test_a_cancelled_enrolment_voids_the_link(
    client: AppClient, people: dict[Role, Person], clock: ManualClock
) -> None:
    cancelled = await make_class(
        client.app, clock, trainees=[people[Role.TRAINEE].id], status=EnrolmentStatus.CANCELLED
    )
    token = tokens.sign(
        client.app[SECRET_KEY],
        tokens.Purpose.JOIN,
        {"sub": str(people[Role.TRAINEE].id), "cs": cancelled.class_session_id},
        clock.now() + timedelta(hours=5),
    )
    response = await client.post("/api/v1/join", json={"token": token})
    assert response.status == 403
    assert (await response.json())["type"] == "/problems/not-enrolled"


async def test_class_tokens_carry_each_persons_grants(
    client: AppClient, people: dict[Role, Person], klass: ClassFixture
) -> None:
    expected = {
        "trainee1": ["publish", "subscribe"],
        "instructor1": ["moderate", "publish", "subscribe"],
        "captioner1": ["caption", "subscribe"],
        "operator1": ["moderate", "subscribe"],
    }
    path = f"/api/v1/class-sessions/{klass.class_session_id}/class-token"
    for login, grants in expected.items():
        response = await client.post(path, headers=bearer(await api_token(client, login)))
        assert response.status == 200, login
        assert (await response.json())["grants"] == grants, login
    outsider = await client.post(path, headers=bearer(await api_token(client, "assistant1")))
    assert outsider.status == 403
    assert (await outsider.json())["type"] == "/problems/not-enrolled"


async def test_turn_servers_get_time_limited_credentials(
    nodes: Any, clock: ManualClock, aiohttp_client: Any, people: Any
) -> None:
    """With a TURN secret, each class token brings coturn REST-API credentials."""
    from server.app import create_app

    settings = nodes.settings(
        turn_secret="coturn shared secret",
        ice_servers=[{"urls": ["stun:turn.baeum.test:3478"]}, {"urls": ["turn:turn.baeum.test"]}],
    )
    app_client = await aiohttp_client(create_app(settings, clock=clock))
    person = await add_person(app_client.app, "trainee9", [Role.TRAINEE], clock)
    klass = await make_class(app_client.app, clock, trainees=[person.id])
    response = await app_client.post(
        f"/api/v1/class-sessions/{klass.class_session_id}/class-token",
        headers=bearer(await api_token(app_client, person.login)),
    )
    stun, turn = (await response.json())["ice_servers"]
    assert stun["username"] is None
    expiry, user = turn["username"].split(":")
    assert user == str(person.id)
    assert int(expiry) == int(clock.now().timestamp()) + 12 * 3600
    assert len(base64.b64decode(turn["credential"])) == 20  # HMAC-SHA1
