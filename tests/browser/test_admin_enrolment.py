"""A cohort's enrolment page in a real browser: an operator approves applications up to
capacity, the next goes to the waitlist, cancels one with a reason (refused without one) and
sees the waitlisted trainee promoted; records an accommodation and enrols by log-in name (an
unknown name refuses the whole list). The cohort's instructor reads the same list without
the controls; a trainee is refused the page. axe-core clean, keyboard reachable, no sideways
scroll on a phone, photographed at phone and desktop size, Korean and English."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from tests.browser.a11y import assert_accessible, screenshot
from tests.browser.test_admin_instructors import at_both_sizes
from tests.browser.test_login_home import catalog, phone, sign_in
from tests.conftest import AppClient, add_person
from tests.lms.enrolment.helpers import open_cohort, trainees
from tests.lms.instructors.helpers import add_session, kst

KO = {**catalog("ko", "common"), **catalog("ko", "admin"), **catalog("ko", "enrolment")}
EN = {**catalog("en", "common"), **catalog("en", "admin"), **catalog("en", "enrolment")}
PASSWORD = "correct horse battery"


def say(key: str, **values: object) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), KO[key])


async def test_an_operator_approves_to_capacity_and_a_cancellation_promotes_the_waitlist(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    await add_person(client.app, "hong", [Role.OPERATOR], clock, name="홍길동")
    teacher = await add_person(client.app, "teacher", [Role.INSTRUCTOR], clock, name="이도윤")
    run = await open_cohort(client.app, capacity=2)
    await add_session(client.app, run, kst(2020, 10, 12, 9), minutes=420,
                      instructors=(teacher.id,))  # fmt: skip
    ts = await trainees(client, clock, ["kim", "lee", "park", "choi"])
    for login in ("kim", "lee", "park"):
        await ts[login].caller.post(f"/cohorts/{run.cohort_id}/applications", None)
    url = str(client.make_url(f"/admin/cohorts/{run.cohort_id}/enrolment"))

    context = await phone(browser)
    try:
        page = await context.new_page()
        await page.goto(
            str(client.make_url(f"/login?next=/admin/cohorts/{run.cohort_id}/enrolment"))
        )
        await sign_in(page, "hong", PASSWORD)
        await page.wait_for_url(url)
        main = page.locator("main")
        await expect(main).to_have_attribute("data-state", "ready")
        await expect(page.get_by_role("heading", level=1)).to_have_text(KO["enr.heading"])
        summary = page.locator("#cohort-summary")
        await expect(summary).to_contain_text("정원 2명, 승인 0명, 대기 0명")
        status = page.locator("#list-status")

        def row(login: str):  # type: ignore[no-untyped-def]
            return page.locator(f'#list-table tr[data-login="{login}"]')

        approve_dialog = page.get_by_role("dialog", name=KO["enr.approve.title"])
        for login in ("kim", "lee", "park"):
            name = f"{login.title()} ({login})"
            await row(login).get_by_role("button", name=say("enr.approve.label", name=name)).click()
            await expect(approve_dialog).to_be_visible()
            await approve_dialog.get_by_role("button", name=KO["enr.approve.submit"]).click()
            await expect(approve_dialog).to_be_hidden()
        await expect(status).to_have_text(say("enr.waitlisted", name="Park (park)", n=1))
        await expect(row("kim")).to_have_attribute("data-status", "approved")
        await expect(row("lee")).to_have_attribute("data-status", "approved")
        await expect(row("park")).to_have_attribute("data-status", "waitlisted")
        await expect(row("park")).to_contain_text(say("enr.waitlist-place", n=1))
        await expect(summary).to_contain_text("정원 2명, 승인 2명, 대기 1명")

        # a cancellation needs a reason: refused in words, nothing changes
        await (
            row("kim").get_by_role("button", name=say("enr.cancel.label", name="Kim (kim)")).click()
        )
        cancel_dialog = page.get_by_role("dialog", name=KO["enr.cancel.title"])
        await expect(cancel_dialog.get_by_label(KO["enr.cancel.reason"])).to_be_focused()
        await assert_accessible(page, context="the cancel dialog")
        await screenshot(page, "admin-enrolment-cancel-dialog-phone")
        await cancel_dialog.get_by_role("button", name=KO["enr.cancel.submit"]).click()
        await expect(cancel_dialog.get_by_role("alert")).to_have_text(KO["enr.cancel.error.reason"])
        await expect(row("kim")).to_have_attribute("data-status", "approved")
        await cancel_dialog.get_by_label(KO["enr.cancel.reason"]).select_option("illness")
        await cancel_dialog.get_by_label(KO["enr.cancel.note"]).fill("입원")
        await cancel_dialog.get_by_role("button", name=KO["enr.cancel.submit"]).click()
        await expect(cancel_dialog).to_be_hidden()
        await expect(status).to_have_text(
            say("enr.promoted", name="Kim (kim)", promoted="Park (park)")
        )
        await expect(row("kim")).to_have_attribute("data-status", "cancelled")
        await expect(row("kim")).to_contain_text(KO["enr.reason.illness"])
        await expect(row("kim")).to_contain_text("입원")
        await expect(row("park")).to_have_attribute("data-status", "approved")
        await expect(summary).to_contain_text("정원 2명, 승인 2명, 대기 0명")

        # an accommodation for lee: asked for, then arranged
        await row("lee").get_by_role("button", name=say("enr.aids.label", name="Lee (lee)")).click()
        aids = page.get_by_role("dialog", name=KO["enr.aids.title"])
        await aids.get_by_label(KO["enr.aids.kind"]).select_option("stenographer")
        await aids.get_by_label(KO["enr.aids.new-note"]).fill("실시간 자막")
        await aids.get_by_role("button", name=KO["enr.aids.add.submit"]).click()
        kind = KO["enr.aid.stenographer"]
        await expect(aids.locator("#aids-status")).to_have_text(say("enr.aids.added", kind=kind))
        await aids.get_by_label(say("enr.aids.status", kind=kind)).select_option("arranged")
        await aids.get_by_role("button", name=say("enr.aids.save", kind=kind)).click()
        await expect(aids.locator("#aids-status")).to_have_text(say("enr.aids.saved", kind=kind))
        await aids.get_by_role("button", name=KO["enr.dialog.close"]).click()
        await expect(aids).to_be_hidden()
        await expect(row("lee")).to_contain_text(f"{kind}: {KO['enr.aid-status.arranged']}")

        # direct enrolment: an unknown name refuses the list; then choi goes to the waitlist
        bulk = page.locator("#bulk-form")
        await bulk.get_by_label(KO["enr.bulk.logins"]).fill("choi\nnobody")
        await bulk.get_by_role("button", name=KO["enr.bulk.submit"]).click()
        await expect(bulk.get_by_role("alert")).to_have_text(
            say("enr.bulk.unknown", logins="nobody")
        )
        await expect(row("choi")).to_have_count(0)
        await bulk.get_by_label(KO["enr.bulk.logins"]).fill("choi")
        await bulk.get_by_role("button", name=KO["enr.bulk.submit"]).click()
        await expect(page.locator("#bulk-status")).to_contain_text(
            say("enr.bulk.waitlisted", logins="choi")
        )
        await expect(row("choi")).to_have_attribute("data-status", "waitlisted")

        # the status filter
        await page.get_by_label(KO["enr.filter.status"], exact=True).select_option("cancelled")
        await page.get_by_role("button", name=KO["enr.filter.submit"], exact=True).click()
        await expect(page.locator("#list-table tbody tr")).to_have_count(1)
        await expect(row("kim")).to_be_visible()
        await page.get_by_label(KO["enr.filter.status"], exact=True).select_option("")
        await page.get_by_role("button", name=KO["enr.filter.submit"], exact=True).click()
        await expect(page.locator("#list-table tbody tr")).to_have_count(4)

        await at_both_sizes(page, "admin-enrolment-operator", "the enrolment page, filled")
        await page.get_by_role("button", name="English", exact=True).click()
        await expect(page.locator("html")).to_have_attribute("lang", "en")
        await expect(page.get_by_role("heading", level=1)).to_have_text(EN["enr.heading"])
        await expect(row("kim")).to_contain_text(EN["enr.reason.illness"])
        await screenshot(page, "admin-enrolment-operator-en-phone")
    finally:
        await context.close()

    # the cohort's instructor reads the list, without the controls
    context = await phone(browser)
    try:
        page = await context.new_page()
        await page.goto(
            str(client.make_url(f"/login?next=/admin/cohorts/{run.cohort_id}/enrolment"))
        )
        await sign_in(page, "teacher", PASSWORD)
        await page.wait_for_url(url)
        await expect(page.locator("main")).to_have_attribute("data-state", "ready")
        await expect(page.locator("#read-only")).to_be_visible()
        await expect(page.locator("#list-table tbody tr")).to_have_count(4)
        await expect(page.locator("#list-table button")).to_have_count(0)
        await expect(page.locator("#bulk")).to_be_hidden()
        await at_both_sizes(page, "admin-enrolment-instructor", "the enrolment page, read only")
    finally:
        await context.close()

    # a trainee is refused the page, in Korean and English
    context = await phone(browser)
    try:
        page = await context.new_page()
        await page.goto(
            str(client.make_url(f"/login?next=/admin/cohorts/{run.cohort_id}/enrolment"))
        )
        await sign_in(page, "kim", PASSWORD)
        await page.wait_for_url(url)
        await expect(page.locator("main")).to_contain_text(KO["admin.refused.completion-staff"])
        await expect(page.locator("main")).to_contain_text(EN["admin.refused.completion-staff"])
    finally:
        await context.close()
