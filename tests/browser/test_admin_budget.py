"""The budget in a real browser: an operator goes from /admin to the budget section, sees the
demo's 2020 lines, opens the execution report for 30 September through the page's link and
finds the seed's totals (15,534,973 thousand won, △1,029,626, △6.2%, 56.3% executed), comes
back, chooses a line and adds a supplementary budget (a refused transfer first: the form says
why and nothing changes), and records a ledger entry and its correction. Every state passes
axe-core, is reachable by keyboard, has no sideways scroll on a phone and is photographed at
phone and desktop size. (Who may open the page: tests/budget/test_page.py.)"""

from __future__ import annotations

import re

from playwright.async_api import Browser, Locator, Page, expect

from server.budget.demo import load_budget
from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from tests.browser.a11y import assert_accessible
from tests.browser.test_admin_instructors import at_both_sizes
from tests.browser.test_login_home import catalog, link, phone, sign_in
from tests.conftest import AppClient, add_person

KO = {
    **catalog("ko", "common"), **catalog("ko", "home"), **catalog("ko", "admin"),
    **catalog("ko", "budget"), **catalog("ko", "reports"),
}  # fmt: skip
EN = {**catalog("en", "common"), **catalog("en", "admin"), **catalog("en", "budget")}


def line_row(page: Page, code: str) -> Locator:
    return page.locator(f'#lines-table tr[data-code="{code}"]')


def report_cell(page: Page, key: str, column: str) -> Locator:
    return page.locator(f'#report-body tr[data-key="{key}"] [data-column="{column}"]')


async def test_an_operator_reads_the_execution_report_and_amends_a_line(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    # the manual clock is 2020-10-05 in Seoul: the page shows 2020 as of today by default
    async with client.app[DATABASE].unit_of_work() as session:
        await load_budget(session, clock.now())
    await add_person(client.app, "hong", [Role.OPERATOR], clock, name="홍길동")

    context = await phone(browser)
    try:
        page = await context.new_page()
        await page.goto(str(client.make_url("/login?next=/admin")))
        await sign_in(page, "hong", "correct horse battery")
        await page.wait_for_url(re.compile(r"/admin$"))
        main = page.locator("main")
        await expect(main).to_have_attribute("data-state", "ready")
        sections = page.get_by_role("navigation", name=KO["admin.sections"])
        await link(sections, KO["admin.section.budget"]).click()

        await page.wait_for_url(re.compile(r"/admin/budget$"))
        await expect(main).to_have_attribute("data-state", "ready")
        await expect(page.get_by_role("heading", level=1)).to_have_text(KO["budget.heading"])
        total = line_row(page, "total")
        await expect(total.locator('[data-column="budget"]')).to_have_text("15,534,973,000원")
        await expect(total.locator('[data-column="expenditure_rate"]')).to_have_text("56.3%")
        await expect(total.locator('[data-column="forecast"]')).to_have_text(KO["admin.no-data"])
        assessment = line_row(page, "assessment")
        await expect(assessment.locator('[data-column="forecast"]')).to_have_text("1,350,000,000원")
        await at_both_sizes(page, "admin-budget", "the budget lines")

        # the report, through the page's link, as of the seed's day
        form = page.locator("#year-form")
        await form.get_by_label(KO["budget.as-of"], exact=True).fill("2020-09-30")
        await form.get_by_role("button", name=KO["budget.show"], exact=True).click()
        await expect(page.locator("#lines-status")).to_have_text("2020년 예산, 2020-09-30 기준")
        await link(form, KO["budget.report"]).click()
        await page.wait_for_url(
            re.compile(r"/reports/budget-execution\?year=2020&as_of=2020-09-30$")
        )
        await expect(main).to_have_attribute("data-state", "ready")
        await expect(page.get_by_role("heading", level=1)).to_have_text("예산 집행 현황")
        await expect(report_cell(page, "total", "previous_budget")).to_have_text("16,564,599")
        await expect(report_cell(page, "total", "budget")).to_have_text("15,534,973")
        await expect(report_cell(page, "total", "change")).to_have_text("△1,029,626")
        await expect(report_cell(page, "total", "change_rate")).to_have_text("△6.2%")
        await expect(report_cell(page, "total", "expenditures")).to_have_text("8,745,807")
        await expect(report_cell(page, "total", "expenditure_rate")).to_have_text("56.3%")
        await expect(report_cell(page, "programmes", "expenditures")).to_have_text("8,331,316")
        await expect(report_cell(page, "elearning-content", "change_rate")).to_have_text("226.0%")
        await expect(report_cell(page, "total", "forecast")).to_have_text(KO["reports.no-data"])
        await expect(page.locator('#report-body tr[data-key="total"]')).to_have_class(
            re.compile(r"\blevel-total\b")
        )
        await assert_accessible(page, context="the budget execution report, on a phone")

        # back on the budget page: a line's amendments
        await page.go_back()
        await page.wait_for_url(re.compile(r"/admin/budget$"))
        await expect(main).to_have_attribute("data-state", "ready")
        meals = line_row(page, "meals")
        await meals.get_by_role("button", name="교육생 급식지원", exact=True).click()
        await expect(page.locator("#line-heading")).to_have_text("사업 상세: 교육생 급식지원")
        await expect(page.locator("#amendments-list")).to_have_text(KO["budget.amendments.none"])
        amend = page.locator("#amendment-form")
        kind = amend.get_by_label(KO["budget.amendment.kind"], exact=True)
        await kind.select_option("transfer")
        await amend.get_by_label(KO["budget.field.effective-on"], exact=True).fill("2020-09-01")
        amount = amend.get_by_label(KO["budget.field.amount-signed"], exact=True)
        await amount.fill("1000000")
        reason = amend.get_by_label(KO["budget.field.reason"], exact=True)
        await reason.fill("급식 단가 인상")
        submit = amend.get_by_role("button", name=KO["budget.amendment.submit"], exact=True)
        await submit.click()  # a transfer with no receiving line: refused, nothing recorded
        await expect(amend.get_by_role("alert")).to_contain_text("to_line_id")
        await expect(page.locator("#amendments-list")).to_have_text(KO["budget.amendments.none"])
        await kind.select_option("supplementary")
        await submit.click()
        await expect(page.locator("#line-status")).to_have_text(KO["budget.amendment.saved"])
        await expect(page.locator("#amendments-list tbody tr")).to_have_count(1)
        await expect(page.locator("#amendments-list")).to_contain_text("급식 단가 인상")
        await expect(meals.locator('[data-column="budget"]')).to_have_text("459,912,000원")

        # a ledger entry, then a correction (entries are never edited)
        entry = page.locator("#entry-form")
        await entry.get_by_label(KO["budget.field.entry-on"], exact=True).fill("2020-09-28")
        await entry.get_by_label(KO["budget.field.amount"], exact=True).fill("2000000")
        await entry.get_by_label(KO["budget.field.counterparty"], exact=True).fill("급식 위탁업체")
        await entry.get_by_role("button", name=KO["budget.entry.submit"], exact=True).click()
        await expect(page.locator("#line-status")).to_have_text(KO["budget.entry.saved"])
        fix = page.locator("#correction-form")
        choice = fix.get_by_label(KO["budget.field.entry"], exact=True)
        added = choice.locator("option", has_text="2,000,000원")  # "원인행위 #n · date · amount"
        await choice.select_option(await added.get_attribute("value"))
        await fix.get_by_label(KO["budget.field.entry-on"], exact=True).fill("2020-09-29")
        await fix.get_by_label(KO["budget.field.amount-signed"], exact=True).fill("-500000")
        await fix.get_by_label(KO["budget.field.reason"], exact=True).fill("과다 계상 정정")
        await fix.get_by_role("button", name=KO["budget.correction.submit"], exact=True).click()
        await expect(page.locator("#line-status")).to_have_text(KO["budget.correction.saved"])
        await expect(page.locator("#ledger-list")).to_contain_text("과다 계상 정정")
        # 59,436,000 spent by September plus the new 2,000,000 less 500,000
        await expect(meals.locator('[data-column="expenditures"]')).to_have_text(
            "59,436,000원"
        )  # the entry was a commitment (the form's first kind), not an expenditure
        await expect(meals.locator('[data-column="commitments"]')).to_have_text("60,936,000원")
        await at_both_sizes(page, "admin-budget-line", "a budget line's amendments and ledger")

        # English on request
        await page.get_by_role("button", name="English", exact=True).click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(EN["budget.heading"])
        await expect(total.locator('[data-column="forecast"]')).to_have_text(EN["admin.no-data"])
    finally:
        await context.close()
