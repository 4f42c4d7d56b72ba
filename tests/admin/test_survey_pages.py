"""The survey pages' gate on the server: the cohort's survey administration opens for staff,
instructors and assistants (the API then checks the cohort), the trainee's form for anyone
signed in (the API answers only the cohort's trainees); everyone else gets the refusal page in
Korean and English with a log-in link back to the page."""

from __future__ import annotations

import html

import pytest

from server.core.auth.roles import Role
from tests.admin.test_pages import words
from tests.conftest import AppClient, Person, log_in

ADMIN_PAGE = "/admin/cohorts/7/surveys"
FORM = "/surveys/3"
READERS = {Role.ADMIN, Role.OPERATOR, Role.INSTRUCTOR, Role.ASSISTANT}


@pytest.mark.parametrize("path", [ADMIN_PAGE, FORM])
async def test_not_signed_in_is_asked_to_sign_in(client: AppClient, path: str) -> None:
    response = await client.get(path, allow_redirects=False)
    assert response.status == 401
    text = html.unescape(await response.text())
    for lang in ("ko", "en"):
        assert words(lang)["admin.refused.not-authenticated"] in text
    assert f"/login?next={path}" in text


@pytest.mark.parametrize("role", list(Role))
async def test_who_gets_the_survey_pages(
    client: AppClient, people: dict[Role, Person], role: Role
) -> None:
    await log_in(client, people[role].login)
    form = await client.get(FORM, allow_redirects=False)
    assert form.status == 200
    assert 'id="survey-form"' in await form.text()
    response = await client.get(ADMIN_PAGE, allow_redirects=False)
    text = html.unescape(await response.text())
    if role in READERS:
        assert response.status == 200, role
        assert 'id="survey-list"' in text
        assert '<meta name="baeum-today" content="2020-10-05">' in text
    else:
        assert response.status == 403, role
        for lang in ("ko", "en"):
            assert words(lang)["admin.refused.survey-staff"] in text
        assert 'id="survey-list"' not in text
    assert (await client.get("/admin/cohorts/x/surveys")).status == 404
