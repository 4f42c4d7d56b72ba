"""Surveys in a real browser: an operator starts a satisfaction survey from the template (the
cohort's instructor asked about by name), edits the draft and opens it; a trainee answers it
on a phone (5-point items as radio groups, by touch and by arrow keys, and free text), is
thanked, and finds it answered when coming back; the operator's page shows the response count
"in progress" (live, with no score anywhere), then after closing the mean per item and the
free text without names; a second trainee finds the survey closed. Every state passes axe-core,
is reached by keyboard, has no sideways scroll on a phone and is photographed at phone and
desktop size; the page also speaks English."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.keys import DATABASE
from server.lms.models import Instructor, StaffRole
from tests.browser.test_admin_instructors import at_both_sizes
from tests.browser.test_login_home import catalog, phone, sign_in
from tests.conftest import PASSWORD, AppClient, add_person
from tests.factories import make_class

KO = {**catalog("ko", "common"), **catalog("ko", "admin"), **catalog("ko", "surveys")}
EN = {**catalog("en", "common"), **catalog("en", "admin"), **catalog("en", "surveys")}
TITLE = "보고서 작성 과정 만족도"
LIVE = 15_000  # ms: the operator's page asks for the count every 5 s


def say(key: str, **values: object) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), KO[key])


async def signed_in(browser: Browser, client: AppClient, login: str, path: str) -> Page:
    context = await phone(browser)
    page = await context.new_page()
    await page.goto(str(client.make_url(f"/login?next={path}")))
    await sign_in(page, login, PASSWORD)
    await page.wait_for_url(re.compile(re.escape(path) + "$"))
    return page


async def test_a_survey_from_template_to_results(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    app = client.app
    await add_person(app, "hong", [Role.OPERATOR], clock, name="홍길동")
    kim = await add_person(app, "kim", [Role.TRAINEE], clock, name="김민지")
    lee = await add_person(app, "lee", [Role.TRAINEE], clock, name="이서준")
    park = await add_person(app, "park", [Role.INSTRUCTOR], clock, name="박강사")
    klass = await make_class(app, clock, trainees=[kim.id, lee.id],
                             staff={StaffRole.INSTRUCTOR: park.id})  # fmt: skip
    async with app[DATABASE].unit_of_work() as session:
        session.add(Instructor(user_id=park.id, name="박강사", grade="1급", internal=False))
    admin_path = f"/admin/cohorts/{klass.cohort_id}/surveys"

    ops = await signed_in(browser, client, "hong", admin_path)
    await expect(ops.locator("main")).to_have_attribute("data-state", "ready")
    await expect(ops.get_by_role("heading", level=1)).to_have_text(KO["sv.heading"])
    await expect(ops.locator("#survey-list")).to_have_text(KO["sv.none"])

    # start from the template: the course's questions, one about 박강사, free text
    await ops.get_by_label(KO["sv.kind"], exact=True).select_option("satisfaction")
    await ops.get_by_role("button", name=KO["sv.template.load"], exact=True).click()
    editor = ops.locator("#editor")
    await expect(editor).to_be_visible()
    await expect(ops.get_by_label(say("sv.item.prompt", n=4), exact=True)).to_have_value(
        "박강사 강사의 강의에 만족하십니까?"
    )
    await expect(editor).to_contain_text(KO["sv.item.about-instructor"])
    await at_both_sizes(ops, "surveys-editor", "the survey editor")
    await ops.get_by_label(KO["sv.title"], exact=True).fill(TITLE)
    await ops.get_by_role("button", name=say("sv.item.remove.label", n=3), exact=True).click()
    await expect(ops.locator("#editor-items > li")).to_have_count(4)
    await ops.get_by_role("button", name=KO["sv.editor.save"], exact=True).click()
    await expect(ops.locator("#list-status")).to_have_text(say("sv.saved", title=TITLE))
    card = ops.locator("article.survey", has_text=TITLE)
    await expect(card).to_have_attribute("data-status", "draft")
    await expect(card.locator(".live")).to_have_text(say("sv.draft.items", count=4))
    await card.get_by_role("button", name=say("sv.open.label", title=TITLE)).click()
    await expect(ops.locator("#list-status")).to_have_text(say("sv.opened", title=TITLE))
    await expect(card).to_have_attribute("data-status", "open")
    await expect(card.locator(".live")).to_have_text(
        say("sv.live", responses=0, invited=2, rate="0.0%")
    )
    survey_id = await card.get_attribute("data-survey")

    # the trainee answers on a phone
    form_path = f"/surveys/{survey_id}"
    trainee = await signed_in(browser, client, "kim", form_path)
    await expect(trainee.locator("main")).to_have_attribute("data-state", "ready")
    await expect(trainee.get_by_role("heading", level=1)).to_have_text(TITLE)
    groups = trainee.get_by_role("group")
    first = groups.filter(has_text="1. 교육 내용은 전반적으로")
    await first.get_by_role("radio", name=f"5 {KO['sv.form.point.5']}").check()
    second = groups.filter(has_text="2. 교육 내용은 업무에")
    await second.get_by_role("radio", name=f"1 {KO['sv.form.point.1']}").focus()
    for _ in range(3):  # the arrow keys move within a radio group
        await trainee.keyboard.press("ArrowRight")
    await expect(second.get_by_role("radio", name=f"4 {KO['sv.form.point.4']}")).to_be_checked()
    await trainee.get_by_label(re.compile("^4\\. 과정에 대해")).fill("실습이 많아 좋았습니다")
    await at_both_sizes(trainee, "survey-form", "the trainee's survey form")
    await trainee.get_by_role("button", name=KO["sv.form.submit"], exact=True).click()
    await expect(trainee.locator("#survey-state")).to_have_text(KO["sv.form.thanks"])
    await expect(trainee.locator("#survey-form")).to_be_hidden()
    await expect(trainee.get_by_role("heading", level=1)).to_be_focused()
    await at_both_sizes(trainee, "survey-thanks", "the thank-you state")
    await trainee.reload()
    await expect(trainee.locator("#survey-state")).to_have_text(KO["sv.form.answered"])

    # the operator's page counts the response while open, and shows no score
    await expect(card.locator(".live")).to_have_text(
        say("sv.live", responses=1, invited=2, rate="50.0%"), timeout=LIVE
    )
    await expect(ops.locator(".results, .mean")).to_have_count(0)
    await card.get_by_role("button", name=say("sv.close.label", title=TITLE)).click()
    await expect(ops.locator("#list-status")).to_have_text(say("sv.closed", title=TITLE))
    await expect(card.locator(".live")).to_have_text(
        say("sv.closed.line", responses=1, invited=2, rate="50.0%")
    )
    items = card.locator(".result-items > li")
    await expect(items.nth(0).locator(".mean")).to_have_text(
        say("sv.result.mean", mean="5.00", answers=1)
    )
    await expect(items.nth(0).locator(".distribution li").first).to_have_text(
        say("sv.result.point", point=5, count=1)
    )
    await expect(items.nth(1).locator(".mean")).to_have_text(
        say("sv.result.mean", mean="4.00", answers=1)
    )
    await expect(items.nth(2).locator(".mean")).to_have_text(
        say("sv.result.no-mean", answers=0)  # unanswered: no data, not 0
    )
    await expect(items.nth(3).locator(".texts li")).to_have_text(["실습이 많아 좋았습니다"])
    await expect(card).not_to_contain_text("김민지")  # answers carry no names
    await at_both_sizes(ops, "surveys-results", "the closed survey's results")
    await ops.locator("#lang").click()
    await expect(ops.get_by_role("heading", level=1)).to_have_text(EN["sv.heading"])
    await expect(card.locator(".badge.status-closed")).to_have_text(EN["sv.status.closed"])

    # the survey-results report shows the course's closed figures on /reports, with no work of
    # its own: 내용 5 and 업무 4 (the item about 박강사 counts for him) make 4.50
    await ops.goto(str(client.make_url("/reports/survey-results?year=2020&as_of=2020-12-31")))
    course_row = ops.locator(f'tr[data-key="course:{klass.course_id}"]')
    await expect(course_row.locator('[data-column="mean"]')).to_have_text("4.50")
    await expect(course_row.locator('[data-column="response_rate"]')).to_contain_text("50.0")
    await expect(ops.locator("svg.chart, .chart-figure svg").first).to_be_visible()

    # a trainee who did not answer in time finds it closed
    late = await signed_in(browser, client, "lee", form_path)
    await expect(late.locator("#survey-state")).to_have_text(KO["sv.form.closed"])
    await expect(late.locator("#survey-form")).to_be_hidden()
    assert lee.id != kim.id
