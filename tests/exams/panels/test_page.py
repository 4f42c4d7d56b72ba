"""/admin/exams/panels is served to admins and exam officers only (with the server's day);
every other role gets the refusal page in its own words, someone not signed in a log-in link."""

from __future__ import annotations

import html

from server.core.auth.roles import EXAM_STAFF, Role
from tests.conftest import AppClient, Person, log_in


async def test_only_exam_staff_open_the_panels_page(
    client: AppClient, people: dict[Role, Person]
) -> None:
    anonymous = await client.get("/admin/exams/panels", allow_redirects=False)
    assert anonymous.status == 401
    assert "/login?next=/admin/exams/panels" in html.unescape(await anonymous.text())
    for role, person in people.items():
        await log_in(client, person.login)
        response = await client.get("/admin/exams/panels", allow_redirects=False)
        text = await response.text()
        if role in EXAM_STAFF:
            assert response.status == 200, role
            assert 'id="panels-table"' in text
            assert '<meta name="baeum-today" content="2020-10-05">' in text
        else:
            assert response.status == 403, role
            assert 'id="panels-table"' not in text
            assert "시험 담당자와 관리자만" in html.unescape(text)
        client.session.cookie_jar.clear()
