"""Log-in, sessions, CSRF, API tokens, and who may read whose records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.core.audit import REDACTED, AuditEntry
from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from tests.conftest import PASSWORD, AppClient, Person, add_person, api_token, bearer, log_in


async def test_log_in_sets_a_session_cookie_and_returns_the_csrf_token(
    client: AppClient, people: dict[Role, Person]
) -> None:
    response = await client.post(
        "/api/v1/auth/login", json={"login": "trainee1", "password": PASSWORD}
    )
    assert response.status == 200
    body = await response.json()
    assert body["user"]["login"] == "trainee1"
    assert body["user"]["roles"] == ["trainee"]
    cookie = response.cookies["baeum_session"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    session = await client.get("/api/v1/auth/session")
    assert (await session.json())["csrf_token"] == body["csrf_token"]


async def test_wrong_password_and_unknown_login_get_the_same_answer(
    client: AppClient, people: dict[Role, Person]
) -> None:
    for login in ("trainee1", "nobody"):
        response = await client.post(
            "/api/v1/auth/login", json={"login": login, "password": "wrong password"}
        )
        assert response.status == 401
        assert response.content_type == "application/problem+json"
        assert (await response.json())["type"] == "/problems/invalid-credentials"
    assert "baeum_session" not in client.session.cookie_jar.filter_cookies(client.make_url("/"))


async def test_a_deactivated_person_cannot_log_in_and_loses_open_sessions(
    client: AppClient, people: dict[Role, Person]
) -> None:
    admin_token = await api_token(client, "admin1")
    await log_in(client, "trainee1")
    assert (await client.get("/api/v1/users/me")).status == 200
    trainee = people[Role.TRAINEE]
    response = await client.patch(
        f"/api/v1/users/{trainee.id}", json={"is_active": False}, headers=bearer(admin_token)
    )
    assert response.status == 200
    assert (await client.get("/api/v1/users/me")).status == 401
    again = await client.post(
        "/api/v1/auth/login", json={"login": "trainee1", "password": PASSWORD}
    )
    assert again.status == 401


async def test_cookie_writes_need_the_csrf_token(
    client: AppClient, people: dict[Role, Person]
) -> None:
    csrf = await log_in(client, "trainee1")
    missing = await client.patch("/api/v1/users/me", json={"phone": "010-1234-5678"})
    assert missing.status == 403
    assert (await missing.json())["type"] == "/problems/csrf-failed"
    wrong = await client.patch(
        "/api/v1/users/me", json={"phone": "010-1234-5678"}, headers={"X-CSRF-Token": "x" * 40}
    )
    assert wrong.status == 403
    me = await (await client.get("/api/v1/users/me")).json()
    assert me["phone"] is None  # refused writes changed nothing
    ok = await client.patch(
        "/api/v1/users/me", json={"phone": "010-1234-5678"}, headers={"X-CSRF-Token": csrf}
    )
    assert ok.status == 200
    assert (await ok.json())["phone"] == "010-1234-5678"


async def test_bearer_token_writes_need_no_csrf_token(
    client: AppClient, people: dict[Role, Person]
) -> None:
    token = await api_token(client, "trainee1")
    response = await client.patch(
        "/api/v1/users/me", json={"accessibility_needs": ["captions"]}, headers=bearer(token)
    )
    assert response.status == 200
    assert (await response.json())["accessibility_needs"] == ["captions"]


async def test_log_out_ends_the_session(client: AppClient, people: dict[Role, Person]) -> None:
    csrf = await log_in(client, "trainee1")
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))["baeum_session"]
    response = await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    assert response.status == 204
    replay = await client.get(
        "/api/v1/users/me", headers={"Cookie": f"baeum_session={cookie.value}"}
    )
    assert replay.status == 401


async def test_sessions_expire(
    client: AppClient, people: dict[Role, Person], clock: ManualClock
) -> None:
    await log_in(client, "trainee1")
    clock.advance(12 * 3600 - 1)
    assert (await client.get("/api/v1/users/me")).status == 200
    clock.advance(2)
    assert (await client.get("/api/v1/users/me")).status == 401


async def test_api_tokens_are_shown_once_and_can_be_revoked(
    client: AppClient, people: dict[Role, Person]
) -> None:
    token = await api_token(client, "operator1")
    assert token.startswith("bm_")
    listed = await (await client.get("/api/v1/auth/tokens", headers=bearer(token))).json()
    assert [t["name"] for t in listed] == ["tests"]
    assert "token" not in listed[0]
    assert (await client.get("/api/v1/users", headers=bearer(token))).status == 200
    revoke = await client.delete(f"/api/v1/auth/tokens/{listed[0]['id']}", headers=bearer(token))
    assert revoke.status == 204
    after = await client.get("/api/v1/users", headers=bearer(token))
    assert after.status == 401
    assert (await after.json())["type"] == "/problems/not-authenticated"


async def test_api_tokens_expire(
    client: AppClient, people: dict[Role, Person], clock: ManualClock
) -> None:
    token = await api_token(client, "operator1")
    clock.advance(90 * 86400 + 1)
    assert (await client.get("/api/v1/users/me", headers=bearer(token))).status == 401


async def test_a_malformed_authorization_header_is_refused_not_ignored(
    client: AppClient, people: dict[Role, Person]
) -> None:
    for header in ("Basic abc", "Bearer", "Bearer bm_not-a-token"):
        response = await client.get("/api/v1/users/me", headers={"Authorization": header})
        assert response.status == 401, header


async def test_a_trainee_reads_only_their_own_records(
    client: AppClient, people: dict[Role, Person], clock: ManualClock
) -> None:
    other = await add_person(client.app, "trainee2", [Role.TRAINEE], clock)
    me = people[Role.TRAINEE]
    token = await api_token(client, me.login)
    assert (await client.get(f"/api/v1/users/{me.id}", headers=bearer(token))).status == 200
    for path in (f"/api/v1/users/{other.id}", f"/api/v1/users/{other.id}/enrolments"):
        response = await client.get(path, headers=bearer(token))
        assert response.status == 403, path
        assert "trainee2" not in await response.text()
    assert (await client.get("/api/v1/users", headers=bearer(token))).status == 403


async def test_staff_read_anyone_and_only_admins_change_roles(
    client: AppClient, people: dict[Role, Person]
) -> None:
    trainee = people[Role.TRAINEE]
    operator = await api_token(client, "operator1")
    admin = await api_token(client, "admin1")
    assert (await client.get(f"/api/v1/users/{trainee.id}", headers=bearer(operator))).status == 200
    body = {"roles": ["trainee", "assistant"]}
    path = f"/api/v1/users/{trainee.id}/roles"
    assert (await client.put(path, json=body, headers=bearer(operator))).status == 403
    done = await client.put(path, json=body, headers=bearer(admin))
    assert done.status == 200
    assert (await done.json())["roles"] == ["assistant", "trainee"]


async def test_admins_cannot_remove_their_own_admin_role(
    client: AppClient, people: dict[Role, Person]
) -> None:
    admin = people[Role.ADMIN]
    token = await api_token(client, admin.login)
    response = await client.put(
        f"/api/v1/users/{admin.id}/roles", json={"roles": ["operator"]}, headers=bearer(token)
    )
    assert response.status == 409


async def test_creating_a_user_with_a_taken_login_conflicts_and_adds_nothing(
    client: AppClient, people: dict[Role, Person]
) -> None:
    token = await api_token(client, "admin1")
    body = {"login": "trainee1", "name": "다른 사람", "roles": ["trainee"]}
    response = await client.post("/api/v1/users", json=body, headers=bearer(token))
    assert response.status == 409
    listed = await (await client.get("/api/v1/users?q=trainee1", headers=bearer(token))).json()
    assert len(listed["items"]) == 1


async def test_every_change_to_a_user_is_in_the_audit_log_without_secrets(
    client: AppClient, people: dict[Role, Person]
) -> None:
    admin = people[Role.ADMIN]
    token = await api_token(client, admin.login)
    created = await client.post(
        "/api/v1/users",
        json={"login": "kim.trainee", "name": "김교육", "password": "a long enough secret"},
        headers=bearer(token),
    )
    user_id = (await created.json())["id"]
    await client.patch(
        f"/api/v1/users/{user_id}", json={"org_unit": "인재개발원"}, headers=bearer(token)
    )
    async with client.app[DATABASE].unit_of_work() as session:
        rows = (
            await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.entity == "users", AuditEntry.entity_id == str(user_id))
                .order_by(AuditEntry.id)
            )
        ).all()
    assert [r.action for r in rows] == ["create", "update"]
    assert all(r.actor_id == admin.id for r in rows)
    assert rows[0].after is not None
    assert rows[0].after["password_hash"] == REDACTED
    assert rows[1].before == {"org_unit": None}
    assert rows[1].after == {"org_unit": "인재개발원"}
    assert rows[1].request_id
    listed = await client.get(
        f"/api/v1/audit?entity=users&entity_id={user_id}", headers=bearer(token)
    )
    assert [e["action"] for e in (await listed.json())["items"]] == ["create", "update"]
    operator = await api_token(client, "operator1")
    assert (await client.get("/api/v1/audit", headers=bearer(operator))).status == 403


async def test_guessing_passwords_is_slowed_down_per_login(
    client: AppClient, people: dict[Role, Person], clock: ManualClock
) -> None:
    for _ in range(10):
        response = await client.post(
            "/api/v1/auth/login", json={"login": "trainee1", "password": "guess"}
        )
        assert response.status == 401
    blocked = await client.post(
        "/api/v1/auth/login", json={"login": "trainee1", "password": PASSWORD}
    )
    assert blocked.status == 429
    assert (await blocked.json())["type"] == "/problems/rate-limited"
    assert int(blocked.headers["Retry-After"]) == 60  # the first lock-out (tests/limits: more)
    other = await client.post("/api/v1/auth/login", json={"login": "admin1", "password": PASSWORD})
    assert other.status == 200  # another person is not locked out
    for _ in range(20):  # successful log-ins are not failures
        ok = await client.post("/api/v1/auth/login", json={"login": "admin1", "password": PASSWORD})
        assert ok.status == 200
    clock.advance(60)
    again = await client.post(
        "/api/v1/auth/login", json={"login": "trainee1", "password": PASSWORD}
    )
    assert again.status == 200


async def test_behind_a_trusted_proxy_the_forwarded_address_is_the_one_limited(
    nodes: Any, clock: ManualClock, aiohttp_client: Any
) -> None:
    """Each office behind nginx gets its own address budget; the proxy's own address does not."""
    from server.app import create_app

    settings = nodes.settings(trusted_proxies=["127.0.0.0/8"], login_attempts_per_address_per_min=2)
    app_client = await aiohttp_client(create_app(settings, clock=clock))
    await add_person(app_client.app, "trainee7", [Role.TRAINEE], clock)

    async def attempt(address: str) -> int:
        response = await app_client.post(
            "/api/v1/auth/login",
            json={"login": "trainee7", "password": "wrong"},
            headers={"X-Forwarded-For": f"203.0.113.9, {address}"},
        )
        return int(response.status)

    assert [await attempt("198.51.100.1") for _ in range(3)] == [401, 401, 429]
    assert await attempt("198.51.100.2") == 401


async def test_a_hash_made_under_another_profile_is_upgraded_at_log_in(
    client: AppClient, clock: ManualClock
) -> None:
    from server.core.auth.passwords import Passwords
    from server.core.auth.schemas import UserCreate
    from server.core.auth.service import create_user, get_user

    data = UserCreate(login="old.hash", name="옛 해시", password=PASSWORD)
    async with client.app[DATABASE].unit_of_work() as session:
        user = await create_user(session, data, Passwords("owasp"), clock.now())
    assert user.password_hash is not None
    assert "m=19456" in user.password_hash
    response = await client.post(
        "/api/v1/auth/login", json={"login": "old.hash", "password": PASSWORD}
    )
    assert response.status == 200
    async with client.app[DATABASE].unit_of_work() as session:
        stored = (await get_user(session, user.id)).password_hash
    assert stored is not None
    assert "m=19456" not in stored
