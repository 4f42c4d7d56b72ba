"""Every route's access rule, checked for every role against the route's own declaration.

The matrix is built from the app's route table, so a new route is covered the day it is added:
nobody gets past a signed-in route, and no role outside a route's list gets past it either.
"""

from __future__ import annotations

import re

from server.core.auth.roles import Role
from server.core.http import Endpoint
from server.core.keys import ENDPOINTS
from tests.conftest import AppClient, Person, api_token, bearer


def concrete_path(ep: Endpoint, other_user_id: int) -> str:
    """Fill path parameters; a user id names someone else, so the or-self rule does not apply."""
    return re.sub(
        r"{(\w+)}",
        lambda m: str(other_user_id if m.group(1) == ep.allow.or_self else 1),
        ep.full_path,
    )


async def test_signed_in_routes_refuse_anonymous_callers(
    client: AppClient, people: dict[Role, Person]
) -> None:
    endpoints: list[Endpoint] = client.app[ENDPOINTS]
    checked = 0
    for ep in endpoints:
        if ep.allow.public:
            continue
        path = concrete_path(ep, people[Role.ADMIN].id)
        response = await client.request(ep.method, path, json={} if ep.body else None)
        assert response.status == 401, f"{ep.method} {path}: {response.status}"
        checked += 1
    assert checked >= 15


async def test_each_role_is_let_through_exactly_where_declared(
    client: AppClient, people: dict[Role, Person]
) -> None:
    tokens = {role: await api_token(client, person.login) for role, person in people.items()}
    endpoints: list[Endpoint] = client.app[ENDPOINTS]
    for ep in endpoints:
        if ep.allow.public or ep.allow.roles is None:
            continue
        for role, token in tokens.items():
            other = people[Role.ADMIN if role != Role.ADMIN else Role.TRAINEE].id
            path = concrete_path(ep, other)
            response = await client.request(
                ep.method, path, json={} if ep.body else None, headers=bearer(token)
            )
            if role in ep.allow.roles:
                assert response.status not in (401, 403), f"{role} {ep.method} {path}"
            else:
                assert response.status == 403, f"{role} {ep.method} {path}: {response.status}"
                assert (await response.json())["type"] == "/problems/forbidden"
