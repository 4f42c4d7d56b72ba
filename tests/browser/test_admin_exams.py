"""The exams page in a real browser: an exam officer goes from /home to /admin/exams, sees the
demo's 2020 rounds (17:1 and 62:1, "no data" where the seed has no figure), opens a round's
units, imports a unit's applicants from pasted CSV (a bad file first: the row errors are listed
and nothing is imported), and sees the candidates and the round's subjects. Every state passes
axe-core, is reachable by keyboard, has no sideways scroll on a phone and is photographed at
phone and desktop size. (Who may open the page: tests/exams/test_page.py.)"""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.exams.demo import load_exams
from tests.browser.test_admin_instructors import at_both_sizes
from tests.browser.test_login_home import catalog, link, phone, sign_in
from tests.conftest import AppClient, add_person

KO = {**catalog("ko", "common"), **catalog("ko", "home"), **catalog("ko", "admin"),
      **catalog("ko", "exams")}  # fmt: skip
BAD = "exam_no,name,residence\nA-1,김민지,서울\nA-1,이서준,경기\n"
GOOD = (
    "exam_no,name,residence,sat,written,interview,final\n"
    "A-1,김민지,서울,Y,Y,Y,Y\nA-2,이서준,경기,Y,N,,\n"
)


def round_row(page: Page, name: str) -> Page:
    return page.locator("#rounds-table tr", has_text=name)  # type: ignore[return-value]


async def test_an_exam_officer_reads_rounds_and_imports_applicants(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    async with client.app[DATABASE].unit_of_work() as session:
        await load_exams(session, clock.now())
    await add_person(client.app, "exam", [Role.EXAM_OFFICER], clock, name="시험담당 김")
    context = await phone(browser)
    try:
        page = await context.new_page()
        await page.goto(str(client.make_url("/login?next=/home")))
        await sign_in(page, "exam", "correct horse battery")
        await page.wait_for_url(re.compile(r"/home$"))
        await link(page.locator("#main-nav"), KO["home.exams"]).click()
        await page.wait_for_url(re.compile(r"/admin/exams$"))
        main = page.locator("main")
        await expect(main).to_have_attribute("data-state", "ready")
        await expect(page.locator("#rounds-status")).to_have_text("2020년 시험 4회차")
        first = page.locator("#rounds-table tbody tr").first
        await expect(first).to_contain_text("17:1")
        await expect(first).to_contain_text("47.4%")
        third = page.locator("#rounds-table tbody tr", has_text="제3회")
        await expect(third).to_contain_text("62:1")
        await expect(third.locator("td.no-data").first).to_have_text(KO["admin.no-data"])
        await at_both_sizes(page, "admin-exams", "the exam rounds")

        await third.get_by_role("button").click()
        await expect(page.locator("#units-status")).to_have_text("모집단위 35개")
        unit = page.locator("#units-table tbody tr").first
        await unit.get_by_role("button").click()
        await expect(page.locator("#candidates-status")).to_contain_text("응시자 0명")
        form = page.locator("#import-form")
        text = form.get_by_label(KO["exams.import.text"], exact=True)
        await text.fill(BAD)
        await form.get_by_role("button", name=KO["exams.import.submit"], exact=True).click()
        await expect(form.get_by_role("alert")).to_have_text(KO["exams.import.rejected"])
        await expect(page.locator("#import-errors tbody tr")).to_have_count(1)
        await expect(page.locator("#import-errors")).to_contain_text("already in the round")
        await expect(page.locator("#candidates-table tbody tr")).to_have_count(0)
        await at_both_sizes(page, "admin-exams-import", "a rejected import")

        await text.fill(GOOD)
        await form.get_by_role("button", name=KO["exams.import.submit"], exact=True).click()
        await expect(page.locator("#candidates-table tbody tr")).to_have_count(2)
        await expect(page.locator("#candidates-status")).to_have_text("2명을 가져왔습니다.")
        # the unit's figures now come from its candidates: 1 final of 9 planned
        await expect(page.locator("#units-table tbody tr").first).to_contain_text("11.1%")

        # the merged June round's subjects: 28 subjects, no errors (a real 0)
        await round_row(page, "병합").get_by_role("button").click()
        await expect(page.locator("#errors-status")).to_have_text(
            "과목 28개, 문항 560개, 오류 0건 (오류율 0.00%)"
        )
    finally:
        await context.close()
