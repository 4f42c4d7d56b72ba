"""One class with everyone in it, and the identities every access check is tried with.

``world`` is one app with: a person per role (``people``), a second trainee enrolled in the
same cohort (so "another trainee's record" has someone to be), an instructor, assistant and
captioner on the class session's staff, and a second class elsewhere (for tokens that name
another class).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from server.core.auth import service as auth
from server.core.auth import tokens
from server.core.auth.roles import Role
from server.core.auth.schemas import TokenCreate
from server.core.clock import ManualClock
from server.core.keys import DATABASE, SECRET_KEY
from server.lms.models import StaffRole
from tests.conftest import AppClient, Person, add_person, api_token
from tests.factories import ClassFixture, make_class


@dataclass(frozen=True)
class World:
    people: dict[Role, Person]
    other_trainee: Person
    outsider_trainee: Person  # enrolled in the other class only
    klass: ClassFixture
    other_class: ClassFixture
    tokens: dict[str, str]  # identity name -> bearer token ("" for nobody)


#: identities that are not a role: who the matrices also try every route and event as
NOBODY, EXPIRED, TAMPERED, FOREIGN_JWT = "nobody", "expired", "tampered", "class-jwt"


@pytest.fixture
async def world(client: AppClient, people: dict[Role, Person], clock: ManualClock) -> World:
    app = client.app
    other = await add_person(app, "trainee2", [Role.TRAINEE], clock, name="다른교육생")
    outsider = await add_person(app, "trainee3", [Role.TRAINEE], clock)
    klass = await make_class(
        app,
        clock,
        trainees=[people[Role.TRAINEE].id, other.id],
        staff={
            StaffRole.INSTRUCTOR: people[Role.INSTRUCTOR].id,
            StaffRole.ASSISTANT: people[Role.ASSISTANT].id,
            StaffRole.CAPTIONER: people[Role.CAPTIONER].id,
        },
    )
    other_class = await make_class(app, clock, trainees=[outsider.id])
    names: dict[str, str] = {
        role.value: await api_token(client, p.login) for role, p in people.items()
    }
    names[NOBODY] = ""
    async with app[DATABASE].unit_of_work() as session:
        # an operator's token made ten days ago that lived one day (the clock in the past)
        _, expired = await auth.create_api_token(
            session,
            people[Role.OPERATOR].id,
            TokenCreate(name="old", expires_in_days=1),
            clock.now() - timedelta(days=10),
        )
    names[EXPIRED] = expired
    admin = names[Role.ADMIN.value]
    names[TAMPERED] = admin[:-1] + ("A" if admin[-1] != "A" else "B")
    # a token the app itself signed, for another purpose (a class grant is not an API token)
    names[FOREIGN_JWT] = tokens.sign(
        app[SECRET_KEY],
        tokens.Purpose.CLASS,
        {"sub": str(people[Role.ADMIN].id), "cs": klass.class_session_id},
        clock.now() + timedelta(hours=1),
    )
    return World(people, other, outsider, klass, other_class, names)
