"""The catalog section in a real browser: an operator opens /admin/catalog from the
administration shell, sees the demo's 2020 courses by area with the revised figures that differ
from the original marked as changed, revises a course's plan with a reason (refused without
one) and finds the change in the course's history with her name, then adds a course; the page
passes axe-core, is reachable by keyboard, has no sideways scroll on a phone and is
photographed at phone and desktop size; English words too; a trainee is refused the page."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.lms import demo
from tests.browser.a11y import assert_accessible, screenshot
from tests.browser.test_admin_instructors import at_both_sizes
from tests.browser.test_login_home import catalog, link, phone, sign_in
from tests.conftest import AppClient, add_person

KO = {
    **catalog("ko", "common"), **catalog("ko", "login"), **catalog("ko", "admin"),
    **catalog("ko", "catalog"),
}  # fmt: skip
EN = {**catalog("en", "common"), **catalog("en", "admin"), **catalog("en", "catalog")}

CHANGED = "2020-C-by_position-01"  # 과장 리더십 과정: original 8 runs 292 people, revised 6 / 199
SAME = "2020-E-by_position-01"  # always open, 1,042 people in both plans


def say(key: str, **values: object) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), KO[key])


def figures(runs: int, people: int) -> str:
    return say("cat.figures", runs=say("cat.runs", runs=runs), people=f"{people:,}")


async def test_an_operator_revises_a_plan_with_a_reason_and_sees_it_in_the_history(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    # the manual clock is 2020-10-05 in Seoul: the page opens on 2020, the demo's year
    async with client.app[DATABASE].unit_of_work() as session:
        courses = await demo.load_catalog(session)
    await add_person(client.app, "hong", [Role.OPERATOR], clock, name="홍길동")
    context = await phone(browser)
    try:
        page = await context.new_page()
        await page.goto(str(client.make_url("/login?next=/admin")))
        await sign_in(page, "hong", "correct horse battery")
        await page.wait_for_url(re.compile(r"/admin$"))
        await expect(page.locator("main")).to_have_attribute("data-state", "ready")
        sections = page.get_by_role("navigation", name=KO["admin.sections"])
        await link(sections, KO["admin.section.catalog"]).click()

        await page.wait_for_url(re.compile(r"/admin/catalog$"))
        await expect(page.locator("main")).to_have_attribute("data-state", "ready")
        await expect(page.get_by_role("heading", level=1)).to_have_text(KO["cat.heading"])
        await expect(page.get_by_label(KO["cat.year"], exact=True).first).to_have_value("2020")
        await expect(page.locator("#catalog-status")).to_contain_text(f"과정 {courses}개")

        # the leadership area: the changed course is marked, the unchanged one is not
        leadership = page.locator('details[data-area="leadership"]')
        await leadership.locator("summary").click()
        changed = leadership.locator(f'tr[data-code="{CHANGED}"]')
        cells = changed.locator("td")
        await expect(cells.nth(1)).to_have_text(figures(8, 292))
        await expect(cells.nth(2)).to_have_text(figures(6, 199) + KO["cat.changed"])
        await expect(cells.nth(2)).to_have_attribute("data-changed", "runs people")
        same = leadership.locator(f'tr[data-code="{SAME}"] td').nth(2)
        await expect(same).to_have_text(
            say("cat.figures", runs=KO["cat.always-open"], people="1,042")
        )
        await expect(same).not_to_have_attribute("data-changed", re.compile(".*"))

        # its plans and the demo's history (loaded, so no author)
        await changed.get_by_role(
            "button", name=say("cat.choose.label", title="과장 리더십 과정")
        ).click()
        course = page.locator("#course")
        await expect(course).to_be_focused()
        await expect(course.get_by_role("heading", level=2)).to_have_text(
            f"{CHANGED} 과장 리더십 과정"
        )
        history = course.locator("#history tbody tr")
        await expect(history).to_have_count(2)
        await expect(history.nth(0)).to_contain_text("2020 코로나19 대응 계획 변경")
        await expect(history.nth(0)).to_contain_text(KO["cat.history.loaded"])

        # no reason: refused, nothing recorded
        form = page.locator("#plan-form")
        await expect(form.get_by_label(KO["cat.plan.version"])).to_have_value("revised")
        await expect(form.get_by_label(KO["cat.plan.runs"], exact=True)).to_have_value("6")
        await form.get_by_label(KO["cat.plan.people"], exact=True).fill("220")
        submit = form.get_by_role("button", name=KO["cat.plan.submit"], exact=True)
        await submit.click()
        await expect(form.get_by_role("alert")).to_have_text(KO["cat.error.plan"])
        await expect(form.get_by_label(KO["cat.plan.reason"])).to_be_focused()
        await expect(history).to_have_count(2)

        await form.get_by_label(KO["cat.plan.reason"]).fill("수요 증가로 인원 확대")
        await submit.click()
        await expect(history).to_have_count(3)
        newest = history.nth(0).locator("td")
        await expect(newest.nth(1)).to_have_text(KO["cat.version.revised"])
        await expect(newest.nth(2)).to_have_text(f"{figures(6, 199)} → {figures(6, 220)}")
        await expect(newest.nth(3)).to_have_text("수요 증가로 인원 확대")
        await expect(newest.nth(4)).to_have_text("홍길동")
        await expect(form.locator(".form-error")).to_have_text("")
        await expect(cells.nth(2)).to_have_text(figures(6, 220) + KO["cat.changed"])
        await expect(page.locator("#history-status")).to_have_text(
            say("cat.history.found", count=3)
        )

        await at_both_sizes(page, "admin-catalog", "the catalog with a course's history")

        # a new course: chosen at once, with no plan (no data) and no history yet
        add = page.locator("#course-form")
        await add.get_by_label(KO["cat.field.code"], exact=True).fill("2020-C-by_grade-09")
        await add.get_by_label(KO["cat.field.title"], exact=True).fill("4급 승진자 과정")
        await add.get_by_label(KO["cat.field.sub-area"], exact=True).select_option(label="직급")
        await add.get_by_role("button", name=KO["cat.create.submit"], exact=True).click()
        await expect(course.get_by_role("heading", level=2)).to_have_text(
            "2020-C-by_grade-09 4급 승진자 과정"
        )
        await expect(course.locator('dd[data-version="original"]')).to_have_text(
            KO["admin.no-data"]
        )
        await expect(page.locator("#history-status")).to_have_text(
            say("cat.history.found", count=0)
        )
        await expect(page.locator("#catalog-status")).to_contain_text(f"과정 {courses + 1}개")
        # the same code again: a conflict, said in words
        await add.get_by_label(KO["cat.field.code"], exact=True).fill("2020-C-by_grade-09")
        await add.get_by_label(KO["cat.field.title"], exact=True).fill("또 다른 과정")
        await add.get_by_label(KO["cat.field.sub-area"], exact=True).select_option(label="직급")
        await add.get_by_role("button", name=KO["cat.create.submit"], exact=True).click()
        await expect(add.get_by_role("alert")).to_contain_text("2020-C-by_grade-09")
        await expect(page.locator("#catalog-status")).to_contain_text(f"과정 {courses + 1}개")

        await page.get_by_role("button", name="English").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(EN["cat.heading"])
        await expect(page.locator("#history-status")).to_have_text(
            EN["cat.history.found"].replace("{count}", "0")
        )
        await assert_accessible(page, context="the catalog in English")
        await screenshot(page, "admin-catalog-en-phone")
    finally:
        await context.close()


async def test_a_trainee_is_refused_the_catalog_page(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    await add_person(client.app, "kim", [Role.TRAINEE], clock, name="김민지")
    context = await phone(browser)
    try:
        page = await context.new_page()
        await page.goto(str(client.make_url("/login?next=/admin/catalog")))
        await sign_in(page, "kim", "correct horse battery")
        await page.wait_for_url(re.compile(r"/admin/catalog$"))
        main = page.locator("main")
        await expect(main).to_contain_text(KO["admin.refused.staff-only"])
        await expect(page.locator("#areas, #plan-form")).to_have_count(0)
        response = await page.goto(str(client.make_url("/admin/catalog")))
        assert response is not None
        assert response.status == 403
    finally:
        await context.close()
