"""The administration's instructors section in a real browser: an operator opens /admin from
the home page, adds an instructor and a fee standard version, reads the fees owed for a period
(a row nobody can price shown as 자료 없음 with its reason, never as 0, and left out of the
total), corrects a session's teaching hours from its fee row, records a selection meeting and
reads the approved-vs-taught report; an instructor sees only their own fees; a trainee and
someone not signed in are refused /admin in Korean and English. Every new page passes axe-core
(WCAG 2.2 AA), is reachable by keyboard, and is photographed at phone and desktop size."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect

from server.core.auth.roles import Role
from server.core.clock import ManualClock
from server.core.health import STATIC_DIR
from tests.browser.a11y import (
    _DESCRIBE_JS,
    _START_JS,
    assert_accessible,
    interactive_controls,
    screenshot,
)
from tests.browser.test_login_home import (
    NO_SIDEWAYS_SCROLL,
    catalog,
    link,
    phone,
    sign_in,
)
from tests.conftest import AppClient, add_person
from tests.lms.instructors.helpers import Caller, add_session, kst, make_course

KO = {
    **catalog("ko", "common"), **catalog("ko", "login"), **catalog("ko", "home"),
    **catalog("ko", "admin"), **catalog("ko", "instructors"),
}  # fmt: skip
EN = {**catalog("en", "common"), **catalog("en", "admin")}

#: the standard before the unified one (already on record when the operator comes)
STANDARD_2019 = {
    "effective_from": "2020-01-01",
    "title": "강사료 지급기준 (2019)",
    "rates": [{"grade": "1급", "first_hour_won": 300_000, "further_hour_won": 200_000}],
}


#: the sections the administration shell lists for an operator (static/js/admin/shell.js
#: SECTIONS whose roles include operators)
SHELL_SECTIONS = re.findall(
    r'\{ key: "([\w-]+)", href: "[^"]+", roles: (?:STAFF|READERS) \}',
    (STATIC_DIR / "js" / "admin" / "shell.js").read_text("utf-8"),
)


def say(key: str, **values: object) -> str:
    """A Korean message with its placeholders filled, as the page writes it."""
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), KO[key])


# One Tab press's focus, like a11y.tab_through's, except that staying on the same element
# counts as one stop: Chromium's date input takes a Tab for each of its year, month and day.
_FOCUS_JS = (
    "() => {"
    + _DESCRIBE_JS
    + """
  const el = document.activeElement;
  if (!document.hasFocus() || el === null || el === document.body) return null;
  const seen = window.__stops = window.__stops || [];
  const again = seen.length > 0 && seen[seen.length - 1] === el;
  const earlier = !again && seen.includes(el);
  if (!again) seen.push(el);
  const style = getComputedStyle(el);
  const ring = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
    || (style.boxShadow !== "none" && style.boxShadow !== "");
  return { ...describe(el), again, earlier, focus_visible: ring };
}"""
)


async def assert_keyboard_reaches_everything(page: Page, limit: int = 400) -> None:
    """Tab from the top reaches every visible control, in document order, each with a
    visible focus ring."""
    await page.evaluate("() => { window.__stops = []; }")
    await page.evaluate(_START_JS)
    reached = []
    for _ in range(limit):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(_FOCUS_JS)
        if focused is None or focused["earlier"]:
            break
        if not focused["again"]:
            reached.append(focused)
    assert all(control["focus_visible"] for control in reached), reached
    controls = await interactive_controls(page)
    assert [(c["id"], c["name"]) for c in reached] == [(c["id"], c["name"]) for c in controls]


async def at_both_sizes(page: Page, name: str, context: str) -> None:
    """axe-core, keyboard reach and no sideways scrolling on a phone; screenshots at phone and
    desktop size."""
    await assert_accessible(page, context=f"{context}, on a phone")
    await assert_keyboard_reaches_everything(page)
    await page.set_viewport_size({"width": 320, "height": 640})  # WCAG 1.4.10 reflow
    assert await page.evaluate(NO_SIDEWAYS_SCROLL)
    await page.set_viewport_size({"width": 360, "height": 640})
    await screenshot(page, f"{name}-phone")
    await page.set_viewport_size({"width": 1280, "height": 800})
    await assert_accessible(page, context=f"{context}, on a desktop")
    await screenshot(page, f"{name}-desktop")
    await page.emulate_media(color_scheme="dark")  # the colours hold in dark mode too
    await assert_accessible(page, context=f"{context}, dark, on a desktop")
    await page.emulate_media(color_scheme="light")
    await page.set_viewport_size({"width": 360, "height": 640})


async def test_an_operator_keeps_the_instructor_records(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    # the manual clock is 2020-10-05 09:00 in Seoul
    await add_person(client.app, "hong", [Role.OPERATOR], clock, name="홍길동")
    lee = await add_person(client.app, "lee", [Role.INSTRUCTOR], clock, name="이도윤")
    choi = await add_person(client.app, "choi", [Role.INSTRUCTOR], clock, name="최하은")
    operator = await Caller.of(client, "hong")
    await operator.post("/fee-standards", STANDARD_2019)
    run = await make_course(client.app, title="보고서 작성 실습", code="2020-T-01")
    taught = await add_session(
        client.app, run, kst(2020, 10, 2, 10), minutes=180, instructors=(lee.id,)
    )
    unpriced = await add_session(
        client.app, run, kst(2020, 10, 3, 10), minutes=60, instructors=(choi.id,)
    )
    other_run = await make_course(client.app, title="민원 응대 실습", code="2020-T-02")
    other_course = await add_session(
        client.app, other_run, kst(2020, 10, 4, 10), minutes=60, instructors=(lee.id,)
    )

    context = await phone(browser)
    try:
        page = await context.new_page()
        await page.goto(str(client.make_url("/login?next=/home")))
        await sign_in(page, "hong", "correct horse battery")
        await page.wait_for_url(re.compile(r"/home$"))
        await expect(page.locator("main")).to_have_attribute("data-state", "ready")
        admin_nav = page.get_by_role("navigation", name=KO["home.admin"])
        await link(admin_nav, KO["home.admin.records"]).click()

        await page.wait_for_url(re.compile(r"/admin$"))
        await expect(page.locator("main")).to_have_attribute("data-state", "ready")
        await expect(page.get_by_role("heading", level=1)).to_have_text(KO["admin.heading"])
        sections = page.get_by_role("navigation", name=KO["admin.sections"])
        # one link per section the shell lists, each with its words (no dead or unnamed links)
        await expect(sections.get_by_role("link")).to_have_count(len(SHELL_SECTIONS))
        for key in SHELL_SECTIONS:
            await expect(link(sections, KO[f"admin.section.{key}"])).to_be_visible()
        await expect(link(sections, KO["admin.section.reports"])).to_have_attribute(
            "href", "/reports"
        )
        await at_both_sizes(page, "admin-operator", "the administration shell")
        await link(sections, KO["admin.section.instructors"]).click()

        await page.wait_for_url(re.compile(r"/admin/instructors$"))
        await expect(page.locator("main")).to_have_attribute("data-state", "ready")
        await expect(page.get_by_role("heading", level=1)).to_have_text(KO["ins.heading"])

        # the registry: a new instructor with a log-in and contact data
        form = page.locator("#instructor-form")
        await form.get_by_label(KO["ins.field.name"], exact=True).fill("이도윤")
        await form.get_by_label(KO["ins.field.grade-required"], exact=True).fill("1급")
        await form.get_by_label(KO["ins.field.affiliation"], exact=True).fill("한국행정연구원")
        await form.get_by_label(KO["ins.field.email"], exact=True).fill("lee@example.kr")
        login = form.get_by_label(KO["ins.field.login"], exact=True)
        await login.fill("nobody")  # no such instructor account: refused, nothing made
        await form.get_by_role("button", name=KO["ins.create.submit"], exact=True).click()
        await expect(form.get_by_role("alert")).to_have_text(
            say("ins.error.no-such-login", login="nobody")
        )
        await expect(login).to_be_focused()
        await login.fill("lee")
        await form.get_by_role("button", name=KO["ins.create.submit"], exact=True).click()
        await expect(page.locator("#registry-status")).to_have_text(
            say("ins.created", name="이도윤")
        )
        entry = page.locator("#registry-list tbody tr", has_text="이도윤")
        await expect(entry).to_contain_text("lee@example.kr")
        await expect(entry).to_contain_text("한국행정연구원")

        # edit it: the form shows the linked log-in; only the changed field is sent
        await entry.get_by_role("button", name=say("ins.edit.label", name="이도윤")).click()
        await expect(login).to_have_value("lee")
        await form.get_by_label(KO["ins.field.affiliation"], exact=True).fill("서울시립대학교")
        await form.get_by_role("button", name=KO["ins.edit.submit"], exact=True).click()
        await expect(page.locator("#registry-status")).to_have_text(say("ins.saved", name="이도윤"))
        await expect(entry).to_contain_text("서울시립대학교")
        await expect(login).to_have_value("")  # back to adding a new one

        # search by grade and by internal/external
        search = page.locator("#registry-search")
        await search.get_by_label(KO["ins.field.grade"], exact=True).fill("특급")
        await search.get_by_role("button", name=KO["ins.search.submit"], exact=True).click()
        await expect(page.locator("#registry-status")).to_have_text(
            say("ins.registry.found", count=0)
        )
        await search.get_by_label(KO["ins.field.grade"], exact=True).fill("")
        await search.get_by_label(KO["ins.search.internal"], exact=True).select_option("false")
        await search.get_by_role("button", name=KO["ins.search.submit"], exact=True).click()
        await expect(page.locator("#registry-status")).to_have_text(
            say("ins.registry.found", count=1)
        )
        await expect(entry).to_contain_text(KO["ins.external"])

        # a fee standard version from 2020-10-01: in force on the institute's day
        standard = page.locator("#standard-form")
        await standard.get_by_label(KO["ins.standard.from"], exact=True).fill("2020-10-01")
        await standard.get_by_label(KO["ins.standard.title"], exact=True).fill(
            "강사료 지급기준 (통일)"
        )
        rate = standard.locator(".rate-row").first  # begun from the rates in force: 1급
        await expect(rate.get_by_label(KO["ins.field.grade"], exact=True)).to_have_value("1급")
        await rate.get_by_label(KO["ins.rate.first"], exact=True).fill("350000")
        await rate.get_by_label(KO["ins.rate.further"], exact=True).fill("150000")
        # the same grade twice is refused (problem+json, in words) and changes nothing
        await standard.get_by_role("button", name=KO["ins.rate.add"], exact=True).click()
        twice = standard.locator(".rate-row").nth(1)
        await expect(standard.get_by_role("group", name=say("ins.rate.title", n=2))).to_be_visible()
        await expect(twice.get_by_label(KO["ins.field.grade"], exact=True)).to_be_focused()
        await twice.get_by_label(KO["ins.field.grade"], exact=True).fill("1급")
        await twice.get_by_label(KO["ins.rate.first"], exact=True).fill("1")
        await twice.get_by_label(KO["ins.rate.further"], exact=True).fill("1")
        await standard.get_by_role("button", name=KO["ins.standard.submit"], exact=True).click()
        await expect(standard.get_by_role("alert")).to_contain_text("each grade once")
        await expect(page.locator("#standards-list article")).to_have_count(1)
        await twice.get_by_role("button", name=KO["ins.rate.remove"], exact=True).click()
        await expect(standard.locator(".rate-row")).to_have_count(1)
        await expect(standard.locator(".rate-title")).to_have_text([say("ins.rate.title", n=1)])
        await standard.get_by_role("button", name=KO["ins.standard.submit"], exact=True).click()
        await expect(page.locator("#standards-status")).to_have_text(
            say("ins.standard.saved", title="강사료 지급기준 (통일)", version=1)
        )
        versions = page.locator("#standards-list article")
        await expect(versions).to_have_count(2)
        in_force = page.locator('#standards-list article[data-in-force="yes"]')
        await expect(in_force).to_have_count(1)
        await expect(in_force.get_by_role("heading")).to_contain_text("강사료 지급기준 (통일)")
        await expect(in_force).to_contain_text(KO["ins.standard.in-force"])
        await expect(in_force).to_contain_text("350,000원")
        await expect(page.locator("#standards-list button")).to_have_count(0)  # read-only

        # the fees owed from 1 to 5 October in both courses, then in the first only: one
        # priced row, one nobody can price
        fees = page.locator("#fees-form")
        await fees.get_by_label(KO["fees.from"], exact=True).fill("2020-10-01")
        await fees.get_by_label(KO["fees.to"], exact=True).fill("2020-10-05")
        await fees.get_by_role("button", name=KO["fees.submit"], exact=True).click()
        priced = page.locator(f'#fees-result tr[data-session-id="{taught}"]')
        unknown = page.locator(f'#fees-result tr[data-session-id="{unpriced}"]')
        elsewhere = page.locator(f'#fees-result tr[data-session-id="{other_course}"]')
        await expect(elsewhere).to_contain_text("350,000원")
        await expect(page.locator("#fees-caption-total")).to_have_text("1,000,000원")
        course = fees.get_by_label(KO["ins.fees.course"], exact=True)
        await course.select_option(label="2020-T-01 보고서 작성 실습")
        await fees.get_by_role("button", name=KO["fees.submit"], exact=True).click()
        await expect(elsewhere).to_have_count(0)
        await expect(priced).to_contain_text("650,000원")  # 350,000 + 2 × 150,000
        await expect(unknown).to_contain_text("최하은")
        await expect(unknown).to_contain_text(
            f"{KO['admin.no-data']} — {KO['fees.no-fee.not-registered']}"
        )
        assert "0원" not in (await unknown.inner_text()).replace("650,000원", "")
        await expect(page.locator("#fees-caption-total")).to_have_text("650,000원")
        await expect(page.locator("#fees-caption-unknown")).to_have_text(
            say("fees.rows-without-amount", count=1)
        )
        async with page.expect_download() as download_info:
            await page.get_by_role("button", name=KO["admin.csv"], exact=True).first.click()
        csv = (await (await download_info.value).path()).read_text("utf-8-sig")
        assert "650000" in csv
        assert "not-registered" in csv

        # the priced session was taught for two hours only: correct it from its row
        await priced.get_by_role("button", name=KO["fees.correct"]).click()
        correction = page.locator("#correction-form")
        await expect(correction).to_be_visible()
        await expect(page.get_by_label(KO["ins.correction.minutes"], exact=True)).to_be_focused()
        await correction.get_by_label(KO["ins.correction.minutes"], exact=True).fill("120")
        await correction.get_by_label(KO["ins.correction.reason"], exact=True).fill(
            "접속 장애로 2시간만 강의"
        )
        await correction.get_by_role("button", name=KO["ins.correction.submit"], exact=True).click()
        await expect(page.locator("#teaching-result")).to_contain_text("접속 장애로 2시간만 강의")
        await expect(priced).to_contain_text("500,000원")  # 350,000 + 150,000
        await expect(priced).to_contain_text(KO["fees.corrected"])

        # a selection meeting approving 이도윤 for the course, then the council's report
        meeting = page.locator("#meeting-form")
        await meeting.get_by_label(KO["ins.meeting.held-on"], exact=True).fill("2020-03-02")
        await meeting.get_by_label(KO["ins.meeting.title"], exact=True).fill(
            "2020년 제1차 강사선정심의회"
        )
        approval = meeting.locator(".approval-row").first
        await approval.get_by_label(KO["fees.col.instructor"], exact=True).select_option(
            label="이도윤 (1급)"
        )
        await approval.get_by_label(KO["ins.approval.course"], exact=True).select_option(
            label="2020-T-01 보고서 작성 실습"
        )
        await approval.get_by_label(KO["ins.approval.grade"], exact=True).fill("1급")
        await meeting.get_by_role("button", name=KO["ins.meeting.submit"], exact=True).click()
        await expect(page.locator("#meetings-list article")).to_have_count(1)
        await expect(page.locator("#meetings-list")).to_contain_text(
            "이도윤 — 2020-T-01 보고서 작성 실습 (1급)"
        )

        report = page.locator("#comparison-form")
        await expect(report.get_by_label(KO["ins.year"], exact=True)).to_have_value("2020")
        await report.get_by_role("button", name=KO["ins.comparison.submit"], exact=True).click()
        totals = page.locator("#comparison-totals")
        await expect(totals.locator('[data-status="approved_and_taught"] dd')).to_have_text("1")
        await expect(totals.locator('[data-status="approved_not_taught"] dd')).to_have_text("0")
        await expect(totals.locator('[data-status="taught_without_approval"] dd')).to_have_text("2")
        row = page.locator('#comparison-result tr[data-status="approved_and_taught"]')
        await expect(row).to_contain_text("이도윤")
        await expect(row).to_contain_text("2020-T-01")
        await expect(row).to_contain_text(say("admin.hours", hours=2))
        unapproved = page.locator('#comparison-result tr[data-status="taught_without_approval"]')
        await expect(unapproved.filter(has_text="최하은")).to_contain_text("2020-T-01")
        await expect(unapproved.filter(has_text="이도윤")).to_contain_text("2020-T-02")

        await at_both_sizes(page, "admin-instructors-operator", "the instructors section, filled")
        await page.get_by_role("button", name="English", exact=True).click()
        await expect(page.locator("#fees-caption-unknown")).to_contain_text("not in the total")
        await expect(page.locator("html")).to_have_attribute("lang", "en")
        await expect(unknown).to_contain_text(
            f"{EN['admin.no-data']} — {EN['fees.no-fee.not-registered']}"
        )
        await screenshot(page, "admin-instructors-operator-en-phone")
    finally:
        await context.close()


async def test_an_instructor_sees_only_their_own_fees(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    await add_person(client.app, "hong", [Role.OPERATOR], clock, name="홍길동")
    lee = await add_person(client.app, "lee", [Role.INSTRUCTOR], clock, name="이도윤")
    choi = await add_person(client.app, "choi", [Role.INSTRUCTOR], clock, name="최하은")
    operator = await Caller.of(client, "hong")
    await operator.post("/instructors", {"name": "이도윤", "grade": "1급", "user_id": lee.id})
    await operator.post("/instructors", {"name": "최하은", "grade": "1급", "user_id": choi.id})
    await operator.post("/fee-standards", STANDARD_2019)
    run = await make_course(client.app, title="=1+1 계산 실습")  # would be a formula in Excel
    mine = await add_session(
        client.app, run, kst(2020, 10, 2, 10), minutes=60, instructors=(lee.id,)
    )
    theirs = await add_session(
        client.app, run, kst(2020, 10, 2, 14), minutes=60, instructors=(choi.id,)
    )

    context = await phone(browser)
    try:
        page = await context.new_page()
        await page.goto(str(client.make_url("/login?next=/home")))
        await sign_in(page, "lee", "correct horse battery")
        await page.wait_for_url(re.compile(r"/home$"))
        await expect(page.locator("#admin")).to_be_hidden()
        await link(page.get_by_role("navigation", name=KO["home.nav"]), KO["home.my-fees"]).click()

        await page.wait_for_url(re.compile(r"/my/fees$"))
        await expect(page.locator("main")).to_have_attribute("data-state", "ready")
        await expect(page.get_by_role("heading", level=1)).to_have_text(KO["fees.mine"])
        # this month so far, by the server's day: 2020-10-01 to 2020-10-05
        await expect(page.get_by_label(KO["fees.from"], exact=True)).to_have_value("2020-10-01")
        await expect(page.locator("#fees-result tbody tr")).to_have_count(1)
        await expect(page.locator(f'#fees-result tr[data-session-id="{mine}"]')).to_contain_text(
            "300,000원"
        )
        await expect(page.locator(f'#fees-result tr[data-session-id="{theirs}"]')).to_have_count(0)
        await expect(page.locator("#fees-caption-total")).to_have_text("300,000원")
        async with page.expect_download() as download_info:
            await page.get_by_role("button", name=KO["admin.csv"], exact=True).click()
        download = await download_info.value
        assert download.suggested_filename == "instructor-fees_2020-10-01_2020-10-05.csv"
        csv = (await download.path()).read_text("utf-8-sig")
        assert "'=1+1 계산 실습" in csv  # kept as text
        assert "최하은" not in csv
        await at_both_sizes(page, "my-fees-instructor", "an instructor's own fees")

        refused = await page.goto(str(client.make_url("/admin")))
        assert refused is not None
        assert refused.status == 403
        await expect(page.locator("main")).to_contain_text(KO["admin.refused.staff-only"])
    finally:
        await context.close()


async def test_a_trainee_and_a_stranger_are_refused_the_administration(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    await add_person(client.app, "kim", [Role.TRAINEE], clock, name="김민지")
    context = await phone(browser)
    try:
        page = await context.new_page()
        stranger = await page.goto(str(client.make_url("/admin/instructors")))
        assert stranger is not None
        assert stranger.status == 401
        await expect(page.locator("main")).to_contain_text(KO["admin.refused.not-authenticated"])
        await expect(page.locator("main")).to_contain_text(EN["admin.refused.not-authenticated"])

        await link(page.locator('section[lang="ko"]'), KO["nav.login"]).click()
        await sign_in(page, "kim", "correct horse battery")
        await page.wait_for_url(re.compile(r"/admin/instructors$"))
        main = page.locator("main")
        await expect(main.get_by_role("heading", level=1)).to_have_text(KO["admin.refused.heading"])
        await expect(main).to_contain_text(KO["admin.refused.staff-only"])
        await expect(main.locator('section[lang="en"]')).to_contain_text(
            EN["admin.refused.staff-only"]
        )
        await expect(page.locator("#sections, #registry")).to_have_count(0)  # no page behind it
        home = link(main.locator('section[lang="ko"]'), KO["nav.home"])
        await expect(home).to_have_attribute("href", "/home")
        await assert_accessible(page, context="the administration refused to a trainee")
        await screenshot(page, "admin-refused-trainee-phone")
        for path in ("/admin", "/my/fees"):
            response = await page.goto(str(client.make_url(path)))
            assert response is not None
            assert response.status == 403, path
    finally:
        await context.close()


async def test_an_instructor_not_in_the_registry_is_told_so_not_shown_nothing(
    client: AppClient, clock: ManualClock, browser: Browser
) -> None:
    await add_person(client.app, "park", [Role.INSTRUCTOR], clock, name="박서준")
    context = await phone(browser)
    try:
        page = await context.new_page()
        await page.goto(str(client.make_url("/login?next=/my/fees")))
        await sign_in(page, "park", "correct horse battery")
        await page.wait_for_url(re.compile(r"/my/fees$"))
        await expect(page.locator("main")).to_have_attribute("data-state", "ready")
        await expect(page.locator("#fees-status")).to_have_text(KO["fees.mine.not-registered"])
        await expect(page.locator("#fees-result table")).to_have_count(0)  # no empty table, no 0
        await expect(page.get_by_role("button", name=KO["admin.csv"], exact=True)).to_be_disabled()
        await assert_accessible(page, context="my fees, not in the registry")
    finally:
        await context.close()
