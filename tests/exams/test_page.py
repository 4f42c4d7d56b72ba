"""The exams page's gate (/admin/exams: exam officers and admins, a refusal in both languages
for everyone else), its words in both catalogs, and the home page's link to it."""

from __future__ import annotations

import html
import json
import re

import pytest

from server.core.auth.roles import EXAM_STAFF, Role
from server.core.health import STATIC_DIR
from tests.conftest import AppClient, Person, log_in


def catalog(lang: str, area: str) -> dict[str, str]:
    words: dict[str, str] = json.loads((STATIC_DIR / "i18n" / lang / f"{area}.json").read_text())
    return words


@pytest.mark.parametrize("role", list(Role))
async def test_only_exam_staff_open_the_page(
    client: AppClient, people: dict[Role, Person], role: Role
) -> None:
    await log_in(client, people[role].login)
    response = await client.get("/admin/exams", allow_redirects=False)
    text = html.unescape(await response.text())
    if role in EXAM_STAFF:
        assert response.status == 200
        assert 'id="import-form"' in text
    else:
        assert response.status == 403
        assert 'id="import-form"' not in text
        for lang in ("ko", "en"):
            assert catalog(lang, "admin")["admin.refused.exam-staff-only"] in text


async def test_not_signed_in_is_asked_to_sign_in(client: AppClient) -> None:
    response = await client.get("/admin/exams", allow_redirects=False)
    assert response.status == 401
    assert "/login?next=/admin/exams" in html.unescape(await response.text())


def test_every_word_the_page_uses_is_in_both_languages() -> None:
    used = set(re.findall(r'"(exams\.[a-z0-9.-]+)"', (STATIC_DIR / "admin-exams.html").read_text()))
    script = (STATIC_DIR / "js" / "exams" / "page.js").read_text()
    used |= set(re.findall(r'"(exams\.[a-z0-9.-]+)"', script))
    used |= {f"exams.kind.{k}" for k in ("open", "career", "specialist")}
    ko, en = catalog("ko", "exams"), catalog("en", "exams")
    assert set(ko) == set(en)
    assert used <= set(ko), used - set(ko)
    assert "home.exams" in catalog("ko", "home")
    assert "home.exams" in catalog("en", "home")
    assert 'href="/admin/exams"' in (STATIC_DIR / "home.html").read_text()
