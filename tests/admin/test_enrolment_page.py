"""The gate of /admin/cohorts/{id}/enrolment over HTTP: staff and the people who teach get
the page (the API then decides what each sees), everyone else the refusal page in Korean
and English with a log-in link back; a path without a cohort number is no page at all."""

from __future__ import annotations

import html

import pytest

from server.core.auth.roles import Role
from tests.admin.test_pages import words
from tests.conftest import AppClient, Person, log_in

PATH = "/admin/cohorts/7/enrolment"
MAY_OPEN = {Role.ADMIN, Role.OPERATOR, Role.INSTRUCTOR, Role.ASSISTANT}


async def test_someone_not_signed_in_is_asked_to_sign_in(client: AppClient) -> None:
    response = await client.get(PATH, allow_redirects=False)
    assert response.status == 401
    text = html.unescape(await response.text())
    assert f"/login?next={PATH}" in text
    assert 'id="list-table"' not in text


@pytest.mark.parametrize("role", list(Role))
async def test_staff_and_teachers_get_the_page_and_others_a_refusal(
    client: AppClient, people: dict[Role, Person], role: Role
) -> None:
    await log_in(client, people[role].login)
    response = await client.get(PATH, allow_redirects=False)
    text = html.unescape(await response.text())
    if role in MAY_OPEN:
        assert response.status == 200, role
        assert 'id="list-table"' in text
        assert '<meta name="baeum-today" content="2020-10-05">' in text
    else:
        assert response.status == 403, role
        for lang in ("ko", "en"):
            assert words(lang)["admin.refused.completion-staff"] in text
        assert 'id="list-table"' not in text
    assert (await client.get("/admin/cohorts/x/enrolment")).status == 404
