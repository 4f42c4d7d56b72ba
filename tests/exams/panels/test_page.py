"""/admin/exams/panels is served to admins and exam officers only (with the server's day);
every other role gets the refusal page in its own words, someone not signed in a log-in link.
In a real browser: a member added through the pool form, then panels for the demo round."""

from __future__ import annotations

import html
import re

from playwright.async_api import Browser, expect

from server.core.auth.roles import EXAM_STAFF, Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.exams.demo import PANEL_POOL, PANEL_YEAR, load_exams
from tests.browser.a11y import screenshot
from tests.browser.test_login_home import catalog, phone, sign_in
from tests.conftest import AppClient, Person, add_person, log_in
from tests.lms.instructors.helpers import Caller

KO = {**catalog("ko", "common"), **catalog("ko", "admin"), **catalog("ko", "panels")}


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


async def test_an_officer_adds_a_member_and_assigns_panels_for_the_demo_round(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    """Through the page: a member added with only their kind's fields, then panels for the
    demo's 2021 round; the API confirms the spread shown and that no member shares an org unit
    with a candidate of their slot."""
    async with client.app[DATABASE].unit_of_work() as session:
        await load_exams(session, clock.now())
    await add_person(client.app, "exam", [Role.EXAM_OFFICER], clock, name="시험담당")
    officer = await Caller.of(client, "exam")
    [demo_round] = await officer.get("/exams/rounds", year=str(PANEL_YEAR))
    context = await phone(browser)
    try:
        page = await context.new_page()
        await page.goto(str(client.make_url("/login?next=/admin/exams/panels")))
        await sign_in(page, "exam", "correct horse battery")
        await page.wait_for_url(re.compile(r"/admin/exams/panels$"))
        await expect(page.locator("main")).to_have_attribute("data-state", "ready")
        pool = page.locator("#pool-status")
        await expect(pool).to_have_text(f"위원 {len(PANEL_POOL)}명 (활동 {len(PANEL_POOL)}명)")

        form = page.locator("#member-form")
        series = form.get_by_label(KO["panels.member.series"], exact=True)
        retired = form.get_by_label(KO["panels.member.retired"], exact=True)
        kind = form.get_by_label(KO["panels.col.kind"], exact=True)
        await expect(series).to_be_hidden()
        await expect(retired).to_be_hidden()
        await kind.select_option("retired_official")
        await expect(retired).to_be_visible()
        await expect(series).to_be_hidden()
        await kind.select_option("outside_expert")
        await expect(retired).to_be_hidden()
        await form.get_by_label(KO["panels.member.name"], exact=True).fill("신규전문")
        await form.get_by_label(KO["panels.member.org"], exact=True).fill("국립대학")
        await form.get_by_role("button", name=KO["panels.member.save"], exact=True).click()
        await expect(pool).to_have_text(f"위원을 추가했습니다. 위원 {len(PANEL_POOL) + 1}명")
        added = page.locator("#pool-table tbody tr", has_text="신규전문")
        await expect(added).to_contain_text("국립대학")
        await expect(added).to_contain_text(KO["panels.kind.outside_expert"])

        round_form = page.locator("#round-form")
        year = round_form.get_by_label(KO["panels.round.year"], exact=True)
        await year.fill(str(PANEL_YEAR))
        await year.press("Tab")
        await expect(page.locator("#round-status")).to_have_text(f"{PANEL_YEAR}년 시험 1회차")
        await round_form.get_by_label(KO["panels.round.choose"], exact=True).select_option(
            label=demo_round["name"]
        )
        await round_form.get_by_label(KO["panels.seed"], exact=True).fill("3")
        await round_form.get_by_role("button", name=KO["panels.round.submit"], exact=True).click()
        await expect(page.locator("#assignment-heading")).to_have_text(
            f"배정 결과: {demo_round['name']}"
        )
        [made] = await officer.get(f"/exams/rounds/{demo_round['id']}/panels")
        spread = page.locator("#spread .spread")
        await expect(spread).to_have_attribute("data-min", str(made["min_assignments"]))
        await expect(spread).to_have_attribute("data-max", str(made["max_assignments"]))
        await expect(page.locator("#panels-table tbody tr")).to_have_count(len(made["panels"]))
        loads = page.locator("#loads-table tbody tr")
        await expect(loads).to_have_count(len(PANEL_POOL) + 1)
        first = made["panels"][0]
        row = page.locator(f'#panels-table tr[data-slot="{first["slot_ref"]}"]')
        names = {m["member_id"]: m["name"] for m in made["loads"]}
        await expect(row.locator('[data-kind="outside_expert"]')).to_have_text(
            names[first["outside_expert_id"]]
        )
        await screenshot(page, "admin-panels-round-phone")  # axe and keyboard: test_admin_panels
    finally:
        await context.close()

    counts = [m["assignments"] for m in made["loads"]]
    assert (made["min_assignments"], made["max_assignments"]) == (min(counts), max(counts))
    assert sum(counts) == 3 * len(made["panels"])
    assert made["seed"] == 3
    # the demo's slots, by time: five to a slot, those who failed the group discussion left out
    assert [(p["slot_ref"], p["starts_at"], len(p["candidates"])) for p in made["panels"]] == [
        ("c01-1", "2021-03-15T09:00:00+09:00", 5), ("c02-1", "2021-03-15T09:00:00+09:00", 5),
        ("c01-2", "2021-03-15T09:30:00+09:00", 2), ("c02-2", "2021-03-15T09:30:00+09:00", 1),
        ("c03-1", "2021-03-15T14:00:00+09:00", 3)]  # fmt: skip
    assert not {"K-108", "K-304"} & {c for p in made["panels"] for c in p["candidates"]}
    members = {m["id"]: m for m in await officer.get("/exams/panels/members")}
    assert any(m["name"] == "신규전문" for m in members.values())
    org_of = {}
    for unit in await officer.get(f"/exams/rounds/{demo_round['id']}/units"):
        for c in await officer.get(f"/exams/units/{unit['id']}/candidates"):
            org_of[c["exam_no"]] = c["org_unit"]
    for panel in made["panels"]:
        orgs = {org_of[c] for c in panel["candidates"]}
        for k in ("outside_expert", "retired_official", "serving_official"):
            member = members[panel[f"{k}_id"]]
            assert member["org_unit"] not in orgs, (panel["slot_ref"], k)
            assert not set(member["relations"]) & set(panel["candidates"])
