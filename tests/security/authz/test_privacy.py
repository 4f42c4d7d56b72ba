"""A trainee learns nothing of another trainee of the same class: every route the route table
lets a trainee call is read as that trainee (the shared class and cohort in the path, their
own id where a route is per person) and no answer names the classmate; the classmate's own
records (record, enrolments, completion, certificate) are refused with nothing of theirs in
the refusal. The classmate has enrolment, attendance and a connection report to give away."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.rooms.models import AttendanceEvent, AttendanceKind
from tests.conftest import AppClient, bearer
from tests.security.authz.conftest import World
from tests.security.authz.leaks import carries
from tests.security.authz.route_table import ROUTES, SELF, T

#: the classmate's own records, by their id: refused to the trainee
THEIRS = [
    "/users/{user_id}",
    "/users/{user_id}/record",
    "/users/{user_id}/enrolments",
    "/cohorts/{cohort_id}/completion/{user_id}",
    "/cohorts/{cohort_id}/completion/{user_id}/certificate",
]


async def attended(client: AppClient, world: World, clock: ManualClock) -> None:
    cs = world.klass.class_session_id
    async with client.app[DATABASE].unit_of_work() as session:
        for person in (world.people[Role.TRAINEE].id, world.other_trainee.id):
            for kind, minutes in ((AttendanceKind.JOIN, 60), (AttendanceKind.LEAVE, 170)):
                session.add(AttendanceEvent(
                    class_session_id=cs, user_id=person, kind=kind, client_id="c12345678",
                    device_class="pc", at=clock.now() + timedelta(minutes=minutes)))  # fmt: skip


async def test_a_trainee_learns_nothing_of_a_classmate(
    client: AppClient, world: World, clock: ManualClock
) -> None:
    await attended(client, world, clock)
    clock.advance(timedelta(hours=5).total_seconds())  # the class is over
    mate = world.other_trainee
    words = {mate.login, "다른교육생"}
    me = world.people[Role.TRAINEE]
    k = world.klass
    values: dict[str, Any] = {
        "user_id": me.id, "class_session_id": k.class_session_id, "cohort_id": k.cohort_id,
        "course_id": k.course_id, "year": 2020, "name": "completion",
    }  # fmt: skip
    token = bearer(world.tokens[Role.TRAINEE.value])
    reports = await (await client.get("/api/v1/reports", headers=token)).json()
    paths = [
        re.sub(r"{(\w+)}", lambda m: str(values.get(m.group(1), 1)), route.split(" ", 1)[1])
        for route, allowed in ROUTES.items()
        if route.startswith("GET ") and (T in allowed or SELF in allowed)
        and "{name}" not in route
    ]  # fmt: skip
    paths += [f"/reports/{r['name']}?year=2020" for r in reports]
    read = 0
    for path in paths:
        response = await client.get(f"/api/v1{path}", headers=token)
        body = await response.read()
        assert not [w for w in words if w.encode() in body], path
        if response.status == 200 and response.content_type == "application/json":
            assert not carries(json.loads(body), mate.id, words), path
            read += 1
    assert read >= 20
    for template in THEIRS:
        path = template.format(user_id=mate.id, cohort_id=k.cohort_id)
        response = await client.get(f"/api/v1{path}", headers=token)
        assert response.status == 403, path
        assert not [w for w in words if w.encode() in await response.read()], path
