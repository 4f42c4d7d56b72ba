"""The administration pages' gate on the server, over HTTP without a browser: who gets the
page (with the institute's day from the server clock filled in) and who gets the refusal page
in Korean and English, with a log-in link that comes back to the page."""

from __future__ import annotations

import html
import json

import pytest

from server.core.auth.roles import Role
from server.core.health import STATIC_DIR
from tests.conftest import AppClient, Person, log_in

PAGES = {"/admin": "admin-main", "/admin/instructors": "registry", "/my/fees": "fees-form"}
#: who may open each page: staff the administration, instructors their own fees
MAY_OPEN = {
    "/admin": {Role.ADMIN, Role.OPERATOR, Role.EXAM_OFFICER},  # each sees their sections
    "/admin/instructors": {Role.ADMIN, Role.OPERATOR},
    "/my/fees": {Role.INSTRUCTOR},
}


def words(lang: str) -> dict[str, str]:
    messages: dict[str, str] = json.loads(
        (STATIC_DIR / "i18n" / lang / "admin.json").read_text("utf-8")
    )
    return messages


@pytest.mark.parametrize("path", list(PAGES))
async def test_someone_not_signed_in_is_asked_to_sign_in_in_both_languages(
    client: AppClient, path: str
) -> None:
    response = await client.get(path, allow_redirects=False)
    assert response.status == 401
    assert response.content_type == "text/html"
    text = html.unescape(await response.text())
    for lang in ("ko", "en"):
        assert words(lang)["admin.refused.not-authenticated"] in text
    assert f"/login?next={path}" in text
    assert f'id="{PAGES[path]}"' not in text  # not the page itself


@pytest.mark.parametrize("role", list(Role))
async def test_each_role_gets_the_pages_it_may_use_and_a_refusal_for_the_others(
    client: AppClient, people: dict[Role, Person], role: Role
) -> None:
    await log_in(client, people[role].login)
    for path, element in PAGES.items():
        response = await client.get(path, allow_redirects=False)
        text = html.unescape(await response.text())
        if role in MAY_OPEN[path]:
            assert response.status == 200, (role, path)
            assert f'id="{element}"' in text
            # the institute's day by the server's (manual) clock, not the browser's
            assert '<meta name="baeum-today" content="2020-10-05">' in text
            assert response.headers["Cache-Control"] == "no-store"
        else:
            assert response.status == 403, (role, path)
            reason = "instructors-only" if path == "/my/fees" else "staff-only"
            for lang in ("ko", "en"):
                assert words(lang)["admin.refused.heading"] in text
                assert words(lang)[f"admin.refused.{reason}"] in text
            assert f'id="{element}"' not in text
