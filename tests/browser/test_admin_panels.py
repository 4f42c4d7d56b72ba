"""A panel assignment through the UI: an exam officer opens /admin/exams/panels, types slots
that cannot be filled (two panels at 09:00 and one outside expert: the form names the slot
and what is missing, nothing is stored), then slots that can, and reads the panels and the
spread; the page passes axe-core, keyboard reach and the phone reflow check. An operator is
refused the page (exam data is confidential)."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from tests.browser.test_admin_instructors import at_both_sizes
from tests.browser.test_login_home import catalog, phone, sign_in
from tests.conftest import AppClient, add_person
from tests.lms.instructors.helpers import Caller

KO = {**catalog("ko", "common"), **catalog("ko", "admin"), **catalog("ko", "panels")}

POOL = [
    {"name": "김전문", "kind": "outside_expert", "org_unit": "대학"},
    {"name": "이퇴직", "kind": "retired_official", "org_unit": "구청01",
     "retired_on": "2019-06-30"},
    {"name": "박현직", "kind": "serving_official", "org_unit": "본청", "grade": 5,
     "job_series": "행정"},
]  # fmt: skip


async def test_an_exam_officer_assigns_panels_and_reads_the_spread(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    await add_person(client.app, "exam", [Role.EXAM_OFFICER], clock, name="시험담당")
    await add_person(client.app, "hong", [Role.OPERATOR], clock, name="홍길동")
    officer = await Caller.of(client, "exam")
    for member in POOL:
        await officer.post("/exams/panels/members", member)

    context = await phone(browser)
    try:
        page = await context.new_page()
        await page.goto(str(client.make_url("/login?next=/admin/exams/panels")))
        await sign_in(page, "exam", "correct horse battery")
        await page.wait_for_url(re.compile(r"/admin/exams/panels$"))
        main = page.locator("main")
        await expect(main).to_have_attribute("data-state", "ready")
        await expect(page.get_by_role("heading", level=1)).to_have_text(KO["panels.heading"])
        await expect(page.locator("#list-status")).to_have_text(KO["panels.list.none"])

        form = page.locator("#run-form")
        await form.get_by_label(KO["panels.label"], exact=True).fill("제2회 면접")
        slots = form.get_by_label(KO["panels.slots"], exact=True)
        await slots.fill("1, 행정 7급, 행정, 2020-12-07 09:00, c1@시청\n"
                         "2, 행정 7급, 행정, 2020-12-07 09:00, c2@시청")  # fmt: skip
        await form.get_by_role("button", name=KO["panels.run.submit"], exact=True).click()
        error = form.locator(".form-error")
        await expect(error).to_contain_text(
            "slot 2 (행정 7급, 2020-12-07 09:00): no eligible outside expert: "
            "1 eligible but sitting on other panels at that time"
        )
        await expect(page.locator("#list-status")).to_have_text(KO["panels.list.none"])

        await slots.fill("1, 행정 7급, 행정, 2020-12-07 09:00, c1@시청\n"
                         "2, 행정 7급, 행정, 2020-12-07 10:00, c2@시청; c3@구청02")  # fmt: skip
        await form.get_by_role("button", name=KO["panels.run.submit"], exact=True).click()
        await expect(error).to_have_text("")
        await expect(page.locator("#assignment-heading")).to_have_text("배정 결과: 제2회 면접")
        spread = page.locator("#spread .spread")
        await expect(spread).to_have_attribute("data-max", "2")
        await expect(spread).to_have_attribute("data-min", "2")
        second = page.locator('#panels-table tr[data-slot="2"]')
        await expect(second.locator('[data-kind="retired_official"]')).to_have_text("이퇴직")
        await expect(second.locator("td").nth(3)).to_have_text("c2, c3")
        await expect(page.locator("#list-status")).to_have_text("배정 1건")
        await at_both_sizes(page, "admin-panels", "the panel assignment and its spread")
    finally:
        await context.close()

    context = await phone(browser)
    try:
        page = await context.new_page()
        await page.goto(str(client.make_url("/login?next=/admin/exams/panels")))
        await sign_in(page, "hong", "correct horse battery")
        await page.wait_for_url(re.compile(r"/admin/exams/panels$"))
        await expect(page.get_by_role("heading", level=1)).to_have_text(KO["admin.refused.heading"])
        await expect(page.locator("main")).to_contain_text(KO["admin.refused.panels-exam-staff"])
    finally:
        await context.close()
