"""Every REST route, called as every role, as nobody and with bad tokens, against a table.

The table (route_table.py) says who should get through; the app's route table
(``app[ENDPOINTS]``) says which routes exist. A route the table lacks fails the test, and so
does any identity whose answer disagrees: let through means neither 401 nor 403 (a 422 for
the empty body, or a 404, is past authorisation); refused means 403 for a signed-in person
and 401 for nobody, an expired token, an altered token or a token that is not an API token.
One app, one request per route and identity; mutating routes run after reads, and the few
that change the world (cancel an enrolment, delete the class) run last.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from server.config import Settings
from server.core.auth.roles import Role
from server.core.http import Endpoint
from server.core.keys import DATABASE, ENDPOINTS
from server.lms.models import Enrolment
from tests.conftest import AppClient, NodeFactory, bearer
from tests.security.authz.conftest import EXPIRED, FOREIGN_JWT, NOBODY, TAMPERED, World
from tests.security.authz.route_table import PUBLIC, ROUTES, SELF

BAD_CREDENTIALS = (NOBODY, EXPIRED, TAMPERED, FOREIGN_JWT)
ROLES = [r.value for r in Role]
MISSING = 999_999  # ids whose records must not be touched (tokens, staff rows, loopbacks)
LAST = (
    "POST /enrolments/{enrolment_id}/cancel",
    "POST /class-sessions/{class_session_id}/anonymity-key/destroy",
    "DELETE /class-sessions/{class_session_id}",
)


def bodies(world: World) -> dict[str, dict[str, Any]]:
    """Valid bodies for routes whose own-record check runs after the body is read (an empty
    body would be a 422 for everyone and prove nothing)."""
    return {
        "POST /enrolments/{enrolment_id}/cancel": {"reason": "work"},
        "POST /enrolments/{enrolment_id}/accommodations": {"kind": "interpreter"},
        "POST /cohorts/{cohort_id}/completion-corrections": {
            "user_id": world.other_trainee.id,
            "kind": "override",
            "outcome": "completed",
            "reason": "matrix",
        },
    }


#: query strings a route needs before it gets to who may see what
QUERIES = {
    "GET /cohorts/{cohort_id}/completion/export": "?format=csv",
    "GET /reports/{name}": "?year=2020",
}


@pytest.fixture
def settings(nodes: NodeFactory) -> Settings:
    """Two thousand requests: the request log at INFO would be most of the test's time."""
    return nodes.settings(log_level="WARNING")


def key(ep: Endpoint) -> str:
    return f"{ep.method} {ep.path}"


def order(ep: Endpoint) -> tuple[int, int]:
    k = key(ep)
    if k in LAST:
        return (3, LAST.index(k))
    return ({"GET": 0, "DELETE": 2}.get(ep.method, 1), 0)


async def enrolment_of(client: AppClient, world: World, user_id: int) -> int:
    async with client.app[DATABASE].unit_of_work() as session:
        stmt = select(Enrolment.id).where(
            Enrolment.user_id == user_id, Enrolment.cohort_id == world.klass.cohort_id
        )
        return int((await session.scalars(stmt)).one())


def fill(ep: Endpoint, values: dict[str, Any]) -> str:
    path = re.sub(r"{(\w+)}", lambda m: str(values.get(m.group(1), 1)), ep.full_path)
    return path + QUERIES.get(key(ep), "")


async def status_of(
    client: AppClient, ep: Endpoint, path: str, token: str, body: dict[str, Any] | None
) -> int:
    headers = bearer(token) if token else {}
    response = await client.request(
        ep.method, path, json=(body or {}) if ep.body else None, headers=headers
    )
    await response.read()
    return response.status


async def test_every_route_answers_every_identity_as_the_table_says(
    client: AppClient, world: World
) -> None:
    endpoints: list[Endpoint] = client.app[ENDPOINTS]
    unclassified = sorted({key(ep) for ep in endpoints} - ROUTES.keys())
    assert not unclassified, f"routes missing from route_table.py: {unclassified}"
    gone = sorted(ROUTES.keys() - {key(ep) for ep in endpoints})
    assert not gone, f"route_table.py names routes that no longer exist: {gone}"

    k, trainee = world.klass, world.people[Role.TRAINEE]
    others: dict[str, Any] = {
        "user_id": world.other_trainee.id, "class_session_id": k.class_session_id,
        "cohort_id": k.cohort_id, "course_id": k.course_id,
        "enrolment_id": await enrolment_of(client, world, world.other_trainee.id),
        "token_id": MISSING, "staff_id": MISSING, "loopback_id": MISSING,
        "name": "completion", "version": "original", "year": 2020, "code": "NO-SUCH-CODE",
    }  # fmt: skip
    own = {
        **others, "user_id": trainee.id,
        "enrolment_id": await enrolment_of(client, world, trainee.id),
    }  # fmt: skip

    wrong: list[str] = []
    checked = 0
    valid = bodies(world)
    for ep in sorted(endpoints, key=order):
        allowed, body = ROUTES[key(ep)], valid.get(key(ep))
        path = fill(ep, others)
        refused = [r for r in ROLES if r not in allowed and PUBLIC not in allowed]
        permitted = [r for r in ROLES if r in allowed or PUBLIC in allowed]
        # those who must be stopped first: a write let through may change what others find
        statuses = [
            await status_of(client, ep, path, world.tokens[who], body)
            for who in [*BAD_CREDENTIALS, *refused, *permitted]
        ]
        for who, status in zip([*BAD_CREDENTIALS, *refused, *permitted], statuses, strict=True):
            checked += 1
            if who == NOBODY and PUBLIC in allowed:
                expected = "through"
            elif who in BAD_CREDENTIALS:
                expected = "401"  # a bad token is refused even where no token is needed
            else:
                expected = "through" if who in permitted else "403"
            got = "through" if status not in (401, 403) else str(status)
            if got != expected:
                wrong.append(f"{key(ep)} as {who}: {status}, expected {expected}")
        if SELF in allowed:  # the caller's own record: a trainee gets through
            token = world.tokens[Role.TRAINEE]
            status = await status_of(client, ep, fill(ep, own), token, body)
            checked += 1
            if status in (401, 403):
                wrong.append(f"{key(ep)} as trainee on their own record: {status}")
    assert not wrong, "\n".join(wrong)
    assert checked >= len(endpoints) * (len(ROLES) + len(BAD_CREDENTIALS))
