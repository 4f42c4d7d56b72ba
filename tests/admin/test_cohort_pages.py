"""The cohort pages' gate on the server: the training staff and the people who staff classes
(instructors, assistants, captioners) get /admin/cohorts and a cohort's page, with the
institute's day filled in; trainees and the e-learning system get the refusal in Korean and
English; a cohort address that is not a number is no page at all."""

from __future__ import annotations

import html

import pytest

from server.core.auth.roles import Role
from tests.admin.test_pages import words
from tests.conftest import AppClient, Person, log_in

PAGES = {"/admin/cohorts": "filter", "/admin/cohorts/7": "sessions-list"}
MAY_OPEN = {Role.ADMIN, Role.OPERATOR, Role.INSTRUCTOR, Role.ASSISTANT, Role.CAPTIONER}


async def test_someone_not_signed_in_is_asked_to_sign_in(client: AppClient) -> None:
    for path, element in PAGES.items():
        response = await client.get(path, allow_redirects=False)
        assert response.status == 401
        text = html.unescape(await response.text())
        assert f"/login?next={path}" in text
        assert f'id="{element}"' not in text


@pytest.mark.parametrize("role", list(Role))
async def test_the_pages_open_for_staff_and_class_staff_only(
    client: AppClient, people: dict[Role, Person], role: Role
) -> None:
    await log_in(client, people[role].login)
    for path, element in PAGES.items():
        response = await client.get(path, allow_redirects=False)
        text = html.unescape(await response.text())
        if role in MAY_OPEN:
            assert response.status == 200, (role, path)
            assert f'id="{element}"' in text
            assert '<meta name="baeum-today" content="2020-10-05">' in text
        else:
            assert response.status == 403, (role, path)
            for lang in ("ko", "en"):
                assert words(lang)["admin.refused.cohort-staff-only"] in text
            assert f'id="{element}"' not in text


async def test_a_cohort_address_must_be_a_number(
    client: AppClient, people: dict[Role, Person]
) -> None:
    await log_in(client, people[Role.OPERATOR].login)
    assert (await client.get("/admin/cohorts/new", allow_redirects=False)).status == 404
