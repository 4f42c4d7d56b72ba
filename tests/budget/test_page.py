"""/admin/budget is served to admins and operators only (with the server's day filled in);
others get the refusal page, someone not signed in a log-in link back to it."""

from __future__ import annotations

import html

from server.core.auth.roles import STAFF, Role
from tests.conftest import AppClient, Person, log_in


async def test_only_staff_open_the_budget_page(
    client: AppClient, people: dict[Role, Person]
) -> None:
    anonymous = await client.get("/admin/budget", allow_redirects=False)
    assert anonymous.status == 401
    assert "/login?next=/admin/budget" in html.unescape(await anonymous.text())
    for role, person in people.items():
        await log_in(client, person.login)
        response = await client.get("/admin/budget", allow_redirects=False)
        text = await response.text()
        if role in STAFF:
            assert response.status == 200, role
            assert 'id="lines-table"' in text
            assert '<meta name="baeum-today" content="2020-10-05">' in text
        else:
            assert response.status == 403, role
            assert 'id="lines-table"' not in text
        client.session.cookie_jar.clear()
