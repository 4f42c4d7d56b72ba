"""The cohorts section in a real browser: an operator opens it from /admin, creates a cohort of
a course, generates its weekday sessions (09:00–17:00 Seoul, 7 teaching hours), adds a night
class across midnight, assigns an instructor to every session and opens applications; the page
links to the cohort's enrolment, completion and survey pages. The instructor then sees the
cohort, read-only. Each page passes axe-core (WCAG 2.2 AA), is reachable by keyboard, has no
sideways scroll on a phone, and is photographed at phone and desktop size."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from tests.browser.a11y import screenshot
from tests.browser.test_admin_instructors import at_both_sizes
from tests.browser.test_login_home import catalog, link, phone, sign_in
from tests.conftest import AppClient, add_person
from tests.lms.cohorts.helpers import make_course

KO = {
    **catalog("ko", "common"), **catalog("ko", "login"), **catalog("ko", "home"),
    **catalog("ko", "admin"), **catalog("ko", "cohorts"),
}  # fmt: skip
EN = {**catalog("en", "common"), **catalog("en", "admin"), **catalog("en", "cohorts")}


def say(key: str, **values: object) -> str:
    """A Korean message with its placeholders filled, as the page writes it."""
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), KO[key])


async def test_an_operator_creates_a_cohort_with_its_sessions_and_instructor(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    # the manual clock is Monday 2020-10-05 09:00 in Seoul
    await add_person(client.app, "hong", [Role.OPERATOR], clock, name="홍길동")
    await add_person(client.app, "lee", [Role.INSTRUCTOR], clock, name="이도윤")
    await make_course(client.app, year=2020, title="보고서 작성 실습", code="2020-R-01")

    context = await phone(browser)
    try:
        page = await context.new_page()
        await page.goto(str(client.make_url("/login?next=/admin")))
        await sign_in(page, "hong", "correct horse battery")
        await page.wait_for_url(re.compile(r"/admin$"))
        sections = page.get_by_role("navigation", name=KO["admin.sections"])
        await link(sections, KO["admin.section.cohorts"]).click()

        await page.wait_for_url(re.compile(r"/admin/cohorts$"))
        main = page.locator("main")
        await expect(main).to_have_attribute("data-state", "ready")
        await expect(page.get_by_role("heading", level=1)).to_have_text(KO["coh.heading"])
        await expect(page.locator("#list-status")).to_have_text(say("coh.found", count=0))

        # a cohort whose last day is before its first is refused in words, nothing is made
        form = page.locator("#create-form")
        await expect(form.get_by_label(KO["coh.field.year"], exact=True)).to_have_value("2020")
        await form.get_by_label(KO["coh.field.course-required"], exact=True).select_option(
            label="2020-R-01 보고서 작성 실습"
        )
        await form.get_by_label(KO["coh.field.starts-on"], exact=True).fill("2020-10-14")
        await form.get_by_label(KO["coh.field.ends-on"], exact=True).fill("2020-10-08")
        await form.get_by_label(KO["coh.field.capacity"], exact=True).fill("25")
        await form.get_by_role("button", name=KO["coh.create.submit"], exact=True).click()
        await expect(form.get_by_role("alert")).to_have_text(KO["coh.error.dates"])
        await at_both_sizes(page, "admin-cohorts-operator", "the cohorts list")

        # Thursday 8 to Wednesday 14 October
        await form.get_by_label(KO["coh.field.starts-on"], exact=True).fill("2020-10-08")
        await form.get_by_label(KO["coh.field.ends-on"], exact=True).fill("2020-10-14")
        await form.get_by_role("button", name=KO["coh.create.submit"], exact=True).click()
        await page.wait_for_url(re.compile(r"/admin/cohorts/\d+$"))
        cohort_id = page.url.rsplit("/", 1)[1]
        await expect(main).to_have_attribute("data-state", "ready")
        await expect(page.get_by_role("heading", level=1)).to_have_text("보고서 작성 실습 1기")
        await expect(page.locator("#fact-status dd")).to_have_text(KO["coh.status.planned"])
        await expect(page.locator("#fact-seats dd")).to_have_text(
            say("coh.seats", enrolled=0, capacity=25)
        )
        records = page.get_by_role("navigation", name=KO["coh.records"])
        for part in ("enrolment", "completion", "surveys"):
            key = f"coh.link.{part}"
            await expect(link(records, KO[key])).to_have_attribute(
                "href", f"/admin/cohorts/{cohort_id}/{part}"
            )
        await expect(page.locator("#sessions-list")).to_have_text(KO["coh.sessions.none"])

        # one session per weekday: the weekend of 10–11 October is skipped, and so is Friday 9,
        # Hangul Day; a closed day written wrongly is caught before anything is made
        generate = page.locator("#generate-form")
        make = generate.get_by_role("button", name=KO["coh.generate.submit"], exact=True)
        closed_days = generate.get_by_label(KO["coh.field.closed-days"], exact=True)
        await closed_days.fill("10/13")
        await make.click()
        await expect(generate.get_by_role("alert")).to_have_text(KO["coh.error.closed-days"])
        await expect(closed_days).to_be_focused()
        await closed_days.fill("")
        await make.click()
        await expect(page.locator("#sessions-status")).to_have_text(
            say("coh.generated", created=4, skipped=0, closed=1)
        )
        await expect(page.locator("#sessions-closed li")).to_have_text(["2020. 10. 9. 한글날"])
        rows = page.locator("#sessions-list tbody tr")
        await expect(rows).to_have_count(4)
        # this course teaches on Hangul Day after all
        await generate.get_by_label(KO["coh.field.skip-holidays"], exact=True).uncheck()
        await make.click()
        await expect(page.locator("#sessions-status")).to_have_text(
            say("coh.generated", created=1, skipped=4, closed=0)
        )
        await expect(page.locator("#sessions-closed")).to_be_hidden()
        await expect(rows).to_have_count(5)
        await expect(rows.first).to_contain_text(say("coh.times", start="09:00", end="17:00"))
        await expect(rows.first).to_contain_text(say("admin.hours", hours=7))
        await expect(rows.first).to_contain_text(KO["coh.kind.live"])
        await expect(rows.nth(2)).to_contain_text("10. 12.")  # Monday after the weekend

        # a night class on Saturday, 22:00 to 01:00: three hours, ending the next day
        night = page.locator("#session-form")
        await night.get_by_label(KO["coh.field.day"], exact=True).fill("2020-10-10")
        await night.get_by_label(KO["coh.field.start"], exact=True).fill("22:00")
        await night.get_by_label(KO["coh.field.end"], exact=True).fill("01:00")
        await night.get_by_label(KO["coh.field.kind"], exact=True).select_option(
            label=KO["coh.kind.in-person"]
        )
        await night.get_by_label(KO["coh.field.title"], exact=True).fill("야간 특강")
        await night.get_by_role("button", name=KO["coh.session.add.submit"], exact=True).click()
        await expect(rows).to_have_count(6)
        special = rows.filter(has_text="야간 특강")
        await expect(special).to_contain_text(
            say("coh.times.overnight", start="22:00", end="01:00")
        )
        await expect(special).to_contain_text(say("admin.hours", hours=3))
        await expect(special).to_contain_text(KO["coh.kind.in-person"])
        await expect(page.locator("#sessions-status")).to_have_text(
            say("coh.sessions.count", count=6, hours=38)
        )

        # the instructor on every class at once; nobody chosen is refused first
        staff = page.locator("#staff-form")
        await staff.get_by_role("button", name=KO["coh.staff.submit"], exact=True).click()
        await expect(staff.get_by_role("alert")).to_have_text(KO["coh.error.person"])
        await staff.get_by_label(KO["coh.field.person"], exact=True).select_option(
            label="이도윤 (lee)"
        )
        await staff.get_by_role("button", name=KO["coh.staff.submit"], exact=True).click()
        await expect(page.locator("#staff-status")).to_have_text(
            say("coh.staff.assigned", name="이도윤 (lee)", count=6)
        )
        line = say("coh.staff.line", name="이도윤", role=KO["coh.role.instructor"])
        await expect(rows.filter(has_text=line)).to_have_count(6)

        await page.get_by_role("button", name=KO["coh.to.open"], exact=True).click()
        await expect(page.locator("#status-result")).to_have_text(
            say("coh.status.changed", status=KO["coh.status.open"])
        )
        await expect(page.locator("#fact-status dd")).to_have_text(KO["coh.status.open"])
        await expect(
            page.get_by_role("button", name=KO["coh.to.running"], exact=True)
        ).to_be_visible()

        await at_both_sizes(page, "admin-cohort-operator", "a cohort with its sessions")
        await page.get_by_role("button", name="English", exact=True).click()
        await expect(page.locator("#fact-status dd")).to_have_text(EN["coh.status.open"])
        await expect(special).to_contain_text("22:00–01:00 next day")
        await screenshot(page, "admin-cohort-operator-en-phone")
    finally:
        await context.close()

    # the instructor sees the cohort they teach, and nothing to change
    context = await phone(browser)
    try:
        page = await context.new_page()
        await page.goto(str(client.make_url("/login?next=/admin/cohorts")))
        await sign_in(page, "lee", "correct horse battery")
        await page.wait_for_url(re.compile(r"/admin/cohorts$"))
        await expect(page.locator("main")).to_have_attribute("data-state", "ready")
        await expect(page.locator("#read-only")).to_be_visible()
        await expect(page.locator("#create")).to_be_hidden()
        await expect(page.locator("#list tbody tr")).to_have_count(1)
        await link(page.locator("#list"), "1기").click()
        await page.wait_for_url(re.compile(rf"/admin/cohorts/{cohort_id}$"))
        await expect(page.locator("main")).to_have_attribute("data-state", "ready")
        await expect(page.locator("#sessions-list tbody tr")).to_have_count(6)
        await expect(
            page.locator("#generate-form, #session-form, #edit-form, #staff")
        ).to_have_count(4)
        for part in ("#generate-form", "#session-form", "#edit-form", "#staff", "#status-part"):
            await expect(page.locator(part)).to_be_hidden()
        await expect(page.locator("#sessions-list button")).to_have_count(0)
        await at_both_sizes(page, "admin-cohort-instructor", "a cohort, read by its instructor")
    finally:
        await context.close()
